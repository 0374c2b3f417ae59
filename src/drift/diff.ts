import { isRecord } from '../parse/identity.js';
import { joinPointer, parsePointer } from '../parse/pointer.js';
import { quantitiesEqual } from './quantity.js';

/**
 * One field where git and live disagree. `desired` or `live` is undefined when the field is absent there.
 * Pointers index lists as git does; an item only live has is named by its key (`containers/[name=istio-proxy]`).
 */
export interface Change {
  pointer: string;
  desired: unknown;
  live: unknown;
  /**
   * "removed-in-git": the field was applied from git (last-applied-configuration) and git has since removed it.
   * "live-only": a field only live has, reported in strict mode.
   */
  note?: 'removed-in-git' | 'live-only';
}

/** Containers that admission webhooks add to pods: not drift unless they make live less secure. */
export const INJECTED_CONTAINERS: readonly string[] = ['istio-proxy', 'istio-init', 'istio-validation', 'linkerd-proxy', 'linkerd-init', 'linkerd-network-validator', 'vault-agent', 'vault-agent-init'];

export interface DiffOptions {
  /** Report every live-only field (hand edits), not only those that made live less secure. */
  strict?: boolean;
  /** Names of injected containers (default INJECTED_CONTAINERS). */
  injected?: ReadonlySet<string>;
}

type KeyOf = (item: unknown) => string | null;

interface ListKey {
  keyOf: KeyOf;
  /** The pointer segment that names an item by its key: "[name=istio-proxy]". */
  segment(item: unknown): string | null;
}

