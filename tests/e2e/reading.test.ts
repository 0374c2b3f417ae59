import { afterAll, describe, expect, test } from '@jest/globals';
import { runCheck } from '../../src/check/pipeline.js';
import { parseConfigText } from '../../src/parse/documents.js';
import type { Report } from '../../src/report/types.js';
import { namespaceBasics } from '../helpers/manifests.js';
import { cleanup, makeRepo, runCli } from '../helpers/repo.js';

afterAll(cleanup);

const check = async (files: Record<string, string>, extra: Partial<Parameters<typeof runCheck>[0]> = {}): Promise<Report> =>
  runCheck({ cwd: makeRepo(files), now: new Date('2026-01-01'), ...extra });
const rows = (r: Report) => r.findings.map((f) => `${f.line}:${f.column} ${f.ruleId}`);

/** A Deployment that passes every rule but the ones a test takes away. */
const deployment = (container: string, pod = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: ml
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      serviceAccountName: api
      automountServiceAccountToken: false
${pod}      containers:
        - name: api
          image: registry.example.com/api:1.0@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
          livenessProbe: { httpGet: { path: /healthz, port: 8080 } }
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
${container}`;

/** The ServiceAccount it names and a default-deny NetworkPolicy for namespace ml, so the relation rules pass too. */
const ML_NAMESPACE = namespaceBasics('ml', 'api');

describe('null is absent, as the API server reads it', () => {
  test('an empty securityContext: and resources: are unset, so every rule that needs them fails', async () => {
    const r = await check({ 'deploy.yaml': deployment('          securityContext:\n          resources:\n'), 'ml-namespace.yaml': ML_NAMESPACE });
    expect(new Set(r.findings.map((f) => f.ruleId))).toEqual(
      new Set([
        'k8s-privilege-escalation',
        'k8s-readonly-root-fs',
        'k8s-run-as-root',
        'k8s-capabilities-not-dropped',
        'k8s-seccomp-profile',
        'k8s-missing-cpu-limit',
        'k8s-missing-memory-limit',
        'k8s-missing-requests',
      ]),
    );
  });

  test('limits:, capabilities: and seccompProfile: written with no value are unset too', async () => {
    const container = '          resources:\n            limits:\n            requests: { cpu: 100m, memory: 64Mi }\n          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n            runAsNonRoot: true\n            capabilities:\n            seccompProfile:\n';
    const r = await check({ 'deploy.yaml': deployment(container), 'ml-namespace.yaml': ML_NAMESPACE });
    expect(new Set(r.findings.map((f) => f.ruleId))).toEqual(new Set(['k8s-capabilities-not-dropped', 'k8s-seccomp-profile', 'k8s-missing-cpu-limit', 'k8s-missing-memory-limit']));
  });
});

describe('a value of the wrong type is a finding, and the rules read it as absent', () => {
  test('a string where securityContext belongs', async () => {
    const r = await check({ 'deploy.yaml': deployment('          resources: { limits: { cpu: "1", memory: 1Gi }, requests: { cpu: "1", memory: 1Gi } }\n          securityContext: "runAsUser:1000"\n') });
    const invalid = r.findings.find((f) => f.ruleId === 'invalid-field-type')!;
    expect(invalid).toMatchObject({ severity: 'high', line: 19, column: 28, pointer: '/spec/template/spec/containers/0/securityContext' });
    expect(invalid.message).toBe(
      'spec.template.spec.containers.0.securityContext is a string where an object belongs: the API server rejects this; nothing below it was checked',
    );
    expect(rows(r)).toEqual(expect.arrayContaining(['14:11 k8s-run-as-root', '14:11 k8s-privilege-escalation']));
  });

  test('a list as spec, a number as containers, a string as privileged: never a pass', async () => {
    const r = await check({
      'a-list-spec.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: { name: a }\nspec:\n  - name: x\n',
      'b-number-containers.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: { name: b }\nspec:\n  containers: 5\n',
      'c-string-privileged.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: { name: c }\nspec:\n  containers:\n    - name: c\n      image: c:1\n      securityContext: { privileged: "true" }\n',
    });
    const invalid = r.findings.filter((f) => f.ruleId === 'invalid-field-type').map((f) => `${f.file}:${f.line}:${f.column} ${f.message}`);
    expect(invalid).toEqual([
      'a-list-spec.yaml:1:1 Pod has no spec.containers: the API server rejects a pod without containers; nothing in it was checked',
      'a-list-spec.yaml:4:1 spec is a list where an object belongs: the API server rejects this; nothing below it was checked',
      'b-number-containers.yaml:4:1 Pod has no spec.containers: the API server rejects a pod without containers; nothing in it was checked',
      'b-number-containers.yaml:5:15 spec.containers is a number where a list belongs: the API server rejects this; nothing below it was checked',
      'c-string-privileged.yaml:8:38 spec.containers.0.securityContext.privileged is a string where a boolean belongs: the API server rejects this; nothing below it was checked',
    ]);
    expect(r.summary.exitCode).toBe(1);
  });
});

describe('duplicate keys', () => {
  test('are reported naming both lines, and the document is still checked with the last value', async () => {
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: ml\ntype: Opaque\nstringData:\n  user: app\n  user: admin\n  password: hunter2-but-longer\n';
    const r = await check({ 'secret.yaml': secret });
    expect(rows(r)).toEqual(['7:1 secrets-k8s-secret-committed', '9:3 duplicate-key']);
    expect(r.findings[1]!.message).toBe('key "user" appears twice, at lines 8 and 9; Kubernetes reads the last one (line 9) and drops the other: remove one');
  });
});

describe('templates are skipped exactly', () => {
  test('a file with Go-template actions is listed as not rendered, whether or not it parses', async () => {
    const r = await check({
      'deploy/web.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: {{ .Values.image }}\n',
    });
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([
      {
        code: 'template',
        file: 'deploy/web.yaml',
        line: 10,
        message: 'a template, not a manifest until rendered (a Go-template action at line 10): nothing in it was checked; check the rendered output, or exclude the file if it is never deployed',
      },
    ]);
  });

  test('a `*-template.yaml` with {{name}} placeholders is a template; a Go action inside a string value is data, and the manifest is checked', async () => {
    const rule = `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: { name: gpu, namespace: ml }
spec:
  groups:
    - name: gpu
      rules:
        - alert: GpuDown
          annotations:
            summary: "{{ $labels.instance }} lost its GPU"
            description: |
              {{ .Labels.node }} has no GPU
`;
    const appset = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: { name: apps, namespace: argocd }\nspec:\n  template:\n    metadata: { name: '{{.path.basename}}' }\n";
    const r = await check({ 'job-template.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: "{{name}}"\n', 'rules.yaml': rule, 'appset.yaml': appset, 'pod.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n    - name: p\n      image: p:1\n      securityContext: { privileged: true }\n' });
    expect(r.errors.map((e) => [e.code, e.file, e.line])).toEqual([['template', 'job-template.yaml', 4]]);
    expect(r.summary.documents).toBe(3);
    expect(r.findings.map((f) => f.file)).not.toContain('rules.yaml');
    expect(r.findings.some((f) => f.file === 'pod.yaml' && f.ruleId === 'k8s-privileged-container')).toBe(true);
  });

  test('templates/ is a Helm chart only below a Chart.yaml; elsewhere a broken document does not hide the valid one beside it', async () => {
    const privileged = 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n    - name: p\n      image: p:1\n      securityContext: { privileged: true }\n';
    const r = await check({ 'templates/pod.yaml': `${privileged}---\nkey: [unclosed {{ x\n` });
    expect(r.errors).toEqual([]);
    expect(rows(r).filter((x) => /parse-error|privileged/.test(x))).toEqual(['8:38 k8s-privileged-container', '10:16 parse-error']);
  });

  test('the YAML library never writes warnings to stderr', () => {
    const dir = makeRepo({ 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata:\n  ? [a, b]\n  : c\n' });
    const res = runCli(['check'], { cwd: dir });
    expect(res.stderr).toBe('');
  });
});

describe('input that must not hang or crash the reader', () => {
  test('a self-referencing anchor is a parse error', () => {
    const parsed = parseConfigText('a.yaml', 'a: &a\n  b: *a\n');
    expect(parsed.failure).toMatchObject({ message: 'document 1 cannot be expanded: an anchor contains an alias of itself, so it never ends', line: 1 });
    expect(parseConfigText('b.yaml', 'a: &a {b: *a}\n').failure?.message).toMatch(/alias of itself/);
  });

  test('NUL characters and UTF-16 without a byte-order mark are parse errors', () => {
    const utf16 = Buffer.from('apiVersion: v1\nkind: Pod\n', 'utf16le').toString('latin1');
    expect(parseConfigText('u.yaml', utf16).failure).toMatchObject({ line: 1, column: 2 });
    expect(parseConfigText('n.yaml', 'a: 1\nb: "x\0y"\n').failure).toMatchObject({
      message: 'file contains a NUL character, which YAML does not allow (UTF-16 without a byte-order mark?); save it as UTF-8',
      line: 2,
      column: 6,
    });
  });

  test('a file whose lines end in CR only is read as go-yaml reads it, not as one comment line, and never crashes (found by the fuzz loop)', () => {
    const lf = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  restartPolicy: Never\n  containers:\n    - name: p\n      image: p:1\n';
    const parsed = parseConfigText('cr.yaml', `# pods that run to completion\n${lf}`.replace(/\n/g, '\r'));
    expect(parsed.failure).toBeNull();
    expect(parsed.documents.map((d) => d.data)).toEqual(parseConfigText('lf.yaml', lf).documents.map((d) => d.data));
    expect(parsed.documents[0]!.locate('/spec/containers/0/image')).toMatchObject({ line: 10, column: 14 });
  });

  test('a file with more documents than the limit is one parse error, found before parsing', () => {
    const parsed = parseConfigText('many.yaml', '---\na: 1\n'.repeat(10_001));
    expect(parsed.failure?.message).toBe('file has 10001 documents, over the limit of 10000; split it, or exclude it if it is not deployed');
    expect(parsed.documents).toEqual([]);
  });
});

describe('no rule passes vacuously on a value of the wrong type, in user packs too', () => {
  test('properties and required bind only objects; the engine makes the type they imply explicit', async () => {
    const rule = `id: my-notebook-auth
title: Notebooks require auth
severity: high
category: ai
description: A Kubeflow notebook must turn on its auth proxy; without it anyone on the network gets a shell.
remediation: Set spec.auth.enabled to true.
match: { kinds: [Notebook] }
schema:
  required: [spec]
  properties:
    spec:
      required: [auth]
      properties:
        auth:
          required: [enabled]
          properties: { enabled: { const: true } }
message: Notebook auth is off
`;
    const nb = (auth: string) => `apiVersion: kubeflow.org/v1\nkind: Notebook\nmetadata: { name: nb, namespace: ml }\nspec:\n  auth: ${auth}\n`;
    const r = await check({ 'rules/my-notebook-auth.yaml': rule, 'a.yaml': nb('"off"'), 'b.yaml': nb('[enabled]'), 'c.yaml': nb('{ enabled: true }') }, { rules: ['rules'] });
    expect(r.findings.filter((f) => f.ruleId === 'my-notebook-auth').map((f) => f.file)).toEqual(['a.yaml', 'b.yaml']);
  });
});
