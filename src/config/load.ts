import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, NotFoundError } from '../errors.js';
import { parseConfigText } from '../parse/documents.js';
import type { GuardConfig, LoadedConfig } from './types.js';

const DATA_PLACES = ['package.json', '.aiopsrc', '.aiopsrc.json', '.aiopsrc.yaml', '.aiopsrc.yml'];
const JS_PLACES = ['.aiopsrc.js', '.aiopsrc.cjs', '.aiopsrc.mjs', '.aiopsrc.ts', 'aiops.config.js', 'aiops.config.cjs', 'aiops.config.mjs', 'aiops.config.ts'];

export interface ConfigOptions {
  /** Folder searched for the config (the repository root). */
  searchFrom: string;
  /** An explicit config file (`--config`). */
  file?: string;
  /** Load JS/TS configs: they run code, so never by default (a repo under review must not run code in CI). */
  allowJs?: boolean;
}

const EMPTY: LoadedConfig = { config: {}, filepath: null, locate: () => ({ line: 1, column: 1 }) };

/** Finds, loads and validates .aiopsrc (cosmiconfig, module name `aiops`). */
export async function loadConfig(options: ConfigOptions): Promise<LoadedConfig> {
  // Most repositories have no config: do not load cosmiconfig (and its parsers) for nothing.
  const candidates = [...DATA_PLACES, ...JS_PLACES].filter((p) => p !== 'package.json' || hasAiopsKey(path.join(options.searchFrom, p)));
  if (!options.file && !candidates.some((p) => existsSync(path.join(options.searchFrom, p)))) return EMPTY;
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig('aiops', {
    searchPlaces: options.allowJs ? [...DATA_PLACES, ...JS_PLACES] : DATA_PLACES,
    searchStrategy: 'none',
    cache: false,
  });
  let result;
  try {
    if (options.file) {
      if (!existsSync(options.file)) throw new NotFoundError(`config file not found: ${options.file}`, 'check the path given to --config');
      if (!options.allowJs && /\.(c|m)?[jt]s$/.test(options.file)) throw jsRefused(options.file);
      result = await explorer.load(options.file);
    } else {
      result = await explorer.search(options.searchFrom);
      if (!result && !options.allowJs) {
        const js = JS_PLACES.map((p) => path.join(options.searchFrom, p)).find((p) => existsSync(p));
        if (js) throw jsRefused(js);
      }
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof NotFoundError) throw err;
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigError(`cannot read config: ${msg}`, 'fix the syntax of the config file');
  }
  if (!result || result.isEmpty) return result ? { ...EMPTY, filepath: result.filepath } : EMPTY;
  const filepath = result.filepath;
  const prefix = path.basename(filepath) === 'package.json' ? '/aiops' : '';
  const locate = (pointer: string) => locateInFile(filepath, prefix + pointer);
  const problem = await validateConfig(result.config);
  if (problem) {
    const at = locate(problem.pointer);
    throw new ConfigError(
      `${filepath}:${at.line}:${at.column}: invalid config: ${problem.pointer || '(top level)'} ${problem.message}`,
      'see schemas/aiopsrc.schema.json or .aiopsrc.example.json',
    );
  }
  return { config: result.config as GuardConfig, filepath, locate };
}

function hasAiopsKey(packageJson: string): boolean {
  try {
    return readFileSync(packageJson, 'utf8').includes('"aiops"');
  } catch {
    return false;
  }
}

function jsRefused(file: string): ConfigError {
  return new ConfigError(
    `${file}: JS/TS configs are not loaded by default, since they run code from the repository under review`,
    'convert it to .aiopsrc.json, or pass --allow-js-config if you trust this repository',
  );
}

function locateInFile(file: string, pointer: string): { line: number; column: number } {
  try {
    const parsed = parseConfigText(file, readFileSync(file, 'utf8'));
    const doc = parsed.documents[0];
    if (!doc) return { line: 1, column: 1 };
    const r = doc.locate(pointer);
    return { line: r.line, column: r.column };
  } catch {
    return { line: 1, column: 1 };
  }
}

/** Checks a config object against the shipped schema (precompiled at build time). */
export async function validateConfig(config: unknown): Promise<{ pointer: string; message: string } | null> {
  const validate = await configValidator();
  if (validate(config)) return null;
  const err = validate.errors![0]!;
  const params = err.params as Record<string, unknown>;
  let message = err.message ?? 'is invalid';
  if (typeof params.additionalProperty === 'string') message = `has unknown key "${params.additionalProperty}"`;
  if (Array.isArray(params.allowedValues)) message = `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return { pointer: err.instancePath, message };
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
    const { PACKAGE_ROOT } = await import('../rules/load.js');
    const schema = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'schemas/aiopsrc.schema.json'), 'utf8')) as object;
    return createRuleAjv().compile(schema) as SchemaValidate;
  }
}