/** Lists whose items are matched by a key, not by position (the patch merge keys of kubectl apply). */
function listKey(field: string, items: readonly unknown[]): ListKey | null {
  const field0 = (item: unknown, k: string) => (isRecord(item) && item[k] !== undefined && item[k] !== null ? String(item[k]) : null);
  const by = (k: string): ListKey => ({ keyOf: (item) => field0(item, k), segment: (item) => (field0(item, k) === null ? null : `[${k}=${field0(item, k)}]`) });
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return by('name');
    case 'volumeMounts':
      return by('mountPath');
    case 'ports': {
      // Container ports by containerPort+protocol, Service ports by port+protocol; TCP when unset.
      const k = items.some((i) => isRecord(i) && 'containerPort' in i) ? 'containerPort' : 'port';
      // A NetworkPolicy's ports may leave port out (every port of a protocol): that list has no merge key, it goes by position.
      if (!items.every((i) => isRecord(i) && i[k] !== undefined && i[k] !== null)) return null;
      const keyOf: KeyOf = (item) => {
        const p = field0(item, k);
        return p === null ? null : `${p}/${(isRecord(item) && typeof item.protocol === 'string' && item.protocol) || 'TCP'}`;
      };
      return { keyOf, segment: (item) => (keyOf(item) === null ? null : `[${k}=${keyOf(item)}]`) };
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

/**
 * Fields the Kubernetes types declare as pointers (`*bool`, `*int64` in core/v1, apps/v1, batch/v1):
 * an explicit false or 0 is stored and read back, and absence means the default (a token mounted,
 * privilege escalation allowed). So `false` there in git is an opinion that live without the field
 * does not share. Other false and 0 values are Go's omitted zero values (`hostNetwork: false` never
 * comes back from the API server).
 */
const POINTER_FIELDS = /\/(privileged|allowPrivilegeEscalation|readOnlyRootFilesystem|runAsNonRoot|runAsUser|runAsGroup|fsGroup|automountServiceAccountToken|enableServiceLinks|shareProcessNamespace|hostUsers|setHostnameAsFQDN|suspend|backoffLimit|parallelism|completions|replicas|minReplicas|activeDeadlineSeconds)$/;

/** isUnset, except for a false or 0 that a pointer field keeps (POINTER_FIELDS). */
function isUnsetAt(pointer: string, v: unknown): boolean {
  if ((v === false || v === 0) && POINTER_FIELDS.test(pointer)) return false;
  return isUnset(v);
}

/**
 * Fields of type resource.Quantity, which the API server writes back in canonical form (`0.5` as
 * `500m`, `1.5Gi` as `1536Mi`): compared by value. Resources, quotas, node capacity, volume sizes,
 * LimitRange limits and an HPA's metric targets.
 */
const QUANTITY_PARENTS =
  /\/resources\/(limits|requests)\/[^/]+$|\/(hard|capacity|allocatable|overhead)\/[^/]+$|\/(sizeLimit|storage)$|^\/spec\/limits\/[^/]+\/(max|min|default|defaultRequest|maxLimitRequestRatio)\/[^/]+$|\/target\/(value|averageValue)$/;

function scalarsEqual(desired: unknown, live: unknown, pointer: string): boolean {
  if (desired === live) return true;
  if (isUnsetAt(pointer, desired) && isUnsetAt(pointer, live)) return true;
  if (QUANTITY_PARENTS.test(pointer)) return quantitiesEqual(desired, live);
  return false;
}

/** Annotations and labels the API server, controllers and admission webhooks write: never git's to set. */
const SERVER_METADATA_KEYS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'kubectl.kubernetes.io/restartedAt',
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.daemonset.template.generation',
  'control-plane.alpha.kubernetes.io/leader',
  'endpoints.kubernetes.io/last-change-trigger-time',
  'kubernetes.io/metadata.name',
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'controller-uid',
  'job-name',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-name',
  'argocd.argoproj.io/tracking-id',
  'sidecar.istio.io/status',
  'linkerd.io/created-by',
  'linkerd.io/proxy-version',
  'linkerd.io/trust-root-sha256',
  'linkerd.io/identity-mode',
  'vault.hashicorp.com/agent-inject-status',
];
/** Metadata sidecar injectors add that users may also write in git: compared when git sets it, never a live-only hand edit. */
const INJECTED_METADATA_KEYS = [
  'istio.io/rev',
  'security.istio.io/tlsMode',
  'service.istio.io/canonical-name',
  'service.istio.io/canonical-revision',
  'prometheus.io/scrape',
  'prometheus.io/port',
  'prometheus.io/path',
  'kubectl.kubernetes.io/default-container',
  'kubectl.kubernetes.io/default-logs-container',
  'linkerd.io/control-plane-ns',
  'linkerd.io/proxy-deployment',
  'linkerd.io/workload-ns',
  'viz.linkerd.io/tap-enabled',
];
const SERVER_METADATA_PREFIXES = ['pv.kubernetes.io/', 'volume.kubernetes.io/', 'volume.beta.kubernetes.io/', 'autoscaling.alpha.kubernetes.io/'];

/** Fields the API server owns: never compared, whatever git says (`creationTimestamp: null` has no opinion). */
function isServerOwned(pointer: string): boolean {
  // Most pointers are under /spec and name no metadata: answer those without a regular expression.
  if (!pointer.includes('metadata') && !pointer.startsWith('/status') && pointer !== '/apiVersion' && pointer !== '/kind') return false;
  if (/^\/(status|apiVersion|kind)(\/|$)/.test(pointer)) return true;
  if (/^\/metadata\/(namespace|uid|resourceVersion|generation|creationTimestamp|deletionTimestamp|deletionGracePeriodSeconds|managedFields|selfLink|generateName)(\/|$)/.test(pointer)) return true;
  // A pod template carries creationTimestamp: null in every object kubectl writes.
  if (/\/template\/metadata\/creationTimestamp$/.test(pointer)) return true;
  const key = metadataKeyOf(pointer);
  if (key === null) return false;
  return SERVER_METADATA_KEYS.includes(key) || SERVER_METADATA_PREFIXES.some((p) => key.startsWith(p));
}

/**
 * The label Argo CD tracks its resources by (`application.instanceLabelKey`, by default
 * app.kubernetes.io/instance: the default method before Argo CD 3.0, and `label` or
 * `annotation+label` since). Argo CD writes it into each manifest it applies, so it is in
 * last-applied too: when git does not set it, it is Argo CD's, neither removed from git nor a hand edit.
 */
const isTrackingLabel = (pointer: string) => pointer === '/metadata/labels/app.kubernetes.io~1instance';

/** Tolerations the DefaultTolerationSeconds admission plugin (and the DaemonSet controller) add. */
const DEFAULT_TOLERATIONS = /^node\.kubernetes\.io\/(not-ready|unreachable|disk-pressure|memory-pressure|pid-pressure|unschedulable|network-unavailable)$/;

/** Fields the API server or its controllers fill in, with values that change nothing about security. */
const SERVER_DEFAULTS: { test: RegExp; value?: (v: unknown) => boolean }[] = [
  { test: /^\/metadata\/(finalizers|ownerReferences)(\/|$)/ },
  { test: /^\/spec\/(strategy|updateStrategy|revisionHistoryLimit|progressDeadlineSeconds|podManagementPolicy|persistentVolumeClaimRetentionPolicy|replicas|minReadySeconds)$/ },
  { test: /^\/spec\/(clusterIP|clusterIPs|sessionAffinity|ipFamilies|ipFamilyPolicy|internalTrafficPolicy)$/ },
  { test: /^\/spec\/type$/, value: (v) => v === 'ClusterIP' },
  { test: /\/(dnsPolicy|restartPolicy|schedulerName|terminationGracePeriodSeconds|enableServiceLinks|priority|preemptionPolicy|nodeName)$/ },
  { test: /\/tolerations$/, value: (v) => Array.isArray(v) && v.every((t) => isRecord(t) && typeof t.key === 'string' && DEFAULT_TOLERATIONS.test(t.key)) },
  { test: /\/serviceAccountName$/, value: (v) => v === 'default' },
  // The deprecated field the API server copies serviceAccountName into; a change is seen on serviceAccountName.
  { test: /\/spec\/serviceAccount$/ },
  // Probe defaults (core/v1 defaults.go SetDefaults_Probe, SetDefaults_HTTPGetAction).
  { test: /\/(livenessProbe|readinessProbe|startupProbe)\/failureThreshold$/, value: (v) => v === 3 },
  { test: /\/(livenessProbe|readinessProbe|startupProbe)\/periodSeconds$/, value: (v) => v === 10 },
  { test: /\/(livenessProbe|readinessProbe|startupProbe)\/(successThreshold|timeoutSeconds)$/, value: (v) => v === 1 },
  { test: /\/httpGet\/scheme$/, value: (v) => v === 'HTTP' },
  // A LoadBalancer or NodePort Service: allocated node ports and their defaults.
  { test: /^\/spec\/allocateLoadBalancerNodePorts$/, value: (v) => v === true },
  { test: /^\/spec\/externalTrafficPolicy$/, value: (v) => v === 'Cluster' },
  { test: /^\/spec\/ports\/[^/]+\/nodePort$/ },
  // A Namespace's finalizer, and a Secret's default type.
  { test: /^\/spec\/finalizers$/, value: (v) => Array.isArray(v) && v.length === 1 && v[0] === 'kubernetes' },
  { test: /^\/type$/, value: (v) => v === 'Opaque' },
  { test: /\/(terminationMessagePath|terminationMessagePolicy|imagePullPolicy|defaultMode|protocol|targetPort|volumeMode)$/ },
  // Jobs and CronJobs (batch/v1 defaults.go SetDefaults_Job, SetDefaults_CronJob), and the selector the Job registry makes.
  { test: /\/spec\/backoffLimit$/, value: (v) => v === 6 },
  { test: /\/spec\/(completions|parallelism)$/, value: (v) => v === 1 },
  { test: /\/spec\/completionMode$/, value: (v) => v === 'NonIndexed' },
  { test: /\/spec\/podReplacementPolicy$/, value: (v) => v === 'TerminatingOrFailed' || v === 'Failed' },
  { test: /\/spec\/selector\/matchLabels\/(batch\.kubernetes\.io~1)?controller-uid$/ },
  { test: /^\/spec\/concurrencyPolicy$/, value: (v) => v === 'Allow' },
  { test: /^\/spec\/failedJobsHistoryLimit$/, value: (v) => v === 1 },
  { test: /^\/spec\/successfulJobsHistoryLimit$/, value: (v) => v === 3 },
  // An HPA's minimum; a NetworkPolicy's types, which the API server derives from its rules when git leaves them out.
  { test: /^\/spec\/minReplicas$/, value: (v) => v === 1 },
  { test: /^\/spec\/policyTypes$/, value: (v) => Array.isArray(v) && v.length > 0 && v.every((t) => t === 'Ingress' || t === 'Egress') },
  // A claim's class (DefaultStorageClass admission) and volume (the binder); a LimitRange's defaults copied from its other limits.
  { test: /^\/spec\/(storageClassName|volumeName)$/ },
  { test: /^\/spec\/limits\/[^/]+\/(default|defaultRequest)(\/|$)/ },
  // A StatefulSet's claim templates are read back as whole PVCs (kubectl get -o json): type and an empty status.
  { test: /^\/spec\/volumeClaimTemplates\/[^/]+\/status(\/|$)/ },
  { test: /^\/spec\/volumeClaimTemplates\/[^/]+\/apiVersion$/, value: (v) => v === 'v1' },
  { test: /^\/spec\/volumeClaimTemplates\/[^/]+\/kind$/, value: (v) => v === 'PersistentVolumeClaim' },
];

function metadataKeyOf(pointer: string): string | null {
  const meta = /(?:^|\/)metadata\/(?:annotations|labels)\/([^/]+)$/.exec(pointer);
  return meta ? meta[1]!.replace(/~1/g, '/').replace(/~0/g, '~') : null;
}

/** No single value the API server gives a removed field (a clusterIP, a node port): see removedDefault. */
const NO_DEFAULT = Symbol('no default');

/** group/kind of the built-in objects whose removed fields removedDefault knows ("" is the core group). */
const BUILT_IN_DEFAULTED = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', '/ReplicationController', '/Pod', '/PodTemplate', 'batch/Job', 'batch/CronJob', '/Service']);

const STRATEGY_DEFAULTS: Record<string, unknown> = {
  // apps/v1 defaults.go: SetDefaults_Deployment, SetDefaults_StatefulSet, SetDefaults_DaemonSet.
  Deployment: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
  StatefulSet: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
  DaemonSet: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
};

/**
 * What the API server sets a field to once `kubectl apply` removes it (a field last-applied states
 * and git no longer has): the defaults of core/v1 and apps/v1 defaults.go that are one value. A
 * removed `replicas: 4` becomes 1, a removed `dnsPolicy: Default` ClusterFirst: live keeping the old
 * value is drift, live already at the default is not. NO_DEFAULT for server-set fields without one.
 */
function removedDefault(pointer: string, ctx: Walk): unknown {
  const kind = isRecord(ctx.desired) && typeof ctx.desired.kind === 'string' ? ctx.desired.kind : '';
  const apiVersion = isRecord(ctx.desired) && typeof ctx.desired.apiVersion === 'string' ? ctx.desired.apiVersion : '';
  // A custom resource is stored as written (nothing defaults a pod template inside it).
  if (!BUILT_IN_DEFAULTED.has(`${apiVersion.includes('/') ? apiVersion.split('/')[0] : ''}/${kind}`)) return NO_DEFAULT;
  if (kind === 'Service') {
    if (pointer === '/spec/sessionAffinity') return 'None';
    if (pointer === '/spec/type') return 'ClusterIP';
    if (pointer === '/spec/internalTrafficPolicy') return 'Cluster';
    return NO_DEFAULT;
  }
  if (pointer === '/spec/replicas') return kind === 'DaemonSet' ? NO_DEFAULT : 1;
  if (pointer === '/spec/minReadySeconds') return 0;
  if (pointer === '/spec/revisionHistoryLimit') return 10;
  if (pointer === '/spec/progressDeadlineSeconds') return 600;
  if (pointer === '/spec/podManagementPolicy') return 'OrderedReady';
  if (pointer === '/spec/strategy' && kind === 'Deployment') return STRATEGY_DEFAULTS.Deployment;
  if (pointer === '/spec/updateStrategy' && kind in STRATEGY_DEFAULTS) return STRATEGY_DEFAULTS[kind];
  const field = pointer.slice(pointer.lastIndexOf('/') + 1);
  switch (field) {
    case 'terminationGracePeriodSeconds':
      return 30;
    case 'dnsPolicy':
      return 'ClusterFirst';
    case 'schedulerName':
      return 'default-scheduler';
    case 'enableServiceLinks':
      return true;
    case 'terminationMessagePath':
      return '/dev/termination-log';
    case 'terminationMessagePolicy':
      return 'File';
    case 'imagePullPolicy': {
      // Always for :latest or no tag, else IfNotPresent (SetDefaults_Container), by the image git applies.
      const image = getAtDriftPointer(ctx.desired, pointer.slice(0, -field.length) + 'image');
      if (typeof image !== 'string') return NO_DEFAULT;
      const name = image.split('@')[0]!;
      const tag = name.lastIndexOf(':') > name.lastIndexOf('/') ? name.slice(name.lastIndexOf(':') + 1) : '';
      return image.includes('@') ? 'IfNotPresent' : tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
    }
    default:
      return NO_DEFAULT;
  }
}

/** Equal as JSON values, whatever the order of keys. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]));
  }
  return false;
}

function isServerSet(pointer: string, value: unknown): boolean {
  if (isUnset(value) || isServerOwned(pointer)) return true;
  return SERVER_DEFAULTS.some((s) => s.test.test(pointer) && (!s.value || s.value(value)));
}

/** The result of a comparison: what differs, and live-only fields that are not server defaults. */
export interface DiffResult {
  changes: Change[];
  /** Pointers of fields only live has that no server default explains (for example privileged: true added by hand). */
  liveOnly: string[];
  /** Pointers of injected containers (istio-proxy, ...) only live has: drift only if they make live less secure. */
  injected: string[];
}

/**
 * Compares desired (git) with live, the way `kubectl apply` sees it: only fields git sets are
 * compared (server defaults and controller fields are not drift), except fields that the last
 * applied configuration states and git has since removed (three-way).
 */
export function diffObjects(desired: unknown, live: unknown, lastApplied: unknown, options: DiffOptions = {}): Change[] {
  return diffResources(desired, live, lastApplied, options).changes;
}

export function diffResources(desired: unknown, live: unknown, lastApplied: unknown, options: DiffOptions = {}): DiffResult {
  const ctx: Walk = { desired, res: { changes: [], liveOnly: [], injected: [] }, strict: options.strict ?? false, injected: options.injected ?? new Set(INJECTED_CONTAINERS) };
  walk(desired, live, lastApplied, '', '', ctx);
  dropInjectedVolumes(live, ctx);
  return ctx.res;
}

/** Volumes that only injected containers mount came with them (istio-envoy, linkerd-identity-token): not hand edits. */
function dropInjectedVolumes(live: unknown, ctx: Walk): void {
  const injectedOnly = (pointer: string): boolean => {
    const m = /^(.*)\/volumes\/\[name=([^\]]+)\]$/.exec(pointer);
    if (!m) return false;
    const pod = getAtDriftPointer(live, m[1]!);
    if (!isRecord(pod)) return false;
    const users = ['containers', 'initContainers', 'ephemeralContainers']
      .flatMap((f) => (Array.isArray(pod[f]) ? (pod[f] as unknown[]) : []))
      .filter((c) => isRecord(c) && Array.isArray(c.volumeMounts) && c.volumeMounts.some((vm) => isRecord(vm) && vm.name === m[2]));
    return users.length > 0 && users.every((c) => isRecord(c) && ctx.injected.has(String(c.name)));
  };
  ctx.res.liveOnly = ctx.res.liveOnly.filter((p) => !injectedOnly(p));
  ctx.res.changes = ctx.res.changes.filter((c) => c.note !== 'live-only' || !injectedOnly(c.pointer));
}

