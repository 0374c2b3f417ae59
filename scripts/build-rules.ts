/**
 * Build step: compiles the built-in rules and the config schema to Ajv standalone code,
 * so `check` loads validators in milliseconds instead of compiling schemas at start-up.
 * Writes dist/generated/builtin-rules.js and dist/generated/config-schema.js.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import standaloneCodeModule from 'ajv/dist/standalone/index.js';
import { createRuleAjv, standalonePrelude } from '../src/rules/ajv.js';
import { addRuleMetaSchema, BUILTIN_RULES_DIR, findRuleFiles, mergeRules, packOf, PACKAGE_ROOT, readRuleSpec } from '../src/rules/load.js';
import { relationSchemas } from '../src/rules/relation-spec.js';
import type { Rule } from '../src/rules/types.js';
import { closeVacuity } from '../src/rules/vacuity.js';
import type { Ajv2020 } from 'ajv/dist/2020.js';

type StandaloneCode = (ajv: Ajv2020, refs: Record<string, string>) => string;
const standaloneCode = (standaloneCodeModule as unknown as { default: StandaloneCode }).default;

const exportName = (id: string) => 'rule_' + id.replace(/-/g, '_').replace(/\//g, '$');

async function main(): Promise<void> {
  const outDir = path.join(PACKAGE_ROOT, 'dist', 'generated');
  await mkdir(outDir, { recursive: true });

  // CommonJS: the validators load on first use, synchronously (see loadBuiltinRules).
  const ajv = createRuleAjv({ standalone: 'commonjs' });
  await addRuleMetaSchema(ajv);
  // Relations' `where` schemas are filters (yes or no), compiled apart as loadRuleFiles does.
  const filterAjv = createRuleAjv({ standalone: 'commonjs', filter: true });
  const files = await findRuleFiles([BUILTIN_RULES_DIR]);
  const specs = [];
  for (const file of files) {
    const spec = await readRuleSpec(file, ajv);
    const source = path.relative(PACKAGE_ROOT, file).split(path.sep).join('/');
    specs.push({ ...spec, pack: packOf(file), source });
  }
  // Fails on duplicate ids, like a run-time load would.
  mergeRules([specs.map((s) => ({ ...s, validate: () => true }) as Rule)]);
  // The same vacuity closing as a run-time compile (loadRuleFiles), so both behave alike.
  // A relation rule has no document schema, only the `where` schemas of its relation.
  const keys: string[] = [];
  const filterKeys: string[] = [];
  // Every rule's schema is in the filters' instance too (not exported): a `where` may use a rule's definitions.
  for (const s of specs) {
    if (s.schema !== undefined) {
      const schema = closeVacuity(s.schema) as object;
      ajv.addSchema(schema, s.id);
      filterAjv.addSchema(schema, s.id);
      keys.push(s.id);
    }
    // Under a key without "/" (exportName's): a `where`'s key is its base URI, and `<id>/to/0` would resolve
    // a reference to another rule's definitions inside `<id>/to/`.
    for (const w of relationSchemas(s)) (filterAjv.addSchema(closeVacuity(w.schema) as object, exportName(w.key)), filterKeys.push(w.key));
  }
  // Each compiled schema exported under its name (exportName): the validators' module, and the filters'.
  const moduleOf = (a: typeof ajv, ks: string[], key = (k: string) => k) => (ks.length ? standaloneCode(a, Object.fromEntries(ks.map((k) => [exportName(k), key(k)]))) : '');
  const code = moduleOf(ajv, keys);
  const filterCode = moduleOf(filterAjv, filterKeys, exportName);
  // The rules' definitions, and apart from them their validators: a run whose files the cache knows runs none.
  // As JSON text: JSON.parse reads it faster than JavaScript parses the same object literal.
  const json = (value: unknown) => `JSON.parse(${JSON.stringify(JSON.stringify(value))})`;
  const names = (ks: string[]) => json(Object.fromEntries(ks.map((k) => [k, exportName(k)])));
  await writeFile(path.join(outDir, 'builtin-rules.js'), `export const RULES = ${json(specs)};\nexport const VALIDATORS = ${names(keys)};\nexport const FILTERS = ${names(filterKeys)};\n`);
  await writeFile(path.join(outDir, 'builtin-validators.cjs'), code);
  await writeFile(path.join(outDir, 'builtin-filters.cjs'), filterCode);

  const configAjv = createRuleAjv({ standalone: true });
  const schema = JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'schemas/aiopsrc.schema.json'), 'utf8')) as object;
  configAjv.addSchema(schema, 'config');
  await writeFile(path.join(outDir, 'config-schema.js'), standalonePrelude() + standaloneCode(configAjv, { validateConfigSchema: 'config' }));
  await writeBuildId(outDir);
  console.log(`compiled ${specs.length} built-in rules and the config schema into ${path.relative(PACKAGE_ROOT, outDir)}`);
}

/**
 * The build's identity: a hash of the compiled tool and its rules. The result cache keys on it,
 * so results of one build are never served by another (a version number alone does not change
 * between development builds).
 */
async function writeBuildId(outDir: string): Promise<void> {
  const hash = createHash('sha256');
  const roots = [path.join(PACKAGE_ROOT, 'dist', 'src'), outDir];
  for (const root of roots) {
    const files = (await readdir(root, { recursive: true })).filter((f) => /\.c?js$/.test(f) && !f.endsWith('build-id.js')).sort();
    for (const f of files) hash.update(f).update('\u0000').update(await readFile(path.join(root, f))).update('\u0000');
  }
  await writeFile(path.join(outDir, 'build-id.js'), `export const BUILD_ID = ${JSON.stringify(hash.digest('hex').slice(0, 32))};\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
