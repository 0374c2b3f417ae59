import { describe, expect, test } from '@jest/globals';
import { parseConfigText } from '../../src/parse/documents.js';
import { compileWaivers } from '../../src/policy/waivers.js';
import { evaluateDocument, prepareRules } from '../../src/policy/evaluate.js';
import { evaluateRelations, mergeRelationFindings, type RelationOptions } from '../../src/relations/evaluate.js';
import { planProjection, projectDocument } from '../../src/relations/project.js';
import { addSchemaReads, compilePruner, newFieldTree } from '../../src/relations/schema-reads.js';
import { selectorMatches, serviceSelectorMatches } from '../../src/relations/selectors.js';
import { TargetIndex } from '../../src/relations/target-index.js';
import type { Projection } from '../../src/relations/types.js';
import { findingFingerprint } from '../../src/report/fingerprint.js';
import { loadBuiltinRules } from '../../src/rules/load.js';
import type { Rule } from '../../src/rules/types.js';

const rules = await loadBuiltinRules();
const only = (...ids: string[]) => rules.filter((r) => ids.includes(r.id));
const NO_WAIVERS: RelationOptions = { inlineWaivers: true, waivers: [] };

/** Projections of YAML files (path → text) for these rules, as checkFiles makes them. */
function project(files: Record<string, string>, ruleSet: readonly Rule[]): Projection[] {
  const plan = planProjection(ruleSet)!;
  const out: Projection[] = [];
  for (const [file, text] of Object.entries(files)) {
    const parsed = parseConfigText(file, text);
    expect(parsed.failure).toBeNull();
    for (const d of parsed.documents) {
      const p = projectDocument(d, plan);
      if (p) out.push(p);
    }
    parsed.release();
  }
  // Through JSON, as the cache and the worker threads hand them over.
  return JSON.parse(JSON.stringify(out)) as Projection[];
}

const brief = (ruleSet: readonly Rule[], files: Record<string, string>, options = NO_WAIVERS) =>
  evaluateRelations(project(files, ruleSet), ruleSet, options).findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column} ${f.pointer} | ${f.message}`);

const ROLE = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: debugger
  namespace: apps
rules:
  - apiGroups: [""]
    resources: [pods/exec]
    verbs: [create]
`;
const BINDING = (extra = '') => `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: oncall
  namespace: apps
${extra}subjects:
  - kind: Group
    name: oncall
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: debugger
`;

describe('label selectors', () => {
  test('matchLabels and matchExpressions as the API server reads them', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'db' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'gpu', operator: 'NotIn', values: ['a100'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    // Malformed selectors select nothing rather than everything.
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Equals', values: ['web'] }] }, labels)).toBe(false);
    expect(selectorMatches('app=web', labels)).toBe(false);
    expect(serviceSelectorMatches({ app: 'web' }, labels)).toBe(true);
    expect(serviceSelectorMatches({}, labels)).toBe(false);
    expect(serviceSelectorMatches(undefined, labels)).toBe(false);
  });

  test('a label a pod does not have is absent, whatever its key is called (the members every object inherits are no labels)', () => {
    const labels = { app: 'web' };
    // A NetworkPolicy or Service asking for these selects nothing in the cluster: here neither.
    for (const key of ['toString', 'constructor', 'valueOf', 'hasOwnProperty']) {
      const inherited = String((labels as Record<string, unknown>)[key]);
      expect({ key, match: selectorMatches({ matchLabels: { [key]: inherited } }, labels) }).toEqual({ key, match: false });
      expect({ key, match: serviceSelectorMatches({ [key]: inherited }, labels) }).toEqual({ key, match: false });
      expect({ key, match: selectorMatches({ matchExpressions: [{ key, operator: 'Exists' }] }, labels) }).toEqual({ key, match: false });
    }
  });
});

