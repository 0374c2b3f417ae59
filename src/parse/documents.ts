import type { Document, LineCounter, Node, YAMLMap } from 'yaml';
import type { LinePositions } from './line-counter.js';
import { yaml } from './yaml-lib.js';
import type { ResourceId } from '../report/types.js';
import { identifyResource, isRecord } from './identity.js';
import { normalizeDocument } from './normalize.js';
import { joinPointer, pointerSegments } from './pointer.js';
import { positionOf } from './position.js';
import { readFastYaml, type FastFile, type FastNode } from './fast-yaml.js';
import { findTemplateAction } from './templates.js';
import { isMergeSymbol, isOwnError, parseYaml, type YamlTrees } from './yaml.js';

/** A 1-based source range. */
export interface SourceRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** One configuration object: a YAML/JSON document, or one item of a kubectl List. */
export interface ConfigDocument {
  file: string;
  /** Index of the YAML document within the file, 0-based. */
  index: number;
  /** "" for a whole document; "/items/N" for an item unwrapped from a List. */
  basePointer: string;
  data: unknown;
  id: ResourceId | null;
  /** Where the document (or List item) starts: known without re-parsing after `release`. */
  start: SourceRange;
  /**
   * Maps a pointer relative to `data` to the nearest existing node's range in the file; for an
   * object of a rendered target, in the file that set the value (`file`: a base, patch or kustomization).
   */
  locate(pointer: string): SourceRange & { file?: string };
  /** Set for an object of a rendered target (a kustomization folder or a render entry's path). */
  target?: string;
  /** What the API server would reject or read differently (wrong types, duplicate keys); absent when none. */
  problems?: ReadProblem[];
}

/** A finding about how a document reads, made by the parser rather than a rule. */
export interface ReadProblem {
  ruleId: 'invalid-field-type' | 'duplicate-key';
  /** Relative to the document's data. */
  pointer: string;
  message: string;
  /** Where to report it, when not at the pointer (a duplicate key is reported at the second key). */
  at?: SourceRange;
}

export interface ParseFailure {
  message: string;
  line: number;
  column: number;
  /**
   * A template, not a manifest until rendered: `chart` for a Helm chart's templates/ (Helm renders
   * them), `file` for any other file with Go-template actions or `*-template` placeholders.
   */
  template?: 'chart' | 'file';
  /** What to do, when it is not to fix the syntax (the file's size, encoding, or number of documents). */
  fix?: string;
}

export interface ParsedFile {
  file: string;
  documents: ConfigDocument[];
  /**
   * Set when the file, or one of its documents, cannot be read as configuration: the file is then
   * never clean. `documents` still holds the documents that could be read (a broken document does
   * not hide a valid one beside it), except for templates and unreadable files, which have none.
   */
  failure: ParseFailure | null;
  /**
   * Drops the syntax trees (most of a parse's memory); `locate` then re-parses on demand.
   * A full scan evaluates a file and releases it before the next, so memory stays flat.
   */
  release(): void;
}

export interface ParseLimits {
  /** Files larger than this are a parse error, not a silent skip. */
  maxFileBytes: number;
  /** Alias expansions allowed per document (billion-laughs guard). */
  maxAliasCount: number;
  /** Documents per file: thousands of tiny documents cost far more than their bytes suggest. */
  maxDocuments: number;
}

export const DEFAULT_LIMITS: ParseLimits = { maxFileBytes: 5 * 1024 * 1024, maxAliasCount: 100, maxDocuments: 10_000 };

