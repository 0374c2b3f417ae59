import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { yaml } from '../parse/yaml-lib.js';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { ConfigError, NotFoundError } from '../errors.js';
import { checkRelationSpec, relationSchemas } from './relation-spec.js';
import type { RelationValidators, Rule, RuleSpec, Validate } from './types.js';
import { closeVacuity } from './vacuity.js';
import type { Ajv2020 } from 'ajv/dist/2020.js';

const RULE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The meta-schema's key: not a rule id (ids are kebab-case), since every rule's schema is added under its id. */
const RULE_META = 'aiops-guard:rule-meta';

/** Folder name for a user pack's rule cases: `<pack>/cases/<rule-id>/pass*.yaml`. */
export const CASES_DIR = 'cases';

/** Root of the installed package (holds rules/, schemas/, fixtures/demo). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BUILTIN_RULES_DIR = path.join(PACKAGE_ROOT, 'rules');

/** Lists rule files under files or folders, recursively, sorted. */
export async function findRuleFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let info;
    try {
      info = await stat(p);
    } catch {
      throw new NotFoundError(`rules path not found: ${p}`, 'check the path given to --rules or in "rules" of .aiopsrc.json');
    }
    if (info.isFile()) {
      out.push(p);
      continue;
    }
    if (!info.isDirectory()) throw new ConfigError(`rules path is neither a file nor a folder: ${p}`, 'give a rule file or a folder of rule files');
    const entries = await readdir(p, { recursive: true, withFileTypes: true });
    for (const e of entries) {
      if (!e.isFile() || !RULE_EXTENSIONS.has(path.extname(e.name))) continue;
      // A rule pack may keep its test cases beside it, in a cases/ folder (see `rules test`).
      const rel = path.relative(p, e.parentPath).split(path.sep);
      if (rel.includes(CASES_DIR)) continue;
      out.push(path.join(e.parentPath, e.name));
    }
  }
  return out.sort();
}

/** Reads one rule file, checks it against the meta-schema and its naming rules. */
export async function readRuleSpec(file: string, ajv: Ajv2020): Promise<RuleSpec> {
  const text = await readFile(file, 'utf8');
  const lineCounter = new (yaml().LineCounter)();
  let doc;
  try {
    doc = yaml().parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  } catch (err) {
    // The YAML parser recurses per nesting level: thousands of levels overflow the stack.
    if (err instanceof RangeError) throw new ConfigError(`${file}: invalid rule file: nested too deeply to read`, 'fix the YAML of the rule');
    throw err;
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lineCounter.linePos(e.pos[0]).line;
    const reason = /call stack/i.test(e.message) ? 'nested too deeply to read' : e.message.split('\n')[0];
    throw new ConfigError(`${file}:${line}: invalid rule file: ${reason}`, 'fix the YAML syntax');
  }
  let spec: unknown;
  try {
    // Through JSON: a self-referencing alias (a cycle) cannot become a rule.
    spec = JSON.parse(JSON.stringify(doc.toJS({ maxAliasCount: 100 })));
  } catch (err) {
    throw new ConfigError(`${file}: invalid rule file: ${err instanceof Error ? err.message : String(err)}`, 'remove self-referencing or repeated aliases (*name) from the rule');
  }
  const validateMeta = ajv.getSchema(RULE_META)!;
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    // The meta-schema's oneOf would say only "must match exactly one schema in oneOf".
    const has = (k: string) => k in spec;
    if (has('schema') === has('relation')) {
      throw new ConfigError(
        `${file}: invalid rule: it needs exactly one of "schema" (checks one document) and "relation" (checks objects against each other)${has('schema') ? ', not both' : ''}`,
        'see schemas/rule.schema.json and the README section "Relation rules"',
      );
    }
  }
  if (!validateMeta(spec)) {
    const err = validateMeta.errors![0]!;
    const where = err.instancePath || '(top level)';
    throw new ConfigError(
      `${file}: invalid rule: ${where} ${err.message}${err.params && 'additionalProperty' in err.params ? ` '${String(err.params.additionalProperty)}'` : ''}`,
      'see schemas/rule.schema.json for the rule format',
    );
  }
  const rule = spec as RuleSpec;
  const base = path.basename(file, path.extname(file));
  if (rule.id !== base) {
    throw new ConfigError(`${file}: rule id "${rule.id}" must equal the file name "${base}"`, `rename the file to ${rule.id}${path.extname(file)} or change the id`);
  }
  checkRelationSpec(rule, file);
  return rule;
}

