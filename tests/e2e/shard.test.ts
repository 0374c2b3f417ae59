import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { shardOf } from '../../src/check/shard.js';
import type { Report } from '../../src/report/types.js';
import { GITOPS_FILES } from '../helpers/gitops-layout.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, SERVICE, UNTAGGED_DEPLOYMENT } from '../helpers/manifests.js';
import { cleanup, commit, git, makeRepo, runCli, tempDir, writeFiles } from '../helpers/repo.js';

afterAll(cleanup);

const FORMATS = ['json', 'text', 'sarif', 'junit', 'github', 'gitlab'];

/** A repository with something of every kind: per-file findings, parse errors, templates, a symlink out, run-wide findings, a baseline. */
function mixedRepo(): string {
  const files: Record<string, string> = {
    '.aiopsrc.json': JSON.stringify({ failOn: 'high', waivers: [{ rule: 'k8s-image-latest', file: 'apps/b/untagged-1.yaml', reason: 'vendor image' }] }, null, 2) + '\n',
    'apps/broken.yaml': 'a: [unclosed\n',
    'apps/tpl.yaml': 'image: {{ .Values.image }}\n',
    'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.0.0\n',
    'charts/app/templates/deployment.yaml': 'metadata:\n  name: {{ .Release.Name }}\n',
    'charts/app/values.yaml': 'replicas: 2\n',
  };
  for (let i = 0; i < 24; i++) {
    const body = [HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, UNTAGGED_DEPLOYMENT][i % 3]!.replaceAll('name: web\n', `name: web-${i}\n`);
    files[`apps/${'ab'[i % 2]}/${['hardened', 'privileged', 'untagged'][i % 3]}-${i}.yaml`] = i % 4 === 0 ? `${body}---\n${SERVICE.replace('name: web', `name: svc-${i}`)}` : body;
  }
  const dir = makeRepo(files);
  // The baseline accepts today's findings of a few files, and one finding fixed since.
  const fixed = { fingerprint: 'f'.repeat(32), rule: 'k8s-run-as-root', resource: 'apps/Deployment web/gone', pointer: '/spec', file: 'apps/gone.yaml' };
  runCli(['baseline', '--no-progress'], { cwd: dir });
  const base = JSON.parse(readFileSync(path.join(dir, '.aiops-guard-baseline.json'), 'utf8')) as { version: 1; findings: { file: string }[] };
  base.findings = [...base.findings.filter((e) => e.file.startsWith('apps/a/')), fixed];
  writeFileSync(path.join(dir, '.aiops-guard-baseline.json'), JSON.stringify(base, null, 2) + '\n');
  expect(base.findings.length).toBeGreaterThan(5);
  commit(dir, {}, 'baseline');
  // Run-wide findings: a waiver without a reason, and (against HEAD) a gate the change lowers.
  writeFiles(dir, { '.aiopsrc.json': JSON.stringify({ failOn: 'critical', waivers: [{ rule: 'k8s-image-latest', file: 'apps/b/untagged-1.yaml', reason: 'vendor image' }, { rule: 'k8s-run-as-root', file: 'apps/b/**' }] }, null, 2) + '\n' });
  const outside = tempDir();
  writeFiles(outside, { 'x.yaml': PRIVILEGED_DEPLOYMENT });
  symlinkSync(path.join(outside, 'x.yaml'), path.join(dir, 'apps', 'link.yaml'));
  return dir;
}