/** How the caller knows a file sits in a Helm chart (a Chart.yaml above its templates/ folder). */
export interface ParseContext {
  chartTemplate?: boolean;
  /** Keep the data as YAML → JSON gives it (nulls, values of any type): the differential corpus compares that. */
  asWritten?: boolean;
  /** false: a text that starts with `{` is YAML like any other, not kubectl's JSON stream (for live snapshots). */
  jsonStream?: boolean;
  /** A renderer's output (`render` config): already rendered, so `{{` in it is data, never a template. */
  rendered?: boolean;
  /** Read with the full reader only, never the fast one (tests compare the two). */
  fullReader?: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function failed(file: string, message: string, line = 1, column = 1, fix?: string): ParsedFile {
  return { file, documents: [], failure: fix ? { message, line, column, fix } : { message, line, column }, release() {} };
}

/** The rule id of a file that cannot be parsed: one finding for the file, whatever it holds. */
export const PARSE_ERROR = 'parse-error';

/** Why every fix of a parse error matters. */
const NEVER_CLEAN = 'a file that cannot be read is never counted as clean.';
/** What a parse error's finding says to do when the failure names nothing else (`fix`): mend the syntax. */
export const FIX_SYNTAX = `Fix the file so it parses as YAML 1.1 or JSON; ${NEVER_CLEAN}`;
/** A file that is data, not configuration (a tokenizer, a dataset), is excluded; one that is configuration is split or let through. */
const EXCLUDE_OR_RAISE = `Exclude the file if it is data, not configuration ("exclude": ["models/**"] in .aiopsrc.json), or raise maxFileBytes; ${NEVER_CLEAN}`;
const EXCLUDE_OR_SPLIT = `Exclude the file if it is data, not configuration ("exclude": ["data/**"] in .aiopsrc.json), or split it; ${NEVER_CLEAN}`;
const SAVE_AS_UTF8 = `Save the file as UTF-8 (iconv -f UTF-16 -t UTF-8 for a UTF-16 file); ${NEVER_CLEAN}`;

/**
 * Maps pointers to positions in one file: from the fast reader's positions when the file is in its
 * subset and they are known there, else from the syntax trees while held, else by parsing again.
 */
class FileLocator {
  constructor(
    private readonly text: string,
    private trees: YamlTrees | null,
    private readonly jsonStream = true,
    private fast: FastFile | null = null,
    /** The file reads with the fast reader: after release, it reads it again rather than the full parse. */
    private readonly fastable = fast !== null,
  ) {}

  locate(index: number, pointer: string): SourceRange {
    if (this.fastable) {
      const fast = (this.fast ??= readFastYaml(this.text));
      const node = fast?.docs[index]?.node;
      const found = node ? locateFast(node, fast!.lineCounter, pointer) : null;
      if (found) return found;
    }
    const trees = (this.trees ??= parseYaml(this.text, { jsonStream: this.jsonStream }));
    return locateNode(trees.docs[index]!, trees.lineCounter, pointer);
  }

