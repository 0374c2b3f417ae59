import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DataError, NotFoundError } from '../errors.js';
import { parseConfigText } from '../parse/documents.js';
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

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}

/** Parses one snapshot file's text into top-level values (documents). */
function parseSnapshotText(name: string, text: string): unknown[] {
  const trimmed = text.trimStart();
  if (name.endsWith('.json') || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return [JSON.parse(text) as unknown];
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const pos = /position (\d+)/.exec(msg);
      const at = lineColumn(text, pos ? Number(pos[1]) : text.length);
      const what = pos ? msg.replace(/^.*?: /, '').replace(/ in JSON at position \d+.*$/, '') : 'the file ends in the middle of the JSON (truncated?)';
      throw new DataError(`${name}:${at.line}:${at.column}: live snapshot is not valid JSON: ${what}`, 'save the output of "kubectl get ... -o json" (or -o yaml) whole');
    }
  }
  const parsed = parseConfigText(name, text);
  if (parsed.failure) {
    throw new DataError(`${name}:${parsed.failure.line}:${parsed.failure.column}: live snapshot is not valid YAML: ${parsed.failure.message}`, 'save the output of "kubectl get ... -o yaml" (or -o json) whole');
  }
  // parseConfigText already unwraps Lists; wrap its documents back as values.
  return parsed.documents.map((d) => d.data);
}

function collect(name: string, values: unknown[], out: LiveObject[], errors: ReportError[]): number {
  let seen = 0;
  const add = (item: unknown, origin: string) => {
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
    if (Array.isArray(v)) v.forEach((item, j) => add(item, `${origin}[${j}]`));
    else if (isRecord(v) && Array.isArray(v.items)) v.items.forEach((item, j) => add(item, `${origin}#items/${j}`));
    else add(v, origin);
  });
  return seen;
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
    files = [{ name: '(stdin)', text: () => readStdin(stdin) }];
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
      if (entries.length === 0) throw new DataError(`live snapshot folder ${where} has no .json, .yaml or .yml files`);
      files = entries.map((f) => ({ name: path.relative(cwd, f) || f, text: () => readFile(f, 'utf8') }));
    } else {
      files = [{ name: where, text: () => readFile(abs, 'utf8') }];
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
  return { objects, errors, source: where };
}
