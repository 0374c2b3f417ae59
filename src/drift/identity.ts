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

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/** The identity drift pairs by: group (no version), kind, namespace (defaulted), name. */
export function driftKey(id: ResourceId, defaultNamespace: string): string {
  const ns = isClusterScoped(id.kind) ? '' : (id.namespace ?? defaultNamespace);
  return `${id.group}/${id.kind}/${ns}/${id.name ?? ''}`;
}

/** The identity as reported: the namespace filled in as drift understood it. */
export function resolvedId(id: ResourceId, defaultNamespace: string): ResourceId {
  return { ...id, namespace: isClusterScoped(id.kind) ? null : (id.namespace ?? defaultNamespace) };
}
