import path from 'node:path';
import type { SourceRange } from '../parse/documents.js';
import { isWithin, resolveIn, type KustomizeFiles } from './files.js';
import { isMap, provConst, type Origin, type Prov, type SourceDoc } from './provenance.js';
import { RenderError, type Resource } from './resource.js';

/** One configMapGenerator/secretGenerator entry, with where it was written. */
export interface GeneratorEntry {
  kind: 'ConfigMap' | 'Secret';
  args: Record<string, unknown>;
  /** Pointer to the entry in the kustomization (`/configMapGenerator/0`). */
  pointer: string;
}

/** The kustomization a generator runs in. */
export interface GeneratorContext {
  dir: string;
  kustFile: string;
  kustDoc: SourceDoc;
  /** The kustomization's generatorOptions, if any. */
  globalOptions: Record<string, unknown> | null;
  files: KustomizeFiles;
  /** Records a file the render depended on. */
  onRead(file: string): void;
}

const GENERATOR_KEYS = new Set(['name', 'namespace', 'behavior', 'files', 'literals', 'envs', 'env', 'options', 'type']);
const OPTION_KEYS = new Set(['labels', 'annotations', 'disableNameSuffixHash', 'immutable']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Builds the ConfigMap or Secret one generator entry describes, with provenance for each value. */
export async function generate(entry: GeneratorEntry, ctx: GeneratorContext): Promise<Resource> {
  const { args, pointer } = entry;
  const where = `${ctx.kustFile} ${pointer.slice(1).replace('/', '[')}]`;
  for (const key of Object.keys(args)) if (!GENERATOR_KEYS.has(key) || (key === 'type' && entry.kind !== 'Secret')) throw new RenderError(`${where}: unknown field "${key}"`);
  const name = args.name;
  if (typeof name !== 'string' || name === '') throw new RenderError(`${where}: a generator needs a name`);
  const at = (p: string): Origin => ({ doc: ctx.kustDoc, pointer: `${pointer}${p}` });

  const pairs: { key: string; value: Uint8Array; origin: Origin }[] = [];
  const add = (key: string, value: Uint8Array, origin: Origin) => {
    if (pairs.some((p) => p.key === key)) throw new RenderError(`${where}: key "${key}" is set twice; keys must be unique`);
    pairs.push({ key, value, origin });
  };
  const enc = new TextEncoder();

  const envs = [...list(args.envs, `${where}.envs`), ...(args.env !== undefined ? [String(args.env)] : [])];
  for (const envPath of envs) {
    const file = inputPath(ctx, envPath, where);
    const bytes = await readInput(ctx, file, where);
    const envDoc = envFileDoc(file, bytes);
    const lines = decode(bytes, file).split('\n');
    lines.forEach((raw, n) => {
      let line = raw.replace(/\r$/, '');
      if (n === 0) line = line.replace(/^\uFEFF/, '');
      line = line.replace(/^\s+/, '');
      if (line === '' || line.startsWith('#')) return;
      const eq = line.indexOf('=');
      if (eq < 0) throw new RenderError(`not rendered: ${file}:${n + 1}: "${line}" takes its value from the environment, which is not supported`);
      add(line.slice(0, eq), enc.encode(line.slice(eq + 1)), { doc: envDoc, pointer: `/${n}` });
    });
  }
  for (const source of list(args.files, `${where}.files`)) {
    const eq = source.indexOf('=');
    const key = eq > 0 ? source.slice(0, eq) : null;
    const file = inputPath(ctx, eq > 0 ? source.slice(eq + 1) : source, where);
    if (ctx.files.isDirectory(file)) throw new RenderError(`not rendered: ${where}: a directory as a generator file source (${source}) is not supported`);
    const bytes = await readInput(ctx, file, where);
    add(key ?? path.posix.basename(file), bytes, { doc: wholeFileDoc(file, bytes), pointer: '' });
  }
  for (const [i, literal] of list(args.literals, `${where}.literals`).entries()) {
    const eq = literal.indexOf('=');
    if (eq <= 0) throw new RenderError(`${where}: literal "${literal}" must be key=value`);
    add(literal.slice(0, eq), enc.encode(unquote(literal.slice(eq + 1))), at(`/literals/${i}`));
  }

  const local = isMap(args.options) ? args.options : {};
  const global = ctx.globalOptions ?? {};
  for (const key of Object.keys(local)) if (!OPTION_KEYS.has(key)) throw new RenderError(`${where}: unknown option "${key}"`);
  const nameOrigin = at('/name');
  const data: Record<string, unknown> = { apiVersion: 'v1', kind: entry.kind, metadata: { name } };
  const prov = provConst(data, nameOrigin) as Record<string, Prov>;
  const metaProv = prov.metadata as Record<string, Prov>;
  const meta = data.metadata as Record<string, unknown>;
  if (typeof args.namespace === 'string' && args.namespace !== '') {
    meta.namespace = args.namespace;
    metaProv.namespace = provConst(args.namespace, at('/namespace'));
  }
  for (const field of ['labels', 'annotations'] as const) {
    const merged: [string, unknown, Origin][] = [];
    const fromGlobal = isMap(global[field]) ? (global[field] as Record<string, unknown>) : {};
    const fromLocal = isMap(local[field]) ? (local[field] as Record<string, unknown>) : {};
    for (const [k, v] of Object.entries(fromGlobal)) merged.push([k, v, { doc: ctx.kustDoc, pointer: `/generatorOptions/${field}/${k}` }]);
    for (const [k, v] of Object.entries(fromLocal)) {
      const i = merged.findIndex(([m]) => m === k);
      const item: [string, unknown, Origin] = [k, v, at(`/options/${field}/${k}`)];
      if (i >= 0) merged[i] = item;
      else merged.push(item);
    }
    if (merged.length === 0) continue;
    const map: Record<string, unknown> = {};
    const mapProv = provConst({}, merged[0]![2]) as Record<string, Prov>;
    for (const [k, v, o] of merged) {
      map[k] = String(v);
      mapProv[k] = provConst(map[k], o);
    }
    meta[field] = map;
    metaProv[field] = mapProv;
  }
  if (entry.kind === 'Secret') {
    const type = typeof args.type === 'string' && args.type !== '' ? args.type : 'Opaque';
    data.type = type;
    prov.type = provConst(type, args.type !== undefined ? at('/type') : nameOrigin);
  }
  if (pairs.length > 0) {
    const text: Record<string, unknown> = {};
    const textProv = provConst({}, at('')) as Record<string, Prov>;
    const binary: Record<string, unknown> = {};
    const binaryProv = provConst({}, at('')) as Record<string, Prov>;
    for (const { key, value, origin } of pairs) {
      if (entry.kind === 'Secret') {
        text[key] = encodeBase64(value);
        textProv[key] = provConst(text[key], origin);
        continue;
      }
      const decoded = tryDecode(value);
      if (decoded !== null) {
        text[key] = decoded;
        textProv[key] = provConst(decoded, origin);
      } else {
        binary[key] = Buffer.from(value).toString('base64');
        binaryProv[key] = provConst(binary[key], origin);
      }
    }
    if (Object.keys(text).length > 0) {
      data.data = text;
      prov.data = textProv;
    }
    if (Object.keys(binary).length > 0) {
      data.binaryData = binary;
      prov.binaryData = binaryProv;
    }
  }
  const immutable = local.immutable ?? global.immutable;
  if (immutable === true) {
    data.immutable = true;
    prov.immutable = provConst(true, local.immutable !== undefined ? at('/options/immutable') : { doc: ctx.kustDoc, pointer: '/generatorOptions/immutable' });
  }
  const noHash = local.disableNameSuffixHash === true || global.disableNameSuffixHash === true;
  return {
    data,
    prov,
    ids: [{ namespace: typeof meta.namespace === 'string' ? meta.namespace : '', name }],
    hashSuffix: noHash ? null : nameOrigin,
  };
}

/**
 * Base64 as kustomize writes Secret data (kyaml's encodeBase64): from 70 encoded characters on,
 * broken into lines of 70, each ending in a newline.
 */
function encodeBase64(bytes: Uint8Array): string {
  const LINE = 70;
  const encoded = Buffer.from(bytes).toString('base64');
  if (Math.floor(encoded.length / LINE) + 1 <= 1) return encoded;
  let out = '';
  for (let i = 0; i < encoded.length; i += LINE) out += `${encoded.slice(i, i + LINE)}\n`;
  return out;
}

function list(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new RenderError(`${where} must be a list of strings`);
  return value;
}

/** A quoted literal value loses its quotes, as in kustomize. */
function unquote(s: string): string {
  if (s.length >= 2 && s[0] === s[s.length - 1] && (s[0] === '"' || s[0] === "'")) return s.slice(1, -1);
  return s;
}

function inputPath(ctx: GeneratorContext, relative: string, where: string): string {
  const file = resolveIn(ctx.dir, relative);
  if (file === null || !isWithin(ctx.dir, file)) {
    throw new RenderError(`${where}: "${relative}" is outside the kustomization's directory; kustomize refuses to read it`);
  }
  return file;
}

async function readInput(ctx: GeneratorContext, file: string, where: string): Promise<Uint8Array> {
  const bytes = await ctx.files.read(file);
  if (bytes === null) throw new RenderError(`${where}: file ${file} does not exist`);
  ctx.onRead(file);
  return bytes;
}

function tryDecode(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

function decode(bytes: Uint8Array, file: string): string {
  const text = tryDecode(bytes);
  if (text === null) throw new RenderError(`${file}: an env file must be UTF-8`);
  return text;
}

/** An env file: pointer `/N` is its line N+1. */
function envFileDoc(file: string, bytes: Uint8Array): SourceDoc {
  const lines = (tryDecode(bytes) ?? '').split('\n');
  return {
    file,
    role: 'generator-input',
    locate(pointer: string): SourceRange {
      const n = Number(pointer.slice(1));
      const text = (lines[n] ?? '').replace(/\r$/, '');
      const indent = text.length - text.trimStart().length;
      return { line: n + 1, column: indent + 1, endLine: n + 1, endColumn: text.length + 1 };
    },
  };
}

/** A file whose whole content is one value. */
function wholeFileDoc(file: string, bytes: Uint8Array): SourceDoc {
  const lines = (tryDecode(bytes) ?? '').replace(/\n$/, '').split('\n');
  return {
    file,
    role: 'generator-input',
    locate: () => ({ line: 1, column: 1, endLine: lines.length, endColumn: lines[lines.length - 1]!.length + 1 }),
  };
}
