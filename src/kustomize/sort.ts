import { currentId, groupOfResource, kindOf, versionOf, type Resource } from './resource.js';

/** kustomize's legacy output order (the default when sortOptions is absent): kinds first and last, the rest by id. */
const ORDER_FIRST = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
const ORDER_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function rank(kind: string): number {
  const first = ORDER_FIRST.indexOf(kind);
  if (first >= 0) return first - ORDER_FIRST.length;
  const last = ORDER_LAST.indexOf(kind);
  return last >= 0 ? last + 1 : 0;
}

function gvkString(res: Resource): string {
  return [groupOfResource(res) || '~G', versionOf(res) || '~V', kindOf(res) || '~K'].join('_');
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortLegacy(resources: Resource[]): Resource[] {
  return [...resources].sort((a, b) => {
    const byRank = rank(kindOf(a)) - rank(kindOf(b));
    if (byRank !== 0) return byRank;
    const byGvk = compareStrings(gvkString(a), gvkString(b));
    if (byGvk !== 0) return byGvk;
    const ia = currentId(a);
    const ib = currentId(b);
    return compareStrings(ia.namespace || '~X', ib.namespace || '~X') || compareStrings(ia.name, ib.name);
  });
}
