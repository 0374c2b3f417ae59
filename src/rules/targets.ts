import { groupOf, isRecord } from '../parse/identity.js';
import { getAtSegments, joinPointer, pointerSegments } from '../parse/pointer.js';
import { flagsOf } from './flags.js';

/** One value a rule's schema is checked against. */
export interface TargetInstance {
  /** Pointer of the value, relative to the document. */
  pointer: string;
  value: unknown;
  /** Name of the container this value belongs to, when it is in one. */
  container?: string;
  /** Where `/$pod/...` paths in errors point: the pod spec, for container targets. */
  podPointer?: string;
  /** An entry `{name, value}` made by a `*=` segment: its `/name` and `/value` are the instance's own place. */
  entry?: boolean;
  /** In a pod spec an operator merges with layers the document does not hold: see PodCarrier.partial. */
  partial?: true;
}

/**
 * Where pod specs are, per kind. A path is a list of segments; `*` is every item of a list or
 * every value of a map (KubeRay worker groups, Kubeflow replica specs). `group` restricts the
 * carrier to an API group: Knative's `Service` is not the core Service.
 */
interface PodCarrier {
  kind: string;
  /** API groups the kind must be in (undefined: any, as for the built-in workload kinds). */
  groups?: readonly string[];
  paths: readonly (readonly string[])[];
  /** Fields of the pod spec that hold one container each (KServe's `sklearn:`, `model:` ...). */
  containerFields?: readonly string[];
  /** The name such a container gets when it has none (KServe's `kserve-container`, the default). */
  containerName?: string;
  /**
   * The labels of the pods the operator makes from the pod spec at `podSegs`, when they are not
   * (only) its template's: see podLabelsAt.
   */
  labels?: (data: Record<string, unknown>, podSegs: readonly string[], template: Record<string, unknown>) => Record<string, unknown>;
  /**
   * The pod spec is a layer the operator merges with others the document does not hold (a KServe
   * runtime under an InferenceService's predictor): what it sets is judged, not what it leaves out.
   */
  partial?: true;
}

/** `partial` carried over to what is made from a pod spec (absent, not false, when it is whole: instances stay small). */
const partialOf = (from: { partial?: true }): { partial?: true } => (from.partial ? { partial: true } : {});

/** A record's string-keyed map at `key`, or an empty one. */
const mapAt = (v: unknown, key: string): Record<string, unknown> => (isRecord(v) && isRecord(v[key]) ? v[key] : {});
const nameOf = (data: Record<string, unknown>): string | null => {
  const name = mapAt(data, 'metadata').name;
  return typeof name === 'string' && name ? name : null;
};

/** The `groupName` of the KubeRay worker group a pod spec is in (`…/workerGroupSpecs/<i>/…`), as written; undefined outside one. */
function rayWorkerGroupName(data: unknown, segs: readonly string[]): unknown {
  const worker = segs.indexOf('workerGroupSpecs');
  return worker === -1 ? undefined : getAtSegments(data, [...segs.slice(0, worker + 2), 'groupName']);
}

/**
 * KubeRay (ray-operator, common/pod.go labelPod): every Ray pod carries `ray.io/is-ray-node` and the
 * app labels, which its template may override, and `ray.io/node-type`, `ray.io/group` and
 * `ray.io/cluster`, which it may not. A RayJob's or RayService's cluster has a generated name
 * (`<name>-<random>`), so no selector written beforehand can name it: that label is left out.
 * The RayJob's submitter pod is a plain Job's.
 */
const rayLabels = (clusterNamed: boolean) => (data: Record<string, unknown>, segs: readonly string[], template: Record<string, unknown>) => {
  const head = segs.includes('headGroupSpec');
  if (!head && !segs.includes('workerGroupSpecs')) return template;
  const group = head ? 'headgroup' : rayWorkerGroupName(data, segs);
  const cluster = clusterNamed ? nameOf(data) : null;
  const labels: Record<string, unknown> = { 'ray.io/is-ray-node': 'yes', 'app.kubernetes.io/name': 'kuberay', 'app.kubernetes.io/created-by': 'kuberay-operator', ...template };
  delete labels['ray.io/cluster'];
  labels['ray.io/node-type'] = head ? 'head' : 'worker';
  if (typeof group === 'string') labels['ray.io/group'] = group;
  else delete labels['ray.io/group'];
  if (cluster) labels['ray.io/cluster'] = cluster;
  return labels;
};

