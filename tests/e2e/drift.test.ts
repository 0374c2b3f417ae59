import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { buildRepoFromSnapshots } from '../../src/demo/build-repo.js';
import type { Report } from '../../src/report/types.js';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import { DIGEST, HARDENED_DEPLOYMENT } from '../helpers/manifests.js';
import { cleanup, git, makeRepo, runCli, tempDir, writeFiles } from '../helpers/repo.js';

afterAll(cleanup);

const LIVE = path.join(PACKAGE_ROOT, 'fixtures', 'live', 'demo.json');
const json = (s: string) => JSON.parse(s) as Report;

async function demoRepo(): Promise<string> {
  const dir = tempDir();
  await buildRepoFromSnapshots(path.join(PACKAGE_ROOT, 'fixtures', 'demo'), dir);
  return dir;
}

describe('drift against a kubectl snapshot', () => {
  test('modified, missing and unmanaged, security-relevant first, secrets masked; exit 2', async () => {
    const dir = await demoRepo();
    const r = runCli(['drift', '--live', LIVE], { cwd: dir });
    expect(r.stdout.replace(/<secret [0-9a-f]{8}>/g, '<secret>')).toBe(
      [
        '! apps/web/deployment.yaml:1  modified  apps/Deployment web/web  live is less secure than git: k8s-privileged-container',
        '    /spec/replicas  git 2 → live 4',
        '    /spec/template/spec/containers/0/securityContext/privileged  git (unset) → live true',
        '  apps/llm/vllm.yaml:1  modified  apps/Deployment ml-serving/vllm',
        '    /spec/template/spec/containers/0/env/0/value  git <secret> → live (unset)',
        '    /spec/template/spec/containers/0/env/0/valueFrom  git (unset) → live {"secretKeyRef":{"name":"hf-token","key":"token"}}  (removed in git, still live)',
        '  apps/llm/gpu-debug.yaml:2  missing   apps/DaemonSet ml-serving/gpu-debug  in git, not live  (the snapshot has no DaemonSet at all: if kubectl get did not fetch that kind, add it)',
        '  apps/llm/ingress.yaml:1  missing   networking.k8s.io/Ingress ml-serving/vllm  in git, not live',
        '  (not in git)  unmanaged  ConfigMap ml-serving/vllm-debug-flags  live, not in git',
        '',
        `✖ 5 resources drifted from ${LIVE} (2 modified, 2 missing, 1 unmanaged, 1 security-relevant) · exit 2 (drift; fails at high and above)`,
        '',
      ].join('\n'),
    );
    expect(r.stdout).not.toContain('hf_dEmO');
    expect(r.code).toBe(2);
  });

  test('-f json carries the drift as data', async () => {
    const dir = await demoRepo();
    const report = json(runCli(['drift', '--live', LIVE, '-f', 'json'], { cwd: dir }).stdout);
    expect(report.summary.drifted).toBe(5);
    expect(report.summary.exitCode).toBe(2);
    expect(report.source.live).toBe(LIVE);
    const [web, vllm] = report.drift!;
    expect(web).toMatchObject({
      status: 'modified',
      resource: { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'web' },
      file: 'apps/web/deployment.yaml',
      line: 1,
      changes: [
        { pointer: '/spec/replicas', desired: 2, live: 4 },
        { pointer: '/spec/template/spec/containers/0/securityContext/privileged', live: true },
      ],
      securityRelevant: true,
    });
    expect(web!.liveFindings.map((f) => [f.ruleId, f.file, f.line, f.pointer])).toEqual([
      ['k8s-privileged-container', 'apps/web/deployment.yaml', 50, '/spec/template/spec/containers/0/securityContext/privileged'],
    ]);
    expect(vllm!.changes.map((c) => [c.pointer, c.note ?? ''])).toEqual([
      ['/spec/template/spec/containers/0/env/0/value', ''],
      ['/spec/template/spec/containers/0/env/0/valueFrom', 'removed-in-git'],
    ]);
    expect(vllm!.changes[0]!.desired).toMatch(/^<secret [0-9a-f]{8}>$/);
  });

  test('in sync exits 0; desired state from --ref; ignoreDifferences and drift.namespaces from config', async () => {
    const dir = await demoRepo();
    // Commit 2 is what was deployed: against it only the hand-made changes remain.
    const r = runCli(['drift', '--live', LIVE, '--ref', 'HEAD~1', '-f', 'json'], { cwd: dir });
    expect(json(r.stdout).drift!.map((d) => `${d.status} ${d.resource.kind}/${d.resource.name}`)).toEqual([
      'modified Deployment/web',
      'unmanaged ConfigMap/vllm-debug-flags',
    ]);
    writeFiles(dir, {
      '.aiopsrc.json': JSON.stringify({
        drift: {
          namespaces: ['web'],
          ignoreDifferences: [
            { kind: 'Deployment', pointers: ['/spec/replicas'] },
            { kind: 'Deployment', name: 'web', pointers: ['/spec/template/spec/containers/*/securityContext'] },
          ],
        },
      }),
    });
    const quiet = runCli(['drift', '--live', LIVE, '--ref', 'HEAD~1'], { cwd: dir });
    expect(quiet.stdout).toBe(`✔ in sync with ${LIVE} · exit 0 (clean; fails at high and above)\n`);
    expect(quiet.code).toBe(0);
  });

  test('Secret stringData equals the data it produces; a changed value shows different masks, never the value', () => {
    const secret = (body: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: app\n${body}`;
    const dir = makeRepo({ 'secret.yaml': secret('stringData:\n  password: hunter2-long-enough\n') });
    const live = (pw: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'app' }, type: 'Opaque', data: { password: Buffer.from(pw).toString('base64') } });
    const same = runCli(['drift', '--live', '-'], { cwd: dir, input: live('hunter2-long-enough') });
    expect([same.code, same.stdout]).toEqual([0, '✔ in sync with - · exit 0 (clean; fails at high and above)\n']);
    const changed = runCli(['drift', '--live', '-', '-f', 'json'], { cwd: dir, input: live('rotated-password!!') });
    const [change] = json(changed.stdout).drift![0]!.changes;
    expect(change!.pointer).toBe('/data/password');
    expect(change!.desired).toMatch(/^<secret [0-9a-f]{8}>$/);
    expect(change!.live).toMatch(/^<secret [0-9a-f]{8}>$/);
    expect(change!.desired).not.toBe(change!.live);
    expect(changed.stdout).not.toContain('hunter2');
    expect(changed.stdout).not.toContain(Buffer.from('rotated-password!!').toString('base64'));
    expect(changed.code).toBe(2);
  });

  test('default namespace, cluster-scoped kinds, and duplicate identities in git (a finding, never merged)', () => {
    const cm = (ns: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg${ns}\ndata:\n  a: "1"\n`;
    const dir = makeRepo({
      'a.yaml': cm(''),
      'b.yaml': cm('').replace('name: cfg', 'name: cfg\n  namespace: default'),
      'role.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n  namespace: ignored\nrules: []\n',
      '.aiopsrc.json': '{"drift": {"defaultNamespace": "default"}}',
    });
    const live = JSON.stringify({
      items: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' } },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [] },
      ],
    });
    const r = runCli(['drift', '--live', '-', '-f', 'json'], { cwd: dir, input: live });
    const report = json(r.stdout);
    expect(report.drift).toEqual([]);
    expect(report.findings.map((f) => [f.ruleId, f.file, f.line, f.message])).toEqual([
      ['duplicate-resource', 'b.yaml', 1, 'ConfigMap default/cfg is also declared at a.yaml:1; one would overwrite the other when applied'],
    ]);
    expect(r.code).toBe(1);
  });

  test('bad snapshots: 65 with the file and line, 66 when missing; an unparseable desired file still gates', async () => {
    const dir = await demoRepo();
    writeFiles(dir, { 'live-cut.json': '{\n  "kind": "List",\n  "items": [\n    {"kind": "Pod", "apiV' });
    const cut = runCli(['drift', '--live', 'live-cut.json'], { cwd: dir });
    expect(cut.stderr).toBe('aiops-guard: live-cut.json:4:21: live snapshot is not valid JSON: unterminated string\n  hint: save the output of "kubectl get ... -o json" (or -o yaml) whole\n');
    expect(cut.code).toBe(65);
    const missing = runCli(['drift', '--live', 'nope.json'], { cwd: dir });
    expect(missing.stderr).toBe('aiops-guard: live snapshot not found: nope.json\n  hint: write one with: kubectl get deploy,svc,cm,... -A -o json > live.json\n');
    expect(missing.code).toBe(66);
    const noFlag = runCli(['drift'], { cwd: dir });
    expect(noFlag.stderr).toBe("error: required option '--live <snapshot>' not specified\n(run with --help for usage)\n");
    expect(noFlag.code).toBe(64);
    writeFiles(dir, { 'apps/broken.yaml': 'kind: [\n' });
    git(dir, 'add', 'apps/broken.yaml');
    const broken = runCli(['drift', '--live', LIVE, '--staged', '-f', 'json'], { cwd: dir });
    expect(json(broken.stdout).findings.map((f) => [f.ruleId, f.file])).toEqual([['parse-error', 'apps/broken.yaml']]);
    expect(broken.code).toBe(3);
  });
});

