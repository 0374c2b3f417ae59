import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfigText } from '../../src/parse/documents.js';
import { PACKAGE_ROOT } from '../../src/rules/load.js';

/**
 * The differential corpus: each `<case>.yaml` comes with what kubectl's reader (apimachinery's
 * document splitter + sigs.k8s.io/yaml over go-yaml v2) makes of it, as `<case>.json` (the
 * documents, in order, empty ones skipped) or `<case>.error.txt` (kubectl rejects the file).
 * How each expectation was obtained is in fixtures/yaml-corpus/README.md.
 */
const CORPUS = path.join(PACKAGE_ROOT, 'fixtures', 'yaml-corpus');
const cases = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

function expectationOf(name: string): { docs: unknown[] } | { error: string } {
  const json = path.join(CORPUS, `${name}.json`);
  const error = path.join(CORPUS, `${name}.error.txt`);
  if (existsSync(json) === existsSync(error)) throw new Error(`${name}: needs exactly one of ${name}.json and ${name}.error.txt`);
  return existsSync(json) ? { docs: JSON.parse(readFileSync(json, 'utf8')) as unknown[] } : { error: readFileSync(error, 'utf8').trim() };
}

describe('the YAML reader agrees with go-yaml v2 / sigs.k8s.io/yaml (fixtures/yaml-corpus)', () => {
  let warnings: unknown[][];
  beforeEach(() => {
    warnings = [];
    // The YAML library's own warnings must never reach the terminal.
    jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      warnings.push(args);
    });
    jest.spyOn(process, 'emitWarning').mockImplementation((...args: unknown[]) => {
      warnings.push(args);
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  test('the corpus is complete', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    for (const name of cases) expect(() => expectationOf(name)).not.toThrow();
  });

  test.each(cases)('%s', (name) => {
    const text = readFileSync(path.join(CORPUS, `${name}.yaml`), 'utf8');
    const expected = expectationOf(name);
    const parsed = parseConfigText(`${name}.yaml`, text, undefined, { asWritten: true });
    if ('docs' in expected) {
      expect(parsed.failure).toBeNull();
      expect(parsed.documents.map((d) => d.data)).toEqual(expected.docs);
    } else {
      // kubectl refuses the whole file; the check reports it as a parse error, which gates. The other
      // documents of the file are still checked (a broken document never hides a valid one beside it).
      expect(parsed.failure).not.toBeNull();
    }
    expect(warnings).toEqual([]);
  });
});

describe('read leniently as go-yaml does, positions stay those of the file', () => {
  test('after under-indented continuation lines of quoted scalars and flow collections', () => {
    const parsed = parseConfigText('q.yaml', 'a:\n  b: "x\n y"\n  c: [1,\n2]\n  d: 0x_1F\n');
    expect(parsed.failure).toBeNull();
    const doc = parsed.documents[0]!;
    expect(doc.data).toEqual({ a: { b: 'x y', c: [1, 2], d: 31 } });
    expect(doc.locate('/a/b')).toEqual({ line: 2, column: 6, endLine: 3, endColumn: 4 });
    expect(doc.locate('/a/c/1')).toEqual({ line: 5, column: 1, endLine: 5, endColumn: 2 });
    expect(doc.locate('/a/d')).toEqual({ line: 6, column: 6, endLine: 6, endColumn: 11 });
    parsed.release();
    expect(doc.locate('/a/d')).toEqual({ line: 6, column: 6, endLine: 6, endColumn: 11 });
  });

  test('in the second value of a JSON stream', () => {
    const parsed = parseConfigText('j.json', '{"kind": "A", "metadata": {"name": "a"}}\n  {"kind": "B",\n   "metadata": {"name": "b"}}\n');
    expect(parsed.failure).toBeNull();
    expect(parsed.documents.map((d) => d.data)).toEqual([
      { kind: 'A', metadata: { name: 'a' } },
      { kind: 'B', metadata: { name: 'b' } },
    ]);
    expect(parsed.documents[1]!.start).toEqual({ line: 2, column: 3, endLine: 3, endColumn: 30 });
    expect(parsed.documents[1]!.locate('/metadata/name')).toEqual({ line: 3, column: 25, endLine: 3, endColumn: 28 });
  });

  test('what kubectl rejects is a failure at its line', () => {
    expect(parseConfigText('i.yaml', 'kind: x\nb: .inf\n').failure).toEqual({
      message: '.inf (infinity or NaN) cannot be converted to JSON: kubectl rejects it; quote it to keep a string',
      line: 2,
      column: 4,
    });
    expect(parseConfigText('s.yaml', 'a: 1\n--- x\n').failure).toMatchObject({ line: 2, column: 1 });
    expect(parseConfigText('k.yaml', 'a:\n  ~: 1\n').failure).toMatchObject({ line: 2, column: 3 });
  });
});
