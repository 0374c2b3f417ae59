import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { buildRepoFromSnapshots } from '../../src/demo/build-repo.js';
import type { Report } from '../../src/report/types.js';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
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
        '  apps/llm/gpu-debug.yaml:2  missing   apps/DaemonSet ml-serving/gpu-debug  in git, not live',
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
    expect(cut.stderr).toBe('aiops-guard: live-cut.json:4:26: live snapshot is not valid JSON: Unterminated string\n  hint: save the output of "kubectl get ... -o json" (or -o yaml) whole\n');
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
