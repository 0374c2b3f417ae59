import { afterAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cleanup, git, makeRepo, runCli, tempDir, writeFiles } from '../helpers/repo.js';

afterAll(cleanup);

const ROLE = (resources: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: debugger
  namespace: apps
rules:
  - apiGroups: [""]
    resources: [${resources}]
    verbs: [get, create]
`;
const BINDING = (annotations = '') => `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: oncall
  namespace: apps
${annotations}subjects:
  - { kind: Group, name: oncall }
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: debugger
`;
/** A model server, its own ServiceAccount, a default-deny policy and a policy that admits its clients: nothing to say across documents. */
const SERVING = `apiVersion: v1
kind: ServiceAccount
metadata: { name: llm, namespace: apps }
automountServiceAccountToken: false
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny, namespace: apps }
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: llm, namespace: apps }
spec:
  selector: { matchLabels: { app: llm } }
  template:
    metadata: { labels: { app: llm } }
    spec:
      serviceAccountName: llm
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
`;
const SERVICE = (type: string) => `apiVersion: v1
kind: Service
metadata: { name: llm, namespace: apps }
spec:
  type: ${type}
  selector: { app: llm }
  ports: [{ port: 8000 }]
`;

type Json = {
  summary: { exitCode: number; baseline?: { unchanged: number; new: number; absent: number } };
  findings: { ruleId: string; file: string; line: number; column: number; message: string; baseline?: string; suppressed: { kind: string; reason: string } | null }[];
};
const json = (dir: string, ...args: string[]) => {
  const r = runCli(['check', '-f', 'json', ...args], { cwd: dir });
  expect(r.stderr).toBe('');
  return { code: r.code, stdout: r.stdout, report: JSON.parse(r.stdout) as Json };
};
const relationFindings = (report: Json) => report.findings.filter((f) => f.ruleId.startsWith('rel-')).map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column} ${f.message}`);

