import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DataError, NotFoundError } from '../errors.js';
import { parseConfigText } from '../parse/documents.js';
import { jsonErrorAt } from '../parse/json-error.js';
import { identifyResource, isRecord } from '../parse/identity.js';
import type { ReportError, ResourceId } from '../report/types.js';

/** One object of the live state. */
export interface LiveObject {
  id: ResourceId;
  data: Record<string, unknown>;
  /** Where it came from, for messages: "live.json" or "live.json#items/3". */
  origin: string;
}

export interface Snapshot {
  objects: LiveObject[];
  /** Objects passed over (no name, not an object): reported, never crashed on. */
  errors: ReportError[];
  /** What was read, for the report. */
  source: string;
}

const SNAPSHOT_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

/** Larger snapshots are refused: split them (one file per namespace in a folder). */
export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;
/** Kubernetes objects nest a few dozen levels (CRD schemas the most); deeper is not a snapshot, or an anchor refers to itself. */
export const MAX_SNAPSHOT_DEPTH = 200;
/** Lists inside Lists are unwrapped this deep. */
const MAX_LIST_NESTING = 8;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;

/** Reads a stream up to the size cap: `--live /dev/zero` or an endless pipe stops at the cap, never fills memory. */
async function readCapped(name: string, stream: NodeJS.ReadableStream, cap: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > cap) {
      if ('destroy' in stream && typeof stream.destroy === 'function') stream.destroy();
      throw new DataError(`${name}: live snapshot is over the ${mb(cap)} limit`, 'split it into a folder of smaller files (e.g. one kubectl get per namespace)');
    }
    chunks.push(buf);
  }
  const bytes = Buffer.concat(chunks);
  if (bytes.includes(0)) throw new DataError(`${name}: live snapshot has NUL bytes: it is binary, not kubectl output`, 'give the output of "kubectl get ... -o json" (or -o yaml)');
  try {
    return utf8.decode(bytes);
  } catch {
    throw new DataError(`${name}: live snapshot is not valid UTF-8`, 'give the output of "kubectl get ... -o json" (or -o yaml), saved as UTF-8');
  }
}

/** Throws when a value nests deeper than the limit; walks iteratively, so a self-referencing anchor cannot overflow the stack. */
function checkDepth(name: string, value: unknown): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_SNAPSHOT_DEPTH) {
      throw new DataError(
        `${name}: live snapshot nests deeper than ${MAX_SNAPSHOT_DEPTH} levels (or a YAML anchor refers to itself)`,
        'give the output of "kubectl get ... -o json" (or -o yaml) unchanged',
      );
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
}

function jsonError(name: string, text: string): DataError {
  // Said without quoting the snapshot: it holds the cluster's Secrets.
  const at = jsonErrorAt(text);
  return new DataError(`${name}:${at.line}:${at.column}: live snapshot is not valid JSON: ${at.reason}`, 'save the output of "kubectl get ... -o json" (or -o yaml) whole');
}

/**
 * Parses one snapshot file's text into top-level values (documents). The format is sniffed from the
 * content, not the name: JSON when the text is one JSON value, else YAML (JSON documents joined by `---` are YAML).
 */
function parseSnapshotText(name: string, text: string): unknown[] {
  const trimmed = text.trimStart();
  let values: unknown[];
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      values = [JSON.parse(text) as unknown];
    } catch {
      // Several JSON documents separated by "---" are a YAML stream; anything else is broken JSON.
      if (!/^---\s*$/m.test(text)) throw jsonError(name, text);
      values = parseYamlSnapshot(name, text);
    }
  } else {
    values = parseYamlSnapshot(name, text);
  }
  for (const v of values) checkDepth(name, v);
  return values;
}

function parseYamlSnapshot(name: string, text: string): unknown[] {
  let parsed;
  try {
    parsed = parseConfigText(name, text, undefined, { jsonStream: false });
  } catch (err) {
    const msg = err instanceof RangeError ? 'nested too deeply' : err instanceof Error ? err.message : String(err);
    throw new DataError(`${name}: live snapshot cannot be read as YAML: ${msg}`, 'save the output of "kubectl get ... -o yaml" (or -o json) whole');
  }
  if (parsed.failure) {
    throw new DataError(`${name}:${parsed.failure.line}:${parsed.failure.column}: live snapshot is not valid YAML: ${parsed.failure.message}`, 'save the output of "kubectl get ... -o yaml" (or -o json) whole');
  }
  // parseConfigText unwraps Lists: each item comes back as a value of its own, in order.
  return parsed.documents.map((d) => d.data);
}

/** A kubectl List (`kind: List`, `DeploymentList`, ...) or a bare `{items: [...]}`. */
const isListShaped = (v: Record<string, unknown>) => (typeof v.kind === 'string' && v.kind.endsWith('List')) || (v.kind === undefined && 'items' in v);

