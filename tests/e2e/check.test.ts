import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import type { Report } from '../../src/report/types.js';
import { cleanup, commit, fixtureRepo, git, makeRepo, runCli, tempDir, writeFiles } from '../helpers/repo.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, SERVICE, UNTAGGED_DEPLOYMENT, WEB_NAMESPACE } from '../helpers/manifests.js';

afterAll(cleanup);

const PRIVILEGED_FIX = 'Remove securityContext.privileged or set it to false; grant only the capabilities the workload needs.';
const json = (stdout: string) => JSON.parse(stdout) as Report;

describe('check on the working tree', () => {
  test('a clean repository exits 0 with a one-line summary', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/svc.yaml': SERVICE, 'apps/web-namespace.yaml': WEB_NAMESPACE, 'README.md': '# not a config\n' });
    const r = runCli(['check'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('✔ no findings in 3 files, 4 documents, 168 rules · exit 0 (clean; fails at high and above)\n');
    expect(r.code).toBe(0);
  });

  test('privileged: yes (YAML 1.1 true) is caught at file:line:col, exit 1', () => {
    const dir = makeRepo({ 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, 'apps/svc.yaml': SERVICE, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    const r = runCli(['check'], { cwd: path.join(dir, 'apps') });
    expect(r.stdout).toBe(
      'apps/web.yaml:24:25  critical Container "web" runs privileged  k8s-privileged-container\n' +
        `    fix: ${PRIVILEGED_FIX}\n` +
        '\n' +
        '✖ 1 finding (1 critical) in 3 files, 4 documents, 168 rules · exit 1 (policy findings; fails at high and above)\n',
    );
    expect(r.code).toBe(1);
  });

  test('-f json prints one versioned report', () => {
    const dir = makeRepo({ 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    const r = runCli(['check', '-f', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = json(r.stdout);
    expect(report.version).toBe(1);
    expect(report.tool).toEqual({ name: 'aiops-guard', version: '0.1.0' });
    expect(report.source).toEqual({ repo: dir, mode: 'worktree', ref: null, commit: null });
    expect(report.summary).toEqual({
      files: 2,
      documents: 3,
      rules: 168,
      findings: { critical: 1, high: 0, medium: 0, low: 0, info: 0 },
      suppressed: 0,
      drifted: 0,
      failOn: 'high',
      exitCode: 1,
    });
    expect(report.findings).toEqual([
      {
        ruleId: 'k8s-privileged-container',
        severity: 'critical',
        title: 'Containers must not run privileged',
        message: 'Container "web" runs privileged',
        file: 'apps/web.yaml',
        line: 24,
        column: 25,
        endLine: 24,
        endColumn: 28,
        pointer: '/spec/template/spec/containers/0/securityContext/privileged',
        documentIndex: 0,
        resource: { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'web' },
        remediation: PRIVILEGED_FIX,
        suppressed: null,
      },
    ]);
    expect(report.errors).toEqual([]);
  });

  test('.gitignore and exclude globs keep files out; include globs choose them', () => {
    const dir = makeRepo({
      '.gitignore': 'build/\n*.local.yaml\n',
      'build/web.yaml': PRIVILEGED_DEPLOYMENT,
      'apps/web.local.yaml': PRIVILEGED_DEPLOYMENT,
      'vendor/web.yaml': PRIVILEGED_DEPLOYMENT,
      'vendor/web-namespace.yaml': WEB_NAMESPACE,
      'apps/web.yaml': HARDENED_DEPLOYMENT,
      'apps/web-namespace.yaml': WEB_NAMESPACE,
      '.aiopsrc.json': JSON.stringify({ exclude: ['vendor/**'] }),
    });
    const r = runCli(['check', '-f', 'json'], { cwd: dir });
    expect(json(r.stdout).summary.files).toBe(2); // apps/web.yaml and apps/web-namespace.yaml (.aiopsrc.json is the tool's own file, not a manifest)
    expect(r.code).toBe(0);
    // Committed: an uncommitted change that narrows include is itself a policy-weakened finding.
    commit(dir, { '.aiopsrc.json': JSON.stringify({ include: ['vendor/**/*.yaml'] }) }, 'include vendor only');
    const only = runCli(['check', '-f', 'json'], { cwd: dir });
    expect(json(only.stdout).findings.map((f) => f.file)).toEqual(['vendor/web.yaml']);
  });

  test('path arguments limit the scan; a missing path exits 66', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE, 'debug/web.yaml': PRIVILEGED_DEPLOYMENT, 'x/svc.yaml': SERVICE });
    const apps = runCli(['check', 'apps', 'x/svc.yaml'], { cwd: dir });
    expect(apps.stdout).toBe(
      'skipped   5 relation rules that report a missing object (rel-binding-role-missing, rel-netpol-no-default-deny, rel-netpol-unselected-ai-workload, rel-netpol-unselected-workload, rel-service-account-missing) were not run: only part of the repository is checked (paths or --changed-since); run a full check for them (relations-partial)\n' +
        '\n' +
        '✔ no findings in 3 files, 4 documents, 168 rules · exit 0 (clean; fails at high and above)\n',
    );
    expect(apps.code).toBe(0);
    expect(runCli(['check', 'debug'], { cwd: dir }).code).toBe(1);
    const missing = runCli(['check', 'nope'], { cwd: dir });
    expect(missing.stderr).toBe('aiops-guard: path not found in the working tree: nope\n  hint: check the paths given on the command line\n');
    expect(missing.code).toBe(66);
  });

  test('a symlink out of the repository is not read, and is reported', () => {
    const outside = tempDir();
    writeFiles(outside, { 'secret.yaml': PRIVILEGED_DEPLOYMENT });
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(dir, 'apps', 'link.yaml'));
    const report = json(runCli(['check', '-f', 'json'], { cwd: dir }).stdout);
    expect(report.errors).toEqual([
      { code: 'symlink-outside-repo', file: 'apps/link.yaml', line: null, message: expect.stringContaining('symlink points outside the repository') },
    ]);
    expect(report.summary.files).toBe(1);
  });
});

describe('parse errors gate, never pass silently', () => {
  test('syntax errors, bad UTF-8 and alias bombs are critical parse-error findings; a duplicate key is a high finding on a document still read, last key wins', () => {
    // Billion laughs: each level references the previous one ten times.
    const levels = 'abcdefghij'.split('');
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...levels.slice(1).map((c, i) => `${c}: &${c} [${Array(10).fill(`*${levels[i]}`).join(', ')}]`)].join('\n');
    const dir = makeRepo({
      'a-syntax.yaml': 'apiVersion: v1\nkind: ConfigMap\ndata:\n  key: [unclosed\n',
      'b-dupe.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n',
      'c-latin1.yaml': 'a: 1\n',
      'd-bomb.yaml': bomb + '\n',
      'e-empty.yaml': '',
      'f-bad.json': '{"a": 1,\n "b": [2\n}\n',
    });
    // "café" in Latin-1 on line 2: not UTF-8.
    writeFileSync(path.join(dir, 'c-latin1.yaml'), Buffer.concat([Buffer.from('a: 1\nb: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const r = runCli(['check', '-f', 'json'], { cwd: dir });
    const report = json(r.stdout);
    expect(r.code).toBe(1);
    expect(report.findings.map((f) => [f.file, f.ruleId, f.severity, f.line])).toEqual([
      ['a-syntax.yaml', 'parse-error', 'critical', 4],
      ['b-dupe.yaml', 'duplicate-key', 'high', 5],
      ['c-latin1.yaml', 'parse-error', 'critical', 2],
      ['d-bomb.yaml', 'parse-error', 'critical', 1],
      ['f-bad.json', 'parse-error', 'critical', 3],
    ]);
    expect(report.findings[1]!.message).toBe('key "name" appears twice, at lines 4 and 5; Kubernetes reads the last one (line 5) and drops the other: remove one');
    expect(report.findings[1]!.resource).toEqual({ group: '', kind: 'ConfigMap', namespace: null, name: 'b' });
    expect(report.findings[2]!.message).toBe('file is not valid UTF-8; save it as UTF-8');
    // The fix says what to do about this failure, not to mend a syntax error.
    expect(report.findings[2]!.remediation).toMatch(/^Save the file as UTF-8/);
    expect(report.findings[0]!.remediation).toMatch(/^Fix the file so it parses/);
    expect(report.findings[3]!.message).toMatch(/^document 1 cannot be expanded: Excessive alias count/);
    expect(report.summary.files).toBe(6);
  });
});


describe('Helm chart templates', () => {
  test('are not configs until rendered: listed under errors, not a parse-error; a broken plain YAML still gates', () => {
    const template = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "app.fullname" . }}\nspec:\n  replicas: {{ .Values.replicas }}\n{{- with .Values.podSpec }}\n  {{- toYaml . | nindent 2 }}\n{{- end }}\n';
    const dir = makeRepo({ 'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.0.0\n', 'charts/app/templates/deployment.yaml': template, 'charts/app/values.yaml': 'replicas: 2\n' });
    const r = runCli(['check', '-f', 'json'], { cwd: dir });
    const report = json(r.stdout);
    expect(report.findings).toEqual([]);
    expect(report.errors).toEqual([
      { code: 'helm-template', file: 'charts/app/templates/deployment.yaml', line: null, message: 'a Helm chart template, not YAML until rendered: check the output of "helm template" instead' },
    ]);
    expect(r.code).toBe(0);
    writeFiles(dir, { 'charts/app/values.yaml': 'replicas: [2\n' });
    expect(json(runCli(['check', '-f', 'json'], { cwd: dir }).stdout).findings.map((f) => [f.file, f.ruleId])).toEqual([['charts/app/values.yaml', 'parse-error']]);
  });
});

describe('--staged checks exactly what is staged', () => {
  test('a bad staged version fails even when the working tree was fixed afterwards', () => {
    const dir = makeRepo({ 'apps/svc.yaml': SERVICE });
    writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    git(dir, 'add', 'apps/web.yaml');
    writeFiles(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const staged = runCli(['check', '--staged'], { cwd: dir });
    expect(staged.stdout).toContain('apps/web.yaml:24:25  critical Container "web" runs privileged');
    expect(staged.code).toBe(1);
    expect(runCli(['check'], { cwd: dir }).code).toBe(0);
  });

  test('a good staged version passes even when the working tree is bad', () => {
    const dir = makeRepo({ 'apps/svc.yaml': SERVICE, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    writeFiles(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT });
    git(dir, 'add', 'apps/web.yaml');
    writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, 'apps/untracked.yaml': PRIVILEGED_DEPLOYMENT });
    const staged = runCli(['check', '--staged', '-f', 'json'], { cwd: dir });
    const report = json(staged.stdout);
    expect(report.source.mode).toBe('index');
    expect(report.summary.files).toBe(3);
    expect(report.findings).toEqual([]);
    expect(staged.code).toBe(0);
    expect(runCli(['check'], { cwd: dir }).code).toBe(1);
  });

  test('--staged during a merge with a conflict: the unmerged file is not checked, never read from one side', () => {
    const dir = makeRepo({ 'web.yaml': HARDENED_DEPLOYMENT });
    git(dir, 'checkout', '-q', '-b', 'other');
    // Both sides change the image line: git cannot merge them.
    commit(dir, { 'web.yaml': PRIVILEGED_DEPLOYMENT.replace('image: nginx:1.27', 'image: nginx:1.28') }, 'privileged on a branch');
    git(dir, 'checkout', '-q', 'main');
    commit(dir, { 'web.yaml': HARDENED_DEPLOYMENT.replace('image: nginx:1.27', 'image: nginx:1.29') }, 'another image on main');
    try {
      git(dir, 'merge', '-q', 'other');
    } catch {
      // The conflict git leaves: stages 1, 2 and 3 for web.yaml, none 0.
    }
    expect(git(dir, 'ls-files', '-s', 'web.yaml').trim().split('\n').map((l) => l.split(/\s+/)[2])).toEqual(['1', '2', '3']);
    const r = runCli(['check', '--staged', '-f', 'json'], { cwd: dir });
    expect(json(r.stdout).errors).toEqual([{ code: 'unmerged', file: 'web.yaml', line: null, message: 'unmerged (a conflict of the merge in progress): not checked; resolve it and git add it, then check again' }]);
    expect(r.code).toBe(1);
  });

  test('--staged works before the first commit', () => {
    const dir = makeRepo({});
    writeFiles(dir, { 'web.yaml': PRIVILEGED_DEPLOYMENT });
    git(dir, 'add', 'web.yaml');
    expect(runCli(['check', '--staged'], { cwd: dir }).code).toBe(1);
  });
});

describe('--ref reads any commit from git objects', () => {
  test('branches, ~N, short shas and tags; the work tree is not touched', async () => {
    const { dir, commits } = await fixtureRepo('history');
    expect(commits.map((c) => c.subject)).toEqual(['Add the web Deployment', 'Debug: run web privileged', 'Drop privileged again']);
    git(dir, 'tag', '-a', 'v1', '-m', 'release', commits[1]!.sha);
    const head = runCli(['check', '--ref', 'main', '-f', 'json'], { cwd: dir });
    expect(json(head.stdout).source).toEqual({ repo: dir, mode: 'commit', ref: 'main', commit: commits[2]!.sha });
    expect(head.code).toBe(0);
    for (const ref of ['HEAD~1', 'main^', commits[1]!.sha.slice(0, 8), 'v1']) {
      const r = runCli(['check', '--ref', ref], { cwd: dir });
      expect({ ref, code: r.code, first: r.stdout.split('\n')[0] }).toEqual({
        ref,
        code: 1,
        first: 'apps/web.yaml:24:25  critical Container "web" runs privileged  k8s-privileged-container',
      });
    }
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  test('an unknown ref exits 66 with a hint', async () => {
    const { dir } = await fixtureRepo('history');
    const r = runCli(['check', '--ref', 'no-such-branch'], { cwd: dir });
    expect(r.stderr).toBe(`aiops-guard: unknown revision "no-such-branch" in ${dir}\n  hint: give a branch, tag or commit sha that exists (see git log)\n`);
    expect(r.code).toBe(66);
  });

  test('--ref HEAD before the first commit says there is no commit yet, and what to check instead', () => {
    const dir = tempDir();
    git(dir, 'init', '-q');
    writeFiles(dir, { 'svc.yaml': SERVICE });
    const r = runCli(['check', '--ref', 'HEAD'], { cwd: dir });
    expect(r.stderr).toBe(`aiops-guard: "HEAD" names no commit: ${dir} has no commits yet\n  hint: commit first, or check the working tree (without --ref) or the staged files (--staged)\n`);
    expect(r.code).toBe(66);
  });
});

describe('--changed-since checks only files that differ from the merge-base', () => {
  test('old findings on main are not reported on a feature branch that did not touch them', () => {
    const dir = makeRepo({ 'legacy/web.yaml': PRIVILEGED_DEPLOYMENT, 'apps/svc.yaml': SERVICE });
    git(dir, 'checkout', '-q', '-b', 'feature');
    commit(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT }, 'add web');
    git(dir, 'checkout', '-q', 'main');
    commit(dir, { 'apps/other.yaml': SERVICE }, 'unrelated work on main');
    git(dir, 'checkout', '-q', 'feature');
    const r = runCli(['check', '--changed-since', 'main', '-f', 'json'], { cwd: dir });
    const report = json(r.stdout);
    expect(report.summary.files).toBe(1);
    expect(report.source.changedSince?.rev).toBe('main');
    expect(r.code).toBe(0);
    writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    const dirty = runCli(['check', '--changed-since', 'main'], { cwd: dir });
    expect(dirty.stdout.split('\n')[0]).toBe('apps/web.yaml:24:25  critical Container "web" runs privileged  k8s-privileged-container');
    expect(dirty.code).toBe(1);
  });

  test('a shallow clone that does not reach the merge-base: 66, and the hint says to fetch more history', () => {
    const dir = makeRepo({ 'a.yaml': 'a: 0\n' });
    for (let i = 1; i < 5; i++) commit(dir, { 'a.yaml': `a: ${i}\n` }, `main ${i}`);
    git(dir, 'checkout', '-q', '-b', 'feature', 'HEAD~4');
    commit(dir, { 'b.yaml': 'b: 1\n' }, 'feature');
    const clone = path.join(tempDir(), 'clone');
    git(dir, 'clone', '-q', '--depth', '2', '--no-single-branch', `file://${dir}`, clone);
    for (const flag of ['--changed-since', '--new-since']) {
      const r = runCli(['check', flag, 'origin/main'], { cwd: clone });
      expect(r.code).toBe(66);
      expect(r.stderr).toBe(
        'aiops-guard: no common ancestor between origin/main and HEAD in this shallow clone\n' +
          '  hint: fetch more history (git fetch --deepen=<n>, or --unshallow; actions/checkout: fetch-depth: 0): the merge-base may be older than the clone\n',
      );
    }
  });
});

describe('gate and rule selection', () => {
  const MEDIUM_ONLY = UNTAGGED_DEPLOYMENT;

  test('--fail-on decides which severities fail; never reports without failing', () => {
    const dir = makeRepo({ 'web.yaml': MEDIUM_ONLY, 'web-namespace.yaml': WEB_NAMESPACE });
    expect(runCli(['check'], { cwd: dir }).code).toBe(0);
    expect(runCli(['check', '--fail-on', 'medium'], { cwd: dir }).code).toBe(1);
    const never = runCli(['check', '--fail-on', 'never'], { cwd: dir });
    expect(never.stdout.split('\n').at(-2)).toBe('⚠ 1 finding (1 medium) in 2 files, 3 documents, 168 rules · exit 0 (reported, not gated; never fails on findings)');
    expect(never.code).toBe(0);
    // A file that cannot be read is not clean, even where nothing gates: the verdict says it was not checked.
    writeFiles(dir, { 'broken.yaml': 'apiVersion: apps/v1\n    kind: Deployment\n' });
    const unread = runCli(['check', '--fail-on', 'never'], { cwd: dir });
    expect(unread.stdout.split('\n').at(-2)).toBe('⚠ 2 findings (1 critical, 1 medium) in 3 files, 3 documents, 168 rules · exit 0 (1 file not checked, not gated; never fails on findings)');
    expect(unread.code).toBe(0);
  });

  test('config failOn, severity overrides, only and skip', () => {
    const dir = makeRepo({ 'web.yaml': MEDIUM_ONLY, 'web-namespace.yaml': WEB_NAMESPACE, '.aiopsrc.yaml': 'failOn: medium\n' });
    expect(runCli(['check'], { cwd: dir }).code).toBe(1);
    expect(runCli(['check', '--skip', 'k8s-image-latest'], { cwd: dir }).code).toBe(0);
    expect(runCli(['check', '--only', 'k8s-privileged-container'], { cwd: dir }).code).toBe(0);
    // Committed: the gate goes back from medium to high, which uncommitted would be a policy-weakened finding.
    commit(dir, { '.aiopsrc.yaml': 'severity:\n  k8s-image-latest: critical\n' }, 'severity override');
    const r = runCli(['check', '-f', 'json'], { cwd: dir });
    expect(json(r.stdout).findings.map((f) => [f.ruleId, f.severity])).toEqual([['k8s-image-latest', 'critical']]);
    expect(r.code).toBe(1);
    const unknown = runCli(['check', '--only', 'k8s-nope'], { cwd: dir });
    expect(unknown.stderr).toBe('aiops-guard: unknown rule id "k8s-nope" in --only\n  hint: see the ids with: aiops-guard rules list\n');
    expect(unknown.code).toBe(64);
  });
});

describe('waivers', () => {
  const waived = (reason: string) =>
    PRIVILEGED_DEPLOYMENT.replace('  namespace: web\n', `  namespace: web\n  annotations:\n    aiops-guard.io/ignore.k8s-privileged-container: "${reason}"\n`);

  test('an annotation with a reason suppresses; the finding stays in JSON marked suppressed', () => {
    const dir = makeRepo({ 'web.yaml': waived('GPU driver installer needs it (SEC-7)'), 'web-namespace.yaml': WEB_NAMESPACE });
    const r = runCli(['check', '-f', 'json'], { cwd: dir });
    const report = json(r.stdout);
    expect(report.findings.map((f) => [f.ruleId, f.suppressed])).toEqual([
      ['k8s-privileged-container', { kind: 'annotation', reason: 'GPU driver installer needs it (SEC-7)' }],
    ]);
    expect(report.summary.suppressed).toBe(1);
    expect(report.summary.findings.critical).toBe(0);
    expect(r.code).toBe(0);
    const text = runCli(['check'], { cwd: dir });
    expect(text.stdout).toBe('✔ no findings in 2 files, 3 documents, 168 rules, 1 waived · exit 0 (clean; fails at high and above)\n');
    expect(runCli(['check', '--no-inline-waivers'], { cwd: dir }).code).toBe(1);
  });

  test('an annotation without a reason waives nothing and is reported', () => {
    const dir = makeRepo({ 'web.yaml': waived(' ') });
    const r = runCli(['check', '--show', 'all'], { cwd: dir });
    expect(r.stdout).toContain('web.yaml:7:53  medium   Annotation "aiops-guard.io/ignore.k8s-privileged-container" has no reason, so it waives nothing  waiver-invalid');
    expect(r.stdout).toContain('web.yaml:26:25  critical Container "web" runs privileged');
    expect(r.code).toBe(1);
  });

  test("an annotation on a pod template (a chart's podAnnotations) waives nothing and says where it belongs", () => {
    const onTemplate = PRIVILEGED_DEPLOYMENT.replace('  template:\n    spec:\n', '  template:\n    metadata:\n      annotations:\n        aiops-guard.io/ignore.k8s-privileged-container: "GPU driver installer"\n    spec:\n');
    expect(onTemplate).toContain('aiops-guard.io/ignore');
    const r = runCli(['check', '--show', 'all', '-f', 'json'], { cwd: makeRepo({ 'web.yaml': onTemplate }) });
    const report = json(r.stdout);
    expect(report.findings.filter((f) => f.ruleId === 'waiver-invalid').map((f) => f.message)).toEqual(['Annotation "aiops-guard.io/ignore.k8s-privileged-container" is on a pod template, where it waives nothing']);
    expect(report.findings.find((f) => f.ruleId === 'k8s-privileged-container')?.suppressed).toBeNull();
    expect(r.code).toBe(1);
  });

  test('config waivers: by rule and resource or file; expired or reasonless ones are reported at their line', () => {
    const config = {
      waivers: [
        { rule: 'k8s-privileged-container', resource: 'Deployment/web/*', reason: 'driver installer', expires: '2099-01-01' },
        { rule: 'k8s-privileged-container', file: 'old/*.yaml', reason: 'legacy', expires: '2020-01-01' },
        { rule: 'k8s-*', file: 'none/**' },
      ],
    };
    const dir = makeRepo({
      'web.yaml': PRIVILEGED_DEPLOYMENT,
      'web-namespace.yaml': WEB_NAMESPACE,
      'old/web.yaml': PRIVILEGED_DEPLOYMENT.replace('namespace: web', 'namespace: old'),
      'old/web-namespace.yaml': WEB_NAMESPACE.replaceAll('namespace: web', 'namespace: old'),
      '.aiopsrc.json': JSON.stringify(config, null, 2) });
    const r = runCli(['check', '-f', 'json'], { cwd: dir });
    const report = json(r.stdout);
    expect(report.findings.map((f) => [f.file, f.line, f.ruleId, f.suppressed?.reason ?? null, f.message])).toEqual([
      ['.aiopsrc.json', 9, 'waiver-invalid', null, 'Waiver for "k8s-privileged-container" expired on 2020-01-01, so it waives nothing'],
      ['.aiopsrc.json', 15, 'waiver-invalid', null, 'Waiver for "k8s-*" has no reason, so it waives nothing'],
      ['old/web.yaml', 24, 'k8s-privileged-container', null, 'Container "web" runs privileged'],
      ['web.yaml', 24, 'k8s-privileged-container', 'driver installer', 'Container "web" runs privileged'],
    ]);
    expect(r.code).toBe(1);
  });
});

describe('usage, input and configuration errors', () => {
  test('an unknown flag exits 64', () => {
    const dir = makeRepo({ 'svc.yaml': SERVICE });
    const r = runCli(['check', '--frobnicate'], { cwd: dir });
    expect(r.stderr).toBe("error: unknown option '--frobnicate'\n(run with --help for usage)\n");
    expect(r.code).toBe(64);
  });

  test('--staged with --ref, and an unknown format, exit 64', () => {
    const dir = makeRepo({ 'svc.yaml': SERVICE });
    const both = runCli(['check', '--staged', '--ref', 'HEAD'], { cwd: dir });
    expect(both.stderr).toBe('aiops-guard: --staged and --ref name two different sources; give one\n  hint: use --staged for the pre-commit hook, --ref <rev> for a commit\n');
    expect(both.code).toBe(64);
    const fmt = runCli(['check', '-f', 'xml'], { cwd: dir });
    expect(fmt.stderr).toBe('aiops-guard: unknown format "xml"\n  hint: use one of: text, json, sarif, junit, github, gitlab\n');
    expect(fmt.code).toBe(64);
    // A format's name in any case is that format.
    const upper = runCli(['check', '-f', 'JSON'], { cwd: dir });
    expect([upper.code, (JSON.parse(upper.stdout) as { version: number }).version]).toEqual([0, 1]);
  });

  test('outside a git repository exits 66', () => {
    const dir = tempDir();
    const r = runCli(['check'], { cwd: dir });
    expect(r.stderr).toBe(`aiops-guard: not a git repository: ${dir} (nor any parent folder)\n  hint: run aiops-guard inside a git checkout, or point to one with -C <dir>\n`);
    expect(r.code).toBe(66);
  });

  test('an invalid config exits 78 naming the file, line and key', () => {
    const dir = makeRepo({ 'svc.yaml': SERVICE, '.aiopsrc.json': '{\n  "failOn": "high",\n  "exlude": ["x"]\n}\n' });
    const r = runCli(['check'], { cwd: dir });
    expect(r.stderr).toBe(
      `aiops-guard: ${dir}/.aiopsrc.json:3:3: invalid config: (top level) has unknown key "exlude"\n  hint: did you mean "exclude"? (see schemas/aiopsrc.schema.json or .aiopsrc.example.json)\n`,
    );
    expect(r.code).toBe(78);
    // Nested, in YAML: the line of the key, not of the map that holds it; the closest key of that map.
    rmSync(path.join(dir, '.aiopsrc.json'));
    writeFiles(dir, { '.aiopsrc.yaml': 'failOn: high\ndrift:\n  strict: true\n  defaultNamespce: prod\n' });
    const nested = runCli(['check'], { cwd: dir });
    expect(nested.stderr).toBe(
      `aiops-guard: ${dir}/.aiopsrc.yaml:4:20: invalid config: /drift has unknown key "defaultNamespce"\n  hint: did you mean "defaultNamespace"? (see schemas/aiopsrc.schema.json or .aiopsrc.example.json)\n`,
    );
    writeFiles(dir, { '.aiopsrc.yaml': 'waivers:\n  - rule: k8s-run-as-root\n    reson: x\n' });
    expect(runCli(['check'], { cwd: dir }).stderr.split('\n')[0]).toBe(`aiops-guard: ${dir}/.aiopsrc.yaml:3:12: invalid config: /waivers/0 has unknown key "reson"`);
    writeFiles(dir, { '.aiopsrc.yaml': 'bogus: 1\n' });
    expect(runCli(['check'], { cwd: dir }).stderr).toBe(`aiops-guard: ${dir}/.aiopsrc.yaml:1:8: invalid config: (top level) has unknown key "bogus"\n  hint: see schemas/aiopsrc.schema.json or .aiopsrc.example.json\n`);
    rmSync(path.join(dir, '.aiopsrc.yaml'));
    writeFiles(dir, { '.aiopsrc.json': '{\n  "failOn": "severe"\n}\n' });
    const bad = runCli(['check'], { cwd: dir });
    expect(bad.stderr.split('\n')[0]).toBe(`aiops-guard: ${dir}/.aiopsrc.json:2:13: invalid config: /failOn must be one of "critical", "high", "medium", "low", "info", "never"`);
    expect(bad.code).toBe(78);
  });

  test('a JS config is refused without --allow-js-config (it would run code), exit 78', () => {
    const dir = makeRepo({ 'svc.yaml': SERVICE, '.aiopsrc.cjs': 'module.exports = { failOn: "low" };\n' });
    const r = runCli(['check'], { cwd: dir });
    expect(r.stderr).toBe(
      `aiops-guard: ${dir}/.aiopsrc.cjs: JS/TS configs are not loaded by default, since they run code from the repository under review\n  hint: convert it to .aiopsrc.json, or pass --allow-js-config if you trust this repository\n`,
    );
    expect(r.code).toBe(78);
    expect(runCli(['check', '--allow-js-config'], { cwd: dir }).code).toBe(0);
  });

  test('an invalid rule file exits 78 naming the file and the problem', () => {
    const dir = makeRepo({ 'svc.yaml': SERVICE });
    const rules = tempDir();
    writeFiles(rules, { 'team/no-such-thing.yaml': 'id: no-such-thing\ntitle: t\nseverity: severe\ncategory: c\ndescription: d\nremediation: r\nschema: {}\nmessage: m\n' });
    const r = runCli(['check', '--rules', rules], { cwd: dir });
    expect(r.stderr).toBe(`aiops-guard: ${rules}/team/no-such-thing.yaml: invalid rule: /severity must be equal to one of the allowed values\n  hint: see schemas/rule.schema.json for the rule format\n`);
    expect(r.code).toBe(78);
  });

  test('--version prints the version, exit 0', () => {
    const r = runCli(['--version'], { cwd: tempDir() });
    expect(r.stdout).toBe('0.1.0\n');
    expect(r.code).toBe(0);
  });
});

describe('output', () => {
  test('colour only when forced or on a terminal; NO_COLOR wins', () => {
    const dir = makeRepo({ 'web.yaml': PRIVILEGED_DEPLOYMENT });
    const forced = runCli(['check'], { cwd: dir, env: { FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(forced.stdout).toContain('\u001b[1mweb.yaml:24:25\u001b[22m');
    expect(runCli(['check'], { cwd: dir }).stdout).not.toContain('\u001b[');
    expect(runCli(['check', '--no-color'], { cwd: dir, env: { FORCE_COLOR: '1', NO_COLOR: '' } }).stdout).not.toContain('\u001b[');
  });

  test('-o writes the report to a file and prints a one-line summary; -q is silent when clean', () => {
    const dir = makeRepo({ 'web.yaml': PRIVILEGED_DEPLOYMENT, 'web-namespace.yaml': WEB_NAMESPACE, 'package.json': JSON.stringify({ name: 'x', aiops: { failOn: 'critical' } }) });
    const out = path.join(tempDir(), 'report.json');
    const r = runCli(['check', '-f', 'json', '-o', out], { cwd: dir });
    expect(r.stdout).toBe(`✖ 1 finding (1 critical) in 3 files, 4 documents, 168 rules · exit 1 (policy findings; fails at critical and above) · report: ${out}\n`);
    expect(json(readFileSync(out, 'utf8')).summary.failOn).toBe('critical');
    expect(r.code).toBe(1);
    // Without -f, each file is written in the format its name says: report.json is JSON, not the text report.
    const folder = tempDir();
    const named = ['r.json', 'r.sarif', 'r.xml', 'r.txt'].map((f) => path.join(folder, f));
    expect(runCli(['check', ...named.flatMap((f) => ['-o', f])], { cwd: dir }).code).toBe(1);
    expect(json(readFileSync(named[0]!, 'utf8')).summary.failOn).toBe('critical');
    expect(json(readFileSync(named[1]!, 'utf8')).version).toBe('2.1.0');
    expect(readFileSync(named[2]!, 'utf8')).toMatch(/^<\?xml[^]*<testsuites/);
    expect(readFileSync(named[3]!, 'utf8')).toContain('web.yaml:24:25  critical');
    const clean = makeRepo({ 'svc.yaml': SERVICE });
    const quiet = runCli(['check', '-q'], { cwd: clean });
    expect([quiet.stdout, quiet.code]).toEqual(['', 0]);
  });
});

describe('user rules', () => {
  test('--rules adds a pack; match by kinds, apiGroups and file globs; pointer-pattern targets', () => {
    const rules = tempDir();
    writeFiles(rules, {
      'team/team-owner-label.yaml': [
        'id: team-owner-label',
        'title: Workloads name an owner',
        'severity: high',
        'category: ownership',
        'description: Every Deployment under apps/ says which team owns it, so alerts reach someone.',
        'remediation: Add metadata.labels.owner.',
        'match: { kinds: [Deployment], apiGroups: [apps], files: ["apps/**"] }',
        'schema: { required: [metadata], properties: { metadata: { required: [labels], properties: { labels: { required: [owner] } } } } }',
        "message: '{{$resource}} has no owner label'",
      ].join('\n'),
      'team/service-port-names.yaml': [
        'id: service-port-names',
        'title: Service ports are named',
        'severity: low',
        'category: conventions',
        'description: Named ports let probes and NetworkPolicies refer to them by name.',
        'remediation: Give every port a name.',
        'match: { kinds: [Service] }',
        'target: /spec/ports/*',
        'schema: { required: [name] }',
        "message: 'Port {{port}} of {{$name}} has no name'",
      ].join('\n'),
    });
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'other/web.yaml': HARDENED_DEPLOYMENT, 'apps/svc.yaml': SERVICE, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    const r = runCli(['check', '--rules', rules, '-f', 'json', '--fail-on', 'low'], { cwd: dir });
    const report = json(r.stdout);
    expect(report.summary.rules).toBe(170);
    expect(report.findings.map((f) => [f.file, f.line, f.column, f.ruleId, f.message])).toEqual([
      ['apps/svc.yaml', 8, 7, 'service-port-names', 'Port 80 of web has no name'],
      ['apps/web.yaml', 3, 1, 'team-owner-label', 'apps/Deployment web/web has no owner label'],
    ]);
    expect(r.code).toBe(1);
  });

  test('-r takes one path and repeats: a path after it is what to check, not another rule file', () => {
    const rules = tempDir();
    writeFiles(rules, {
      'service-port-names.yaml': ['id: service-port-names', 'title: Service ports must be named', 'severity: low', 'category: naming', 'description: d', 'remediation: Name it.', 'match: { kinds: [Service] }', 'target: /spec/ports/*', 'schema: { required: [name] }', "message: 'Port {{port}} has no name'"].join('\n'),
    });
    const dir = makeRepo({ 'apps/svc.yaml': SERVICE, 'other/svc.yaml': SERVICE });
    const r = runCli(['check', '-r', rules, 'apps/svc.yaml', '-f', 'json', '--fail-on', 'low'], { cwd: dir });
    expect(r.stderr).toBe('');
    const report = json(r.stdout);
    expect(report.findings.filter((f) => f.ruleId === 'service-port-names').map((f) => f.file)).toEqual(['apps/svc.yaml']);
    const more = tempDir();
    writeFiles(more, { 'service-owner.yaml': ['id: service-owner', 'title: Services must name an owner', 'severity: low', 'category: naming', 'description: d', 'remediation: Label it.', 'match: { kinds: [Service] }', 'schema: { required: [metadata], properties: { metadata: { required: [labels], properties: { labels: { required: [owner] } } } } }', "message: '{{$name}} has no owner'"].join('\n') });
    const both = json(runCli(['check', '-r', rules, '-r', more, 'other/svc.yaml', '-f', 'json', '--fail-on', 'low'], { cwd: dir }).stdout);
    expect(both.findings.map((f) => [f.file, f.ruleId])).toEqual(expect.arrayContaining([['other/svc.yaml', 'service-port-names'], ['other/svc.yaml', 'service-owner']]));
    expect(both.findings.every((f) => f.file === 'other/svc.yaml')).toBe(true);
  });
});

describe('large repositories', () => {
  test('checking on every core gives exactly the report of one thread (work tree and --ref); --jobs 1 keeps one thread', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`apps/app-${i}.yaml`] = (i % 7 === 3 ? PRIVILEGED_DEPLOYMENT : HARDENED_DEPLOYMENT).replace(/name: web/g, `name: app-${i}`);
    files['apps/broken.yaml'] = 'kind: [\n';
    files['apps/web-namespace.yaml'] = WEB_NAMESPACE;
    const dir = makeRepo(files);
    for (const args of [['check', '-f', 'json'], ['check', '--ref', 'HEAD', '-f', 'json']]) {
      const one = runCli(args, { cwd: dir, env: { AIOPS_GUARD_PARALLEL_MIN_FILES: '100000' } });
      const two = runCli(args, { cwd: dir, env: { AIOPS_GUARD_PARALLEL_MIN_FILES: '2' } });
      expect(json(two.stdout).findings.length).toBe(4 + 1); // apps 3, 10, 17, 24 and the broken file
      expect(two.stdout).toBe(one.stdout);
      expect(two.code).toBe(1);
      const capped = runCli([...args, '--jobs', '1', '--no-cache'], { cwd: dir, env: { AIOPS_GUARD_PARALLEL_MIN_FILES: '2' } });
      expect(capped.stdout).toBe(one.stdout);
    }
  });
});