const TEMPLATE = ['spec', 'template', 'spec'];
/** KubeRay's RayClusterSpec: the head group and every worker group carry a pod template. */
const rayCluster = (...at: string[]) => [
  [...at, 'headGroupSpec', 'template', 'spec'],
  [...at, 'workerGroupSpecs', '*', 'template', 'spec'],
];
/** KServe v1beta1: a predictor, transformer or explainer is a pod spec (PodSpec inline) whose framework fields are containers. */
const KSERVE_PREDICTOR_FRAMEWORKS = ['sklearn', 'xgboost', 'tensorflow', 'pytorch', 'triton', 'onnx', 'huggingface', 'pmml', 'lightgbm', 'paddle', 'model'];
const KSERVE_EXPLAINERS = ['art', 'alibi'];

const POD_CARRIERS: readonly PodCarrier[] = [
  { kind: 'Pod', paths: [['spec']] },
  { kind: 'Deployment', paths: [TEMPLATE] },
  { kind: 'ReplicaSet', paths: [TEMPLATE] },
  { kind: 'StatefulSet', paths: [TEMPLATE] },
  { kind: 'DaemonSet', paths: [TEMPLATE] },
  { kind: 'Job', paths: [TEMPLATE] },
  { kind: 'ReplicationController', paths: [TEMPLATE] },
  { kind: 'CronJob', paths: [['spec', 'jobTemplate', 'spec', 'template', 'spec']] },
  { kind: 'PodTemplate', paths: [['template', 'spec']] },
  // OpenShift 3 served DeploymentConfig as apiVersion v1 (core group).
  { kind: 'DeploymentConfig', groups: ['apps.openshift.io', ''], paths: [TEMPLATE] },
  { kind: 'Rollout', groups: ['argoproj.io'], paths: [TEMPLATE] },
  // Knative's RevisionSpec inlines the PodSpec.
  { kind: 'Service', groups: ['serving.knative.dev'], paths: [TEMPLATE] },
  { kind: 'Configuration', groups: ['serving.knative.dev'], paths: [TEMPLATE] },
  {
    kind: 'InferenceService',
    groups: ['serving.kserve.io'],
    paths: [['spec', 'predictor'], ['spec', 'predictor', 'workerSpec'], ['spec', 'transformer'], ['spec', 'explainer']],
    containerFields: [...KSERVE_PREDICTOR_FRAMEWORKS, ...KSERVE_EXPLAINERS],
    // KServe (components/predictor.go and the transformer's and explainer's): the InferenceService's labels,
    // then the component's own `labels`, then `serving.kserve.io/inferenceservice` and `component`, each over
    // the one before (the ServingRuntime's labels come first, and are not in the document). A multi-node
    // predictor's workerSpec pods are left with the InferenceService's labels.
    labels: (data, segs, own) => {
      if (segs.length !== 2) return own;
      const component = segs[1]!;
      const name = nameOf(data);
      return { ...own, ...mapAt(getAtSegments(data, segs), 'labels'), ...(name ? { 'serving.kserve.io/inferenceservice': name } : {}), component };
    },
  },
  // KServe's runtimes: the spec (and a multi-node runtime's workerSpec) inlines a ServingRuntimePodSpec
  // (containers, volumes, nodeSelector, affinity, tolerations, labels, annotations, imagePullSecrets,
  // hostIPC), the base the controller merges an InferenceService's predictor into (servingruntime_types.go).
  { kind: 'ServingRuntime', groups: ['serving.kserve.io'], paths: [['spec'], ['spec', 'workerSpec']], partial: true },
  { kind: 'ClusterServingRuntime', groups: ['serving.kserve.io'], paths: [['spec'], ['spec', 'workerSpec']], partial: true },
  // LLMInferenceService (and the LLMInferenceServiceConfig it takes a base from): a pod spec per workload,
  // merged over the configs in baseRefs and KServe's default template (llm_inference_service_types.go).
  ...['LLMInferenceService', 'LLMInferenceServiceConfig'].map((kind) => ({
    kind,
    groups: ['serving.kserve.io'],
    paths: [['spec', 'template'], ['spec', 'worker'], ['spec', 'prefill', 'template'], ['spec', 'prefill', 'worker']],
    partial: true as const,
  })),
  { kind: 'RayCluster', groups: ['ray.io'], paths: rayCluster('spec'), labels: rayLabels(true) },
  { kind: 'RayJob', groups: ['ray.io'], paths: [...rayCluster('spec', 'rayClusterSpec'), ['spec', 'submitterPodTemplate', 'spec']], labels: rayLabels(false) },
  { kind: 'RayService', groups: ['ray.io'], paths: rayCluster('spec', 'rayClusterConfig'), labels: rayLabels(false) },
  // The Kubeflow notebook controller (generateStatefulSet) gives the pod `statefulset` and `notebook-name`,
  // then copies the Notebook's own labels over them: the template's labels are not used.
  {
    kind: 'Notebook',
    groups: ['kubeflow.org'],
    paths: [TEMPLATE],
    labels: (data) => {
      const name = nameOf(data);
      return { ...(name ? { statefulset: name, 'notebook-name': name } : {}), ...mapAt(data.metadata, 'labels') };
    },
  },
  // LeaderWorkerSet (multi-node vLLM, SGLang): a leader and a worker pod template; without a leaderTemplate
  // the leader pods are made from the workerTemplate (kubernetes-sigs/lws, leaderworkerset_types.go).
  {
    kind: 'LeaderWorkerSet',
    groups: ['leaderworkerset.x-k8s.io'],
    paths: [['spec', 'leaderWorkerTemplate', 'leaderTemplate', 'spec'], ['spec', 'leaderWorkerTemplate', 'workerTemplate', 'spec']],
    // Its pods carry `leaderworkerset.sigs.k8s.io/name`; the leaders `worker-index: "0"` (a workerTemplate
    // alone makes leaders and workers, so its pod spec says no index).
    labels: (data, segs, own) => {
      const name = nameOf(data);
      return { ...own, ...(name ? { 'leaderworkerset.sigs.k8s.io/name': name } : {}), ...(segs.includes('leaderTemplate') ? { 'leaderworkerset.sigs.k8s.io/worker-index': '0' } : {}) };
    },
  },
  // JobSet (distributed training and TPU slices): each replicated job's Job template holds a pod template (kubernetes-sigs/jobset, jobset_types.go).
  { kind: 'JobSet', groups: ['jobset.x-k8s.io'], paths: [['spec', 'replicatedJobs', '*', 'template', 'spec', 'template', 'spec']] },
  // Kubeflow Trainer v2's runtimes hold a JobSet template; a TrainJob's podSpecOverrides are merged into it, so it is a layer.
  ...['TrainingRuntime', 'ClusterTrainingRuntime'].map((kind) => ({
    kind,
    groups: ['trainer.kubeflow.org'],
    paths: [['spec', 'template', 'spec', 'replicatedJobs', '*', 'template', 'spec', 'template', 'spec']],
    partial: true as const,
  })),
  // Argo Workflows (and Kubeflow Pipelines on Argo): the workflow's spec holds the pod-level fields
  // (hostNetwork, securityContext, volumes, serviceAccountName) and each template a container or script
  // (`main` when unnamed), init containers and a container set. The controller merges them with its
  // defaults and the templates' podSpecPatch, so they are layers (workflow_types.go).
  ...['Workflow', 'WorkflowTemplate', 'ClusterWorkflowTemplate', 'CronWorkflow'].map((kind) => {
    const spec = kind === 'CronWorkflow' ? ['spec', 'workflowSpec'] : ['spec'];
    return {
      kind,
      groups: ['argoproj.io'],
      paths: [spec, [...spec, 'templates', '*'], [...spec, 'templates', '*', 'containerSet']],
      containerFields: ['container', 'script'],
      containerName: 'main',
      partial: true as const,
    };
  }),
  // Kubeflow training jobs: spec.<framework>ReplicaSpecs.<role>.template.spec.
  ...['PyTorchJob:pytorch', 'TFJob:tf', 'MPIJob:mpi', 'XGBoostJob:xgb', 'PaddleJob:paddle', 'JAXJob:jax', 'MXJob:mx'].map((s) => {
    const [kind, prefix] = s.split(':') as [string, string];
    return { kind, groups: ['kubeflow.org'], paths: [['spec', `${prefix}ReplicaSpecs`, '*', 'template', 'spec']] };
  }),
];

