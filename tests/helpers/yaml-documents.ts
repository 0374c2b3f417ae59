import { expect } from '@jest/globals';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createRandom } from '../../scripts/seeded-random.js';
import { PACKAGE_ROOT } from '../../src/rules/load.js';

/*
 * Generated YAML files around the edges of the fast reader's subset (src/parse/fast-yaml.ts),
 * shared by the tests that compare it with a full reader: the checker's (tests/unit/fast-yaml.test.ts)
 * and kustomize's (tests/unit/kustomize-fast-yaml.test.ts).
 */

/** Deep equality as node defines it (own keys such as `constructor` compared as data, not as prototypes). */
export function expectSame(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toStrictEqual(expected);
}

/** Scalars in the subset (as values), and ones at or past its edges. */
const PLAIN_SCALARS = [
  'a', 'app-1', 'registry.example.com/app:1.2@sha256:00ff', 'yes', 'No', 'on', 'OFF', 'y', 'n', '~', 'null', 'Null', 'true', 'False',
  '0', '-1', '+1', '0755', '0o17', '0x1F', '0b101', '1_000', '1e3', '1.5', '.5', '-.5', '._5', '1:20', '2001-12-14', '0.1_0',
  '9223372036854775808', '18446744073709551616', '-9223372036854775809', '1e400', 'a#b', 'a:b', 'http://x:80/y', '-x', '--port',
  "it's", 'say "hi"', 'ünï', '\u{1F4A5}', 'a  b', '<<', '__proto__', 'constructor', '=', '$(X)', 'a\\b', '100m', '128Mi', 'a\u00A0b', 'a!b', 'a&b', 'a*b', 'f(x)[0]', 'a{b}c', 'x]', 'x}', 'a [b]', 'a, b', 'a: b]',
];
const TRICKY_PLAIN = [
  '.inf', '-.Inf', '.nan', 'a # b', 'a: b', 'b:', '- x', '-', '@a', '&a', '*a', '!t', '!!str x', '%p', '`b', '|', '>', '?x', '? x', ':x', ',x',
  'a,b', 'a]', 'a}', '[a', '{a',
];
const QUOTED = [
  '"x"', '""', '"a # b"', '"a: b"', "\"a'b\"", "'x'", "''", "'it''s'", "'a\"b'", "'a\\b'", '"1"', '"yes"', '"~"', '"a,b"', '"[a]"', "'#'",
  '" lead"', "'trail '",
];
const TRICKY_QUOTED = ['"a\\nb"', '"a\\"b"', '"abc', "'abc", '"a"b"', "'a'b'"];
const PLAIN_KEYS = ['a', 'b', 'name', 'app.kubernetes.io/name', 'x_y', 'k-1', '"q k"', "'s k'", '"a"', "'b'", 'constructor', '$k', '.k', 'k=v', 'kind', 'metadata', 'spec', 'items', '""'];
const TRICKY_KEYS = ['1', '0x1', 'yes', 'true', 'on', 'null', '~', '<<', '__proto__', 'a b', 'a:b', '-k', 'k#', '@k', '"1"', '"__proto__"'];
const LITERAL_LINES = ['x', 'key: value', '# not a comment', '  deeper', '', '', 'x', '- item', '"q"', 'end  ', 'a: [b]'];
const HEADERS = ['|', '|-', '|', '|-', '|+', '>', '>-', '| # c', '|2', '|-  ', '|1-'];

type Tree =
  | { t: 'plain'; v: string }
  | { t: 'quoted'; v: string }
  | { t: 'literal'; header: string; lines: string[] }
  | { t: 'flow'; v: FlowTree }
  | { t: 'map'; entries: [string, Tree][] }
  | { t: 'seq'; items: Tree[] };
type FlowTree = { t: 'fs'; v: string } | { t: 'fmap'; entries: [string, FlowTree][] } | { t: 'fseq'; items: FlowTree[] };

/** Scalars and keys a reader's test adds to those above (its own scalar rules' edge cases). */
export interface ExtraScalars {
  plain?: readonly string[];
  keys?: readonly string[];
}

