import { isRecord } from '../parse/identity.js';
import { joinPointer } from '../parse/pointer.js';
import { quantitiesEqual } from './quantity.js';

/** One field where git and live disagree. `desired` or `live` is undefined when the field is absent there. */
export interface Change {
  pointer: string;
  desired: unknown;
  live: unknown;
  /** Set when the field was applied from git (last-applied-configuration) and git has since removed it. */
  note?: 'removed-in-git';
}

/** Lists whose items are matched by a key, not by position. */
function listKey(field: string, items: readonly unknown[]): ((item: unknown) => string | null) | null {
  const field0 = (item: unknown, k: string) => (isRecord(item) && item[k] !== undefined ? String(item[k]) : null);
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return (item) => field0(item, 'name');
    case 'volumeMounts':
      return (item) => field0(item, 'mountPath');
    case 'ports': {
      // Container ports by containerPort+protocol, Service ports by port+protocol; TCP when unset.
      const k = items.some((i) => isRecord(i) && 'containerPort' in i) ? 'containerPort' : 'port';
      return (item) => {
        const p = field0(item, k);
        return p === null ? null : `${p}/${(isRecord(item) && typeof item.protocol === 'string' && item.protocol) || 'TCP'}`;
      };
    }
    default:
      return null;
  }
}

/** null, "", [], {} (and false and 0, Go's omitted zero values) mean "unset" to Kubernetes. */
function isUnset(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === false || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isRecord(v) && Object.keys(v).length === 0;
}

const QUANTITY_PARENTS = /\/resources\/(limits|requests)\/[^/]+$|\/(hard|capacity|allocatable)\/[^/]+$|\/(sizeLimit|storage)$/;

function scalarsEqual(desired: unknown, live: unknown, pointer: string): boolean {
  if (desired === live) return true;
  if (isUnset(desired) && isUnset(live)) return true;
  if (QUANTITY_PARENTS.test(pointer)) return quantitiesEqual(desired, live);
  return false;
}

/** Fields the API server or its controllers fill in, with values that change nothing about security. */
const SERVER_SET: { test: RegExp; value?: (v: unknown) => boolean }[] = [
  { test: /^\/(status|metadata\/(uid|resourceVersion|generation|creationTimestamp|managedFields|selfLink|finalizers|ownerReferences))(\/|$)/ },
  { test: /^\/metadata\/annotations\/(kubectl\.kubernetes\.io~1last-applied-configuration|deployment\.kubernetes\.io~1revision)$/ },
  { test: /^\/spec\/(strategy|updateStrategy|revisionHistoryLimit|progressDeadlineSeconds|podManagementPolicy|persistentVolumeClaimRetentionPolicy|replicas)$/ },
  { test: /^\/spec\/(clusterIP|clusterIPs|sessionAffinity|ipFamilies|ipFamilyPolicy|internalTrafficPolicy)$/ },
  { test: /^\/spec\/type$/, value: (v) => v === 'ClusterIP' },
  { test: /\/(dnsPolicy|restartPolicy|schedulerName|terminationGracePeriodSeconds|enableServiceLinks|priority|preemptionPolicy)$/ },
  { test: /\/(serviceAccount|serviceAccountName)$/, value: (v) => v === 'default' },
  { test: /\/(terminationMessagePath|terminationMessagePolicy|imagePullPolicy|defaultMode|protocol|targetPort|volumeMode)$/ },
];

function isServerSet(pointer: string, value: unknown): boolean {
  if (isUnset(value)) return true;
  return SERVER_SET.some((s) => s.test.test(pointer) && (!s.value || s.value(value)));
}

/** Records a live-only field, looking inside objects so that server-set leaves do not count. */
function collectLiveOnly(pointer: string, value: unknown, out: string[]): void {
  if (isServerSet(pointer, value)) return;
  if (isRecord(value)) for (const k of Object.keys(value)) collectLiveOnly(joinPointer(pointer, k), value[k], out);
  else out.push(pointer);
}

