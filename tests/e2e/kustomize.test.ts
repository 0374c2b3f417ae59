import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { findingFingerprint } from '../../src/report/fingerprint.js';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import type { Finding, Report } from '../../src/report/types.js';
import { GITOPS_FILES, PRIVILEGED_PATCH } from '../helpers/gitops-layout.js';
import { DIGEST } from '../helpers/manifests.js';
import { cleanup, commit, git, makeRepo, runCli, tempDir, writeFiles } from '../helpers/repo.js';

afterAll(cleanup);

const json = (stdout: string) => JSON.parse(stdout) as Report;
const brief = (f: Finding) => `${f.ruleId} ${f.file}:${f.line}:${f.column} ${f.target ?? '-'}`;
/** Without the result cache, so each test sees a fresh evaluation (one test checks the cache itself). */
const check = (dir: string, ...args: string[]) => runCli(['check', '--no-cache', '-f', 'json', ...args], { cwd: dir });

const PRIVILEGED_IN_PROD = 'k8s-privileged-container apps/overlays/prod/privileged.yaml:11:25 apps/overlays/prod';
const LATEST_IN_STAGING = 'k8s-image-latest apps/overlays/staging/kustomization.yaml:8:13 apps/overlays/staging';

describe('check renders kustomize targets (a Flux / Argo CD layout)', () => {
  test('a prod patch that sets privileged: true is reported at the patch line, in target apps/overlays/prod; bases and patches are not linted on their own', () => {
    const dir = makeRepo(GITOPS_FILES);
    const r = check(dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const report = json(r.stdout);
    expect(report.findings.map(brief)).toEqual([PRIVILEGED_IN_PROD, LATEST_IN_STAGING]);
    const privileged = report.findings[0]!;
    expect(privileged.resource).toEqual({ group: 'apps', kind: 'Deployment', namespace: 'prod', name: 'prod-podinfo' });
    expect(privileged.pointer).toBe('/spec/template/spec/containers/0/securityContext/privileged');
    // apps/*: 8 files read by the two overlays; infrastructure: 2; clusters/production: 2 plain files.
    expect(report.summary.files).toBe(12);
    // staging: Service, Deployment, ServiceAccount, NetworkPolicy; prod: the same four; infrastructure: Namespace + HelmRelease; clusters: two Flux Kustomizations.
    expect(report.summary.documents).toBe(12);
    expect(report.errors).toEqual([]);
  });

  test('the text report names the target beside the rule', () => {
    const dir = makeRepo(GITOPS_FILES);
    const r = runCli(['check', '--no-cache'], { cwd: dir });
    expect(r.stdout.split('\n')[0]).toBe('apps/overlays/prod/privileged.yaml:11:25  critical Container "podinfo" runs privileged  k8s-privileged-container  target apps/overlays/prod');
    expect(r.code).toBe(1);
  });

  test('every output format names the target', () => {
    const dir = makeRepo(GITOPS_FILES);
    const sarif = JSON.parse(runCli(['check', '--no-cache', '-f', 'sarif'], { cwd: dir }).stdout) as { runs: { results: { ruleId: string; properties: Record<string, unknown>; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    const result = sarif.runs[0]!.results.find((r) => r.ruleId === 'k8s-privileged-container')!;
    expect(result.properties.target).toBe('apps/overlays/prod');
    expect(result.locations[0]!.physicalLocation.artifactLocation.uri).toBe('apps/overlays/prod/privileged.yaml');
    expect(result.locations[0]!.physicalLocation.region.startLine).toBe(11);
    expect(runCli(['check', '--no-cache', '-f', 'github'], { cwd: dir }).stdout.split('\n')[0]).toBe(
      '::error file=apps/overlays/prod/privileged.yaml,line=11,col=25,endLine=11,endColumn=29,title=k8s-privileged-container (critical) in apps/overlays/prod::Container "podinfo" runs privileged. Fix: Remove securityContext.privileged or set it to false; grant only the capabilities the workload needs.',
    );
    expect(runCli(['check', '--no-cache', '-f', 'junit'], { cwd: dir }).stdout).toContain('name="apps/overlays/prod/privileged.yaml:11:25 (target apps/overlays/prod)"');
    const gitlab = JSON.parse(runCli(['check', '--no-cache', '-f', 'gitlab'], { cwd: dir }).stdout) as { description: string }[];
    expect(gitlab[0]!.description).toBe('Container "podinfo" runs privileged (k8s-privileged-container, target apps/overlays/prod)');
  });

  test('values set by kustomization fields point at that field (replicas here; the image tag in the first test)', () => {
    const dir = makeRepo({ ...GITOPS_FILES, '.aiopsrc.json': JSON.stringify({ rules: ['policy'] }) });
    writeFiles(dir, {
      // A rule of the repository's own: more than 2 replicas (the prod overlay sets 3 at its line 11).
      'policy/test-max-replicas.yaml': `id: test-max-replicas
title: At most 2 replicas
severity: high
category: reliability
description: Test rule.
remediation: Lower the replicas.
match: { kinds: [Deployment] }
message: "$resource has too many replicas"
schema:
  properties:
    spec:
      properties:
        replicas: { maximum: 2 }
`,
    });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'rule');
    const r = check(dir, '--only', 'test-max-replicas');
    const report = json(r.stdout);
    expect(report.findings.map(brief)).toEqual(['test-max-replicas apps/overlays/prod/kustomization.yaml:11:12 apps/overlays/prod']);
  });

  test('kustomize: off checks the files as plain manifests, as before', () => {
    const dir = makeRepo({ ...GITOPS_FILES, '.aiopsrc.json': JSON.stringify({ kustomize: 'off' }) });
    const report = json(check(dir).stdout);
    // The patch fragment is linted on its own (and the overlay's tag never seen).
    expect(report.findings.filter((f) => f.severity === 'critical').map(brief)).toEqual(['k8s-privileged-container apps/overlays/prod/privileged.yaml:11:25 -']);
    expect(report.findings.some((f) => f.target)).toBe(false);
  });

  test('an unsupported feature makes the target not rendered: listed under errors with its line, exit 1 even with no finding', () => {
    const dir = makeRepo({
      ...GITOPS_FILES,
      'apps/overlays/prod/privileged.yaml': PRIVILEGED_PATCH.replace('privileged: true', 'privileged: false'),
      'apps/overlays/staging/kustomization.yaml': GITOPS_FILES['apps/overlays/staging/kustomization.yaml']!.replace('newTag: latest', 'newTag: "6.7.1"') + 'helmCharts:\n  - name: redis\n    repo: https://charts.bitnami.com/bitnami\n',
    });
    const r = check(dir);
    const report = json(r.stdout);
    expect(report.findings).toEqual([]);
    expect(report.errors).toEqual([
      {
        code: 'not-rendered',
        file: 'apps/overlays/staging/kustomization.yaml',
        line: 9,
        message: 'not rendered: helmCharts is not supported (target apps/overlays/staging is not checked; to check it, add a "render" entry that runs kustomize on apps/overlays/staging (README: External renderers))',
      },
    ]);
    expect(report.summary.exitCode).toBe(1);
    expect(r.code).toBe(1);
    const text = runCli(['check', '--no-cache'], { cwd: dir });
    expect(text.stdout).toContain('apps/overlays/staging/kustomization.yaml:9  not rendered: helmCharts is not supported (target apps/overlays/staging is not checked; to check it');
    // The verdict says why it fails: not a green mark, not "policy findings".
    const verdict = text.stdout.trimEnd().split('\n').at(-1)!;
    expect(verdict).toMatch(/^✖ no findings in .* · exit 1 \(1 target not rendered \(skipped above\); fails at high and above\)$/);
    expect(text.code).toBe(1);
  });

  test("a malformed entry (a patch written as a bare path, a var's unknown field) names the entry's line", () => {
    const prod = GITOPS_FILES['apps/overlays/prod/kustomization.yaml']!;
    for (const [text, line, message] of [
      [prod.replace('  - path: privileged.yaml', '  - privileged.yaml'), 8, 'patches[0] must be a map'],
      [prod + 'vars:\n  - name: HOST\n    objref: {kind: Service, name: podinfo, apiVersion: v1}\n  - name: PORT\n    objref: {kind: Service, name: podinfo, apiVersion: v1, field: port}\n', 15, 'vars[1]: objref: unknown field "field"'],
    ] as const) {
      const report = json(check(makeRepo({ ...GITOPS_FILES, 'apps/overlays/prod/kustomization.yaml': text })).stdout);
      expect(report.errors.map((e) => [e.code, e.file, e.line])).toEqual([['not-rendered', 'apps/overlays/prod/kustomization.yaml', line]]);
      expect(report.errors[0]!.message).toContain(message);
    }
  });

  test('a render error (a missing patch file) names the kustomization line and gates', () => {
    const dir = makeRepo({ ...GITOPS_FILES, 'apps/overlays/prod/kustomization.yaml': GITOPS_FILES['apps/overlays/prod/kustomization.yaml']!.replace('privileged.yaml', 'missing.yaml') });
    const report = json(check(dir).stdout);
    expect(report.errors.map((e) => [e.code, e.file, e.line])).toEqual([['not-rendered', 'apps/overlays/prod/kustomization.yaml', 8]]);
    expect(report.errors[0]!.message).toMatch(/^not rendered: .*missing\.yaml.* \(target apps\/overlays\/prod is not checked\)$/);
    // The other overlay is still checked; prod is never half-checked.
    expect(report.findings.map(brief)).toEqual([LATEST_IN_STAGING]);
    expect(report.summary.exitCode).toBe(1);
  });

  test('a JSON 6902 replace of a field the base lacks renders, as kustomize adds it, and is reported at the patch line', () => {
    const dir = makeRepo({
      'base/kustomization.yaml': 'resources: [dep.yaml]\n',
      'base/dep.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n',
      'ov/kustomization.yaml': 'resources: [../base]\npatches:\n  - target: {kind: Deployment, name: web}\n    patch: |-\n      - op: replace\n        path: /spec/template/spec/containers/0/securityContext\n        value: {privileged: true}\n',
    });
    const report = json(check(dir).stdout);
    expect(report.errors).toEqual([]);
    expect(report.findings.filter((f) => f.ruleId === 'k8s-privileged-container').map(brief)).toEqual(['k8s-privileged-container ov/kustomization.yaml:7:29 ov']);
  });

  test('--ref and --staged render from git objects, not the working tree', () => {
    const clean = { ...GITOPS_FILES, 'apps/overlays/prod/privileged.yaml': PRIVILEGED_PATCH.replace('privileged: true', 'privileged: false') };
    const dir = makeRepo(clean);
    // HEAD: clean. Index: privileged. Working tree: privileged again removed, and the base changed too.
    writeFiles(dir, { 'apps/overlays/prod/privileged.yaml': PRIVILEGED_PATCH });
    git(dir, 'add', '-A');
    writeFiles(dir, { 'apps/overlays/prod/privileged.yaml': clean['apps/overlays/prod/privileged.yaml']!, 'apps/overlays/staging/kustomization.yaml': GITOPS_FILES['apps/overlays/staging/kustomization.yaml']!.replace('newTag: latest', 'newTag: "6.7.1"') });
    expect(json(check(dir, '--ref', 'HEAD').stdout).findings.map(brief)).toEqual([LATEST_IN_STAGING]);
    expect(json(check(dir, '--staged').stdout).findings.map(brief)).toEqual([PRIVILEGED_IN_PROD, LATEST_IN_STAGING]);
    // The working tree's staging tag has no digest any more (kustomize drops it with a new tag): low, not gating.
    expect(json(check(dir).stdout).findings.map(brief)).toEqual(['k8s-image-not-pinned apps/overlays/staging/kustomization.yaml:8:13 apps/overlays/staging']);
    const staged = json(check(dir, '--staged').stdout);
    expect(staged.source.mode).toBe('index');
  });

  test('--target limits the check to one target; an unknown target is exit 66 with the list of targets', () => {
    const dir = makeRepo(GITOPS_FILES);
    const report = json(check(dir, '--target', 'apps/overlays/staging/').stdout);
    expect(report.findings.map(brief)).toEqual([LATEST_IN_STAGING]);
    // Only the staging overlay's files: plain manifests are left out.
    expect(report.summary.files).toBe(6);
    const bad = check(dir, '--target', 'apps/overlays/qa');
    expect(bad.code).toBe(66);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(
      'aiops-guard: no target "apps/overlays/qa": it is neither a kustomization folder nor a render entry\'s path\n' +
        '  hint: the targets are: apps/overlays/prod, apps/overlays/staging, infrastructure/controllers\n',
    );
  });

  test('--changed-since checks the targets one of whose files changed', () => {
    const dir = makeRepo(GITOPS_FILES);
    git(dir, 'checkout', '-q', '-b', 'topic');
    commit(dir, { 'apps/overlays/prod/privileged.yaml': `# needs raw sockets\n${PRIVILEGED_PATCH}` }, 'comment the prod patch');
    const prodOnly = json(check(dir, '--changed-since', 'main').stdout);
    expect(prodOnly.findings.map(brief)).toEqual(['k8s-privileged-container apps/overlays/prod/privileged.yaml:12:25 apps/overlays/prod']);
    // A base change reaches both overlays.
    commit(dir, { 'apps/base/podinfo/service.yaml': GITOPS_FILES['apps/base/podinfo/service.yaml']!.replace('port: 80', 'port: 8080') }, 'service port');
    expect(json(check(dir, '--changed-since', 'main').stdout).findings.map(brief)).toEqual(['k8s-privileged-container apps/overlays/prod/privileged.yaml:12:25 apps/overlays/prod', LATEST_IN_STAGING]);
  });

  test('a path argument checks the targets that read a file under it', () => {
    const dir = makeRepo(GITOPS_FILES);
    expect(json(check(dir, 'apps/overlays/prod/privileged.yaml').stdout).findings.map(brief)).toEqual([PRIVILEGED_IN_PROD]);
    // The base is read by both overlays.
    expect(json(check(dir, 'apps/base').stdout).findings.map(brief)).toEqual([PRIVILEGED_IN_PROD, LATEST_IN_STAGING]);
  });

  test('config targets: only the named overlays render; a name that is no kustomization is a config error (exit 78) at its line', () => {
    const dir = makeRepo({ ...GITOPS_FILES, '.aiopsrc.json': JSON.stringify({ targets: ['apps/overlays/staging'] }, null, 2) });
    const report = json(check(dir).stdout);
    expect(report.findings.map(brief)).toEqual([LATEST_IN_STAGING]);
    // The others are named, not passed over in silence (and do not fail the run: the config chose).
    expect(report.errors).toEqual([
      { code: 'target-not-configured', file: 'apps/overlays/prod/kustomization.yaml', line: null, message: 'kustomization apps/overlays/prod is not in the config\'s "targets": not rendered, and its files are not checked' },
      { code: 'target-not-configured', file: 'infrastructure/controllers/kustomization.yaml', line: null, message: 'kustomization infrastructure/controllers is not in the config\'s "targets": not rendered, and its files are not checked' },
    ]);
    expect(report.summary.exitCode).toBe(0);
    writeFileSync(path.join(dir, '.aiopsrc.json'), JSON.stringify({ targets: ['apps/overlays/qa'] }, null, 2));
    const r = check(dir);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(`${path.join(dir, '.aiopsrc.json')}:3:5: targets[0] "apps/overlays/qa" has no kustomization.yaml and is no render entry's path`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('a kustomization named Kustomization (no extension) is found; a folder the config excludes is not rendered', () => {
    const files: Record<string, string> = { ...GITOPS_FILES, 'apps/overlays/prod/Kustomization': GITOPS_FILES['apps/overlays/prod/kustomization.yaml']! };
    delete files['apps/overlays/prod/kustomization.yaml'];
    const dir = makeRepo(files);
    expect(json(check(dir).stdout).findings.map(brief)).toEqual([PRIVILEGED_IN_PROD, LATEST_IN_STAGING]);
    // Committed: an uncommitted exclude would be reported as a weakened policy.
    commit(dir, { '.aiopsrc.json': JSON.stringify({ exclude: ['apps/overlays/staging/**'] }) }, 'exclude staging');
    expect(json(check(dir).stdout).findings.map(brief)).toEqual([PRIVILEGED_IN_PROD]);
  });

  test('a file in a kustomization folder that no kustomization lists is listed (not deployed, not checked)', () => {
    const dir = makeRepo({ ...GITOPS_FILES, 'apps/overlays/prod/old-patch.yaml': PRIVILEGED_PATCH });
    const report = json(check(dir).stdout);
    expect(report.errors.map((e) => [e.code, e.file])).toEqual([['not-in-kustomization', 'apps/overlays/prod/old-patch.yaml']]);
    expect(report.findings.map(brief)).toEqual([PRIVILEGED_IN_PROD, LATEST_IN_STAGING]);
  });

  test('a secret from a secretGenerator is masked like any other secret, and inline waivers work on rendered objects', () => {
    const files = {
      ...GITOPS_FILES,
      'apps/overlays/prod/kustomization.yaml':
        GITOPS_FILES['apps/overlays/prod/kustomization.yaml']! + 'secretGenerator:\n  - name: db\n    literals:\n      - password=hunter2-very-secret-value\n',
      'apps/overlays/prod/privileged.yaml': PRIVILEGED_PATCH.replace('  name: podinfo\n', '  name: podinfo\n  annotations:\n    aiops-guard.io/ignore.k8s-privileged-container: "needs raw sockets (ticket OPS-1)"\n'),
    };
    const dir = makeRepo(files);
    const r = check(dir, '--show', 'all');
    expect(r.stdout).not.toContain('hunter2');
    expect(r.stdout).not.toContain(Buffer.from('hunter2-very-secret-value').toString('base64'));
    const report = json(r.stdout);
    const privileged = report.findings.find((f) => f.ruleId === 'k8s-privileged-container')!;
    expect(privileged.suppressed).toEqual({ kind: 'annotation', reason: 'needs raw sockets (ticket OPS-1)' });
    expect(brief(privileged)).toBe('k8s-privileged-container apps/overlays/prod/privileged.yaml:13:25 apps/overlays/prod');
    const secret = report.findings.find((f) => f.ruleId === 'secrets-k8s-secret-committed');
    expect(secret && brief(secret)).toBe('secrets-k8s-secret-committed apps/overlays/prod/kustomization.yaml:13:5 apps/overlays/prod');
  });
});

describe('targets in fingerprints, baselines and the result cache', () => {
  test('the target is part of a finding fingerprint; a plain finding keeps the fingerprint it always had', () => {
    const f: Finding = {
      ruleId: 'k8s-privileged-container', severity: 'critical', title: 't', message: 'm', file: 'apps/base/d.yaml', line: 1, column: 1, endLine: 1, endColumn: 1,
      pointer: '/spec', documentIndex: 0, resource: { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'web' }, remediation: 'r', suppressed: null,
    };
    // The value of a plain finding's fingerprint before targets existed (a baseline written then still matches).
    expect(findingFingerprint(f)).toBe('2904b17e0f5ab58975b76ac16d1ba16a');
    expect(findingFingerprint({ ...f, target: 'overlays/prod' })).not.toBe(findingFingerprint({ ...f, target: 'overlays/staging' }));
    expect(findingFingerprint({ ...f, target: null })).toBe(findingFingerprint(f));
  });

  test('a baseline accepts rendered findings per target; moving the patch file keeps them accepted', () => {
    const dir = makeRepo(GITOPS_FILES);
    expect(runCli(['baseline'], { cwd: dir }).code).toBe(0);
    // The reviewer of the baseline's diff sees which overlay each accepted finding is in.
    const written = JSON.parse(readFileSync(path.join(dir, '.aiops-guard-baseline.json'), 'utf8')) as { findings: { rule: string; file: string; target?: string }[] };
    expect(written.findings.map((e) => `${e.rule} ${e.file} ${e.target}`).sort()).toEqual([
      'k8s-image-latest apps/overlays/staging/kustomization.yaml apps/overlays/staging',
      'k8s-privileged-container apps/overlays/prod/privileged.yaml apps/overlays/prod',
    ]);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'baseline');
    expect(check(dir).code).toBe(0);
    git(dir, 'mv', 'apps/overlays/prod/privileged.yaml', 'apps/overlays/prod/security.yaml');
    writeFiles(dir, { 'apps/overlays/prod/kustomization.yaml': GITOPS_FILES['apps/overlays/prod/kustomization.yaml']!.replace('privileged.yaml', 'security.yaml') });
    const moved = json(check(dir).stdout);
    expect(moved.summary.exitCode).toBe(0);
    expect(moved.findings.map((f) => [brief(f), (f as Finding & { baseline?: string }).baseline])).toEqual([
      ['k8s-privileged-container apps/overlays/prod/security.yaml:11:25 apps/overlays/prod', 'unchanged'],
      [LATEST_IN_STAGING, 'unchanged'],
    ]);
  });

  test('the result cache never changes a report with targets: a changed base reaches every target that reads it', () => {
    const dir = makeRepo(GITOPS_FILES);
    const cacheDir = tempDir();
    const cached = (...args: string[]) => runCli(['check', '-f', 'json', '--cache-dir', cacheDir, ...args], { cwd: dir });
    const first = cached();
    const again = cached();
    expect(again.stdout).toBe(first.stdout);
    expect(json(again.stdout).findings.map(brief)).toEqual([PRIVILEGED_IN_PROD, LATEST_IN_STAGING]);
    // The base now runs as root in both overlays: both rendered targets must see it, cache or not.
    writeFiles(dir, { 'apps/base/podinfo/deployment.yaml': GITOPS_FILES['apps/base/podinfo/deployment.yaml']!.replace('runAsNonRoot: true', 'runAsNonRoot: false') });
    const changed = cached('--show', 'all');
    expect(changed.stdout).toBe(check(dir, '--show', 'all').stdout);
    expect(json(changed.stdout).findings.filter((f) => f.ruleId === 'k8s-run-as-root').map(brief)).toEqual([
      'k8s-run-as-root apps/base/podinfo/deployment.yaml:21:11 apps/overlays/prod',
      'k8s-run-as-root apps/base/podinfo/deployment.yaml:21:11 apps/overlays/staging',
    ]);
  });
});

/** The prod overlay as `kubectl get deploy,svc,sa,netpol -n prod -o json` shows it after `kubectl apply -k apps/overlays/prod`. */
const LIVE_PROD = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'prod-podinfo', namespace: 'prod', uid: 'a1', resourceVersion: '1001', creationTimestamp: '2026-11-01T10:00:00Z' },
      spec: {
        clusterIP: '10.96.12.34',
        clusterIPs: ['10.96.12.34'],
        internalTrafficPolicy: 'Cluster',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        ports: [{ port: 80, protocol: 'TCP', targetPort: 9898 }],
        selector: { app: 'podinfo' },
        sessionAffinity: 'None',
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'prod-podinfo',
        namespace: 'prod',
        uid: 'a2',
        resourceVersion: '1002',
        generation: 1,
        creationTimestamp: '2026-11-01T10:00:00Z',
        annotations: { 'deployment.kubernetes.io/revision': '1' },
      },
      spec: {
        progressDeadlineSeconds: 600,
        replicas: 3,
        revisionHistoryLimit: 10,
        selector: { matchLabels: { app: 'podinfo' } },
        strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'podinfo' } },
          spec: {
            automountServiceAccountToken: false,
            containers: [
              {
                image: `ghcr.io/stefanprodan/podinfo:6.7.0@${DIGEST}`,
                imagePullPolicy: 'IfNotPresent',
                livenessProbe: { failureThreshold: 3, httpGet: { path: '/healthz', port: 9898, scheme: 'HTTP' }, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 },
                name: 'podinfo',
                ports: [{ containerPort: 9898, protocol: 'TCP' }],
                readinessProbe: { failureThreshold: 3, httpGet: { path: '/readyz', port: 9898, scheme: 'HTTP' }, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 },
                resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: true, readOnlyRootFilesystem: true },
                terminationMessagePath: '/dev/termination-log',
                terminationMessagePolicy: 'File',
              },
            ],
            dnsPolicy: 'ClusterFirst',
            restartPolicy: 'Always',
            schedulerName: 'default-scheduler',
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            serviceAccount: 'prod-podinfo',
            serviceAccountName: 'prod-podinfo',
            terminationGracePeriodSeconds: 30,
          },
        },
      },
      status: { availableReplicas: 3, observedGeneration: 1, readyReplicas: 3, replicas: 3, updatedReplicas: 3 },
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'prod-podinfo', namespace: 'prod', uid: 'a3', resourceVersion: '1003', creationTimestamp: '2026-11-01T10:00:00Z' },
      automountServiceAccountToken: false,
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'prod-default-deny', namespace: 'prod', uid: 'a4', resourceVersion: '1004', generation: 1, creationTimestamp: '2026-11-01T10:00:00Z' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
  ],
};