interface Walk {
  /** The whole of git's object (a removed field's default may depend on its kind or a sibling). */
  desired: unknown;
  res: DiffResult;
  strict: boolean;
  injected: ReadonlySet<string>;
}

/** A field only live has: not drift (apply leaves it alone); listed, and in strict mode reported leaf by leaf. */
function addLiveOnly(pointer: string, value: unknown, field: string, ctx: Walk): void {
  if (isServerSet(pointer, value)) return;
  const metadataKey = pointer.includes('metadata') ? metadataKeyOf(pointer) : null;
  if (metadataKey !== null && INJECTED_METADATA_KEYS.includes(metadataKey)) return;
  if (isRecord(value)) {
    for (const k of Object.keys(value)) addLiveOnly(joinPointer(pointer, k), value[k], k, ctx);
    return;
  }
  const key = Array.isArray(value) ? listKey(field, value) : null;
  if (key) {
    for (const item of value as unknown[]) addLiveOnlyItem(pointer, item, key, field, ctx);
    return;
  }
  ctx.res.liveOnly.push(pointer);
  if (ctx.strict) ctx.res.changes.push({ pointer, desired: undefined, live: value, note: 'live-only' });
}

/** Items admission adds to every pod: the service account token volume and its mount. */
function isAdmissionItem(field: string, item: unknown): boolean {
  if (!isRecord(item)) return false;
  if (field === 'volumes') return typeof item.name === 'string' && item.name.startsWith('kube-api-access-');
  if (field === 'volumeMounts') return item.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount';
  return false;
}

