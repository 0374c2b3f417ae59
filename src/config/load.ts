import { existsSync, readFileSync } from 'node:fs';
import { findJsonError } from '../parse/json-error.js';
import { positionOf } from '../parse/position.js';
import { lstat, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { yaml } from '../parse/yaml-lib.js';
import { ConfigError, NotFoundError } from '../errors.js';
import { closest } from '../suggest.js';
import { parseConfigText } from '../parse/documents.js';
import { joinPointer, parsePointer } from '../parse/pointer.js';
import type { GuardConfig, LoadedConfig } from './types.js';

const DATA_PLACES = ['package.json', '.aiopsrc', '.aiopsrc.json', '.aiopsrc.yaml', '.aiopsrc.yml'];
const JS_PLACES = ['.aiopsrc.js', '.aiopsrc.cjs', '.aiopsrc.mjs', '.aiopsrc.ts', 'aiops.config.js', 'aiops.config.cjs', 'aiops.config.mjs', 'aiops.config.ts'];
const JS_EXTENSION = /\.(c|m)?[jt]s$/;
const DATA_EXTENSIONS = new Set(['.json', '.yaml', '.yml', '']);
/** `$import` chains deeper than this are a mistake, not a policy. */
const MAX_IMPORT_DEPTH = 10;
/** The environment variable CI sets instead of `--trusted-config`. */
const TRUSTED_CONFIG_ENV = 'AIOPS_GUARD_TRUSTED_CONFIG';

export interface ConfigOptions {
  /** Folder searched for the config (the repository root). */
  searchFrom: string;
  /** An explicit config file (`--config`): given on the command line, so it may be anywhere. */
  file?: string;
  /** Load JS/TS configs: they run code, so never by default (a repo under review must not run code in CI). */
  allowJs?: boolean;
  /**
   * Read the config, user rule packs and baseline from this revision's git objects, not the checked tree
   * (`--trusted-config`). Undefined: the AIOPS_GUARD_TRUSTED_CONFIG environment variable; null: never.
   */
  trustedRev?: string | null;
}

const EMPTY: LoadedConfig = { config: {}, filepath: null, locate: () => ({ line: 1, column: 1 }) };

/**
 * Where config files are read from: the work tree (default) or a trusted commit's git objects.
 * Paths are relative to the repository root, with forward slashes.
 */
export interface ConfigSource {
  /** Absolute path shown in messages for a repository-relative path. */
  display(rel: string): string;
  /** The file's text, or null when it does not exist. Throws ConfigError when it leaves the repository. */
  read(rel: string): Promise<string | null>;
}

/** The revision whose policy is trusted, from the option or the environment (empty means none). */
export function trustedRevision(options: Pick<ConfigOptions, 'trustedRev'>): string | null {
  if (options.trustedRev === null) return null;
  const rev = options.trustedRev ?? process.env[TRUSTED_CONFIG_ENV];
  return rev?.trim() ? rev.trim() : null;
}

/** Loads the config from the work tree (or `--config`); config/discover.ts chooses between this and a trusted commit. */
export async function loadWorktreeConfig(options: ConfigOptions): Promise<LoadedConfig> {
  if (options.file) return resolveRulePaths(await loadExplicitConfig(options.file, Boolean(options.allowJs), options.searchFrom), options.searchFrom);
  // Most repositories have no config: do not read anything more for nothing.
  if (![...DATA_PLACES, ...JS_PLACES].some((p) => existsSync(path.join(options.searchFrom, p)))) return EMPTY;
  const source = await worktreeSource(options.searchFrom);
  const loaded = await loadConfigFrom(source, { allowJs: Boolean(options.allowJs), jsRoot: options.searchFrom });
  return loaded ? resolveRulePaths(loaded, options.searchFrom) : EMPTY;
}

/** Reads the first config found at the root of `source` (data places, then JS places when allowed). */
export async function loadConfigFrom(source: ConfigSource, options: { allowJs: boolean; jsRoot: string | null }): Promise<LoadedConfig | null> {
  for (const place of DATA_PLACES) {
    const text = await source.read(place);
    if (text === null) continue;
    if (place === 'package.json') {
      if (!text.includes('"aiops"')) continue;
      const pkg = parseDataText(source.display(place), text, '.json');
      if (!isPlainObject(pkg) || !Object.hasOwn(pkg, 'aiops')) continue;
      return finishConfig(source, place, pkg.aiops, text, '/aiops', options);
    }
    return finishConfig(source, place, parseDataText(source.display(place), text, path.extname(place)), text, '', options);
  }
  for (const place of JS_PLACES) {
    if ((await source.read(place)) === null) continue;
    if (!options.allowJs || options.jsRoot === null) throw jsRefused(source.display(place));
    const file = path.join(options.jsRoot, place);
    return validated(file, await loadJsConfig(file), () => ({ line: 1, column: 1 }));
  }
  return null;
}

async function loadExplicitConfig(file: string, allowJs: boolean, repoDir: string): Promise<LoadedConfig> {
  if (!existsSync(file)) throw new NotFoundError(`config file not found: ${file}`, 'check the path given to --config');
  const abs = path.resolve(file);
  if (JS_EXTENSION.test(abs)) {
    if (!allowJs) throw jsRefused(file);
    return validated(abs, await loadJsConfig(abs), () => ({ line: 1, column: 1 }));
  }
  // The file was named on the command line; its own `$import`s still stay beside it or in the repository.
  const dir = path.dirname(abs);
  const root = isInside(await realpath(repoDir).catch(() => repoDir), await realpath(dir)) ? repoDir : dir;
  const source = await worktreeSource(root);
  const rel = path.relative(await realpath(root), await realpath(abs)).split(path.sep).join('/');
  const text = (await source.read(rel))!;
  const data = parseDataText(abs, text, path.extname(abs));
  const loaded = await finishConfig(source, rel, path.basename(abs) === 'package.json' && isPlainObject(data) ? data.aiops : data, text, path.basename(abs) === 'package.json' ? '/aiops' : '', {
    allowJs,
    jsRoot: root,
  });
  return loaded ?? { ...EMPTY, filepath: abs };
}

/** Applies `$import`s, then validates the config; `rules` paths must stay inside the repository. */
async function finishConfig(source: ConfigSource, rel: string, data: unknown, text: string, prefix: string, options: { allowJs: boolean; jsRoot: string | null }): Promise<LoadedConfig | null> {
  const filepath = source.display(rel);
  if (data === undefined || data === null) return { ...EMPTY, filepath };
  const locate = (pointer: string) => locateInText(filepath, text, prefix + pointer);
  const merged = await applyImports(source, rel, data, [rel], options);
  const loaded = await validated(filepath, merged, locate);
  return loaded;
}

async function validated(filepath: string, config: unknown, locate: LoadedConfig['locate']): Promise<LoadedConfig> {
  const problem = await validateConfig(config);
  if (problem) {
    const at = locate(problem.at ?? problem.pointer);
    const seeAlso = 'see schemas/aiopsrc.schema.json or .aiopsrc.example.json';
    throw new ConfigError(
      `${filepath}:${at.line}:${at.column}: invalid config: ${problem.pointer || '(top level)'} ${problem.message}`,
      problem.suggestion ? `did you mean "${problem.suggestion}"? (${seeAlso})` : seeAlso,
    );
  }
  return { config: config as GuardConfig, filepath, locate };
}

/**
 * cosmiconfig's `$import`, for data only: each imported file (relative to the importing one) is merged
 * under the importing file's own keys (objects merged, arrays joined). A JS import runs code, so it needs
 * --allow-js-config; no import leaves the repository.
 */
async function applyImports(source: ConfigSource, rel: string, data: unknown, stack: string[], options: { allowJs: boolean; jsRoot: string | null }): Promise<unknown> {
  if (!isPlainObject(data) || !Object.hasOwn(data, '$import')) return data;
  const { $import: imports, ...own } = data;
  const file = source.display(rel);
  const list = Array.isArray(imports) ? imports : [imports];
  if (list.length === 0 || !list.every((i): i is string => typeof i === 'string' && i.length > 0)) {
    throw new ConfigError(`${file}: "$import" must be a file path or a list of file paths`, 'give paths of .json or .yaml files relative to this config');
  }
  if (stack.length > MAX_IMPORT_DEPTH) throw new ConfigError(`${file}: "$import" nests more than ${MAX_IMPORT_DEPTH} deep`, 'import the files from one place');
  const merged: unknown[] = [];
  for (const imp of list) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), imp.split(path.sep).join('/')));
    if (path.isAbsolute(imp) || target === '..' || target.startsWith('../')) {
      throw new ConfigError(`${file}: "$import" of "${imp}" is outside the repository`, 'keep imported config files inside the repository');
    }
    if (stack.includes(target)) throw new ConfigError(`${file}: "$import" of "${imp}" imports itself (${[...stack, target].join(' → ')})`, 'remove the circular import');
    const ext = path.extname(target);
    if (JS_EXTENSION.test(target) || !DATA_EXTENSIONS.has(ext)) {
      if (!JS_EXTENSION.test(target)) throw new ConfigError(`${file}: "$import" of "${imp}": only .json and .yaml files can be imported`, 'import a .json or .yaml file');
      if (!options.allowJs || options.jsRoot === null) {
        throw new ConfigError(
          `${file}: "$import" of "${imp}" would run code from the repository under review; JS/TS is not loaded by default`,
          'import a .json or .yaml file, or pass --allow-js-config if you trust this repository',
        );
      }
      const abs = path.join(options.jsRoot, target);
      await assertInside(options.jsRoot, abs, file, imp);
      merged.push(await loadJsConfig(abs));
      continue;
    }
    const text = await source.read(target);
    if (text === null) throw new ConfigError(`${file}: "$import" of "${imp}": file not found`, 'check the path; it is relative to the importing config');
    merged.push(await applyImports(source, target, parseDataText(source.display(target), text, ext), [...stack, target], options));
  }
  return mergeAll([...merged, own]);
}

