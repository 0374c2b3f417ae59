import type { Document, LineCounter, Scalar, CollectionTag, ErrorCode, Node, Pair, ScalarTag, Tags } from 'yaml';
import { yaml } from './yaml-lib.js';
import { findJsonError } from './json-error.js';

/** The value a `<<` merge key reads as (the merge tag below): what marks a pair as a merge, for every reader of the trees. */
export function isMergeSymbol(v: unknown): boolean {
  return typeof v === 'symbol' && v.description === '<<';
}

/*
 * Kubernetes reads a manifest with apimachinery's document splitter (a line starting with `---`
 * ends a document), then sigs.k8s.io/yaml: go-yaml v2 decodes each document into interface{} and
 * convertToJSONableObject turns it into JSON. This module makes the `yaml` library read a file the
 * same way; fixtures/yaml-corpus holds the cases and how their expected output was obtained.
 */

/** What go-yaml v2's resolve() makes of an untagged plain scalar (resolve.go). */
type GoScalar =
  | { kind: 'null'; value: null }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int' | 'uint'; value: number; big: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'str'; value: string };

const GO_WORDS = new Map<string, GoScalar>();
for (const w of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']) GO_WORDS.set(w, { kind: 'bool', value: true });
for (const w of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']) GO_WORDS.set(w, { kind: 'bool', value: false });
for (const w of ['', '~', 'null', 'Null', 'NULL']) GO_WORDS.set(w, { kind: 'null', value: null });
for (const w of ['.nan', '.NaN', '.NAN']) GO_WORDS.set(w, { kind: 'float', value: NaN });
for (const w of ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']) GO_WORDS.set(w, { kind: 'float', value: Infinity });
for (const w of ['-.inf', '-.Inf', '-.INF']) GO_WORDS.set(w, { kind: 'float', value: -Infinity });

/** strconv.ParseInt(s, 0, 64) syntax: sign, then a 0x/0b/0o prefix, a leading-0 octal, or decimal. */
const GO_INT = /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|0[oO]([0-7]+)|0([0-7]*)|([1-9][0-9]*))$/;
/** go-yaml v2's yamlStyleFloat, applied after underscores are removed. */
const GO_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** strconv.ParseFloat on a scalar starting with '.': underscores only between digits. */
const GO_DOT_FLOAT = /^\.[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** go-yaml v2 resolve() for a plain scalar: booleans, nulls, ints, floats; everything else (timestamps too) stays a string. */
export function resolveGoScalar(s: string): GoScalar {
  const word = GO_WORDS.get(s);
  if (word) return word;
  const first = s.charAt(0);
  if (first === '.') {
    if (GO_DOT_FLOAT.test(s)) {
      const value = Number(s.replace(/_/g, ''));
      if (Number.isFinite(value)) return { kind: 'float', value };
    }
    return { kind: 'str', value: s };
  }
  if (!/^[-+0-9]/.test(first)) return { kind: 'str', value: s };
  const plain = s.replace(/_/g, '');
  const m = GO_INT.exec(plain);
  if (m) {
    const [, sign, hex, bin, oct, legacyOct, dec] = m;
    const magnitude =
      hex !== undefined ? BigInt(`0x${hex}`)
      : bin !== undefined ? BigInt(`0b${bin}`)
      : oct !== undefined ? BigInt(`0o${oct}`)
      : dec !== undefined ? BigInt(dec)
      : legacyOct ? BigInt(`0o${legacyOct}`) : 0n;
    const big = sign === '-' ? -magnitude : magnitude;
    if (big >= INT64_MIN && big <= INT64_MAX) return { kind: 'int', value: Number(big), big };
    // strconv.ParseUint takes no sign.
    if (sign === '' && big <= UINT64_MAX) return { kind: 'uint', value: Number(big), big };
  }
  if (GO_FLOAT.test(plain)) {
    const value = Number(plain);
    // ParseFloat reports overflow as an error, and go-yaml then keeps the string.
    if (Number.isFinite(value)) return { kind: 'float', value };
  }
  return { kind: 'str', value: s };
}

/** strconv.FormatFloat(f, 'g', -1, 32), as sigs.k8s.io/yaml writes a float map key, with go-yaml's names for the specials. */
function formatGoFloatKey(f: number): string {
  const v = Math.fround(f);
  if (Number.isNaN(v)) return '.nan';
  if (v === Infinity) return '.inf';
  if (v === -Infinity) return '-.inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  let mantissa = '';
  let exp = 0;
  for (let p = 1; p <= 9; p++) {
    const e = Math.abs(v).toExponential(p - 1);
    if (Math.fround(Number(e)) === Math.abs(v)) {
      const [m, x] = e.split('e');
      mantissa = m!.replace('.', '').replace(/0+$/, '') || '0';
      exp = Number(x);
      break;
    }
  }
  const sign = v < 0 ? '-' : '';
  if (exp < -4 || exp >= 6) {
    const frac = mantissa.length > 1 ? `.${mantissa.slice(1)}` : '';
    const e = Math.abs(exp);
    return `${sign}${mantissa[0]}${frac}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  const dp = exp + 1;
  if (dp <= 0) return `${sign}0.${'0'.repeat(-dp)}${mantissa}`;
  if (dp >= mantissa.length) return `${sign}${mantissa}${'0'.repeat(dp - mantissa.length)}`;
  return `${sign}${mantissa.slice(0, dp)}.${mantissa.slice(dp)}`;
}

/**
 * The JSON key sigs.k8s.io/yaml makes of a scalar map key (int → decimal, float → FormatFloat
 * 'g' 32-bit, bool → true/false), or null where it rejects the key (null, beyond int64).
 */
function goKeyOf(node: Scalar): string | null {
  const value: unknown = node.value;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value !== 'number') return null;
  const r = node.type === 'PLAIN' && node.tag === undefined ? resolveGoScalar(String(node.source)) : null;
  if (r?.kind === 'uint') return null;
  if (r?.kind === 'int') return r.big.toString();
  if (r === null && Number.isInteger(value)) return String(value);
  return formatGoFloatKey(value);
}

/** Two keys are duplicates when they become the same JSON key (`yes` and `true`; not 2^63 and -2^63-1). */
function isSameGoKey(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!yaml().isScalar(a) || !yaml().isScalar(b)) return false;
  if (typeof a.value === 'string' && typeof b.value === 'string') return a.value === b.value;
  const ka = goKeyOf(a);
  return ka !== null && ka === goKeyOf(b);
}

type MergeHook = NonNullable<Scalar['addToJSMap']>;
type JSContext = Parameters<MergeHook>[0];

/**
 * go-yaml v2 applies a merge where the `<<` key stands, overwriting what is already set, and
 * walks a list of merges backwards (so the first one wins among them): a key written before
 * `<<` loses to the merged value, one written after wins.
 */
const addGoMergeToJSMap: MergeHook = (ctx, map, value) => {
  const source = resolveAliasNode(ctx, value);
  if (yaml().isSeq(source)) {
    for (let i = source.items.length - 1; i >= 0; i--) mergeGoValue(ctx, map, source.items[i]);
  } else {
    mergeGoValue(ctx, map, source);
  }
};

function mergeGoValue(ctx: JSContext, map: Parameters<MergeHook>[1], value: unknown): void {
  const source = resolveAliasNode(ctx, value);
  if (!yaml().isMap(source)) throw new Error('map merge requires map or sequence of maps as the value');
  const merged = source.toJSON(null, ctx, Map) as Map<unknown, unknown>;
  for (const [key, v] of merged) {
    if (map instanceof Map) map.set(key, v);
    else if (map instanceof Set) map.add(key);
    else Object.defineProperty(map, String(key), { value: v, writable: true, enumerable: true, configurable: true });
  }
}

function resolveAliasNode(ctx: JSContext, value: unknown): unknown {
  return ctx && yaml().isAlias(value) ? value.resolve(ctx.doc, ctx) : value;
}

const GO_BOOL_TEST = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;

/** The implicit tags of go-yaml v2; collections and strings stay the library's own. */
const GO_TAGS: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:null', default: true, test: /^(?:~|null|Null|NULL)?$/, resolve: () => null, identify: (v) => v === null },
  { tag: 'tag:yaml.org,2002:bool', default: true, test: GO_BOOL_TEST, resolve: (s) => GO_WORDS.get(s)!.value, identify: (v) => typeof v === 'boolean' },
  {
    tag: 'tag:yaml.org,2002:float',
    default: true,
    test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
    resolve: (s) => GO_WORDS.get(s)!.value,
    identify: (v) => typeof v === 'number' && !Number.isFinite(v),
  },
  // Anything starting like a number is resolved by resolveGoScalar, which may keep it a string (`1:20`, `1e400`).
  { tag: 'tag:yaml.org,2002:int', default: true, test: /^[-+0-9.]/, resolve: (s) => resolveGoScalar(s).value, identify: (v) => typeof v === 'number' },
  {
    // go-yaml decodes !!binary to the bytes, which encoding/json writes as a (UTF-8) string.
    tag: 'tag:yaml.org,2002:binary',
    resolve: (s, onError) => {
      const b64 = s.replace(/[\r\n]/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) onError('!!binary value contains invalid base64 data');
      return new TextDecoder().decode(Buffer.from(b64, 'base64'));
    },
  },
  {
    tag: 'tag:yaml.org,2002:merge',
    default: 'key',
    test: /^<<$/,
    resolve: () => Object.assign(new (yaml().Scalar)(Symbol('<<')), { addToJSMap: addGoMergeToJSMap }),
    identify: isMergeSymbol,
    stringify: () => '<<',
  },
];

/**
 * Kubernetes decodes YAML 1.1 as go-yaml v2 does: `yes`/`on` are booleans, `0755` is octal,
 * `1:20` and timestamps stay strings, and !!set/!!omap/!!pairs are plain maps and lists.
 * The library's warnings (e.g. about collection keys) never reach the console: what go-yaml
 * rejects becomes an error on the document instead.
 */
const YAML_OPTIONS = {
  version: '1.1' as const,
  uniqueKeys: isSameGoKey,
  prettyErrors: false,
  // Anything worth saying becomes a finding with a line; the library's own warnings never reach stderr.
  logLevel: 'error' as const,
  customTags: (tags: Tags): Tags => [
    ...tags.filter((t): t is ScalarTag | CollectionTag => typeof t !== 'string' && ['map', 'seq', 'str'].includes(t.tag.slice('tag:yaml.org,2002:'.length))),
    ...GO_TAGS,
  ],
};

/** The syntax trees of every document in a file, with the line counter that maps offsets to positions. */
export interface YamlTrees {
  docs: Document.Parsed[];
  lineCounter: LineCounter;
}

/** Parses a file's text the way the API server's YAML reader would (see the corpus in fixtures/yaml-corpus). */
export function parseYaml(text: string, options: { jsonStream?: boolean } = {}): YamlTrees {
  let lineCounter = new (yaml().LineCounter)();
  let source = text;
  let docs = parseAll(text, lineCounter);
  // kubectl decodes a stream that starts with `{` as JSON (apimachinery's YAMLOrJSONDecoder).
  // Off for input that is not a manifest kubectl reads (a live snapshot: JSON documents between `---` are YAML).
  const json = options.jsonStream !== false && JSON_START.test(text);
  if (docs.some((d) => d.errors.some((e) => e.code !== 'BAD_DQ_ESCAPE'))) {
    const again = json ? parseJsonStream(text) : parseLenient(text);
    if (again) ({ docs, lineCounter, source } = again);
  }
  // kubectl splits the stream at `---` lines and go-yaml reads the first document of each piece:
  // a document after `...` that no `---` starts is never read.
  docs = docs.filter((d, i) => i === 0 || d.directives.docStart === true);
  const report = (offset: number, code: ErrorCode, message: string) => {
    if (docs.length === 0) docs.push(new (yaml().Document)(null) as unknown as Document.Parsed);
    const doc = docs.find((d) => d.range !== undefined && offset < d.range[2]) ?? docs[docs.length - 1]!;
    const error = new (yaml().YAMLParseError)([offset, offset + 1], code, message);
    ours.add(error);
    doc.errors.push(error);
  };
  if (json) jsonValueStarts(text, report); // when it fails, the text was not re-parsed: offsets agree
  else checkStream(source, docs, report);
  // The library rejects some escapes go-yaml accepts (`\'`); go-yaml's own decoding below decides.
  if (!json) for (const doc of docs) doc.errors = doc.errors.filter((e) => e.code !== 'BAD_DQ_ESCAPE');
  for (const doc of docs) if (doc.errors.length === 0) new GoReader(doc, source, report, json).read(doc.contents);
  return { docs, lineCounter };
}

function parseAll(text: string, lineCounter: LineCounter): Document.Parsed[] {
  const parsed = yaml().parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter });
  return Array.isArray(parsed) ? parsed : [];
}

type Report = (offset: number, code: ErrorCode, message: string) => void;

/** The errors this module reports: their messages never quote a value (the library's may). */
const ours = new WeakSet<object>();
export const isOwnError = (error: object): boolean => ours.has(error);

/** What kubectl rejects before YAML is parsed: separators with content, directives, control characters. */
function checkStream(source: string, docs: Document.Parsed[], report: Report): void {
  for (const m of source.matchAll(/^---([^\n]*)/gm)) {
    const rest = m[1]!.trim();
    if (rest !== '' && !rest.startsWith('#')) {
      report(m.index, 'UNEXPECTED_TOKEN', 'kubectl reads a line starting with --- as a document separator and rejects content after it on the same line; put the content on the next line');
    }
  }
  // A directive always ends up in a piece without its `---`, which go-yaml rejects.
  for (const m of source.matchAll(/^%/gm)) {
    if (docs.some((d) => d.contents && d.contents.range[0] <= m.index && m.index < d.contents.range[2])) continue; // inside a quoted scalar
    report(m.index, 'BAD_DIRECTIVE', 'kubectl does not accept YAML directives (%YAML, %TAG); remove the line');
    break;
  }
  // go-yaml's reader allows tab, line breaks, printable ASCII, NEL and printable Unicode only.
  const control = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(source);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(2, '0');
    report(control.index, 'UNEXPECTED_TOKEN', `control character U+${code.toUpperCase()} is not allowed in YAML (go-yaml rejects the file); remove it or write it as an escape in a double-quoted string`);
  }
}

/** Go's unicode.IsSpace before a `{`: the decoder then reads JSON values, not YAML. */
const JSON_START = /^[\t\n\v\f\r \x85\xA0]*\{/;

/**
 * Where each value of a stream of JSON values (separated by JSON whitespace) starts, as
 * encoding/json's Decoder reads them; with `report`, the first value that is not JSON is reported.
 */
function jsonValueStarts(source: string, report?: Report): number[] | null {
  const starts: number[] = [];
  for (let i = 0; ; ) {
    while (i < source.length && ' \t\n\r'.includes(source[i]!)) i++;
    if (i >= source.length) return starts;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < source.length; i++) {
      const c = source[i]!;
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') {
        inString = true;
      } else if (c === '{' || c === '[') {
        depth++;
      } else if (c === '}' || c === ']') {
        if (--depth === 0) {
          i++;
          break;
        }
      } else if (depth === 0 && ' \t\n\r'.includes(c)) {
        break;
      }
    }
    try {
      JSON.parse(source.slice(start, i));
    } catch {
      // Where and what, never V8's message: it quotes the text, and the text may be a Secret.
      const err = findJsonError(source.slice(start, i));
      report?.(start + err.offset, 'UNEXPECTED_TOKEN', `kubectl reads a file that starts with { as JSON, and this is not JSON (${err.reason}); write it as YAML block style or as valid JSON`);
      return null;
    }
    starts.push(start);
  }
}

const GO_ANCHOR = /^[0-9A-Za-z_-]+$/;
const GO_TAG = 'tag:yaml.org,2002:';

/** Applies go-yaml v2 and sigs.k8s.io/yaml's rules to a parsed document tree, in place. */
class GoReader {
  constructor(
    private readonly doc: Document,
    private readonly source: string,
    private readonly report: Report,
    /** JSON strings were checked by JSON.parse: their escapes are JSON's, not go-yaml's. */
    private readonly json = false,
  ) {}

  read(node: Node | null | undefined): void {
    if (!node) return;
    if (yaml().isAlias(node)) {
      this.checkAnchor(node.source, startOf(node));
      return;
    }
    if (node.anchor) this.checkAnchor(node.anchor, startOf(node));
    if (yaml().isScalar(node)) {
      this.readScalar(node);
      if (typeof node.value === 'number' && !Number.isFinite(node.value)) {
        this.report(startOf(node), 'TAG_RESOLVE_FAILED', `${String(node.source)} (infinity or NaN) cannot be converted to JSON: kubectl rejects it; quote it to keep a string`);
      }
    } else if (yaml().isMap(node)) {
      for (const pair of node.items) {
        this.readKey(pair as Pair<Node | null, Node | null>);
        this.read(pair.value as Node | null);
      }
    } else if (yaml().isSeq(node)) {
      for (const item of node.items) this.read(item as Node | null);
    }
  }

  private checkAnchor(name: string, offset: number): void {
    if (!GO_ANCHOR.test(name)) {
      // Not quoted: a value that starts with & or * (a password) is read as an anchor or alias.
      this.report(offset, 'BAD_ALIAS', 'an anchor (&name) or alias (*name) has characters go-yaml does not accept (only letters, digits, _ and -); a value that starts with & or * must be quoted');
    }
  }

  /** Explicit tags and double-quoted escapes, as go-yaml decodes them. */
  private readScalar(node: Scalar): void {
    if (node.type === 'QUOTE_DOUBLE' && !this.json) {
      const raw = this.source.slice(startOf(node), node.range?.[1] ?? 0);
      if (raw.includes('\\')) {
        const decoded = scanQuoted(raw, 0);
        if (typeof decoded === 'string') {
          this.report(startOf(node), 'BAD_DQ_ESCAPE', `${decoded} in a double-quoted string (go-yaml rejects it)`);
          return;
        }
        node.value = decoded.value;
        node.source = decoded.value;
      }
    }
    if ((node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') && !this.json) {
      const raw = this.source.slice(startOf(node), node.range?.[1] ?? 0);
      // While go-yaml looks for a block scalar's indentation, a tab there is an error.
      if (raw.includes('\t') && /^[|>][-+]?(?![-+]?[1-9])/.test(raw)) {
        for (const line of raw.split('\n').slice(1)) {
          if (/^ *\t/.test(line)) {
            this.report(startOf(node), 'TAB_AS_INDENT', 'a tab where go-yaml expects the indentation of this block scalar (it rejects the file); indent with spaces');
            return;
          }
          if (/[^ \r]/.test(line)) break;
        }
      }
    }
    if (node.tag === undefined) return;
    const text = String(node.source ?? '');
    const tag = node.tag.startsWith(GO_TAG) ? node.tag.slice(GO_TAG.length) : null;
    if (tag === 'binary' || tag === 'merge') return;
    if (tag !== 'bool' && tag !== 'int' && tag !== 'float' && tag !== 'timestamp' && tag !== 'null') {
      // go-yaml ignores tags it does not resolve (custom ones, !!str, !!set...): the value is the text.
      node.value = text;
      return;
    }
    const r = resolveGoScalar(text);
    const kind = GO_TIMESTAMP.test(text) ? 'timestamp' : r.kind === 'uint' ? 'int' : r.kind;
    // resolve.go: a tag must match what the text resolves to; !!float also takes an int64.
    if (kind === tag || (tag === 'float' && r.kind === 'int')) {
      node.value = kind === 'timestamp' ? text : r.value;
      return;
    }
    // The value is not quoted in the message: it may be a Secret's.
    this.report(startOf(node), 'TAG_RESOLVE_FAILED', `cannot decode this !!${kind} value as a !!${tag} (go-yaml rejects it)`);
  }

  /** sigs.k8s.io/yaml turns int, float and bool keys into strings; null, uint64 and collection keys are errors. */
  private readKey(pair: Pair<Node | null, Node | null>): void {
    const node = pair.key;
    const offset = node?.range?.[0] ?? pair.value?.range?.[0] ?? 0;
    let target: unknown = node;
    if (yaml().isAlias(node)) {
      this.checkAnchor(node.source, startOf(node));
      try {
        target = node.resolve(this.doc);
      } catch {
        return; // an unknown alias is already an error of the document
      }
    } else if (yaml().isScalar(node)) {
      if (node.anchor) this.checkAnchor(node.anchor, startOf(node));
      this.readScalar(node);
    }
    if (yaml().isMap(target) || yaml().isSeq(target)) {
      this.report(offset, 'NON_STRING_KEY', 'a map or list used as a map key: Kubernetes (go-yaml) rejects it');
      return;
    }
    const value: unknown = yaml().isScalar(target) ? target.value : null;
    if (typeof value === 'symbol') return;
    if (!yaml().isScalar(target) || value === null || value === undefined) {
      this.report(offset, 'NON_STRING_KEY', 'a null map key (~, null or nothing): Kubernetes rejects it; quote it to make it a string');
      return;
    }
    const key = goKeyOf(target);
    if (typeof key !== 'string') {
      this.report(offset, 'NON_STRING_KEY', `map key ${String(target.source)} is too large for a 64-bit signed integer: Kubernetes rejects it; quote it`);
      return;
    }
    if (node === target && !target.anchor) target.value = key;
    else if (node) pair.key = Object.assign(new (yaml().Scalar)(key), { range: node.range });
  }
}

const startOf = (node: Node): number => node.range?.[0] ?? 0;

const GO_TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d+)?(?:Z|[-+]\d{2}:\d{2}))|(?: \d{1,2}:\d{1,2}:\d{1,2}(?:\.\d+)?))?$/;

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ',
  '"': '"', "'": "'", '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