/** An item of a keyed list that only live has: an injected container, an admission default, or a hand edit. */
function addLiveOnlyItem(pointer: string, item: unknown, key: ListKey, field: string, ctx: Walk): void {
  const segment = key.segment(item);
  if (segment === null || isAdmissionItem(field, item)) return;
  const at = joinPointer(pointer, segment);
  if ((field === 'containers' || field === 'initContainers') && isRecord(item) && ctx.injected.has(String(item.name))) {
    ctx.res.injected.push(at);
    return;
  }
  // An item only live has (a container or env var added by hand): apply leaves it, strict mode reports it.
  ctx.res.liveOnly.push(at);
  if (ctx.strict) ctx.res.changes.push({ pointer: at, desired: undefined, live: item, note: 'live-only' });
}

/**
 * A field last-applied states and git no longer has: `kubectl apply` would delete it, so it is drift while live keeps it.
 * Only what last-applied actually states counts: `annotations: {}` removes nothing; maps are followed key by key.
 */
function addRemoved(applied: unknown, live: unknown, pointer: string, field: string, ctx: Walk): void {
  if (applied === null || applied === undefined || isUnset(live) || isServerOwned(pointer)) return;
  // A server default the old git overrode: apply resets it, so live still holding another value is drift.
  const reset = removedDefault(pointer, ctx);
  if (reset !== NO_DEFAULT) {
    if (!sameValue(reset, live)) ctx.res.changes.push({ pointer, desired: undefined, live, note: 'removed-in-git' });
    return;
  }
  if (isServerSet(pointer, live)) return;
  if (isRecord(applied)) {
    if (!isRecord(live)) {
      if (Object.keys(applied).length > 0) ctx.res.changes.push({ pointer, desired: undefined, live, note: 'removed-in-git' });
      return;
    }
    const keys = Object.keys(live).filter((k) => !isTrackingLabel(joinPointer(pointer, k)));
    if (keys.length === 0) return;
    // Live holds nothing but what was applied: the map as a whole was removed from git.
    if (Object.keys(applied).length > 0 && keys.every((k) => Object.hasOwn(applied, k))) {
      ctx.res.changes.push({ pointer, desired: undefined, live, note: 'removed-in-git' });
      return;
    }
    for (const k of keys) {
      const at = joinPointer(pointer, k);
      if (isServerOwned(at)) continue;
      const was = own(applied, k);
      if (was !== undefined && was !== null) addRemoved(was, live[k], at, k, ctx);
      else addLiveOnly(at, live[k], k, ctx);
    }
    return;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const key = listKey(field, live);
    if (!key) {
      if (applied.length > 0) ctx.res.changes.push({ pointer, desired: undefined, live, note: 'removed-in-git' });
      return;
    }
    const appliedKeys = new Set(applied.map(key.keyOf).filter((k) => k !== null));
    for (const item of live) {
      const k = key.keyOf(item);
      if (k !== null && appliedKeys.has(k)) ctx.res.changes.push({ pointer: joinPointer(pointer, key.segment(item)!), desired: undefined, live: item, note: 'removed-in-git' });
      else addLiveOnlyItem(pointer, item, key, field, ctx);
    }
    return;
  }
  ctx.res.changes.push({ pointer, desired: undefined, live, note: 'removed-in-git' });
}

