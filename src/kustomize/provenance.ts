import type { SourceRange } from '../parse/documents.js';
import { parsePointer } from '../parse/pointer.js';

/** What kind of source set a rendered value. */
export type OriginRole = 'resource' | 'patch' | 'kustomization' | 'generator-input';

/** One source document (or a fixed place in a file) that can turn a pointer into a range in its file. */
export interface SourceDoc {
  /** Path relative to the repository root. */
  file: string;
  role: OriginRole;
  locate(pointer: string): SourceRange;
}

/** Where one rendered value came from: a node of a source document. */
export interface Origin {
  doc: SourceDoc;
  /** JSON pointer into the source document (the kustomization for transformer-made values). */
  pointer: string;
}

/** A place in a file the user can edit, and what kind of source it is. */
export interface SourceLocation extends SourceRange {
  file: string;
  role: OriginRole;
}

/**
 * The provenance tree: the same shape as the data it describes (objects for maps, arrays for
 * lists, an empty object for a scalar), each node carrying the origin of that value under a
 * symbol. Because the shape is the data's shape, a JSON Patch applies to it unchanged.
 */
const ORIGIN = Symbol('origin');

export type Prov = object;
type ProvMap = Record<string, Prov> & { [ORIGIN]: Origin };
type ProvList = Prov[] & { [ORIGIN]: Origin };

export function originOf(prov: Prov): Origin {
  return (prov as { [ORIGIN]: Origin })[ORIGIN];
}

/** A provenance tree for `data` where every node came from `doc` at `base` + its own path. */
export function provFromSource(data: unknown, doc: SourceDoc, base: string): Prov {
  const at = (pointer: string): Origin => ({ doc, pointer });
  const build = (value: unknown, pointer: string): Prov => {
    if (Array.isArray(value)) {
      const list = value.map((v, i) => build(v, `${pointer}/${i}`)) as ProvList;
      list[ORIGIN] = at(pointer);
      return list;
    }
    const node = {} as ProvMap;
    node[ORIGIN] = at(pointer);
    if (isMap(value)) for (const [k, v] of Object.entries(value)) node[k] = build(v, `${pointer}/${escape(k)}`);
    return node;
  };
  return build(data, base);
}

/** A provenance tree for `data` where every node has the one origin (a transformer-made value). */
export function provConst(data: unknown, origin: Origin): Prov {
  if (Array.isArray(data)) {
    const list = data.map((v) => provConst(v, origin)) as ProvList;
    list[ORIGIN] = origin;
    return list;
  }
  const node = {} as ProvMap;
  node[ORIGIN] = origin;
  if (isMap(data)) for (const [k, v] of Object.entries(data)) node[k] = provConst(v, origin);
  return node;
}

/** A deep copy that keeps the origins (a JSON clone would drop the symbol). */
export function cloneProv(prov: Prov): Prov {
  if (Array.isArray(prov)) {
    const list = prov.map(cloneProv) as ProvList;
    list[ORIGIN] = originOf(prov);
    return list;
  }
  const node = {} as ProvMap;
  node[ORIGIN] = originOf(prov);
  for (const [k, v] of Object.entries(prov as Record<string, Prov>)) node[k] = cloneProv(v);
  return node;
}

/** The child node at one key or index, if there is one. */
export function provChild(prov: Prov, key: string | number): Prov | undefined {
  if (Array.isArray(prov)) return prov[Number(key)] as Prov | undefined;
  return Object.prototype.hasOwnProperty.call(prov, key) ? (prov as Record<string, Prov>)[key] : undefined;
}

/** The origin of the deepest node on `pointer` that exists (the nearest parent of a missing value). */
export function originAt(prov: Prov, pointer: string): Origin {
  let node = prov;
  for (const seg of parsePointer(pointer)) {
    const next = provChild(node, seg);
    if (!next) break;
    node = next;
  }
  return originOf(node);
}

export function locateOrigin(origin: Origin): SourceLocation {
  return { file: origin.doc.file, role: origin.doc.role, ...origin.doc.locate(origin.pointer) };
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