/** Kinds that can carry a pod spec (some only in one API group: see podSpecsOf): the pod-spec and container rules' kinds. */
export const POD_SPEC_KINDS = [...new Set(POD_CARRIERS.map((c) => c.kind))];
/**
 * Kinds whose pod spec is a workload's whole: what relation rules join (a Service selects its pods, a
 * NetworkPolicy covers them). A partial one (a KServe runtime) is a layer of pods another object makes.
 */
export const WORKLOAD_KINDS = [...new Set(POD_CARRIERS.filter((c) => !c.partial).map((c) => c.kind))];
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;
type ContainerList = (typeof CONTAINER_LISTS)[number];

/** Values at a path with `*` segments, in document order. */
function valuesAt(data: unknown, segs: readonly string[]): { pointer: string; value: unknown }[] {
  let current = [{ pointer: '', value: data }];
  for (const seg of segs) {
    const next: { pointer: string; value: unknown }[] = [];
    for (const { pointer, value } of current) {
      if (seg === '*') {
        if (Array.isArray(value)) value.forEach((v, i) => next.push({ pointer: joinPointer(pointer, i), value: v }));
        else if (isRecord(value)) for (const [k, v] of Object.entries(value)) next.push({ pointer: joinPointer(pointer, k), value: v });
      } else if (isRecord(value) && seg in value) next.push({ pointer: joinPointer(pointer, seg), value: value[seg] });
    }
    current = next;
  }
  return current;
}

