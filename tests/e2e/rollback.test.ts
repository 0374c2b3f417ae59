import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { buildRepoFromSnapshots } from '../../src/demo/build-repo.js';
import type { Report } from '../../src/report/types.js';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import { cleanup, commit, git, makeRepo, runCli, tempDir } from '../helpers/repo.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, SERVICE } from '../helpers/manifests.js';

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
        '✖ 1 finding (1 critical) in 2 files, 2 documents, 67 rules · exit 1 (policy findings; fails at high and above)',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  test('two culprits, newest first; works on packed objects after git gc and on a detached HEAD', () => {
    const { dir, shas } = history([
      ['add web and db', { 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/db.yaml': HARDENED_DEPLOYMENT.replace(/name: web/g, 'name: db') }],
      ['web privileged', { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }],
      ['add service', { 'apps/svc.yaml': SERVICE }],
      ['db on hostPath', { 'apps/db.yaml': HOSTPATH_DB }],
      ['add docs', { 'README.md': '# ops\n' }],
    ]);
    git(dir, 'gc', '-q', '--aggressive');
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
    expect(report.summary.findings.critical).toBe(3);
    expect(report.rollback?.culprits.map((c) => c.subject)).toEqual(['Debug GPU nodes: add nvidia-smi DaemonSet, hard-code HF token']);
    expect(r.code).toBe(3);
    const clean = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const ok = runCli(['scan', '-f', 'json'], { cwd: clean });
    expect(json(ok.stdout).rollback).toBeUndefined();
    expect(ok.code).toBe(0);
    const driftOnly = runCli(['scan', '--live', '-', '-f', 'json'], { cwd: clean, input: '{"items": []}' });
    expect([driftOnly.code, json(driftOnly.stdout).drift!.map((d) => d.status)]).toEqual([2, ['missing']]);
  });
});