/** Documents in the subset (and, when `edgy`, with scalars, keys and block headers at or past its edges). */
function rootsOf(edgy: boolean, extra: ExtraScalars): fc.Arbitrary<Tree> {
  const PLAIN = [...PLAIN_SCALARS, ...(extra.plain ?? [])];
  const KEYS = [...PLAIN_KEYS, ...(extra.keys ?? [])];
  const keyArb = edgy ? fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.constantFrom(...TRICKY_KEYS) }) : fc.constantFrom(...KEYS);

  const scalarArb: fc.Arbitrary<Tree> = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...PLAIN).map((v) => ({ t: 'plain' as const, v })) },
    { weight: 2, arbitrary: fc.constantFrom(...QUOTED).map((v) => ({ t: 'quoted' as const, v })) },
    { weight: edgy ? 1 : 0, arbitrary: fc.constantFrom(...TRICKY_PLAIN, ...TRICKY_QUOTED).map((v) => ({ t: 'plain' as const, v })) },
    {
      weight: 1,
      arbitrary: fc.record({ header: fc.constantFrom(...(edgy ? HEADERS : ['|', '|-'])), lines: fc.array(fc.constantFrom(...LITERAL_LINES), { minLength: 1, maxLength: 4 }) }).map((r) => ({ t: 'literal' as const, ...r })),
    },
  );

  const flowArb: fc.Arbitrary<FlowTree> = fc.letrec<{ f: FlowTree }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...PLAIN, ...QUOTED) }, { weight: edgy ? 1 : 0, arbitrary: fc.constantFrom(...TRICKY_PLAIN, ...TRICKY_QUOTED) }).map((v) => ({ t: 'fs' as const, v })),
      fc.array(fc.tuple(keyArb, tie('f')), { maxLength: 3 }).map((entries) => ({ t: 'fmap' as const, entries })),
      fc.array(tie('f'), { maxLength: 3 }).map((items) => ({ t: 'fseq' as const, items })),
    ),
  })).f;

  const treeArb: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalarArb,
      flowArb.map((v) => ({ t: 'flow' as const, v })),
      fc.array(fc.tuple(keyArb, tie('tree')), { minLength: 1, maxLength: 4 }).map((entries) => ({ t: 'map' as const, entries })),
      fc.array(tie('tree'), { minLength: 1, maxLength: 4 }).map((items) => ({ t: 'seq' as const, items })),
    ),
  })).tree;

  return fc.oneof(
    fc.array(fc.tuple(keyArb, treeArb), { minLength: 1, maxLength: 5 }).map((entries): Tree => ({ t: 'map', entries })),
    fc.array(treeArb, { minLength: 1, maxLength: 4 }).map((items): Tree => ({ t: 'seq', items })),
  );
}

/** A seeded choice maker (the fuzz loop's), so that one generated case always renders the same text. */
type Choose = ReturnType<typeof createRandom>;

function renderFlow(f: FlowTree, c: Choose): string {
  const sp = () => c.pick(['', ' ', '  ']);
  if (f.t === 'fs') return f.v;
  if (f.t === 'fseq') return `[${sp()}${f.items.map((i) => renderFlow(i, c)).join(`${sp()},${c.pick([' ', ' ', ''])}`)}${c.chance(0.05) ? ',' : ''}${sp()}]`;
  return `{${sp()}${f.entries.map(([k, v]) => `${k}${c.chance(0.05) ? ' ' : ''}:${c.pick([' ', ' ', '', '  '])}${renderFlow(v, c)}`).join(`${sp()}, `)}${sp()}}`;
}

/** Trailing spaces or a comment after a value, sometimes. */
const lineTail = (c: Choose) => (c.chance(0.1) ? '  ' : '') + (c.chance(0.1) ? c.pick([' # c', '  #c', '#c', ' # a: b']) : '');

/** Blank and comment lines between entries, sometimes, at any indentation. */
const between = (c: Choose, indent: number) =>
  c.chance(0.12) ? c.pick(['\n', `${' '.repeat(indent)}# c\n`, '# c\n', `${' '.repeat(indent + 2)}# deeper\n`, `\n${' '.repeat(indent)}# c\n\n`, '   \n']) : '';

/** The value after `key:` or `- ` (inline, or on the following lines indented past `indent`). */
function renderValue(tree: Tree, indent: number, c: Choose, inSeq: boolean): string {
  const step = c.pick([1, 2, 2, 2, 3, 4]);
  switch (tree.t) {
    case 'plain':
    case 'quoted':
      return `${c.pick([' ', ' ', '  '])}${tree.v}${lineTail(c)}\n`;
    case 'flow':
      return ` ${renderFlow(tree.v, c)}${lineTail(c)}\n`;
    case 'literal': {
      const body = tree.lines.map((l) => (l === '' ? (c.chance(0.2) ? ' '.repeat(indent + step) : '') : ' '.repeat(indent + step) + l)).join('\n');
      return ` ${tree.header}\n${body}\n${c.chance(0.2) ? '\n' : ''}`;
    }
    case 'map':
      if (inSeq && c.chance(0.9)) return ` ${renderEntries(tree, indent + 2, c, true)}`;
      return `${lineTail(c)}\n${between(c, indent)}${renderEntries(tree, indent + step, c, false)}`;
    case 'seq': {
      const own = !inSeq && c.chance(0.4) ? indent : indent + step; // an indentless list under a key
      if (inSeq && c.chance(0.05)) return ` ${renderItems(tree, indent + 2, c, true)}`;
      return `${lineTail(c)}\n${renderItems(tree, own, c, false)}`;
    }
  }
}

