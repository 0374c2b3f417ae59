import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import { filesFromSnapshot, type KustomizeFiles } from '../../src/kustomize/files.js';
import { renderKustomization, type RenderedObject } from '../../src/kustomize/render.js';
import { readCommitSnapshot, readIndexSnapshot } from '../../src/source/git.js';
import { readWorktree } from '../../src/source/worktree.js';
import { cleanup, git, tempDir } from '../helpers/repo.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(here, '../../../fixtures/kustomize');
const corpus = readWorktree({ dir: CORPUS, gitdir: path.join(CORPUS, '.no-git') }, () => true, () => true).then(filesFromSnapshot);

afterAll(cleanup);

async function renderOne(target: string, kind: string, files?: KustomizeFiles): Promise<RenderedObject> {
  const result = await renderKustomization(target, files ?? (await corpus));
  expect(result.errors).toEqual([]);
  const found = result.objects.filter((o) => o.data.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** `file:line:col` and the kind of source, as a finding would show it. */
function at(o: RenderedObject, pointer: string): string {
  const l = o.locate(pointer);
  return `${l.file}:${l.line}:${l.column} ${l.role}`;
}

/** Files given as text: the same reader a snapshot gives. */
function memoryFiles(files: Record<string, string>): KustomizeFiles {
  return filesFromSnapshot({
    files: Object.entries(files).map(([p, text]) => ({ path: p, oid: null, read: async () => new TextEncoder().encode(text) })),
  });
}

describe('provenance: every rendered value points at the line that set it', () => {
  test('a value a strategic merge patch set points at the patch; the rest at the base', async () => {
    const web = (await renderKustomization('patches-smp-merge-keys', await corpus)).objects.find((o) => o.data.kind === 'Deployment' && (o.data.metadata as { name: string }).name === 'web')!;
    expect(at(web, '/spec/template/spec/containers/0/env/0/value')).toBe('patches-smp-merge-keys/patch-web.yaml:14:22 patch');
    expect(at(web, '/spec/template/spec/containers/0/securityContext/runAsNonRoot')).toBe('patches-smp-merge-keys/patch-web.yaml:28:27 patch');
    expect(at(web, '/spec/template/spec/volumes/1/configMap/defaultMode')).toBe('patches-smp-merge-keys/patch-web.yaml:36:26 patch');
    // Same env entry, field the patch did not touch: still the base line.
    expect(at(web, '/spec/template/spec/containers/0/env/0/valueFrom/configMapKeyRef/name')).toBe('patches-smp-merge-keys/deployment.yaml:34:25 resource');
    expect(at(web, '/spec/template/spec/containers/0/image')).toBe('patches-smp-merge-keys/deployment.yaml:26:18 resource');
    // A missing value: its nearest existing parent (the pod spec), in the base.
    expect(at(web, '/spec/template/spec/hostNetwork')).toBe('patches-smp-merge-keys/deployment.yaml:16:5 resource');
  });

  test('an overlay of an overlay: inline patch lines, transformer fields, base lines', async () => {
    const d = await renderOne('overlays-of-overlays', 'Deployment');
    expect(d.data.spec).toMatchObject({ replicas: 6, template: { spec: { containers: [{ image: 'nginx:1.27', securityContext: { privileged: true } }] } } });
    // The line inside the `patch: |-` block of the prod kustomization.
    expect(at(d, '/spec/template/spec/containers/0/securityContext/privileged')).toBe('overlays-of-overlays/kustomization.yaml:29:31 patch');
    expect(at(d, '/spec/replicas')).toBe('overlays-of-overlays/kustomization.yaml:13:12 kustomization');
    expect(at(d, '/spec/template/spec/containers/0/image')).toBe('overlays-of-overlays/kustomization.yaml:10:13 kustomization');
    expect(at(d, '/metadata/namespace')).toBe('overlays-of-overlays/kustomization.yaml:4:12 kustomization');
    expect(at(d, '/metadata/name')).toBe('overlays-of-overlays/kustomization.yaml:5:13 kustomization');
    expect(at(d, '/metadata/labels/env')).toBe('overlays-of-overlays/kustomization.yaml:7:8 kustomization');
    expect(at(d, '/metadata/annotations/env')).toBe('overlays-of-overlays/staging/kustomization.yaml:6:8 kustomization');
    expect(at(d, '/spec/selector/matchLabels/app.kubernetes.io~1name')).toBe('overlays-of-overlays/base/kustomization.yaml:5:27 kustomization');
    expect(at(d, '/spec/template/spec/containers/0/ports/0/containerPort')).toBe('overlays-of-overlays/base/deployment.yaml:28:30 resource');
  });

  test('legacy patchesStrategicMerge: a patch file and an inline block; a multi-document patch file', async () => {
    const d = await renderOne('legacy-patches-sm', 'Deployment');
    expect(at(d, '/spec/template/spec/containers/0/image')).toBe('legacy-patches-sm/kustomization.yaml:16:22 patch');
    expect(at(d, '/spec/template/spec/containers/0/resources/limits/memory')).toBe('legacy-patches-sm/patch-replicas.yaml:13:23 patch');
    expect(at(d, '/spec/replicas')).toBe('legacy-patches-sm/patch-replicas.yaml:6:13 patch');
    const pod = await renderOne('smp-more-kinds', 'Pod');
    expect(at(pod, '/spec/containers/0/securityContext/allowPrivilegeEscalation')).toBe('smp-more-kinds/patch.yaml:42:35 patch');
  });

  test('images: the kustomization field that set the image', async () => {
    const result = await renderKustomization('images', await corpus);
    const d = result.objects.find((o) => o.data.kind === 'Deployment')!;
    expect(at(d, '/spec/template/spec/containers/0/image')).toBe('images/kustomization.yaml:5:13 kustomization');
    expect(at(d, '/spec/template/spec/initContainers/0/image')).toBe('images/kustomization.yaml:8:13 kustomization');
    expect(at(d, '/spec/template/spec/containers/1/image')).toBe('images/kustomization.yaml:10:14 kustomization');
    expect(at(d, '/spec/template/spec/containers/2/image')).toBe('images/kustomization.yaml:12:13 kustomization');
    // No rule for this image: the base line.
    expect(at(d, '/spec/template/spec/containers/3/image')).toBe('images/workloads.yaml:25:18 resource');
  });

  test('JSON 6902 values point at the operation value, in YAML and in JSON patch files', async () => {
    const result = await renderKustomization('patches-json6902', await corpus);
    const d = result.objects.find((o) => o.data.kind === 'Deployment')!;
    const s = result.objects.find((o) => o.data.kind === 'Service')!;
    expect(at(d, '/spec/replicas')).toBe('patches-json6902/ops.yaml:3:10 patch');
    expect(at(d, '/spec/template/spec/containers/0/args/0')).toBe('patches-json6902/ops.yaml:6:11 patch');
    expect(at(s, '/spec/ports/0/port')).toBe('patches-json6902/ops.json:3:60 patch');
    expect(at(s, '/metadata/labels/exposed')).toBe('patches-json6902/ops.json:2:66 patch');
    // Untouched by the patches.
    expect(at(s, '/spec/ports/0/targetPort')).toBe('patches-json6902/service.yaml:10:19 resource');
  });

  test('a JSON 6902 replace that adds a missing key points at the operation value, as an add would', async () => {
    const result = await renderKustomization('patches-json6902-replace-missing', await corpus);
    const d = result.objects.find((o) => o.data.kind === 'Deployment')!;
    const s = result.objects.find((o) => o.data.kind === 'Service')!;
    expect(at(s, '/spec/type')).toBe('patches-json6902-replace-missing/kustomization.yaml:12:16 patch');
    expect(at(d, '/spec/template/spec/containers/0/securityContext/privileged')).toBe('patches-json6902-replace-missing/kustomization.yaml:23:23 patch');
    expect(at(d, '/metadata/annotations/owner')).toBe('patches-json6902-replace-missing/kustomization.yaml:34:18 patch');
  });

  test('generated data points at the literal, the env file line, or the overlay that merged it', async () => {
    const cm = (await renderKustomization('configmap-generator', await corpus)).objects.find((o) => String((o.data.metadata as { name: string }).name).startsWith('web-env-'))!;
    expect(at(cm, '/data/MODE')).toBe('configmap-generator/settings.env:2:1 generator-input');
    expect(at(cm, '/metadata/labels/generated')).toBe('configmap-generator/kustomization.yaml:18:20 kustomization');
    const merged = (await renderKustomization('generator-behaviors', await corpus)).objects.find((o) => String((o.data.metadata as { name: string }).name).startsWith('prod-web-config-'))!;
    expect(merged.data.data).toEqual({ color: 'blue', mode: 'prod', size: 'large' });
    expect(at(merged, '/data/mode')).toBe('generator-behaviors/kustomization.yaml:8:9 kustomization');
    expect(at(merged, '/data/color')).toBe('generator-behaviors/base/kustomization.yaml:8:9 kustomization');
  });

  test('a value a replacement copied points at the source value; a joined one at the source too', async () => {
    const objects = (await renderKustomization('replacements-fields', await corpus)).objects;
    const svc = objects.find((o) => o.data.kind === 'Service')!;
    expect(svc.data.spec).toMatchObject({ ports: [{ port: 9090, targetPort: '9090' }] });
    expect(at(svc, '/spec/ports/0/port')).toBe('replacements-fields/base/res.yaml:6:9 resource');
    const certs = (await renderKustomization('replacements-webhook-certs', await corpus)).objects;
    const cert = certs.find((o) => o.data.kind === 'Certificate')!;
    // Two replacements join into the DNS name; the last, the service's namespace, set by the `namespace:` line.
    expect(cert.data.spec).toMatchObject({ dnsNames: ['memcached-webhook-service.memcached-system.svc', 'memcached-webhook-service.memcached-system.svc.cluster.local'] });
    expect(at(cert, '/spec/dnsNames/0')).toBe('replacements-webhook-certs/kustomization.yaml:3:12 kustomization');
  });
});

describe('provenance of rewritten references', () => {
  test('a reference rewritten to a new name points where that name was set', async () => {
    const d = await renderOne('configmap-generator', 'Deployment');
    // The hashed name comes from the generator entry's name.
    expect((d.data.spec as { template: { spec: { volumes: { configMap?: { name: string } }[] } } }).template.spec.volumes[0]!.configMap!.name).toBe('web-config-t9c4c685m7');
    expect(at(d, '/spec/template/spec/volumes/0/configMap/name')).toBe('configmap-generator/kustomization.yaml:5:11 kustomization');
    expect(at(d, '/spec/template/spec/containers/0/env/0/valueFrom/configMapKeyRef/name')).toBe('configmap-generator/kustomization.yaml:5:11 kustomization');
    // A prefix and a suffix: the last transformer to change the name (nameSuffix, line 2).
    const binding = await renderOne('name-prefix-suffix-refs', 'RoleBinding');
    expect(binding.data.subjects).toEqual([{ kind: 'ServiceAccount', name: 'shop-web-sa-v2' }]);
    expect(at(binding, '/subjects/0/name')).toBe('name-prefix-suffix-refs/kustomization.yaml:2:13 kustomization');
    expect(at(binding, '/subjects/0/kind')).toBe('name-prefix-suffix-refs/others.yaml:42:11 resource');
  });
});

describe('reading', () => {
  test('a commit and the index are rendered from git objects, not from the work tree', async () => {
    const dir = tempDir();
    cpSync(path.join(CORPUS, 'overlays-of-overlays'), dir, { recursive: true });
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'overlays');
    // An uncommitted edit: the work tree now says 9 replicas, the commit 6.
    const kust = path.join(dir, 'kustomization.yaml');
    writeFileSync(kust, readFileSync(kust, 'utf8').replace('count: 6', 'count: 9'));
    const repo = { dir, gitdir: path.join(dir, '.git') };
    const committed = filesFromSnapshot(await readCommitSnapshot(repo, 'HEAD', () => true, () => true, {}));
    const worktree = filesFromSnapshot(await readWorktree(repo, () => true, () => true));
    expect((await renderOne('', 'Deployment', committed)).data.spec).toMatchObject({ replicas: 6 });
    expect((await renderOne('', 'Deployment', worktree)).data.spec).toMatchObject({ replicas: 9 });
    // Staged: 9; then the work tree moves on to 12. The index renders what is staged.
    git(dir, 'add', 'kustomization.yaml');
    writeFileSync(kust, readFileSync(kust, 'utf8').replace('count: 9', 'count: 12'));
    const staged = filesFromSnapshot(await readIndexSnapshot(repo, () => true, {}));
    expect((await renderOne('', 'Deployment', staged)).data.spec).toMatchObject({ replicas: 9 });
  });
});

describe('errors: the target is not rendered, and the message says why', () => {
  const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n';

  test.each([
    [
      'a patch that matches nothing',
      { 'k/kustomization.yaml': 'resources: [d.yaml]\npatches:\n  - path: p.yaml\n', 'k/d.yaml': deployment, 'k/p.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\n' },
      'k/p.yaml: no resource matches the patch for Deployment "other"',
    ],
    [
      'the same object twice',
      { 'k/kustomization.yaml': 'resources: [d.yaml, e.yaml]\n', 'k/d.yaml': deployment, 'k/e.yaml': deployment },
      'k/kustomization.yaml: Deployment "web" is included twice (kustomize refuses an already registered id)',
    ],
    [
      'a resource file outside the kustomization',
      { 'k/kustomization.yaml': 'resources: [../d.yaml]\n', 'd.yaml': deployment },
      'k/kustomization.yaml: resource file "../d.yaml" is not in or below k; kustomize refuses it (use a kustomization there)',
    ],
    [
      'a cycle of kustomizations',
      { 'k/kustomization.yaml': 'resources: [../j]\n', 'j/kustomization.yaml': 'resources: [../k]\n' },
      'j/kustomization.yaml: cycle: k → j → k',
    ],
    [
      'a JSON patch whose test fails',
      { 'k/kustomization.yaml': 'resources: [d.yaml]\npatches:\n  - target: {kind: Deployment}\n    patch: |-\n      - {op: test, path: /spec/replicas, value: 2}\n', 'k/d.yaml': deployment },
      expect.stringMatching(/^k\/kustomization.yaml \/patches\/0\/patch: operation 1 \(test \/spec\/replicas\) failed: /),
    ],
    // A replace adds a key missing from a map (patches-json6902-replace-missing), but kustomize's
    // JSON patch library fails it, as here, on a missing list index or a missing parent.
    [
      'an overlay inside its base folder (kustomize refuses a folder that contains one it is in)',
      { 'k/kustomization.yaml': 'resources: [d.yaml]\n', 'k/d.yaml': deployment, 'k/overlays/prod/kustomization.yaml': 'resources: [../..]\nnamePrefix: prod-\n' },
      'k/overlays/prod/kustomization.yaml: cycle: k/overlays/prod → k (k contains a kustomization that includes it)',
      'k/overlays/prod',
    ],
    [
      'a kustomization whose apiVersion is not kustomize\'s (kustomize\'s own helloWorld example has apiVersion: v1)',
      { 'k/kustomization.yaml': 'apiVersion: v1\nkind: Kustomization\nresources: [d.yaml]\n', 'k/d.yaml': deployment },
      'k/kustomization.yaml:1: apiVersion for Kustomization should be kustomize.config.k8s.io/v1beta1; kustomize refuses this kustomization',
    ],
    [
      'a configurations file that is not there',
      { 'k/kustomization.yaml': 'resources: [d.yaml]\nconfigurations: [conf.yaml]\n', 'k/d.yaml': deployment },
      'k/kustomization.yaml:2: configurations file k/conf.yaml does not exist',
    ],
    [
      'a replacements file outside the kustomization (kustomize refuses it)',
      { 'k/kustomization.yaml': 'resources: [d.yaml]\nreplacements:\n  - path: ../r.yaml\n', 'k/d.yaml': deployment, 'r.yaml': 'source: {kind: Deployment}\n' },
      'k/kustomization.yaml:3: replacements[0]: "../r.yaml" is outside the kustomization\'s directory; kustomize refuses it',
    ],
    [
      'a replacement whose source selects nothing',
      { 'k/kustomization.yaml': 'resources: [d.yaml]\nreplacements:\n  - source: {kind: ConfigMap, name: nope}\n    targets:\n      - select: {kind: Deployment}\n', 'k/d.yaml': deployment },
      'k/kustomization.yaml:3: replacements[0]: the source (kind ConfigMap, name nope) selects nothing',
    ],
    [
      'a replacement target field that is missing (without create)',
      {
        'k/kustomization.yaml': 'resources: [d.yaml]\nreplacements:\n  - source: {kind: Deployment, fieldPath: spec.replicas}\n    targets:\n      - select: {kind: Deployment}\n        fieldPaths: [spec.paused]\n',
        'k/d.yaml': deployment,
      },
      'k/kustomization.yaml:3: replacements[0]: unable to find field "spec.paused" in replacement target Deployment "web"',
    ],
    [
      'a JSON patch replace of a list index past the end',
      {
        'k/kustomization.yaml': 'resources: [s.yaml]\npatches:\n  - target: {kind: Service}\n    patch: |-\n      - {op: replace, path: /spec/ports/1, value: {port: 81}}\n',
        'k/s.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n',
      },
      expect.stringMatching(/^k\/kustomization.yaml \/patches\/0\/patch: operation 1 \(replace \/spec\/ports\/1\) failed: /),
    ],
    [
      'a JSON patch replace under a missing map',
      { 'k/kustomization.yaml': 'resources: [d.yaml]\npatches:\n  - target: {kind: Deployment}\n    patch: |-\n      - {op: replace, path: /spec/strategy/type, value: Recreate}\n', 'k/d.yaml': deployment },
      expect.stringMatching(/^k\/kustomization.yaml \/patches\/0\/patch: operation 1 \(replace \/spec\/strategy\/type\) failed: /),
    ],
    [
      'generator behavior merge with nothing to merge into',
      { 'k/kustomization.yaml': 'configMapGenerator:\n  - name: x\n    behavior: merge\n    literals: [a=b]\n' },
      'k/kustomization.yaml: configMapGenerator[0]: behavior merge needs exactly one ConfigMap "x" from a base, found 0',
    ],
    [
      'an env file line that would read the environment',
      { 'k/kustomization.yaml': 'configMapGenerator:\n  - name: x\n    envs: [a.env]\n', 'k/a.env': 'A=1\nHOME\n' },
      'not rendered: k/a.env:2: "HOME" takes its value from the environment, which is not supported',
    ],
    [
      'a label value that is not a string (kustomize refuses it too)',
      { 'k/kustomization.yaml': 'resources: [d.yaml]\ncommonLabels:\n  version: 1.10\n', 'k/d.yaml': deployment },
      'k/kustomization.yaml:3:12: commonLabels.version must be a string (quote it); kustomize refuses this kustomization',
    ],
    [
      'an image tag that YAML reads as a number',
      { 'k/kustomization.yaml': 'resources: [d.yaml]\nimages:\n  - name: nginx\n    newTag: 1.20\n', 'k/d.yaml': deployment },
      'k/kustomization.yaml:4:13: images.0.newTag must be a string (quote it); kustomize refuses this kustomization',
    ],
    [
      'a replica count written as a string',
      { 'k/kustomization.yaml': 'resources: [d.yaml]\nreplicas:\n  - name: web\n    count: "3"\n', 'k/d.yaml': deployment },
      'k/kustomization.yaml:4:12: replicas.0.count must be a whole number; kustomize refuses this kustomization',
    ],
    [
      'a field kustomize does not know (a typo is not silently skipped)',
      { 'k/kustomization.yaml': 'resources: [d.yaml]\nnamesPrefix: x-\n', 'k/d.yaml': deployment },
      'k/kustomization.yaml: unknown field "namesPrefix"',
    ],
    [
      'an unknown generator option',
      { 'k/kustomization.yaml': 'generatorOptions:\n  disableHash: true\nconfigMapGenerator:\n  - name: x\n    literals: [a=b]\n' },
      'k/kustomization.yaml: generatorOptions: unknown field "disableHash"',
    ],
    [
      'a resource file with a duplicate key',
      { 'k/kustomization.yaml': 'resources: [d.yaml]\n', 'k/d.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n' },
      'k/d.yaml:5:3: Map keys must be unique',
    ],
    [
      'a missing kustomization',
      { 'k/d.yaml': deployment },
      'k: no kustomization.yaml in the directory',
    ],
  ] as [string, Record<string, string>, unknown, string?][])('%s', async (_name, files, message, target = 'k') => {
    const result = await renderKustomization(target, memoryFiles(files));
    expect(result.objects).toEqual([]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.message).toEqual(message);
  });

  test('the files a render read are listed (bases, patches, generator inputs), for leaf detection', async () => {
    const result = await renderKustomization('overlays-of-overlays', await corpus);
    expect(result.inputs).toEqual([
      'overlays-of-overlays/base/deployment.yaml',
      'overlays-of-overlays/base/kustomization.yaml',
      'overlays-of-overlays/base/service.yaml',
      'overlays-of-overlays/kustomization.yaml',
      'overlays-of-overlays/staging/kustomization.yaml',
      'overlays-of-overlays/staging/replicas.yaml',
    ]);
  });
});
