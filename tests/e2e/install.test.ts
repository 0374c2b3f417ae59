import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import { cleanup, makeRepo, tempDir, writeFiles } from '../helpers/repo.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, WEB_NAMESPACE } from '../helpers/manifests.js';

// Real npm: pack this package, install the tarball into fresh folders. Dependencies come from
// npm's cache when they are there (--prefer-offline), from the registry otherwise.
const INSTALL = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
const FINDING = 'apps/web.yaml:24:25  critical Container "web" runs privileged  k8s-privileged-container';

let tarball = '';

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const e: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', CI: 'true', ...env };
  delete e.FORCE_COLOR;
  // npm run from inside jest (npm test) passes its own settings down; a user's install has none of them.
  for (const k of Object.keys(e)) if (k.startsWith('npm_')) delete e[k];
  const r = spawnSync(cmd, args, { cwd, env: e, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const out = tempDir('aiops-guard-pack-');
  // --ignore-scripts: the tests run on the build `npm test` just made; prepare would rebuild dist/ under running tests.
  const r = run('npm', ['pack', '--ignore-scripts', '--pack-destination', out, '--loglevel=error'], PACKAGE_ROOT);
  expect(r.code).toBe(0);
  tarball = path.join(out, readdirSync(out).find((f) => f.endsWith('.tgz'))!);
}, 120_000);
afterAll(cleanup);

describe('install from the package', () => {
  test('the tarball ships the CLI, the precompiled rules, the schemas, the demo and the action, and no sources or tests', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const f of [
      'package/bin/aiops-guard.js',
      'package/dist/src/cli/main.js',
      'package/dist/generated/builtin-rules.js',
      'package/dist/generated/config-schema.js',
      'package/schemas/aiopsrc.schema.json',
      'package/rules/kubernetes/k8s-privileged-container.yaml',
      'package/fixtures/live/demo.json',
      'package/action.yml',
      'package/.pre-commit-hooks.yaml',
    ]) {
      expect([f, files.includes(f)]).toEqual([f, true]);
    }
    expect(files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/tests/') || f.startsWith('package/dist/tests/'))).toEqual([]);
  });

  test('npm i -D ./aiops-guard-*.tgz in a new project, then npx aiops-guard check / init / demo, with the precompiled rules', () => {
    const dir = makeRepo({ 'package.json': JSON.stringify({ name: 'gitops', version: '1.0.0', private: true }), 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    const installed = run('npm', ['i', '-D', tarball, ...INSTALL], dir);
    expect(installed.stderr.split('\n').filter((l) => /npm error/.test(l))).toEqual([]);
    expect(installed.code).toBe(0);
    const check = run('npx', ['aiops-guard', 'check'], dir);
    expect(check.stdout.split('\n')[0]).toBe(FINDING);
    expect(check.stdout.split('\n').at(-2)).toBe('✖ 1 finding (1 critical) in 3 files, 4 documents, 168 rules · exit 1 (policy findings; fails at high and above)');
    expect(check.code).toBe(1);
    expect(run('npx', ['aiops-guard', 'check', '--verbose'], dir).stderr).toContain('built-in rules precompiled (dist/generated/builtin-rules.js)');
    // Proof that the precompiled rules are the ones used: without the rule files, the same report.
    const pkg = path.join(dir, 'node_modules', 'aiops-guard');
    renameSync(path.join(pkg, 'rules'), path.join(pkg, 'rules-moved'));
    const precompiled = run('npx', ['aiops-guard', 'check'], dir);
    expect([precompiled.code, precompiled.stdout, precompiled.stderr]).toEqual([check.code, check.stdout, check.stderr]);
    renameSync(path.join(pkg, 'rules-moved'), path.join(pkg, 'rules'));
    // init's $schema resolves in the installed project.
    expect(run('npx', ['aiops-guard', 'init'], dir).code).toBe(0);
    const schema = (JSON.parse(readFileSync(path.join(dir, '.aiopsrc.json'), 'utf8')) as { $schema: string }).$schema;
    expect(existsSync(path.resolve(dir, schema))).toBe(true);
    // The demo ships with its live snapshot; it exits 3 (findings and drift) on purpose.
    const demo = run('npx', ['aiops-guard', 'demo'], dir);
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(3);
  }, 240_000);

  test('npm i -g from the tarball (under a prefix) runs in a repository without any package.json', () => {
    const prefix = tempDir('aiops-guard-global-');
    const installed = run('npm', ['i', '-g', '--prefix', prefix, tarball, ...INSTALL], prefix);
    expect(installed.code).toBe(0);
    const dir = makeRepo({ 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    const r = run(path.join(prefix, 'bin', 'aiops-guard'), ['check'], dir);
    expect(r.stdout.split('\n')[0]).toBe(FINDING);
    expect(r.code).toBe(1);
  }, 240_000);

  test('npx --package <tarball> aiops-guard: one-off, nothing installed in the repository', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    const r = run('npx', ['--yes', '--prefer-offline', '--package', tarball, 'aiops-guard', 'check'], dir);
    expect(r.stdout).toBe('✔ no findings in 2 files, 3 documents, 168 rules · exit 0 (clean; fails at high and above)\n');
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, 'node_modules'))).toBe(false);
  }, 240_000);
});

