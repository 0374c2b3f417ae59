import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { formatText } from '../../src/report/format-text.js';
import type { Report } from '../../src/report/types.js';
import { cleanup, git, makeRepo, runCli, tempDir, writeFiles } from '../helpers/repo.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, UNTAGGED_DEPLOYMENT, WEB_NAMESPACE } from '../helpers/manifests.js';

afterAll(cleanup);

const FIX = 'Remove securityContext.privileged or set it to false; grant only the capabilities the workload needs.';
const rename = (manifest: string, name: string) => manifest.replace('name: web\n  namespace: web', `name: ${name}\n  namespace: web`);
/** Two critical findings in two files, one medium below the gate in a third. */
const REPO = {
  'apps/web.yaml': PRIVILEGED_DEPLOYMENT,
  'apps/api.yaml': rename(PRIVILEGED_DEPLOYMENT, 'api').replace('- name: web', '- name: api'),
  'apps/img.yaml': rename(UNTAGGED_DEPLOYMENT, 'img'),
  'apps/web-namespace.yaml': WEB_NAMESPACE,
};

describe('the text report fits one screen', () => {
  test('findings at or above the gate in full, grouped by file; the rest as counts per rule; a rule table; the verdict last', () => {
    const r = runCli(['check'], { cwd: makeRepo(REPO) });
    expect(r.stdout).toBe(
      [
        'apps/api.yaml:24:25  critical Container "api" runs privileged  k8s-privileged-container',
        `    fix: ${FIX}`,
        '',
        'apps/web.yaml:24:25  critical Container "web" runs privileged  k8s-privileged-container',
        `    fix: ${FIX}`,
        '',
        '+ 1 below the gate: 1 k8s-image-latest (--show all to list)',
        '',
        'rule                      severity   count  waived',
        'k8s-privileged-container  critical       2       0',
        'k8s-image-latest          medium         1       0',
        '',
        '✖ 3 findings (2 critical, 1 medium) in 4 files, 5 documents, 168 rules · exit 1 (policy findings; fails at high and above)',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
  });

  test('the below-the-gate block counts per rule, most frequent first, with thousands separators', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1001; i++) files[`apps/img-${i}.yaml`] = rename(UNTAGGED_DEPLOYMENT, `img-${i}`);
    files['apps/web.yaml'] = PRIVILEGED_DEPLOYMENT;
    files['apps/web-namespace.yaml'] = WEB_NAMESPACE;
    const r = runCli(['check'], { cwd: makeRepo(files) });
    expect(r.stdout).toContain('\n+ 1,001 below the gate: 1,001 k8s-image-latest (--show all to list)\n');
    expect(r.stdout.split('\n').length).toBeLessThan(20);
  });

  test('--show lists from a lower severity, or every finding; --group-by rule gives the fix once per rule', () => {
    const dir = makeRepo(REPO);
    const medium = runCli(['check', '--show', 'medium'], { cwd: dir });
    expect(medium.stdout).toContain('apps/img.yaml:16:18  medium   Container "web" uses the mutable image nginx  k8s-image-latest\n');
    expect(medium.stdout).not.toContain('below');
    const byRule = runCli(['check', '--show', 'all', '--group-by', 'rule'], { cwd: dir });
    expect(byRule.stdout.split('\n').slice(0, 9)).toEqual([
      'k8s-privileged-container  critical  (2)',
      '  apps/api.yaml:24:25  Container "api" runs privileged',
      '  apps/web.yaml:24:25  Container "web" runs privileged',
      `    fix: ${FIX}`,
      '',
      'k8s-image-latest  medium  (1)',
      '  apps/img.yaml:16:18  Container "web" uses the mutable image nginx',
      '    fix: Pin the image to a version tag (app:1.4.2), or better a digest (app@sha256:...).',
      '',
    ]);
    const byResource = runCli(['check', '--group-by', 'resource'], { cwd: dir });
    expect(byResource.stdout.split('\n').slice(0, 4)).toEqual(['apps/Deployment web/api', '  apps/api.yaml:24:25  critical Container "api" runs privileged  k8s-privileged-container', `      fix: ${FIX}`, '']);
    const bad = runCli(['check', '--show', 'urgent'], { cwd: dir });
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain("error: option '--show <severity>' argument 'urgent' is invalid. Allowed choices are critical, high, medium, low, info, all.");
  });

  test('-q prints nothing on exit 0, and only the failing findings otherwise', () => {
    const clean = makeRepo({ 'apps/img.yaml': UNTAGGED_DEPLOYMENT });
    const quiet = runCli(['check', '-q'], { cwd: clean });
    expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, '', '']);
    const failing = runCli(['check', '-q'], { cwd: makeRepo(REPO) });
    expect(failing.stdout).toBe(
      `apps/api.yaml:24:25  critical Container "api" runs privileged  k8s-privileged-container\n    fix: ${FIX}\n\napps/web.yaml:24:25  critical Container "web" runs privileged  k8s-privileged-container\n    fix: ${FIX}\n`,
    );
    expect(failing.code).toBe(1);
  });

  test('one rule is "1 rule", and a table is printed only when more than one rule is involved', () => {
    const r = runCli(['check', '--only', 'k8s-privileged-container'], { cwd: makeRepo({ 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }) });
    expect(r.stdout).toBe(`apps/web.yaml:24:25  critical Container "web" runs privileged  k8s-privileged-container\n    fix: ${FIX}\n\n✖ 1 finding (1 critical) in 1 file, 1 document, 1 rule · exit 1 (policy findings; fails at high and above)\n`);
  });

  test('--verbose says which config file, which rule packs (precompiled) and which baseline, on stderr', () => {
    const dir = makeRepo({ 'apps/web-namespace.yaml': WEB_NAMESPACE, 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.json': JSON.stringify({ skip: ['compose-*'] }) });
    const none = runCli(['check', '--verbose'], { cwd: dir });
    expect(none.stderr).toBe(
      [
        `aiops-guard: repository: ${dir}`,
        `aiops-guard: config: ${path.join(dir, '.aiopsrc.json')}`,
        'aiops-guard: rules: 150 in ai-serving (37), gitops (15), kubernetes (62), relations (14), secrets (22); built-in rules precompiled (dist/generated/builtin-rules.js)',
        'aiops-guard: baseline: none',
        '',
      ].join('\n'),
    );
    expect(none.stdout).toBe('✔ no findings in 2 files, 3 documents, 150 rules · exit 0 (clean; fails at high and above)\n');
    runCli(['baseline'], { cwd: dir });
    expect(runCli(['check', '--verbose', '--new-since', 'HEAD'], { cwd: dir }).stderr).toContain(`aiops-guard: baseline: ${path.join(dir, '.aiops-guard-baseline.json')}; --new-since HEAD\n`);
    expect(runCli(['check', '--verbose', '--no-baseline'], { cwd: dir }).stderr).toContain('aiops-guard: baseline: off (--no-baseline)\n');
  });
});

