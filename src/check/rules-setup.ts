import path from 'node:path';
import picomatch from 'picomatch';
import type { LoadedConfig } from '../config/types.js';
import { ConfigError, UsageError } from '../errors.js';
import { loadBuiltinRules, loadRuleFiles, mergeRules } from '../rules/load.js';
import { selectRules } from '../rules/profiles.js';
import type { Rule } from '../rules/types.js';
import type { Repo } from '../source/types.js';
import { closest } from '../suggest.js';
import type { CheckOptions } from './types.js';

export interface RuleSetup {
  rules: Rule[];
  all: Rule[];
}

/**
 * Built-in rules, plus the config's and the command line's, filtered by only/skip. Every rule id the
 * config or the flags name (waivers, severity, only, skip) must name a rule: a typo would otherwise
 * silently waive, re-rate or run nothing. only/skip take the same globs as waivers (`k8s-*`).
 */
export async function setupRules(repo: Repo, loaded: LoadedConfig, options: Pick<CheckOptions, 'cwd' | 'rules' | 'only' | 'skip' | 'profile'>): Promise<RuleSetup> {
  const extra = [
    ...(loaded.config.rules ?? []).map((p) => path.resolve(repo.dir, p)),
    ...(options.rules ?? []).map((p) => path.resolve(options.cwd, p)),
  ];
  const all = mergeRules([await loadBuiltinRules(), await loadRuleFiles(extra)]);
  const ids = all.map((r) => r.id);
  const isGlob = (s: string) => /[*?[\]{}!]/.test(s);
  const matcher = (pattern: string): ((id: string) => boolean) => {
    if (!isGlob(pattern)) return (id) => id === pattern;
    const glob = picomatch(pattern);
    // One argument only: picomatch's second one asks for a result object, which is always truthy.
    return (id) => glob(id);
  };
  const fail = (id: string, where: string, from: 'flag' | 'config'): never => {
    const near = closest(id, ids);
    const msg = `unknown rule id "${id}" in ${where}`;
    const hint = near ? `did you mean "${near}"? (see the ids with: aiops-guard rules list)` : 'see the ids with: aiops-guard rules list';
    throw from === 'flag' ? new UsageError(msg, hint) : new ConfigError(msg, hint);
  };
  const configName = loaded.filepath ?? 'the config';
  const resolveList = (list: string[] | undefined, where: string, from: 'flag' | 'config'): ((id: string) => boolean) | null => {
    if (!list?.length) return null;
    const tests = list.map((pattern) => {
      const test = matcher(pattern);
      if (!ids.some(test)) fail(pattern, where, from);
      return test;
    });
    return (id) => tests.some((t) => t(id));
  };
  const flagOnly = resolveList(options.only, '--only', 'flag');
  const flagSkip = resolveList(options.skip, '--skip', 'flag');
  const configOnly = resolveList(loaded.config.only, `"only" of ${configName}`, 'config');
  const configSkip = resolveList(loaded.config.skip, `"skip" of ${configName}`, 'config');
  for (const id of Object.keys(loaded.config.severity ?? {})) {
    if (!ids.includes(id)) fail(id, `"severity" of ${configName}`, 'config');
  }
  (loaded.config.waivers ?? []).forEach((w, i) => {
    if (!ids.some(matcher(w.rule))) {
      const at = loaded.locate(`/waivers/${i}/rule`);
      fail(w.rule, `waivers[${i}].rule of ${configName}${loaded.filepath ? `:${at.line}:${at.column}` : ''}`, 'config');
    }
  });
  const only = flagOnly ?? configOnly;
  const profile = options.profile ?? loaded.config.profile;
  const named = (flagOnly ? options.only : loaded.config.only) ?? [];
  const rules = selectRules(all, profile, named).filter((r) => (!only || only(r.id)) && !flagSkip?.(r.id) && !configSkip?.(r.id));
  return { rules, all };
}