interface PodSpecPlace extends TargetInstance {
  value: Record<string, unknown>;
  containerFields: readonly string[];
  /** The name the operator gives a container of `containerFields` that has none. */
  containerName: string;
}

const CARRIERS_BY_KIND = new Map<string, PodCarrier[]>();
for (const c of POD_CARRIERS) CARRIERS_BY_KIND.set(c.kind, [...(CARRIERS_BY_KIND.get(c.kind) ?? []), c]);

function carrierOf(data: Record<string, unknown>): PodCarrier | undefined {
  const carriers = CARRIERS_BY_KIND.get(data.kind as string);
  if (!carriers) return undefined;
  const group = typeof data.apiVersion === 'string' ? groupOf(data.apiVersion) : null;
  return carriers.find((c) => !c.groups || (group !== null && c.groups.includes(group)));
}

/** Every pod spec a document carries (a RayCluster has one per group), in the order of the carrier's paths. */
function podSpecsOf(data: unknown): PodSpecPlace[] {
  if (!isRecord(data) || typeof data.kind !== 'string') return [];
  const carrier = carrierOf(data);
  if (!carrier) return [];
  const out: PodSpecPlace[] = [];
  for (const path of carrier.paths) {
    for (const { pointer, value } of valuesAt(data, path)) {
      if (isRecord(value)) out.push({ pointer, value, containerFields: carrier.containerFields ?? [], containerName: carrier.containerName ?? KSERVE_CONTAINER, ...partialOf(carrier) });
    }
  }
  return out;
}

/**
 * The labels of the pods made from the pod spec at `podPointer`, which selectors (a Service's, a
 * NetworkPolicy's) match: its template's (`…/template/spec`), or the object's own (a Pod, a KServe
 * component), and what the operator of a custom kind adds or puts in their place (KubeRay,
 * LeaderWorkerSet, KServe, the Kubeflow notebook controller). Values are as written: a label that is
 * not a string is left for the caller to drop.
 */
