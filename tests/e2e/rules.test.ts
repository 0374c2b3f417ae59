import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import { cleanup, runCli, tempDir, writeFiles } from '../helpers/repo.js';

afterAll(cleanup);

const ruleFiles = () => readdirSync(path.join(PACKAGE_ROOT, 'rules'), { recursive: true }).filter((f) => String(f).endsWith('.yaml'));

describe('rules list and show', () => {
  test('list -f json has every rule with id, title, severity, category, pack; works outside a repository', () => {
    const r = runCli(['rules', 'list', '-f', 'json'], { cwd: tempDir() });
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { id: string; pack: string; severity: string }[];
    expect(rows.length).toBe(ruleFiles().length);
    expect(rows.length).toBeGreaterThanOrEqual(50);
    expect(rows.find((x) => x.id === 'ai-trust-remote-code')).toEqual({
      id: 'ai-trust-remote-code',
      title: 'Model servers must not trust remote code',
      severity: 'critical',
      category: 'model-provenance',
      pack: 'ai-serving',
    });
    expect(new Set(rows.map((x) => x.pack))).toEqual(new Set(['kubernetes', 'secrets', 'ai-serving', 'compose', 'gitops', 'relations']));
  });

  test('list as text is a table with a closing count', () => {
    const r = runCli(['rules', 'list'], { cwd: tempDir() });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+severity\s+pack\s+title$/);
    expect(lines.filter((l) => /^compose-privileged +critical  compose     Compose services must not run privileged$/.test(l))).toHaveLength(1);
    expect(lines.at(-1)).toBe(`${ruleFiles().length} rules in 6 packs; details: aiops-guard rules show <id>`);
  });

  test('show prints description, fix, references, match and schema; an unknown id exits 64 (usage, as the README says) with suggestions', () => {
    const r = runCli(['rules', 'show', 'k8s-ingress-no-tls'], { cwd: tempDir() });
    expect(r.code).toBe(0);
    // `rules explain` is the same command (the word other linters use).
    expect(runCli(['rules', 'explain', 'k8s-ingress-no-tls'], { cwd: tempDir() }).stdout).toBe(r.stdout);
    const out = r.stdout.split('\n');
    expect(out.slice(0, 2)).toEqual(['k8s-ingress-no-tls  medium · kubernetes · network-exposure', 'Ingresses must terminate TLS']);
    expect(out).toContain('Applies to: kinds Ingress; apiGroups networking.k8s.io, extensions');
    expect(out).toContain('Fix: Add spec.tls with the hosts and a secretName (cert-manager can issue the certificate).');
    expect(out).toContain('  https://kubernetes.io/docs/concepts/services-networking/ingress/#tls');
    expect(r.stdout).toContain('Schema:\nif:\n  required:\n    - metadata\n');
    expect(r.stdout).toContain('else:\n  required:\n    - spec\n');
    const missing = runCli(['rules', 'show', 'ingress-tls'], { cwd: tempDir() });
    expect(missing.stderr).toBe('aiops-guard: no rule "ingress-tls"\n  hint: did you mean: ai-inference-ingress-no-tls, k8s-ingress-no-tls?\n');
    expect(missing.code).toBe(64);
    // A typo names the id it is a typo of, as --only does.
    const typo = runCli(['rules', 'show', 'k8s-run-as-rot'], { cwd: tempDir() });
    expect(typo.stderr).toBe('aiops-guard: no rule "k8s-run-as-rot"\n  hint: did you mean: k8s-run-as-root?\n');
    expect(typo.code).toBe(64);
  });
});

