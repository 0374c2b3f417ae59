import { NAME_REFERENCES, type NameReference } from './field-specs.js';
import { cloneProv, isMap, originAt, provChild, type Prov } from './provenance.js';
import { currentId, groupOfResource, isClusterScoped, kindOf, RenderError, setValue, versionOf, type Resource } from './resource.js';
import { specApplies, visitField } from './walk.js';

/**
 * After names changed (prefix, suffix, namespace, content hash), points every reference at the
 * object's final name, in the fields kustomize's name-reference transformer updates. A reference
 * matches an object that had that name; the new value's origin is what set the new name.
 */
export function fixNameReferences(resources: Resource[]): void {
  for (const ref of NAME_REFERENCES) {
    const candidates = resources.filter(
      (r) => kindOf(r) === ref.kind && (ref.group === undefined || groupOfResource(r) === ref.group) && (ref.version === undefined || versionOf(r) === ref.version),
    );
    if (!candidates.some((c) => c.ids.length > 1)) continue;
    for (const referrer of resources) {
      for (const spec of ref.fields) {
        if (!specApplies(spec, referrer)) continue;
        visitField(referrer, spec, originAt(referrer.prov, ''), (holder, holderProv, key) =>
          updateReference(ref, { resources, candidates, referrer, reachable: reachableFrom(referrer) }, holder, holderProv, key),
        );
      }
    }
  }
}

/** What a reference is looked up among; `reachable` is fixed before the referrer's references change. */
interface Lookup {
  resources: Resource[];
  candidates: Resource[];
  referrer: Resource;
  reachable: (target: Resource) => boolean;
}

function updateReference(ref: NameReference, lookup: Lookup, holder: Record<string, unknown>, holderProv: Prov, key: string): void {
  const value = holder[key];
  // A sibling `kind` (roleRef, scaleTargetRef) says which kind the name is of.
  if (typeof holder.kind === 'string' && holder.kind !== ref.kind && key === 'name') return;
  if (typeof value === 'string') {
    const target = findReferral(ref, lookup, value, undefined);
    if (target) renameAt(holder, holderProv, key, target);
    return;
  }
  if (Array.isArray(value)) {
    const listProv = provChild(holderProv, key)!;
    value.forEach((item, i) => {
      if (typeof item === 'string') {
        const target = findReferral(ref, lookup, item, undefined);
        if (target && currentId(target).name !== item) {
          value[i] = currentId(target).name;
          (listProv as Prov[])[i] = cloneProv(provChild(provChild(target.prov, 'metadata')!, 'name')!);
        }
      } else if (isMap(item) && typeof item.name === 'string') {
        // RoleBinding subjects: the name and, for a namespaced object, its namespace. kustomize does
        // not look at a subject's kind: a User or Group named like a ServiceAccount changes with it.
        const ns = typeof item.namespace === 'string' ? item.namespace : undefined;
        const target = findReferral(ref, lookup, item.name, ns);
        if (!target) return;
        const itemProv = provChild(listProv, i)!;
        renameAt(item, itemProv, 'name', target);
        const targetNs = currentId(target).namespace;
        if (targetNs !== '' && item.namespace !== targetNs) setValue(item, itemProv, 'namespace', targetNs, originAt(target.prov, '/metadata/namespace'));
      }
    });
    return;
  }
  if (isMap(value) && typeof value.name === 'string') {
    // A webhook's clientConfig.service: {name, namespace}.
    const ns = typeof value.namespace === 'string' ? value.namespace : undefined;
    const target = findReferral(ref, lookup, value.name, ns);
    if (!target) return;
    const valueProv = provChild(holderProv, key)!;
    renameAt(value, valueProv, 'name', target);
    const targetNs = currentId(target).namespace;
    if (targetNs !== '') setValue(value, valueProv, 'namespace', targetNs, originAt(target.prov, '/metadata/namespace'));
  }
}

function renameAt(holder: Record<string, unknown>, holderProv: Prov, key: string, target: Resource): void {
  const name = currentId(target).name;
  if (holder[key] === name) return;
  holder[key] = name;
  (holderProv as Record<string, Prov>)[key] = cloneProv(provChild(provChild(target.prov, 'metadata')!, 'name')!);
}

/**
 * The one object a reference means, or null; two equally good ones are an error, as in kustomize.
 * A reference that names a namespace means an object first in that namespace when any object the
 * referrer can reach was; otherwise one in it now.
 */
function findReferral(ref: NameReference, { resources, candidates, referrer, reachable }: Lookup, name: string, namespace: string | undefined): Resource | null {
  // kustomize matches the names an object had before its current one: one never renamed or moved
  // is no referral. Across namespaces, only a ServiceAccount (a RoleBinding's subject) is referred to.
  let found = candidates.filter((c) => c.ids.slice(0, -1).some((id) => id.name === name) && (ref.kind === 'ServiceAccount' ? reachable(c) : inScopeOf(referrer, c)));
  if (namespace !== undefined) {
    const namespaced = resources.filter((r) => reachable(r) && !isClusterScoped(r));
    const first = namespaced.filter((r) => effective(r.ids[0]!.namespace) === namespace);
    const group = first.length > 0 ? first : namespaced.filter((r) => effective(currentId(r).namespace) === namespace);
    found = found.filter((c) => group.includes(c));
  }
  if (found.length > 1) {
    const names = found.map((c) => currentId(c).name).join(', ');
    throw new RenderError(`${kindOf(referrer)} "${currentId(referrer).name}" refers to ${ref.kind} "${name}", which could be any of: ${names}`);
  }
  return found[0] ?? null;
}

/**
 * What `referrer` can refer to, as kustomize narrows it: objects in its scope and, for a
 * RoleBinding, objects in a namespace one of its ServiceAccount subjects names.
 */
function reachableFrom(referrer: Resource): (target: Resource) => boolean {
  const subjects = kindOf(referrer) === 'RoleBinding' && Array.isArray(referrer.data.subjects) ? referrer.data.subjects : [];
  const namespaces = new Set(subjects.flatMap((s) => (isMap(s) && s.kind === 'ServiceAccount' && typeof s.namespace === 'string' ? [s.namespace] : [])));
  return (target) => inScopeOf(referrer, target) || namespaces.has(currentId(target).namespace);
}

/** Either is cluster-scoped, or both are in one namespace. */
function inScopeOf(referrer: Resource, target: Resource): boolean {
  return isClusterScoped(referrer) || isClusterScoped(target) || effective(currentId(referrer).namespace) === effective(currentId(target).namespace);
}

function effective(namespace: string): string {
  return namespace === '' ? 'default' : namespace;
}
