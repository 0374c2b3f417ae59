import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { createRunContext } from '../../src/check/context.js';
import type { GuardConfig } from '../../src/config/types.js';
import { readPolicyFile } from '../../src/config/trust.js';
import { checkPolicyWeakening, comparePolicies, type PolicyState } from '../../src/policy/weakened.js';
import type { Report, Severity } from '../../src/report/types.js';
import { findRepo } from '../../src/source/find-repo.js';
import { cleanup, commit, git, makeRepo, writeFiles } from '../helpers/repo.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, WEB_NAMESPACE } from '../helpers/manifests.js';
import { runCliLimited } from './helpers.js';

afterAll(cleanup);

const BUILTIN = new Map<string, Severity>([
  ['k8s-privileged-container', 'critical'],
  ['k8s-image-latest', 'medium'],
  ['k8s-run-as-root', 'high'],
]);
const state = (config: GuardConfig, extra: Partial<PolicyState> = {}): PolicyState => ({
  config,
  file: '.aiopsrc.json',
  locate: () => ({ line: 1, column: 1 }),
  packRules: new Map(),
  baseline: null,
  ...extra,
});
const whats = (base: PolicyState, current: PolicyState) => comparePolicies(base, current, BUILTIN).map((w) => `${w.file}#${w.pointer}: ${w.what}`);