describe('rules test', () => {
  test('the built-in rules pass all their cases', () => {
    const r = runCli(['rules', 'test'], { cwd: PACKAGE_ROOT });
    const tail = r.stdout.trimEnd().split('\n').slice(-2);
    expect(tail[0]).toMatch(new RegExp(`^${ruleFiles().length} rules, \\d+ cases$`));
    expect(tail[1]).toMatch(/^\d+ passed, 0 failed$/);
    expect(r.code).toBe(0);
  });

  test("a user's pack: passing, failing and missing cases, with exit 1", () => {
    const dir = tempDir();
    writeFiles(dir, {
      'policies/team/require-team-label.yaml': [
        'id: require-team-label',
        'title: Deployments name their team',
        'severity: medium',
        'category: ownership',
        'description: Every Deployment says which team owns it, so alerts reach someone.',
        'remediation: Add metadata.labels.team.',
        'match: { kinds: [Deployment] }',
        'schema: { required: [metadata], properties: { metadata: { required: [labels], properties: { labels: { required: [team] } } } } }',
        "message: '{{$resource}} has no team label'",
      ].join('\n'),
      'policies/team/no-debug-env.yaml': [
        'id: no-debug-env',
        'title: No DEBUG=true in production',
        'severity: low',
        'category: hygiene',
        'description: Debug mode leaks stack traces and internals to clients.',
        'remediation: Remove the DEBUG variable.',
        'target: container/env/*',
        "schema: { not: { properties: { name: { const: DEBUG }, value: { const: 'true' } }, required: [name, value] } }",
        "message: 'Container {{$container}} sets DEBUG=true'",
      ].join('\n'),
      'policies/cases/require-team-label/pass.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  labels: { team: ml }\n',
      'policies/cases/require-team-label/fail.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:  # expect: 3:1\n  name: a\n',
      'policies/cases/require-team-label/fail-wrong-position.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:  # expect: 4:1\n  name: a\n',
    });
    const r = runCli(['rules', 'test', 'policies'], { cwd: dir });
    expect(r.stdout).toBe(
      [
        '✖ require-team-label  cases/require-team-label/fail-wrong-position.yaml: expected findings at 4:1, got 3:1',
        '✔ require-team-label  cases/require-team-label/fail.yaml (3:1)',
        '✔ require-team-label  cases/require-team-label/pass.yaml',
        '⚠ no-debug-env  has no cases (add cases/no-debug-env/pass*.yaml and fail*.yaml)',
        '',
        '2 rules, 3 cases',
        '2 passed, 1 failed',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
  });

  /** A Service that selects a Deployment with the given metadata labels (a flow map), the Service first. */
  const SERVICE_AND_DEPLOYMENT = (labels: string) =>
    [
      'apiVersion: v1  # expect: 1:1',
      'kind: Service',
      'metadata: { name: web }',
      'spec: { selector: { app: a } }',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      `metadata: { name: a, labels: ${labels.startsWith('{') ? labels : `{ ${labels} }`} }`,
      'spec:',
      '  selector: { matchLabels: { app: a } }',
      '  template:',
      '    metadata: { labels: { app: a } }',
      '    spec: { containers: [{ name: a, image: a }] }',
      '',
    ].join('\n');

  test("a rule, and a relation's where, uses another rule's definitions by its id ('<rule-id>#/$defs/<name>'); a rule not loaded with it is a configuration error naming the file", () => {
    const dir = tempDir();
    writeFiles(dir, {
      'policies/team-label.yaml': [
        'id: team-label',
        'title: Workloads carry a team label',
        'severity: low',
        'category: hygiene',
        'description: A team label names who owns the workload and whom to call when it breaks.',
        'remediation: Add a team label.',
        'match: { kinds: [Deployment] }',
        'schema:',
        '  $defs: { labelled: { required: [labels], properties: { labels: { required: [team] } } } }',
        '  required: [metadata]',
        "  properties: { metadata: { $ref: '#/$defs/labelled' } }",
        "message: '{{$resource}} has no team label'",
      ].join('\n'),
      'policies/pod-team-label.yaml': [
        'id: pod-team-label',
        "title: Workloads' pods carry a team label",
        'severity: low',
        'category: hygiene',
        'description: The pods get the label too, so that cost reports and alerts can name the team.',
        'remediation: Add a team label to the pod template.',
        'match: { kinds: [Deployment] }',
        "schema: { properties: { spec: { properties: { template: { properties: { metadata: { $ref: 'team-label#/$defs/labelled' } } } } } } }",
        "message: 'The pods of {{$resource}} have no team label'",
      ].join('\n'),
      // Any kebab-case id is a rule's, even one like the loader's own keys.
      'policies/rule-meta.yaml': [
        'id: rule-meta',
        'title: Workloads carry metadata',
        'severity: low',
        'category: hygiene',
        'description: Named like the key a loader could give the rule meta-schema, which must not collide with it.',
        'remediation: Add metadata.',
        'schema: { required: [metadata] }',
        "message: '{{$resource}} has no metadata'",
      ].join('\n'),
      // A relation's `where` uses the definitions as a document schema does.
      'policies/service-unlabelled-workload.yaml': [
        'id: service-unlabelled-workload',
        'title: Services select only workloads with a team label',
        'severity: low',
        'category: hygiene',
        'description: Traffic reaches a workload no team owns.',
        'remediation: Add a team label to the workload.',
        'relation:',
        '  from: { kinds: [Service] }',
        '  join: selector',
        "  to: { kinds: [Deployment], where: { not: { required: [metadata], properties: { metadata: { $ref: 'team-label#/$defs/labelled' } } } } }",
        '  require: none',
        "message: '{{$resource}} selects {{$related}}, which has no team label'",
      ].join('\n'),
      'policies/cases/service-unlabelled-workload/fail.yaml': SERVICE_AND_DEPLOYMENT('app: a'),
      'policies/cases/service-unlabelled-workload/pass.yaml': SERVICE_AND_DEPLOYMENT('{ app: a, team: ml }'),
      'policies/cases/pod-team-label/pass.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  template:\n    metadata:\n      labels: { team: ml }\n',
      'policies/cases/pod-team-label/fail.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  template:\n    metadata:\n      labels: { app: a }  # expect: 8:7\n',
    });
    const r = runCli(['rules', 'test', 'policies'], { cwd: dir });
    expect(r.stdout).toContain('✔ pod-team-label  cases/pod-team-label/fail.yaml (8:7)');
    expect(r.stdout).toContain('✔ pod-team-label  cases/pod-team-label/pass.yaml');
    expect(r.stdout).toContain('✔ service-unlabelled-workload  cases/service-unlabelled-workload/fail.yaml (1:1)');
    expect(r.stdout).toContain('✔ service-unlabelled-workload  cases/service-unlabelled-workload/pass.yaml');
    expect(r.stdout).toContain('⚠ rule-meta  has no cases');
    expect(r.code).toBe(0);

    // Without the rule it names, the reference cannot be resolved: exit 78, the file, and what to do.
    const alone = tempDir();
    writeFiles(alone, { 'policies/pod-team-label.yaml': readFileSync(path.join(dir, 'policies/pod-team-label.yaml'), 'utf8') });
    const bad = runCli(['rules', 'test', 'policies'], { cwd: alone });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain(`policies${path.sep}pod-team-label.yaml: invalid schema in rule "pod-team-label": can't resolve reference team-label#/$defs/labelled`);
    expect(bad.stderr).toContain("a $ref to another rule's definitions ('<rule-id>#/$defs/<name>') needs that rule among the rules loaded with it");
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