describe('long values are shortened at the start, so their end stays visible', () => {
  test('a drifted image keeps its changed tag', () => {
    const base = 'registry.internal.example.com/platform/ml-serving/inference/vllm-openai';
    const report: Report = {
      version: 1,
      tool: { name: 'aiops-guard', version: '0.0.0' },
      source: { repo: '/r', mode: 'worktree', ref: null, commit: null, live: 'live.json' },
      summary: { files: 1, documents: 1, rules: 1, findings: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, suppressed: 0, drifted: 1, failOn: 'high', exitCode: 2 },
      findings: [],
      drift: [
        {
          status: 'modified',
          resource: { group: 'apps', kind: 'Deployment', namespace: 'ml', name: 'vllm' },
          file: 'apps/vllm.yaml',
          line: 1,
          changes: [{ pointer: '/spec/template/spec/containers/0/image', desired: `${base}:v0.6.3`, live: `${base}:v0.7.0` }],
          securityRelevant: false,
          liveFindings: [],
        },
      ],
      rules: [],
      errors: [],
    };
    const line = formatText(report).split('\n')[1]!;
    expect(line).toBe('    /spec/template/spec/containers/0/image  git …ample.com/platform/ml-serving/inference/vllm-openai:v0.6.3" → live …ample.com/platform/ml-serving/inference/vllm-openai:v0.7.0"');
  });
});

describe('what is not a manifest by default', () => {
  test("the tool's own config and baseline files, and the rule cases of a user pack, are not checked", () => {
    const dir = tempDir();
    writeFiles(dir, {
      'apps/web.yaml': HARDENED_DEPLOYMENT,
      'apps/web-namespace.yaml': WEB_NAMESPACE,
      '.aiopsrc.json': JSON.stringify({ rules: ['policies'] }),
      'policies/team/team-no-debug-label.yaml': [
        'id: team-no-debug-label',
        'title: No debug label',
        'severity: high',
        'category: workload-config',
        'description: Debug builds must not be deployed.',
        'remediation: Remove the debug label.',
        'message: Resource carries the debug label',
        'match: { kinds: [Deployment] }',
        'schema:',
        '  properties:',
        '    metadata:',
        '      properties:',
        '        labels:',
        '          not: { required: [debug] }',
        '',
      ].join('\n'),
      'policies/team/cases/team-no-debug-label/fail-debug.yaml': rename(HARDENED_DEPLOYMENT, 'dbg').replace('  namespace: web\n', '  namespace: web\n  labels: { debug: "1" }\n'),
      'policies/team/cases/team-no-debug-label/pass.yaml': HARDENED_DEPLOYMENT,
    });
    git(dir, 'init', '-q');
    runCli(['baseline'], { cwd: dir });
    const r = runCli(['check', '-f', 'json'], { cwd: dir });
    const report = JSON.parse(r.stdout) as { summary: { files: number; rules: number }; findings: unknown[] };
    // Read: apps/web.yaml, apps/web-namespace.yaml and the pack's rule file (YAML, but no Kubernetes object, so no rule applies).
    // Not read: .aiopsrc.json, the baseline, and the failing case that would give a high finding.
    expect([report.summary.files, report.summary.rules, report.findings]).toEqual([3, 169, []]);
    expect(r.code).toBe(0);
    // Named on the command line, a case is checked: the default is what is skipped, not the file.
    expect(runCli(['check', 'policies/team/cases/team-no-debug-label/fail-debug.yaml'], { cwd: dir }).code).toBe(1);
  });
});
