import { isRecord } from '../parse/identity.js';

/** The CPU utilization autoscaling/v2 gives an HPA without metrics (DefaultCPUUtilization in pkg/apis/autoscaling). */
const DEFAULT_CPU_UTILIZATION = 80;

/**
 * Git's object in the version live was read in, where the two versions spell the same object
 * differently. `kubectl get hpa -o json` prints autoscaling/v2 (the preferred version) for an HPA
 * applied as autoscaling/v1: v1's targetCPUUtilizationPercentage is v2's CPU Resource metric
 * (pkg/apis/autoscaling/v1 conversion), and an HPA without one gets the 80% default.
 */
export function inLiveVersion(desired: unknown, live: Record<string, unknown>): unknown {
  if (!isRecord(desired) || desired.kind !== 'HorizontalPodAutoscaler' || desired.apiVersion !== 'autoscaling/v1') return desired;
  if (typeof live.apiVersion !== 'string' || !/^autoscaling\/v2/.test(live.apiVersion) || !isRecord(desired.spec)) return desired;
  const { targetCPUUtilizationPercentage: target, ...spec } = desired.spec;
  const utilization = typeof target === 'number' ? target : DEFAULT_CPU_UTILIZATION;
  return {
    ...desired,
    apiVersion: live.apiVersion,
    spec: { ...spec, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: utilization } } }] },
  };
}
