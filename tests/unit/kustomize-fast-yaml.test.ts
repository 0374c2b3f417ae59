import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import fc from 'fast-check';
import { readFastYaml } from '../../src/parse/fast-yaml.js';
import { RenderError } from '../../src/kustomize/resource.js';
import { readKustomizeYaml, resolveKustomizePlain } from '../../src/kustomize/yaml.js';
import { expectSame, fileOf, fixtureReaderUse, mutatedFileOf, readerUse, type ExtraScalars, type ReaderUsed } from '../helpers/yaml-documents.js';

/*
 * kustomize's resources and patches are read by the fast reader with kustomize's scalar rules
 * (resolveKustomizePlain) when it can, and by the `yaml` library with kustomize's tags otherwise
 * (src/kustomize/yaml.ts). Both must give the same documents, the same data and the same errors:
 * these tests compare them on generated documents (the fast reader's own generators, with the
 * scalars where go-yaml v2 and v3 differ added), near misses, and every YAML file of the fixtures.
 */

/** Scalars whose reading differs between go-yaml v2 (the checker) and kustomize's v3, and the `yaml` library's edges around them. */
const V3_PLAIN = [
  'on', 'Off', 'YES', 'Y', 'n', 'True', 'TRUE', 'tRUE', 'FALSE', 'nULL', 'NULL',
  '0755', '-0755', '0o17', '-0o17', '+0o17', '0o1_7', '0o8', '0b11', '-0b11', '0b1_0', '0b2', '0x_1F', '08', '09_1', '00', '-0', '+0', '0_', '0b_', '0o_',
  '1_000', '-1_000', '1_0e1', '1e5', '1E+5', 'e5', 'E1', '.e5', '1.', '.', '1.0', '1.50', '._', '+.5', '+.INF', '.NaN',
  '1:20', '-1:20', '190:20:30', '1:20.5', '12345678901234567890', '9007199254740993',
  '2001-12-14', '2001-1-4', '2001-12-14t21:59:43.10-05:00', '2002-12-14T21:59:43Z', '2001-12-14T21:59:43.10-05:00', '20011214',
  'List', 'ConfigMapList',
];
const V3_KEYS = ['on', 'y', 'Yes', 'off', 'No', 'True', 'n', '0o17', '0755', '1_000', '1:20', '2001-12-14', 'e5', 'NULL', 'nULL'];
const EXTRA: ExtraScalars = { plain: V3_PLAIN, keys: V3_KEYS };

type Read = { docs: { data: unknown; basePointer: string }[] } | { error: string };

function readWith(text: string, fullReader: boolean): Read {
  try {
    return { docs: readKustomizeYaml('f.yaml', text, { fullReader }).map((d) => ({ data: d.data, basePointer: d.basePointer })) };
  } catch (err) {
    if (err instanceof RenderError) return { error: err.message };
    throw err;
  }
}

/** Compares the fast path with the `yaml` path on one text; returns which one read it. */
function compareReaders(text: string): ReaderUsed {
  const fast = readFastYaml(text, resolveKustomizePlain) !== null;
  const full = readWith(text, true);
  expectSame([text, readWith(text, false)], [text, full]);
  // The fast reader never accepts what the `yaml` path rejects.
  if (fast) expect([text, 'error' in full ? full.error : null]).toStrictEqual([text, null]);
  return fast ? 'fast' : 'full';
}

describe('kustomize reads a file with the fast reader exactly as with the yaml library', () => {
  // The yaml path warns about collection keys in near misses (`[a]: b`) on every read: not what is compared here.
  const quiet = jest.spyOn(process, 'emitWarning');
  beforeAll(() => {
    quiet.mockImplementation(() => undefined);
  });
  afterAll(() => {
    quiet.mockRestore();
  });

  test('generated documents in the subset, with the scalars where go-yaml v2 and v3 differ', () => {
    expect(readerUse(fileOf(false, EXTRA), compareReaders, { numRuns: 3000, seed: 20261126 }).fast).toBeGreaterThan(300);
  });

  test('generated documents at the edges of the subset', () => {
    expect(readerUse(fileOf(true, EXTRA), compareReaders, { numRuns: 3000, seed: 11 }).fast).toBeGreaterThan(150);
  });

  test('near misses: one character inserted or removed', () => {
    expect(readerUse(mutatedFileOf(EXTRA), compareReaders, { numRuns: 4000, seed: 7 }).fast).toBeGreaterThan(100);
  });

  test('scalars made of number, date and word characters, as values and as keys', () => {
    const unit = fc.constantFrom(...'0123456789-+._:~ eExXoObBtTfFnNaAlLrRsSuUiIyY'.split(''));
    const used = { fast: 0, full: 0 };
    fc.assert(
      fc.property(fc.string({ unit, minLength: 1, maxLength: 8 }), (s) => {
        used[compareReaders(`v: ${s}\n`)]++;
        used[compareReaders(`${s}: v\n`)]++;
        used[compareReaders(`- [${s}]\n`)]++;
      }),
      { numRuns: 3000, seed: 3 },
    );
    expect(used.fast).toBeGreaterThan(6000);
  });

  test('a scalar is a string without trying the tags only when no tag can match its first character', () => {
    // Every first character from `!` to U+017F, alone and before what makes a number, a date or a word.
    for (let c = 0x21; c <= 0x17f; c++) {
      const first = String.fromCharCode(c);
      for (const rest of ['', '5', '0', '1_0', 'e5', '.5', 'x1F', 'b1', 'o7', 'inf', 'nan', 'ull', 'rue', 'alse', '001-12-14', '1:20']) {
        compareReaders(`v: ${first}${rest}\n`);
      }
    }
  });

  test('every YAML file of the fixtures', () => {
    expect(fixtureReaderUse(compareReaders).fast).toBeGreaterThan(100);
  });
});