  release(): void {
    this.trees = null;
    this.fast = null;
  }
}

/** Parses a YAML or JSON file into documents, unwrapping kubectl Lists. Never throws on bad input. */
export function parseConfigFile(file: string, bytes: Uint8Array, limits: ParseLimits = DEFAULT_LIMITS, context: ParseContext = {}): ParsedFile {
  if (bytes.length > limits.maxFileBytes) {
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    return failed(
      file,
      `file is ${mb(bytes.length)} MB, over the ${mb(limits.maxFileBytes)} MB limit; exclude it or raise maxFileBytes in .aiopsrc.json`,
      1,
      1,
      EXCLUDE_OR_RAISE,
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    return failed(file, 'file is not valid UTF-8; save it as UTF-8', at.line, at.column, SAVE_AS_UTF8);
  }
  return parseConfigText(file, text, limits, context);
}

/** Lines that start a YAML document; counted before parsing, so a flood of documents is refused cheaply. */
const DOCUMENT_START = /^---/gm;

export function parseConfigText(file: string, text: string, limits: ParseLimits = DEFAULT_LIMITS, context: ParseContext = {}): ParsedFile {
  // go-yaml reads a lone CR as a line break (old Mac line ends); the YAML library would read one long line.
  // Same length, so every offset and column stays the file's own.
  if (text.includes('\r')) text = text.replace(/\r(?!\n)/g, '\n');
  // The API server rejects control characters; a NUL is also the mark of UTF-16 saved without a byte-order mark.
  const nul = text.indexOf('\0');
  if (nul !== -1) {
    const at = positionOf(text, nul);
    return failed(file, 'file contains a NUL character, which YAML does not allow (UTF-16 without a byte-order mark?); save it as UTF-8', at.line, at.column, SAVE_AS_UTF8);
  }
  const starts = text.match(DOCUMENT_START)?.length ?? 0;
  if (starts > limits.maxDocuments) {
    return failed(file, `file has ${starts} documents, over the limit of ${limits.maxDocuments}; split it, or exclude it if it is not deployed`, 1, 1, EXCLUDE_OR_SPLIT);
  }
  const deep = findDeepNesting(text);
  if (deep) return failed(file, `the YAML nests deeper than ${MAX_DEPTH} levels here; no manifest does, and reading it would exhaust the stack`, deep.line, deep.column);
  let template: ParseFailure | null;
  try {
    template = findTemplate(file, text, context);
  } catch (err) {
    return readerOverflow(file, err);
  }
  if (template) return { file, documents: [], failure: template, release() {} };
  const fast = context.fullReader ? null : readFastYaml(text);
  if (fast) {
    const locator = new FileLocator(text, null, context.jsonStream !== false, fast);
    const documents: ConfigDocument[] = [];
    fast.docs.forEach((doc, index) => {
      if (doc.data !== null) addDocument(documents, file, index, doc.data, [], locator, context);
    });
    return { file, documents, failure: null, release: () => locator.release() };
  }
  let trees: YamlTrees;
  try {
    trees = parseYaml(text, { jsonStream: context.jsonStream });
  } catch (err) {
    return readerOverflow(file, err);
  }
  const { docs: yamlDocs, lineCounter } = trees;
  const locator = new FileLocator(text, trees, context.jsonStream !== false);
  const documents: ConfigDocument[] = [];
  let failure: ParseFailure | null = null;
  for (let index = 0; index < yamlDocs.length; index++) {
    const doc = yamlDocs[index]!;
    const duplicates = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY');
    const error = doc.errors.find((e) => e.code !== 'DUPLICATE_KEY');
    if (error) {
      // This document is not read; the others still are, so a broken one hides nothing beside it.
      const indent = misindentedKey(doc.errors);
      const at = indent ?? lastContentOffset(text, error.pos[0]);
      const pos = lineCounter.linePos(at);
      const message = indent !== null ? MISINDENTED_KEY : describeYamlError(error.message, isOwnError(error) ? null : lineAround(text, at));
      failure ??= { message, line: pos.line, column: pos.col };
      continue;
    }
    if (doc.contents === null) continue;
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: limits.maxAliasCount });
      if (text.includes('&') && isCyclic(data)) throw new Error('an anchor contains an alias of itself, so it never ends');
    } catch (err) {
      // An alias without an anchor is reported where it is written (a password such as *hunter2 left unquoted), not at the document's start.
      const pos = lineCounter.linePos(unresolvedAlias(doc) ?? doc.contents.range[0]);
      failure ??= { message: `document ${index + 1} cannot be expanded: ${describeExpandError(err)}`, line: pos.line, column: pos.col };
      continue;
    }
    if (data === null || data === undefined) continue;
    const keyProblems = duplicateKeyProblems(doc, lineCounter, duplicates.map((e) => e.pos[0]));
    addDocument(documents, file, index, data, keyProblems, locator, context);
  }
  // A file with no word of a manifest in it (a tool's settings in JSON with comments) is more likely excluded than mended.
  if (failure && !MANIFEST_WORD.test(text)) failure.fix = excludeOrFix(file);
  return { file, documents, failure, release: () => locator.release() };
}

/** A word every Kubernetes object or compose file holds (as a key, in any document of the file). */
const MANIFEST_WORD = /\b(apiVersion|kind|services)\b/;