const SHAPED = path.join(PACKAGE_ROOT, 'fixtures', 'kubectl-shaped');
const SHAPED_LIVE = path.join(SHAPED, 'live.json');

/** A repository holding the desired manifests of fixtures/kubectl-shaped/git. */
function shapedRepo(extra: Record<string, string> = {}): string {
  const files: Record<string, string> = {};
  for (const f of readdirSync(path.join(SHAPED, 'git'))) files[f] = readFileSync(path.join(SHAPED, 'git', f), 'utf8');
  return makeRepo({ ...files, ...extra });
}

const summaryOf = (report: Report) => report.drift!.map((d) => `${d.status} ${formatId(d.resource)}${d.securityRelevant ? ' !' : ''}`);
const formatId = (r: Report['findings'][number]['resource'] & object) => `${r.kind} ${r.namespace ?? '-'}/${r.name}`;

describe('drift against objects as kubectl apply and the API server leave them', () => {
  test('no false drift: last-applied with annotations {}, server defaults, the default namespace, another apiVersion, a cluster-scoped custom resource, a hardened linkerd-proxy', () => {
    const dir = shapedRepo();
    const r = runCli(['drift', '--live', SHAPED_LIVE, '-f', 'json'], { cwd: dir });
    const report = json(r.stdout);
    // The only drift: istio-init made the Pod less secure, and the Secret git rotated.
    expect(summaryOf(report)).toEqual(['modified Pod ml/model-server !', 'modified Secret shop/db']);
    expect(report.findings).toEqual([]);
    expect(r.code).toBe(2);
  });

  test('an injected sidecar that makes live less secure is named, not indexed, and each change has its line and column in git', () => {
    const dir = shapedRepo();
    const report = json(runCli(['drift', '--live', SHAPED_LIVE, '-f', 'json'], { cwd: dir }).stdout);
    const pod = report.drift![0]!;
    expect(pod.changes).toEqual([
      { pointer: '/spec/initContainers/[name=istio-init]/securityContext/capabilities/add/0', live: 'NET_ADMIN', line: 7, column: 1 },
      { pointer: '/spec/initContainers/[name=istio-init]/securityContext/capabilities/add/1', live: 'NET_RAW', line: 7, column: 1 },
      { pointer: '/spec/initContainers/[name=istio-init]/securityContext/readOnlyRootFilesystem', live: false, line: 7, column: 1 },
      // runAsGroup 0: the root group (k8s-root-group) is less secure too.
      { pointer: '/spec/initContainers/[name=istio-init]/securityContext/runAsGroup', live: 0, line: 7, column: 1 },
      { pointer: '/spec/initContainers/[name=istio-init]/securityContext/runAsUser', live: 0, line: 7, column: 1 },
    ]);
    expect([...new Set(pod.liveFindings.map((f) => f.ruleId))].sort()).toEqual(['k8s-dangerous-capabilities', 'k8s-readonly-root-fs', 'k8s-root-group', 'k8s-run-as-root', 'k8s-run-as-user-root']);
    const secret = report.drift![1]!;
    expect(secret.changes.map((c) => [c.pointer, c.line, c.column])).toEqual([['/data/password', 9, 13]]);
  });

  test('a Secret and its last-applied annotation never show their values', () => {
    const dir = shapedRepo();
    for (const [format, strict] of ['text', 'json', 'sarif', 'junit', 'github', 'gitlab'].flatMap((f) => [[f, []], [f, ['--strict']]] as const)) {
      const r = runCli(['drift', '--live', SHAPED_LIVE, ...strict, '-f', format], { cwd: dir });
      expect({ format, strict, code: r.code }).toEqual({ format, strict, code: 2 });
      for (const leak of ['Pl4nted-Db-Passw0rd!', 'UGw0bnRlZC1EYi1QYXNzdzByZCE=', 'N3w-Db-Passw0rd-2026', Buffer.from('N3w-Db-Passw0rd-2026').toString('base64'), 'Pl4nted-Api-Keys-Token-4242', Buffer.from('Pl4nted-Api-Keys-Token-4242').toString('base64'), 'last-applied-configuration']) {
        expect({ format, leaked: r.stdout.includes(leak) || r.stderr.includes(leak) ? leak : null }).toEqual({ format, leaked: null });
      }
    }
  });

  test('--strict (or drift.strict) reports live-only fields such as an env var added by kubectl edit; injected sidecars and admission defaults stay out', () => {
    const dir = shapedRepo();
    const strict = json(runCli(['drift', '--live', SHAPED_LIVE, '--strict', '-f', 'json'], { cwd: dir }).stdout);
    const web = strict.drift!.find((d) => d.resource.name === 'web' && d.resource.kind === 'Deployment')!;
    expect(web.resource.namespace).toBe('default');
    expect(web.changes).toEqual([{ pointer: '/spec/template/spec/containers/0/env/[name=DEBUG]', live: { name: 'DEBUG', value: '1' }, note: 'live-only', line: 27, column: 11 }]);
    expect(strict.drift!.some((d) => d.resource.name === 'tokenizer')).toBe(false);
    writeFiles(dir, { '.aiopsrc.json': JSON.stringify({ drift: { strict: true } }) });
    const fromConfig = json(runCli(['drift', '--live', SHAPED_LIVE, '-f', 'json'], { cwd: dir }).stdout);
    expect(fromConfig.drift!.map((d) => d.resource.name)).toEqual(strict.drift!.map((d) => d.resource.name));
  });

  test('keys named like Object.prototype members are fields like any other (a ConfigMap key toString stopped drift with an internal error)', () => {
    const dir = makeRepo({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: apps\ndata:\n  constructor: "x"\n  a: "1"\n' });
    // As kubectl apply leaves it: last-applied still has toString, which git has since removed; valueOf was added by hand.
    const applied = { apiVersion: 'v1', data: { a: '1', constructor: 'x', toString: 'y' }, kind: 'ConfigMap', metadata: { annotations: {}, name: 'cfg', namespace: 'apps' } };
    const live = path.join(tempDir(), 'live.json');
    writeFileSync(live, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'apps', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied) + '\n' } }, data: { a: '1', toString: 'y', valueOf: 'z' } }] }));
    const r = runCli(['drift', '--live', live, '--strict', '-f', 'json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(json(r.stdout).drift!.flatMap((d) => d.changes.map((c) => [c.pointer, c.desired, c.live, c.note]))).toEqual([
      ['/data/constructor', 'x', undefined, undefined],
      ['/data/toString', undefined, 'y', 'removed-in-git'],
      ['/data/valueOf', undefined, 'z', 'live-only'],
    ]);
  });

  test('drift.injected names more sidecars; an unknown hand-added container is live-only', () => {
    const deploy = (containers: object[]) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'app' },
      spec: { template: { spec: { containers } } },
    });
    const hardened = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
    const app = { name: 'api', image: 'api:1', securityContext: hardened };
    const shipper = { name: 'log-shipper', image: 'shipper:2', securityContext: hardened };
    const dir = makeRepo({ 'api.yaml': JSON.stringify(deploy([app])) });
    const live = JSON.stringify(deploy([app, shipper]));
    const strict = json(runCli(['drift', '--live', '-', '--strict', '-f', 'json'], { cwd: dir, input: live }).stdout);
    expect(strict.drift![0]!.changes.map((c) => c.pointer)).toEqual(['/spec/template/spec/containers/[name=log-shipper]']);
    writeFiles(dir, { '.aiopsrc.json': JSON.stringify({ drift: { injected: ['log-shipper'] } }) });
    const named = runCli(['drift', '--live', '-', '--strict', '-f', 'json'], { cwd: dir, input: live });
    expect([named.code, json(named.stdout).drift]).toEqual([0, []]);
  });

  test('live less secure points at the field that made it so, not at the container', () => {
    const git = HARDENED_DEPLOYMENT;
    const dir = makeRepo({ 'web.yaml': git });
    const live = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'web', uid: 'u-1', resourceVersion: '7', generation: 2, creationTimestamp: '2026-11-20T09:14:03Z' },
      spec: {
        template: {
          spec: {
            serviceAccountName: 'web',
            automountServiceAccountToken: false,
            securityContext: {},
            containers: [
              {
                name: 'web',
                image: `nginx:1.27@${DIGEST}`,
                imagePullPolicy: 'IfNotPresent',
                resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
                livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
                readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    };
    const report = json(runCli(['drift', '--live', '-', '-f', 'json'], { cwd: dir, input: JSON.stringify(live) }).stdout);
    const [item] = report.drift!;
    expect(item!.securityRelevant).toBe(true);
    expect(item!.changes.map((c) => [c.pointer, c.desired, c.line, c.column])).toEqual([
      ['/spec/template/spec/securityContext/runAsNonRoot', true, 12, 23],
      ['/spec/template/spec/securityContext/seccompProfile/type', 'RuntimeDefault', 13, 33],
    ]);
  });

  test('the --live file is never read as desired state, even saved inside the repository', () => {
    const dir = makeRepo({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: app\ndata:\n  a: "1"\n' });
    const live = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'app', uid: 'u1' }, data: { a: '1' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hand-made', namespace: 'app', uid: 'u2' }, data: { b: '2' } },
      ],
    };
    writeFiles(dir, { 'snapshots/live.json': JSON.stringify(live) });
    for (const where of ['snapshots/live.json', 'snapshots']) {
      const r = runCli(['drift', '--live', where, '-f', 'json'], { cwd: dir });
      const report = json(r.stdout);
      expect(report.findings).toEqual([]);
      expect(report.summary.files).toBe(1);
      expect(summaryOf(report)).toEqual(['unmanaged ConfigMap app/hand-made']);
    }
  });

  test('drift.ignoreDifferences takes Argo CD entries verbatim; jqPathExpressions and managedFieldsManagers are config errors', () => {
    const dir = makeRepo({ 'web.yaml': HARDENED_DEPLOYMENT.replace('spec:\n  template:', 'spec:\n  replicas: 2\n  template:') });
    const live = (replicas: number) => JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'web' }, spec: { replicas, template: (parse(HARDENED_DEPLOYMENT) as { spec: { template: unknown } }).spec.template } });
    const argo = { drift: { ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }] } };
    writeFiles(dir, { '.aiopsrc.json': JSON.stringify(argo, null, 2) });
    const ignored = runCli(['drift', '--live', '-', '-f', 'json'], { cwd: dir, input: live(5) });
    expect([ignored.code, ignored.stderr, json(ignored.stdout).drift]).toEqual([0, '', []]);
    writeFiles(dir, { '.aiopsrc.json': JSON.stringify({ drift: { ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.replicas'] }] } }, null, 2) });
    const jq = runCli(['drift', '--live', '-'], { cwd: dir, input: live(5) });
    expect(jq.code).toBe(78);
    expect(jq.stderr).toMatch(/^aiops-guard: .*\.aiopsrc\.json:\d+:\d+: drift\.ignoreDifferences\[0\]\.jqPathExpressions is not supported/);
    expect(jq.stderr).toContain('hint: use "jsonPointers"');
    writeFiles(dir, { '.aiopsrc.json': JSON.stringify({ drift: { ignoreDifferences: [{ kind: 'Deployment', managedFieldsManagers: ['kube-controller-manager'] }] } }) });
    const mf = runCli(['drift', '--live', '-'], { cwd: dir, input: live(5) });
    expect([mf.code, mf.stderr.includes('managedFieldsManagers is not supported')]).toEqual([78, true]);
  });

  test('--fail-on-drift any|security|never, and drift.failOn in config', () => {
    const dir = shapedRepo();
    const gate = (args: string[]) => runCli(['drift', '--live', SHAPED_LIVE, ...args, '-f', 'json'], { cwd: dir }).code;
    expect(gate([])).toBe(2);
    expect(gate(['--fail-on-drift', 'any'])).toBe(2);
    expect(gate(['--fail-on-drift', 'security'])).toBe(2);
    expect(gate(['--fail-on-drift', 'never'])).toBe(0);
    // Only the Secret (not security-relevant) drifts among the objects of namespace shop.
    const noSecurity = runCli(['drift', '--live', SHAPED_LIVE, 'db-secret.yaml', 'api-keys.yaml', 'hpa.yaml', '--fail-on-drift', 'security', '-f', 'json'], { cwd: dir });
    expect([noSecurity.code, json(noSecurity.stdout).summary.drifted]).toEqual([0, 1]);
    writeFiles(dir, { '.aiopsrc.json': JSON.stringify({ drift: { failOn: 'never' } }) });
    expect(gate([])).toBe(0);
    expect(gate(['--fail-on-drift', 'any'])).toBe(2);
    const bad = runCli(['drift', '--live', SHAPED_LIVE, '--fail-on-drift', 'sometimes'], { cwd: dir });
    expect(bad.code).toBe(64);
  });

  test('a guard git declares and live lacks, and a binding or exposure live has and git does not, are security-relevant; a mark that fails says so', () => {
    const policy = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: default-deny, namespace: ml }\nspec: { podSelector: {}, policyTypes: [Ingress, Egress] }\n';
    const config = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: app, namespace: ml }\ndata: { LOG_LEVEL: info }\n';
    const dir = makeRepo({ 'np.yaml': policy, 'cm.yaml': config });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'ml', uid: 'u1', resourceVersion: '1' }, data: { LOG_LEVEL: 'info' } };
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'debug', namespace: 'ml', uid: 'u2', resourceVersion: '2' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', name: 'mallory' }] };
    const live = tempDir();
    // kubectl get networkpolicy,configmap,rolebinding -n ml -o json, after the policy was deleted and a binding made by hand.
    writeFiles(live, { 'live.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: [cm, binding] }, null, 4) });
    const r = runCli(['drift', '--live', path.join(live, 'live.json'), '--fail-on-drift', 'security', '-f', 'json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(json(r.stdout).drift!.map((d) => [d.status, d.resource.kind, d.securityRelevant])).toEqual([
      ['missing', 'NetworkPolicy', true],
      ['unmanaged', 'RoleBinding', true],
    ]);
    // The text says why each is: there is no rule to name.
    const lines = runCli(['drift', '--live', path.join(live, 'live.json')], { cwd: dir }).stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('!'))).toEqual([
      '! np.yaml:1  missing   networking.k8s.io/NetworkPolicy ml/default-deny  live is less secure than git: this NetworkPolicy restricts what others may do, and live lacks it  (the snapshot has no NetworkPolicy at all: if kubectl get did not fetch that kind, add it)',
      '! (not in git)  unmanaged  rbac.authorization.k8s.io/RoleBinding ml/debug  live is less secure than git: this RoleBinding grants access, and git does not declare it',
    ]);
    expect(runCli(['drift', '--live', path.join(live, 'live.json'), '-f', 'github'], { cwd: dir }).stdout).toContain(
      '::error file=np.yaml,line=1,title=drift (missing)::networking.k8s.io/NetworkPolicy ml/default-deny is in git but not live. Live is less secure than git: this NetworkPolicy restricts what others may do, and live lacks it.\n',
    );
    // Only a ConfigMap missing: reported, not failing under --fail-on-drift security, and the mark says so.
    writeFiles(live, { 'cm-gone.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: [{ ...binding, kind: 'Role', metadata: { ...binding.metadata, name: 'reader' }, rules: [] }] }) });
    const text = runCli(['drift', '--live', path.join(live, 'cm-gone.json'), 'cm.yaml', '--fail-on-drift', 'security'], { cwd: dir });
    expect(text.code).toBe(0);
    // (Only cm.yaml is compared: the hand-made Role is not reported as unmanaged, it may be declared in a file not read.)
    expect(text.stdout.split('\n').filter((l) => l.includes('drifted from'))[0]).toMatch(/^⚠ 1 resource drifted from .*cm-gone\.json \(1 missing\)/);
  });

  test('as the API server keeps objects: a removed allowPrivilegeEscalation: false is less secure; an HPA applied as v1 read as v2, the kubernetes Service and a StatefulSet\'s claims are not drift', () => {
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: default }\nspec:\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec:\n      containers:\n        - name: web\n          image: web:1.0\n          securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true }\n';
    const hpa = 'apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: { name: web, namespace: default }\nspec:\n  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }\n  minReplicas: 2\n  maxReplicas: 5\n  targetCPUUtilizationPercentage: 70\n';
    const sts = 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: db, namespace: default }\nspec:\n  serviceName: db\n  selector: { matchLabels: { app: db } }\n  template:\n    metadata: { labels: { app: db } }\n    spec: { containers: [{ name: db, image: db:1.0 }] }\n  volumeClaimTemplates:\n    - metadata: { name: data }\n      spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }\n';
    const dir = makeRepo({ 'web.yaml': deployment, 'hpa.yaml': hpa, 'db.yaml': sts });
    const meta = (name: string) => ({ name, namespace: 'default', uid: `u-${name}`, resourceVersion: '7', creationTimestamp: '2026-11-20T09:14:03Z' });
    const pod = (c: object) => ({ containers: [{ imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', ...c }], dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30 });
    const web = (sc: object) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('web'), spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: pod({ name: 'web', image: 'web:1.0', securityContext: sc }) }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 } });
    // kubectl get hpa prints autoscaling/v2, the preferred version.
    const liveHpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta('web'), spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] }, status: { currentReplicas: 3, desiredReplicas: 3 } };
    const liveSts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('db'), spec: { replicas: 1, serviceName: 'db', podManagementPolicy: 'OrderedReady', selector: { matchLabels: { app: 'db' } }, template: { metadata: { creationTimestamp: null, labels: { app: 'db' } }, spec: pod({ name: 'db', image: 'db:1.0' }) }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, revisionHistoryLimit: 10, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' }, volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', creationTimestamp: null }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }] } };
    // Made by the StatefulSet controller with the Retain policy: labels, no owner reference.
    const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { ...meta('data-db-0'), labels: { app: 'db' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard', volumeMode: 'Filesystem', volumeName: 'pvc-0a1b' }, status: { phase: 'Bound' } };
    const kubernetes = { apiVersion: 'v1', kind: 'Service', metadata: { ...meta('kubernetes'), labels: { component: 'apiserver', provider: 'kubernetes' } }, spec: { clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None', type: 'ClusterIP' } };
    const live = tempDir();
    const list = (items: object[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items }, null, 4);
    writeFiles(live, {
      'same.json': list([web({ allowPrivilegeEscalation: false, runAsNonRoot: true }), liveHpa, liveSts, claim, kubernetes]),
      // kubectl edit deleted the field: escalation is allowed again.
      'edited.json': list([web({ runAsNonRoot: true }), liveHpa, liveSts, claim, kubernetes]),
    });
    const same = runCli(['drift', '--live', path.join(live, 'same.json')], { cwd: dir });
    expect(same.stdout).toBe(`✔ in sync with ${path.join(live, 'same.json')} · exit 0 (clean; fails at high and above)\n`);
    expect(same.code).toBe(0);
    const edited = runCli(['drift', '--live', path.join(live, 'edited.json')], { cwd: dir });
    expect(edited.stdout.split('\n').slice(0, 2)).toEqual([
      '! web.yaml:1  modified  apps/Deployment default/web  live is less secure than git: k8s-privilege-escalation',
      '    /spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation  git false → live (unset)',
    ]);
    expect(edited.code).toBe(2);
  });

  test('path arguments compare part of the repository: nothing is unmanaged for it, and the report says why', () => {
    const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}, namespace: ml }\ndata: { A: "1" }\n`;
    const dir = makeRepo({ 'apps/a.yaml': cm('a'), 'apps/b.yaml': cm('b') });
    const liveObj = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ml', uid: name, resourceVersion: '1' }, data: { A: '1' } });
    const live = tempDir();
    writeFiles(live, { 'live.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: [liveObj('a'), liveObj('b'), liveObj('hand-made')] }) });
    const whole = json(runCli(['drift', '--live', path.join(live, 'live.json'), '-f', 'json'], { cwd: dir }).stdout);
    expect(whole.drift!.map((d) => [d.status, d.resource.name])).toEqual([['unmanaged', 'hand-made']]);
    // b.yaml is not read: b is not unmanaged, and neither is anything else (it may be declared in a file not read).
    const part = runCli(['drift', '--live', path.join(live, 'live.json'), 'apps/a.yaml', '-f', 'json'], { cwd: dir });
    const report = json(part.stdout);
    expect(report.drift).toEqual([]);
    expect(report.errors.map((e) => e.code)).toEqual(['drift-partial']);
    expect(part.code).toBe(0);
  });

  test('two different objects of one identity in the snapshot: 65 naming both, never first-wins', () => {
    const dir = shapedRepo();
    const cm = (v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data: { v } });
    writeFiles(dir, { '../snap/a.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [cm('1')] }), '../snap/b.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [cm('2')] }) });
    const r = runCli(['drift', '--live', '../snap'], { cwd: dir });
    expect(r.stderr).toBe(
      'aiops-guard: the snapshot has two different objects for ConfigMap shop/cfg: ../snap/a.json#items/0 and ../snap/b.json#items/0\n  hint: take the snapshot once (kubectl get ... -A -o json), or keep one of the files that list the object\n',
    );
    expect(r.code).toBe(65);
    // The same object listed twice (overlapping kubectl get) is one object.
    writeFiles(dir, { '../snap/b.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [cm('1')] }) });
    expect(runCli(['drift', '--live', '../snap', '-f', 'json'], { cwd: dir }).code).toBe(2);
  });

  test('snapshot limits and shapes give 65 with a message, never 70', () => {
    const dir = shapedRepo();
    const deep = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","namespace":"shop"},"data":${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}}`;
    const cases: [string[], string | undefined, RegExp][] = [
      [['--live', '-'], deep, /^aiops-guard: \(stdin\): live snapshot nests deeper than 200 levels/],
      [['--live', '/dev/zero'], undefined, /^aiops-guard: live snapshot \/dev\/zero is not a file/],
      [['--live', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loop, namespace: shop}\ndata: &a {b: *a}\n', /an anchor contains an alias of itself/],
      [['--live', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [] }), /^aiops-guard: \(stdin\): the snapshot has no objects\n/],
      [['--live', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: { a: 1 } }), /"items" of a List is not a list/],
      [['--live', '-'], `${JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop' } })}\n---\n${JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'shop' } })}\n`, /^$/],
    ];
    for (const [args, input, expected] of cases) {
      const r = runCli(['drift', ...args, '-f', 'json'], { cwd: dir, input });
      expect({ args, input: input?.slice(0, 40), stderr: r.stderr }).toEqual({ args, input: input?.slice(0, 40), stderr: expect.stringMatching(expected) });
      expect(r.code).toBe(expected.source === '^$' ? 2 : 65);
    }
  });

  test('never "in sync" when a desired file failed to parse', () => {
    const dir = makeRepo({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: app\n', 'broken.yaml': 'kind: [\n' });
    const live = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'app' } });
    const data = json(runCli(['drift', '--live', '-', '-f', 'json'], { cwd: dir, input: live }).stdout);
    expect([data.drift, data.summary.desiredUnparsed]).toEqual([[], 1]);
    const r = runCli(['drift', '--live', '-'], { cwd: dir, input: live });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('broken.yaml');
    expect(r.stdout).not.toContain('in sync');
  });
});
