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
    const parsed = parseConfigText(`${name}.yaml`, text);
    if ('docs' in expected) {
      expect(parsed.failure).toBeNull();
      expect(parsed.documents.map((d) => d.data)).toEqual(expected.docs);
    } else {
      expect(parsed.failure).not.toBeNull();
      expect(parsed.documents).toEqual([]);
    }
    expect(warnings).toEqual([]);
  });
});