function excludeOrFix(file: string): string {
  return `If ${file} is not a Kubernetes or compose config (a tool's settings), exclude it ("exclude": [${JSON.stringify(file)}] in .aiopsrc.json); if it is one, fix it so it parses as YAML 1.1 or JSON. ${NEVER_CLEAN.charAt(0).toUpperCase()}${NEVER_CLEAN.slice(1)}`;
}

/** A last guard: whatever the pre-check missed, a stack overflow in a reader (the template scan's too) is a parse error, never a crash. */
function readerOverflow(file: string, err: unknown): ParsedFile {
  if (err instanceof RangeError) return failed(file, `the YAML cannot be read: ${err.message}`);
  throw err;
}

/** Adds a document's data (or each item of a kubectl List) as read by the API server, with what it would reject. */
function addDocument(documents: ConfigDocument[], file: string, index: number, data: unknown, keyProblems: ReadProblem[], locator: FileLocator, context: ParseContext): void {
  const locate = (base: string) => (pointer: string) => locator.locate(index, base + pointer);
  const add = (basePointer: string, value: unknown) => {
    const id = identifyResource(value);
    const at = locate(basePointer);
    const problems: ReadProblem[] = [
      ...keyProblems.filter((p) => isUnder(p.pointer, basePointer)).map((p) => ({ ...p, pointer: p.pointer.slice(basePointer.length) })),
      ...(context.asWritten ? [] : normalizeDocument(value, id)).map((p) => ({ ruleId: 'invalid-field-type' as const, ...p })),
    ];
    documents.push({ file, index, basePointer, data: value, id, start: at(''), locate: at, ...(problems.length ? { problems } : {}) });
  };
  if (isRecord(data) && typeof data.kind === 'string' && data.kind.endsWith('List') && Array.isArray(data.items)) {
    data.items.forEach((item, i) => add(`/items/${i}`, item));
    return;
  }
  add('', data);
}

/** Deeper than any manifest: flow brackets, indentation and `- - -` runs beyond it are refused before parsing. */
const MAX_DEPTH = 1000;

/** A line that starts with more indentation or `- ` indicators than MAX_DEPTH allows. */
const DEEP_LINE_START = new RegExp(`^[ ?:-]{${MAX_DEPTH + 1}}`, 'm');

/**
 * DEEP_LINE_START.test(text), asked only of the lines long enough to hold such a start: a multiline
 * regex over the whole text tries every position, and every file passes here.
 */
function hasDeepLineStart(text: string): boolean {
  if (text.length <= MAX_DEPTH) return false;
  for (let start = 0; start < text.length; ) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    if (end - start > MAX_DEPTH && DEEP_LINE_START.test(text.slice(start, end))) return true;
    start = end + 1;
  }
  return false;
}

/** Counts a character with the engine's own search (a hot path: every file passes here). */
function countChar(text: string, c: string): number {
  let n = 0;
  for (let i = text.indexOf(c); i !== -1; i = text.indexOf(c, i + 1)) n++;
  return n;
}

/**
 * Where the text first nests deeper than MAX_DEPTH (quotes are skipped), or null. Nesting that deep
 * needs more than MAX_DEPTH brackets or a line that starts that deep; most files have neither, and
 * skip the character-by-character scan.
 */
function findDeepNesting(text: string): { line: number; column: number } | null {
  if (countChar(text, '[') + countChar(text, '{') <= MAX_DEPTH && !hasDeepLineStart(text)) return null;
  let depth = 0;
  let quote = '';
  let lineStart = 0;
  let atLineStart = true;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = i + 1;
      atLineStart = true;
      run = 0;
      continue;
    }
    if (atLineStart) {
      // Indentation, and the `- ` / `? ` / `: ` indicators that open a nested collection on one line.
      if (c === 32 || ((c === 45 || c === 63 || c === 58) && text.charCodeAt(i + 1) === 32)) {
        if (++run > MAX_DEPTH) return positionOf(text, i);
        continue;
      }
      atLineStart = false;
    }
    if (quote) {
      if (String.fromCharCode(c) === quote && !(quote === '"' && text.charCodeAt(i - 1) === 92)) quote = '';
      continue;
    }
    if (c === 34 || c === 39) quote = String.fromCharCode(c);
    else if (c === 35 && (i === lineStart || text.charCodeAt(i - 1) === 32)) {
      const nl = text.indexOf('\n', i);
      i = (nl === -1 ? text.length : nl) - 1;
    } else if (c === 91 || c === 123) {
      if (++depth > MAX_DEPTH) return positionOf(text, i);
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return null;
}

