import { LineCounter } from './line-counter.js';
import { resolveGoScalar } from './yaml.js';

/*
 * The fast path of the reader. Most manifests use a small part of YAML: block maps and lists,
 * one-line plain and quoted scalars, one-line flow collections, literal block scalars, comments.
 * This module reads exactly that part, straight from the text to data with go-yaml v2's scalar
 * rules (or a caller's: kustomize reads resources with v3's, src/kustomize/yaml.ts), and keeps
 * the positions the `yaml` library's syntax tree would give each node. Anything outside it
 * (anchors, tags, escapes, multi-line plain or quoted scalars, folded scalars, tabs, CR, JSON
 * streams, directives, duplicate or non-string keys...) returns null, and the file is read by the
 * full reader (parseYaml) instead. tests/unit/fast-yaml.test.ts compares both on generated
 * documents and on every case of the differential corpus: same data, same positions
 * (tests/unit/kustomize-fast-yaml.test.ts does the same for kustomize's reader).
 */

/** A node's range as the `yaml` library gives it: [start, end of value, end of node (trailing comment and newline)]. */
export interface FastNode {
  r0: number;
  r1: number;
  r2: number;
  /** r1 and r2 depend on where the library attaches comment lines after the node: not known here. */
  open: boolean;
  /** Map: keys (strings, unique), their ranges (start, end pairs) and values. List: values only. */
  keys: string[] | null;
  keyRanges: number[] | null;
  kids: FastNode[] | null;
}

/** A value read, with its node; a document's is null for an empty document (it still takes an index, as in the full reader). */
interface ReadValue {
  data: unknown;
  node: FastNode | null;
}

export interface FastFile {
  docs: ReadValue[];
  lineCounter: LineCounter;
}

/** What a plain scalar's resolver returns for a value it cannot vouch for: the file goes to the full reader. */
export const REFUSE: unique symbol = Symbol('refuse');

/**
 * The value of a plain scalar (keys included; quoted and block scalars are always strings), or
 * REFUSE. A key is read only when it resolves to its own text.
 */
export type PlainScalarResolver = (plain: string) => unknown;

/** go-yaml v2, as the API server reads manifests; infinities and NaN (which kubectl rejects) are left to the full reader. */
const resolveGoPlain: PlainScalarResolver = (plain) => {
  const r = resolveGoScalar(plain);
  return typeof r.value === 'number' && !Number.isFinite(r.value) ? REFUSE : r.value;
};

/** Not in the subset this reader handles: the caller uses the full reader. */
class Unsupported extends Error {}

const bail = (): never => {
  throw new Unsupported();
};

/**
 * Characters that send the whole file to the full reader: tab, CR and the other line breaks,
 * BOM, and what go-yaml or kubectl reject (control characters, lone surrogates).
 */
