import { cloneProv, isMap, originOf, provChild, provConst, type Prov } from './provenance.js';
import { kindOf, RenderError, type Resource } from './resource.js';

/**
 * How a field of a built-in type merges: `key` is its patchMergeKey (a list of maps merged
 * element by element), `union` a list of scalars with patchStrategy merge, `type` the
 * schema of its value. Fields not listed are replaced whole, lists included, as for types
 * kustomize has no schema for (custom resources).
 */
interface FieldInfo {
  type?: TypeName;
  key?: string;
  union?: boolean;
}
type TypeName = 'Meta' | 'PodTemplate' | 'PodSpec' | 'Container' | 'WorkloadSpec' | 'CronJobSpec' | 'JobTemplate' | 'ServiceSpec';
type Schema = Record<string, FieldInfo>;

/** The patchMergeKey/patchStrategy tags of k8s.io/api (core/v1 and apps/batch), for the fields that have them. */
const TYPES: Record<TypeName, Schema> = {
  Meta: { finalizers: { union: true }, ownerReferences: { key: 'uid' } },
  PodTemplate: { metadata: { type: 'Meta' }, spec: { type: 'PodSpec' } },
  PodSpec: {
    containers: { key: 'name', type: 'Container' },
    initContainers: { key: 'name', type: 'Container' },
    ephemeralContainers: { key: 'name', type: 'Container' },
    volumes: { key: 'name' },
    imagePullSecrets: { key: 'name' },
    hostAliases: { key: 'ip' },
    topologySpreadConstraints: { key: 'topologyKey' },
    resourceClaims: { key: 'name' },
    schedulingGates: { key: 'name' },
  },
  Container: {
    env: { key: 'name' },
    ports: { key: 'containerPort' },
    volumeMounts: { key: 'mountPath' },
    volumeDevices: { key: 'devicePath' },
  },
  WorkloadSpec: { template: { type: 'PodTemplate' } },
  CronJobSpec: { jobTemplate: { type: 'JobTemplate' } },
  JobTemplate: { metadata: { type: 'Meta' }, spec: { type: 'WorkloadSpec' } },
  ServiceSpec: { ports: { key: 'port' } },
};

const WORKLOAD_ROOT: Schema = { metadata: { type: 'Meta' }, spec: { type: 'WorkloadSpec' } };
const ROOTS: Record<string, Schema> = {
  Pod: { metadata: { type: 'Meta' }, spec: { type: 'PodSpec' } },
  PodTemplate: { metadata: { type: 'Meta' }, template: { type: 'PodTemplate' } },
  Deployment: WORKLOAD_ROOT,
  ReplicaSet: WORKLOAD_ROOT,
  DaemonSet: WORKLOAD_ROOT,
  StatefulSet: WORKLOAD_ROOT,
  Job: WORKLOAD_ROOT,
  ReplicationController: WORKLOAD_ROOT,
  CronJob: { metadata: { type: 'Meta' }, spec: { type: 'CronJobSpec' } },
  Service: { metadata: { type: 'Meta' }, spec: { type: 'ServiceSpec' } },
  ServiceAccount: { metadata: { type: 'Meta' }, secrets: { key: 'name' } },
};
const DEFAULT_ROOT: Schema = { metadata: { type: 'Meta' } };

const DIRECTIVE = '$patch';

/** Patch directives kustomize's strategic merge knows but this renderer does not implement. */
function checkDirective(key: string): void {
  if (key.startsWith('$') && key !== DIRECTIVE) throw new RenderError(`not rendered: strategic merge directive "${key}" is not supported`);
}

/**
 * Applies a strategic merge patch to a resource the way kustomize does (Kubernetes merge keys for
 * built-in kinds, `$patch: delete|replace`, null deletes). The patch's identity fields are not
 * merged: kustomize points the patch at the resource first. Returns false when the patch deletes
 * the whole resource.
 */
export function applyStrategicMerge(res: Resource, patch: Record<string, unknown>, patchProv: Prov): boolean {
  const directive = patch[DIRECTIVE];
  if (directive === 'delete') return false;
  const body = withoutIdentity(patch);
  // kustomize (v5.5) leaves the object as it was for a top-level `$patch: replace`
  // (fixtures/kustomize/smp-more-kinds); so does this renderer.
  if (directive === 'replace') return true;
  const kind = kindOf(res);
  mergeMap(res.data, res.prov, body, patchProv, Object.hasOwn(ROOTS, kind) ? ROOTS[kind]! : DEFAULT_ROOT);
  return true;
}

/** The patch without apiVersion, kind, metadata.name and metadata.namespace. */
function withoutIdentity(patch: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...patch };
  delete rest.apiVersion;
  delete rest.kind;
  if (isMap(rest.metadata)) {
    const meta = { ...rest.metadata };
    delete meta.name;
    delete meta.namespace;
    rest.metadata = meta;
  }
  return rest;
}

function removeKey(holder: Record<string, unknown>, holderProv: Prov, key: string): void {
  delete holder[key];
  delete (holderProv as Record<string, Prov>)[key];
}

function put(holder: Record<string, unknown>, holderProv: Prov, key: string, value: unknown, prov: Prov): void {
  holder[key] = value;
  (holderProv as Record<string, Prov>)[key] = prov;
}