export function podLabelsAt(data: unknown, podPointer: string): Record<string, unknown> {
  if (!isRecord(data)) return {};
  const segs = pointerSegments(podPointer);
  // A template's metadata, or (a Pod, a KServe component) the object's own.
  const own = mapAt(mapAt(podTemplateAt(data, podPointer)?.value ?? data, 'metadata'), 'labels');
  const carrier = carrierOf(data);
  return carrier?.labels ? carrier.labels(data, segs, own) : own;
}

/**
 * The pod template a pod spec is the `spec` of (`…/template/spec` → `…/template`), whose metadata the
 * pods get; null when the pod spec is not a template's (a Pod's `spec` is the object's own, a KServe
 * component's fields are inline).
 */
export function podTemplateAt(data: unknown, podPointer: string): { pointer: string; value: unknown } | null {
  const segs = pointerSegments(podPointer);
  if (segs.length < 2 || segs[segs.length - 1] !== 'spec') return null;
  return { pointer: podPointer.slice(0, -'/spec'.length), value: getAtSegments(data, segs, segs.length - 1) };
}

/** The container name KServe gives the container it builds from a framework field. */
const KSERVE_CONTAINER = 'kserve-container';

function containersOf(data: unknown, lists: readonly ContainerList[] = CONTAINER_LISTS, withFields = true): TargetInstance[] {
  const out: TargetInstance[] = [];
  for (const pod of podSpecsOf(data)) {
    const spec = pod.value;
    for (const list of lists) {
      const items = spec[list];
      if (!Array.isArray(items)) continue;
      items.forEach((c, i) => {
        if (!isRecord(c)) return;
        out.push({
          pointer: joinPointer(pod.pointer, list, i),
          // The pod spec rides along as $pod, so a rule can see inherited pod-level settings; $list says
          // which list holds the container (the API server allows an ephemeral container fewer fields).
          value: { ...c, $pod: spec, $list: list },
          container: typeof c.name === 'string' ? c.name : `${list}[${i}]`,
          podPointer: pod.pointer,
          ...partialOf(pod),
        });
      });
    }
    if (!withFields) continue;
    for (const field of pod.containerFields) {
      const c = spec[field];
      if (!isRecord(c)) continue;
      // An empty name is KServe's default too (name: '' in OpenShift AI's generated InferenceServices).
      const name = typeof c.name === 'string' && c.name !== '' ? c.name : pod.containerName;
      out.push({ pointer: joinPointer(pod.pointer, field), value: { ...c, name, $pod: spec }, container: name, podPointer: pod.pointer, ...partialOf(pod) });
    }
  }
  return out;
}

/** Every string value under `root`, with its pointer (keys are not values). */
function stringsOf(root: unknown): TargetInstance[] {
  const out: TargetInstance[] = [];
  const visit = (v: unknown, pointer: string) => {
    if (typeof v === 'string') out.push({ pointer, value: v });
    else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) visit(v[i], `${pointer}/${i}`);
    else if (isRecord(v)) for (const k of Object.keys(v)) visit(v[k], joinPointer(pointer, k));
  };
  visit(root, '');
  return out;
}

/** `NAME=value` (compose's list form of environment); a bare `NAME` takes its value from the host. */
function splitAssignment(s: string): { name: string; value?: string } {
  const eq = s.indexOf('=');
  return eq === -1 ? { name: s } : { name: s.slice(0, eq), value: s.slice(eq + 1) };
}

/**
 * Expands a pointer pattern under one value. `*` is every item of a list or value of a map; a
 * map item is named after its key (a compose service), unless the instance already has a name.
 * `*=` is every entry as `{name, value}`: a map's keys with their values, or a list's
 * `NAME=value` strings, so one schema can judge a variable by its name and value in either form.
 * `*flags` is every flag of a command line as an entry `{name, value}` (`{name}` for a flag with no
 * value): `--db-password hunter2` and `--db-password=hunter2` alike, at the word that holds the value;
 * `credential: true` marks a value the program takes as a credential whatever the flag's name
 * (`mysqladmin -pX`, `curl -u user:X`: src/rules/tool-credentials.ts).
 * It reads a list (argv), a string (a command line) or an object's `entrypoint`, `command` and
 * `args` as one argv (a container, a compose service), then its probes', hooks' and healthcheck's
 * commands: JSON Schema cannot relate a list item to the
 * one before it, so the pairing is done here (src/rules/flags.ts).
 */