const isBreak = (c: string | undefined) => c === '\n' || c === '\r' || c === '\x85' || c === '\u2028' || c === '\u2029';
const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/**
 * Scans a quoted scalar starting at `start` (its opening quote) as go-yaml's scanner does
 * (yaml_parser_scan_flow_scalar): escapes, folding, no indentation rule for continuation lines.
 * Returns the value and the offset after the closing quote, or a reason go-yaml gives up.
 */
function scanQuoted(src: string, start: number): { value: string; end: number } | string {
  const single = src[start] === "'";
  let out = '';
  let i = start + 1;
  for (;;) {
    const atLineStart = i === 0 || src[i - 1] === '\n' || src[i - 1] === '\r';
    if (atLineStart && /^(?:---|\.\.\.)(?:[ \t\r\n]|$)/.test(src.slice(i, i + 4))) return 'found unexpected document indicator';
    if (i >= src.length) return 'found unexpected end of stream';
    let leadingBlanks = false;
    while (i < src.length && !isBlank(src[i]) && !isBreak(src[i])) {
      const c = src[i]!;
      if (single && c === "'" && src[i + 1] === "'") {
        out += "'";
        i += 2;
      } else if (single && c === "'") {
        break;
      } else if (!single && c === '"') {
        break;
      } else if (!single && c === '\\' && isBreak(src[i + 1])) {
        i += src[i + 1] === '\r' && src[i + 2] === '\n' ? 3 : 2;
        leadingBlanks = true;
        break;
      } else if (!single && c === '\\') {
        const e = src[i + 1];
        if (e === undefined) return 'found unexpected end of stream';
        const simple = SIMPLE_ESCAPES[e];
        if (simple !== undefined) {
          out += simple;
          i += 2;
          continue;
        }
        const width = HEX_ESCAPES[e];
        if (width === undefined) return `unknown escape character \\${e}`;
        const hex = src.slice(i + 2, i + 2 + width);
        if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) return 'did not find expected hexdecimal number';
        const code = parseInt(hex, 16);
        if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return 'invalid Unicode character escape code';
        out += String.fromCodePoint(code);
        i += 2 + width;
      } else {
        out += c;
        i++;
      }
    }
    if (i >= src.length) return 'found unexpected end of stream';
    if (src[i] === (single ? "'" : '"') && !leadingBlanks) return { value: out, end: i + 1 };
    let whitespace = '';
    let leadingBreak = '';
    let trailingBreaks = '';
    while (isBlank(src[i]) || isBreak(src[i])) {
      if (isBlank(src[i])) {
        if (!leadingBlanks) whitespace += src[i];
        i++;
        continue;
      }
      const br = src[i] === '\u2028' || src[i] === '\u2029' ? src[i]! : '\n';
      i += src[i] === '\r' && src[i + 1] === '\n' ? 2 : 1;
      if (!leadingBlanks) {
        whitespace = '';
        leadingBreak = br;
        leadingBlanks = true;
      } else {
        trailingBreaks += br;
      }
    }
    if (leadingBlanks) {
      if (leadingBreak === '\n') out += trailingBreaks === '' ? ' ' : trailingBreaks;
      else out += leadingBreak + trailingBreaks;
    } else {
      out += whitespace;
    }
  }
}