describe('projection', () => {
  test('keeps only what a schema reads: named properties, list items, and whole values where a keyword looks at every key', () => {
    const tree = newFieldTree();
    // `constructor` and `toString` are every object's through its prototype: only a value's own keys are kept.
    addSchemaReads(tree, { properties: { spec: { properties: { policyTypes: { contains: { const: 'Egress' } }, podSelector: { maxProperties: 0 } } } }, required: ['kind', 'constructor', 'toString'] });
    const data = { kind: 'NetworkPolicy', toString: 'own', metadata: { name: 'x' }, spec: { policyTypes: ['Egress'], podSelector: { matchLabels: { a: 'b' } }, ingress: [{ from: [] }] } };
    expect(compilePruner(tree)(data)).toStrictEqual({ kind: 'NetworkPolicy', toString: 'own', spec: { policyTypes: ['Egress'], podSelector: { matchLabels: { a: 'b' } } } });
  });

  test("another rule's definition ($ref) is read as the schema it names; one that cannot be found keeps the value whole", () => {
    const defs: Record<string, unknown> = { 'k8s-rbac-pod-exec#/$defs/grants': { required: ['verbs'], properties: { resources: { contains: { const: 'pods/exec' } } } } };
    const tree = newFieldTree();
    addSchemaReads(tree, { properties: { rules: { contains: { $ref: 'k8s-rbac-pod-exec#/$defs/grants' } }, metadata: { $ref: 'nowhere#/$defs/x' } } }, (ref) => defs[ref]);
    const data = { metadata: { name: 'r', labels: { a: 'b' } }, rules: [{ verbs: ['get'], resources: ['pods/exec'], apiGroups: [''], resourceNames: ['x'] }], extra: 1 };
    expect(compilePruner(tree)(data)).toStrictEqual({ metadata: { name: 'r', labels: { a: 'b' } }, rules: [{ verbs: ['get'], resources: ['pods/exec'] }] });
    // A definition that refers to itself ends.
    const loop = newFieldTree();
    addSchemaReads(loop, { $ref: 'a#/$defs/x' }, () => ({ properties: { spec: { $ref: 'a#/$defs/x' } } }));
    expect(loop.children.has('spec')).toBe(true);
  });

  test('a projection holds identity, pod specs with their kind and labels (and where they are), the positions it reports at, and inline waivers of relation rules', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    aiops-guard.io/ignore.rel-netpol-unselected-workload: "ingress handled by the mesh (NET-12)"
    kubectl.kubernetes.io/last-applied-configuration: "{}"
spec:
  replicas: 3
  template:
    metadata:
      labels: { app: web }
    spec:
      serviceAccountName: web
      volumes: [{ name: cache, emptyDir: {} }]
      containers:
        - name: web
          image: nginx:1.27.2
          resources: { limits: { memory: 1Gi } }
`;
    const [p] = project({ 'web.yaml': text }, only('rel-netpol-unselected-workload', 'rel-service-account-missing'));
    expect(p).toEqual({
      file: 'web.yaml',
      documentIndex: 0,
      basePointer: '',
      id: { group: 'apps', kind: 'Deployment', namespace: null, name: 'web' },
      // Identity is the id; the data is what the joins and the rules' where schemas read.
      data: {
        // A pod spec holds what a pod spec's `where` sees: the workload's kind and the pod's labels (and of its fields,
        // the ServiceAccount the join reads and the hostNetwork rel-netpol-unselected-workload's where reads).
        spec: { template: { spec: { serviceAccountName: 'web', $kind: 'Deployment', $labels: { app: 'web' } } } },
      },
      pods: ['/spec/template/spec'],
      places: ['/spec/template/spec', '/spec/template/spec/serviceAccountName'],
      ranges: [13, 5, 13, 9, 14, 27, 14, 30],
      waivers: { 'rel-netpol-unselected-workload': 'ingress handled by the mesh (NET-12)' },
    });
  });

  test('projecting never changes the document (drift and scan read the same documents afterwards)', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: apps, annotations: { kubectl.kubernetes.io/last-applied-configuration: "{}" } }
spec:
  template:
    metadata: { labels: { app: web } }
    spec:
      securityContext: { runAsNonRoot: true }
      containers: [{ name: web, image: nginx:1.27.2, securityContext: { readOnlyRootFilesystem: true } }]
`;
    // A user rule whose where reads spec and metadata whole: the projection then starts from the document's own objects.
    const whole = { ...only('rel-netpol-unselected-workload')[0]!, id: 'team-whole', relation: { ...only('rel-netpol-unselected-workload')[0]!.relation!, from: { kinds: ['Deployment'], where: { properties: { spec: { minProperties: 1 }, metadata: { const: {} } } } } } };
    for (const ruleSet of [rules, [whole]]) {
      const [doc] = parseConfigText('web.yaml', text).documents;
      const before = JSON.parse(JSON.stringify(doc!.data)) as unknown;
      expect(projectDocument(doc!, planProjection(ruleSet)!)).not.toBeNull();
      expect(doc!.data).toEqual(before);
    }
  });

  test('no relation rule, no projection', () => {
    expect(planProjection(only('k8s-privileged-container'))).toBeNull();
  });
});

