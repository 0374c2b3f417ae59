import path from 'node:path';
import { loadConfig } from '../config/discover.js';
import { defaultCacheDir } from '../cache/result-cache.js';
import { DEFAULT_LIMITS, type ParseLimits } from '../parse/documents.js';
import { prepareRules, type PolicyOptions } from '../policy/evaluate.js';
import { compileWaivers } from '../policy/waivers.js';
import type { Rule } from '../rules/types.js';
import { findRepo } from '../source/find-repo.js';
import { createSelection, toRepoPaths } from '../source/select.js';
import type { Repo } from '../source/types.js';
import { openFileResultCache, type FileResultCache } from './file-results.js';
import { setupRules } from './rules-setup.js';
import type { CheckOptions, RunContext } from './types.js';

export async function createRunContext(options: CheckOptions): Promise<RunContext> {
  const base = options.repoDir ? path.resolve(options.cwd, options.repoDir) : options.cwd;
  const repo = findRepo(base);
  const loaded = await loadConfig({ searchFrom: repo.dir, file: options.configFile, allowJs: options.allowJsConfig });
  const { config } = loaded;
  const { rules, all } = await setupRules(repo, loaded, options);
  const selection = createSelection({ include: config.include, exclude: config.exclude, paths: toRepoPaths(repo.dir, base, options.paths ?? []) });
  const waivers = compileWaivers(config.waivers ?? [], options.now ?? new Date());
  const limits: ParseLimits = { ...DEFAULT_LIMITS, maxFileBytes: config.maxFileBytes ?? DEFAULT_LIMITS.maxFileBytes, maxDocuments: config.maxDocuments ?? DEFAULT_LIMITS.maxDocuments };
  const policy: PolicyOptions = {
    severity: config.severity,
    inlineWaivers: options.inlineWaivers ?? config.inlineWaivers ?? true,
    waivers,
    knownRuleIds: new Set(all.map((r) => r.id)),
  };
  return {
    repo,
    config: loaded,
    rules,
    prepared: prepareRules(rules),
    policy,
    waivers,
    selection,
    limits,
    // Under a Pod Security Standards profile every control violation fails: admission would reject the pod.
    failOn: options.failOn ?? config.failOn ?? ((options.profile ?? config.profile) ? 'low' : 'high'),
    cache: {},
    results: openResults(repo, config.cache, options.cache, rules, policy, limits),
  };
}

/** The result cache a run uses: `--no-cache`/`--cache-dir` first, then config `cache` (false, or a folder), else the default folder. */
function openResults(repo: Repo, fromConfig: boolean | string | undefined, fromOptions: CheckOptions['cache'], rules: readonly Rule[], policy: PolicyOptions, limits: ParseLimits): Promise<FileResultCache | null> {
  const setting = fromOptions ?? fromConfig ?? true;
  if (setting === false) return Promise.resolve(null);
  const dir = typeof setting === 'string' ? path.resolve(repo.dir, setting) : defaultCacheDir(repo.dir);
  return openFileResultCache(dir, repo.dir, rules, policy, limits);
}
