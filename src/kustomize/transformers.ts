import { COMMON_ANNOTATIONS, NAME_FIXED_KINDS, REPLICAS, splitPath, type FieldSpec } from './field-specs.js';
import { isMap, provChild, type Origin, type Prov } from './provenance.js';
import { currentId, ensureMap, isClusterScoped, kindOf, RenderError, setName, setNamespace, setValue, type Resource } from './resource.js';
import { specApplies, visitField } from './walk.js';

/** `namespace:` — metadata.namespace of namespaced objects, the name of Namespace objects, and the places kustomize follows. */
export function setNamespaces(resources: Resource[], namespace: string, origin: Origin, configured: readonly FieldSpec[] = []): void {
  const extra: FieldSpec[] = [
    { kind: 'APIService', group: 'apiregistration.k8s.io', path: splitPath('spec/service/namespace'), create: true },
    { kind: 'CustomResourceDefinition', group: 'apiextensions.k8s.io', path: splitPath('spec/conversion/webhook/clientConfig/service/namespace'), create: false },
    ...configured.filter((spec) => spec.path.join('/') !== 'metadata/namespace'),
  ];
  for (const res of resources) {
    const kind = kindOf(res);
    if (kind === 'Namespace') setName(res, namespace, origin);
    else if (!isClusterScoped(res)) setNamespace(res, namespace, origin);
    for (const spec of extra) {
      if (!specApplies(spec, res)) continue;
      visitField(res, spec, origin, (holder, holderProv, key) => {
        if (holder[key] !== undefined || spec.create) setValue(holder, holderProv, key, namespace, origin);
      });
    }
    // kustomize's default for bindings: a subject named "default", whatever its kind, moves with the namespace.
    if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') {
      const subjects = res.data.subjects;
      const subjectsProv = provChild(res.prov, 'subjects');
      if (!Array.isArray(subjects) || !subjectsProv) continue;
      subjects.forEach((s, i) => {
        if (isMap(s) && s.name === 'default') setValue(s, provChild(subjectsProv, i)!, 'namespace', namespace, origin);
      });
    }
  }
}

/** `namePrefix:` / `nameSuffix:` on every object but CRDs, APIServices and Namespaces. */
export function addNameAffix(resources: Resource[], affix: { prefix?: string; suffix?: string }, origin: Origin): void {
  for (const res of resources) {
    if (NAME_FIXED_KINDS.has(kindOf(res))) continue;
    setName(res, `${affix.prefix ?? ''}${currentId(res).name}${affix.suffix ?? ''}`, origin);
  }
}

/** Adds string pairs (labels or annotations) at every place the field specs name. */
export function addPairs(resources: Resource[], pairs: Record<string, unknown>, specs: readonly FieldSpec[], originOfKey: (key: string) => Origin): void {
  const entries = Object.entries(pairs);
  if (entries.length === 0) return;
  const first = originOfKey(entries[0]![0]);
  for (const res of resources) {
    for (const spec of specs) {
      if (!specApplies(spec, res)) continue;
      visitField(res, spec, first, (holder, holderProv, key) => {
        if (!isMap(holder[key]) && !spec.create) return;
        const [map, mapProv] = ensureMap(holder, holderProv, key, first);
        for (const [k, v] of entries) setValue(map, mapProv, k, stringOf(v), originOfKey(k));
      });
    }
  }
}

export function addAnnotations(resources: Resource[], annotations: Record<string, unknown>, originOfKey: (key: string) => Origin): void {
  addPairs(resources, annotations, COMMON_ANNOTATIONS, originOfKey);
}

/** kustomize writes map values as YAML scalars; here they are strings, as Kubernetes requires. */
function stringOf(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : String(v);
}

/** `replicas:` — spec.replicas of the workloads with that (current or earlier) name. */
export function setReplicas(resources: Resource[], name: string, count: number, origin: Origin): void {
  for (const res of resources) {
    if (!res.ids.some((id) => id.name === name)) continue;
    for (const spec of REPLICAS) {
      if (!specApplies(spec, res)) continue;
      visitField(res, spec, origin, (holder, holderProv, key) => setValue(holder, holderProv, key, count, origin));
    }
  }
}

export interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/**
 * `images:` — every `image` of a list named containers or initContainers anywhere in an object
 * (kustomize's image transformer walks the whole object, custom resources included).
 */
export function setImages(resources: Resource[], rule: ImageRule, origin: Origin): void {
  const visit = (node: unknown, prov: Prov): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, provChild(prov, i)!));
      return;
    }
    if (!isMap(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const childProv = provChild(prov, key)!;
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
        value.forEach((c, i) => {
          if (!isMap(c) || typeof c.image !== 'string') return;
          const updated = updateImage(c.image, rule);
          if (updated !== null) setValue(c, provChild(childProv, i)!, 'image', updated, origin);
        });
      }
      visit(value, childProv);
    }
  };
  for (const res of resources) visit(res.data, res.prov);
}

/** The new image reference, or null when the rule is for another image. */
function updateImage(image: string, rule: ImageRule): string | null {
  let { name, tag, digest } = splitImage(image);
  if (name !== rule.name) return null;
  if (rule.newName) name = rule.newName;
  if (rule.newTag && rule.digest) {
    tag = rule.newTag;
    digest = rule.digest;
  } else if (rule.newTag) {
    tag = rule.newTag;
    digest = '';
  } else if (rule.digest) {
    tag = '';
    digest = rule.digest;
  }
  return `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

/** [[host[:port]/]path[:tag][@digest]: the registry's port is not a tag. */
function splitImage(image: string): { name: string; tag: string; digest: string } {
  const slash = Math.max(image.indexOf('/'), 0);
  const rest = image.slice(slash);
  const at = rest.indexOf('@');
  const colon = rest.indexOf(':');
  if (at < 0 && colon < 0) return { name: image, tag: '', digest: '' };
  if (at >= 0 && (colon < 0 || at < colon)) return { name: image.slice(0, slash + at), tag: '', digest: image.slice(slash + at + 1) };
  if (at >= 0) return { name: image.slice(0, slash + colon), tag: image.slice(slash + colon + 1, slash + at), digest: image.slice(slash + at + 1) };
  return { name: image.slice(0, slash + colon), tag: image.slice(slash + colon + 1), digest: '' };
}

export function readImageRule(value: unknown, where: string): ImageRule {
  if (!isMap(value) || typeof value.name !== 'string') throw new RenderError(`${where}: an image entry needs a name`);
  const rule: ImageRule = { name: value.name };
  for (const key of Object.keys(value)) {
    if (key === 'name') continue;
    if (key !== 'newName' && key !== 'newTag' && key !== 'digest') throw new RenderError(`not rendered: ${where}: images field "${key}" is not supported`);
    const v = value[key];
    rule[key] = typeof v === 'string' ? v : String(v);
  }
  return rule;
}

/** The pointer of the most specific field of an image entry (what a user edits). */
export function imageRulePointer(base: string, rule: ImageRule): string {
  if (rule.digest) return `${base}/digest`;
  if (rule.newTag) return `${base}/newTag`;
  if (rule.newName) return `${base}/newName`;
  return base;
}

