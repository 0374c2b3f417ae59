/**
 * The field types the API server decodes manifests into, for the fields the rules read.
 * A value of another type is rejected by the API server ("cannot unmarshal string into Go
 * struct field Container.securityContext"), so the engine reports it and treats it as absent.
 * Fields not listed here are not type-checked (they are passed to the rules as written).
 */

/** A field type: a scalar, a map of one type, a list of one type, or an object with known fields. */
export type FieldType =
  | 'string'
  | 'boolean'
  | 'integer'
  /** resource.Quantity: a string ("500m") or a number. */
  | 'quantity'
  /** intstr.IntOrString: a port name or number. */
  | 'intOrString'
  /** Any object; its fields are not checked. */
  | 'object'
  | { map: FieldType }
  | { list: FieldType }
  | { fields: Record<string, FieldType> };

const str = 'string' as const;
const bool = 'boolean' as const;
const int = 'integer' as const;
const obj = 'object' as const;
const listOf = (t: FieldType): FieldType => ({ list: t });
const mapOf = (t: FieldType): FieldType => ({ map: t });
const fields = (f: Record<string, FieldType>): FieldType => ({ fields: f });

const objectMeta = fields({ name: str, namespace: str, generateName: str, labels: mapOf(str), annotations: mapOf(str) });
const seLinux = fields({ user: str, role: str, type: str, level: str });
const profile = fields({ type: str, localhostProfile: str });
const windows = fields({ hostProcess: bool, gmsaCredentialSpecName: str, gmsaCredentialSpec: str, runAsUserName: str });

const securityContext = fields({
  privileged: bool,
  allowPrivilegeEscalation: bool,
  readOnlyRootFilesystem: bool,
  runAsNonRoot: bool,
  runAsUser: int,
  runAsGroup: int,
  procMount: str,
  capabilities: fields({ add: listOf(str), drop: listOf(str) }),
  seccompProfile: profile,
  appArmorProfile: profile,
  seLinuxOptions: seLinux,
  windowsOptions: windows,
});

const podSecurityContext = fields({
  runAsNonRoot: bool,
  runAsUser: int,
  runAsGroup: int,
  fsGroup: int,
  fsGroupChangePolicy: str,
  supplementalGroups: listOf(int),
  seccompProfile: profile,
  appArmorProfile: profile,
  seLinuxOptions: seLinux,
  windowsOptions: windows,
  sysctls: listOf(fields({ name: str, value: str })),
});

const probe = fields({
  initialDelaySeconds: int,
  periodSeconds: int,
  timeoutSeconds: int,
  failureThreshold: int,
  successThreshold: int,
  exec: fields({ command: listOf(str) }),
  httpGet: fields({ path: str, port: 'intOrString', host: str, scheme: str }),
  tcpSocket: fields({ port: 'intOrString', host: str }),
  grpc: fields({ port: int, service: str }),
});

const container = fields({
  name: str,
  image: str,
  imagePullPolicy: str,
  command: listOf(str),
  args: listOf(str),
  workingDir: str,
  restartPolicy: str,
  stdin: bool,
  tty: bool,
  ports: listOf(fields({ name: str, containerPort: int, hostPort: int, hostIP: str, protocol: str })),
  env: listOf(fields({ name: str, value: str, valueFrom: obj })),
  envFrom: listOf(fields({ prefix: str, configMapRef: obj, secretRef: obj })),
  resources: fields({ limits: mapOf('quantity'), requests: mapOf('quantity'), claims: listOf(obj) }),
  volumeMounts: listOf(fields({ name: str, mountPath: str, subPath: str, readOnly: bool, mountPropagation: str })),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  lifecycle: obj,
  securityContext,
});

const volume = fields({
  name: str,
  hostPath: fields({ path: str, type: str }),
  emptyDir: fields({ medium: str, sizeLimit: 'quantity' }),
  secret: fields({ secretName: str, defaultMode: int, optional: bool, items: listOf(obj) }),
  configMap: fields({ name: str, defaultMode: int, optional: bool, items: listOf(obj) }),
  persistentVolumeClaim: fields({ claimName: str, readOnly: bool }),
  projected: fields({ sources: listOf(obj), defaultMode: int }),
});

/** core/v1 PodSpec, as far as the rules read it. */
export const POD_SPEC: FieldType = fields({
  containers: listOf(container),
  initContainers: listOf(container),
  ephemeralContainers: listOf(container),
  volumes: listOf(volume),
  securityContext: podSecurityContext,
  hostNetwork: bool,
  hostPID: bool,
  hostIPC: bool,
  hostUsers: bool,
  shareProcessNamespace: bool,
  serviceAccountName: str,
  serviceAccount: str,
  automountServiceAccountToken: bool,
  nodeName: str,
  nodeSelector: mapOf(str),
  restartPolicy: str,
  dnsPolicy: str,
  priorityClassName: str,
  runtimeClassName: str,
  tolerations: listOf(obj),
  imagePullSecrets: listOf(fields({ name: str })),
  hostAliases: listOf(fields({ ip: str, hostnames: listOf(str) })),
  affinity: obj,
});