function isUnder(pointer: string, base: string): boolean {
  return base === '' || pointer === base || pointer.startsWith(base + '/');
}

/** A template is never linted: its documents only exist once rendered. */
function findTemplate(file: string, text: string, context: ParseContext): ParseFailure | null {
  if (context.rendered || !text.includes('{{')) return null;
  if (context.chartTemplate) {
    return { message: 'a Helm chart template, not YAML until rendered: check the output of "helm template" instead', line: 1, column: 1, template: 'chart' };
  }
  const action = findTemplateAction(file, text);
  if (!action) return null;
  return {
    message: `a template, not a manifest until rendered (${action.what} at line ${action.line}): nothing in it was checked; check the rendered output, or exclude the file if it is never deployed`,
    line: action.line,
    column: action.column,
    template: 'file',
  };
}

/** True when a value contains itself (an anchor whose value holds an alias to it). */
function isCyclic(root: unknown): boolean {
  const open = new Set<object>();
  const visit = (v: unknown): boolean => {
    if (typeof v !== 'object' || v === null) return false;
    if (open.has(v)) return true;
    open.add(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (visit(child)) return true;
    open.delete(v);
    return false;
  };
  return visit(root);
}

/** The duplicate keys at these offsets, each named with the line of the key it hides. */
function duplicateKeyProblems(doc: Document.Parsed, lc: LineCounter, offsets: number[]): ReadProblem[] {
  if (offsets.length === 0) return [];
  // One walk for all of them: a file of thousands of duplicates costs one pass, not one per duplicate.
  const keys = new Map<number, KeyAt>();
  findKeysAt(doc.contents, new Set(offsets), '', keys);
  return offsets.map((offset) => {
    const found = keys.get(offset);
    const second = lc.linePos(offset);
    const at = { line: second.line, column: second.col, endLine: second.line, endColumn: second.col };
    if (!found) return { ruleId: 'duplicate-key', pointer: '', at, message: `duplicate key at line ${second.line}: it hides an earlier value; remove one` };
    const first = lc.linePos(found.first).line;
    return {
      ruleId: 'duplicate-key',
      pointer: found.pointer,
      at,
      message: `key "${found.key}" appears twice, at lines ${first} and ${second.line}; Kubernetes reads the last one (line ${second.line}) and drops the other: remove one`,
    };
  });
}

/** A map key node: its pointer, its text and where the first key of that name in its map starts. */
type KeyAt = { pointer: string; key: string; first: number };

/** Finds the map key nodes starting at `offsets` (the first in document order, for each offset). */
function findKeysAt(node: unknown, offsets: ReadonlySet<number>, pointer: string, out: Map<number, KeyAt>): void {
  if (yaml().isMap(node)) {
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = yaml().isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const start = keyNode?.range?.[0] ?? -1;
      if (offsets.has(start) && !out.has(start)) out.set(start, { pointer: joinPointer(pointer, key), key, first: seen.get(key) ?? start });
      if (!seen.has(key)) seen.set(key, start);
      findKeysAt(pair.value, offsets, joinPointer(pointer, key), out);
    }
  } else if (yaml().isSeq(node)) {
    for (let i = 0; i < node.items.length; i++) findKeysAt(node.items[i], offsets, joinPointer(pointer, i), out);
  }
}

/** An error found at the end of the file (an unclosed bracket) is shown on the last line with content. */
function lastContentOffset(text: string, offset: number): number {
  const end = text.trimEnd().length;
  return offset >= end && end > 0 ? end - 1 : offset;
}

