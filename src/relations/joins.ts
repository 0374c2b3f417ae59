import { isRecord } from '../parse/identity.js';
import type { RelationJoin } from '../rules/types.js';
import { selectorMatches, serviceSelectorMatches, type Labels } from './selectors.js';
import type { PodUnit, TargetIndex, TargetObject, Unit } from './target-index.js';

/** Kinds whose selector picks pods: the field of their spec that holds it (what a projection keeps of them). */
export const SELECTOR_FIELDS: Readonly<Record<string, string>> = { NetworkPolicy: 'podSelector', Service: 'selector', PodDisruptionBudget: 'selector' };
const SELECTOR_KINDS = Object.keys(SELECTOR_FIELDS);

/** A selecting object's selector (undefined when it has none). */
function selectorOf(o: { kind: string; data: Record<string, unknown> }): unknown {
  return isRecord(o.data.spec) ? o.data.spec[SELECTOR_FIELDS[o.kind]!] : undefined;
}

/** How each selecting kind reads its selector. */
const SELECTS: Record<string, (selector: unknown, labels: Labels) => boolean> = {
  // podSelector is a required struct: absent reads as {}, which selects every pod of the namespace.
  NetworkPolicy: (s, l) => selectorMatches(s ?? {}, l),
  Service: (s, l) => serviceSelectorMatches(s, l),
  PodDisruptionBudget: (s, l) => s !== undefined && selectorMatches(s, l),
};

export function objectUnit(object: TargetObject): Unit {
  return (object.unit ??= { object, pointer: '', value: object.data });
}

/** A pod spec as a unit: what a `where` sees is the pod spec with `$kind` (the workload's) and `$labels` (the pod's). */
export function podUnit(pod: PodUnit): Unit {
  return (pod.unit ??= { object: pod.object, pointer: pod.pointer, value: pod.spec, pod });
}

/**
 * The selectors of a namespace, keyed by one label pair each must see (a Service's first selector
 * pair, a label selector's first matchLabels pair), so a pod is tested only against those that can
 * select it and the ones that need no particular label (empty selectors, matchExpressions only).
 */
interface SelectorTable {
  candidates(labels: Labels): TargetObject[];
}

const selectorTables = new WeakMap<TargetIndex, Map<string, SelectorTable>>();

function selectorsIn(index: TargetIndex, namespace: string | null): SelectorTable {
  let tables = selectorTables.get(index);
  if (!tables) selectorTables.set(index, (tables = new Map()));
  const k = namespace ?? '';
  let table = tables.get(k);
  if (table) return table;
  const keyed = new Map<string, TargetObject[]>();
  const unkeyed: TargetObject[] = [];
  for (const s of index.inNamespace(SELECTOR_KINDS, namespace)) {
    const selector = selectorOf(s);
    const pairs = s.kind === 'Service' ? selector : isRecord(selector) ? selector.matchLabels : undefined;
    const first = isRecord(pairs) ? Object.entries(pairs)[0] : undefined;
    if (!first) unkeyed.push(s);
    else {
      const key = `${first[0]}=${String(first[1])}`;
      const list = keyed.get(key);
      if (list) list.push(s);
      else keyed.set(key, [s]);
    }
  }
  table = {
    candidates(labels) {
      const out = [...unkeyed];
      for (const [lk, lv] of Object.entries(labels)) out.push(...(keyed.get(`${lk}=${lv}`) ?? []));
      return out;
    },
  };
  tables.set(k, table);
  return table;
}

/** The pod specs a unit stands for: its own, or every one of its object. */
function podsFor(unit: Unit, index: TargetIndex): PodUnit[] {
  return unit.pod ? [unit.pod] : index.podsOf(unit.object);
}

