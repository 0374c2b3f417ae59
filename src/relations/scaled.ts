import { groupOf, isRecord } from '../parse/identity.js';
import type { ResourceId } from '../report/types.js';

/** An object whose replica count an autoscaler owns, and the autoscaler. */
export interface Autoscaled {
  target: ResourceId;
  by: ResourceId;
}

/** Autoscalers and the API group of the kinds they usually scale when scaleTargetRef has no apiVersion. */
const AUTOSCALERS = new Map<string, { groups: readonly string[]; defaultKind?: string }>([
  ['HorizontalPodAutoscaler', { groups: ['autoscaling'] }],
  // KEDA creates and owns an HPA for the target; its scaleTargetRef.kind defaults to Deployment.
  ['ScaledObject', { groups: ['keda.sh'], defaultKind: 'Deployment' }],
]);
const APPS_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

/**
 * The objects an autoscaler in `objects` scales (HPA → Deployment/StatefulSet, by scaleTargetRef
 * in the autoscaler's namespace). Their `spec.replicas` is the autoscaler's to set: a difference
 * from git there is not drift, as Argo CD's docs advise ignoring it.
 */
export function autoscaledTargets(objects: Iterable<{ id: ResourceId | null; data: unknown }>): Autoscaled[] {
  const out: Autoscaled[] = [];
  for (const { id, data } of objects) {
    const scaler = id ? AUTOSCALERS.get(id.kind) : undefined;
    if (!id || !scaler || !scaler.groups.includes(id.group) || !isRecord(data) || !isRecord(data.spec)) continue;
    const ref = data.spec.scaleTargetRef;
    if (!isRecord(ref) || typeof ref.name !== 'string') continue;
    const kind = typeof ref.kind === 'string' ? ref.kind : scaler.defaultKind;
    if (!kind) continue;
    const group = typeof ref.apiVersion === 'string' ? groupOf(ref.apiVersion) : APPS_KINDS.has(kind) ? 'apps' : '';
    out.push({ target: { group, kind, namespace: id.namespace, name: ref.name }, by: id });
  }
  return out;
}
