import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { ResourceId } from '../report/types.js';
import { identifyResource, isRecord } from './identity.js';
import { parsePointer } from './pointer.js';
import { parseYaml, type YamlTrees } from './yaml.js';

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
  /** Maps a pointer relative to `data` to the nearest existing node's range in the file. */
  locate(pointer: string): SourceRange;
}

export interface ParseFailure {
  message: string;
  line: number;
  column: number;
  /** A Helm chart template (Go template syntax under a chart's templates/): not a config until rendered. */
  template?: boolean;
}

/** Helm renders chart templates before Kubernetes sees them; as files they are not YAML. */
const CHART_TEMPLATE = /(^|\/)templates\/[^/]+$/;

export interface ParsedFile {
  file: string;
  documents: ConfigDocument[];
  /** Set when the file cannot be read as configuration; its documents are then empty. */
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
}

export const DEFAULT_LIMITS: ParseLimits = { maxFileBytes: 5 * 1024 * 1024, maxAliasCount: 100 };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function failed(file: string, message: string, line = 1, column = 1): ParsedFile {
  return { file, documents: [], failure: { message, line, column }, release() {} };
}

/** Maps pointers to positions in one file, from its syntax trees while held, else by parsing again. */
class FileLocator {
  constructor(
    private readonly text: string,
    private trees: YamlTrees | null,
  ) {}

  locate(index: number, pointer: string): SourceRange {
    const trees = (this.trees ??= parseYaml(this.text));
    return locateNode(trees.docs[index]!, trees.lineCounter, pointer);
  }

  release(): void {
    this.trees = null;
  }
}

/** Parses a YAML or JSON file into documents, unwrapping kubectl Lists. Never throws on bad input. */
export function parseConfigFile(file: string, bytes: Uint8Array, limits: ParseLimits = DEFAULT_LIMITS): ParsedFile {
  if (bytes.length > limits.maxFileBytes) {
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    return failed(
      file,
      `file is ${mb(bytes.length)} MB, over the ${mb(limits.maxFileBytes)} MB limit; exclude it or raise maxFileBytes in .aiopsrc.json`,
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    return failed(file, 'file is not valid UTF-8; save it as UTF-8', at.line, at.column);
  }
  return parseConfigText(file, text, limits);
}

export function parseConfigText(file: string, text: string, limits: ParseLimits = DEFAULT_LIMITS): ParsedFile {
  const trees = parseYaml(text);
  const { docs: yamlDocs, lineCounter } = trees;
  if (CHART_TEMPLATE.test(file) && text.includes('{{') && yamlDocs.some((d) => d.errors.length > 0)) {
    const message = 'a Helm chart template, not YAML until rendered: check the output of "helm template" instead';
    return { ...failed(file, message), failure: { message, line: 1, column: 1, template: true } };
  }
  const locator = new FileLocator(text, trees);
  const documents: ConfigDocument[] = [];
  for (let index = 0; index < yamlDocs.length; index++) {
    const doc = yamlDocs[index]!;
    const error = doc.errors[0];
    if (error) {
      const pos = lineCounter.linePos(lastContentOffset(text, error.pos[0]));
      return failed(file, describeYamlError(error.code, error.message), pos.line, pos.col);
    }
    if (doc.contents === null) continue;
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (err) {
      const pos = lineCounter.linePos(doc.contents.range[0]);
      const msg = err instanceof Error ? err.message : String(err);
      return failed(file, `document ${index + 1} cannot be expanded: ${msg}`, pos.line, pos.col);
    }
    if (data === null || data === undefined) continue;
    const locate = (base: string) => (pointer: string) => locator.locate(index, base + pointer);
    if (isRecord(data) && typeof data.kind === 'string' && data.kind.endsWith('List') && Array.isArray(data.items)) {
      data.items.forEach((item, i) => {
        const basePointer = `/items/${i}`;
        const at = locate(basePointer);
        documents.push({ file, index, basePointer, data: item, id: identifyResource(item), start: at(''), locate: at });
      });
      continue;
    }
    const at = locate('');
    documents.push({ file, index, basePointer: '', data, id: identifyResource(data), start: at(''), locate: at });
  }
  return { file, documents, failure: null, release: () => locator.release() };
}

/** An error found at the end of the file (an unclosed bracket) is shown on the last line with content. */
function lastContentOffset(text: string, offset: number): number {
  const end = text.trimEnd().length;
  return offset >= end && end > 0 ? end - 1 : offset;
}

function describeYamlError(code: string, message: string): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') return `${first}: a duplicate key hides the first value (Kubernetes keeps one of them); remove one`;
  return first;
}

/**
 * Finds the node at `pointer`, or its nearest existing parent, and returns its range.
 * A map or list reached through a key is reported at its key (`spec:`), where a reader looks.
 */
function locateNode(doc: Document.Parsed, lc: LineCounter, pointer: string): SourceRange {
  let node: Node | null = doc.contents;
  let key: Node | null = null;
  for (const seg of parsePointer(pointer)) {
    const next = childOf(doc, node, seg);
    if (!next) break;
    [node, key] = next;
  }
  const resolved = isAlias(node) ? node.resolve(doc) : node;
  const anchor = key && (isMap(resolved) || isSeq(resolved)) ? key : node;
  const range = anchor?.range ?? [0, 0, 0];
  const start = lc.linePos(range[0]);
  const end = lc.linePos(Math.max(range[0], range[1]));
  return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
}

/** The child node at one pointer segment, with the key node that leads to it (null in lists). */
function childOf(doc: Document.Parsed, node: Node | null, seg: string): [Node, Node | null] | null {
  let cur: unknown = node;
  if (isAlias(cur)) cur = cur.resolve(doc);
  if (isMap(cur)) {
    for (const pair of cur.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(key) !== seg) continue;
      const keyNode = pair.key as Node;
      return [(pair.value as Node | null) ?? keyNode, keyNode];
    }
    return null;
  }
  if (isSeq(cur)) {
    const item = cur.items[Number(seg)] as Node | undefined;
    return item ? [item, null] : null;
  }
  return null;
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