function mergeAll(objects: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of objects) if (isPlainObject(o)) mergeInto(out, o);
  return out;
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const prev = target[key];
    if (Array.isArray(prev) && Array.isArray(value)) target[key] = [...prev, ...value];
    else if (isPlainObject(prev) && isPlainObject(value)) {
      const copy = { ...prev };
      mergeInto(copy, value);
      target[key] = copy;
    } else target[key] = value;
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a data config: strict JSON for .json (with the place and reason of a syntax error), YAML otherwise. */
export function parseDataText(file: string, text: string, ext: string): unknown {
  if (text.trim() === '') return undefined;
  if (ext === '.json') {
    let data: unknown;
    try {
      data = JSON.parse(text) as unknown;
    } catch {
      const err = findJsonError(text);
      const at = positionOf(text, err.offset);
      throw new ConfigError(`${file}:${at.line}:${at.column}: invalid JSON: ${err.reason}`, 'fix the syntax of the config file');
    }
    // JSON.parse keeps the last of two equal keys: a reviewer reads the first. Say so instead.
    const duplicate = findDuplicateKey(text);
    if (duplicate) {
      const at = positionOf(text, duplicate.offset);
      throw new ConfigError(`${file}:${at.line}:${at.column}: duplicate key "${duplicate.key}": only the last one would count`, 'remove one of them');
    }
    return data;
  }
  const lineCounter = new (yaml().LineCounter)();
  let doc;
  try {
    doc = yaml().parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter, version: '1.2' });
  } catch (err) {
    // The YAML parser recurses per nesting level: thousands of levels overflow the stack.
    if (err instanceof RangeError) throw new ConfigError(`${file}: invalid YAML: nested too deeply to read`, 'a config needs a few levels of nesting; fix the file');
    throw err;
  }
  const error = doc.errors[0];
  if (error) {
    const at = lineCounter.linePos(Math.min(error.pos[0], Math.max(0, text.trimEnd().length - 1)));
    const reason = /call stack/i.test(error.message) ? 'nested too deeply to read' : error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${file}:${at.line}:${at.col}: invalid YAML: ${reason}`, 'fix the syntax of the config file');
  }
  try {
    return JSON.parse(JSON.stringify(doc.toJS({ maxAliasCount: 100 }))) as unknown;
  } catch (err) {
    throw new ConfigError(`${file}: invalid YAML: ${err instanceof Error ? err.message : String(err)}`, 'fix the syntax of the config file');
  }
}

/** The first key that appears twice in one JSON object (the text is valid JSON). */
function findDuplicateKey(text: string): { key: string; offset: number } | null {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) return { key, offset: i };
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return null;
}


/** The work tree as a config source: reads stay inside the repository, whatever symlinks say. */
async function worktreeSource(dir: string): Promise<ConfigSource> {
  const root = await realpath(dir);
  return {
    display: (rel) => path.join(dir, rel),
    async read(rel) {
      const abs = path.join(dir, rel);
      let real: string;
      try {
        real = await realpath(abs);
      } catch {
        return null;
      }
      if (!isInside(root, real)) {
        throw new ConfigError(`${abs} leads outside the repository (${real}); not read`, 'keep config files inside the repository, as plain files');
      }
      const info = await stat(real);
      if (!info.isFile()) return null;
      return readFile(real, 'utf8');
    },
  };
}

/** True when `target` is `root` or below it (both real paths). */
export function isInside(root: string, target: string): boolean {
  return target === root || target.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

async function assertInside(rootDir: string, abs: string, file: string, shown: string): Promise<void> {
  const root = await realpath(rootDir);
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    throw new ConfigError(`${file}: "$import" of "${shown}": file not found`, 'check the path; it is relative to the importing config');
  }
  if (!isInside(root, real)) throw new ConfigError(`${file}: "$import" of "${shown}" is outside the repository`, 'keep imported config files inside the repository');
}

/**
 * Checks the config's `rules` paths: each must be a file or folder inside the repository (no absolute
 * paths, no `..` out, no symlink out). Returns the config with those paths made absolute and real.
 */
async function resolveRulePaths(loaded: LoadedConfig, repoDir: string): Promise<LoadedConfig> {
  const rules = loaded.config.rules;
  if (!rules?.length) return loaded;
  const root = await realpath(repoDir);
  const file = loaded.filepath ?? path.join(repoDir, '.aiopsrc.json');
  const out: string[] = [];
  for (const [i, p] of rules.entries()) {
    const at = loaded.locate(`/rules/${i}`);
    const where = `${file}:${at.line}:${at.column}`;
    const hint = 'give a rule file or folder relative to the repository root; a pack outside the repository can be given with --rules on the command line';
    if (path.isAbsolute(p) || /^[a-zA-Z]:[\\/]/.test(p)) throw new ConfigError(`${where}: rules path "${p}" is absolute; config rule paths stay inside the repository`, hint);
    const abs = path.resolve(repoDir, p);
    let real: string;
    try {
      real = await realpath(abs);
    } catch {
      if (!isInside(path.resolve(repoDir), abs)) throw new ConfigError(`${where}: rules path "${p}" is outside the repository`, hint);
      throw new ConfigError(`${where}: rules path "${p}" not found`, hint);
    }
    if (!isInside(root, real)) throw new ConfigError(`${where}: rules path "${p}" is outside the repository (${real})`, hint);
    const info = await lstat(real);
    if (!info.isFile() && !info.isDirectory()) throw new ConfigError(`${where}: rules path "${p}" is neither a file nor a folder`, hint);
    out.push(real);
  }
  return { ...loaded, config: { ...loaded.config, rules: out } };
}

function jsRefused(file: string): ConfigError {
  return new ConfigError(
    `${file}: JS/TS configs are not loaded by default, since they run code from the repository under review`,
    'convert it to .aiopsrc.json, or pass --allow-js-config if you trust this repository',
  );
}

/** Loads a JS config (--allow-js-config only). A TypeScript one is compiled into a temp folder, never beside the repository. */
async function loadJsConfig(file: string): Promise<unknown> {
  try {
    if (file.endsWith('.ts')) return await loadTsConfig(file);
    const mod = (await import(pathToFileURL(await realpath(file)).href)) as { default?: unknown };
    return mod.default ?? mod;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${file}: the JS config failed to load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, 'fix the config, or convert it to .aiopsrc.json');
  }
}

interface TranspileApi {
  transpileModule(text: string, options: { compilerOptions: Record<string, unknown> }): { outputText: string };
}

async function loadTsConfig(file: string): Promise<unknown> {
  const mod = (await import('typescript').catch(() => null)) as { default?: Partial<TranspileApi> } | null;
  const ts = mod?.default;
  if (typeof ts?.transpileModule !== 'function') {
    throw new ConfigError(`${file}: a TypeScript config needs the "typescript" package (with its JavaScript API) installed`, 'convert it to .aiopsrc.json or .aiopsrc.mjs');
  }
  const js = ts.transpileModule(await readFile(file, 'utf8'), { compilerOptions: { module: 'es2022', target: 'es2022' } }).outputText;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aiops-guard-config-'));
  try {
    const out = path.join(dir, 'config.mjs');
    await writeFile(out, js);
    const loaded = (await import(pathToFileURL(out).href)) as { default?: unknown };
    return loaded.default ?? loaded;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function locateInText(file: string, text: string, pointer: string): { line: number; column: number } {
  try {
    const parsed = parseConfigText(file, text);
    const doc = parsed.documents[0];
    if (!doc) return { line: 1, column: 1 };
    const r = doc.locate(pointer);
    return { line: r.line, column: r.column };
  } catch {
    return { line: 1, column: 1 };
  }
}

/**
 * Checks a config object against the shipped schema (precompiled at build time). `at` is where the
 * mistake is written when that is not `pointer` (an unknown key: the key itself, not the map holding it);
 * `suggestion` the known key it is a typo of.
 */
export async function validateConfig(config: unknown): Promise<{ pointer: string; message: string; at?: string; suggestion?: string } | null> {
  const validate = await configValidator();
  if (validate(config)) return null;
  const err = validate.errors![0]!;
  const params = err.params as Record<string, unknown>;
  let message = err.message ?? 'is invalid';
  if (Array.isArray(params.allowedValues)) message = `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  if (typeof params.additionalProperty === 'string') {
    const key = params.additionalProperty;
    // No schema to read (a damaged install): the unknown key is still named, without a suggestion.
    const known = await readConfigSchema().then((schema) => configKeysAt(schema, err.instancePath), () => []);
    const suggestion = closest(key, known);
    return { pointer: err.instancePath, message: `has unknown key "${key}"`, at: joinPointer(err.instancePath, key), ...(suggestion ? { suggestion } : {}) };
  }
  return { pointer: err.instancePath, message };
}