describe('comparePolicies: what got weaker', () => {
  test.each<[string, GuardConfig, GuardConfig, string[]]>([
    ['gate lowered', { failOn: 'high' }, { failOn: 'never' }, ['.aiopsrc.json#/failOn: the gate is lowered from "high" to "never"']],
    ['gate lowered from the default', {}, { failOn: 'critical' }, ['.aiopsrc.json#/failOn: the gate is lowered from "high" to "critical"']],
    ['a rule skipped', {}, { skip: ['k8s-run-as-root'] }, ['.aiopsrc.json#/skip/0: rule "k8s-run-as-root" is skipped']],
    ['only narrows the rules', {}, { only: ['k8s-image-latest'] }, ['.aiopsrc.json#/only: 2 rules "k8s-privileged-container", "k8s-run-as-root" no longer run ("only" leaves them out)']],
    ['a waiver for every rule', {}, { waivers: [{ rule: '*', reason: 'ship it' }] }, ['.aiopsrc.json#/waivers/0: a waiver is added for every rule ("*") everywhere']],
    [
      'a waiver extended',
      { waivers: [{ rule: 'k8s-run-as-root', file: 'apps/**', reason: 'r', expires: '2026-01-01' }] },
      { waivers: [{ rule: 'k8s-run-as-root', file: 'apps/**', reason: 'r', expires: '2027-01-01' }] },
      ['.aiopsrc.json#/waivers/0: the waiver for rule "k8s-run-as-root" in apps/** is extended from 2026-01-01 to 2027-01-01'],
    ],
    [
      'a waiver without reason given one (it now applies)',
      { waivers: [{ rule: 'k8s-run-as-root' }] },
      { waivers: [{ rule: 'k8s-run-as-root', reason: 'fine' }] },
      ['.aiopsrc.json#/waivers/0: the waiver for rule "k8s-run-as-root" everywhere is given a reason, so it now applies'],
    ],
    ['exclude widened', { exclude: ['tmp/**'] }, { exclude: ['tmp/**', '**'] }, ['.aiopsrc.json#/exclude/1: files matching "**" are excluded']],
    ['include narrowed', {}, { include: ['nothing/*.yaml'] }, ['.aiopsrc.json#/include: "include" no longer covers "**/*.yaml", "**/*.yml", "**/*.json"']],
    ['inline waivers turned on', { inlineWaivers: false }, {}, ['.aiopsrc.json#/inlineWaivers: inline waiver annotations are turned on']],
    ['a severity lowered', {}, { severity: { 'k8s-privileged-container': 'low' } }, ['.aiopsrc.json#/severity/k8s-privileged-container: the severity of "k8s-privileged-container" is lowered from critical to low']],
    ['a profile narrows the run to the PSS rules', {}, { profile: 'pss-restricted' }, ['.aiopsrc.json#/profile: the run is narrowed to the rules of the pss-restricted profile (was: every rule)']],
    ['restricted lowered to baseline', { profile: 'pss-restricted' }, { profile: 'pss-baseline' }, ['.aiopsrc.json#/profile: the run is narrowed to the rules of the pss-baseline profile (was: pss-restricted)']],
    ['a raised severity put back down', { severity: { 'k8s-image-latest': 'critical' } }, {}, ['.aiopsrc.json#/severity: the severity of "k8s-image-latest" is lowered from critical to medium']],
  ])('%s', (_name, base, current, expected) => {
    expect(whats(state(base), state(current))).toEqual(expected);
  });

  test.each<[string, GuardConfig, GuardConfig]>([
    ['gate raised', { failOn: 'high' }, { failOn: 'low' }],
    ['skip removed', { skip: ['k8s-run-as-root'] }, {}],
    ['waiver removed', { waivers: [{ rule: '*', reason: 'r' }] }, {}],
    ['waiver shortened', { waivers: [{ rule: 'x', reason: 'r', expires: '2027-01-01' }] }, { waivers: [{ rule: 'x', reason: 'r', expires: '2026-06-01' }] }],
    ['exclude narrowed', { exclude: ['**'] }, {}],
    ['include widened', { include: ['apps/*.yaml'] }, { include: ['apps/*.yaml', 'more/*.yaml'] }],
    ['inline waivers turned off', {}, { inlineWaivers: false }],
    ['baseline raised to restricted', { profile: 'pss-baseline' }, { profile: 'pss-restricted' }],
    ['profile removed (every rule runs again)', { profile: 'pss-restricted' }, {}],
    ['severity raised', {}, { severity: { 'k8s-image-latest': 'high' } }],
    ['nothing changed', { failOn: 'medium', waivers: [{ rule: 'k8s-run-as-root', reason: 'r' }] }, { failOn: 'medium', waivers: [{ rule: 'k8s-run-as-root', reason: 'r' }] }],
  ])('strengthening or no change is not a finding: %s', (_name, base, current) => {
    expect(whats(state(base), state(current))).toEqual([]);
  });

  test('user packs: a removed or changed rule is weaker, an added one is not', () => {
    const base = state({ rules: ['policy'] }, { packRules: new Map([['acme-a', 'policy/acme-a.yaml@1'], ['acme-b', 'policy/acme-b.yaml@2']]) });
    const current = state({ rules: ['policy'] }, { packRules: new Map([['acme-a', 'policy/acme-a.yaml@9'], ['acme-c', 'policy/acme-c.yaml@3']]) });
    expect(whats(base, current)).toEqual([
      '.aiopsrc.json#/rules: rule "acme-b" is removed from its pack',
      '.aiopsrc.json#/rules: rule "acme-a" is changed in its pack (policy/acme-a.yaml); a changed rule may check less',
    ]);
  });

  test('baseline: entries added are weaker, entries removed are not', () => {
    const entry = (fp: string) => ({ fingerprint: fp, ruleId: 'k8s-run-as-root' });
    const base = state({}, { baseline: JSON.stringify({ version: 1, findings: [entry('a'), entry('b')] }) });
    expect(whats(base, state({}, { baseline: JSON.stringify({ version: 1, findings: [entry('a'), entry('c'), entry('d')] }) }))).toEqual([
      '.aiops-guard-baseline.json#: 2 baseline entries are added (findings accepted without review)',
    ]);
    expect(whats(base, state({}, { baseline: JSON.stringify({ version: 1, findings: [entry('a')] }) }))).toEqual([]);
    expect(whats(state({}), state({}, { baseline: JSON.stringify([entry('x')]) }))).toEqual(['.aiops-guard-baseline.json#: 1 baseline entry is added (findings accepted without review)']);
  });
});