function mergeMap(dst: Record<string, unknown>, dstProv: Prov, patch: Record<string, unknown>, patchProv: Prov, schema: Schema | undefined): void {
  for (const [key, value] of Object.entries(patch)) {
    checkDirective(key);
    if (key === DIRECTIVE) continue;
    const info = schema?.[key];
    const valueProv = provChild(patchProv, key)!;
    if (value === null) {
      removeKey(dst, dstProv, key);
      continue;
    }
    const cur = dst[key];
    if (isMap(value)) {
      const directive = value[DIRECTIVE];
      if (directive === 'delete') {
        removeKey(dst, dstProv, key);
        continue;
      }
      if (directive === 'replace') {
        const fresh: Record<string, unknown> = {};
        const freshProv = provConst({}, originOf(valueProv));
        mergeMap(fresh, freshProv, value, valueProv, info?.type ? TYPES[info.type] : undefined);
        put(dst, dstProv, key, fresh, freshProv);
        continue;
      }
      if (isMap(cur)) {
        mergeMap(cur, provChild(dstProv, key)!, value, valueProv, info?.type ? TYPES[info.type] : undefined);
      } else {
        const fresh: Record<string, unknown> = {};
        const freshProv = provConst({}, originOf(valueProv));
        mergeMap(fresh, freshProv, value, valueProv, info?.type ? TYPES[info.type] : undefined);
        put(dst, dstProv, key, fresh, freshProv);
      }
      continue;
    }
    if (Array.isArray(value)) {
      const curList = Array.isArray(cur) ? cur : [];
      const curProv = Array.isArray(cur) ? provChild(dstProv, key)! : provConst([], originOf(valueProv));
      const [list, listProv] = mergeList(curList, curProv, value, valueProv, info);
      put(dst, dstProv, key, list, listProv);
      continue;
    }
    put(dst, dstProv, key, value, cloneProv(valueProv));
  }
}

function mergeList(cur: unknown[], curProv: Prov, patch: unknown[], patchProv: Prov, info: FieldInfo | undefined): [unknown[], Prov] {
  const out = (items: [unknown, Prov][]): [unknown[], Prov] => {
    const prov = provConst([], originOf(patchProv)) as Prov[];
    items.forEach(([, p], i) => (prov[i] = p));
    return [items.map(([d]) => d), prov];
  };
  const patchItems: [unknown, Prov][] = patch.map((v, i) => [structuredClone(v), cloneProv(provChild(patchProv, i)!)]);
  const curItems: [unknown, Prov][] = cur.map((v, i) => [v, provChild(curProv, i)!]);

  if (info?.union) {
    // A list of scalars with patchStrategy merge: the patch's values first, the others after, as for merge keys.
    const fromPatch = patchItems.filter(([d], i) => patch.indexOf(d) === i);
    const serverOnly = curItems.filter(([d]) => !patch.includes(d));
    return out(interleave(fromPatch, serverOnly, ([d]) => cur.indexOf(d)));
  }
  const key = info?.key;
  if (!key || !patch.every(isMap)) return out(patchItems);

  if (patch.some((p) => isMap(p) && p[DIRECTIVE] === 'replace')) {
    return out(patchItems.filter(([d]) => !(isMap(d) && d[DIRECTIVE] === 'replace')));
  }
  const keyOf = (v: unknown): unknown => (isMap(v) ? v[key] : undefined);
  const deleted = patch.filter((p) => isMap(p) && p[DIRECTIVE] === 'delete').map(keyOf);
  const server = curItems.filter(([d]) => !deleted.some((k) => k !== undefined && k === keyOf(d)));
  const serverOrder = cur.map(keyOf);
  const matched = new Set<number>();
  const merged: [unknown, Prov][] = [];
  for (const [item, itemProv] of patchItems) {
    const record = item as Record<string, unknown>;
    if (record[DIRECTIVE] === 'delete') continue;
    if (record[DIRECTIVE] !== undefined) throw new RenderError(`not rendered: "$patch: ${String(record[DIRECTIVE])}" in a list element is not supported`);
    const k = record[key];
    if (k === undefined) throw new RenderError(`a strategic merge patch list element has no "${key}" (the merge key of this list)`);
    const at = server.findIndex(([d]) => keyOf(d) === k);
    if (at >= 0) {
      matched.add(at);
      const [d, p] = server[at]!;
      mergeMap(d as Record<string, unknown>, p, record, itemProv, info.type ? TYPES[info.type] : undefined);
      merged.push([d, p]);
    } else {
      const fresh: Record<string, unknown> = {};
      const freshProv = provConst({}, originOf(itemProv));
      mergeMap(fresh, freshProv, record, itemProv, info.type ? TYPES[info.type] : undefined);
      merged.push([fresh, freshProv]);
    }
  }
  const serverOnly = server.filter((_, i) => !matched.has(i));
  return out(interleave(merged, serverOnly, (v) => serverOrder.indexOf(keyOf(v[0]))));
}

/**
 * Kubernetes' order for a merged list: patch elements in patch order, the elements only in
 * the original in their order, interleaved by original position where both have one; a new
 * element goes before the next original one.
 */
function interleave<T>(patchSide: T[], serverOnly: T[], serverIndex: (v: T) => number): T[] {
  const result: T[] = [];
  let i = 0;
  let j = 0;
  while (i < patchSide.length || j < serverOnly.length) {
    if (i >= patchSide.length) result.push(serverOnly[j++]!);
    else if (j >= serverOnly.length) result.push(patchSide[i++]!);
    else {
      const li = serverIndex(patchSide[i]!);
      const ri = serverIndex(serverOnly[j]!);
      if (li >= 0 && ri >= 0 && ri < li) result.push(serverOnly[j++]!);
      else result.push(patchSide[i++]!);
    }
  }
  return result;
}
