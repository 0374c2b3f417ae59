import { isClusterScoped } from '../drift/identity.js';
import { formatResource, isRecord } from '../parse/identity.js';
import { getAtPointer } from '../parse/pointer.js';
import { WORKLOAD_KINDS } from '../rules/targets.js';
import { defaultClusterRole } from './default-roles.js';
import type { Labels } from './selectors.js';
import type { Projection } from './types.js';

/** One object of a target: a projection, or a default one every cluster has (a bootstrap ClusterRole, a `default` ServiceAccount). */
export interface TargetObject {
  projection: Projection | null;
  kind: string;
  name: string;
  /** The namespace it lives in: its own, `default` for a namespaced object without one, null when cluster-scoped. */
  namespace: string | null;
  data: Record<string, unknown>;
  /** How messages name it (see displayOf: made when first asked for). */
  display?: string;
  /**
   * The relation phase's memos, for this evaluation only: the object as a unit, its pod specs, and
   * its units per target (most objects are asked for one target: a Map only for the others).
   */
  unit?: Unit;
  pods?: PodUnit[];
  unitsTarget?: string;
  units?: Unit[];
  moreUnits?: Map<string, Unit[]>;
}

/** How messages name an object: `apps/Deployment ml/llm`. */
export function displayOf(o: TargetObject): string {
  return (o.display ??= formatResource({ ...o.projection!.id, namespace: o.namespace }));
}

/** A place a relation rule looks at: an object, a pod spec of it, or a part (`/subjects/0`). */
export interface Unit {
  object: TargetObject;
  /** Relative to the object's data. */
  pointer: string;
  value: unknown;
  /** Set for a pod spec (or a part of one). */
  pod?: PodUnit;
}

/** A pod spec of a workload, as the relation phase sees it. */
export interface PodUnit {
  object: TargetObject;
  pointer: string;
  spec: Record<string, unknown>;
  labels: Labels;
  /** Memos: the pod spec as a unit, and the selectors that pick it. */
  unit?: Unit;
  selectedBy?: Unit[];
}

const key = (kind: string, namespace: string | null, name: string) => `${kind}\u0000${namespace ?? ''}\u0000${name}`;
const WORKLOADS = new Set(WORKLOAD_KINDS);

/** The objects of one target, indexed the ways the joins look them up. */
export class TargetIndex {
  readonly objects: TargetObject[];
  private readonly byName = new Map<string, TargetObject[]>();
  private readonly byKindNamespace = new Map<string, TargetObject[]>();
  private readonly defaults = new Map<string, TargetObject>();
  private readonly byKind = new Map<string, TargetObject[]>();
  private readonly inNamespaceMemo = new Map<string, TargetObject[]>();
  private readonly podsInNamespaceMemo = new Map<string, PodUnit[]>();

  constructor(projections: readonly Projection[]) {
    // One order, whichever thread or cache each projection came from.
    const sorted = [...projections].sort(compareProjections);
    this.objects = sorted.map((p) => {
      const namespace = isClusterScoped(p.id.kind, p.id.group) ? null : (p.id.namespace ?? 'default');
      return { projection: p, kind: p.id.kind, name: p.id.name!, namespace, data: p.data };
    });
    for (const o of this.objects) {
      push(this.byName, key(o.kind, o.namespace, o.name), o);
      push(this.byKindNamespace, `${o.kind}\u0000${o.namespace ?? ''}`, o);
      push(this.byKind, o.kind, o);
    }
  }

  /** Objects of a kind and name; the cluster's defaults stand in for what the target does not define. */
  find(kind: string, namespace: string | null, name: string): TargetObject[] {
    const k = key(kind, namespace, name);
    const found = this.byName.get(k);
    if (found) return found;
    const d = this.defaultObject(k, kind, namespace, name);
    return d ? [d] : [];
  }

  /** Objects of these kinds, in the target's order. */
  ofKinds(kinds: ReadonlySet<string>): TargetObject[] {
    if (kinds.size === 1) return this.byKind.get([...kinds][0]!) ?? [];
    const k = [...kinds].sort().join(',');
    let found = this.inNamespaceMemo.get(`*${k}`);
    if (!found) this.inNamespaceMemo.set(`*${k}`, (found = this.objects.filter((o) => kinds.has(o.kind))));
    return found;
  }

