import { parseAllDocuments, type ScalarTag, type Tags } from 'yaml';
import { parseConfigText, type ParsedFile, type SourceRange } from '../parse/documents.js';
import { RenderError } from './resource.js';

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
 * errors. Positions come from the checker's own parser (`parseConfigText`), run only when a
 * position is first asked for: the documents and their nodes are the same, only some scalars
 * are typed differently.
 */
export function readKustomizeYaml(file: string, text: string): KustomizeDoc[] {
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: true, prettyErrors: false, customTags: kustomizeTags });
  let positions: ParsedFile | null = null;
  const locateIn = (n: number, pointer: string): SourceRange => {
    positions ??= parseConfigText(file, text, undefined, { asWritten: true });
    // Both readers skip empty documents and unwrap Lists alike, so the n-th document is the n-th.
    return positions.documents[n]?.locate(pointer) ?? { line: 1, column: 1, endLine: 1, endColumn: 1 };
  };
  const read: KustomizeDoc[] = [];
  for (const [index, doc] of (Array.isArray(docs) ? docs : []).entries()) {
    const error = doc.errors[0];
    if (error) {
      const at = lineAt(text, error.pos[0]);
      throw new RenderError(`${file}:${at.line}:${at.column}: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    if (doc.contents === null) continue;
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
      throw new RenderError(`${file}: document ${index + 1} cannot be expanded: ${err instanceof Error ? err.message : String(err)}`);
    }
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

function lineAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
