import { describe, expect, test } from '@jest/globals';
import { parseConfigText, type ParsedFile } from '../../src/parse/documents.js';
import { readFastYaml } from '../../src/parse/fast-yaml.js';
import { expectSame, fileOf, fixtureReaderUse, mutatedFileOf, readerUse, type ReaderUsed } from '../helpers/yaml-documents.js';

/*
 * The fast reader (src/parse/fast-yaml.ts) must read every file it accepts exactly as the full
 * reader does: the same documents at the same indexes, the same data (as written and as the API
 * server reads it), the same read problems, and the same position for every pointer. A file it
 * cannot read that way it must refuse, and the full reader takes it. These tests compare the two
 * on generated documents around the subset's edges, on mutations of them, and on every YAML file
 * in the repository's fixtures (the differential corpus among them).
 */

function pointersOf(value: unknown, base = '', out: string[] = []): string[] {
  // Each existing place, and children that do not exist (the locator then stops at the nearest parent).
  out.push(base, `${base}/missing`, `${base}/0`, `${base}/-0`, `${base}/`);
  if (Array.isArray(value)) value.forEach((v, i) => pointersOf(v, `${base}/${i}`, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) pointersOf(v, `${base}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
  }
  return out;
}

const summary = (p: ParsedFile) => ({
  failure: p.failure,
  documents: p.documents.map((d) => ({ index: d.index, basePointer: d.basePointer, data: d.data, id: d.id, start: d.start, problems: d.problems })),
});

/** Compares the two readers on one text; returns which one read it. */
function compareReaders(text: string): ReaderUsed {
  const fast = readFastYaml(text);
  if (!fast) return 'full';
  for (const asWritten of [true, false]) {
    const full = parseConfigText('f.yaml', text, undefined, { asWritten, fullReader: true });
    const quick = parseConfigText('f.yaml', text, undefined, { asWritten });
    // The fast reader never accepts what the full reader rejects.
    expect(full.failure).toBeNull();
    expectSame(summary(quick), summary(full));
    full.documents.forEach((doc, i) => {
      for (const pointer of pointersOf(doc.data)) expectSame([pointer, quick.documents[i]!.locate(pointer)], [pointer, doc.locate(pointer)]);
    });
    // After release, positions are found again the same way.
    quick.release();
    full.release();
    full.documents.forEach((doc, i) => expect(quick.documents[i]!.locate('')).toStrictEqual(doc.locate('')));
  }
  return 'fast';
}

// ---------------------------------------------------------------- generated documents (tests/helpers/yaml-documents.ts)

const mutatedArb = mutatedFileOf();

describe('the fast reader reads its subset exactly as the full reader', () => {
  test('generated documents in the subset', () => {
    // The generator reaches the subset often enough for the comparison to mean something.
    expect(readerUse(fileOf(false), compareReaders, { numRuns: 3000, seed: 20261126 }).fast).toBeGreaterThan(300);
  });

  test('generated documents at the edges of the subset', () => {
    expect(readerUse(fileOf(true), compareReaders, { numRuns: 3000, seed: 11 }).fast).toBeGreaterThan(150);
  });

  test('near misses: one character inserted or removed', () => {
    expect(readerUse(mutatedArb, compareReaders, { numRuns: 4000, seed: 7 }).fast).toBeGreaterThan(150);
  });

  test('every YAML file of the fixtures, the differential corpus among them', () => {
    expect(fixtureReaderUse(compareReaders).fast).toBeGreaterThan(100);
  });

  test('what it refuses, the full reader reads (or rejects) instead', () => {
    for (const text of [
      'a: &x 1\nb: *x\n', // anchors
      'a: !!str 1\n', // tags
      'a: "x\\ty"\n', // escapes
      'a: b\n  c\n', // a plain scalar over two lines
      'a: >\n  folded\n', // folded scalars
      'a:\tb\n', // tabs
      'a: 1\r\nb: 2\r\n', // CRLF
      '{"a": 1}\n', // JSON
      'a: 1\na: 2\n', // a duplicate key: the full reader reports it
      'yes: 1\n', // a key go-yaml reads as a boolean
      'a: .inf\n', // a value kubectl rejects
      '%YAML 1.1\n---\na: 1\n', // a directive
    ]) {
      expect([text, readFastYaml(text)]).toStrictEqual([text, null]);
    }
  });

  test('a manifest of the common shapes takes the fast path, with positions', () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web # the name',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: app',
      '          image: "nginx:1.27"',
      '          args: ["--port", "8080"]',
      '          resources: { limits: { cpu: 500m } }',
      '          securityContext:',
      '          env:',
      '          - name: A',
      "            value: 'x'",
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'data:',
      '  conf: |',
      '    a: 1',
      '',
      '    b: 2',
      '',
    ].join('\n');
    expect(compareReaders(text)).toBe('fast');
    const parsed = parseConfigText('f.yaml', text);
    expect(parsed.documents.map((d) => d.data)).toStrictEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.27', args: ['--port', '8080'], resources: { limits: { cpu: '500m' } }, env: [{ name: 'A', value: 'x' }] }] } } },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', data: { conf: 'a: 1\n\nb: 2\n' } },
    ]);
    expect(parsed.documents[0]!.locate('/spec/template/spec/containers/0/image')).toStrictEqual({ line: 10, column: 18, endLine: 10, endColumn: 30 });
    expect(parsed.documents[1]!.locate('/data/conf')).toStrictEqual({ line: 21, column: 9, endLine: 25, endColumn: 1 });
  });
});
