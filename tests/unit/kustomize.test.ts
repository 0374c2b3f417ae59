import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import { parseConfigText } from '../../src/parse/documents.js';
import { filesFromSnapshot } from '../../src/kustomize/files.js';
import { renderKustomization, type KustomizeRender } from '../../src/kustomize/render.js';
import { findLeafKustomizations, kustomizationDirs } from '../../src/kustomize/targets.js';
import { readWorktree } from '../../src/source/worktree.js';
import { cleanup, tempDir, writeFiles } from '../helpers/repo.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(here, '../../../fixtures/kustomize');
const cases = readdirSync(CORPUS, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
const rendered = cases.filter((c) => existsSync(path.join(CORPUS, c, 'expected.yaml')));
const unsupported = cases.filter((c) => existsSync(path.join(CORPUS, c, 'expected-error.txt')));

/** The corpus read the way the checker reads a repository: a snapshot of the work tree. */
const snapshot = readWorktree({ dir: CORPUS, gitdir: path.join(CORPUS, '.no-git') }, () => true, () => true);
const files = snapshot.then(filesFromSnapshot);

async function render(name: string): Promise<KustomizeRender> {
  return renderKustomization(name, await files);
}

function expectedObjects(name: string): unknown[] {
  const text = readFileSync(path.join(CORPUS, name, 'expected.yaml'), 'utf8');
  const parsed = parseConfigText('expected.yaml', text, undefined, { asWritten: true });
  expect(parsed.failure).toBeNull();
  return parsed.documents.map((d) => d.data);
}

function idOf(o: unknown): string {
  const r = o as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
  return `${r.apiVersion}/${r.kind} ${r.metadata?.namespace ?? ''}/${r.metadata?.name}`;
}

describe('the golden corpus (rendered once by kubectl kustomize v5.5)', () => {
  test('has at least 25 rendered cases and the unsupported ones', () => {
    expect(rendered.length).toBeGreaterThanOrEqual(25);
    expect(unsupported.length).toBeGreaterThanOrEqual(4);
  });

  test('the leaf kustomizations of the corpus are its cases: bases, overlays in between and components are not', async () => {
    const leaves = await findLeafKustomizations(kustomizationDirs((await snapshot).files.map((f) => f.path)), await files);
    expect(leaves).toEqual(cases);
  });

  test.each(rendered)('%s renders equal to kustomize, in kustomize order', async (name) => {
    const result = await render(name);
    expect(result.errors).toEqual([]);
    const expected = expectedObjects(name);
    expect(result.objects.map((o) => idOf(o.data))).toEqual(expected.map(idOf));
    result.objects.forEach((o, i) => expect(o.data).toEqual(expected[i]));
  });

  test.each(unsupported)('%s is not rendered, with the reason', async (name) => {
    const result = await render(name);
    const message = readFileSync(path.join(CORPUS, name, 'expected-error.txt'), 'utf8').trim();
    expect(result.objects).toEqual([]);
    expect(result.errors).toEqual([expect.objectContaining({ message, unsupported: true })]);
  });
});

/** Renders the kustomization at the root of a folder of these files (path → text). */
async function renderTree(files: Record<string, string>): Promise<KustomizeRender> {
  const dir = tempDir();
  writeFiles(dir, files);
  const snap = await readWorktree({ dir, gitdir: path.join(dir, '.no-git') }, () => true, () => true);
  return renderKustomization('', await filesFromSnapshot(snap));
}

describe('replacements kustomize refuses are render errors, never a partial render', () => {
  afterAll(cleanup);
  const BASE = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  A: "1"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx\n';
  /** Renders a kustomization with these replacements over BASE; the message kubectl kustomize v5.5 gives is in each case's comment. */
  const renderWith = (replacements: string) => renderTree({ 'res.yaml': BASE, 'kustomization.yaml': `resources: [res.yaml]\nreplacements:\n${replacements}` });
  test.each([
    // fieldPath `data.NOPE` is missing for replacement source ConfigMap.[noVer].[noGrp]/[noName].[noNs]
    ['a source field that is not there', '- source: {kind: ConfigMap, fieldPath: data.NOPE}\n  targets: [{select: {kind: Deployment}}]\n', 'fieldPath `data.NOPE` is missing for the replacement source (kind ConfigMap) (ConfigMap cfg)'],
    // multiple matches for selector [noKind].[noVer].[noGrp]/[noName].[noNs]:metadata.name
    ['a source that matches two objects', '- source: {fieldPath: metadata.name}\n  targets: [{select: {kind: Deployment}}]\n', 'the source (any object) selects 2 objects (ConfigMap cfg, Deployment web); it must select one'],
    // nothing selected by Secret.[noVer].[noGrp]/[noName].[noNs]
    ['a source that matches nothing', '- source: {kind: Secret}\n  targets: [{select: {kind: Deployment}}]\n', 'the source (kind Secret) selects nothing'],
    // unable to find field "spec.template.spec.containers.[name=nope].image" in replacement target
    ['a target field that is not there, without create', '- source: {kind: ConfigMap}\n  targets: [{select: {kind: Deployment}, fieldPaths: ["spec.template.spec.containers.[name=nope].image"]}]\n', 'unable to find field "spec.template.spec.containers.[name=nope].image" in replacement target'],
    // unable to find or create field "spec.template.spec.containers.5.image" in replacement target: index 5 specified but only 2 elements found
    ['an index past the end, with create', '- source: {kind: ConfigMap}\n  targets: [{select: {kind: Deployment}, fieldPaths: ["spec.template.spec.containers.5.image"], options: {create: true}}]\n', 'unable to find or create field "spec.template.spec.containers.5.image" in replacement target'],
    // delimiter option can only be used with scalar nodes
    ['a delimiter on a list', '- source: {kind: ConfigMap, fieldPath: data.A}\n  targets: [{select: {kind: Deployment}, fieldPaths: [spec.template.spec.containers], options: {delimiter: "-"}}]\n', 'delimiter option can only be used with scalar nodes'],
  ])('%s', async (_name, replacements, message) => {
    const result = await renderWith(replacements);
    expect(result.objects).toEqual([]);
    expect(result.errors).toEqual([expect.objectContaining({ file: 'kustomization.yaml', unsupported: false, message: expect.stringContaining(message) })]);
    expect(result.errors[0]!.message).toMatch(/^kustomization\.yaml:\d+: replacements\[0\]/);
  });
});

describe('vars kustomize refuses are render errors', () => {
  afterAll(cleanup);
  test('a varReference path with a list index (kubeflow\'s older params.yaml), which kustomize v5 cannot walk', async () => {
    // kubectl kustomize: considering field 'spec/template/spec/containers/0/args/1' of object Deployment.v1.apps/web.[noNs]: visit traversal on path: [0 args 1]: ... wrong node kind
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx\n          args: [a, $(SVC)]\n';
    const result = await renderTree({
      'res.yaml': `${SERVICE}---\n${deployment}`,
      'params.yaml': 'varReference:\n- path: spec/template/spec/containers/0/args/1\n  kind: Deployment\n',
      'kustomization.yaml': 'resources: [res.yaml]\nconfigurations: [params.yaml]\nvars:\n- name: SVC\n  objref: {kind: Service, name: web, apiVersion: v1}\n',
    });
    expect(result.objects).toEqual([]);
    expect(result.errors).toEqual([expect.objectContaining({ unsupported: false, message: expect.stringContaining("considering field 'spec/template/spec/containers/0/args/1' of Deployment web") })]);
  });
  const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n';
  const renderWith = (vars: string) => renderTree({ 'res.yaml': SERVICE, 'kustomization.yaml': `resources: [res.yaml]\nvars:\n${vars}` });
  test.each([
    // var '{X Service.v1.[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources
    ['an object that is not there', '- name: X\n  objref: {kind: Service, name: nope, apiVersion: v1}\n', "var 'X' (Service nope) cannot be mapped to a field in the set of known resources"],
    // field specified in var '{X Service.v1.[noGrp] {spec.nope}}' not found in corresponding resource
    ['a field that is not there', '- name: X\n  objref: {kind: Service, name: web, apiVersion: v1}\n  fieldref:\n    fieldpath: spec.nope\n', "field spec.nope specified in var 'X' (Service web) not found in Service web"],
    // merging vars [...]: var 'X' already encountered
    ['a name declared twice', '- name: X\n  objref: {kind: Service, name: web}\n- name: X\n  objref: {kind: Service, name: web}\n', "var 'X' already encountered"],
  ])('%s', async (_name, vars, message) => {
    const result = await renderWith(vars);
    expect(result.objects).toEqual([]);
    expect(result.errors).toEqual([expect.objectContaining({ file: 'kustomization.yaml', unsupported: false, message: expect.stringContaining(message) })]);
  });
});

test('a Component folder renders alone, as kubectl kustomize renders it (kubeflow builds its oauth2-proxy components so)', async () => {
  const result = await renderTree({
    'kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamespace: auth\nresources:\n  - policy.yaml\nlabels:\n  - pairs: {app: oauth2-proxy}\n',
    'policy.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: external-auth\ndata:\n  provider: oauth2-proxy\n',
  });
  expect(result.errors).toEqual([]);
  // kubectl kustomize v5.5 of the same folder.
  expect(result.objects.map((o) => o.data)).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'external-auth', namespace: 'auth', labels: { app: 'oauth2-proxy' } }, data: { provider: 'oauth2-proxy' } }]);
});