describe('checkPolicyWeakening on a repository', () => {
  test('a working tree that lowers the gate and waives "*": findings at the config lines; the base gate applies', async () => {
    const dir = makeRepo({ 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, '.aiopsrc.json': '{\n  "failOn": "high"\n}\n' });
    writeFiles(dir, { '.aiopsrc.json': '{\n  "failOn": "never",\n  "waivers": [\n    { "rule": "*", "reason": "trust me" }\n  ]\n}\n' });
    const ctx = await createRunContext({ cwd: dir });
    expect(ctx.failOn).toBe('never');
    const findings = await checkPolicyWeakening(ctx, {});
    expect(findings.map((f) => [f.ruleId, f.severity, f.file, f.line, f.column, f.message])).toEqual([
      ['policy-weakened', 'high', '.aiopsrc.json', 2, 13, 'The policy is weakened: the gate is lowered from "high" to "never"'],
      ['policy-weakened', 'high', '.aiopsrc.json', 4, 5, 'The policy is weakened: a waiver is added for every rule ("*") everywhere'],
    ]);
    expect(ctx.failOn).toBe('high');
  });

  test('compared with the --changed-since merge-base: a committed weakening on the branch is found', async () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    git(dir, 'checkout', '-q', '-b', 'feature');
    commit(dir, { '.aiopsrc.json': '{"exclude": ["apps/**"]}' }, 'exclude apps');
    const ctx = await createRunContext({ cwd: dir });
    expect(await checkPolicyWeakening(ctx, {})).toEqual([]);
    const findings = await checkPolicyWeakening(ctx, { changedSince: 'main' });
    expect(findings.map((f) => f.message)).toEqual(['The policy is weakened: files matching "apps/**" are excluded']);
  });

  test('--new-since compares the policy with its merge-base, and the merge-base run never accepts the weakening (the PR gate and the hook)', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    git(dir, 'checkout', '-q', '-b', 'feature');
    // A pull request that waives every rule and adds a privileged workload: the waiver hides the workload, not itself.
    commit(dir, { '.aiopsrc.json': '{ "waivers": [ { "rule": "*", "reason": "temporary" } ] }\n', 'apps/evil.yaml': PRIVILEGED_DEPLOYMENT.replace(/name: web\b/g, 'name: evil') }, 'waive everything');
    const pr = JSON.parse(runCliLimited(['check', '--new-since', 'main', '-f', 'json'], { cwd: dir }).stdout) as Report;
    const weakened = pr.findings.filter((f) => f.ruleId === 'policy-weakened') as (Report['findings'][number] & { baseline?: string })[];
    expect(weakened.map((f) => [f.file, f.line, f.message, f.suppressed, f.baseline])).toEqual([
      ['.aiopsrc.json', 1, 'The policy is weakened: a waiver is added for every rule ("*") everywhere', null, 'new'],
    ]);
    expect(pr.summary.exitCode).toBe(1);
    // The hook: the same waiver staged on main.
    git(dir, 'checkout', '-q', 'main');
    writeFiles(dir, { '.aiopsrc.json': '{ "waivers": [ { "rule": "*", "reason": "temporary" } ] }\n' });
    git(dir, 'add', '.aiopsrc.json');
    const hook = runCliLimited(['check', '--staged', '--new-since', 'HEAD'], { cwd: dir });
    expect(hook.stdout).toContain('high     The policy is weakened: a waiver is added for every rule ("*") everywhere  policy-weakened');
    expect(hook.stdout.trimEnd().split('\n').at(-1)).toMatch(/1 new, 0 already there · exit 1 /);
    expect(hook.code).toBe(1);
  });

  test('a --fail-on given on the command line is kept', async () => {
    const dir = makeRepo({ '.aiopsrc.json': '{"failOn": "high"}' });
    writeFiles(dir, { '.aiopsrc.json': '{"failOn": "never"}' });
    const ctx = await createRunContext({ cwd: dir, failOn: 'low' });
    expect((await checkPolicyWeakening(ctx, { failOn: 'low' })).length).toBe(1);
    expect(ctx.failOn).toBe('low');
  });

  test('with --trusted-config the policy is trusted: nothing to compare', async () => {
    const dir = makeRepo({ '.aiopsrc.json': '{"failOn": "high"}' });
    writeFiles(dir, { '.aiopsrc.json': '{"failOn": "never"}' });
    process.env.AIOPS_GUARD_TRUSTED_CONFIG = 'main';
    try {
      const ctx = await createRunContext({ cwd: dir });
      expect(ctx.failOn).toBe('high');
      expect(await checkPolicyWeakening(ctx, {})).toEqual([]);
    } finally {
      delete process.env.AIOPS_GUARD_TRUSTED_CONFIG;
    }
  });
});