/**
 * A `key:` on a line indented deeper than a plain value on the line before (`apiVersion: apps/v1` then
 * `    kind: Deployment`): the value and the key read as one multi-line key. The yaml package reports
 * it at the value; go-yaml (kubectl) at the key's colon, where the fix is: so do we.
 */
const MISINDENTED_KEY = 'a "key:" indented deeper than the line before it, so YAML reads it as part of that value (kubectl: "mapping values are not allowed in this context"); indent it like the keys beside it';

/** The offset of the colon of such a key, or null. */
function misindentedKey(errors: readonly { code: string; pos: [number, number] }[]): number | null {
  if (errors[0]?.code !== 'BLOCK_AS_IMPLICIT_KEY') return null;
  const multiline = errors.find((e) => e.code === 'MULTILINE_IMPLICIT_KEY');
  return multiline ? multiline.pos[1] : null;
}

/**
 * The YAML readers' messages that quote the text they stopped at, said without it: a password that
 * starts with `*`, `!`, `|` or `>` is read as an alias, a tag or a block scalar, and its error would
 * print it. Ours never quote a value (yaml.ts).
 */
const QUOTING_MESSAGES: [RegExp, string][] = [
  [/^Block scalar header includes extra characters/, 'a block scalar header (| or >) is followed by other characters; a value that starts with | or > must be quoted'],
  [/^Unresolved alias/, 'an alias (*name) has no anchor (&name) before it; a value that starts with * must be quoted'],
  [/^(Unresolved tag|Could not resolve tag|Not a valid tag|The .* tag has no suffix|Verbatim tags aren't resolved)/s, 'an unknown tag (!name); a value that starts with ! must be quoted'],
  [/^.* used for \w+ collection, but expects \w+$/s, 'a tag that does not fit the value it is on; a value that starts with ! must be quoted'],
  [/^Unresolved plain scalar/, 'a plain value that cannot be resolved; quote it'],
  [/^Ordered maps must not include duplicate keys/, 'an ordered map (!!omap) has a key twice'],
];

/**
 * A reader's message for a person: the first line, without the library's position (the finding
 * has it), and never with the text it stopped at. Besides the known messages, any part of a
 * library's message found on the line where reading stopped (`line`) is left out: that line may
 * hold a Secret's value. Our own messages (null `line`) quote no value.
 */
function describeYamlError(message: string, line: string | null): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (line === null) return first;
  const known = unquoted(first);
  if (known !== null) return known;
  return first
    .split(/(\s+)/)
    .map((word) => {
      const core = word.replace(/^["'`(]+|["'`),.;:]+$/g, '');
      return core.length >= 4 && !/^[a-z]+$/.test(core) && line.includes(core) ? '…' : word;
    })
    .join('');
}

/** A known message that quotes the text, said without it; null for any other. */
function unquoted(message: string): string | null {
  return QUOTING_MESSAGES.find(([re]) => re.test(message))?.[1] ?? null;
}

/** Where the first alias without an anchor before it starts, or null when every alias resolves. */
function unresolvedAlias(doc: Document.Parsed): number | null {
  let at: number | null = null;
  const lib = yaml();
  lib.visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) !== undefined) return undefined;
      at = node.range?.[0] ?? null;
      return lib.visit.BREAK;
    },
  });
  return at;
}

/** Why a document's anchors and aliases cannot be expanded, without the alias (a value that starts with `*` is one). */
function describeExpandError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return unquoted(message) ?? message;
}

/** The text of the line that holds `offset`. */
function lineAround(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', offset);
  return text.slice(start, end === -1 ? text.length : end);
}

/**
 * Finds the node at `pointer`, or its nearest existing parent, and returns its range.
 * A map or list reached through a key is reported at its key (`spec:`), where a reader looks.
 */
