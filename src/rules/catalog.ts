import path from 'node:path';
import { setupRules } from '../check/rules-setup.js';
import { loadConfig } from '../config/discover.js';
import type { LoadedConfig } from '../config/types.js';
import { NotFoundError } from '../errors.js';
import { findRepo } from '../source/find-repo.js';
import { runRuleCases, type CaseResult } from './cases.js';
import { CASES_DIR, loadBuiltinRules, loadRuleFiles, PACKAGE_ROOT } from './load.js';
import type { Rule } from './types.js';

export interface CatalogOptions {
  cwd: string;
  repoDir?: string;
  rules?: string[];
  configFile?: string;
  allowJsConfig?: boolean;
}

/** Every rule a check would load here: built-in, the config's packs, and --rules. Works outside a repository too. */
export async function loadCatalog(options: CatalogOptions): Promise<Rule[]> {
  const start = options.repoDir ? path.resolve(options.cwd, options.repoDir) : options.cwd;
  let repo;
  try {
    repo = findRepo(start);
  } catch (err) {
    if (!(err instanceof NotFoundError) || options.repoDir) throw err;
    repo = null;
  }
  const loaded: LoadedConfig = repo
    ? await loadConfig({ searchFrom: repo.dir, file: options.configFile, allowJs: options.allowJsConfig })
    : { config: {}, filepath: null, locate: () => ({ line: 1, column: 1 }) };
  const { all } = await setupRules(repo ?? { dir: start, gitdir: '' }, loaded, { cwd: options.cwd, rules: options.rules });
  return all;
}

export interface RuleTestRun {
  results: CaseResult[];
  /** Rules that have no case at all. */
  untested: string[];
  rules: number;
}

/**
 * Runs rule cases, like `conftest verify`. Without `dir`: the built-in rules and their cases.
 * With `dir`: the rules under it, with cases in `<dir>/cases/<rule-id>/` (or `casesDir`).
 */
export async function testRules(dir?: string, casesDir?: string): Promise<RuleTestRun> {
  const rules = dir ? await loadRuleFiles([dir]) : await loadBuiltinRules();
  if (dir && rules.length === 0) throw new NotFoundError(`no rule files under ${dir}`, 'give the folder that holds your rule files (YAML or JSON)');
  const cases = casesDir ?? (dir ? path.join(dir, CASES_DIR) : path.join(PACKAGE_ROOT, 'fixtures', 'rules'));
  const builtin = dir ? await loadBuiltinRules() : rules;
  const known = new Set([...rules.map((r) => r.id), ...builtin.map((r) => r.id)]);
  // A relation rule's `satisfies` may name the pack's own rules or built-in ones.
  const catalog = dir ? [...rules, ...builtin] : rules;
  const results: CaseResult[] = [];
  const untested: string[] = [];
  for (const rule of rules) {
    const r = await runRuleCases(rule, cases, known, catalog);
    if (r.length === 0) untested.push(rule.id);
    results.push(...r);
  }
  return { results, untested, rules: rules.length };
}