/** The result of a comparison: what differs, and live-only fields that are not server defaults. */
export interface DiffResult {
  changes: Change[];
  /** Pointers of fields only live has that no server default explains (for example privileged: true added by hand). */
  liveOnly: string[];
}

/**
 * Compares desired (git) with live, the way `kubectl apply` sees it: only fields git sets are
 * compared (server defaults and controller fields are not drift), except fields that the last
 * applied configuration had and git has since removed (three-way).
 */
export function diffObjects(desired: unknown, live: unknown, lastApplied: unknown): Change[] {
  return diffResources(desired, live, lastApplied).changes;
}

export function diffResources(desired: unknown, live: unknown, lastApplied: unknown): DiffResult {
  const result: DiffResult = { changes: [], liveOnly: [] };
  walk(desired, live, lastApplied, '', '', result);
  return result;
}

function walk(desired: unknown, live: unknown, applied: unknown, pointer: string, field: string, res: DiffResult): void {
  const out = res.changes;
  if (isRecord(desired)) {
    if (Object.keys(desired).length === 0) return; // {}: no opinion on the contents
    if (!isRecord(live)) {
      if (!(isUnset(live) && Object.values(desired).every(isUnset))) out.push({ pointer, desired, live });
      return;
    }
    for (const key of Object.keys(desired)) {
      walk(desired[key], live[key], isRecord(applied) ? applied[key] : undefined, joinPointer(pointer, key), key, res);
    }
    for (const key of Object.keys(live)) {
      if (key in desired) continue;
      const at = joinPointer(pointer, key);
      if (isRecord(applied) && key in applied && !isUnset(live[key])) out.push({ pointer: at, desired: undefined, live: live[key], note: 'removed-in-git' });
      else collectLiveOnly(at, live[key], res.liveOnly);
    }
    return;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) {
      if (!(desired.length === 0 && isUnset(live))) out.push({ pointer, desired, live });
      return;
    }
    const keyOf = listKey(field, desired);
    if (keyOf) {
      walkKeyedList(desired, live, Array.isArray(applied) ? applied : [], keyOf, pointer, res);
      return;
    }
    if (desired.length !== live.length) {
      out.push({ pointer, desired, live });
      return;
    }
    desired.forEach((d, i) => walk(d, live[i], Array.isArray(applied) ? applied[i] : undefined, joinPointer(pointer, i), '', res));
    return;
  }
  if (!scalarsEqual(desired, live, pointer)) out.push({ pointer, desired, live });
}

function walkKeyedList(desired: unknown[], live: unknown[], applied: unknown[], keyOf: (i: unknown) => string | null, pointer: string, res: DiffResult): void {
  const out = res.changes;
  const liveByKey = new Map<string, unknown>();
  for (const item of live) {
    const k = keyOf(item);
    if (k !== null && !liveByKey.has(k)) liveByKey.set(k, item);
  }
  const appliedByKey = new Map<string, unknown>();
  for (const item of applied) {
    const k = keyOf(item);
    if (k !== null) appliedByKey.set(k, item);
  }
  const desiredKeys = new Set<string>();
  desired.forEach((item, i) => {
    const k = keyOf(item);
    const at = joinPointer(pointer, i);
    if (k === null) {
      out.push({ pointer: at, desired: item, live: undefined });
      return;
    }
    desiredKeys.add(k);
    if (!liveByKey.has(k)) out.push({ pointer: at, desired: item, live: undefined });
    else walk(item, liveByKey.get(k), appliedByKey.get(k), at, '', res);
  });
  for (const [k, item] of liveByKey) {
    if (desiredKeys.has(k)) continue;
    if (appliedByKey.has(k)) out.push({ pointer, desired: undefined, live: item, note: 'removed-in-git' });
    else res.liveOnly.push(`${pointer}/-`); // an item only live has (an injected sidecar, an added env var)
  }
}