function expandPattern(base: TargetInstance, pattern: string): TargetInstance[] {
  let current: TargetInstance[] = [{ ...base, podPointer: undefined }];
  for (const seg of pointerSegments(pattern)) {
    const next: TargetInstance[] = [];
    for (const inst of current) {
      const v = inst.value;
      if (seg === '*') {
        if (Array.isArray(v)) v.forEach((item, i) => next.push({ ...inst, pointer: joinPointer(inst.pointer, i), value: item }));
        else if (isRecord(v)) for (const [k, item] of Object.entries(v)) next.push({ ...inst, pointer: joinPointer(inst.pointer, k), value: item, container: inst.container ?? k });
      } else if (seg === '*=') {
        if (Array.isArray(v)) {
          v.forEach((item, i) => {
            if (typeof item === 'string') next.push({ ...inst, pointer: joinPointer(inst.pointer, i), value: splitAssignment(item), entry: true });
          });
        } else if (isRecord(v)) {
          for (const [k, item] of Object.entries(v)) next.push({ ...inst, pointer: joinPointer(inst.pointer, k), value: { name: k, value: item }, entry: true });
        }
      } else if (seg === '*flags') {
        // The entry is the flag as read ({name}, {name, value}, with credential when the program says so), at its word.
        for (const { pointer, ...flag } of flagsOf(v, inst.pointer)) next.push({ ...inst, pointer, value: flag, entry: true });
      } else if (Array.isArray(v) && /^\d+$/.test(seg) && Number(seg) < v.length) {
        next.push({ ...inst, pointer: joinPointer(inst.pointer, seg), value: v[Number(seg)] });
      } else if (isRecord(v) && seg in v && seg !== '$pod') {
        next.push({ ...inst, pointer: joinPointer(inst.pointer, seg), value: v[seg] });
      }
    }
    current = next;
  }
  return current;
}

/**
 * The values a rule checks in one document. `target` is document | podSpec | container | strings,
 * optionally followed by a pointer pattern (`container/env/*`), or a pattern from the root.
 * `podSpec/containers/*` (or initContainers, ephemeralContainers) gives those containers as a
 * `container` target does, with their pod spec as `$pod`.
 */
export function expandTargets(data: unknown, target = 'document'): TargetInstance[] {
  const slash = target.indexOf('/');
  const base = slash === -1 ? target : target.slice(0, slash) || 'document';
  let pattern = slash === -1 ? '' : target.slice(slash);
  let bases: TargetInstance[];
  const list = /^\/(containers|initContainers|ephemeralContainers)\/\*(?=\/|$)/.exec(pattern);
  if (base === 'podSpec' && list) {
    bases = containersOf(data, [list[1] as ContainerList], false);
    pattern = pattern.slice(list[0].length);
  } else if (base === 'podSpec') bases = podSpecsOf(data).map((p) => ({ pointer: p.pointer, value: p.value, ...partialOf(p) }));
  else if (base === 'container') bases = containersOf(data);
  else if (base === 'strings') bases = stringsOf(data);
  else bases = [{ pointer: '', value: data }];
  if (!pattern) return bases;
  return bases.flatMap((b) => expandPattern(b, pattern));
}

/**
 * One document's targets, each expanded once: its rules and its relation projection ask for the
 * same ones. Made per document and dropped with it; the instances are shared, never to be changed.
 */
export class DocumentTargets {
  private readonly byTarget = new Map<string, TargetInstance[]>();
  constructor(private readonly data: unknown) {}

  of(target = 'document'): readonly TargetInstance[] {
    let instances = this.byTarget.get(target);
    if (!instances) this.byTarget.set(target, (instances = expandTargets(this.data, target)));
    return instances;
  }
}

