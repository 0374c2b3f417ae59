import { NAME_REFERENCES, type NameReference } from './field-specs.js';
import { cloneProv, isMap, originAt, provChild, type Prov } from './provenance.js';
import { currentId, groupOfResource, isClusterScoped, kindOf, RenderError, setValue, versionOf, type Resource } from './resource.js';
import { specApplies, visitField } from './walk.js';

/**
 * After names changed (prefix, suffix, namespace, content hash), points every reference at the
 * object's final name, in the fields kustomize's name-reference transformer updates. A reference
 * matches an object that has (or had) that name; the new value's origin is what set the new name.
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
          updateReference(ref, candidates, referrer, holder, holderProv, key),
        );
      }
    }
  }
}

function updateReference(ref: NameReference, candidates: Resource[], referrer: Resource, holder: Record<string, unknown>, holderProv: Prov, key: string): void {
  const value = holder[key];
  // A sibling `kind` (roleRef, scaleTargetRef) says which kind the name is of.
  if (typeof holder.kind === 'string' && holder.kind !== ref.kind && key === 'name') return;
  if (typeof value === 'string') {
    const target = findReferral(ref, candidates, referrer, value, undefined);
    if (target) renameAt(holder, holderProv, key, target);
    return;
  }
  if (Array.isArray(value)) {
    const listProv = provChild(holderProv, key)!;
    value.forEach((item, i) => {
      if (typeof item === 'string') {
        const target = findReferral(ref, candidates, referrer, item, undefined);
        if (target && currentId(target).name !== item) {
          value[i] = currentId(target).name;
          (listProv as Prov[])[i] = cloneProv(provChild(provChild(target.prov, 'metadata')!, 'name')!);
        }
      } else if (isMap(item) && item.kind === ref.kind && typeof item.name === 'string') {
        // RoleBinding subjects: the name and, for a namespaced object, its namespace.
        const ns = typeof item.namespace === 'string' ? item.namespace : undefined;
        const target = findReferral(ref, candidates, referrer, item.name, ns);
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
    const target = findReferral(ref, candidates, referrer, value.name, ns);
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

/** The one object a reference means, or null; two equally good ones are an error, as in kustomize. */
function findReferral(ref: NameReference, candidates: Resource[], referrer: Resource, name: string, namespace: string | undefined): Resource | null {
  let found = candidates.filter((c) => c.ids.some((id) => id.name === name));
  if (namespace !== undefined) {
    found = found.filter((c) => c.ids.some((id) => id.namespace === namespace));
  } else if (!isClusterScoped(referrer)) {
    const ns = effective(currentId(referrer).namespace);
    found = found.filter((c) => isClusterScoped(c) || effective(currentId(c).namespace) === ns);
  }
  if (found.length > 1) {
    const names = found.map((c) => currentId(c).name).join(', ');
    throw new RenderError(`${kindOf(referrer)} "${currentId(referrer).name}" refers to ${ref.kind} "${name}", which could be any of: ${names}`);
  }
  return found[0] ?? null;
}

function effective(namespace: string): string {
  return namespace === '' ? 'default' : namespace;
}
