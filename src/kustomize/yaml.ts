import type { DocumentOptions, ParseOptions, ScalarTag, SchemaOptions, Tags } from 'yaml';
import { yaml } from '../parse/yaml-lib.js';
import { parseConfigText, type ParsedFile, type SourceRange } from '../parse/documents.js';
import { readFastYaml, REFUSE, type PlainScalarResolver } from '../parse/fast-yaml.js';
import { RenderError } from './resource.js';
import { positionOf } from '../parse/position.js';

/**
 * kustomize reads resources and patches with go-yaml v3 (kyaml), not as the API server reads
 * manifests: only true/false are booleans (`on`, `yes`, `y` stay strings, so `privileged: on`
 * renders as the string "on"), 0755 is still octal, `_` still groups digits, there are no
 * base-60 numbers, 0o17 and 0b11 are numbers, and a date becomes an RFC 3339 timestamp. Checked against kubectl in
 * fixtures/kustomize/yaml-reading. (The kustomization file itself is read as YAML 1.1, like the
 * API server reads manifests: kustomize decodes it with sigs.k8s.io/yaml.)
 */
const BOOL: ScalarTag = {
  identify: (v) => typeof v === 'boolean',
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  resolve: (s) => s[0] === 't' || s[0] === 'T',
};

/**
 * A date alone becomes midnight UTC in RFC 3339; dates with a time stay the strings they are
 * (what kubectl kustomize v5.5 prints for each form, fixtures/kustomize/yaml-reading).
 */
const DATE_ONLY = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

const TIMESTAMP: ScalarTag = {
  identify: () => false,
  default: true,
  tag: 'tag:yaml.org,2002:timestamp',
  test: DATE_ONLY,
  resolve: (s) => {
    const [, y, m, d] = DATE_ONLY.exec(s)!;
    return `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}T00:00:00Z`;
  },
};

const OCTAL_0O: ScalarTag = {
  identify: () => false,
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: /^[-+]?0o[0-7_]+$/,
  resolve: (s) => (s.startsWith('-') ? -1 : 1) * parseInt(s.replace(/^[-+]?0o/, '').replace(/_/g, ''), 8),
};

function kustomizeTags(tags: Tags): Tags {
  const kept = tags.filter((t) => {
    if (typeof t === 'string') return true;
    if (t.tag === 'tag:yaml.org,2002:bool' || t.tag === 'tag:yaml.org,2002:timestamp') return false;
    return !('format' in t && t.format === 'TIME');
  });
  return [...kept, BOOL, TIMESTAMP, OCTAL_0O];
}

const PARSE_OPTIONS: DocumentOptions & SchemaOptions & ParseOptions = { version: '1.1', uniqueKeys: true, prettyErrors: false, customTags: kustomizeTags };

/**
 * The tags the `yaml` library tries, in its order, on a plain scalar that is not a key: those of
 * the documents read with PARSE_OPTIONS (`<<` is tried on keys only; the fast reader takes no such key).
 */
const PLAIN_SCALAR_TAGS = (new (yaml().Document)(null, PARSE_OPTIONS).schema.tags as ScalarTag[]).filter((t) => t.default === true && t.test !== undefined);

/**
 * The first characters of a plain scalar any of those tags can match: `~`/n/N (null), t/T/f/F
 * (booleans), digits, sign and dot (numbers, dates, .inf), e/E (a float with neither digits nor
 * dot before the exponent: `e5` is read as NaN). Any other scalar is a string, without trying
 * each tag. tests/unit/kustomize-fast-yaml.test.ts holds this to the tags on generated scalars.
 */
const MAY_BE_TYPED = /^(?:$|[-+.0-9~nNtTfFeE])/;

/** Thrown by a tag's onError: the file is left to the yaml path, which reports the error. */
class TagError extends Error {}

const throwTagError = (message: string): never => {
  throw new TagError(message);
};

/**
 * A plain scalar as readKustomizeYaml's `yaml` path types it (the same tags, tried in the same
 * order), for the fast reader. What it cannot give as JSON-like data (NaN, infinities, a tag
 * error) is refused, so that file is read by the `yaml` path.
 */
export const resolveKustomizePlain: PlainScalarResolver = (plain) => {
  if (!MAY_BE_TYPED.test(plain)) return plain;
  const tag = PLAIN_SCALAR_TAGS.find((t) => t.test!.test(plain));
  if (!tag) return plain;
  let resolved: unknown;
  try {
    resolved = tag.resolve(plain, throwTagError, PARSE_OPTIONS);
  } catch (err) {
    if (err instanceof TagError) return REFUSE;
    throw err;
  }
  const value = yaml().isScalar(resolved) ? resolved.value : resolved;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return REFUSE;
};

/** One document of a resource or patch file, read as kustomize reads it. */
export interface KustomizeDoc {
  data: unknown;
  /** "" for a whole document; "/items/N" for an item of a List. */
  basePointer: string;
  /** Range of the node at `pointer` (relative to the document), or of its nearest existing parent. */
  locate(pointer: string): SourceRange;
}

const MAX_ALIASES = 100;

/**
 * Reads a resource or patch file; a List is unwrapped into its items. Syntax errors are render
 * errors. Files in the fast reader's subset are read by it (with the scalar rules above), the
 * others by the `yaml` library: the same data either way. Positions come from the checker's own
 * parser (`parseConfigText`), run only when a position is first asked for: the documents and
 * their nodes are the same, only some scalars are typed differently. `fullReader` skips the fast
 * reader (its tests compare the two).
 */
export function readKustomizeYaml(file: string, text: string, options: { fullReader?: boolean } = {}): KustomizeDoc[] {
  const fast = options.fullReader ? null : readFastYaml(text, resolveKustomizePlain);
  const values = fast ? fast.docs.map((d) => d.data) : readDocumentsSlowly(file, text);
  let positions: ParsedFile | null = null;
  const locateIn = (n: number, pointer: string): SourceRange => {
    positions ??= parseConfigText(file, text, undefined, { asWritten: true });
    // Both readers skip empty documents and unwrap Lists alike, so the n-th document is the n-th.
    return positions.documents[n]?.locate(pointer) ?? { line: 1, column: 1, endLine: 1, endColumn: 1 };
  };
  const read: KustomizeDoc[] = [];
  for (const data of values) {
    if (data === null || data === undefined) continue;
    const record = data as { kind?: unknown; items?: unknown };
    if (typeof record === 'object' && typeof record.kind === 'string' && record.kind.endsWith('List') && Array.isArray(record.items)) {
      for (const [i, item] of record.items.entries()) {
        const n = read.length;
        read.push({ data: item, basePointer: `/items/${i}`, locate: (p) => locateIn(n, p) });
      }
      continue;
    }
    const n = read.length;
    read.push({ data, basePointer: '', locate: (p) => locateIn(n, p) });
  }
  return read;
}

/** Each document's data (null for an empty one) as the `yaml` library reads it with kustomize's tags. */
function readDocumentsSlowly(file: string, text: string): unknown[] {
  const docs = yaml().parseAllDocuments(text, PARSE_OPTIONS);
  return (Array.isArray(docs) ? docs : []).map((doc, index) => {
    const error = doc.errors[0];
    if (error) {
      const at = positionOf(text, error.pos[0]);
      throw new RenderError(`${file}:${at.line}:${at.column}: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    if (doc.contents === null) return null;
    try {
      return doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
      throw new RenderError(`${file}: document ${index + 1} cannot be expanded: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}