describe('relations through the CLI', () => {
  test('a binding is judged by the role in another file; the text names both, at the binding\'s line', () => {
    const dir = makeRepo({ 'rbac/role.yaml': ROLE('pods/exec'), 'rbac/binding.yaml': BINDING(), 'apps/serving.yaml': SERVING, 'apps/service.yaml': SERVICE('ClusterIP') });
    const r = runCli(['check', '--no-cache', '--only', 'rel-*'], { cwd: dir });
    expect(r.stdout).toBe(
      'rbac/binding.yaml:11:9  high     rbac.authorization.k8s.io/RoleBinding apps/oncall grants exec, attach or port-forward into pods through rbac.authorization.k8s.io/Role apps/debugger  rel-binding-grants-pod-exec\n' +
        '    fix: Bind a role without these subresources; grant them to on-call humans through a break-glass binding outside git.\n' +
        '\n' +
        '✖ 1 finding (1 high) in 4 files, 6 documents, 14 rules · exit 1 (policy findings; fails at high and above)\n',
    );
    expect(r.code).toBe(1);
    // Only the binding's file: its role is elsewhere, so a missing-role finding would be false. Those rules wait, and the report says so.
    const part = JSON.parse(runCli(['check', '-f', 'json', '--no-cache', '--only', 'rel-*', 'rbac/binding.yaml'], { cwd: dir }).stdout) as Json & { errors: { code: string; message: string }[] };
    expect(part.findings).toEqual([]);
    expect(part.errors.map((e) => [e.code, e.message.split(':')[0]])).toEqual([['relations-partial', '5 relation rules that report a missing object (rel-binding-role-missing, rel-netpol-no-default-deny, rel-netpol-unselected-ai-workload, rel-netpol-unselected-workload, rel-service-account-missing) were not run']]);
  });

  test('a path that is a kustomize target checks the whole target: its relations all run, and nothing is said to be skipped', () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: { name: api, namespace: apps }\nspec:\n  containers: [{ name: a, image: app:1.0 }]\n';
    const dir = makeRepo({ 'ov/kustomization.yaml': 'resources: [pod.yaml]\n', 'ov/pod.yaml': pod, 'other/pod.yaml': pod.replace('name: api', 'name: other') });
    const r = JSON.parse(runCli(['check', '-f', 'json', '--no-cache', '--only', 'rel-*', 'ov'], { cwd: dir }).stdout) as Json & { errors: { code: string }[] };
    expect(r.errors.map((e) => e.code)).toEqual([]);
    expect(r.findings.map((f) => f.ruleId)).toContain('rel-netpol-no-default-deny');
  });

  test('the cache never changes a relation: a change in one file shows on the other file\'s object on the warm run', () => {
    const dir = makeRepo({ 'rbac/role.yaml': ROLE('pods/exec'), 'rbac/binding.yaml': BINDING(), 'apps/serving.yaml': SERVING, 'apps/service.yaml': SERVICE('ClusterIP') });
    const cache = tempDir();
    const same = (label: string) => {
      const off = json(dir, '--no-cache');
      const cold = json(dir, '--cache-dir', cache);
      const warm = json(dir, '--cache-dir', cache);
      expect({ label, out: cold.stdout }).toEqual({ label, out: off.stdout });
      expect({ label, out: warm.stdout }).toEqual({ label, out: off.stdout });
      return relationFindings(off.report);
    };
    expect(same('first')).toEqual([
      'rel-binding-grants-pod-exec rbac/binding.yaml:11:9 rbac.authorization.k8s.io/RoleBinding apps/oncall grants exec, attach or port-forward into pods through rbac.authorization.k8s.io/Role apps/debugger',
    ]);
    // Only the role changes; the binding's file is a cache hit, its finding goes.
    writeFiles(dir, { 'rbac/role.yaml': ROLE('pods/log') });
    expect(same('role no longer grants exec')).toEqual([]);
    // Only the Service changes: the Deployment's file is a cache hit, the exposure is found on the Service.
    writeFiles(dir, { 'apps/service.yaml': SERVICE('LoadBalancer') });
    expect(same('service exposed')).toEqual(['rel-service-exposes-ai-workload apps/service.yaml:5:9 Service apps/llm exposes apps/Deployment apps/llm as LoadBalancer']);
    // A config waiver is applied after the cache: the warm run (nothing changed but the config) waives it too.
    writeFiles(dir, { '.aiopsrc.json': JSON.stringify({ waivers: [{ rule: 'rel-service-exposes-ai-workload', reason: 'behind the VPN (NET-3)' }] }) });
    same('waived');
    const warm = json(dir, '--cache-dir', cache).report.findings.filter((f) => f.ruleId === 'rel-service-exposes-ai-workload');
    expect(warm.map((f) => f.suppressed)).toEqual([{ kind: 'config', reason: 'behind the VPN (NET-3)' }]);
    // The pods stop being a model server in their own file: the Service's finding goes.
    writeFiles(dir, { 'apps/serving.yaml': SERVING.replace('vllm/vllm-openai:v0.6.3', 'nginx:1.27.2') });
    expect(same('not a model server')).toEqual([]);
  });

  test('relation findings are waived by an annotation on the reported object or a config waiver, and survive the baseline when moved', () => {
    const only = JSON.stringify({ only: ['rel-binding-grants-pod-exec'] });
    const dir = makeRepo({ '.aiopsrc.json': only, 'rbac/role.yaml': ROLE('pods/exec'), 'rbac/binding.yaml': BINDING(), 'apps/serving.yaml': SERVING });
    const commitAll = (message: string) => (git(dir, 'add', '-A'), git(dir, 'commit', '-q', '-m', message));
    expect(runCli(['baseline'], { cwd: dir }).code).toBe(0);
    commitAll('accept');
    // Moved into one file with the role, lines shifted: the same finding.
    writeFiles(dir, { 'rbac/binding.yaml': '# the binding moved next to its role\n', 'rbac/role.yaml': `${ROLE('pods/exec')}---\n${BINDING()}` });
    const moved = json(dir, '--no-cache');
    expect(moved.report.findings.map((f) => [f.ruleId, f.file, f.line, f.baseline])).toEqual([['rel-binding-grants-pod-exec', 'rbac/role.yaml', 21, 'unchanged']]);
    expect(moved.code).toBe(0);
    // Inline waiver on the binding.
    writeFiles(dir, { 'rbac/role.yaml': `${ROLE('pods/exec')}---\n${BINDING('  annotations:\n    aiops-guard.io/ignore.rel-binding-grants-pod-exec: "break-glass group, reviewed (SEC-9)"\n')}` });
    expect(json(dir, '--no-cache', '--no-baseline').report.findings.map((f) => [f.ruleId, f.suppressed])).toEqual([
      ['rel-binding-grants-pod-exec', { kind: 'annotation', reason: 'break-glass group, reviewed (SEC-9)' }],
    ]);
    // Config waiver by rule and resource (committed: a waiver added by the checked change itself is a policy-weakened finding).
    writeFiles(dir, {
      'rbac/role.yaml': `${ROLE('pods/exec')}---\n${BINDING()}`,
      '.aiopsrc.json': JSON.stringify({ only: ['rel-binding-grants-pod-exec'], waivers: [{ rule: 'rel-binding-*', resource: 'RoleBinding/apps/oncall', reason: 'on-call group (SEC-10)' }] }),
    });
    commitAll('waive');
    const waived = json(dir, '--no-cache', '--no-baseline');
    expect(waived.report.findings.map((f) => [f.ruleId, f.suppressed])).toEqual([['rel-binding-grants-pod-exec', { kind: 'config', reason: 'on-call group (SEC-10)' }]]);
    expect(waived.code).toBe(0);
  });

  test('rules show prints a relation rule\'s relation', () => {
    const r = runCli(['rules', 'show', 'rel-binding-role-missing'], { cwd: tempDir() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.slice(r.stdout.indexOf('Relation:'))).toBe(
      'Relation:\nfrom:\n  kinds:\n    - RoleBinding\n    - ClusterRoleBinding\njoin: roleRef\nto:\n  kinds:\n    - Role\n    - ClusterRole\nrequire: exists\nat: /roleRef/name\n',
    );
  });

  test('a user rule whose units lie where no built-in rule looks gets them, with the fields its message shows', () => {
    // The projection kept only what the built-in rules read: a unit under spec.ports was never there (a silent pass).
    const dir = makeRepo({ 'svc/web.yaml': 'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: a }\nspec:\n  selector: { app: web }\n  ports:\n    - { port: 80, name: http }\n    - { port: 9090, name: metrics }\n' });
    writeFiles(dir, {
      'policies/team-port.yaml': `id: team-port
title: Every Service port reaches a workload
severity: low
category: services
description: A port of a Service that selects no workload answers nothing.
remediation: Fix the Service's selector, or remove the port.
relation:
  from: { kinds: [Service], target: document/spec/ports/* }
  join: selector
  to: { kinds: [$workloads] }
  require: exists
message: 'port {{port}} ({{name}}) of {{$resource}} reaches no workload'
`,
      'policies/cases/team-port/fail.yaml': 'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: a }\nspec:\n  selector: { app: web }\n  ports:\n    - port: 80  # expect: 7:7\n',
      'policies/cases/team-port/pass.yaml': 'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: a }\nspec:\n  selector: { app: web }\n  ports:\n    - port: 80\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: web, namespace: a, labels: { app: web } }\nspec:\n  containers: [{ name: web, image: web:1 }]\n',
    });
    const t = runCli(['rules', 'test', 'policies'], { cwd: dir });
    expect(t.stdout).toContain('2 passed, 0 failed');
    expect(t.code).toBe(0);
    const r = json(dir, '-r', 'policies', '--only', 'team-*', '--no-cache');
    expect(r.report.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.message}`)).toEqual([
      'svc/web.yaml:7:7 port 80 (http) of Service a/web reaches no workload',
      'svc/web.yaml:8:7 port 9090 (metrics) of Service a/web reaches no workload',
    ]);
  });

  test("a pod spec's where sees the workload's $kind and the pod's $labels, wherever the pod template is", () => {
    const dir = makeRepo({});
    writeFiles(dir, {
      'policies/team-gpu-pods-isolated.yaml': `id: team-gpu-pods-isolated
title: GPU pods are selected by a NetworkPolicy
severity: high
category: network-policy
description: Pods labelled tier=gpu hold model weights; a NetworkPolicy must select them.
remediation: Add a NetworkPolicy that selects the pods.
relation:
  from:
    kinds: [Pod, CronJob, Deployment]
    target: podSpec
    where:
      required: [$labels, $kind]
      properties:
        $labels: { required: [tier], properties: { tier: { const: gpu } } }
        $kind: { enum: [Pod, CronJob] }
  join: selector
  to: { kinds: [NetworkPolicy] }
  require: exists
message: 'No NetworkPolicy selects the {{$kind}} pods of {{$resource}} (tier {{$labels.tier}})'
`,
      // A bare Pod's labels are its own; a CronJob's are its job template's pod template's.
      'policies/cases/team-gpu-pods-isolated/fail.yaml': `apiVersion: v1
kind: Pod
metadata: { name: trainer, namespace: ml, labels: { tier: gpu } }
spec:  # expect: 4:1
  containers: [{ name: t, image: trainer:1 }]
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly, namespace: ml, labels: { tier: cpu } }
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        metadata: { labels: { tier: gpu } }
        spec:  # expect: 16:9
          containers: [{ name: nightly, image: nightly:1 }]
`,
      // Not gpu, not a Pod or CronJob (the Deployment's labels match, its $kind does not), or selected.
      'policies/cases/team-gpu-pods-isolated/pass.yaml': `apiVersion: v1
kind: Pod
metadata: { name: web, namespace: ml, labels: { tier: cpu } }
spec:
  containers: [{ name: w, image: web:1 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: serve, namespace: ml }
spec:
  template:
    metadata: { labels: { tier: gpu } }
    spec:
      containers: [{ name: s, image: serve:1 }]
---
apiVersion: v1
kind: Pod
metadata: { name: trainer, namespace: ml, labels: { tier: gpu, app: trainer } }
spec:
  containers: [{ name: t, image: trainer:1 }]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: trainer, namespace: ml }
spec:
  podSelector: { matchLabels: { app: trainer } }
`,
    });
    const t = runCli(['rules', 'test', 'policies'], { cwd: dir });
    expect(t.stdout).toBe(
      '✔ team-gpu-pods-isolated  cases/team-gpu-pods-isolated/fail.yaml (4:1, 16:9)\n✔ team-gpu-pods-isolated  cases/team-gpu-pods-isolated/pass.yaml\n\n1 rule, 2 cases\n2 passed, 0 failed\n',
    );
    expect(t.code).toBe(0);
    writeFiles(dir, { 'ml/fail.yaml': readFileSync(path.join(dir, 'policies/cases/team-gpu-pods-isolated/fail.yaml'), 'utf8') });
    const r = json(dir, '-r', 'policies', '--only', 'team-*', '--no-cache');
    expect(r.report.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.message}`)).toEqual([
      'ml/fail.yaml:4:1 No NetworkPolicy selects the Pod pods of Pod ml/trainer (tier gpu)',
      'ml/fail.yaml:16:9 No NetworkPolicy selects the CronJob pods of batch/CronJob ml/nightly (tier gpu)',
    ]);
  });

  test('a user pack writes a relation rule as data and tests it with cases of several documents', () => {
    const dir = makeRepo({ 'apps/serving.yaml': SERVING.replace(/namespace: apps/g, 'namespace: ml-serving') });
    writeFiles(dir, {
      'policies/team-netpol-both-ways.yaml': `id: team-netpol-both-ways
title: Deployments in ml-* are selected by a NetworkPolicy for both directions
severity: high
category: network-policy
description: Our ML namespaces restrict traffic both ways for every Deployment, not only by default.
remediation: Add a NetworkPolicy with policyTypes [Ingress, Egress] that selects the pods by their labels.
relation:
  from: { kinds: [Deployment], namespaces: ['ml-*'], target: podSpec }
  join: selector
  to:
    kinds: [NetworkPolicy]
    where:
      required: [spec]
      properties:
        spec:
          required: [podSelector]
          properties: { podSelector: { required: [matchLabels] } }
  require: exists
message: 'No NetworkPolicy of its own selects {{$resource}}'
`,
      'policies/cases/team-netpol-both-ways/fail.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: llm, namespace: ml-a }
spec:
  template:
    metadata: { labels: { app: llm } }
    spec:  # expect: 7:5
      containers: [{ name: llm, image: vllm/vllm-openai:v0.6.3 }]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: other, namespace: ml-a }
spec:
  podSelector: { matchLabels: { app: other } }
`,
      'policies/cases/team-netpol-both-ways/pass.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: llm, namespace: ml-a }
spec:
  template:
    metadata: { labels: { app: llm } }
    spec:
      containers: [{ name: llm, image: vllm/vllm-openai:v0.6.3 }]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: llm, namespace: ml-a }
spec:
  podSelector: { matchLabels: { app: llm } }
`,
    });
    const t = runCli(['rules', 'test', 'policies'], { cwd: dir });
    expect(t.stdout).toBe(
      '✔ team-netpol-both-ways  cases/team-netpol-both-ways/fail.yaml (7:5)\n✔ team-netpol-both-ways  cases/team-netpol-both-ways/pass.yaml\n\n1 rule, 2 cases\n2 passed, 0 failed\n',
    );
    expect(t.code).toBe(0);
    const r = json(dir, '-r', 'policies', '--only', 'team-*', '--no-cache');
    expect(relationFindings(r.report)).toEqual([]);
    expect(r.report.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column} ${f.message}`)).toEqual([
      'team-netpol-both-ways apps/serving.yaml:20:5 No NetworkPolicy of its own selects apps/Deployment ml-serving/llm',
    ]);
    // A relation rule with a mistake is a configuration error naming the file and the fix.
    writeFiles(dir, { 'policies/team-netpol-both-ways.yaml': 'id: team-netpol-both-ways\ntitle: t\nseverity: high\ncategory: c\ndescription: d\nremediation: r\nrelation:\n  from: { kinds: [Deployment] }\n  join: selector\n  to: { kinds: [NetworkPolicy] }\n  require: none\n  satisfies: [k8s-automount-sa-token]\nmessage: m\n' });
    const bad = runCli(['check', '-r', 'policies'], { cwd: dir });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('team-netpol-both-ways.yaml: invalid relation in rule "team-netpol-both-ways": satisfies needs require: exists');
    expect(bad.stderr).not.toContain('    at ');
  });
});
