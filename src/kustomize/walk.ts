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
 * the way are made, their provenance being `origin`; a list (`name[]`) never is, as in
 * kustomize, which only turns a null one into an empty list.
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
    const segment = spec.path[i]!;
    const isList = segment.endsWith('[]');
    const key = isList ? segment.slice(0, -2) : segment;
    if (i === spec.path.length - 1) {
      fn(node, prov, key);
      return;
    }
    let next = node[key];
    if (isList && next === null) setValue(node, prov, key, [], origin);
    if (next === undefined || next === null) {
      if (isList || !spec.create) return;
      next = {};
      setValue(node, prov, key, next, origin);
    }
    walk(next, provChild(prov, key)!, i + 1);
  };
  walk(res.data, res.prov, 0);
}