const UNSUPPORTED_TEXT =
  /[\t\r\x85\u2028\u2029\uFEFF]|[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Lines that start with these are markers, directives or JSON: the full reader handles them. */
const UNSUPPORTED_LINE_START = /^(?:\.\.\.|%|---(?!(?: +#.*| *)$))/m;
/** kubectl reads a stream that starts with `{` as JSON (the full reader knows how). */
const STARTS_LIKE_JSON = /^[\n\v\f \xA0]*[{[]/;
/** A plain key: starts with a letter, digit or `_./$`, and has no space, colon, hash or flow indicator. */
const PLAIN_KEY = /^[A-Za-z0-9_./$][A-Za-z0-9_./$@~+=-]*$/;
/** The longest implicit key the library accepts is 1024 characters; stay well below. */
const MAX_KEY = 512;

const SPACE = 32;
const NEWLINE = 10;
const HASH = 35;

/** Reads a file in the subset, or returns null when any part of it is outside; plain scalars are resolved by `resolvePlain` (go-yaml v2 by default). */
export function readFastYaml(text: string, resolvePlain: PlainScalarResolver = resolveGoPlain): FastFile | null {
  if (UNSUPPORTED_TEXT.test(text) || UNSUPPORTED_LINE_START.test(text) || STARTS_LIKE_JSON.test(text)) return null;
  try {
    return new FastReader(text, resolvePlain).readFile();
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
}

class FastReader {
  /** Start, end (the newline or the text's end) and indentation of the current line. */
  private ls = 0;
  private le = 0;
  private ind = 0;
  /** Start of the last comment line skipped (blank lines never change a range; comment lines may). */
  private lastComment = -1;
  private readonly lineCounter = new LineCounter();

  constructor(
    private readonly text: string,
    private readonly resolvePlain: PlainScalarResolver,
  ) {}

  readFile(): FastFile {
    const { text } = this;
    this.lineCounter.addNewLine(0);
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineCounter.addNewLine(i + 1);
    const docs: ReadValue[] = [];
    this.setLine(0);
    this.skipBlank();
    // Before the first `---`: a document only when it has content (leading comments belong to the next).
    if (!this.atEnd() && !this.atMarker()) docs.push(this.readDocument());
    while (!this.atEnd()) {
      if (!this.atMarker()) bail();
      this.nextLine();
      this.skipBlank();
      docs.push(this.atEnd() || this.atMarker() ? { data: null, node: null } : this.readDocument());
    }
    return { docs, lineCounter: this.lineCounter };
  }

  private readDocument(): ReadValue {
    const indent = this.ind;
    const col = this.ls + indent;
    const r = this.isDash(col) ? this.readSeq(indent) : this.readMap(indent, col);
    if (!this.atEnd() && !this.atMarker()) bail(); // a line indented less than the document's root
    return r;
  }

  // ---- lines ----

  private setLine(start: number): void {
    const { text } = this;
    this.ls = start;
    const nl = text.indexOf('\n', start);
    this.le = nl === -1 ? text.length : nl;
    let i = start;
    while (i < this.le && text.charCodeAt(i) === SPACE) i++;
    this.ind = i - start;
  }

  private nextLine(): void {
    this.setLine(this.le < this.text.length ? this.le + 1 : this.text.length);
  }

  private atEnd(): boolean {
    return this.ls >= this.text.length;
  }

  private atMarker(): boolean {
    return this.ind === 0 && this.text.startsWith('---', this.ls);
  }

  /** Skips blank and comment lines, noting where the last comment was. */
  private skipBlank(): void {
    while (!this.atEnd()) {
      const c = this.ind === this.le - this.ls ? -1 : this.text.charCodeAt(this.ls + this.ind);
      if (c !== -1 && c !== HASH) return;
      if (c === HASH) this.lastComment = this.ls;
      this.nextLine();
    }
  }

  private isDash(at: number): boolean {
    if (this.text.charCodeAt(at) !== 45) return false;
    const next = at + 1 < this.le ? this.text.charCodeAt(at + 1) : NEWLINE;
    return next === SPACE || next === NEWLINE;
  }

  /** After a value that ends its line: past trailing spaces and a comment; returns the node end (after the newline). */
  private endOfLine(at: number): number {
    const { text } = this;
    let i = at;
    while (i < this.le && text.charCodeAt(i) === SPACE) i++;
    if (i < this.le) {
      if (text.charCodeAt(i) !== HASH || i === at) bail(); // more after the value (a comment needs a space before it)
    }
    return this.le < text.length ? this.le + 1 : this.le;
  }

  // ---- block collections ----

  /** A block map whose keys are at column `indent`; the first key starts at `first` on the current line. */
  private readMap(indent: number, first: number): ReadValue {
    const data: Record<string, unknown> = {};
    const keys: string[] = [];
    const keyRanges: number[] = [];
    const kids: FastNode[] = [];
    let at = first;
    for (;;) {
      const key = this.readKey(at);
      if (!key) bail();
      const { name, start, end, after } = key!;
      if (Object.prototype.hasOwnProperty.call(data, name)) bail(); // duplicate: the full reader reports it
      let value: ReadValue;
      let rest = after;
      while (rest < this.le && this.text.charCodeAt(rest) === SPACE) rest++;
      if (rest === this.le) {
        const keyLineEnd = this.le;
        this.nextLine();
        this.skipBlank();
        const col = this.ls + this.ind;
        if (!this.atEnd() && !this.atMarker() && this.ind > indent) {
          value = this.isDash(col) ? this.readSeq(this.ind) : this.readMap(this.ind, col);
        } else if (!this.atEnd() && !this.atMarker() && this.ind === indent && this.isDash(col)) {
          value = this.readSeq(indent);
        } else {
          value = { data: null, node: scalarNode(keyLineEnd, keyLineEnd, keyLineEnd) };
        }
      } else {
        value = this.readInline(rest, indent);
        this.nextLine();
        this.skipBlank();
        if (!this.atEnd() && !this.atMarker() && this.ind > indent) bail(); // a continuation line, or an error
      }
      data[name] = value.data;
      keys.push(name);
      keyRanges.push(start, end);
      kids.push(value.node!);
      if (this.atEnd() || this.atMarker() || this.ind < indent) break;
      at = this.ls + this.ind;
      if (this.ind > indent || this.isDash(at)) bail();
    }
    return { data, node: this.collection(first, kids, keys, keyRanges) };
  }

  /** A block list whose dashes are at column `indent` of the current line. */
  private readSeq(indent: number): ReadValue {
    const data: unknown[] = [];
    const kids: FastNode[] = [];
    const first = this.ls + indent;
    for (;;) {
      let at = this.ls + indent + 1;
      while (at < this.le && this.text.charCodeAt(at) === SPACE) at++;
      if (this.text.charCodeAt(at) === HASH) bail(); // a comment after the dash
      let value: ReadValue;
      if (at === this.le) {
        // The item is the block on the following lines (an empty item is left to the full reader).
        this.nextLine();
        this.skipBlank();
        if (this.atEnd() || this.atMarker() || this.ind <= indent) bail();
        const col = this.ls + this.ind;
        value = this.isDash(col) ? this.readSeq(this.ind) : this.readMap(this.ind, col);
      } else if (this.isDash(at)) {
        value = this.readSeq(at - this.ls); // `- - x`: a list in a list, its dashes in this column
      } else if (this.readKey(at)) {
        value = this.readMap(at - this.ls, at);
      } else {
        value = this.readInline(at, indent);
        this.nextLine();
        this.skipBlank();
        if (!this.atEnd() && !this.atMarker() && this.ind > indent) bail();
      }
      data.push(value.data);
      kids.push(value.node!);
      if (this.atEnd() || this.atMarker() || this.ind !== indent || !this.isDash(this.ls + indent)) break;
    }
    return { data, node: this.collection(first, kids, null, null) };
  }

  /**
   * A block collection's value ends where its last value's node ends. The library may attach comment
   * lines after it to that node (depending on their indentation): then the end is not known here.
   */
  private collection(start: number, kids: FastNode[], keys: string[] | null, keyRanges: number[] | null): FastNode {
    const last = kids[kids.length - 1]!;
    const open = last.open || this.lastComment >= last.r2;
    return { r0: start, r1: last.r2, r2: last.r2, open, keys, keyRanges, kids };
  }

  /** A key at `at` followed by `:` and a space or the line's end, or null when the line holds none there. */
  private readKey(at: number): { name: string; start: number; end: number; after: number } | null {
    const { text } = this;
    const c = text.charCodeAt(at);
    if (c === 91 || c === 123) return null; // a flow collection (as a key, it is left to the full reader by readInline)
    if (c === 34 || c === 39) {
      const q = this.readQuoted(at, this.le);
      if (!q) return null;
      if (text.charCodeAt(q.end) !== 58 || !this.spaceOrEnd(q.end + 1)) return null;
      if (q.value === '__proto__' || q.end - at > MAX_KEY) bail();
      return { name: q.value, start: at, end: q.end, after: q.end + 1 };
    }
    let i = at;
    for (; i < this.le; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 58 && this.spaceOrEnd(i + 1)) break;
      if (ch === HASH && text.charCodeAt(i - 1) === SPACE) return null;
    }
    if (i === this.le) return null;
    const name = text.slice(at, i);
    if (!PLAIN_KEY.test(name) || name.length > MAX_KEY || name === '__proto__') bail();
    // Keys read as numbers, booleans or null become other strings: the full reader converts them.
    if (this.resolvePlain(name) !== name) bail();
    return { name, start: at, end: i, after: i + 1 };
  }

  private spaceOrEnd(i: number): boolean {
    return i >= this.le || this.text.charCodeAt(i) === SPACE;
  }

  // ---- values on one line ----

  /** The value that starts at `at` on the current line; `parent` is the indentation of the collection holding it. */
  private readInline(at: number, parent: number): ReadValue {
    const { text } = this;
    const c = text.charCodeAt(at);
    if (c === 34 || c === 39) {
      const q = this.readQuoted(at, this.le);
      if (!q) bail();
      return { data: q!.value, node: scalarNode(at, q!.end, this.endOfLine(q!.end)) };
    }
    if (c === 91 || c === 123) {
      const f = this.readFlow(at);
      return { data: f.data, node: { ...f.node!, r2: this.endOfLine(f.node!.r1) } };
    }
    if (c === 124) return this.readLiteral(at, parent);
    let end = at;
    for (let i = at; i < this.le; i++) {
      const ch = text.charCodeAt(i);
      if (ch === HASH && text.charCodeAt(i - 1) === SPACE) break;
      if (ch !== SPACE) end = i + 1;
    }
    const raw = text.slice(at, end);
    return { data: plainValue(raw, false, this.resolvePlain), node: scalarNode(at, end, this.endOfLine(end)) };
  }

  /** A quoted scalar that closes on this line, with no escapes (those are go-yaml's to decode). */
  private readQuoted(at: number, limit: number): { value: string; end: number } | null {
    const { text } = this;
    const q = text.charCodeAt(at);
    if (q === 34) {
      const close = text.indexOf('"', at + 1);
      if (close === -1 || close >= limit) return null;
      const value = text.slice(at + 1, close);
      if (value.includes('\\')) bail();
      return { value, end: close + 1 };
    }
    let i = at + 1;
    for (;;) {
      const close = text.indexOf("'", i);
      if (close === -1 || close >= limit) return null;
      if (text.charCodeAt(close + 1) === 39) {
        i = close + 2;
        continue;
      }
      return { value: text.slice(at + 1, close).replace(/''/g, "'"), end: close + 1 };
    }
  }

  /** `|` or `|-`: lines indented past `parent`, kept as written. */
  private readLiteral(at: number, parent: number): ReadValue {
    const { text } = this;
    const header = text.slice(at, this.le);
    if (header !== '|' && header !== '|-') bail();
    const strip = header === '|-';
    this.nextLine();
    if (this.atEnd() || this.ind === this.le - this.ls || this.ind <= parent) bail(); // empty, or a blank first line
    const indent = this.ind;
    let value = '';
    let blanks = '';
    let end = 0;
    while (!this.atEnd()) {
      const len = this.le - this.ls;
      if (len === 0) {
        blanks += '\n';
      } else if (this.ind === len) {
        bail(); // a line of spaces: the library and go-yaml disagree on what it holds
      } else if (this.ind < indent) {
        break;
      } else {
        value += blanks + text.slice(this.ls + indent, this.le) + '\n';
        blanks = '';
        if (this.le === text.length) bail(); // no newline after the last line
        end = this.le + 1;
      }
      this.nextLine();
    }
    // Back on the scalar's last line: blank lines after it are not part of it, and the caller moves on from there.
    this.setLineBefore(end);
    return { data: strip ? value.slice(0, -1) : value, node: scalarNode(at, end, end) };
  }

  /** Leaves the reader on the last line of a block scalar, so the caller's nextLine() moves past it. */
  private setLineBefore(end: number): void {
    const prev = this.text.lastIndexOf('\n', end - 2) + 1;
    this.setLine(prev);
  }

  // ---- flow collections (one line) ----

  private readFlow(at: number): ReadValue {
    return this.flowValue({ i: at }, true);
  }

  private flowValue(s: { i: number }, top = false): ReadValue {
    const { text } = this;
    const c = text.charCodeAt(s.i);
    if (c === 91 || c === 123) {
      const isMap = c === 123;
      const start = s.i;
      const close = isMap ? 125 : 93;
      s.i++;
      this.flowSpaces(s);
      const data: unknown = isMap ? {} : [];
      const kids: FastNode[] = [];
      const keys: string[] | null = isMap ? [] : null;
      const keyRanges: number[] | null = isMap ? [] : null;
      if (text.charCodeAt(s.i) !== close) {
        for (;;) {
          if (isMap) {
            const k = this.flowScalar(s, true);
            if (text.charCodeAt(s.i) !== 58 || text.charCodeAt(s.i + 1) !== SPACE) bail();
            const name = k.data as string;
            if (Object.prototype.hasOwnProperty.call(data, name)) bail();
            s.i += 2;
            this.flowSpaces(s);
            const v = this.flowValue(s);
            (data as Record<string, unknown>)[name] = v.data;
            keys!.push(name);
            keyRanges!.push(k.node!.r0, k.node!.r1);
            kids.push(v.node!);
          } else {
            const v = this.flowValue(s);
            (data as unknown[]).push(v.data);
            kids.push(v.node!);
          }
          const ch = text.charCodeAt(s.i);
          if (ch === close) break;
          if (ch !== 44) bail();
          s.i++;
          this.flowSpaces(s);
          if (text.charCodeAt(s.i) === close) bail(); // a trailing comma
        }
      }
      s.i++;
      const end = s.i;
      if (!top) this.flowSpaces(s);
      return { data, node: { r0: start, r1: end, r2: s.i, open: false, keys, keyRanges, kids } };
    }
    return this.flowScalar(s, false);
  }

  private flowSpaces(s: { i: number }): void {
    while (s.i < this.le && this.text.charCodeAt(s.i) === SPACE) s.i++;
    if (s.i >= this.le) bail(); // the collection goes on past this line
  }

  /** A plain or quoted scalar inside a flow collection; a key when `key`. */
  private flowScalar(s: { i: number }, key: boolean): ReadValue {
    const { text } = this;
    const start = s.i;
    const c = text.charCodeAt(start);
    let value: unknown;
    let end: number;
    if (c === 34 || c === 39) {
      const q = this.readQuoted(start, this.le);
      if (!q) bail();
      value = q!.value;
      end = q!.end;
      if (key && (value === '__proto__' || end - start > MAX_KEY)) bail();
    } else {
      let i = start;
      end = start;
      for (; i < this.le; i++) {
        const ch = text.charCodeAt(i);
        if (ch === 44 || ch === 93 || ch === 125 || ch === 58 || ch === 91 || ch === 123 || ch === HASH) break;
        if (ch !== SPACE) end = i + 1;
      }
      const raw = text.slice(start, end);
      if (key) {
        if (!PLAIN_KEY.test(raw) || raw.length > MAX_KEY || raw === '__proto__' || this.resolvePlain(raw) !== raw) bail();
        value = raw;
      } else {
        value = plainValue(raw, true, this.resolvePlain);
      }
    }
    s.i = end;
    if (key) return { data: value, node: scalarNode(start, end, end) };
    while (s.i < this.le && text.charCodeAt(s.i) === SPACE) s.i++;
    return { data: value, node: scalarNode(start, end, s.i) };
  }
}

function scalarNode(r0: number, r1: number, r2: number): FastNode {
  return { r0, r1, r2, open: false, keys: null, keyRanges: null, kids: null };
}

/** Characters a plain scalar may not start with (YAML indicators) in this subset. */
const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`]/;

/** A plain scalar's value as `resolve` gives it; anything the library could read otherwise is left to the full reader. */
function plainValue(raw: string, flow: boolean, resolve: PlainScalarResolver): unknown {
  if (raw === '') bail();
  if (INDICATOR_START.test(raw)) {
    // `-1`, `-Xmx1g`: a dash followed by a character is plain; other indicators are not in this subset.
    if (raw.charCodeAt(0) !== 45 || raw.length < 2 || raw.charCodeAt(1) === SPACE) bail();
  }
  // Flow indicators inside a block scalar are text (`f(x)[0]`, `{name}s`); in a flow collection they end it.
  if (/: |:$| #/.test(raw) || (flow && /[:[\]{}]/.test(raw))) bail();
  const value = resolve(raw);
  if (value === REFUSE) bail();
  return value;
}