describe('the target index', () => {
  test('a namespaced object without a namespace is in default; cluster-scoped ones in none; the cluster defaults stand in', () => {
    const index = new TargetIndex(
      project(
        {
          'a.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: api }\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: reader, namespace: ignored }\nrules: []\n',
        },
        only('rel-binding-role-missing', 'rel-service-account-missing'),
      ),
    );
    expect(index.objects.map((o) => [o.kind, o.namespace, o.name])).toEqual([
      ['ServiceAccount', 'default', 'api'],
      ['ClusterRole', null, 'reader'],
    ]);
    expect(index.find('ServiceAccount', 'default', 'api')).toHaveLength(1);
    expect(index.find('ServiceAccount', 'other', 'api')).toHaveLength(0);
    expect(index.find('ServiceAccount', 'other', 'default').map((o) => o.display)).toEqual(['ServiceAccount other/default (a Kubernetes default)']);
    expect(index.find('ClusterRole', null, 'edit').map((o) => o.display)).toEqual(['ClusterRole edit (a Kubernetes default)']);
    expect(index.find('ClusterRole', null, 'system:controller:job-controller')).toHaveLength(1);
    expect(index.find('ClusterRole', null, 'editor')).toHaveLength(0);
  });
});

describe('relation rules', () => {
  test('a binding is reported at its roleRef, naming the role; a role in another file counts, in another namespace not', () => {
    expect(brief(only('rel-binding-grants-pod-exec'), { 'rbac/role.yaml': ROLE, 'rbac/binding.yaml': BINDING() })).toEqual([
      'rel-binding-grants-pod-exec rbac/binding.yaml:12:9 /roleRef/name | rbac.authorization.k8s.io/RoleBinding apps/oncall grants exec, attach or port-forward into pods through rbac.authorization.k8s.io/Role apps/debugger',
    ]);
    expect(brief(only('rel-binding-grants-pod-exec'), { 'rbac/role.yaml': ROLE.replace('namespace: apps', 'namespace: other'), 'rbac/binding.yaml': BINDING() })).toEqual([]);
  });

  test('the order of the objects does not matter', () => {
    const files = { 'b.yaml': BINDING(), 'a.yaml': ROLE, 'c.yaml': BINDING().replace('name: oncall\n  namespace', 'name: second\n  namespace') };
    const ps = project(files, rules);
    const one = evaluateRelations(ps, rules, NO_WAIVERS).findings;
    const other = evaluateRelations([...ps].reverse(), rules, NO_WAIVERS).findings;
    expect(other).toEqual(one);
    expect(one.map((f) => `${f.ruleId} ${f.resource?.name}`).sort()).toEqual(['rel-binding-grants-pod-exec oncall', 'rel-binding-grants-pod-exec second']);
  });

  test('a binding to a role nobody defines, and to a default role', () => {
    const missing = BINDING().replace('kind: Role\n  name: debugger', 'kind: ClusterRole\n  name: debuger');
    expect(brief(only('rel-binding-role-missing'), { 'b.yaml': missing })).toEqual([
      'rel-binding-role-missing b.yaml:12:9 /roleRef/name | rbac.authorization.k8s.io/RoleBinding apps/oncall binds ClusterRole debuger, which is neither in the repository nor a Kubernetes default role',
    ]);
    const admin = BINDING().replace('kind: Role\n  name: debugger', 'kind: ClusterRole\n  name: admin');
    expect(brief(only('rel-binding-role-missing'), { 'b.yaml': admin })).toEqual([]);
    // admin holds edit's exec and secrets, so the binding is judged by what admin allows.
    expect(brief(only('rel-binding-grants-pod-exec', 'rel-binding-grants-secrets'), { 'b.yaml': admin }).map((s) => s.split(' | ')[1])).toEqual([
      'rbac.authorization.k8s.io/RoleBinding apps/oncall grants exec, attach or port-forward into pods through ClusterRole admin (a Kubernetes default)',
      'rbac.authorization.k8s.io/RoleBinding apps/oncall lets its subjects read Secrets through ClusterRole admin (a Kubernetes default)',
    ]);
  });

  test('cluster-admin by any name replaces the narrower findings on the binding, per-document ones included', () => {
    const binding = BINDING().replace('kind: Role\n  name: debugger', 'kind: ClusterRole\n  name: cluster-admin');
    const ps = project({ 'b.yaml': binding }, rules);
    const outcome = evaluateRelations(ps, rules, NO_WAIVERS);
    expect(outcome.findings.map((f) => f.ruleId)).toEqual(['rel-binding-grants-cluster-admin']);
    const parsed = parseConfigText('b.yaml', binding);
    const perDocument = evaluateDocument(parsed.documents[0]!, prepareRules(rules), { inlineWaivers: true, waivers: [], knownRuleIds: new Set(rules.map((r) => r.id)) });
    expect(perDocument.map((f) => f.ruleId)).toContain('k8s-rbac-cluster-admin-binding');
    expect(mergeRelationFindings(perDocument, outcome).map((f) => f.ruleId)).not.toContain('k8s-rbac-cluster-admin-binding');
  });

  test('a ServiceAccount that does not mount its token drops the pod finding; the pod\'s own setting wins', () => {
    const sa = 'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: api, namespace: apps }\nautomountServiceAccountToken: false\n';
    const pod = (extra = '') => `apiVersion: v1\nkind: Pod\nmetadata: { name: api, namespace: apps }\nspec:\n  serviceAccountName: api\n${extra}  containers: [{ name: a, image: app:1.0 }]\n`;
    const known = new Set(rules.map((r) => r.id));
    const run = (podText: string, saText: string | null) => {
      const files: Record<string, string> = { 'pod.yaml': podText, ...(saText ? { 'sa.yaml': saText } : {}) };
      const perDocument = parseConfigText('pod.yaml', podText).documents.flatMap((d) => evaluateDocument(d, prepareRules(only('k8s-automount-sa-token')), { inlineWaivers: true, waivers: [], knownRuleIds: known }));
      const outcome = evaluateRelations(project(files, rules), rules, NO_WAIVERS);
      return mergeRelationFindings(perDocument, outcome).filter((f) => f.ruleId === 'k8s-automount-sa-token').length;
    };
    expect(run(pod(), null)).toBe(1);
    expect(run(pod(), sa)).toBe(0);
    expect(run(pod('  automountServiceAccountToken: true\n'), sa)).toBe(1);
    expect(run(pod(), sa.replace('false', 'true'))).toBe(1);
  });

  test('a namespace finding is one per namespace, on the Namespace object when there is one, with the Namespace as its resource', () => {
    const pod = (name: string, ns: string) => `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name}, namespace: ${ns} }\nspec:\n  containers: [{ name: a, image: app:1.0 }]\n`;
    const files = { 'a.yaml': pod('a', 'apps'), 'b.yaml': pod('b', 'apps'), 'c.yaml': pod('c', 'jobs'), 'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: jobs\n' };
    const found = evaluateRelations(project(files, only('rel-netpol-no-default-deny')), only('rel-netpol-no-default-deny'), NO_WAIVERS).findings;
    expect(found.map((f) => [f.file, f.line, f.column, f.pointer, f.resource, f.message])).toEqual([
      ['a.yaml', 4, 1, '', { group: '', kind: 'Namespace', namespace: null, name: 'apps' }, 'Namespace apps has workloads but no default-deny ingress policy and default-deny egress policy'],
      ['ns.yaml', 4, 9, '/metadata/name', { group: '', kind: 'Namespace', namespace: null, name: 'jobs' }, 'Namespace jobs has workloads but no default-deny ingress policy and default-deny egress policy'],
    ]);
  });

  test('an Ingress reaches pods through its Services; TLS alone is not authentication', () => {
    const files = {
      'nb.yaml': `apiVersion: kubeflow.org/v1
kind: Notebook
metadata: { name: alice, namespace: research }
spec:
  template:
    spec:
      containers: [{ name: nb, image: registry.example.com/lab:4.2 }]
---
apiVersion: v1
kind: Service
metadata: { name: alice, namespace: research }
spec: { selector: { statefulset: alice }, ports: [{ port: 80 }] }
`,
      'ing.yaml': `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: lab
  namespace: research
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
spec:
  tls: [{ hosts: [lab.example.com] }]
  defaultBackend: { service: { name: alice, port: { number: 80 } } }
`,
    };
    expect(brief(only('rel-ingress-exposes-ai-workload'), files)).toEqual([
      'rel-ingress-exposes-ai-workload ing.yaml:6:3 /metadata/annotations | networking.k8s.io/Ingress research/lab publishes kubeflow.org/Notebook research/alice without authentication',
    ]);
  });

  test('pods an operator makes carry the labels it gives them, which Services and NetworkPolicies select', () => {
    const ray = (kind: string, at = 'spec') => `apiVersion: ray.io/v1
kind: ${kind}
metadata: { name: train, namespace: ml }
spec:
  ${at === 'spec' ? '' : `${at}:\n    `}headGroupSpec:
  ${at === 'spec' ? '' : '  '}  template: { metadata: { labels: { team: ml, ray.io/node-type: worker, ray.io/cluster: other } }, spec: { containers: [{ name: ray-head, image: rayproject/ray:2.9.0 }] } }
  ${at === 'spec' ? '' : '  '}workerGroupSpecs:
  ${at === 'spec' ? '' : '  '}  - groupName: gpu
  ${at === 'spec' ? '' : '  '}    template: { spec: { containers: [{ name: ray-worker, image: rayproject/ray:2.9.0 }] } }
`;
    const service = (selector: string) => `apiVersion: v1
kind: Service
metadata: { name: dash, namespace: ml }
spec: { type: LoadBalancer, selector: ${selector}, ports: [{ port: 8265 }] }
`;
    const policy = (selector: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ray, namespace: ml }
spec: { podSelector: { matchLabels: ${selector} }, policyTypes: [Ingress] }
`;
    const exposes = only('rel-service-exposes-ai-workload');
    const unselected = only('rel-netpol-unselected-ai-workload');
    // KubeRay sets ray.io/node-type, ray.io/group and ray.io/cluster whatever the template says; the template's other labels stay.
    const head = '{ ray.io/cluster: train, ray.io/node-type: head }';
    expect(brief(exposes, { 'ray.yaml': ray('RayCluster'), 'svc.yaml': service(head) }).map((s) => s.split(' | ')[1])).toEqual(['Service ml/dash exposes ray.io/RayCluster ml/train as LoadBalancer']);
    expect(brief(exposes, { 'ray.yaml': ray('RayCluster'), 'svc.yaml': service('{ ray.io/cluster: other }') })).toEqual([]);
    expect(brief(exposes, { 'ray.yaml': ray('RayCluster'), 'svc.yaml': service('{ team: ml, ray.io/group: headgroup }') })).toHaveLength(1);
    // A policy on the whole cluster covers both groups; one on the head leaves the workers.
    expect(brief(unselected, { 'ray.yaml': ray('RayCluster'), 'np.yaml': policy('{ ray.io/cluster: train }') })).toEqual([]);
    expect(brief(unselected, { 'ray.yaml': ray('RayCluster'), 'np.yaml': policy('{ ray.io/node-type: head }') }).map((s) => s.split(' | ')[0])).toEqual([
      'rel-netpol-unselected-ai-workload ray.yaml:9:19 /spec/workerGroupSpecs/0/template/spec',
    ]);
    // A RayService's cluster is named by the operator: only the labels it always sets can select its pods.
    expect(brief(exposes, { 'ray.yaml': ray('RayService', 'rayClusterConfig'), 'svc.yaml': service(head) })).toEqual([]);
    expect(brief(exposes, { 'ray.yaml': ray('RayService', 'rayClusterConfig'), 'svc.yaml': service('{ ray.io/node-type: head, ray.io/is-ray-node: "yes" }') })).toHaveLength(1);

    // The Kubeflow notebook controller replaces the template's labels with statefulset and notebook-name, and adds the Notebook's own.
    const notebook = `apiVersion: kubeflow.org/v1
kind: Notebook
metadata: { name: alice, namespace: ml, labels: { team: research } }
spec:
  template:
    metadata: { labels: { app: lab } }
    spec: { containers: [{ name: nb, image: kubeflownotebookswg/jupyter-scipy:v1.8.0 }] }
`;
    expect(brief(unselected, { 'nb.yaml': notebook, 'np.yaml': policy('{ notebook-name: alice }') })).toEqual([]);
    expect(brief(unselected, { 'nb.yaml': notebook, 'np.yaml': policy('{ team: research }') })).toEqual([]);
    expect(brief(unselected, { 'nb.yaml': notebook, 'np.yaml': policy('{ app: lab }') })).toHaveLength(1);

    // LeaderWorkerSet: every pod has the set's name; the leaders worker-index "0".
    const lws = `apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata: { name: vllm, namespace: ml }
spec:
  leaderWorkerTemplate:
    leaderTemplate: { spec: { containers: [{ name: leader, image: vllm/vllm-openai:v0.6.3 }] } }
    workerTemplate: { spec: { containers: [{ name: worker, image: vllm/vllm-openai:v0.6.3 }] } }
`;
    expect(brief(exposes, { 'lws.yaml': lws, 'svc.yaml': service('{ leaderworkerset.sigs.k8s.io/name: vllm, leaderworkerset.sigs.k8s.io/worker-index: "0" }') }).map((s) => s.split(' | ')[1])).toEqual([
      'Service ml/dash exposes leaderworkerset.x-k8s.io/LeaderWorkerSet ml/vllm as LoadBalancer',
    ]);
    expect(brief(unselected, { 'lws.yaml': lws, 'np.yaml': policy('{ leaderworkerset.sigs.k8s.io/name: vllm }') })).toEqual([]);

    // KServe: the InferenceService's labels, the component's own, then serving.kserve.io/inferenceservice and component.
    const isvc = `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: { name: llm, namespace: ml }
spec:
  predictor:
    labels: { tier: gpu }
    containers: [{ name: kserve-container, image: vllm/vllm-openai:v0.6.3 }]
`;
    expect(brief(unselected, { 'isvc.yaml': isvc, 'np.yaml': policy('{ serving.kserve.io/inferenceservice: llm, component: predictor }') })).toEqual([]);
    expect(brief(unselected, { 'isvc.yaml': isvc, 'np.yaml': policy('{ tier: gpu }') })).toEqual([]);
    expect(brief(unselected, { 'isvc.yaml': isvc, 'np.yaml': policy('{ component: transformer }') })).toHaveLength(1);
  });

  test('waivers: an annotation on the reported object, a config waiver by rule and resource; severity overrides', () => {
    const files = { 'rbac/role.yaml': ROLE, 'rbac/binding.yaml': BINDING('  annotations:\n    aiops-guard.io/ignore.rel-binding-grants-pod-exec: "break-glass group (SEC-9)"\n') };
    const [annotated] = evaluateRelations(project(files, rules), only('rel-binding-grants-pod-exec'), NO_WAIVERS).findings;
    expect(annotated!.suppressed).toEqual({ kind: 'annotation', reason: 'break-glass group (SEC-9)' });
    const plain = { 'rbac/role.yaml': ROLE, 'rbac/binding.yaml': BINDING() };
    const waivers = compileWaivers([{ rule: 'rel-binding-*', resource: 'RoleBinding/apps/oncall', reason: 'reviewed (SEC-10)' }], new Date('2026-01-01'));
    const [waived] = evaluateRelations(project(plain, rules), only('rel-binding-grants-pod-exec'), { inlineWaivers: true, waivers, severity: { 'rel-binding-grants-pod-exec': 'critical' } }).findings;
    expect(waived).toMatchObject({ severity: 'critical', suppressed: { kind: 'config', reason: 'reviewed (SEC-10)' } });
    // With annotations off, the annotation waives nothing.
    const [off] = evaluateRelations(project(files, rules), only('rel-binding-grants-pod-exec'), { inlineWaivers: false, waivers: [] }).findings;
    expect(off!.suppressed).toBeNull();
  });

  test('a finding on one of several pod specs says which, as a per-document finding does; one pod spec needs no name', () => {
    const ray = `apiVersion: ray.io/v1
kind: RayCluster
metadata: { name: train, namespace: ml }
spec:
  headGroupSpec:
    template: { spec: { serviceAccountName: ray-head, containers: [{ name: ray-head, image: rayproject/ray:2.9.0 }] } }
  workerGroupSpecs:
    - groupName: gpu
      template: { spec: { serviceAccountName: ray-worker, containers: [{ name: ray-worker, image: rayproject/ray:2.9.0 }] } }
`;
    expect(brief(only('rel-service-account-missing'), { 'ray.yaml': ray })).toEqual([
      'rel-service-account-missing ray.yaml:6:45 /spec/headGroupSpec/template/spec/serviceAccountName | ray.io/RayCluster ml/train runs as ServiceAccount ml/ray-head, which is not in the repository (in the head group)',
      'rel-service-account-missing ray.yaml:9:47 /spec/workerGroupSpecs/0/template/spec/serviceAccountName | ray.io/RayCluster ml/train runs as ServiceAccount ml/ray-worker, which is not in the repository (in the worker group "gpu")',
    ]);
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: ml }\nspec: { template: { spec: { serviceAccountName: web, containers: [{ name: web, image: nginx }] } } }\n';
    expect(brief(only('rel-service-account-missing'), { 'web.yaml': deployment }).map((s) => s.split(' | ')[1])).toEqual(['apps/Deployment ml/web runs as ServiceAccount ml/web, which is not in the repository']);
  });

  test('a namespace finding without a Namespace object keeps its fingerprint when a workload of another kind comes first', () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: { name: api, namespace: llm }\nspec:\n  containers: [{ name: a, image: app:1.0 }]\n';
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: llm }\nspec:\n  template:\n    spec:\n      containers: [{ name: web, image: nginx }]\n';
    const rule = only('rel-netpol-no-default-deny');
    const before = evaluateRelations(project({ 'b.yaml': deployment }, rule), rule, NO_WAIVERS).findings;
    const after = evaluateRelations(project({ 'a.yaml': pod, 'b.yaml': deployment }, rule), rule, NO_WAIVERS).findings;
    // Shown on the first workload (another file, another place), the same finding.
    expect([before.map((f) => `${f.file}:${f.line}`), after.map((f) => `${f.file}:${f.line}`)]).toEqual([['b.yaml:6'], ['a.yaml:4']]);
    expect(after.map(findingFingerprint)).toEqual(before.map(findingFingerprint));
  });

  test('the fingerprint is the resource and the pointer: moving the binding to another file or line keeps it', () => {
    const a = evaluateRelations(project({ 'rbac/role.yaml': ROLE, 'rbac/binding.yaml': BINDING() }, rules), only('rel-binding-grants-pod-exec'), NO_WAIVERS).findings;
    const b = evaluateRelations(project({ 'all.yaml': `${ROLE}---\n# moved\n${BINDING()}` }, rules), only('rel-binding-grants-pod-exec'), NO_WAIVERS).findings;
    expect(b[0]!.line).not.toBe(a[0]!.line);
    expect(b.map(findingFingerprint)).toEqual(a.map(findingFingerprint));
  });
});

describe('a namespace finding and the per-workload one', () => {
  test('no default-deny in a namespace is said once there, not once per workload; skipping it gives the per-workload findings', () => {
    const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name}, namespace: apps }\nspec:\n  containers: [{ name: a, image: app:1.0 }]\n`;
    const files = { 'a.yaml': pod('a'), 'b.yaml': pod('b') };
    const both = only('rel-netpol-no-default-deny', 'rel-netpol-unselected-workload');
    expect(evaluateRelations(project(files, both), both, NO_WAIVERS).findings.map((f) => f.ruleId)).toEqual(['rel-netpol-no-default-deny']);
    const perWorkload = only('rel-netpol-unselected-workload');
    expect(evaluateRelations(project(files, perWorkload), perWorkload, NO_WAIVERS).findings.map((f) => `${f.ruleId} ${f.file}`)).toEqual([
      'rel-netpol-unselected-workload a.yaml',
      'rel-netpol-unselected-workload b.yaml',
    ]);
  });
});