/** Adds the rule meta-schema to an Ajv instance. */
export async function addRuleMetaSchema(ajv: Ajv2020): Promise<void> {
  const meta = JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'schemas/rule.schema.json'), 'utf8')) as object;
  ajv.addSchema(meta, RULE_META);
}

/** A rule schema Ajv refuses: a configuration error naming the file, with what to do. */
function invalidSchema(file: string, spec: RuleSpec, err: unknown, where: string): ConfigError {
  const msg = err instanceof Error ? err.message : String(err);
  const other = /can't resolve reference/.test(msg) ? `; a $ref to another rule's definitions ('<rule-id>#/$defs/<name>') needs that rule among the rules loaded with it (built-in rules see only built-in ones, a pack's rules those of the packs given)` : '';
  return new ConfigError(`${file}: invalid schema in rule "${spec.id}": ${msg}`, `fix the rule's "${where}" (JSON Schema 2020-12)${other}`);
}

/**
 * Compiles a rule's schema; an invalid schema is a configuration error naming the file. With `byId`,
 * the document schema was added under the rule's id (see loadRuleFiles), and is compiled from there.
 */
function compileRuleSchema(spec: RuleSpec, file: string, ajv: Ajv2020, schema: object | boolean | undefined = spec.schema, where = 'schema', byId = false): Validate {
  // A relation rule has no document schema: per-document evaluation never runs it (prepareRules).
  if (schema === undefined) return () => true;
  try {
    return (byId ? ajv.getSchema(spec.id)! : ajv.compile(closeVacuity(schema))) as Validate;
  } catch (err) {
    throw invalidSchema(file, spec, err, where);
  }
}

/** A relation rule's `where` validators, from compiled schemas found by key (`<id>/from`, `<id>/to/<n>`). */
export function relationValidators(spec: RuleSpec, find: (key: string, schema: object | boolean) => Validate): RelationValidators | undefined {
  if (!spec.relation) return undefined;
  const byKey = new Map(relationSchemas(spec).map((s) => [s.key, find(s.key, s.schema)]));
  const to = Array.isArray(spec.relation.to) ? spec.relation.to : [spec.relation.to];
  return { from: byKey.get(`${spec.id}/from`) ?? null, to: to.map((_t, i) => byKey.get(`${spec.id}/to/${i}`) ?? null) };
}

/** The pack of a rule file: the folder it is in. */
export function packOf(file: string): string {
  return path.basename(path.dirname(file));
}

/**
 * Loads and compiles rule files at run time (user rules, `rules test`, the build step). User packs get
 * the linear-time regular-expression engine; the shipped packs keep V8's (their patterns are reviewed,
 * and some use look-ahead), as the precompiled build does.
 */
export async function loadRuleFiles(paths: readonly string[]): Promise<Rule[]> {
  const files = await findRuleFiles(paths);
  if (files.length === 0) return [];
  const { createRuleAjv } = await import('./ajv.js');
  const ajvs = new Map<string, Ajv2020>();
  const ajvFor = async (linear: boolean, filter = false) => {
    const key = `${linear} ${filter}`;
    let ajv = ajvs.get(key);
    if (!ajv) {
      ajv = createRuleAjv({ linearRegExp: linear, filter });
      // Rule files are read (and checked against the meta-schema) by the rules' own instance.
      if (!filter) await addRuleMetaSchema(ajv);
      ajvs.set(key, ajv);
    }
    return ajv;
  };
  const builtinRoot = BUILTIN_RULES_DIR + path.sep;
  const read: { file: string; linear: boolean; spec: RuleSpec; byId: boolean }[] = [];
  for (const file of files) {
    const linear = !path.resolve(file).startsWith(builtinRoot);
    read.push({ file, linear, spec: await readRuleSpec(file, await ajvFor(linear)), byId: false });
  }
  // Every document schema is added under its rule's id before any is compiled, so that a rule (and a
  // relation's `where`) can use another's definitions (`$ref: '<rule-id>#/$defs/<name>'`) among the rules
  // loaded with it, as the build does for the built-in ones. A second rule of one id is left to mergeRules to report.
  const added = new Set<string>();
  const relations = new Set(read.filter((r) => r.spec.relation).map((r) => r.linear));
  for (const r of read) {
    const key = `${r.linear} ${r.spec.id}`;
    if (r.spec.schema === undefined || added.has(key)) continue;
    added.add(key);
    const schema = closeVacuity(r.spec.schema) as object;
    try {
      (await ajvFor(r.linear)).addSchema(schema, r.spec.id);
      if (relations.has(r.linear)) (await ajvFor(r.linear, true)).addSchema(schema, r.spec.id);
    } catch (err) {
      throw invalidSchema(r.file, r.spec, err, 'schema');
    }
    r.byId = true;
  }
  const rules: Rule[] = [];
  for (const { file, linear, spec, byId } of read) {
    const ajv = await ajvFor(linear);
    const filters = spec.relation ? await ajvFor(linear, true) : ajv;
    const where = relationValidators(spec, (key, schema) => compileRuleSchema(spec, file, filters, schema, `relation ${key.slice(spec.id.length + 1).replace('/', '.')} where`));
    rules.push({ ...spec, pack: packOf(file), source: file, validate: compileRuleSchema(spec, file, ajv, spec.schema, 'schema', byId), ...(where ? { where } : {}) });
  }
  return rules;
}

/**
 * Built-in rules: precompiled at build time (scripts/build-rules.ts) so start-up skips Ajv. The
 * definitions load now; the validators (most of the compiled code) on the first validation, so a
 * run whose files the result cache knows never loads them.
 */
export async function loadBuiltinRules(): Promise<Rule[]> {
  const url = new URL('../../generated/builtin-rules.js', import.meta.url).href;
  let mod: { RULES: (RuleSpec & { pack: string; source: string })[]; VALIDATORS: Record<string, string>; FILTERS: Record<string, string> };
  try {
    mod = (await import(url)) as typeof mod;
  } catch {
    // Not built (running from source in development): compile the rule files instead.
    return loadRuleFiles([BUILTIN_RULES_DIR]);
  }
  const modules = new Map<string, Record<string, Validate>>();
  const load = (file: string) => {
    let m = modules.get(file);
    if (!m) modules.set(file, (m = createRequire(import.meta.url)(`../../generated/${file}`) as Record<string, Validate>));
    return m;
  };
  // A rule's validator, loaded when first called; it hands back its errors (the places a finding points at).
  const lazyValidator = (id: string): Validate | null => {
    const name = mod.VALIDATORS[id];
    if (name === undefined) return null;
    let v: Validate | undefined;
    const validate: Validate = (data) => {
      v ??= load('builtin-validators.cjs')[name]!;
      const ok = v(data);
      validate.errors = v.errors;
      return ok;
    };
    validate.errors = null;
    return validate;
  };
  // A relation's where is asked yes or no, thousands of times a run: it hands back no errors.
  const lazyFilter = (key: string): Validate => {
    const name = mod.FILTERS[key]!;
    let v: Validate | undefined;
    return (data) => (v ??= load('builtin-filters.cjs')[name]!)(data);
  };
  return mod.RULES.map((r) => {
    const where = relationValidators(r, lazyFilter);
    return { ...r, source: path.join(PACKAGE_ROOT, r.source), validate: lazyValidator(r.id) ?? (() => true), ...(where ? { where } : {}) };
  });
}

/** Merges rule sets; two rules with one id are a configuration error. */
export function mergeRules(sets: readonly Rule[][]): Rule[] {
  const byId = new Map<string, Rule>();
  for (const rule of sets.flat()) {
    const prev = byId.get(rule.id);
    if (prev) throw new ConfigError(`rule id "${rule.id}" is defined twice: ${prev.source} and ${rule.source}`, 'rule ids must be unique; rename one');
    byId.set(rule.id, rule);
  }
  return [...byId.values()];
}