/** Git sets a value live does not have: report it at its leaves, so the change points at the field. */
function addMissing(desired: unknown, pointer: string, ctx: Walk): void {
  if (desired === null || isServerOwned(pointer)) return;
  if (isRecord(desired)) {
    for (const k of Object.keys(desired)) addMissing(desired[k], joinPointer(pointer, k), ctx);
    return;
  }
  if (!isUnsetAt(pointer, desired)) ctx.res.changes.push({ pointer, desired, live: undefined });
}

/** A map's own entry: a field named like an Object.prototype member (a label `toString`, a key `constructor`) is absent when it is not written. */
function own(map: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

function walk(desired: unknown, live: unknown, applied: unknown, pointer: string, field: string, ctx: Walk): void {
  // null in git is no opinion: the API server drops it (creationTimestamp: null in every kubectl output).
  if (desired === null || desired === undefined || isServerOwned(pointer)) return;
  const out = ctx.res.changes;
  if (isRecord(desired)) {
    if (live === undefined || live === null) {
      addMissing(desired, pointer, ctx);
      return;
    }
    if (!isRecord(live)) {
      if (!(isUnset(live) && Object.values(desired).every(isUnset))) out.push({ pointer, desired, live });
      return;
    }
    for (const key of Object.keys(desired)) {
      walk(desired[key], own(live, key), isRecord(applied) ? own(applied, key) : undefined, joinPointer(pointer, key), key, ctx);
    }
    for (const key of Object.keys(live)) {
      const want = own(desired, key);
      if (want !== undefined && want !== null) continue;
      const at = joinPointer(pointer, key);
      if (isServerOwned(at) || isTrackingLabel(at)) continue;
      const was = isRecord(applied) ? own(applied, key) : undefined;
      if (was !== undefined && was !== null) addRemoved(was, live[key], at, key, ctx);
      else addLiveOnly(at, live[key], key, ctx);
    }
    return;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) {
      if (!(desired.length === 0 && isUnset(live))) out.push({ pointer, desired, live });
      return;
    }
    const key = listKey(field, desired.length ? desired : live);
    if (key) {
      walkKeyedList(desired, live, Array.isArray(applied) ? applied : [], key, pointer, field, ctx);
      return;
    }
    if (desired.length !== live.length) {
      out.push({ pointer, desired, live });
      return;
    }
    desired.forEach((d, i) => walk(d, live[i], Array.isArray(applied) ? applied[i] : undefined, joinPointer(pointer, i), '', ctx));
    return;
  }
  if (!scalarsEqual(desired, live, pointer)) out.push({ pointer, desired, live });
}

