import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { buildRepoFromSnapshots } from '../../src/demo/build-repo.js';
import type { Report } from '../../src/report/types.js';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import { cleanup, commit, git, makeRepo, packRepo, runCli, tempDir } from '../helpers/repo.js';
import { HARDENED_DEPLOYMENT, namespaceBasics, PRIVILEGED_DEPLOYMENT, SERVICE, WEB_NAMESPACE } from '../helpers/manifests.js';

afterAll(cleanup);

const json = (s: string) => JSON.parse(s) as Report;
const short = (sha: string) => sha.slice(0, 7);
const HOSTPATH_DB = HARDENED_DEPLOYMENT.replace(/name: web/g, 'name: db').replace(
  'containers:',
  'volumes:\n        - name: data\n          hostPath: { path: /var/lib/db }\n      containers:',
);

/** A repo whose history is written as commit steps; returns the shas, oldest first. */
function history(steps: [string, Record<string, string>][]): { dir: string; shas: string[] } {
  const dir = makeRepo({});
  const shas = steps.map(([subject, files]) => commit(dir, files, subject));
  return { dir, shas };
}

describe('rollback', () => {
  test('the baseline decides as it does for check and scan: an accepted finding fails no commit and blames none', () => {
    const dir = makeRepo({});
    commit(dir, { 'apps/db.yaml': HOSTPATH_DB }, 'add db with a hostPath');
    // The project adopts the tool and accepts what is there (aiops-guard baseline), then a bad change lands.
    expect(runCli(['baseline'], { cwd: dir }).code).toBe(0);
    const good = commit(dir, {}, 'baseline');
    const bad = commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'run web privileged');
    const r = runCli(['rollback', '-f', 'json'], { cwd: dir });
    const rollback = json(r.stdout).rollback!;
    expect(rollback.lastGood?.sha).toBe(good);
    expect(rollback.culprits.map((c) => [c.sha, c.ruleIds])).toEqual([[bad, ['k8s-privileged-container']]]);
    expect(r.code).toBe(1);
    // The accepted findings are still there: counted as already there, never as fixed.
    const summary = json(r.stdout).summary as { baseline?: { unchanged: number; new: number; absent: number } };
    expect(summary.baseline).toMatchObject({ new: 1, absent: 0 });
    expect(summary.baseline!.unchanged).toBeGreaterThan(0);
    expect(runCli(['rollback'], { cwd: dir }).stdout).not.toContain('no longer found');
    // Without the baseline every finding counts: no commit passes, as check --no-baseline says of each.
    expect(json(runCli(['rollback', '--no-baseline', '-f', 'json'], { cwd: dir }).stdout).rollback!.lastGood).toBeNull();
  });

  test('rolling back a committed credential says to rotate it: a revert leaves it in the history', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT }, 'add web');
    // As kubectl create secret generic db --from-literal=password=... --dry-run=client -o yaml writes it.
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: web\ndata:\n  password: aHVudGVyMmh1bnRlcjJodW50ZXIy\n';
    commit(dir, { 'apps/db-secret.yaml': secret }, 'add db secret');
    const report = json(runCli(['rollback', '-f', 'json'], { cwd: dir }).stdout);
    expect(report.rollback!.credentials).toEqual(['secrets-k8s-secret-committed']);
    const text = runCli(['rollback'], { cwd: dir });
    expect(text.stdout).toContain('  credentials in git (secrets-k8s-secret-committed): reverting or rolling back leaves them in the history for anyone who clones it; rotate each, then keep it in a Secret store\n');
    expect(text.stdout).not.toContain('aHVudGVy');
    // Nothing to rotate when no credential fails.
    git(dir, 'rm', '-q', 'apps/db-secret.yaml');
    commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'privileged instead');
    expect(json(runCli(['rollback', '-f', 'json'], { cwd: dir }).stdout).rollback!.credentials).toBeUndefined();
  });

  test('a file that no longer parses hides what it held: the suggestion says reverting the parse error alone may leave a finding', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT }, 'add web');
    commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'run web privileged');
    const broken = commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT + 'x: [oops\n' }, 'broken yaml');
    const report = json(runCli(['rollback', '-f', 'json'], { cwd: dir }).stdout);
    expect(report.rollback!.culprits.map((c) => c.sha)).toEqual([broken]);
    expect(report.rollback!.unparsed).toEqual(['apps/web.yaml']);
    expect(runCli(['rollback'], { cwd: dir }).stdout).toContain(`  apps/web.yaml cannot be parsed at ${short(broken)}, which hides what else it holds: a finding an earlier commit put there is not traced, and reverting only the commits to blame may leave it (rolling everything back does not)\n`);
  });

  test('a bad commit followed by unrelated good ones: revert only the culprit', () => {
    const { dir, shas } = history([
      ['add web', { 'apps/web.yaml': HARDENED_DEPLOYMENT }],
      ['run web privileged', { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }],
      ['add service', { 'apps/svc.yaml': SERVICE }],
      ['add docs', { 'README.md': '# ops\n' }],
    ]);
    const [good, bad, , head] = shas.map(short) as [string, string, string, string];
    const r = runCli(['rollback'], { cwd: dir });
    const out = r.stdout.replace(/\(Test, \d{4}-\d{2}-\d{2}\)/g, '(Test, DATE)');
    expect(out).toBe(
      [
        'apps/web.yaml:24:25  critical Container "web" runs privileged  k8s-privileged-container',
        '    fix: Remove securityContext.privileged or set it to false; grant only the capabilities the workload needs.',
        '',
        `rollback: ${head} add docs (Test, DATE) fails the gate`,
        `  last good: ${good} add web (Test, DATE)`,
        '  introduced by:',
        `    ${bad} run web privileged (Test, DATE)`,
        '      k8s-privileged-container in apps/web.yaml',
        '  revert only the commits to blame (newest first):',
        `    git revert --no-edit ${bad}`,
        '  or roll everything back to the last good commit:',
        `    git revert --no-commit ${good}..${head} && git commit -m "Roll back to ${good}: k8s-privileged-container"`,
        '  or put back only the failing files:',
        `    git restore --source ${good} -- apps/web.yaml`,
        '  (searched 4 commits of first-parent history)',
        '',
        '✖ 1 finding (1 critical) in 2 files, 2 documents, 168 rules · exit 1 (policy findings; fails at high and above)',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  test('two culprits, newest first; works on packed objects (as git gc leaves them) and on a detached HEAD', () => {
    const { dir, shas } = history([
      ['add web and db', { 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/db.yaml': HARDENED_DEPLOYMENT.replace(/name: web/g, 'name: db') }],
      ['web privileged', { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }],
      ['add service', { 'apps/svc.yaml': SERVICE }],
      ['db on hostPath', { 'apps/db.yaml': HOSTPATH_DB }],
      ['add docs', { 'README.md': '# ops\n' }],
    ]);
    packRepo(dir);
    git(dir, 'checkout', '-q', '--detach', 'HEAD');
    const report = json(runCli(['rollback', '-f', 'json'], { cwd: dir }).stdout);
    const rb = report.rollback!;
    expect(rb.lastGood?.sha).toBe(shas[0]);
    expect(rb.culprits.map((c) => [c.sha, c.ruleIds, c.files, c.changedSince])).toEqual([
      [shas[3], ['k8s-hostpath-volume'], ['apps/db.yaml'], []],
      [shas[1], ['k8s-privileged-container'], ['apps/web.yaml'], []],
    ]);
    expect(rb.commands[0]).toBe(`git revert --no-edit ${short(shas[3]!)} ${short(shas[1]!)}`);
    expect(rb.searched).toBe(5);
    expect(rb.stoppedAt).toBe('answer');
  });

  test('a fix followed by a regression blames the regression, not the first offence', () => {
    const { dir, shas } = history([
      ['add web', { 'apps/web.yaml': HARDENED_DEPLOYMENT }],
      ['privileged', { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }],
      ['fix', { 'apps/web.yaml': HARDENED_DEPLOYMENT }],
      ['privileged again', { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }],
    ]);
    const rb = json(runCli(['rollback', '-f', 'json'], { cwd: dir }).stdout).rollback!;
    expect(rb.lastGood?.sha).toBe(shas[2]);
    expect(rb.culprits.map((c) => c.sha)).toEqual([shas[3]]);
    expect(rb.searched).toBe(2);
  });

  test('a merge commit in between: first-parent history blames the merge and reverts it with -m 1', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT }, 'add web');
    const good = git(dir, 'rev-parse', 'HEAD').trim();
    git(dir, 'checkout', '-q', '-b', 'feature');
    commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'feature: privileged');
    git(dir, 'checkout', '-q', 'main');
    commit(dir, { 'apps/svc.yaml': SERVICE }, 'add service');
    git(dir, 'merge', '-q', '--no-ff', '-m', 'Merge feature', 'feature');
    const merge = git(dir, 'rev-parse', 'HEAD').trim();
    const rb = json(runCli(['rollback', '-f', 'json'], { cwd: dir }).stdout).rollback!;
    expect(rb.culprits.map((c) => [c.sha, c.subject])).toEqual([[merge, 'Merge feature']]);
    expect(rb.lastGood?.subject).toBe('add service');
    expect(rb.commands).toEqual([
      `git revert --no-edit -m 1 ${short(merge)}`,
      `git restore --source ${short(rb.lastGood!.sha)} --staged --worktree -- . && git commit -m "Roll back to ${short(rb.lastGood!.sha)}: k8s-privileged-container"`,
      `git restore --source ${short(rb.lastGood!.sha)} -- apps/web.yaml`,
    ]);
    expect(good).not.toBe(merge);
  });

  test('a shallow clone stops at its boundary and says so; --max-commits too', () => {
    const { dir } = history([
      ['add web', { 'apps/web.yaml': HARDENED_DEPLOYMENT }],
      ['privileged', { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }],
      ['svc', { 'apps/svc.yaml': SERVICE }],
      ['docs', { 'README.md': '# ops\n' }],
    ]);
    const shallow = path.join(tempDir(), 'clone');
    git(dir, 'clone', '-q', '--depth', '2', `file://${dir}`, shallow);
    const r = runCli(['rollback'], { cwd: shallow });
    expect(r.stdout).toContain('  no commit in the last 2 passes the gate: the shallow clone ends there (git fetch --unshallow to look further)\n');
    expect(r.stdout).toContain('  older than the 2 commits searched: k8s-privileged-container apps/web.yaml:24\n');
    expect(r.stdout).toContain('  (searched 2 commits of first-parent history; stopped at the shallow clone boundary)\n');
    expect(r.code).toBe(1);
    const limited = json(runCli(['rollback', '--max-commits', '1', '-f', 'json'], { cwd: dir }).stdout).rollback!;
    expect([limited.searched, limited.stoppedAt, limited.lastGood]).toEqual([1, 'limit', null]);
    expect(runCli(['rollback', '--max-commits', '0'], { cwd: dir }).code).toBe(64);
  });

  test('on two threads the suggestion is exactly the one of one thread', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) files[`apps/app-${i}.yaml`] = HARDENED_DEPLOYMENT.replace(/name: web/g, `name: app-${i}`);
    const dir = makeRepo(files, 'apps');
    commit(dir, { 'apps/app-5.yaml': PRIVILEGED_DEPLOYMENT.replace(/name: web/g, 'name: app-5') }, 'app-5 privileged');
    commit(dir, { 'README.md': '# ops\n' }, 'docs');
    const one = runCli(['rollback', '-f', 'json'], { cwd: dir, env: { AIOPS_GUARD_PARALLEL_MIN_FILES: '100000' } });
    const two = runCli(['rollback', '-f', 'json'], { cwd: dir, env: { AIOPS_GUARD_PARALLEL_MIN_FILES: '2' } });
    expect(json(two.stdout).rollback!.culprits.map((c) => c.subject)).toEqual(['app-5 privileged']);
    expect(two.stdout).toBe(one.stdout);
  });

  test('a clean HEAD says so and exits 0', () => {
    const { dir } = history([['add web', { 'apps/web.yaml': HARDENED_DEPLOYMENT }]]);
    const r = runCli(['rollback'], { cwd: dir });
    expect(r.stdout).toMatch(/^\n✔ rollback: [0-9a-f]{7} add web \(Test, [\d-]+\) passes the gate; nothing to roll back\n  \(searched 1 commit of first-parent history\)\n\n✔ no findings/);
    expect(r.code).toBe(0);
  });
});