describe('drift against the rendered target', () => {
  test('live objects with the rendered name and namespace (prefix, namespace, replicas applied) show no false drift', () => {
    const dir = makeRepo(GITOPS_FILES);
    const live = path.join(tempDir(), 'live.json');
    writeFileSync(live, JSON.stringify(LIVE_PROD, null, 2));
    const r = runCli(['drift', '--no-cache', '--live', live, '--target', 'apps/overlays/prod', '-f', 'json'], { cwd: dir });
    const report = json(r.stdout);
    expect(report.drift).toEqual([]);
    // The check part still reports the overlay's privileged container; no drift.
    expect(report.summary.drifted).toBe(0);
  });

  test('a changed replica count is drift at the line of the kustomization that sets it', () => {
    const dir = makeRepo(GITOPS_FILES);
    const live = path.join(tempDir(), 'live.json');
    const changed = structuredClone(LIVE_PROD);
    (changed.items[1]!.spec as { replicas: number }).replicas = 5;
    writeFileSync(live, JSON.stringify(changed));
    const r = runCli(['drift', '--no-cache', '--live', live, '--target', 'apps/overlays/prod', '-f', 'json'], { cwd: dir });
    expect(r.code).toBe(2);
    const report = json(r.stdout);
    expect(report.drift).toEqual([
      {
        status: 'modified',
        resource: { group: 'apps', kind: 'Deployment', namespace: 'prod', name: 'prod-podinfo' },
        file: 'apps/base/podinfo/deployment.yaml',
        line: 1,
        target: 'apps/overlays/prod',
        changes: [{ pointer: '/spec/replicas', desired: 3, live: 5, line: 11, column: 12, file: 'apps/overlays/prod/kustomization.yaml' }],
        securityRelevant: false,
        liveFindings: [],
      },
    ]);
  });

  test('without --target every target is desired state: the staging objects are missing from a prod snapshot', () => {
    const dir = makeRepo(GITOPS_FILES);
    const live = path.join(tempDir(), 'live.json');
    writeFileSync(live, JSON.stringify(LIVE_PROD));
    const report = json(runCli(['drift', '--no-cache', '--live', live, '-f', 'json'], { cwd: dir }).stdout);
    expect(report.drift!.map((d) => `${d.status} ${d.resource.namespace}/${d.resource.name} ${d.target}`)).toEqual([
      // A missing NetworkPolicy is security-relevant: listed first.
      'missing staging/default-deny apps/overlays/staging',
      'missing staging/podinfo apps/overlays/staging',
      'missing staging/podinfo apps/overlays/staging',
      'missing staging/podinfo apps/overlays/staging',
      // Flux Kustomization objects are deployed objects, not kustomize's build files.
      'missing flux-system/apps undefined',
      'missing flux-system/infra-controllers undefined',
      'missing null/ingress-nginx infrastructure/controllers',
      'missing ingress-nginx/ingress-nginx infrastructure/controllers',
    ]);
  });
});