/**
 * go-yaml has no indentation rule for the continuation lines of a quoted scalar or a flow
 * collection; the library requires them to be indented past their parent. When a file fails
 * on that, its under-indented continuation lines are indented (only spaces are added at line
 * starts, so line numbers stay) and it is parsed again; positions are mapped back.
 */
const MAX_LENIENT_FIXES = 100;
/**
 * Each fix parses the whole text again, so a large file full of broken constructs (1,500 unclosed
 * flow sequences in 135 KB took 13 s) gets fewer fixes: about a million characters parsed in all,
 * at least 5 fixes. A file past its fixes is a parse error, as one past MAX_LENIENT_FIXES is.
 */
const LENIENT_BUDGET_CHARS = 1_000_000;

export function lenientFixesFor(length: number): number {
  return Math.min(MAX_LENIENT_FIXES, Math.max(5, Math.floor(LENIENT_BUDGET_CHARS / Math.max(1, length))));
}

function parseLenient(text: string): Reparsed | null {
  const lines = text.split('\n');
  const pads = new Map<number, number>();
  const maxFixes = lenientFixesFor(text.length);
  let source = text;
  // Constructs are fixed in file order: the syntax after the first broken one is not trustworthy.
  // Each fix scans the text again, so their number is bounded: past it, the file is a parse error.
  for (let after = -1, fixes = 0; ; fixes++) {
    const broken = findBrokenConstruct(source, after);
    if (!broken) break;
    if (fixes === maxFixes) return null;
    const starts = lineStarts(source);
    const first = lineIndexAt(starts, broken.start);
    const last = lineIndexAt(starts, broken.end - 1);
    const need = broken.start - starts[first]! + 1;
    for (let l = first + 1; l <= last; l++) {
      const line = source.slice(starts[l], l + 1 < starts.length ? starts[l + 1]! - 1 : source.length);
      if (/^[ \t\r]*$/.test(line)) continue;
      const lead = /^ */.exec(line)![0].length;
      if (lead < need) pads.set(l, (pads.get(l) ?? 0) + need - lead);
    }
    source = lines.map((l, i) => ' '.repeat(pads.get(i) ?? 0) + l).join('\n');
    after = broken.start; // lines before the construct's continuation lines keep their offsets
  }
  if (pads.size === 0) return null;
  return parseWithPrefixes(text, new Map([...pads].map(([line, n]) => [line, ' '.repeat(n)])));
}