  /** Objects of these kinds in a namespace (the joins ask with a few fixed lists: each answer is kept). */
  inNamespace(kinds: readonly string[], namespace: string | null): TargetObject[] {
    const k = `${kinds.join(',')}\u0000${namespace ?? ''}`;
    let found = this.inNamespaceMemo.get(k);
    if (!found) this.inNamespaceMemo.set(k, (found = kinds.flatMap((kind) => this.byKindNamespace.get(`${kind}\u0000${namespace ?? ''}`) ?? [])));
    return found;
  }

  /** Every pod spec of the workloads of a namespace. */
  podsInNamespace(namespace: string | null): PodUnit[] {
    const k = namespace ?? '';
    let pods = this.podsInNamespaceMemo.get(k);
    if (!pods) this.podsInNamespaceMemo.set(k, (pods = this.inNamespace(WORKLOAD_KINDS, namespace).flatMap((w) => this.podsOf(w))));
    return pods;
  }

  /** The pod specs an object carries, with their labels. */
  podsOf(object: TargetObject): PodUnit[] {
    if (!object.pods) {
      // A projection says where its pod specs are; a default object carries none.
      const pointers = WORKLOADS.has(object.kind) ? (object.projection?.pods ?? []) : [];
      object.pods = pointers.map((pointer) => {
        const found = getAtPointer(object.data, pointer);
        const spec = isRecord(found) ? found : {};
        return { object, pointer, spec, labels: (isRecord(spec.$labels) ? spec.$labels : {}) as Labels };
      });
    }
    return object.pods;
  }

  /** The Namespace object of a namespace, when the target defines it. */
  namespaceObject(name: string): TargetObject | null {
    return this.byName.get(key('Namespace', null, name))?.[0] ?? null;
  }

  private defaultObject(k: string, kind: string, namespace: string | null, name: string): TargetObject | null {
    if (kind !== 'ClusterRole' && kind !== 'ServiceAccount' && kind !== 'Service') return null;
    const known = this.defaults.get(k);
    if (known) return known;
    let data: Record<string, unknown> | null = null;
    let made = 'a Kubernetes default';
    if (kind === 'ClusterRole') data = defaultClusterRole(name);
    // The ServiceAccount controller creates `default` in every namespace.
    else if (kind === 'ServiceAccount') data = name === 'default' && namespace ? { apiVersion: 'v1', kind, metadata: { name, namespace } } : null;
    else {
      const cluster = rayHeadServiceOf(this, namespace, name);
      if (cluster) {
        data = { apiVersion: 'v1', kind, metadata: { name, namespace }, spec: { selector: { 'ray.io/cluster': cluster, 'ray.io/node-type': 'head' } } };
        made = `made by KubeRay for RayCluster ${namespace}/${cluster}`;
      }
    }
    if (!data) return null;
    const object = { projection: null, kind, name, namespace, data, display: `${kind} ${namespace ? `${namespace}/` : ''}${name} (${made})` };
    this.defaults.set(k, object);
    return object;
  }
}

/**
 * The RayCluster whose head Service is `name`, when the target has it: KubeRay names that Service
 * `<cluster>-head-svc` and selects the head pod by `ray.io/cluster` and `ray.io/node-type: head`
 * (GenerateHeadServiceName, HeadServiceLabels), so an Ingress to it reaches the dashboard and Jobs API.
 */
function rayHeadServiceOf(index: TargetIndex, namespace: string | null, name: string): string | null {
  const suffix = '-head-svc';
  if (!namespace || !name.endsWith(suffix)) return null;
  const cluster = name.slice(0, -suffix.length);
  return index.find('RayCluster', namespace, cluster).some((o) => o.projection?.id.group === 'ray.io') ? cluster : null;
}

function push<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}

export function compareProjections(a: Projection, b: Projection): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.documentIndex !== b.documentIndex) return a.documentIndex - b.documentIndex;
  return a.basePointer < b.basePointer ? -1 : a.basePointer > b.basePointer ? 1 : 0;
}