describe('rollback judges each commit as check does: relation findings count', () => {
  // A Jupyter notebook in namespace ml, with its ServiceAccount and a default-deny policy: clean at every level.
  const NOTEBOOK = HARDENED_DEPLOYMENT.replace(/name: web/g, 'name: notebook')
    .replace(/namespace: web/g, 'namespace: ml')
    .replace('serviceAccountName: web', 'serviceAccountName: notebook')
    .replace('spec:\n  template:\n    spec:', 'spec:\n  selector:\n    matchLabels: { app: notebook }\n  template:\n    metadata:\n      labels: { app: notebook }\n    spec:')
    .replace('image: nginx:1.27@', 'image: quay.io/jupyter/base-notebook:2024-05-01@');
  const EXPOSED = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: notebook\n  namespace: ml\nspec:\n  type: LoadBalancer\n  selector: { app: notebook }\n  ports:\n    - port: 80\n      targetPort: 8888\n';

  test('a LoadBalancer Service that exposes a notebook (a finding of no single file) fails the commit; the last good commit is the one before it', () => {
    const { dir, shas } = history([
      ['add notebook', { 'apps/notebook.yaml': NOTEBOOK, 'apps/ml.yaml': namespaceBasics('ml', 'notebook') }],
      ['expose notebook', { 'apps/svc.yaml': EXPOSED }],
      ['add docs', { 'README.md': '# ops\n' }],
    ]);
    const [good, , head] = shas.map(short) as [string, string, string];
    for (const cache of [['--no-cache'], ['--cache-dir', tempDir()]]) {
      const r = runCli(['rollback', '-f', 'json', ...cache], { cwd: dir });
      expect(r.code).toBe(1);
      const report = json(r.stdout);
      expect(report.findings.map((f) => [f.ruleId, f.severity, f.file, f.line])).toEqual([['rel-service-exposes-ai-workload', 'critical', 'apps/svc.yaml', 7]]);
      const s = report.rollback!;
      expect([s.headPasses, short(s.lastGood!.sha), s.culprits, s.crossDocument]).toEqual([false, good, [], ['rel-service-exposes-ai-workload apps/svc.yaml:7']]);
      expect(s.commands).toEqual([`git revert --no-commit ${good}..${head} && git commit -m "Roll back to ${good}: rel-service-exposes-ai-workload"`, `git rm -- apps/svc.yaml`]);
    }
    const text = runCli(['rollback', '--no-cache'], { cwd: dir }).stdout;
    expect(text).toContain('  not traced to a commit (each relates several objects, and history is traced file by file; only rolling everything back is sure to clear them): rel-service-exposes-ai-workload apps/svc.yaml:7\n  roll everything back to the last good commit:\n');
    // scan's rollback is the same walk.
    const scan = json(runCli(['scan', '-f', 'json', '--no-cache'], { cwd: dir }).stdout);
    expect(short(scan.rollback!.lastGood!.sha)).toBe(good);
  });

  test('scan judges each commit as rollback does: a finding check\'s relation phase removed at the start commit still fails an older commit', () => {
    const { dir, shas } = history([
      ['add basics', { 'apps/ml.yaml': namespaceBasics('ml', 'notebook') }],
      ['expose port 80', { 'apps/svc.yaml': EXPOSED }],
      ['add notebook', { 'apps/notebook.yaml': NOTEBOOK }],
    ]);
    // The Service alone is k8s-service-exposed (medium); once the notebook is there, the relation finding supersedes it.
    expect(runCli(['check', '--ref', shas[1]!, '--fail-on', 'medium', '--no-cache'], { cwd: dir }).code).toBe(1);
    for (const command of ['rollback', 'scan']) {
      expect([command, json(runCli([command, '-f', 'json', '--fail-on', 'medium', '--no-cache'], { cwd: dir }).stdout).rollback!.lastGood?.sha]).toEqual([command, shas[0]]);
    }
  });

  test('the start commit\'s findings are check\'s: a relation finding replaces the per-document one it supersedes', () => {
    const BINDING = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: web-admin\n  namespace: web\nsubjects:\n  - kind: ServiceAccount\n    name: web\n    namespace: web\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\n';
    const { dir } = history([
      ['add web', { 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/ns.yaml': WEB_NAMESPACE }],
      ['bind cluster-admin', { 'apps/rbac.yaml': BINDING }],
    ]);
    const ids = (args: string[]) => json(runCli([...args, '-f', 'json', '--no-cache'], { cwd: dir }).stdout).findings.map((f) => `${f.ruleId} ${f.severity}`);
    expect(ids(['check'])).toEqual(['rel-binding-grants-cluster-admin critical']);
    expect(ids(['rollback'])).toEqual(ids(['check']));
  });

  test('a commit whose only gating findings a relation satisfies passes (--fail-on low: the pod\'s ServiceAccount does not mount its token)', () => {
    const OWN_TOKEN_SETTING = HARDENED_DEPLOYMENT.replace('      automountServiceAccountToken: false\n', '');
    const { dir, shas } = history([
      ['add web', { 'apps/web.yaml': OWN_TOKEN_SETTING, 'apps/ns.yaml': WEB_NAMESPACE }],
      ['run web privileged', { 'apps/web.yaml': OWN_TOKEN_SETTING.replace('allowPrivilegeEscalation: false\n', 'allowPrivilegeEscalation: false\n            privileged: true\n') }],
    ]);
    expect(runCli(['check', '--ref', shas[0]!, '--fail-on', 'low', '--no-cache'], { cwd: dir }).code).toBe(0);
    const s = json(runCli(['rollback', '-f', 'json', '--fail-on', 'low', '--no-cache'], { cwd: dir }).stdout).rollback!;
    expect([s.lastGood?.sha, s.culprits.map((c) => c.ruleIds)]).toEqual([shas[0], [['k8s-privileged-container']]]);
  });

  test('a rendered target\'s relations count in every commit, as check judges the target', () => {
    const kustomization = (resources: string[]) => `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((r) => `  - ${r}\n`).join('')}`;
    const { dir, shas } = history([
      ['add notebook', { 'ml/notebook.yaml': NOTEBOOK, 'ml/basics.yaml': namespaceBasics('ml', 'notebook'), 'ml/kustomization.yaml': kustomization(['notebook.yaml', 'basics.yaml']) }],
      ['expose notebook', { 'ml/svc.yaml': EXPOSED, 'ml/kustomization.yaml': kustomization(['notebook.yaml', 'basics.yaml', 'svc.yaml']) }],
    ]);
    expect(json(runCli(['check', '-f', 'json', '--no-cache'], { cwd: dir }).stdout).findings.map((f) => f.ruleId)).toEqual(['rel-service-exposes-ai-workload']);
    const r = runCli(['rollback', '-f', 'json', '--no-cache'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = json(r.stdout);
    expect(report.findings.map((f) => f.ruleId)).toEqual(['rel-service-exposes-ai-workload']);
    expect(report.rollback!.lastGood?.sha).toBe(shas[0]);
  });
});

describe('rollback: a commit passes only if check of it would, so what check could not read fails it too', () => {
  const BASE = { 'base/kustomization.yaml': 'resources: [web.yaml, ns.yaml]\n', 'base/web.yaml': HARDENED_DEPLOYMENT, 'base/ns.yaml': WEB_NAMESPACE };
  const OVERLAY = 'resources: [../base]\n';
  // kubectl kustomize ov fails: the patch file does not exist.
  const MISSING_PATCH = 'resources: [../base]\npatches: [{path: missing-patch.yaml}]\n';
  const PRIVILEGED = 'resources: [../base]\npatches:\n  - target: {kind: Deployment, name: web}\n    patch: |-\n      - op: add\n        path: /spec/template/spec/containers/0/securityContext/privileged\n        value: true\n';
  const text = (dir: string, ...args: string[]) => runCli(['rollback', '--no-cache', ...args], { cwd: dir }).stdout.replace(/\(Test, \d{4}-\d{2}-\d{2}\)/g, '(Test, DATE)');

  test('a commit whose overlay does not render is not good: the last good commit is the one before it, or there is none', () => {
    const { dir, shas } = history([
      ['add web', { ...BASE, 'ov/kustomization.yaml': OVERLAY }],
      ['overlay references a missing patch', { 'ov/kustomization.yaml': MISSING_PATCH }],
      ['run web privileged', { 'ov/kustomization.yaml': PRIVILEGED }],
    ]);
    const [good, broken, head] = shas.map(short) as [string, string, string];
    expect(runCli(['check', '--ref', broken, '--no-cache'], { cwd: dir }).code).toBe(1);
    expect(text(dir)).toBe(
      [
        'ov/kustomization.yaml:7:16  critical Container "web" runs privileged  k8s-privileged-container  target ov',
        '    fix: Remove securityContext.privileged or set it to false; grant only the capabilities the workload needs.',
        '',
        `rollback: ${head} run web privileged (Test, DATE) fails the gate`,
        `  last good: ${good} add web (Test, DATE)`,
        '  introduced by:',
        `    ${head} run web privileged (Test, DATE)`,
        '      k8s-privileged-container in ov/(rendered)',
        '  revert only the commits to blame (newest first):',
        `    git revert --no-edit ${head}`,
        '  or roll everything back to the last good commit:',
        `    git revert --no-commit ${good}..${head} && git commit -m "Roll back to ${good}: k8s-privileged-container"`,
        '  or put back only the failing files:',
        `    git restore --source ${good} -- ov/kustomization.yaml`,
        '  (searched 3 commits of first-parent history)',
        '',
        '✖ 1 finding (1 critical) in 1 file, 3 documents, 168 rules · exit 1 (policy findings; fails at high and above)',
        '',
      ].join('\n'),
    );
    // The user's history: the overlay never rendered before the bad commit, so no commit passes.
    const user = history([
      ['overlay references a missing patch', { ...BASE, 'ov/kustomization.yaml': MISSING_PATCH }],
      ['run web privileged', { 'ov/kustomization.yaml': PRIVILEGED }],
    ]);
    const s = json(runCli(['rollback', '-f', 'json', '--no-cache'], { cwd: user.dir }).stdout).rollback!;
    expect([s.headPasses, s.lastGood, s.searched, s.stoppedAt]).toEqual([false, null, 2, 'root']);
    expect(s.commands).toEqual([`git revert --no-edit ${short(user.shas[1]!)}`]);
    // scan and check --blame walk the same history.
    expect(json(runCli(['scan', '-f', 'json', '--no-cache'], { cwd: user.dir }).stdout).rollback!.lastGood).toBeNull();
    expect(json(runCli(['scan', '-f', 'json', '--no-cache'], { cwd: dir }).stdout).rollback!.lastGood?.sha).toBe(shas[0]);
  });

  test('a start commit whose overlay does not render fails the gate, with the render error as the reason', () => {
    const { dir, shas } = history([
      ['add web', { ...BASE, 'ov/kustomization.yaml': OVERLAY }],
      ['overlay references a missing patch', { 'ov/kustomization.yaml': MISSING_PATCH }],
    ]);
    const [good, head] = shas.map(short) as [string, string];
    const r = runCli(['rollback', '--no-cache'], { cwd: dir });
    expect(r.stdout.replace(/\(Test, \d{4}-\d{2}-\d{2}\)/g, '(Test, DATE)')).toBe(
      [
        '',
        `rollback: ${head} overlay references a missing patch (Test, DATE) fails the gate`,
        `  last good: ${good} add web (Test, DATE)`,
        '  not checked, so failing as in check (listed below; no commit is blamed for it): not-rendered ov/kustomization.yaml:2',
        '  roll everything back to the last good commit:',
        `    git revert --no-commit ${good}..${head} && git commit -m "Roll back to ${good}: not-rendered"`,
        '  or put back only the failing files:',
        `    git restore --source ${good} -- ov/kustomization.yaml`,
        '  (searched 2 commits of first-parent history)',
        'skipped ov/kustomization.yaml:2  not rendered: ov/kustomization.yaml: patch file ov/missing-patch.yaml does not exist (target ov is not checked) (not-rendered)',
        '',
        '✖ no findings in 1 file, 0 documents, 168 rules · exit 1 (1 target not rendered (skipped above); fails at high and above)',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
    const report = json(runCli(['rollback', '-f', 'json', '--no-cache'], { cwd: dir }).stdout);
    expect(report.errors).toEqual(json(runCli(['check', '--ref', 'HEAD', '-f', 'json', '--no-cache'], { cwd: dir }).stdout).errors);
    expect(report.rollback!.notChecked).toEqual(['not-rendered ov/kustomization.yaml:2']);
  });

  test('a template outside a chart and symlinks fail a commit as they fail check; a Helm chart\'s template does not', () => {
    const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: web\ndata:\n  mode: fast\n';
    const { dir, shas } = history([
      ['add web', { 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/ns.yaml': WEB_NAMESPACE }],
      // Helm renders it: check lists it (helm-template) and passes. Read as a plain file, its action in a string would not make it a template, and it runs privileged.
      ['add chart', { 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n', 'charts/web/templates/web.yaml': PRIVILEGED_DEPLOYMENT.replace(/image: .*/, 'image: "{{ .Values.image }}"') }],
      ['add a template', { 'apps/settings.yaml': `{{- if .Values.fast }}\n${CONFIG_MAP}{{- end }}\n` }],
      ['run web privileged', { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }],
    ]);
    const passes = (sha: string) => runCli(['check', '--ref', sha, '--no-cache'], { cwd: dir }).code === 0;
    const rollback = (...args: string[]) => json(runCli(['rollback', '-f', 'json', '--no-cache', ...args], { cwd: dir }).stdout);
    expect(shas.map(passes)).toEqual([true, true, false, false]);
    expect(rollback().rollback!.lastGood?.sha).toBe(shas[1]);
    expect(rollback('--ref', shas[1]!).rollback!.headPasses).toBe(true);
    // A symlink is read as check --ref reads it: what it leads to inside the commit, under the link's path.
    const db = (deployment: string) => ({ 'store/db.txt': deployment.replace(/name: web/g, 'name: db') });
    mkdirSync(path.join(dir, 'apps'), { recursive: true });
    symlinkSync('../store/db.txt', path.join(dir, 'apps/db.yaml'));
    const good = commit(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/settings.yaml': CONFIG_MAP, ...db(HARDENED_DEPLOYMENT) }, 'render the template, run web unprivileged, link db');
    const bad = commit(dir, db(PRIVILEGED_DEPLOYMENT), 'run db privileged (through the link)');
    expect([passes(good), passes(bad)]).toEqual([true, false]);
    const s = rollback().rollback!;
    expect([s.lastGood?.sha, s.culprits.map((c) => [c.sha, c.ruleIds, c.files])]).toEqual([good, [[bad, ['k8s-privileged-container'], ['apps/db.yaml']]]]);
    // One out of the repository is not read: an error, in check and in history.
    symlinkSync('/etc/hostname', path.join(dir, 'apps/host.yaml'));
    const linked = commit(dir, db(HARDENED_DEPLOYMENT), 'run db unprivileged, link a host file');
    expect(passes(linked)).toBe(false);
    const report = rollback();
    expect([report.rollback!.lastGood?.sha, report.errors.map((e) => [e.code, e.file])]).toEqual([good, [['symlink-outside-repo', 'apps/host.yaml']]]);
  });
});

describe('rollback --live and scan', () => {
  async function demo(): Promise<string> {
    const dir = tempDir();
    await buildRepoFromSnapshots(path.join(PACKAGE_ROOT, 'fixtures', 'demo'), dir);
    return dir;
  }
  const LIVE = path.join(PACKAGE_ROOT, 'fixtures', 'live', 'demo.json');

  test('live matching an older commit (a lagging deploy, the natural target) and matching none (out of band)', async () => {
    const dir = await demo();
    const report = json(runCli(['rollback', '--live', LIVE, '-f', 'json'], { cwd: dir }).stdout);
    const commits = git(dir, 'log', '--format=%H').trim().split('\n');
    expect(report.rollback!.liveMatches).toEqual([
      { resource: { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'web' }, sha: null, behind: null, passesGate: null },
      { resource: { group: 'apps', kind: 'Deployment', namespace: 'ml-serving', name: 'vllm' }, sha: commits[1], behind: 1, passesGate: true },
    ]);
    expect(report.summary.exitCode).toBe(3);
  });

  test('scan is check + drift + rollback in one report and one exit code; clean repos get no rollback', async () => {
    const dir = await demo();
    const r = runCli(['scan', '--live', LIVE, '-f', 'json'], { cwd: dir });
    const report = json(r.stdout);
    expect(report.summary.drifted).toBe(5);
    // Privileged, the host root mount and the literal HF token; since the relation rules also the vLLM Ingress without authentication.
    expect(report.summary.findings.critical).toBe(4);
    expect(report.rollback?.culprits.map((c) => c.subject)).toEqual(['Debug GPU nodes: add nvidia-smi DaemonSet, hard-code HF token']);
    expect(r.code).toBe(3);
    const clean = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const ok = runCli(['scan', '-f', 'json'], { cwd: clean });
    expect(json(ok.stdout).rollback).toBeUndefined();
    expect(ok.code).toBe(0);
    const driftOnly = runCli(['scan', '--live', '-', '-f', 'json'], { cwd: clean, input: '{"items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other","namespace":"elsewhere"}}]}' });
    expect([driftOnly.code, json(driftOnly.stdout).drift!.map((d) => d.status)]).toEqual([2, ['missing']]);
    // The drift gate and strict mode work in scan as in drift.
    const snapshot = '{"items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other","namespace":"elsewhere"}}]}';
    expect(runCli(['scan', '--live', '-', '--fail-on-drift', 'never', '-f', 'json'], { cwd: clean, input: snapshot }).code).toBe(0);
    expect(runCli(['scan', '--live', '-', '--fail-on-drift', 'security', '--strict', '-f', 'json'], { cwd: clean, input: snapshot }).code).toBe(0);
  });

  test('scan honours the baseline in its rollback walk: accepted findings fail no commit and blame none', () => {
    const { dir, shas } = history([['add db', { 'apps/db.yaml': HOSTPATH_DB }]]);
    // The team adopts aiops-guard: the hostPath volume is accepted.
    expect(runCli(['baseline'], { cwd: dir }).code).toBe(0);
    const adopted = commit(dir, {}, 'adopt aiops-guard');
    const bad = commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'run web privileged');
    commit(dir, { 'README.md': '# ops\n' }, 'add docs');
    const report = json(runCli(['scan', '-f', 'json'], { cwd: dir }).stdout);
    expect(report.summary.exitCode).toBe(1);
    expect(report.rollback!.lastGood?.sha).toBe(adopted);
    expect(report.rollback!.culprits.map((c) => [c.sha, c.ruleIds])).toEqual([[bad, ['k8s-privileged-container']]]);
    // At the adopting commit scan passes, as check does: no rollback to suggest (it was "revert the first commit").
    const clean = runCli(['scan', '--ref', adopted], { cwd: dir });
    expect(clean.code).toBe(0);
    expect(clean.stdout).not.toContain('rollback:');
    // Without the baseline every finding counts again, and the first commit is to blame too.
    const all = json(runCli(['scan', '--no-baseline', '-f', 'json'], { cwd: dir }).stdout);
    expect(all.rollback!.lastGood).toBeNull();
    expect(all.rollback!.culprits.map((c) => c.sha)).toEqual([bad, shas[0]]);
  });
});

describe('history follows resources, not paths', () => {
  const SCALED_PRIVILEGED = PRIVILEGED_DEPLOYMENT.replace('spec:\n  template:', 'spec:\n  replicas: 3\n  template:');
  const run = (dir: string, ...args: string[]) => git(dir, ...args);

  test('a rename (git mv), a move into archive/ and a move with an unrelated edit are never culprits; the suggested commands work', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT }, 'add web');
    const good = short(run(dir, 'rev-parse', 'HEAD').trim());
    const bad = short(commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'run web privileged'));
    run(dir, 'mv', 'apps/web.yaml', 'apps/web-deployment.yaml');
    run(dir, 'commit', '-q', '-m', 'rename web');
    mkdirSync(path.join(dir, 'archive'));
    run(dir, 'mv', 'apps/web-deployment.yaml', 'archive/web.yaml');
    run(dir, 'commit', '-q', '-m', 'archive web');
    mkdirSync(path.join(dir, 'deploy'));
    run(dir, 'mv', 'archive/web.yaml', 'deploy/web.yaml');
    writeFileSync(path.join(dir, 'deploy/web.yaml'), SCALED_PRIVILEGED);
    run(dir, 'add', '-A');
    run(dir, 'commit', '-q', '-m', 'move web to deploy, 3 replicas');
    const head = short(run(dir, 'rev-parse', 'HEAD').trim());
    const r = runCli(['rollback'], { cwd: dir });
    expect(r.stdout.replace(/\(Test, \d{4}-\d{2}-\d{2}\)/g, '(Test, DATE)')).toBe(
      [
        'deploy/web.yaml:25:25  critical Container "web" runs privileged  k8s-privileged-container',
        '    fix: Remove securityContext.privileged or set it to false; grant only the capabilities the workload needs.',
        '',
        `rollback: ${head} move web to deploy, 3 replicas (Test, DATE) fails the gate`,
        `  last good: ${good} add web (Test, DATE)`,
        '  introduced by:',
        `    ${bad} run web privileged (Test, DATE)`,
        '      k8s-privileged-container in apps/web.yaml',
        '      later commits changed apps/web.yaml: reverting it alone may conflict',
        '  revert only the commits to blame (newest first):',
        `    git revert --no-edit ${bad}`,
        '  or roll everything back to the last good commit:',
        `    git revert --no-commit ${good}..${head} && git commit -m "Roll back to ${good}: k8s-privileged-container"`,
        '  or put back only the failing files:',
        `    git show ${good}:apps/web.yaml > deploy/web.yaml`,
        '  (searched 5 commits of first-parent history)',
        '',
        '✖ 1 finding (1 critical) in 1 file, 1 document, 168 rules · exit 1 (policy findings; fails at high and above)',
        '',
      ].join('\n'),
    );
    // git follows the rename when reverting: the culprit's revert applies to deploy/web.yaml and keeps the move and the edit.
    run(dir, 'revert', '--no-edit', bad);
    expect(readFileSync(path.join(dir, 'deploy/web.yaml'), 'utf8')).toBe(HARDENED_DEPLOYMENT.replace('spec:\n  template:', 'spec:\n  replicas: 3\n  template:'));
    expect(runCli(['check'], { cwd: dir }).code).toBe(0);
    run(dir, 'reset', '-q', '--hard', 'HEAD~1');
    execFileSync('sh', ['-c', `git show ${good}:apps/web.yaml > deploy/web.yaml`], { cwd: dir });
    expect(runCli(['check'], { cwd: dir }).code).toBe(0);
  });

  test('a resource moved into a kubectl List in another file (its pointer gains /items/N) is the same finding', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/svc.yaml': SERVICE }, 'add web and svc');
    const bad = commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'run web privileged');
    const indent = (doc: string) => doc.trimEnd().split('\n').map((l, i) => (i === 0 ? `  - ${l}` : `    ${l}`)).join('\n');
    run(dir, 'rm', '-q', 'apps/web.yaml', 'apps/svc.yaml');
    commit(dir, { 'apps/all.yaml': `apiVersion: v1\nkind: List\nitems:\n${indent(SERVICE)}\n${indent(PRIVILEGED_DEPLOYMENT)}\n` }, 'one List for web and svc');
    const report = json(runCli(['rollback', '-f', 'json'], { cwd: dir }).stdout);
    expect(report.findings.map((f) => [f.file, f.pointer])).toEqual([['apps/all.yaml', '/items/1/spec/template/spec/containers/0/securityContext/privileged']]);
    expect(report.rollback!.culprits.map((c) => [c.sha, c.subject, c.files])).toEqual([[bad, 'run web privileged', ['apps/web.yaml']]]);
    expect(report.rollback!.commands[0]).toBe(`git revert --no-edit ${short(bad)}`);
    // all.yaml holds svc too: putting apps/web.yaml's old content there would delete svc, so no one-file command is given.
    expect(report.rollback!.commands.slice(1)).toEqual([expect.stringMatching(/^git revert --no-commit /)]);
  });

  test('the commands to paste quote paths a shell would split or run: a file named $(touch PWNED).yaml is one argument', () => {
    const api = (doc: string) => doc.replace('metadata:\n  name: web\n', 'metadata:\n  name: api\n');
    const dir = makeRepo({ '$(touch PWNED).yaml': HARDENED_DEPLOYMENT, "my apps/it's.yaml": api(HARDENED_DEPLOYMENT) }, 'add web');
    const good = short(run(dir, 'rev-parse', 'HEAD').trim());
    commit(dir, { '$(touch PWNED).yaml': PRIVILEGED_DEPLOYMENT, "my apps/it's.yaml": api(PRIVILEGED_DEPLOYMENT) }, 'run web privileged');
    const restore = json(runCli(['rollback', '-f', 'json'], { cwd: dir }).stdout).rollback!.commands.at(-1)!;
    expect(restore).toBe(`git restore --source ${good} -- '$(touch PWNED).yaml' 'my apps/it'\\''s.yaml'`);
    execFileSync('sh', ['-c', restore], { cwd: dir });
    expect(existsSync(path.join(dir, 'PWNED'))).toBe(false);
    expect(readFileSync(path.join(dir, '$(touch PWNED).yaml'), 'utf8')).toBe(HARDENED_DEPLOYMENT);
    expect(readFileSync(path.join(dir, "my apps/it's.yaml"), 'utf8')).toBe(api(HARDENED_DEPLOYMENT));
  });

  test('a file without resource identity (compose) followed through a pure rename; a copy is not a rename', () => {
    const COMPOSE = 'services:\n  web:\n    image: nginx:1.27\n';
    const dir = makeRepo({ 'docker-compose.yml': COMPOSE }, 'add compose');
    const bad = commit(dir, { 'docker-compose.yml': COMPOSE + '    privileged: true\n' }, 'compose web privileged');
    mkdirSync(path.join(dir, 'deploy'));
    run(dir, 'mv', 'docker-compose.yml', 'deploy/docker-compose.yml');
    run(dir, 'commit', '-q', '-m', 'move compose to deploy');
    const rb = json(runCli(['rollback', '-f', 'json'], { cwd: dir }).stdout).rollback!;
    expect(rb.culprits.map((c) => [c.sha, c.ruleIds, c.files])).toEqual([[bad, ['compose-privileged'], ['docker-compose.yml']]]);
    // A copy next to the original is a new file: its finding is new in that commit.
    const copy = commit(dir, { 'staging/docker-compose.yml': COMPOSE + '    privileged: true\n' }, 'copy compose to staging');
    const rb2 = json(runCli(['rollback', '-f', 'json'], { cwd: dir }).stdout).rollback!;
    expect(rb2.culprits.map((c) => [c.sha, c.files])).toEqual([
      [copy, ['staging/docker-compose.yml']],
      [bad, ['docker-compose.yml']],
    ]);
  });

  test('live attribution finds the commit live runs although the resource lived in another file then', () => {
    const V1 = HARDENED_DEPLOYMENT.replace('spec:\n  template:', 'spec:\n  replicas: 2\n  template:');
    const dir = makeRepo({ 'apps/web.yaml': V1 }, 'add web');
    const deployed = run(dir, 'rev-parse', 'HEAD').trim();
    mkdirSync(path.join(dir, 'clusters/prod'), { recursive: true });
    run(dir, 'mv', 'apps/web.yaml', 'clusters/prod/web.yaml');
    commit(dir, { 'clusters/prod/web.yaml': V1.replace('replicas: 2', 'replicas: 4') }, 'move web under clusters/prod, scale to 4');
    commit(dir, { 'README.md': '# ops\n' }, 'docs');
    // As `kubectl get deploy -o json` prints it: server-set metadata and status, namespace filled.
    const desired = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'web',
        uid: '6f1c2b8e-3d4a-4b5c-9e8f-0a1b2c3d4e5f',
        resourceVersion: '48213',
        generation: 3,
        creationTimestamp: '2026-11-20T10:00:00Z',
        annotations: { 'deployment.kubernetes.io/revision': '3' },
        managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', time: '2026-11-20T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: {} }],
      },
      spec: {
        replicas: 2,
        template: {
          spec: {
            serviceAccountName: 'web',
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'web',
                image: `nginx:1.27@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`,
                resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
                livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
                readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                terminationMessagePath: '/dev/termination-log',
                imagePullPolicy: 'IfNotPresent',
              },
            ],
            restartPolicy: 'Always',
            dnsPolicy: 'ClusterFirst',
          },
        },
      },
      status: { replicas: 2, readyReplicas: 2, observedGeneration: 3 },
    };
    const live = path.join(tempDir(), 'live.json');
    writeFileSync(live, JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: [desired] }, null, 2));
    const report = json(runCli(['rollback', '--live', live, '-f', 'json'], { cwd: dir }).stdout);
    expect(report.drift!.map((d) => [d.status, d.file, d.changes.map((c) => c.pointer)])).toEqual([['modified', 'clusters/prod/web.yaml', ['/spec/replicas']]]);
    expect(report.rollback!.liveMatches).toEqual([{ resource: { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'web' }, sha: deployed, behind: 2, passesGate: true }]);
  });
});
