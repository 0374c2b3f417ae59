import { isMap } from './provenance.js';
import { RenderError } from './resource.js';

/**
 * Where kustomize's built-in transformers act: the field specs of kustomize v5's default
 * transformer configuration (api/internal/konfig/builtinpluginconsts), written as data.
 */

export interface FieldSpec {
  /** Applies to this kind only (any kind when absent). */
  kind?: string;
  /** Applies to this API group only ("" is the core group; any group when absent). */
  group?: string;
  /** The keys on the way; a key written `name[]` holds a list, which is walked and never made. */
  path: string[];
  /** Make the missing maps on the way (labels and annotations); otherwise skip resources without the path. */
  create: boolean;
}

/** `a/b\/c/d[]/e` → ['a', 'b/c', 'd[]', 'e']: `\/` escapes a slash in a key. */
export function splitPath(path: string): string[] {
  return path.split(/(?<!\\)\//).map((s) => s.replace(/\\\//g, '/'));
}

function fs(path: string, kind?: string, group?: string, create = false): FieldSpec {
  const spec: FieldSpec = { path: splitPath(path), create };
  if (kind !== undefined) spec.kind = kind;
  if (group !== undefined) spec.group = group;
  return spec;
}

const TEMPLATE_KINDS: [string, string | undefined][] = [
  ['ReplicationController', ''],
  ['Deployment', undefined],
  ['ReplicaSet', undefined],
  ['DaemonSet', undefined],
  ['StatefulSet', 'apps'],
  ['Job', 'batch'],
];

/** metadata/labels everywhere and the pod template labels of the workloads. */
const TEMPLATE_LABELS: FieldSpec[] = [
  fs('metadata/labels', undefined, undefined, true),
  ...TEMPLATE_KINDS.map(([k, g]) => fs('spec/template/metadata/labels', k, g, true)),
  fs('spec/volumeClaimTemplates[]/metadata/labels', 'StatefulSet', 'apps', true),
  fs('spec/jobTemplate/metadata/labels', 'CronJob', 'batch', true),
  fs('spec/jobTemplate/spec/template/metadata/labels', 'CronJob', 'batch', true),
];

const AFFINITY_SELECTORS = [
  'spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels',
];

/** commonLabels (and labels with includeSelectors): metadata, templates and selectors. */
export const COMMON_LABELS: FieldSpec[] = [
  fs('spec/selector', 'Service', '', true),
  fs('spec/selector', 'ReplicationController', '', true),
  fs('spec/selector/matchLabels', 'Deployment', undefined, true),
  ...AFFINITY_SELECTORS.map((p) => fs(p, 'Deployment', 'apps')),
  fs('spec/selector/matchLabels', 'ReplicaSet', undefined, true),
  fs('spec/selector/matchLabels', 'DaemonSet', undefined, true),
  fs('spec/selector/matchLabels', 'StatefulSet', 'apps', true),
  ...AFFINITY_SELECTORS.map((p) => fs(p, 'StatefulSet', 'apps')),
  fs('spec/selector/matchLabels', 'Job', 'batch'),
  fs('spec/jobTemplate/spec/selector/matchLabels', 'CronJob', 'batch'),
  fs('spec/selector/matchLabels', 'PodDisruptionBudget', 'policy'),
  fs('spec/podSelector/matchLabels', 'NetworkPolicy', 'networking.k8s.io'),
  fs('spec/ingress/from/podSelector/matchLabels', 'NetworkPolicy', 'networking.k8s.io'),
  fs('spec/egress/to/podSelector/matchLabels', 'NetworkPolicy', 'networking.k8s.io'),
  ...TEMPLATE_LABELS,
];

export { TEMPLATE_LABELS };

export const METADATA_LABELS: FieldSpec[] = [fs('metadata/labels', undefined, undefined, true)];

export const COMMON_ANNOTATIONS: FieldSpec[] = [
  fs('metadata/annotations', undefined, undefined, true),
  ...TEMPLATE_KINDS.map(([k, g]) => fs('spec/template/metadata/annotations', k, k === 'StatefulSet' ? undefined : g, true)),
  fs('spec/jobTemplate/metadata/annotations', 'CronJob', 'batch', true),
  fs('spec/jobTemplate/spec/template/metadata/annotations', 'CronJob', 'batch', true),
];

export const REPLICAS: FieldSpec[] = ['Deployment', 'ReplicationController', 'ReplicaSet', 'StatefulSet'].map((k) => fs('spec/replicas', k, undefined, true));

/** Kinds whose name the prefix/suffix transformer leaves alone. */
export const NAME_FIXED_KINDS = new Set(['CustomResourceDefinition', 'APIService', 'Namespace']);

/** Where the pod spec sits in each kind that has one. */
const POD_SPEC_AT: [string, string][] = [
  ['Pod', 'spec'],
  ['PodTemplate', 'template/spec'],
  ['Deployment', 'spec/template/spec'],
  ['ReplicaSet', 'spec/template/spec'],
  ['DaemonSet', 'spec/template/spec'],
  ['StatefulSet', 'spec/template/spec'],
  ['Job', 'spec/template/spec'],
  ['CronJob', 'spec/jobTemplate/spec/template/spec'],
];

function inPodSpecs(kinds: readonly string[], paths: readonly string[]): FieldSpec[] {
  const out: FieldSpec[] = [];
  for (const [kind, at] of POD_SPEC_AT) if (kinds.includes(kind)) for (const p of paths) out.push(fs(`${at}/${p}`, kind));
  if (kinds.includes('ReplicationController')) for (const p of paths) out.push(fs(`spec/template/spec/${p}`, 'ReplicationController'));
  return out;
}

const ALL_POD_KINDS = ['Pod', 'PodTemplate', 'Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob'];
const SA_KINDS = ['Pod', 'StatefulSet', 'Deployment', 'ReplicationController', 'CronJob', 'Job', 'DaemonSet'];

/** A kind that other objects refer to by name, and the fields that refer to it. */
export interface NameReference {
  kind: string;
  /** The referenced object's group and version, where kustomize's table names them (it matches them exactly). */
  group?: string;
  version?: string;
  fields: FieldSpec[];
}

export const NAME_REFERENCES: NameReference[] = [
  ...['Deployment', 'ReplicationController', 'ReplicaSet', 'StatefulSet'].map((kind) => ({
    kind,
    fields: [fs('spec/scaleTargetRef/name', 'HorizontalPodAutoscaler')],
  })),
  {
    kind: 'ConfigMap',
    version: 'v1',
    fields: [
      ...inPodSpecs(ALL_POD_KINDS, [
        'volumes/configMap/name',
        'containers/env/valueFrom/configMapKeyRef/name',
        'initContainers/env/valueFrom/configMapKeyRef/name',
        'containers/envFrom/configMapRef/name',
        'initContainers/envFrom/configMapRef/name',
        'volumes/projected/sources/configMap/name',
      ]),
      fs('spec/configSource/configMap', 'Node'),
      fs('rules/resourceNames', 'Role'),
      fs('rules/resourceNames', 'ClusterRole'),
      fs('metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap', 'Ingress'),
    ],
  },
  {
    kind: 'Secret',
    version: 'v1',
    fields: [
      ...inPodSpecs(ALL_POD_KINDS, [
        'volumes/secret/secretName',
        'containers/env/valueFrom/secretKeyRef/name',
        'initContainers/env/valueFrom/secretKeyRef/name',
        'containers/envFrom/secretRef/name',
        'initContainers/envFrom/secretRef/name',
        'imagePullSecrets/name',
        'volumes/projected/sources/secret/name',
      ]),
      fs('spec/tls/secretName', 'Ingress'),
      fs('metadata/annotations/ingress.kubernetes.io\\/auth-secret', 'Ingress'),
      fs('metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret', 'Ingress'),
      fs('metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret', 'Ingress'),
      fs('imagePullSecrets/name', 'ServiceAccount'),
      fs('parameters/secretName', 'StorageClass'),
      fs('parameters/adminSecretName', 'StorageClass'),
      fs('parameters/userSecretName', 'StorageClass'),
      fs('parameters/secretRef', 'StorageClass'),
      fs('rules/resourceNames', 'Role'),
      fs('rules/resourceNames', 'ClusterRole'),
      fs('spec/template/spec/containers/env/valueFrom/secretKeyRef/name', 'Service', 'serving.knative.dev'),
      fs('spec/azureFile/secretName', 'PersistentVolume'),
    ],
  },
  {
    kind: 'Service',
    version: 'v1',
    fields: [
      fs('spec/serviceName', 'StatefulSet', 'apps'),
      fs('spec/rules/http/paths/backend/serviceName', 'Ingress'),
      fs('spec/backend/serviceName', 'Ingress'),
      fs('spec/rules/http/paths/backend/service/name', 'Ingress'),
      fs('spec/defaultBackend/service/name', 'Ingress'),
      fs('spec/service/name', 'APIService', 'apiregistration.k8s.io'),
      fs('webhooks/clientConfig/service', 'ValidatingWebhookConfiguration', 'admissionregistration.k8s.io'),
      fs('webhooks/clientConfig/service', 'MutatingWebhookConfiguration', 'admissionregistration.k8s.io'),
      fs('spec/rules/backendRefs/name', 'HTTPRoute'),
    ],
  },
  { kind: 'Role', group: 'rbac.authorization.k8s.io', fields: [fs('roleRef/name', 'RoleBinding', 'rbac.authorization.k8s.io')] },
  {
    kind: 'ClusterRole',
    group: 'rbac.authorization.k8s.io',
    fields: [fs('roleRef/name', 'RoleBinding', 'rbac.authorization.k8s.io'), fs('roleRef/name', 'ClusterRoleBinding', 'rbac.authorization.k8s.io')],
  },
  {
    kind: 'ServiceAccount',
    version: 'v1',
    fields: [
      fs('subjects', 'RoleBinding', 'rbac.authorization.k8s.io'),
      fs('subjects', 'ClusterRoleBinding', 'rbac.authorization.k8s.io'),
      ...inPodSpecs(SA_KINDS, ['serviceAccountName']),
    ],
  },
  { kind: 'PersistentVolumeClaim', version: 'v1', fields: inPodSpecs(SA_KINDS, ['volumes/persistentVolumeClaim/claimName']) },
  { kind: 'PersistentVolume', version: 'v1', fields: [fs('spec/volumeName', 'PersistentVolumeClaim'), fs('rules/resourceNames', 'ClusterRole')] },
  {
    kind: 'StorageClass',
    group: 'storage.k8s.io',
    version: 'v1',
    fields: [
      fs('spec/storageClassName', 'PersistentVolume'),
      fs('spec/storageClassName', 'PersistentVolumeClaim'),
      fs('spec/volumeClaimTemplates/spec/storageClassName', 'StatefulSet'),
    ],
  },
  { kind: 'PriorityClass', group: 'scheduling.k8s.io', version: 'v1', fields: inPodSpecs(SA_KINDS, ['priorityClassName']) },
  // kustomize's table names the group "networking.k8s.io/v1", which no object has: IngressClass references are never updated.
  { kind: 'IngressClass', group: 'networking.k8s.io/v1', version: 'v1', fields: [fs('spec/ingressClassName', 'Ingress')] },
];

/**
 * Field specs from a `configurations` file (`path`, `kind`, `group`, `create`), as kustomize
 * writes them. A `version` is refused: these specs match by kind and group only.
 */
export function readFieldSpecs(value: unknown, where: string): FieldSpec[] {
  if (!Array.isArray(value)) throw new RenderError(`${where} must be a list of field specs`);
  return value.map((item, i) => {
    if (!isMap(item) || typeof item.path !== 'string' || item.path === '') throw new RenderError(`${where}[${i}] needs a path`);
    for (const key of Object.keys(item)) {
      if (key === 'version') throw new RenderError(`not rendered: ${where}[${i}]: a field spec with a version is not supported`);
      if (!['path', 'kind', 'group', 'create'].includes(key)) throw new RenderError(`${where}[${i}]: unknown field "${key}"`);
    }
    for (const key of ['kind', 'group']) if (item[key] !== undefined && typeof item[key] !== 'string') throw new RenderError(`${where}[${i}].${key} must be a string`);
    return fs(item.path, item.kind as string | undefined, item.group as string | undefined, item.create === true);
  });
}

/** Whether `nameReference` entries of a `configurations` file only repeat kustomize's defaults (kubebuilder's webhook config does). */
export function isDefaultNameReference(value: unknown, file: string): boolean {
  if (!Array.isArray(value)) throw new RenderError(`${file}: nameReference must be a list`);
  return value.every((entry) => {
    if (!isMap(entry) || typeof entry.kind !== 'string' || !Array.isArray(entry.fieldSpecs)) return false;
    const defaults = NAME_REFERENCES.filter((r) => r.kind === entry.kind && (entry.group === undefined || (r.group ?? '') === entry.group));
    return entry.fieldSpecs.every((spec) => {
      if (!isMap(spec) || typeof spec.path !== 'string') return false;
      const path = spec.path;
      return defaults.some((r) =>
        r.fields.some((f) => f.kind === spec.kind && (spec.group === undefined || f.group === spec.group) && (f.path.join('/') === path || `${f.path.join('/')}/name` === path)),
      );
    });
  });
}
