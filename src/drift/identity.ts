import type { ResourceId } from '../report/types.js';

/** Kinds without a namespace (the built-in ones and common add-ons). */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'VolumeAttachment', 'CSIDriver', 'CSINode',
  'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'IngressClass', 'RuntimeClass',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'APIService', 'CertificateSigningRequest', 'FlowSchema',
  'PriorityLevelConfiguration', 'ComponentStatus', 'ClusterIssuer', 'VolumeSnapshotClass', 'VolumeSnapshotContent',
  'ClusterServingRuntime', 'ClusterStorageContainer', 'GatewayClass',
]);

/**
 * Scope of kinds as the snapshot shows them: "group/kind" → true when its live objects have no
 * namespace (cluster-scoped, custom resources included), false when they have one.
 */
export type LearnedScopes = ReadonlyMap<string, boolean>;

/** Learns each kind's scope from the live objects: a kind whose objects carry no namespace is cluster-scoped. */
export function learnScopes(ids: Iterable<ResourceId>): LearnedScopes {
  const out = new Map<string, boolean>();
  for (const id of ids) {
    const k = `${id.group}/${id.kind}`;
    const cluster = !id.namespace;
    // One namespaced object is enough to say the kind is namespaced.
    out.set(k, (out.get(k) ?? true) && cluster);
  }
  return out;
}

/** Cluster-scoped by what the snapshot shows, else by the list of known kinds. */
export function isClusterScoped(kind: string, group?: string, learned?: LearnedScopes): boolean {
  const seen = group !== undefined ? learned?.get(`${group}/${kind}`) : undefined;
  return seen ?? CLUSTER_SCOPED.has(kind);
}

/** The identity drift pairs by: group (no version), kind, namespace (defaulted), name. */
export function driftKey(id: ResourceId, defaultNamespace: string, learned?: LearnedScopes): string {
  const ns = isClusterScoped(id.kind, id.group, learned) ? '' : (id.namespace ?? defaultNamespace);
  return `${id.group}/${id.kind}/${ns}/${id.name ?? ''}`;
}

/** The identity as reported: the namespace filled in as drift understood it. */
export function resolvedId(id: ResourceId, defaultNamespace: string, learned?: LearnedScopes): ResourceId {
  return { ...id, namespace: isClusterScoped(id.kind, id.group, learned) ? null : (id.namespace ?? defaultNamespace) };
}
