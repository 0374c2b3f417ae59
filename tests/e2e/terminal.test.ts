import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import { cleanup, makeRepo, runCli, tempDir, writeFiles } from '../helpers/repo.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, WEB_NAMESPACE } from '../helpers/manifests.js';

afterAll(cleanup);

const BIN = path.join(PACKAGE_ROOT, 'bin', 'aiops-guard.js');
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs a shell command line as a user's terminal would: no CI variable, a real TERM. */
function shell(command: string, cwd: string, env: Record<string, string> = {}) {
  const e: Record<string, string | undefined> = { ...process.env, TERM: 'xterm-256color', ...env };
  delete e.CI;
  delete e.FORCE_COLOR;
  if (!('NO_COLOR' in env)) delete e.NO_COLOR;
  const r = spawnSync('bash', ['-c', command], { cwd, env: e, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A repository whose full report is far larger than a pipe's buffer. */
function bigRepo(): string {
  const files: Record<string, string> = {};
  for (let i = 0; i < 300; i++) files[`apps/web-${i}.yaml`] = PRIVILEGED_DEPLOYMENT.replace('name: web\n  namespace: web', `name: web-${i}\n  namespace: web`);
  files['apps/web-namespace.yaml'] = WEB_NAMESPACE;
  return makeRepo(files);
}

describe('the terminal never trips it', () => {
  test('check | head -2 ends quietly with the verdict as its exit code (no EPIPE stack trace)', () => {
    const dir = bigRepo();
    const r = shell(`node ${quote(BIN)} check --show all --no-color | head -2; echo "exit=\${PIPESTATUS[0]}"`, dir);
    expect(r.stdout.split('\n')).toEqual([
      'apps/web-0.yaml:24:25  critical Container "web" runs privileged  k8s-privileged-container',
      '    fix: Remove securityContext.privileged or set it to false; grant only the capabilities the workload needs.',
      'exit=1',
      '',
    ]);
    expect(r.stderr).toBe('');
  });

  test('a TTY with zero columns and rows (script without a size) gets no spinner and the run ends', () => {
    const dir = makeRepo({ 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    const r = shell(`timeout 30 script -qec ${quote(`node ${quote(BIN)} check`)} /dev/null; echo "exit=$?"`, dir);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('exit=1');
    expect(r.stdout).toContain('apps/web.yaml:24:25');
    expect(r.stdout).not.toContain('Reading configs');
    expect(r.stdout).not.toContain('\u001b[?25l');
    expect(r.stdout.length).toBeLessThan(2000);
  });

  test('on a sized terminal the spinner shows, in colour; NO_COLOR and --no-color uncolour it', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const run = (env: Record<string, string>, flags = '') => shell(`timeout 30 script -qec ${quote(`stty cols 100 rows 30; node ${quote(BIN)} check ${flags}`)} /dev/null`, dir, env).stdout;
    const coloured = run({});
    expect(coloured).toContain('Reading configs');
    expect(coloured).toContain('\u001b[36m');
    const noColor = run({ NO_COLOR: '1' });
    expect(noColor).toContain('Reading configs');
    expect(noColor).not.toMatch(/\u001b\[3\dm/);
    expect(run({}, '--no-color')).not.toMatch(/\u001b\[3\dm/);
  });
});

describe('unknown rule ids in config are config errors, with "did you mean"', () => {
  const cases: [string, object, string][] = [
    ['waivers[].rule', { waivers: [{ rule: 'k8s-privileged-containr', reason: 'x' }] }, 'unknown rule id "k8s-privileged-containr" in waivers[0].rule of CONFIG:1:21'],
    ['severity', { severity: { 'k8s-run-as-rot': 'low' } }, 'unknown rule id "k8s-run-as-rot" in "severity" of CONFIG'],
    ['only', { only: ['k8s-privileged'] }, 'unknown rule id "k8s-privileged" in "only" of CONFIG'],
    ['skip', { skip: ['k8s-image-lates'] }, 'unknown rule id "k8s-image-lates" in "skip" of CONFIG'],
  ];
  test.each(cases)('%s', (_name, config, message) => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.json': JSON.stringify(config) });
    const r = runCli(['check'], { cwd: dir });
    const file = path.join(dir, '.aiopsrc.json');
    const near = /"([^"]+)"/.exec(message)![1]!;
    const expected = { 'k8s-privileged-containr': 'k8s-privileged-container', 'k8s-run-as-rot': 'k8s-run-as-root', 'k8s-privileged': 'k8s-privileged-container', 'k8s-image-lates': 'k8s-image-latest' }[near];
    expect(r.stderr).toBe(`aiops-guard: ${message.replace('CONFIG', file)}\n  hint: did you mean "${expected}"? (see the ids with: aiops-guard rules list)\n`);
    expect(r.code).toBe(78);
  });

  test('--only/--skip accept the globs waivers accept; a glob that matches no rule is a usage error', () => {
    const dir = makeRepo({ 'apps/web-namespace.yaml': WEB_NAMESPACE, 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    const only = runCli(['check', '--only', 'k8s-priv*'], { cwd: dir });
    expect(only.stdout.split('\n').at(-2)).toBe('✖ 1 finding (1 critical) in 2 files, 3 documents, 2 rules · exit 1 (policy findings; fails at high and above)');
    expect(runCli(['check', '--skip', 'k8s-*'], { cwd: dir }).stdout).toBe('✔ no findings in 2 files, 3 documents, 106 rules · exit 0 (clean; fails at high and above)\n');
    const none = runCli(['check', '--only', 'k9s-*'], { cwd: dir });
    expect(none.stderr).toBe('aiops-guard: unknown rule id "k9s-*" in --only\n  hint: see the ids with: aiops-guard rules list\n');
    expect(none.code).toBe(64);
    const typo = runCli(['check', '--skip', 'k8s-image-lates'], { cwd: dir });
    expect(typo.stderr).toBe('aiops-guard: unknown rule id "k8s-image-lates" in --skip\n  hint: did you mean "k8s-image-latest"? (see the ids with: aiops-guard rules list)\n');
    expect(typo.code).toBe(64);
  });
});

describe('consistency', () => {
  test('init writes a $schema relative to the repository, where installing the package puts it', () => {
    const dir = makeRepo({});
    expect(runCli(['init'], { cwd: dir }).code).toBe(0);
    const config = JSON.parse(readFileSync(path.join(dir, '.aiopsrc.json'), 'utf8')) as { $schema: string };
    expect(config.$schema).toBe('./node_modules/aiops-guard/schemas/aiopsrc.schema.json');
    // The package ships that file at that place (the install test resolves it in a real install).
    expect(existsSync(path.join(PACKAGE_ROOT, config.$schema.replace('./node_modules/aiops-guard/', '')))).toBe(true);
    expect(runCli(['check'], { cwd: dir }).code).toBe(0);
  });

  test('rules show <unknown> exits 64, as the README says', () => {
    const r = runCli(['rules', 'show', 'k8s-nope'], { cwd: tempDir() });
    expect(r.code).toBe(64);
    expect(r.stderr).toBe('aiops-guard: no rule "k8s-nope"\n  hint: see the ids with: aiops-guard rules list\n');
    const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('`rules show` of an unknown id exits 64');
  });

  test('rollback --help lists only flags rollback accepts', () => {
    const help = runCli(['rollback', '--help'], { cwd: tempDir() }).stdout;
    for (const flag of ['--staged', '--changed-since', '--new-since', '--show']) expect(help).not.toContain(flag);
    // The baseline decides which findings fail a commit, as for check and scan.
    for (const flag of ['--ref', '--live', '--max-commits', '--fail-on', '--baseline', '--no-baseline']) expect(help).toContain(flag);
  });

  test('"1 rule", not "1 rules", in rules list and rules test', () => {
    const dir = tempDir();
    writeFiles(dir, {
      'pack/team-no-debug-label.yaml': [
        'id: team-no-debug-label',
        'title: No debug label',
        'severity: high',
        'category: workload-config',
        'description: Debug builds must not be deployed.',
        'remediation: Remove the debug label.',
        'message: Resource carries the debug label',
        'match: { kinds: [Deployment] }',
        'schema: { properties: { metadata: { properties: { labels: { not: { required: [debug] } } } } } }',
        '',
      ].join('\n'),
      'pack/cases/team-no-debug-label/pass.yaml': HARDENED_DEPLOYMENT,
    });
    const r = runCli(['rules', 'test', 'pack'], { cwd: dir });
    expect(r.stdout.split('\n').slice(-3)).toEqual(['1 rule, 1 case', '1 passed, 0 failed', '']);
  });
});

describe('README', () => {
  const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');

  test('explains that the demo exits 3 on purpose', () => {
    expect(readme).toMatch(/demo[^\n]*exits 3[^\n]*on purpose/i);
  });

  test('links nothing outside the repository, and every relative link resolves', () => {
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(links.filter((l) => /^[a-z]+:|^\/\/|^\.\.\//i.test(l))).toEqual([]);
    for (const l of links.filter((x) => !x.startsWith('#'))) expect([l, existsSync(path.join(PACKAGE_ROOT, l.split('#')[0]!))]).toEqual([l, true]);
  });
});