function locateNode(doc: Document.Parsed, lc: LineCounter, pointer: string): SourceRange {
  let node: Node | null = doc.contents;
  let key: Node | null = null;
  for (const seg of pointerSegments(pointer)) {
    const next = childOf(doc, node, seg);
    if (!next) break;
    [node, key] = next;
  }
  const resolved = yaml().isAlias(node) ? node.resolve(doc) : node;
  const anchor = key && (yaml().isMap(resolved) || yaml().isSeq(resolved)) ? key : node;
  const range = anchor?.range ?? [0, 0, 0];
  const start = lc.linePos(range[0]);
  const end = lc.linePos(Math.max(range[0], range[1]));
  return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
}

/**
 * locateNode on the fast reader's positions: the same walk and the same choice of range. Null when
 * the range depends on where the library attaches blank or comment lines (the caller parses then).
 */
function locateFast(root: FastNode, lc: LinePositions, pointer: string): SourceRange | null {
  let node = root;
  let key: [number, number] | null = null;
  for (const seg of pointerSegments(pointer)) {
    if (node.keys) {
      const i = node.keys.indexOf(seg);
      if (i === -1) break;
      key = [node.keyRanges![2 * i]!, node.keyRanges![2 * i + 1]!];
      node = node.kids![i]!;
    } else if (node.kids) {
      const item = node.kids[Number(seg)];
      if (!item) break;
      node = item;
      key = null;
    } else {
      break;
    }
  }
  const viaKey = key !== null && node.kids !== null;
  if (!viaKey && node.open) return null;
  const [r0, r1] = viaKey ? key! : [node.r0, node.r1];
  const start = lc.linePos(r0);
  const end = lc.linePos(Math.max(r0, r1));
  return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
}

/** The child node at one pointer segment, with the key node that leads to it (null in lists). */
function childOf(doc: Document.Parsed, node: Node | null, seg: string): [Node, Node | null] | null {
  let cur: unknown = node;
  if (yaml().isAlias(cur)) cur = cur.resolve(doc);
  if (yaml().isMap(cur)) return childOfMap(doc, cur, seg);
  if (yaml().isSeq(cur)) {
    const item = cur.items[Number(seg)] as Node | undefined;
    return item ? [item, null] : null;
  }
  return null;
}

/**
 * The key `seg` of a map as go-yaml v2 reads it (parse/yaml.ts): the last pair that sets it wins,
 * and a merge (`<<: *base`, or a list of them, the first winning among them) sets the keys of the
 * map it brings, where it stands. So a value that came through a merge is found where it is written,
 * under its anchor, not at the map that merged it.
 */
function childOfMap(doc: Document.Parsed, map: YAMLMap, seg: string, depth = 0): [Node, Node | null] | null {
  let found: [Node, Node | null] | null = null;
  for (const pair of map.items) {
    if (isMergeKey(pair.key)) {
      if (depth >= MAX_MERGE_DEPTH) continue;
      let source: unknown = pair.value;
      if (yaml().isAlias(source)) source = source.resolve(doc);
      for (let item of yaml().isSeq(source) ? source.items : [source]) {
        if (yaml().isAlias(item)) item = item.resolve(doc);
        const hit = yaml().isMap(item) ? childOfMap(doc, item, seg, depth + 1) : null;
        if (hit) {
          found = hit;
          break;
        }
      }
      continue;
    }
    const key = yaml().isScalar(pair.key) ? pair.key.value : pair.key;
    if (String(key) !== seg) continue;
    const keyNode = pair.key as Node;
    found = [(pair.value as Node | null) ?? keyNode, keyNode];
  }
  return found;
}

/** Merges inside merges are followed this deep (a parse error stops anchors that contain themselves). */
const MAX_MERGE_DEPTH = 100;

function isMergeKey(key: unknown): boolean {
  return yaml().isScalar(key) && isMergeSymbol(key.value);
}

function firstInvalidUtf8(bytes: Uint8Array): { line: number; column: number } {
  let line = 1;
  for (let start = 0; start < bytes.length; line++) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl === -1 ? bytes.length : nl;
    try {
      utf8.decode(bytes.subarray(start, end));
    } catch {
      return { line, column: 1 };
    }
    start = end + 1;
  }
  return { line: 1, column: 1 };
}
