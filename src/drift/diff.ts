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

/**
 * Compares desired (git) with live, the way `kubectl apply` sees it: only fields git sets are
 * compared (server defaults and controller fields are not drift), except fields that the last
 * applied configuration had and git has since removed (three-way).
 */
export function diffObjects(desired: unknown, live: unknown, lastApplied: unknown): Change[] {
  const changes: Change[] = [];
  walk(desired, live, lastApplied, '', '', changes);
  return changes;
}

function walk(desired: unknown, live: unknown, applied: unknown, pointer: string, field: string, out: Change[]): void {
  if (isRecord(desired)) {
    if (Object.keys(desired).length === 0) return; // {}: no opinion on the contents
    if (!isRecord(live)) {
      if (!(isUnset(live) && Object.values(desired).every(isUnset))) out.push({ pointer, desired, live });
      return;
    }
    for (const key of Object.keys(desired)) {
      walk(desired[key], live[key], isRecord(applied) ? applied[key] : undefined, joinPointer(pointer, key), key, out);
    }
    if (isRecord(applied)) {
      for (const key of Object.keys(applied)) {
        if (key in desired || isUnset(live[key])) continue;
        out.push({ pointer: joinPointer(pointer, key), desired: undefined, live: live[key], note: 'removed-in-git' });
      }
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
      walkKeyedList(desired, live, Array.isArray(applied) ? applied : [], keyOf, pointer, out);
      return;
    }
    if (desired.length !== live.length) {
      out.push({ pointer, desired, live });
      return;
    }
    desired.forEach((d, i) => walk(d, live[i], Array.isArray(applied) ? applied[i] : undefined, joinPointer(pointer, i), '', out));
    return;
  }
  if (!scalarsEqual(desired, live, pointer)) out.push({ pointer, desired, live });
}

function walkKeyedList(desired: unknown[], live: unknown[], applied: unknown[], keyOf: (i: unknown) => string | null, pointer: string, out: Change[]): void {
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
    else walk(item, liveByKey.get(k), appliedByKey.get(k), at, '', out);
  });
  for (const k of appliedByKey.keys()) {
    if (!desiredKeys.has(k) && liveByKey.has(k)) out.push({ pointer, desired: undefined, live: liveByKey.get(k), note: 'removed-in-git' });
  }
}