/** The shipped config schema, read from the package (the precompiled validator has no copy of it). */
async function readConfigSchema(): Promise<SchemaNode> {
  const { PACKAGE_ROOT } = await import('../rules/load.js');
  return JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'schemas/aiopsrc.schema.json'), 'utf8')) as SchemaNode;
}

/** The keys the config schema allows in the object at `pointer` (read only when a key is unknown). */
function configKeysAt(schema: SchemaNode, pointer: string): string[] {
  let node: SchemaNode | undefined = schema;
  for (const name of parsePointer(pointer)) node = /^\d+$/.test(name) && node?.items ? node.items : node?.properties?.[name];
  return Object.keys(node?.properties ?? {}).filter((k) => !k.startsWith('$'));
}

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

interface SchemaValidate {
  (data: unknown): boolean;
  errors?: { instancePath: string; message?: string; params: object }[] | null;
}

async function configValidator(): Promise<SchemaValidate> {
  try {
    const url = new URL('../../generated/config-schema.js', import.meta.url).href;
    return ((await import(url)) as { validateConfigSchema: SchemaValidate }).validateConfigSchema;
  } catch {
    const { createRuleAjv } = await import('../rules/ajv.js');
    return createRuleAjv().compile((await readConfigSchema()) as object) as SchemaValidate;
  }
}