function walkKeyedList(desired: unknown[], live: unknown[], applied: unknown[], key: ListKey, pointer: string, field: string, ctx: Walk): void {
  const out = ctx.res.changes;
  const liveByKey = new Map<string, unknown>();
  for (const item of live) {
    const k = key.keyOf(item);
    if (k !== null && !liveByKey.has(k)) liveByKey.set(k, item);
  }
  const appliedByKey = new Map<string, unknown>();
  for (const item of applied) {
    const k = key.keyOf(item);
    if (k !== null) appliedByKey.set(k, item);
  }
  const desiredKeys = new Set<string>();
  desired.forEach((item, i) => {
    const k = key.keyOf(item);
    const at = joinPointer(pointer, i);
    if (k === null) {
      out.push({ pointer: at, desired: item, live: undefined });
      return;
    }
    desiredKeys.add(k);
    if (!liveByKey.has(k)) out.push({ pointer: at, desired: item, live: undefined });
    else walk(item, liveByKey.get(k), appliedByKey.get(k), at, '', ctx);
  });
  for (const [k, item] of liveByKey) {
    if (desiredKeys.has(k)) continue;
    if (appliedByKey.has(k)) out.push({ pointer: joinPointer(pointer, key.segment(item)!), desired: undefined, live: item, note: 'removed-in-git' });
    else addLiveOnlyItem(pointer, item, key, field, ctx);
  }
}

