import type { FieldSpec } from './field-specs.js';
import { isMap, provChild, type Origin, type Prov } from './provenance.js';
import { groupOfResource, kindOf, setValue, type Resource } from './resource.js';

/** Whether a field spec applies to a resource (by kind and group). */
export function specApplies(spec: FieldSpec, res: Resource): boolean {
  if (spec.kind !== undefined && spec.kind !== kindOf(res)) return false;
  if (spec.group !== undefined && spec.group !== groupOfResource(res)) return false;
  return true;
}

/**
 * Calls `fn` with the map holding the last path segment, for every place the spec's path
 * reaches (lists on the way are walked element by element). With `create`, missing maps on
 * the way are made, their provenance being `origin`.
 */
export function visitField(
  res: Resource,
  spec: FieldSpec,
  origin: Origin,
  fn: (holder: Record<string, unknown>, holderProv: Prov, key: string) => void,
): void {
  const walk = (node: unknown, prov: Prov, i: number): void => {
    if (Array.isArray(node)) {
      node.forEach((item, j) => walk(item, provChild(prov, j)!, i));
      return;
    }
    if (!isMap(node)) return;
    const key = spec.path[i]!;
    if (i === spec.path.length - 1) {
      fn(node, prov, key);
      return;
    }
    let next = node[key];
    if (next === undefined || next === null) {
      if (!spec.create) return;
      next = {};
      setValue(node, prov, key, next, origin);
    }
    walk(next, provChild(prov, key)!, i + 1);
  };
  walk(res.data, res.prov, 0);
}
