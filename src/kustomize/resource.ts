import { groupOf } from '../parse/identity.js';
import { isMap, provChild, provConst, type Origin, type Prov } from './provenance.js';

/** One (namespace, name) a resource has had; "" is no namespace. */
export interface NameRecord {
  namespace: string;
  name: string;
}

/** A resource being rendered: its data, the provenance tree beside it, and its name history. */
export interface Resource {
  data: Record<string, unknown>;
  prov: Prov;
  /** Every (namespace, name) it has had, oldest first; the last is the current one. */
  ids: NameRecord[];
  /** A generated ConfigMap/Secret that gets a content-hash suffix: the origin of its generator entry. */
  hashSuffix: Origin | null;
}

export class RenderError extends Error {}

export function kindOf(res: Resource): string {
  return typeof res.data.kind === 'string' ? res.data.kind : '';
}

function apiVersionOf(res: Resource): string {
  return typeof res.data.apiVersion === 'string' ? res.data.apiVersion : '';
}

export function groupOfResource(res: Resource): string {
  return groupOf(apiVersionOf(res));
}

export function versionOf(res: Resource): string {
  const v = apiVersionOf(res);
  return v.includes('/') ? v.slice(v.indexOf('/') + 1) : v;
}

export function currentId(res: Resource): NameRecord {
  return res.ids[res.ids.length - 1]!;
}

function metadataOf(res: Resource): Record<string, unknown> {
  return isMap(res.data.metadata) ? res.data.metadata : {};
}

export function labelsOf(res: Resource): Record<string, unknown> {
  const m = metadataOf(res);
  return isMap(m.labels) ? m.labels : {};
}

export function annotationsOf(res: Resource): Record<string, unknown> {
  const m = metadataOf(res);
  return isMap(m.annotations) ? m.annotations : {};
}

/** Sets `holder[key]` and its provenance; every node of a structured value gets `origin`. */
export function setValue(holder: Record<string, unknown>, holderProv: Prov, key: string, value: unknown, origin: Origin): void {
  holder[key] = value;
  (holderProv as Record<string, Prov>)[key] = provConst(value, origin);
}

/** The map at `key` in `holder`, made (with `origin`) when it is missing. */
export function ensureMap(holder: Record<string, unknown>, holderProv: Prov, key: string, origin: Origin): [Record<string, unknown>, Prov] {
  const cur = holder[key];
  if (isMap(cur)) {
    let p = provChild(holderProv, key);
    if (!p) {
      p = provConst(cur, origin);
      (holderProv as Record<string, Prov>)[key] = p;
    }
    return [cur, p];
  }
  const made: Record<string, unknown> = {};
  setValue(holder, holderProv, key, made, origin);
  return [made, provChild(holderProv, key)!];
}

/** Renames a resource (metadata.name), recording the old name. */
export function setName(res: Resource, name: string, origin: Origin): void {
  const [meta, metaProv] = ensureMap(res.data, res.prov, 'metadata', origin);
  setValue(meta, metaProv, 'name', name, origin);
  res.ids.push({ namespace: currentId(res).namespace, name });
}

export function setNamespace(res: Resource, namespace: string, origin: Origin): void {
  const [meta, metaProv] = ensureMap(res.data, res.prov, 'metadata', origin);
  setValue(meta, metaProv, 'namespace', namespace, origin);
  res.ids.push({ namespace, name: currentId(res).name });
}

/**
 * Objects without a namespace, as kustomize knows them: from its built-in OpenAPI schema
 * (Kubernetes 1.21), so by group, kind and version. Anything else, custom resources included,
 * is namespaced to kustomize and gets `namespace:` (checked against kubectl in
 * fixtures/kustomize/namespace-cluster-scoped).
 */
const CLUSTER_SCOPED: Record<string, string[]> = {
  '/Namespace': ['v1'],
  '/Node': ['v1'],
  '/PersistentVolume': ['v1'],
  '/ComponentStatus': ['v1'],
  'rbac.authorization.k8s.io/ClusterRole': ['v1', 'v1beta1', 'v1alpha1'],
  'rbac.authorization.k8s.io/ClusterRoleBinding': ['v1', 'v1beta1', 'v1alpha1'],
  'storage.k8s.io/StorageClass': ['v1', 'v1beta1'],
  'storage.k8s.io/CSIDriver': ['v1', 'v1beta1'],
  'storage.k8s.io/CSINode': ['v1', 'v1beta1'],
  'storage.k8s.io/VolumeAttachment': ['v1', 'v1beta1', 'v1alpha1'],
  'apiextensions.k8s.io/CustomResourceDefinition': ['v1', 'v1beta1'],
  'apiregistration.k8s.io/APIService': ['v1', 'v1beta1'],
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': ['v1', 'v1beta1'],
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': ['v1', 'v1beta1'],
  'scheduling.k8s.io/PriorityClass': ['v1', 'v1beta1', 'v1alpha1'],
  'node.k8s.io/RuntimeClass': ['v1', 'v1beta1', 'v1alpha1'],
  'networking.k8s.io/IngressClass': ['v1', 'v1beta1'],
  'policy/PodSecurityPolicy': ['v1beta1'],
  'certificates.k8s.io/CertificateSigningRequest': ['v1', 'v1beta1'],
  'flowcontrol.apiserver.k8s.io/FlowSchema': ['v1beta1', 'v1alpha1'],
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration': ['v1beta1', 'v1alpha1'],
  'authentication.k8s.io/TokenReview': ['v1', 'v1beta1'],
  'authorization.k8s.io/SelfSubjectAccessReview': ['v1', 'v1beta1'],
  'authorization.k8s.io/SelfSubjectRulesReview': ['v1', 'v1beta1'],
  'authorization.k8s.io/SubjectAccessReview': ['v1', 'v1beta1'],
};

/** kustomize's EffectiveNamespace of one of a resource's ids: `default` for none, null for a cluster-scoped kind (no namespace selects it). */
export function effectiveNamespace(res: Resource, namespace: string): string | null {
  return isClusterScoped(res) ? null : namespace || 'default';
}

export function isClusterScoped(res: Resource): boolean {
  return CLUSTER_SCOPED[`${groupOfResource(res)}/${kindOf(res)}`]?.includes(versionOf(res)) ?? false;
}

/** Builds a resource from a parsed object, checking it has what kustomize requires (`where` names it in errors). */
export function makeResource(data: unknown, prov: Prov, where: () => string): Resource {
  if (!isMap(data)) throw new RenderError(`${where()}: a resource must be a map, not ${Array.isArray(data) ? 'a list' : typeof data}`);
  const meta = isMap(data.metadata) ? data.metadata : {};
  if (typeof data.kind !== 'string' || data.kind === '') throw new RenderError(`${where()}: a resource has no kind`);
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (name === '') throw new RenderError(`${where()}: ${data.kind} has no metadata.name`);
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  return { data, prov, ids: [{ namespace, name }], hashSuffix: null };
}