const podTemplate = fields({ metadata: objectMeta, spec: POD_SPEC });
const workloadSpec = fields({ replicas: int, selector: obj, template: podTemplate });
const policyRule = fields({ apiGroups: listOf(str), resources: listOf(str), verbs: listOf(str), resourceNames: listOf(str), nonResourceURLs: listOf(str) });
const binding = { roleRef: fields({ apiGroup: str, kind: str, name: str }), subjects: listOf(fields({ kind: str, name: str, namespace: str, apiGroup: str })) };

/** Top-level fields per "group/Kind" ("" group for core), beside apiVersion, kind and metadata. */
const KINDS: Record<string, Record<string, FieldType>> = {
  '/Pod': { spec: POD_SPEC },
  '/PodTemplate': { template: podTemplate },
  '/ReplicationController': { spec: workloadSpec },
  'apps/Deployment': { spec: workloadSpec },
  'apps/ReplicaSet': { spec: workloadSpec },
  'apps/StatefulSet': { spec: workloadSpec },
  'apps/DaemonSet': { spec: workloadSpec },
  'batch/Job': { spec: fields({ template: podTemplate, backoffLimit: int, parallelism: int, completions: int }) },
  'batch/CronJob': { spec: fields({ schedule: str, suspend: bool, jobTemplate: fields({ metadata: objectMeta, spec: fields({ template: podTemplate }) }) }) },
  '/Service': {
    spec: fields({
      type: str,
      selector: mapOf(str),
      externalIPs: listOf(str),
      loadBalancerSourceRanges: listOf(str),
      externalTrafficPolicy: str,
      ports: listOf(fields({ name: str, port: int, targetPort: 'intOrString', nodePort: int, protocol: str })),
    }),
  },
  '/ConfigMap': { data: mapOf(str), binaryData: mapOf(str) },
  '/Secret': { data: mapOf(str), stringData: mapOf(str), type: str },
  '/ServiceAccount': { automountServiceAccountToken: bool, imagePullSecrets: listOf(obj), secrets: listOf(obj) },
  'rbac.authorization.k8s.io/Role': { rules: listOf(policyRule) },
  'rbac.authorization.k8s.io/ClusterRole': { rules: listOf(policyRule), aggregationRule: obj },
  'rbac.authorization.k8s.io/RoleBinding': binding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': binding,
  'networking.k8s.io/Ingress': {
    spec: fields({ ingressClassName: str, tls: listOf(fields({ hosts: listOf(str), secretName: str })), rules: listOf(obj), defaultBackend: obj }),
  },
  'networking.k8s.io/NetworkPolicy': { spec: fields({ podSelector: obj, policyTypes: listOf(str), ingress: listOf(obj), egress: listOf(obj) }) },
};

const COMMON: Record<string, FieldType> = { apiVersion: str, kind: str, metadata: objectMeta };

/** The type of a whole object of this group and kind, when the API server's types are known here. */
export function typeOfKind(group: string, kind: string): FieldType | null {
  return WHOLE_KINDS.get(`${group}/${kind}`) ?? null;
}

/** Built once: every document of a known kind is checked against the same type. */
const WHOLE_KINDS = new Map(Object.entries(KINDS).map(([k, own]) => [k, fields({ ...COMMON, ...own })]));

/** Any other object with apiVersion and kind still has ObjectMeta. */
export const UNKNOWN_KIND: FieldType = fields(COMMON);

/**
 * What a resource must contain for its controller to accept it, as "group/Kind" → path → keys of
 * which at least one must be set. A KServe predictor names its model server (the CRD's webhook
 * rejects one that does not), so an InferenceService without one is not a pass.
 */
export const REQUIRED_ONE_OF: Record<string, { path: string[]; keys: string[] }> = {
  'serving.kserve.io/InferenceService': {
    path: ['spec', 'predictor'],
    keys: ['model', 'containers', 'sklearn', 'xgboost', 'tensorflow', 'pytorch', 'triton', 'onnx', 'huggingface', 'pmml', 'lightgbm', 'paddle'],
  },
};

/** Workload kinds whose pod template the API server requires to have at least one container. */
export const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  '/Pod': ['spec'],
  '/PodTemplate': ['template', 'spec'],
  '/ReplicationController': ['spec', 'template', 'spec'],
  'apps/Deployment': ['spec', 'template', 'spec'],
  'apps/ReplicaSet': ['spec', 'template', 'spec'],
  'apps/StatefulSet': ['spec', 'template', 'spec'],
  'apps/DaemonSet': ['spec', 'template', 'spec'],
  'batch/Job': ['spec', 'template', 'spec'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