describe('kustomize scalar rules on the fast path', () => {
  // [as written, value kustomize reads, read by the fast reader]
  const cases: [string, unknown, boolean][] = [
    ['on', 'on', true],
    ['yes', 'yes', true],
    ['y', 'y', true],
    ['Off', 'Off', true],
    ['true', true, true],
    ['True', true, true],
    ['TRUE', true, true],
    ['tRUE', 'tRUE', true],
    ['False', false, true],
    ['0755', 493, true],
    ['0o17', 15, true],
    ['-0o17', -15, true],
    ['0b11', 3, true],
    ['0x1F', 31, true],
    ['1_000', 1000, true],
    ['08', 8, true],
    ['-0', -0, true],
    ['1.50', 1.5, true],
    ['1e3', 1000, true],
    ['1:20', '1:20', true],
    ['~', null, true],
    ['null', null, true],
    ['NULL', null, true],
    ['nULL', 'nULL', true],
    ['2001-12-14', '2001-12-14T00:00:00Z', true],
    ['2001-1-4', '2001-01-04T00:00:00Z', true],
    ['2001-12-14T21:59:43.10-05:00', '2001-12-14T21:59:43.10-05:00', true],
    ['12345678901234567890', 12345678901234567000, true],
    ['"yes"', 'yes', true],
    ["'0755'", '0755', true],
    ['"2001-12-14"', '2001-12-14', true],
    ['"~"', '~', true],
    ["'True'", 'True', true],
    // NaN and infinities are not JSON: the yaml path reads them.
    ['.inf', Infinity, false],
    ['-.Inf', -Infinity, false],
    ['.nan', NaN, false],
    ['1e400', Infinity, false],
    ['e5', NaN, false],
    ['.', NaN, false],
    ['0_', NaN, false],
    ['0b_', NaN, false],
  ];

  test.each(cases)('v: %s', (written, value, fast) => {
    const text = `v: ${written}\n`;
    expect(readKustomizeYaml('f.yaml', text).map((d) => d.data)).toStrictEqual([{ v: value }]);
    expect(readKustomizeYaml('f.yaml', text, { fullReader: true }).map((d) => d.data)).toStrictEqual([{ v: value }]);
    expect(readFastYaml(text, resolveKustomizePlain) !== null).toBe(fast);
  });

  test('keys kustomize reads as strings take the fast path; typed keys are left to the yaml path', () => {
    const text = 'on: 1\nyes: 2\nn: 3\nTrue: 4\n0o17: 5\n2001-12-14: 6\n';
    expect(readFastYaml('on: 1\nyes: 2\nn: 3\n', resolveKustomizePlain)?.docs.map((d) => d.data)).toStrictEqual([{ on: 1, yes: 2, n: 3 }]);
    expect(readFastYaml(text, resolveKustomizePlain)).toBeNull();
    expect(readKustomizeYaml('f.yaml', text).map((d) => d.data)).toStrictEqual([{ on: 1, yes: 2, n: 3, true: 4, 15: 5, '2001-12-14T00:00:00Z': 6 }]);
  });

  test('a List read on the fast path is unwrapped into its items, with their pointers', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n  - kind: A\n    v: on\n  - kind: B\n---\n---\nkind: C\n';
    expect(readFastYaml(text, resolveKustomizePlain)).not.toBeNull();
    expect(readKustomizeYaml('f.yaml', text).map((d) => [d.basePointer, d.data])).toStrictEqual([
      ['/items/0', { kind: 'A', v: 'on' }],
      ['/items/1', { kind: 'B' }],
      ['', { kind: 'C' }],
    ]);
  });

  test('a syntax error is still the yaml path\'s render error, with its line', () => {
    expect(() => readKustomizeYaml('p.yaml', 'a: 1\na: 2\n')).toThrow(new RenderError('p.yaml:2:1: Map keys must be unique'));
  });
});