/**
 * How a message names one of a document's pod specs when it has several (a RayCluster's groups, a
 * KServe predictor and transformer, a training job's replica roles): `worker group "gpu"`. Null
 * for a pointer in no pod spec, or in a document with only one (its messages need no more).
 */
export function podSpecNameAt(targets: DocumentTargets, data: unknown, pointer: string): string | null {
  const pods = targets.of('podSpec');
  if (pods.length < 2) return null;
  // A pod spec's place, or its template's (the pod's labels and annotations): `template`, a RayJob's
  // `submitterPodTemplate`, a LeaderWorkerSet's `leaderTemplate` and `workerTemplate`.
  const holder = (p: TargetInstance) => (/(\/template|Template)\/spec$/.test(p.pointer) ? p.pointer.slice(0, -'/spec'.length) : p.pointer);
  // The innermost (a KServe predictor's workerSpec is inside the predictor).
  const pod = pods.filter((p) => pointer === holder(p) || pointer.startsWith(`${holder(p)}/`)).sort((a, b) => b.pointer.length - a.pointer.length)[0];
  return pod ? podSpecName(data, pod.pointer) : null;
}

/** A message about one of several pod specs, saying which (`… (in the worker group "gpu")`); as it is without a name. */
export function inPodSpec(message: string, name: string | null | undefined): string {
  return name ? `${message} (in the ${name})` : message;
}

/** The name of the pod spec at `podPointer` (one of several in `data`), as podSpecNameAt gives it. */
export function podSpecName(data: unknown, podPointer: string): string | null {
  const segs = pointerSegments(podPointer);
  const at = (name: string) => segs.indexOf(name);
  if (at('headGroupSpec') !== -1) return 'head group';
  if (at('submitterPodTemplate') !== -1) return 'submitter pod';
  if (at('leaderTemplate') !== -1) return 'leader template';
  if (at('workerTemplate') !== -1) return 'worker template';
  const worker = at('workerGroupSpecs');
  if (worker !== -1) {
    const group = rayWorkerGroupName(data, segs);
    return typeof group === 'string' && group ? `worker group "${group}"` : `worker group ${Number(segs[worker + 1]) + 1}`;
  }
  // Argo Workflows: a template by its name (its container set too); the workflow's own spec holds the pod-level fields.
  const templates = at('templates');
  if (templates !== -1 && /^\d+$/.test(segs[templates + 1] ?? '')) {
    const template = getAtSegments(data, segs, templates + 2);
    const name = isRecord(template) && typeof template.name === 'string' && template.name ? `template "${template.name}"` : `template ${Number(segs[templates + 1]) + 1}`;
    return segs[templates + 2] === 'containerSet' ? `container set of ${name}` : name;
  }
  if (segs[segs.length - 1] === 'workflowSpec' || (segs.length === 1 && segs[0] === 'spec' && isRecord(data) && Array.isArray((data.spec as Record<string, unknown> | undefined)?.templates))) return 'workflow spec';
  const replicas = segs.findIndex((s) => s.endsWith('ReplicaSpecs'));
  if (replicas !== -1) return `${segs[replicas + 1]} replicas`;
  // KServe: spec.predictor, spec.predictor.workerSpec, spec.transformer, spec.explainer.
  if (segs[segs.length - 1] === 'workerSpec') return `${segs[segs.length - 2]} workers`;
  return segs.filter((s) => s !== 'spec' && s !== 'template').join('.') || null;
}

/** Turns a validator error path inside an instance into a document pointer. */
export function resolveInstancePath(inst: TargetInstance, instancePath: string): string {
  if (inst.podPointer && (instancePath === '/$pod' || instancePath.startsWith('/$pod/'))) {
    return inst.podPointer + instancePath.slice('/$pod'.length);
  }
  // An entry's name and value are where the entry is (a map key's value, a NAME=value string).
  if (inst.entry) return inst.pointer + instancePath.replace(/^\/(name|value)(?=\/|$)/, '');
  return inst.pointer + instancePath;
}