function collect(name: string, values: unknown[], out: LiveObject[], errors: ReportError[]): number {
  let seen = 0;
  const add = (item: unknown, origin: string, nesting: number) => {
    if (isRecord(item) && isListShaped(item)) {
      // A List (or {items}) inside a List: kubectl never writes one, but a merged snapshot can; unwrap it.
      if (!Array.isArray(item.items)) {
        throw new DataError(`${origin}: "items" of a ${typeof item.kind === 'string' ? item.kind : 'list'} is not a list`, 'give the output of "kubectl get ... -o json" unchanged: its "items" is a list of objects');
      }
      if (nesting >= MAX_LIST_NESTING) throw new DataError(`${origin}: Lists nested more than ${MAX_LIST_NESTING} deep`, 'flatten the snapshot into one List');
      item.items.forEach((x, j) => add(x, `${origin}#items/${j}`, nesting + 1));
      return;
    }
    seen++;
    const id = identifyResource(item);
    if (!id || !isRecord(item)) {
      errors.push({ code: 'snapshot-not-an-object', file: name, line: null, message: `${origin} is not a Kubernetes object (no apiVersion and kind); skipped` });
      return;
    }
    if (!id.name) {
      errors.push({ code: 'snapshot-object-without-name', file: name, line: null, message: `${origin}: ${id.kind} without metadata.name; skipped` });
      return;
    }
    out.push({ id, data: item, origin });
  };
  values.forEach((v, i) => {
    const origin = values.length > 1 ? `${name}#${i}` : name;
    if (Array.isArray(v)) v.forEach((item, j) => add(item, `${origin}[${j}]`, 1));
    else add(v, origin, 0);
  });
  return seen;
}

/** Opens a snapshot file: regular files and pipes (`<(kubectl get ...)`) are read; devices and the like are not snapshots. */
async function openSnapshotFile(where: string, abs: string): Promise<NodeJS.ReadableStream> {
  const info = await stat(abs);
  if (!info.isFile() && !info.isFIFO() && !info.isSocket()) {
    throw new DataError(`live snapshot ${where} is not a file (a device or special file)`, 'give a file written by "kubectl get ... -o json > live.json", a folder of them, or - for stdin');
  }
  if (info.isFile() && info.size > MAX_SNAPSHOT_BYTES) {
    throw new DataError(`${where}: live snapshot is ${mb(info.size)}, over the ${mb(MAX_SNAPSHOT_BYTES)} limit`, 'split it into a folder of smaller files (e.g. one kubectl get per namespace)');
  }
  return createReadStream(abs);
}

/**
 * Reads a live-state snapshot: a file (JSON or YAML; a kubectl List, multi-document YAML or
 * `{items: [...]}`), a folder of such files, or `-` for standard input.
 */
export async function loadSnapshot(where: string, cwd: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<Snapshot> {
  const objects: LiveObject[] = [];
  const errors: ReportError[] = [];
  let files: { name: string; text: () => Promise<string> }[];
  if (where === '-') {
    files = [{ name: '(stdin)', text: () => readCapped('(stdin)', stdin, MAX_SNAPSHOT_BYTES) }];
  } else {
    const abs = path.resolve(cwd, where);
    let info;
    try {
      info = await stat(abs);
    } catch {
      throw new NotFoundError(`live snapshot not found: ${where}`, 'write one with: kubectl get deploy,svc,cm,... -A -o json > live.json');
    }
    if (info.isDirectory()) {
      const entries = (await readdir(abs, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile() && SNAPSHOT_EXTENSIONS.has(path.extname(e.name)))
        .map((e) => path.join(e.parentPath, e.name))
        .sort();
      if (entries.length === 0) throw new DataError(`${where}: the snapshot has no objects: the folder has no .json, .yaml or .yml files`, 'write one with: kubectl get deploy,svc,cm,... -A -o json > live.json');
      files = entries.map((f) => {
        const name = path.relative(cwd, f) || f;
        return { name, text: async () => readCapped(name, await openSnapshotFile(name, f), MAX_SNAPSHOT_BYTES) };
      });
    } else {
      files = [{ name: where, text: async () => readCapped(where, await openSnapshotFile(where, abs), MAX_SNAPSHOT_BYTES) }];
    }
  }
  for (const f of files) {
    const text = await f.text();
    // An empty file is what a failed `kubectl get ... > live.json` leaves behind: not "nothing is running".
    if (text.trim() === '') throw new DataError(`${f.name}: live snapshot is empty`, 'check that the kubectl command that wrote it succeeded');
    const before = { objects: objects.length, errors: errors.length };
    const seen = collect(f.name, parseSnapshotText(f.name, text), objects, errors);
    if (seen > 0 && objects.length === before.objects && errors.slice(before.errors).every((e) => e.code === 'snapshot-not-an-object')) {
      throw new DataError(`${f.name}: not a live snapshot: it holds no Kubernetes objects (apiVersion, kind, metadata)`, 'give the output of "kubectl get ... -o json"');
    }
  }
  // An empty List is what `kubectl get` prints for the wrong namespace or context: never "everything is missing".
  if (objects.length === 0) {
    throw new DataError(`${where === '-' ? '(stdin)' : where}: the snapshot has no objects`, 'check the kubectl context and namespaces it was taken with (kubectl get ... -A -o json)');
  }
  return { objects, errors, source: where };
}