function renderEntries(tree: Extract<Tree, { t: 'map' }>, indent: number, c: Choose, firstInline: boolean): string {
  return tree.entries
    .map(([k, v], i) => `${i === 0 && firstInline ? '' : between(c, indent) + ' '.repeat(indent)}${k}${c.chance(0.03) ? ' ' : ''}:${renderValue(v, indent, c, false)}`)
    .join('');
}

function renderItems(tree: Extract<Tree, { t: 'seq' }>, indent: number, c: Choose, firstInline: boolean): string {
  return tree.items
    .map((v, i) => `${i === 0 && firstInline ? '' : between(c, indent) + ' '.repeat(indent)}-${c.chance(0.1) ? ' ' : ''}${renderValue(v, indent, c, true)}`)
    .join('');
}

function renderRoot(tree: Tree, c: Choose): string {
  const indent = c.chance(0.05) ? 2 : 0;
  return tree.t === 'map' ? renderEntries(tree, indent, c, false) : renderItems(tree as Extract<Tree, { t: 'seq' }>, indent, c, false);
}

const MARKERS = ['---\n', '---\n', '---\n', '---\n', '--- # doc\n', '---  \n', '---\n\n', '---\n# c\n'];
const BAD_MARKERS = ['--- a: 1\n', '...\n---\n', '%YAML 1.1\n---\n', '----\n'];

/** Files of one to three such documents, rendered with varied indentation, comments, markers and line tails. */
export const fileOf = (edgy: boolean, extra: ExtraScalars = {}) => fc.record({ docs: fc.array(fc.option(rootsOf(edgy, extra), { freq: 6 }), { minLength: 1, maxLength: 3 }), seed: fc.integer() }).map(({ docs, seed }) => {
  const c = createRandom(seed);
  let text = c.chance(0.2) ? c.pick(['# lead\n', '\n', '---\n', '# a\n\n---\n']) : '';
  docs.forEach((d, i) => {
    if (i > 0) text += edgy && c.chance(0.05) ? c.pick(BAD_MARKERS) : c.pick(MARKERS);
    if (d) text += renderRoot(d, c);
  });
  if (c.chance(0.1)) text = text.trimEnd();
  if (c.chance(0.05)) text += c.pick(['---\n', '\n\n', '# end', ...(edgy ? ['...\n'] : [])]);
  if (edgy && c.chance(0.03)) text = text.replace(/\n/g, '\r\n');
  return text;
});

/** Small edits that turn a case into a near miss: a character inserted or removed anywhere. */
const INSERTS = [' ', '\n', '#', ':', '- ', '"', "'", '{', '}', '[', ']', ',', '|', '\t', '---\n', '&a ', '*a', '!', '  ', '\\', '? ', '\r', '\uFEFF'];
export const mutatedFileOf = (extra: ExtraScalars = {}) =>
  fc.tuple(fileOf(false, extra), fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...INSERTS, null)).map(([text, at, insert]) => {
    const i = Math.floor(at * text.length);
    return insert === null ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + insert + text.slice(i);
  });

/** Which reader took a text in a comparison of the fast reader with the full one. */
export type ReaderUsed = 'fast' | 'full';

/**
 * Runs a reader comparison over generated texts and counts which reader took each: the comparison
 * means something only if the fast reader is reached often enough.
 */
export function readerUse(texts: fc.Arbitrary<string>, compare: (text: string) => ReaderUsed, params: fc.Parameters<[string]>): Record<ReaderUsed, number> {
  const used = { fast: 0, full: 0 };
  fc.assert(
    fc.property(texts, (text) => {
      used[compare(text)]++;
    }),
    params,
  );
  return used;
}

/** The same over every YAML file of the repository's fixtures (the differential corpus among them). */
export function fixtureReaderUse(compare: (text: string) => ReaderUsed): Record<ReaderUsed, number> {
  const root = path.join(PACKAGE_ROOT, 'fixtures');
  const used = { fast: 0, full: 0 };
  for (const f of readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f))) used[compare(readFileSync(path.join(root, f), 'utf8'))]++;
  return used;
}
