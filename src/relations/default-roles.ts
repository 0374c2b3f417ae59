/**
 * The ClusterRoles every Kubernetes cluster has (the API server's RBAC bootstrap policy, as of
 * v1.32): a binding may name them without the repository defining them. For the ones that grant
 * something the relation rules look for, the grant is written out as RBAC rules, so a binding to
 * `edit` is judged by what `edit` allows; the others grant nothing those rules look for.
 * Aggregated roles (admin, edit, view) are given as the union of what is aggregated into them.
 */

type RbacRule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; nonResourceURLs?: string[] };

const EXEC = ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'];
/** What `edit` has (and `admin` through it) that the relation rules look for. */
const EDIT: RbacRule[] = [
  { apiGroups: [''], resources: [...EXEC, 'secrets', 'services/proxy'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
  { apiGroups: [''], resources: ['pods', ...EXEC], verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'] },
  { apiGroups: [''], resources: ['configmaps', 'secrets', 'serviceaccounts', 'services'], verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'] },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
];

const DEFAULT_CLUSTER_ROLES: ReadonlyMap<string, readonly RbacRule[]> = new Map<string, RbacRule[]>([
  ['cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }]],
  ['admin', [...EDIT, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'roles'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] }]],
  ['edit', EDIT],
  ['view', []],
  ['system:aggregate-to-admin', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'roles'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] }]],
  ['system:aggregate-to-edit', EDIT],
  ['system:aggregate-to-view', []],
  ['system:auth-delegator', []],
  ['system:basic-user', []],
  ['system:certificates.k8s.io:certificatesigningrequests:nodeclient', []],
  ['system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', []],
  ['system:certificates.k8s.io:kube-apiserver-client-approver', []],
  ['system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', []],
  ['system:certificates.k8s.io:kubelet-serving-approver', []],
  ['system:certificates.k8s.io:legacy-unknown-approver', []],
  ['system:discovery', []],
  ['system:heapster', []],
  ['system:kube-aggregator', []],
  ['system:kube-controller-manager', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update', 'delete'] }, { apiGroups: ['*'], resources: ['*'], verbs: ['list', 'watch'] }]],
  ['system:kube-dns', []],
  ['system:kube-scheduler', []],
  ['system:kubelet-api-admin', [{ apiGroups: [''], resources: ['nodes/log', 'nodes/metrics', 'nodes/proxy', 'nodes/stats'], verbs: ['*'] }]],
  ['system:monitoring', []],
  ['system:node', [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list', 'watch'] }]],
  ['system:node-bootstrapper', []],
  ['system:node-problem-detector', []],
  ['system:node-proxier', []],
  ['system:persistent-volume-provisioner', []],
  ['system:public-info-viewer', []],
  ['system:service-account-issuer-discovery', []],
  ['system:volume-scheduler', []],
]);

/** The controllers' roles (`system:controller:<controller>`) are bootstrap roles too. */
function isDefaultClusterRole(name: string): boolean {
  return DEFAULT_CLUSTER_ROLES.has(name) || name.startsWith('system:controller:');
}

/** A default ClusterRole as an object, for the relation phase (null when `name` is not one). */
export function defaultClusterRole(name: string): Record<string, unknown> | null {
  if (!isDefaultClusterRole(name)) return null;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
    rules: DEFAULT_CLUSTER_ROLES.get(name) ?? [],
  };
}