/** initial (privileged prod) → c1 clean → c2 privileged in prod → c3 the patch file renamed. */
function historyRepo(): { dir: string; shas: string[] } {
  const clean = PRIVILEGED_PATCH.replace('privileged: true', 'privileged: false');
  const dir = makeRepo({ ...GITOPS_FILES, 'apps/overlays/prod/privileged.yaml': clean });
  const c1 = commit(dir, { 'apps/overlays/staging/kustomization.yaml': GITOPS_FILES['apps/overlays/staging/kustomization.yaml']!.replace('newTag: latest', 'newTag: "6.7.1"') }, 'c1 staging pinned');
  const c2 = commit(dir, { 'apps/overlays/prod/privileged.yaml': PRIVILEGED_PATCH }, 'c2 privileged in prod');
  git(dir, 'mv', 'apps/overlays/prod/privileged.yaml', 'apps/overlays/prod/security.yaml');
  const c3 = commit(dir, { 'apps/overlays/prod/kustomization.yaml': GITOPS_FILES['apps/overlays/prod/kustomization.yaml']!.replace('privileged.yaml', 'security.yaml') }, 'c3 rename the patch');
  return { dir, shas: [c1, c2, c3] };
}

describe('history over rendered targets', () => {
  test('rollback: the commit that changed the overlay is to blame, renaming the patch is not a change, the restore puts back the target\'s files', () => {
    const { dir, shas } = historyRepo();
    const [c1, c2] = shas.map((s) => s.slice(0, 7));
    const r = runCli(['rollback', '--no-cache', '-f', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = json(r.stdout);
    expect(report.findings.map(brief)).toEqual(['k8s-privileged-container apps/overlays/prod/security.yaml:11:25 apps/overlays/prod']);
    const rb = report.rollback!;
    expect(rb.lastGood?.subject).toBe('c1 staging pinned');
    expect(rb.culprits.map((c) => [c.subject, c.ruleIds, c.files])).toEqual([['c2 privileged in prod', ['k8s-privileged-container'], ['apps/overlays/prod/(rendered)']]]);
    expect(rb.commands).toEqual([
      `git revert --no-edit ${c2}`,
      `git revert --no-commit ${c1}..${shas[2]!.slice(0, 7)} && git commit -m "Roll back to ${c1}: k8s-privileged-container"`,
      `git restore --source ${c1} -- apps/overlays/prod/kustomization.yaml apps/overlays/prod/privileged.yaml`,
      'git rm -- apps/overlays/prod/security.yaml',
    ]);
  });

  test('check --blame and scan give a rendered finding the commit that introduced it, across the rename', () => {
    const { dir, shas } = historyRepo();
    const blamed = json(runCli(['check', '--blame', '--no-cache', '-f', 'json'], { cwd: dir }).stdout);
    expect(blamed.findings.map((f) => [brief(f), f.introduced && 'sha' in f.introduced ? f.introduced.sha : null])).toEqual([
      ['k8s-privileged-container apps/overlays/prod/security.yaml:11:25 apps/overlays/prod', shas[1]],
      ['k8s-image-not-pinned apps/overlays/staging/kustomization.yaml:8:13 apps/overlays/staging', shas[0]],
    ]);
    const scan = json(runCli(['scan', '--no-cache', '-f', 'json'], { cwd: dir }).stdout);
    expect(scan.findings.find((f) => f.ruleId === 'k8s-privileged-container')?.introduced).toMatchObject({ sha: shas[1], subject: 'c2 privileged in prod' });
    expect(scan.rollback?.lastGood?.sha).toBe(shas[0]);
  });

  test('a commit where a target does not render is passed over: its findings keep the commits that introduced them', () => {
    const { dir, shas } = historyRepo();
    const prod = 'apps/overlays/prod/kustomization.yaml';
    const staging = 'apps/overlays/staging/kustomization.yaml';
    const [prodNow, stagingNow] = [prod, staging].map((f) => readFileSync(path.join(dir, f), 'utf8'));
    // c4 breaks both overlays' renders (a resource that is not there); c5 mends them, byte for byte.
    commit(dir, { [prod]: prodNow!.replace('resources:\n', 'resources:\n  - missing.yaml\n'), [staging]: stagingNow!.replace('resources:\n', 'resources:\n  - missing.yaml\n') }, 'c4 breaks the renders');
    const c5 = commit(dir, { [prod]: prodNow!, [staging]: stagingNow! }, 'c5 mends them');
    const blamed = json(runCli(['check', '--blame', '--no-cache', '-f', 'json'], { cwd: dir }).stdout);
    expect(blamed.findings.map((f) => [brief(f), f.introduced && 'sha' in f.introduced ? f.introduced.sha : null])).toEqual([
      ['k8s-privileged-container apps/overlays/prod/security.yaml:11:25 apps/overlays/prod', shas[1]],
      ['k8s-image-not-pinned apps/overlays/staging/kustomization.yaml:8:13 apps/overlays/staging', shas[0]],
    ]);
    const rb = json(runCli(['rollback', '--no-cache', '-f', 'json'], { cwd: dir }).stdout).rollback!;
    expect(rb.culprits.map((c) => c.subject)).toEqual(['c2 privileged in prod']);
    expect(rb.culprits.map((c) => c.sha)).not.toContain(c5);
  });

  test('rollback --target: a target without failing findings passes; --live says which commit live runs', () => {
    const { dir, shas } = historyRepo();
    const unknown = runCli(['rollback', '--no-cache', '--target', 'apps/overlays/qa'], { cwd: dir });
    expect(unknown.code).toBe(66);
    expect(unknown.stderr).toContain('hint: the targets are: apps/overlays/prod, apps/overlays/staging, infrastructure/controllers');
    const staging = runCli(['rollback', '--no-cache', '--target', 'apps/overlays/staging', '-f', 'json'], { cwd: dir });
    expect(staging.code).toBe(0);
    expect(json(staging.stdout).rollback?.headPasses).toBe(true);
    const live = path.join(tempDir(), 'live.json');
    writeFileSync(live, JSON.stringify(LIVE_PROD));
    const prod = json(runCli(['rollback', '--no-cache', '--target', 'apps/overlays/prod', '--live', live, '-f', 'json'], { cwd: dir }).stdout);
    expect(prod.drift).toEqual([]);
    // Live still runs the rendered prod of c1 (not privileged): the deploy lags two commits behind.
    writeFileSync(live, JSON.stringify(LIVE_PROD).replace('"privileged":true', '"privileged":false'));
    const lagging = json(runCli(['rollback', '--no-cache', '--target', 'apps/overlays/prod', '--live', live, '-f', 'json'], { cwd: dir }).stdout);
    expect(lagging.drift!.map((d) => [d.resource.name, d.target, d.changes.map((c) => `${c.pointer} ${c.file}:${c.line}`)])).toEqual([
      ['prod-podinfo', 'apps/overlays/prod', ['/spec/template/spec/containers/0/securityContext/privileged apps/overlays/prod/security.yaml:11']],
    ]);
    expect(lagging.rollback!.liveMatches).toEqual([{ resource: { group: 'apps', kind: 'Deployment', namespace: 'prod', name: 'prod-podinfo' }, sha: shas[0], behind: 2, passesGate: true }]);
  });
});

/** A renderer every machine with Node has: prints a chart's "rendered" manifests, as `helm template` would. */
const RENDER_SCRIPT = `const name = process.argv[2];
process.stdout.write([
  '---',
  '# Source: web/templates/deployment.yaml',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: ' + name,
  '  annotations:',
  '    note: "{{ not a template once rendered }}"',
  'spec:',
  '  template:',
  '    spec:',
  '      containers:',
  '        - name: web',
  '          image: nginx:1.27',
  '          securityContext:',
  '            privileged: true',
  '',
].join('\\n'));
`;

const CHART = {
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/values.yaml': 'replicas: 1\n',
  'charts/web/templates/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n',
  'tools/render.mjs': RENDER_SCRIPT,
};

const renderConfig = (entries: object[], extra: object = {}) => JSON.stringify({ render: entries, ...extra }, null, 2);

describe('external renderers (config render)', () => {
  test('the command\'s output is the target\'s desired state; findings point at its lines, the chart\'s files are not checked on their own', () => {
    const dir = makeRepo({ ...CHART, '.aiopsrc.json': renderConfig([{ path: 'charts/web', command: 'node tools/render.mjs "web prod"' }]) });
    const report = json(runCli(['check', '--allow-render', '--no-cache', '-f', 'json', '--target', 'charts/web'], { cwd: dir }).stdout);
    expect(report.findings.filter((f) => f.severity === 'critical').map(brief)).toEqual(['k8s-privileged-container charts/web/(rendered):16:25 charts/web']);
    // The argument with a space reached the command as one argument.
    expect(report.findings[0]!.resource).toEqual({ group: 'apps', kind: 'Deployment', namespace: null, name: 'web prod' });
    expect(report.errors).toEqual([]);
    expect(report.targets).toEqual([{ path: 'charts/web', renderer: 'command', command: 'node tools/render.mjs "web prod"', files: 3, documents: 1 }]);
    const text = runCli(['check', '--allow-render', '--no-cache', '--target', 'charts/web'], { cwd: dir });
    expect(text.stdout).toContain('charts/web/(rendered):16:25  critical Container "web" runs privileged  k8s-privileged-container  target charts/web\n');
    expect(text.stdout).toContain('charts/web/(rendered) is the output of: node tools/render.mjs "web prod"\n');
    expect(text.code).toBe(1);
    // Made from the working tree, not from a commit: --blame gives it no introducing commit.
    const blamed = json(runCli(['check', '--allow-render', '--blame', '--no-cache', '-f', 'json', '--target', 'charts/web'], { cwd: dir }).stdout);
    expect(blamed.findings.filter((f) => f.severity === 'critical').map((f) => [brief(f), f.introduced])).toEqual([['k8s-privileged-container charts/web/(rendered):16:25 charts/web', undefined]]);
  });

  test('a render command on a kustomization reads bases the tool cannot see: their files are not called undeployed', () => {
    // As `kubectl kustomize overlays/istio` would print the base's Deployment.
    const rendered = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dashboard\n  namespace: kubeflow\n';
    const dir = makeRepo({
      'apps/dashboard/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'apps/dashboard/base/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dashboard\n',
      'apps/dashboard/overlays/istio/kustomization.yaml': 'resources:\n  - ../../base\nnamespace: kubeflow\n',
      'tools/render.mjs': `process.stdout.write(${JSON.stringify(rendered)});\n`,
      '.aiopsrc.json': renderConfig([{ path: 'apps/dashboard/overlays/istio', command: 'node tools/render.mjs' }]),
    });
    const report = json(runCli(['check', '--allow-render', '--no-cache', '-f', 'json'], { cwd: dir }).stdout);
    expect(report.errors).toEqual([]);
    expect(report.targets).toEqual([expect.objectContaining({ path: 'apps/dashboard/overlays/istio', renderer: 'command' })]);
  });

  test('a render command is code from the repository: it runs only with --allow-render or from a --trusted-config, and a pull request that adds one weakens the policy', () => {
    // The pull request replaces the chart's files with a command's output, and the command writes a file.
    const marker = path.join(tempDir(), 'ran');
    const dir = makeRepo({ ...CHART });
    git(dir, 'checkout', '-q', '-b', 'pr');
    commit(dir, { '.aiopsrc.json': renderConfig([{ path: 'charts/web', command: `node -e "require('fs').writeFileSync(process.argv[1], 'x')" ${marker}` }]) }, 'pr: render the chart');
    const untrusted = runCli(['check', '--no-cache', '-f', 'json', '--new-since', 'main'], { cwd: dir });
    expect(existsSync(marker)).toBe(false);
    expect(untrusted.code).toBe(1);
    const report = json(untrusted.stdout);
    expect(report.errors.map((e) => [e.code, e.file, e.line])).toEqual([['not-rendered', '.aiopsrc.json', 5]]);
    expect(report.errors[0]!.message).toContain('runs code from the repository\'s config; pass --allow-render if you trust this repository');
    expect(report.findings.filter((f) => f.ruleId === 'policy-weakened').map((f) => [f.file, f.line, f.message])).toEqual([
      ['.aiopsrc.json', 3, expect.stringContaining('the files under "charts/web" are replaced by the output of the command')],
    ]);
    // The maintainer's choice: --allow-render runs it; so does a trusted revision whose config has the entry.
    expect(runCli(['check', '--allow-render', '--no-cache', '-f', 'json'], { cwd: dir }).stdout).toContain('"renderer": "command"');
    expect(existsSync(marker)).toBe(true);
    const trusted = json(runCli(['check', '--no-cache', '-f', 'json', '--trusted-config', 'pr'], { cwd: dir }).stdout);
    expect(trusted.errors).toEqual([]);
    expect(trusted.targets).toEqual([expect.objectContaining({ path: 'charts/web', renderer: 'command' })]);
  });

  test('a chart without a render entry stays skipped with today\'s message', () => {
    const dir = makeRepo({ ...CHART });
    const report = json(runCli(['check', '--allow-render', '--no-cache', '-f', 'json'], { cwd: dir }).stdout);
    expect(report.errors.map((e) => [e.code, e.file])).toEqual([['helm-template', 'charts/web/templates/deployment.yaml']]);
  });

  test('with --ref or --staged the command does not run unless allowExternal is set: the target is not rendered', () => {
    const dir = makeRepo({ ...CHART, '.aiopsrc.json': renderConfig([{ path: 'charts/web', command: 'node tools/render.mjs web' }]) });
    const staged = runCli(['check', '--allow-render', '--no-cache', '-f', 'json', '--staged'], { cwd: dir });
    expect(staged.code).toBe(1);
    expect(json(staged.stdout).errors).toEqual([
      {
        code: 'not-rendered',
        file: '.aiopsrc.json',
        line: 5,
        message: 'not rendered: its render command "node tools/render.mjs web" would read the working tree, not the index (--staged); set "allowExternal": true in the config to run it anyway (target charts/web is not checked)',
      },
    ]);
    writeFileSync(path.join(dir, '.aiopsrc.json'), renderConfig([{ path: 'charts/web', command: 'node tools/render.mjs web' }], { allowExternal: true }));
    const allowed = json(runCli(['check', '--allow-render', '--no-cache', '-f', 'json', '--ref', 'HEAD'], { cwd: dir }).stdout);
    expect(allowed.errors).toEqual([]);
    expect(allowed.findings.filter((f) => f.severity === 'critical').map(brief)).toEqual(['k8s-privileged-container charts/web/(rendered):16:25 charts/web']);
  });

  test('a failing, missing or slow command is an error for its target (exit 1), never a stack trace', () => {
    const dir = makeRepo({
      ...CHART,
      'tools/fail.mjs': 'process.stderr.write("Error: values.yaml: bad indentation\\n"); process.exit(3);\n',
      'tools/slow.mjs': 'setTimeout(() => {}, 20000);\n',
      'tools/leaky.mjs': 'process.stderr.write("login failed for " + process.argv[2] + "\\n"); process.exit(1);\n',
      'other/d/x.txt': 'd\n',
      'other/a/x.txt': 'a\n',
      'other/b/x.txt': 'b\n',
      'other/c/x.txt': 'c\n',
      '.aiopsrc.json': renderConfig([
        { path: 'charts/web', command: 'node tools/fail.mjs' },
        { path: 'other/a', command: 'no-such-renderer-aiops template' },
        { path: 'other/b', command: 'node tools/slow.mjs', timeout: 0.5 },
        { path: 'other/c', command: 'node -e "process.stdout.write(\'a: [\')"' },
        { path: 'other/d', command: 'node tools/leaky.mjs --password=hunter2-secret' },
      ]),
    });
    const r = runCli(['check', '--allow-render', '--no-cache', '-f', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(json(r.stdout).errors.map((e) => e.message)).toEqual([
      'not rendered: "node tools/fail.mjs": the command failed (exit 3): Error: values.yaml: bad indentation (target charts/web is not checked)',
      'not rendered: "no-such-renderer-aiops template": command "no-such-renderer-aiops" was not found (target other/a is not checked)',
      'not rendered: "node tools/slow.mjs": the command did not finish within 0.5 s and was stopped (target other/b is not checked)',
      expect.stringMatching(/^not rendered: the output of "node -e .*" cannot be read at line 1: .* \(target other\/c is not checked\)$/),
      // A credential on the command line or in its error output is never printed.
      'not rendered: "node tools/leaky.mjs --pas…[23 chars masked]": the command failed (exit 1): login failed for --pas…[23 chars masked] (target other/d is not checked)',
    ]);
    expect(r.stdout).not.toContain('hunter2');
  });

  test('a render entry that cannot work as written is a config error (exit 78) at its line', () => {
    const dir = makeRepo({ ...CHART, '.aiopsrc.json': renderConfig([{ path: 'charts/web', command: 'helm template "web charts/web' }]) });
    const r = runCli(['check', '--allow-render', '--no-cache'], { cwd: dir });
    expect(r.code).toBe(78);
    expect(r.stderr).toBe(
      `aiops-guard: ${path.join(dir, '.aiopsrc.json')}:5:18: render[0].command has a quote that is not closed\n` +
        '  hint: close the quote; the command is split into arguments as a shell would, but no shell runs it\n',
    );
    writeFileSync(path.join(dir, '.aiopsrc.json'), renderConfig([{ path: '../elsewhere', command: 'helm template web' }]));
    const outside = runCli(['check', '--allow-render', '--no-cache'], { cwd: dir });
    expect(outside.code).toBe(78);
    expect(outside.stderr).toContain('render[0].path "../elsewhere" is outside the repository');
    writeFileSync(path.join(dir, '.aiopsrc.json'), renderConfig([{ path: 'charts/web' }]));
    const missing = runCli(['check', '--allow-render', '--no-cache'], { cwd: dir });
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain('command');
  });

  // kubectl is on these machines; a test may run it only through a user's render entry, as here. Where it
  // is not installed, the same entry must be reported as not rendered: never a silent pass.
  test('kubectl kustomize as the command gives the same findings as the native renderer, at lines of its output', () => {
    const dir = makeRepo({ ...GITOPS_FILES, '.aiopsrc.json': renderConfig([{ path: 'apps/overlays/prod', command: 'kubectl kustomize apps/overlays/prod' }]) });
    const viaCommand = runCli(['check', '--allow-render', '--no-cache', '-f', 'json', '--target', 'apps/overlays/prod', '--show', 'all'], { cwd: dir });
    const onPath = (process.env.PATH ?? '').split(path.delimiter).some((d) => d !== '' && existsSync(path.join(d, 'kubectl')));
    if (!onPath) {
      expect(viaCommand.code).toBe(1);
      expect(json(viaCommand.stdout).errors.map((e) => e.message)).toEqual(['not rendered: "kubectl kustomize apps/overlays/prod": command "kubectl" was not found (target apps/overlays/prod is not checked)']);
      return;
    }
    const external = json(viaCommand.stdout);
    expect(external.errors).toEqual([]);
    writeFileSync(path.join(dir, '.aiopsrc.json'), '{}');
    const native = json(check(dir, '--target', 'apps/overlays/prod', '--show', 'all').stdout);
    const key = (f: Finding) => `${f.ruleId} ${f.pointer} ${f.resource?.namespace}/${f.resource?.name}`;
    expect(external.findings.map(key).sort()).toEqual(native.findings.map(key).sort());
    expect(external.findings.every((f) => f.file === 'apps/overlays/prod/(rendered)' && f.target === 'apps/overlays/prod')).toBe(true);
    const privileged = external.findings.find((f) => f.ruleId === 'k8s-privileged-container')!;
    // The same overlay rendered once with kubectl v1.32.4 (kustomize v5.5.0) and committed: the finding is at its privileged line.
    const golden = readFileSync(path.join(PACKAGE_ROOT, 'fixtures/kustomize-wire/gitops-prod.kubectl.yaml'), 'utf8');
    expect(golden.split('\n')[privileged.line - 1]).toBe('          privileged: true');
    expect(privileged.line).toBe(61);
  });
});