describe('check --shard k/n and merge give the unsharded report', () => {
  const dir = mixedRepo();
  const out = tempDir();
  const shardReports = (n: number, extra: string[] = []) =>
    Array.from({ length: n }, (_, i) => {
      const file = path.join(out, `shard-${n}-${i + 1}${extra.join('')}.json`);
      const r = runCli(['check', '--shard', `${i + 1}/${n}`, '-f', 'json', '-o', file, '--no-cache', ...extra], { cwd: dir });
      expect(r.stderr).toBe('');
      return file;
    });

  test('every format, byte for byte, for 1, 3 and 5 shards; each file and each run-wide finding in exactly one shard', () => {
    const whole = runCli(['check', '-f', 'json', '--no-cache'], { cwd: dir });
    const report = JSON.parse(whole.stdout) as Report & { summary: { baseline?: { unchanged: number; new: number; absent: number } } };
    // The scenario has what it should: findings of the run itself, errors, baseline counts with a fixed entry.
    expect(report.findings.filter((f) => f.file === '.aiopsrc.json').map((f) => f.ruleId).sort()).toEqual(['policy-weakened', 'policy-weakened', 'waiver-invalid']);
    expect(report.errors.map((e) => e.code).sort()).toEqual(['helm-template', 'symlink-outside-repo', 'template']);
    expect(report.summary.baseline).toEqual({ unchanged: expect.any(Number), new: expect.any(Number), absent: 1 });
    expect(report.summary.baseline!.unchanged).toBeGreaterThan(0);
    for (const n of [1, 3, 5]) {
      const files = shardReports(n);
      const shards = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Report & { summary: { baseline?: { absent: number; unmatched?: { fingerprint: string }[] } } });
      expect(shards.map((s) => s.source.shard)).toEqual(Array.from({ length: n }, (_, i) => ({ index: i + 1, total: n })));
      expect(shards.reduce((sum, s) => sum + s.summary.files, 0)).toBe(report.summary.files);
      // The run's own findings come from shard 1 alone.
      expect(shards.map((s) => s.findings.filter((f) => f.file === '.aiopsrc.json').length)).toEqual([3, ...Array(n - 1).fill(0)]);
      // A shard cannot tell a fixed entry from another shard's: it lists what it did not find.
      for (const s of shards) expect(s.summary.baseline!.absent).toBe(0);
      if (n > 1) expect(shards.every((s) => s.summary.baseline!.unmatched!.some((e) => e.fingerprint === 'f'.repeat(32)))).toBe(true);
      for (const format of FORMATS) {
        const unsharded = runCli(['check', '-f', format, '--no-cache'], { cwd: dir });
        // Shards given in any order.
        const merged = runCli(['merge', ...[...files].reverse(), '-f', format], { cwd: out });
        expect({ n, format, stdout: merged.stdout, code: merged.code, stderr: merged.stderr }).toEqual({ n, format, stdout: unsharded.stdout, code: unsharded.code, stderr: '' });
      }
    }
  });

  test('the merged exit code is decided again: a clean shard does not hide a failing one; -o writes the file', () => {
    const files = shardReports(3, ['--fail-on', 'medium']);
    const codes = files.map((f) => (JSON.parse(readFileSync(f, 'utf8')) as Report).summary.exitCode);
    const merged = runCli(['merge', ...files, '-f', 'sarif', '-o', 'merged.sarif'], { cwd: out });
    const whole = runCli(['check', '-f', 'sarif', '--no-cache', '--fail-on', 'medium'], { cwd: dir });
    expect(merged.code).toBe(whole.code);
    expect(merged.code).toBe(Math.max(...codes));
    expect(merged.stdout).toMatch(/report: merged\.sarif\n$/);
    expect(readFileSync(path.join(out, 'merged.sarif'), 'utf8')).toBe(whole.stdout);
  });

  test('check --blame, sharded and merged, gives each finding the same introducing commit', () => {
    const repo = makeRepo({ 'a/web.yaml': HARDENED_DEPLOYMENT, 'b/svc.yaml': SERVICE });
    for (let i = 0; i < 6; i++) commit(repo, { [`m/${i}.yaml`]: PRIVILEGED_DEPLOYMENT.replace('name: web\n', `name: web-${i}\n`) }, `add ${i}`);
    // A resource moved to another file keeps its fingerprint: blame follows it across shards.
    // The same resource declared in two files of different shards (y/orig.yaml: 2, x/copy2.yaml: 1): its findings date from the first.
    const first = commit(repo, { 'y/orig.yaml': PRIVILEGED_DEPLOYMENT.replace('name: web\n', 'name: dup\n') }, 'orig');
    commit(repo, { 'x/copy2.yaml': PRIVILEGED_DEPLOYMENT.replace('name: web\n', 'name: dup\n') }, 'copy');
    mkdirSync(path.join(repo, 'z'));
    git(repo, 'mv', 'm/0.yaml', 'z/moved.yaml');
    git(repo, 'commit', '-q', '-m', 'move');
    const whole = runCli(['check', '--blame', '-f', 'json', '--no-cache'], { cwd: repo });
    const files = [1, 2].map((k) => {
      const file = path.join(out, `blame-${k}.json`);
      runCli(['check', '--blame', '--shard', `${k}/2`, '-f', 'json', '-o', file, '--no-cache'], { cwd: repo });
      return file;
    });
    const merged = runCli(['merge', ...files, '-f', 'json'], { cwd: out });
    expect(merged.stdout).toBe(whole.stdout);
    const findings = (JSON.parse(whole.stdout) as Report).findings;
    expect(findings.filter((f) => f.introduced?.sha).length).toBeGreaterThan(5);
    // A relation finding is not traced file by file: it says so, sharded or not.
    expect(findings.filter((f) => f.file === 'x/copy2.yaml' && !f.ruleId.startsWith('rel-')).map((f) => f.introduced?.sha)).toEqual([first]);
    expect(findings.filter((f) => f.ruleId.startsWith('rel-')).map((f) => f.introduced)).toEqual(findings.filter((f) => f.ruleId.startsWith('rel-')).map(() => ({ sha: null, reason: 'cross-document', atOrBefore: null })));
  });

  test('kustomize targets: each target in one shard, a base two overlays share counted once; merged equals unsharded in every format', () => {
    const repo = makeRepo({ ...GITOPS_FILES, 'plain/web.yaml': PRIVILEGED_DEPLOYMENT, 'plain/svc.yaml': SERVICE });
    const unsharded = JSON.parse(runCli(['check', '-f', 'json', '--no-cache'], { cwd: repo }).stdout) as Report;
    expect((unsharded.targets ?? []).length).toBeGreaterThan(1);
    for (const n of [2, 3]) {
      const files = Array.from({ length: n }, (_, i) => {
        const file = path.join(out, `kust-${n}-${i + 1}.json`);
        runCli(['check', '--shard', `${i + 1}/${n}`, '-f', 'json', '-o', file, '--no-cache'], { cwd: repo });
        return file;
      });
      const targets = files.map((f) => ((JSON.parse(readFileSync(f, 'utf8')) as Report).targets ?? []).map((t) => t.path));
      expect(targets.flat().sort()).toEqual((unsharded.targets ?? []).map((t) => t.path).sort());
      for (const format of FORMATS) {
        const whole = runCli(['check', '-f', format, '--no-cache'], { cwd: repo });
        const merged = runCli(['merge', ...files, '-f', format], { cwd: out });
        expect({ n, format, stdout: merged.stdout, code: merged.code }).toEqual({ n, format, stdout: whole.stdout, code: whole.code });
      }
    }
  });

  test('a path stays in its shard on every run and machine: the first 4 bytes of its SHA-256, modulo n', () => {
    expect(['apps/web.yaml', 'base/ns.yaml', 'charts/app/values.yaml', 'ü/日本.yaml'].map((p) => shardOf(p, 4))).toEqual([1, 4, 1, 3]);
    expect(shardOf('apps/web.yaml', 1)).toBe(1);
  });
});