type Reparsed = { docs: Document.Parsed[]; lineCounter: LineCounter; source: string };

/**
 * Parses the text with some lines prefixed (never a line added, so line numbers stay), and maps
 * positions back to the original columns. Null when that parse fails too.
 */
function parseWithPrefixes(text: string, prefixes: Map<number, string>): Reparsed | null {
  const source = text
    .split('\n')
    .map((l, i) => (prefixes.get(i) ?? '') + l)
    .join('\n');
  const shifted = new (yaml().LineCounter)();
  const docs = parseAll(source, shifted);
  if (docs.some((d) => d.errors.some((e) => e.code !== 'BAD_DQ_ESCAPE'))) return null;
  const lineCounter = new (yaml().LineCounter)();
  lineCounter.linePos = (offset: number) => {
    const pos = shifted.linePos(offset);
    return { line: pos.line, col: Math.max(1, pos.col - (prefixes.get(pos.line - 1)?.length ?? 0)) };
  };
  return { docs, lineCounter, source };
}

/**
 * A JSON stream (`{...}` values one after another, as kubectl accepts) is several YAML documents
 * with no `---` between them: each value after the first that starts its line gets one.
 */
function parseJsonStream(text: string): Reparsed | null {
  const starts = jsonValueStarts(text);
  if (!starts || starts.length < 2) return null;
  const lines = lineStarts(text);
  const prefixes = new Map<number, string>();
  for (const start of starts.slice(1)) {
    const line = lineIndexAt(lines, start);
    if (!/^[ \t]*$/.test(text.slice(lines[line], start))) return null;
    prefixes.set(line, '--- ');
  }
  return parseWithPrefixes(text, prefixes);
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineIndexAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The first quoted scalar or flow collection (after `after`) that the library cut short but
 * go-yaml reads to its end, with the extent go-yaml gives it.
 */
function findBrokenConstruct(source: string, after: number): { start: number; end: number } | null {
  const found: Array<{ start: number; length: number; flow: boolean }> = [];
  const collect = (token: unknown, inFlow: boolean): void => {
    if (Array.isArray(token)) {
      for (const t of token) collect(t, inFlow);
      return;
    }
    if (!token || typeof token !== 'object') return;
    const t = token as { type?: string; offset?: number; source?: string; end?: Array<{ source: string }> };
    if (!inFlow && (t.type === 'double-quoted-scalar' || t.type === 'single-quoted-scalar') && t.offset! > after) {
      found.push({ start: t.offset!, length: t.source!.length, flow: false });
    }
    if (t.type === 'flow-collection' && !inFlow) {
      if (t.offset! > after && !(t.end ?? []).some((e) => e.source === ']' || e.source === '}')) found.push({ start: t.offset!, length: -1, flow: true });
      inFlow = true;
    }
    for (const v of Object.values(t)) if (v && typeof v === 'object') collect(v, inFlow);
  };
  for (const token of new (yaml().Parser)().parse(source)) collect(token, false);
  found.sort((a, b) => a.start - b.start);
  for (const f of found) {
    const end = f.flow ? scanFlowEnd(source, f.start) : scanQuotedEnd(source, f.start);
    if (end === -1) return null;
    if (f.flow || end !== f.start + f.length) return { start: f.start, end };
  }
  return null;
}

function scanQuotedEnd(source: string, start: number): number {
  const r = scanQuoted(source, start);
  return typeof r === 'string' ? -1 : r.end;
}

/** The offset after the bracket that closes the flow collection opened at `start`, or -1. */
function scanFlowEnd(source: string, start: number): number {
  let depth = 0;
  let prev = ' ';
  for (let i = start; i < source.length; i++) {
    const c = source[i]!;
    if ((c === '"' || c === "'") && /[\s[{,:]/.test(prev)) {
      const end = scanQuotedEnd(source, i);
      if (end === -1) return -1;
      i = end - 1;
      prev = c;
      continue;
    }
    if (c === '#' && /\s/.test(prev)) {
      const nl = source.indexOf('\n', i);
      if (nl === -1) return -1;
      i = nl - 1;
      prev = ' ';
      continue;
    }
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
    prev = c;
  }
  return -1;
}