/**
 * Turns a pointer into live (as rules report it, lists by index) into the pointer drift uses:
 * items of keyed lists at git's index, or named by key when git has no such item.
 */
export function toDesiredPointer(livePointer: string, desired: unknown, live: unknown): string {
  let out = '';
  let d: unknown = desired;
  let l: unknown = live;
  let field = '';
  for (const seg of parsePointer(livePointer)) {
    if (Array.isArray(l)) {
      const item: unknown = l[Number(seg)];
      const key = item === undefined ? null : listKey(field, l);
      const k = key ? key.keyOf(item) : null;
      if (key && k !== null) {
        const idx = Array.isArray(d) ? d.findIndex((x) => key.keyOf(x) === k) : -1;
        out = idx >= 0 ? joinPointer(out, idx) : joinPointer(out, key.segment(item)!);
        d = idx >= 0 ? (d as unknown[])[idx] : undefined;
      } else {
        out = joinPointer(out, seg);
        d = Array.isArray(d) ? d[Number(seg)] : undefined;
      }
      l = item;
      field = '';
      continue;
    }
    out = joinPointer(out, seg);
    d = isRecord(d) ? d[seg] : undefined;
    l = isRecord(l) ? l[seg] : undefined;
    field = seg;
  }
  return out;
}

/** The value at a drift pointer, where `[key=value]` segments select a keyed list's item. */
export function getAtDriftPointer(data: unknown, pointer: string): unknown {
  let cur: unknown = data;
  let field = '';
  for (const seg of parsePointer(pointer)) {
    if (Array.isArray(cur)) {
      const list: unknown[] = cur;
      const key = seg.startsWith('[') ? listKey(field, list) : null;
      cur = key ? list.find((item) => key.segment(item) === seg) : list[Number(seg)];
    } else if (isRecord(cur)) {
      cur = cur[seg];
    } else {
      return undefined;
    }
    field = seg;
  }
  return cur;
}

/** The injected container a drift pointer is inside, if any ("istio-proxy"). */
export function injectedContainerOf(pointer: string, injected: ReadonlySet<string>): string | null {
  const m = /\/(?:containers|initContainers)\/\[name=([^\]]+)\]/.exec(pointer);
  return m && injected.has(m[1]!) ? m[1]! : null;
}
