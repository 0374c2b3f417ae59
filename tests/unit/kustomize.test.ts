import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { parseConfigText } from '../../src/parse/documents.js';
import { filesFromSnapshot } from '../../src/kustomize/files.js';
import { renderKustomization, type KustomizeRender } from '../../src/kustomize/render.js';
import { findLeafKustomizations, kustomizationDirs } from '../../src/kustomize/targets.js';
import { readWorktree } from '../../src/source/worktree.js';

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
    expect(unsupported.length).toBeGreaterThanOrEqual(5);
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