describe('bad shards and bad merges are errors that say what to do', () => {
  const dir = makeRepo({ 'a.yaml': PRIVILEGED_DEPLOYMENT, 'b.yaml': UNTAGGED_DEPLOYMENT, 'c.yaml': SERVICE });
  const out = tempDir();
  const write = (name: string, args: string[]) => {
    const file = path.join(out, name);
    runCli([...args, '-f', 'json', '-o', file, '--no-cache'], { cwd: dir });
    return file;
  };

  test.each(['0/4', '5/4', '2', 'a/b', '1/0', '-1/2', ''])('--shard %p is a usage error (64)', (value) => {
    const r = runCli(['check', '--shard', value], { cwd: dir });
    expect(r.code).toBe(64);
    expect(r.stderr).toBe(
      `aiops-guard: --shard "${value}" is not a shard: give k/n with 1 ≤ k ≤ n (e.g. --shard 2/4)\n  hint: in a CI matrix: --shard \${{ matrix.shard }}/4 (GitHub) or --shard $CI_NODE_INDEX/$CI_NODE_TOTAL (GitLab parallel)\n`,
    );
  });

  test('missing, twice, not JSON, not a report, not a shard, another repository, another gate, another tool version, a drift report', () => {
    const s1 = write('s1.json', ['check', '--shard', '1/2']);
    const s2 = write('s2.json', ['check', '--shard', '2/2']);
    const s2of3 = write('s2of3.json', ['check', '--shard', '2/3']);
    const crit = write('crit.json', ['check', '--shard', '2/2', '--fail-on', 'critical']);
    const whole = write('whole.json', ['check']);
    const other = makeRepo({ 'a.yaml': PRIVILEGED_DEPLOYMENT });
    const foreign = path.join(out, 'foreign.json');
    runCli(['check', '--shard', '2/2', '-f', 'json', '-o', foreign, '--no-cache'], { cwd: other });
    writeFileSync(path.join(out, 'broken.json'), '{"version": 1,');
    writeFileSync(path.join(out, 'other.json'), '{"version": 1, "findings": []}\n');
    const old = JSON.parse(readFileSync(s2, 'utf8')) as Report;
    writeFileSync(path.join(out, 'old.json'), JSON.stringify({ ...old, tool: { name: 'aiops-guard', version: '0.0.1' } }));
    writeFileSync(path.join(out, 'drift.json'), JSON.stringify({ ...old, drift: [] }));
    mkdirSync(path.join(out, 'folder.json'));
    const cases: [string[], number, string][] = [
      [[s1], 65, 'aiops-guard: missing shard 2/2: the merged report would leave its files out\n  hint: give the report of every shard (did a matrix job fail before writing it?)\n'],
      [[s1, s1, s2], 65, `aiops-guard: shard 1/2 given twice: ${s1} and ${s1}\n  hint: give each shard report once\n`],
      [[s1, 'nope.json'], 66, 'aiops-guard: report not found: nope.json\n  hint: give the JSON reports the shards wrote (check --shard k/n -f json -o shard-k.json)\n'],
      [[s1, 'broken.json'], 65, expect.stringMatching(/^aiops-guard: broken\.json:1:15: not JSON \(unexpected end of input: a property name is missing\)\n  hint: give the JSON reports/) as unknown as string],
      [[s1, 'other.json'], 65, 'aiops-guard: other.json: not an aiops-guard JSON report (version 1)\n  hint: give the JSON reports the shards wrote (check --shard k/n -f json -o shard-k.json)\n'],
      [[s1, 'folder.json'], 65, 'aiops-guard: folder.json: cannot be read (a folder)\n  hint: give the JSON reports the shards wrote (check --shard k/n -f json -o shard-k.json)\n'],
      [[whole, s1], 65, `aiops-guard: ${whole}: not a shard report (it has no source.shard)\n  hint: run check with --shard k/n for each part; a report of the whole repository needs no merge\n`],
      [[s1, s2of3], 65, `aiops-guard: ${s2of3} and ${s1} are not shards of one check: shard counts (2/3, 1/2) differ\n  hint: merge the reports of one run of the CI matrix (the same commit, config and flags on every shard)\n`],
      [[s1, foreign], 65, expect.stringContaining(`are not shards of one check: repositories (`) as unknown as string],
      [[s1, crit], 64, `aiops-guard: ${crit} gates at critical and ${s1} at high\n  hint: give every shard the same --fail-on (or config failOn)\n`],
      [[s1, 'old.json'], 65, expect.stringContaining('aiops-guard: old.json: written by aiops-guard 0.0.1; this is ') as unknown as string],
      [[s1, 'drift.json'], 65, 'aiops-guard: drift.json: a drift report; merge joins check reports\n  hint: drift, rollback and scan look at the whole repository at once and are not sharded: run them unsharded\n'],
    ];
    for (const [files, code, stderr] of cases) {
      const r = runCli(['merge', ...files], { cwd: out });
      expect({ files, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ files, code, stderr, stdout: '' });
    }
    expect(runCli(['merge', s1, s2, '-f', 'json'], { cwd: out }).stdout).toBe(runCli(['check', '-f', 'json', '--no-cache'], { cwd: dir }).stdout);
  });
});
