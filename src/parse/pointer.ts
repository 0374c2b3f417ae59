/** JSON pointers (RFC 6901): the one path notation of rules, findings and drift. */

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  const segs = pointer.slice(1).split('/');
  return pointer.includes('~') ? segs.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')) : segs;
}

const segmentsMemo = new Map<string, readonly string[]>();
const MAX_MEMO = 10_000;

/**
 * A pointer's segments, parsed once (read only): the same few places (`/spec/template/spec`, a rule's
 * target) are asked of thousands of documents.
 */
export function pointerSegments(pointer: string): readonly string[] {
  let segs = segmentsMemo.get(pointer);
  if (segs === undefined) {
    if (segmentsMemo.size >= MAX_MEMO) segmentsMemo.clear();
    segmentsMemo.set(pointer, (segs = parsePointer(pointer)));
  }
  return segs;
}

export function joinPointer(base: string, ...segments: (string | number)[]): string {
  let out = base;
  for (const seg of segments) {
    const s = String(seg);
    out += '/' + (s.includes('~') || s.includes('/') ? s.replace(/~/g, '~0').replace(/\//g, '~1') : s);
  }
  return out;
}

/** The value at `pointer` in `data`, or undefined. */
export function getAtPointer(data: unknown, pointer: string): unknown {
  return getAtSegments(data, pointerSegments(pointer));
}

/** The value at a pointer's first `end` segments in `data`, or undefined. */
export function getAtSegments(data: unknown, segs: readonly string[], end = segs.length): unknown {
  let cur: unknown = data;
  for (let i = 0; i < end; i++) {
    const seg = segs[i]!;
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (typeof cur === 'object' && cur !== null) cur = (cur as Record<string, unknown>)[seg];
    else return undefined;
  }
  return cur;
}

/** The same place, or one inside the other (a volume and that volume's path). */
export function pointersOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(b + '/') || b.startsWith(a + '/');
}