describe('--trusted-config: the policy comes from a reviewed commit', () => {
  const PACK_RULE = (schema: string) =>
    `id: acme-no-privileged\ntitle: No privileged\nseverity: critical\ncategory: c\ndescription: d\nremediation: r\nmatch: { kinds: [Deployment] }\ntarget: container\nschema: ${schema}\nmessage: 'Container "{{name}}" is privileged (acme)'\n`;

  function pullRequest(): string {
    const dir = makeRepo({
      'apps/web.yaml': HARDENED_DEPLOYMENT,
      'apps/web-namespace.yaml': WEB_NAMESPACE,
      '.aiopsrc.json': '{"rules": ["policy/acme"]}',
      'policy/acme/acme-no-privileged.yaml': PACK_RULE('{ properties: { securityContext: { properties: { privileged: { not: { const: true } } } } } }'),
    });
    git(dir, 'checkout', '-q', '-b', 'pr');
    commit(
      dir,
      {
        'apps/web.yaml': PRIVILEGED_DEPLOYMENT,
        '.aiopsrc.json': '{"rules": ["policy/acme"], "failOn": "never", "waivers": [{"rule": "*", "reason": "x"}]}',
        'policy/acme/acme-no-privileged.yaml': PACK_RULE('true'),
      },
      'switch the gate off',
    );
    return dir;
  }

  for (const [how, args, env] of [
    ['--trusted-config main', ['--trusted-config', 'main'], {}],
    ['AIOPS_GUARD_TRUSTED_CONFIG=main', [], { AIOPS_GUARD_TRUSTED_CONFIG: 'main' }],
  ] as const) {
    test(`${how}: main's config, gate and rule pack apply to the pull request`, () => {
      const dir = pullRequest();
      const r = runCliLimited(['check', '-f', 'json', ...args], { cwd: dir, env: { ...env } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as Report;
      expect(report.summary.failOn).toBe('high');
      expect(report.findings.filter((f) => !f.suppressed).map((f) => f.ruleId)).toEqual(['acme-no-privileged', 'k8s-privileged-container']);
      expect(report.findings.find((f) => f.ruleId === 'acme-no-privileged')?.message).toBe('Container "web" is privileged (acme)');
    });
  }

  test('an unknown trusted revision is exit 66; with --config it is a usage error', () => {
    const dir = pullRequest();
    const r = runCliLimited(['check', '--trusted-config', 'nope'], { cwd: dir });
    expect(r.code).toBe(66);
    expect(r.stderr).toContain('unknown revision "nope"');
    expect(runCliLimited(['check', '--trusted-config', 'main', '--config', '.aiopsrc.json'], { cwd: dir }).code).toBe(64);
  });

  test('the baseline is read from the trusted revision', async () => {
    const dir = makeRepo({ '.aiops-guard-baseline.json': '{"findings": []}\n' });
    writeFiles(dir, { '.aiops-guard-baseline.json': '{"findings": [{"fingerprint": "x"}]}\n' });
    const repo = findRepo(dir);
    expect((await readPolicyFile(repo, '.aiops-guard-baseline.json', { trustedRev: 'main' }))?.text).toBe('{"findings": []}\n');
    expect((await readPolicyFile(repo, '.aiops-guard-baseline.json', { trustedRev: null }))?.origin).toBe(path.join(dir, '.aiops-guard-baseline.json'));
  });
});

test('a baseline symlinked out of the repository is refused', async () => {
  const { symlinkSync, writeFileSync } = await import('node:fs');
  const { tempDir } = await import('../helpers/repo.js');
  const outside = path.join(tempDir(), 'b.json');
  writeFileSync(outside, '[]');
  const dir = makeRepo({ 'README.md': 'x\n' });
  symlinkSync(outside, path.join(dir, '.aiops-guard-baseline.json'));
  await expect(readPolicyFile(findRepo(dir), '.aiops-guard-baseline.json', { trustedRev: null })).rejects.toThrow('leads outside the repository');
});

test('excluding what is excluded anyway is not a weakening', () => {
  expect(comparePolicies(state({}), state({ exclude: ['**/node_modules/**'] }), BUILTIN)).toEqual([]);
});