describe('the GitHub Action (action.yml)', () => {
  type Step = { id?: string; uses?: string; run?: string; shell?: string; if?: string; with?: Record<string, string>; env?: Record<string, string> };
  type Action = {
    name: string;
    description: string;
    inputs: Record<string, { description: string; required?: boolean; default?: string }>;
    outputs: Record<string, { description: string; value: string }>;
    runs: { using: string; steps: Step[] };
  };
  const action = parse(readFileSync(path.join(PACKAGE_ROOT, 'action.yml'), 'utf8')) as Action;

  test('is valid composite action metadata: name, description, inputs args and sarif-file, steps that set up Node, run, upload SARIF', () => {
    expect(typeof action.name).toBe('string');
    expect(action.description.length).toBeGreaterThan(0);
    expect(Object.keys(action.inputs).sort()).toEqual(['args', 'node-version', 'sarif-file']);
    for (const input of Object.values(action.inputs)) expect(typeof input.description).toBe('string');
    expect(action.outputs['exit-code']!.value).toBe('${{ steps.run.outputs.exit-code }}');
    expect(action.runs.using).toBe('composite');
    // Every step of a composite action either uses an action or runs a script with an explicit shell.
    for (const step of action.runs.steps) expect(Boolean(step.uses) !== Boolean(step.run && step.shell)).toBe(true);
    const uses = action.runs.steps.map((s) => s.uses?.replace(/@.*/, '')).filter(Boolean);
    expect(uses).toEqual(['actions/setup-node', 'github/codeql-action/upload-sarif']);
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'))!;
    expect(upload.with).toEqual({ sarif_file: '${{ inputs.sarif-file }}', category: 'aiops-guard' });
    // Inputs reach scripts through env, never pasted into the script (no script injection).
    for (const step of action.runs.steps) expect(step.run ?? '').not.toContain('${{');
  });

  /** Runs a step's script with bash, as the runner does, with the env GitHub would give it. */
  function runStep(step: Step, cwd: string, env: Record<string, string>) {
    const githubOutput = path.join(tempDir('aiops-guard-gh-'), 'output');
    const stepEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(step.env ?? {})) {
      stepEnv[k] = v.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => {
        if (!(expr in env)) throw new Error(`no value for ${expr} in the test`);
        return env[expr]!;
      });
    }
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', CI: 'true', GITHUB_OUTPUT: githubOutput, ...stepEnv },
      encoding: 'utf8',
    });
    const outputs = existsSync(githubOutput) ? Object.fromEntries(readFileSync(githubOutput, 'utf8').trim().split('\n').map((l) => l.split('=') as [string, string])) : {};
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, outputs };
  }

  test('its run step, executed in a temporary repository, checks it, writes SARIF, and reports the exit code; the last step fails the job with it', () => {
    const dir = makeRepo({ 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    const step = action.runs.steps.find((s) => s.id === 'run')!;
    const inputs = { 'inputs.args': 'check --fail-on critical', 'inputs.sarif-file': 'results/aiops-guard.sarif', 'github.action_path': PACKAGE_ROOT };
    writeFiles(dir, { 'results/.keep': '' });
    const r = runStep(step, dir, inputs);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(FINDING);
    expect(r.outputs).toEqual({ 'exit-code': '1', sarif: 'true' });
    const sarif = JSON.parse(readFileSync(path.join(dir, 'results', 'aiops-guard.sarif'), 'utf8')) as { version: string; runs: { results: { ruleId: string }[] }[] };
    expect([sarif.version, sarif.runs[0]!.results.map((x) => x.ruleId)]).toEqual(['2.1.0', ['k8s-privileged-container']]);
    const last = action.runs.steps.at(-1)!;
    expect(last.if).toBe("always() && steps.run.outputs.exit-code != '0'");
    const fail = runStep(last, dir, { 'steps.run.outputs.exit-code': r.outputs['exit-code']! });
    expect([fail.code, fail.stdout]).toEqual([1, 'aiops-guard exited 1 (README: Exit codes)\n']);

    // A clean repository, with no SARIF wanted: exit 0, no file, nothing to upload.
    const clean = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    const ok = runStep(step, clean, { ...inputs, 'inputs.args': 'scan', 'inputs.sarif-file': '' });
    expect(ok.outputs).toEqual({ 'exit-code': '0' });
    expect(ok.stdout.split('\n').at(-2)).toBe('✔ no findings in 2 files, 3 documents, 168 rules · exit 0 (clean; fails at high and above)');
  });
});