/** The objects (or pod specs) one join reaches from one unit. */
export function followJoin(join: RelationJoin, unit: Unit, index: TargetIndex): Unit[] {
  const o = unit.object;
  const spec = isRecord(o.data.spec) ? o.data.spec : {};
  switch (join) {
    case 'roleRef': {
      const ref = o.data.roleRef;
      if (!isRecord(ref) || typeof ref.kind !== 'string' || typeof ref.name !== 'string') return [];
      return index.find(ref.kind, ref.kind === 'ClusterRole' ? null : o.namespace, ref.name).map(objectUnit);
    }
    case 'serviceAccount':
      // A pod spec's unit (the usual case) asks once, without a list of its pods.
      if (unit.pod) return index.find('ServiceAccount', o.namespace, serviceAccountOf(unit.pod.spec)).map(objectUnit);
      return podsFor(unit, index).flatMap((p) => index.find('ServiceAccount', o.namespace, serviceAccountOf(p.spec)).map(objectUnit));
    case 'scaleTargetRef': {
      const ref = spec.scaleTargetRef;
      if (!isRecord(ref) || typeof ref.kind !== 'string' || typeof ref.name !== 'string') return [];
      return index.find(ref.kind, o.namespace, ref.name).map(objectUnit);
    }
    case 'backend':
      return backendServices(o.data).flatMap((name) => index.find('Service', o.namespace, name)).map(objectUnit);
    case 'selector': {
      // A pod carrier (by kind and group: Knative's Service is one, the core Service is not) is the selected side.
      const pods = podsFor(unit, index);
      if (pods.length > 0) {
        const selectors = selectorsIn(index, o.namespace);
        const out = new Set<Unit>();
        for (const p of pods) {
          // The selectors that pick a pod: the same for every rule that asks.
          p.selectedBy ??= selectors.candidates(p.labels).filter((s) => SELECTS[s.kind]!(selectorOf(s), p.labels)).map(objectUnit);
          for (const u of p.selectedBy) out.add(u);
        }
        return [...out];
      }
      const selects = Object.hasOwn(SELECTS, o.kind) ? SELECTS[o.kind] : undefined;
      if (!selects) return [];
      const selector = selectorOf(o);
      return index
        .podsInNamespace(o.namespace)
        .filter((p) => selects(selector, p.labels))
        .map(podUnit);
    }
  }
}

/** What a join looked for, for messages (`{{$ref}}`): the role, the service account, the Services. */
export function describeJoin(join: RelationJoin, unit: Unit): string {
  const o = unit.object;
  const ns = o.namespace ? `${o.namespace}/` : '';
  const spec = isRecord(o.data.spec) ? o.data.spec : {};
  switch (join) {
    case 'roleRef': {
      const ref = isRecord(o.data.roleRef) ? o.data.roleRef : {};
      return `${String(ref.kind ?? 'role')} ${ref.kind === 'ClusterRole' ? '' : ns}${String(ref.name ?? '')}`;
    }
    case 'serviceAccount':
      return unit.pod ? `ServiceAccount ${ns}${serviceAccountOf(unit.pod.spec)}` : 'ServiceAccount';
    case 'scaleTargetRef': {
      const ref = isRecord(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
      return `${String(ref.kind ?? '')} ${ns}${String(ref.name ?? '')}`;
    }
    case 'backend':
      return backendServices(o.data).map((n) => `Service ${ns}${n}`).join(', ');
    case 'selector':
      return 'a selector';
  }
}

/** The pod's ServiceAccount as the API server defaults it: serviceAccountName, the deprecated serviceAccount, else `default`. */
export function serviceAccountOf(spec: Record<string, unknown>): string {
  const name = spec.serviceAccountName ?? spec.serviceAccount;
  return typeof name === 'string' && name ? name : 'default';
}

/** The Services an Ingress sends traffic to (networking.k8s.io/v1, and the old extensions form). */
function backendServices(data: Record<string, unknown>): string[] {
  const out = new Set<string>();
  const add = (b: unknown) => {
    if (!isRecord(b)) return;
    if (isRecord(b.service) && typeof b.service.name === 'string') out.add(b.service.name);
    if (typeof b.serviceName === 'string') out.add(b.serviceName);
  };
  const spec = isRecord(data.spec) ? data.spec : {};
  add(spec.defaultBackend);
  add(spec.backend);
  for (const rule of Array.isArray(spec.rules) ? spec.rules : []) {
    const paths = isRecord(rule) && isRecord(rule.http) && Array.isArray(rule.http.paths) ? rule.http.paths : [];
    for (const p of paths) if (isRecord(p)) add(p.backend);
  }
  return [...out];
}
