import { createHash } from 'node:crypto';
import { isMap } from './provenance.js';
import type { Resource } from './resource.js';

/**
 * kustomize's content hash of a ConfigMap or Secret (api/hasher): SHA-256 of a JSON encoding of
 * {kind, name, data[, binaryData]} or {kind, type, name, data[, stringData]}, keys sorted and
 * HTML characters escaped as Go's encoding/json does, then the first ten hex digits with
 * 0,1,3,a,e changed to g,h,k,m,t (no vowels, no look-alike digits).
 *
 * `name` is always "": kustomize looks the name up as one key named "metadata/name", which no
 * object has (checked against kubectl's output in fixtures/kustomize). The hash is therefore
 * the same before and after a name prefix.
 */
export function contentHash(res: Resource): string {
  const d = res.data;
  const field = (v: unknown): unknown => (v === undefined || v === null ? '' : v);
  const m: Record<string, unknown> =
    d.kind === 'Secret'
      ? { kind: 'Secret', type: field(d.type), name: '', data: field(d.data) }
      : { kind: 'ConfigMap', name: '', data: field(d.data) };
  if (d.kind === 'Secret' && isMap(d.stringData)) m.stringData = d.stringData;
  if (d.kind !== 'Secret' && isMap(d.binaryData)) m.binaryData = d.binaryData;
  const hex = createHash('sha256').update(encodeGoJson(m), 'utf8').digest('hex');
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => swap[c] ?? c).join('');
}

/** JSON as Go's json.Marshal writes it: map keys sorted, <, >, &, U+2028 and U+2029 escaped. */
function encodeGoJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(encodeGoJson).join(',')}]`;
  if (isMap(value)) {
    const keys = Object.keys(value).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return `{${keys.map((k) => `${encodeGoString(k)}:${encodeGoJson(value[k])}`).join(',')}}`;
  }
  if (typeof value === 'string') return encodeGoString(value);
  return JSON.stringify(value);
}

function encodeGoString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
