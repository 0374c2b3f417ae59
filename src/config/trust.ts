/**
 * `--trusted-config <rev>`: the policy (config, user rule packs, baseline) comes from a reviewed commit's
 * git objects, never from the tree under review, so a pull request cannot switch its own gate off.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { findRepo } from '../source/find-repo.js';
import { findTreeEntry, listFilesUnder, readBlobBytes, resolveRevision, SYMLINK_MODE, type GitCache } from '../source/git.js';
import type { Repo } from '../source/types.js';
import { isInside, loadConfigFrom, trustedRevision, type ConfigSource } from './load.js';
import type { LoadedConfig } from './types.js';

/** The baseline file's place in the repository. */
export const BASELINE_FILE = '.aiops-guard-baseline.json';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A commit's tree as a config source: files are read from git objects; a symlink is not followed. */
function commitSource(repo: Repo, commit: string, label: string, cache: GitCache): ConfigSource {
  return {
    display: (rel) => `${label}:${rel}`,
    async read(rel) {
      const entry = await findTreeEntry(repo, commit, rel, cache);
      if (!entry || entry.type !== 'blob') return null;
      if (entry.mode === SYMLINK_MODE) throw new ConfigError(`${label}:${rel} is a symlink; a trusted config must be a plain file`, 'commit the config itself, not a link to it');
      try {
        return decoder.decode(await readBlobBytes(repo, entry.oid, cache));
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        throw new ConfigError(`${label}:${rel} cannot be read: ${err instanceof Error ? err.message : String(err)}`, 'save it as UTF-8');
      }
    },
  };
}

/** The config as committed at `commit` (null when that commit has none). Data formats only. */
export async function loadConfigAtCommit(repo: Repo, commit: string, label: string, cache: GitCache): Promise<LoadedConfig | null> {
  return loadConfigFrom(commitSource(repo, commit, label, cache), { allowJs: false, jsRoot: null });
}

/** Loads the config, and the rule packs it names, from a trusted revision (`--trusted-config`). */
export async function loadTrustedConfig(repoDir: string, rev: string): Promise<LoadedConfig> {
  const repo = findRepo(repoDir);
  const cache: GitCache = {};
  const commit = await resolveRevision(repo, rev, cache);
  const loaded = (await loadConfigAtCommit(repo, commit, rev, cache)) ?? { config: {}, filepath: null, locate: () => ({ line: 1, column: 1 }) };
  const rules = await extractRulePacks(repo, commit, rev, loaded, cache);
  return { ...loaded, config: { ...loaded.config, ...(rules ? { rules } : {}) }, trusted: { rev, commit } };
}

/**
 * Copies the trusted commit's rule packs (the config's `rules` paths) out of git into a private temp
 * folder, removed when the process exits; the rule loader then reads them like any pack.
 */
async function extractRulePacks(repo: Repo, commit: string, rev: string, loaded: LoadedConfig, cache: GitCache): Promise<string[] | null> {
  const paths = loaded.config.rules;
  if (!paths?.length) return null;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'aiops-guard-trusted-rules-'));
  process.once('exit', () => rmSync(tmp, { recursive: true, force: true }));
  const out: string[] = [];
  for (const [i, p] of paths.entries()) {
    const at = loaded.locate(`/rules/${i}`);
    const where = `${loaded.filepath}:${at.line}:${at.column}`;
    const rel = path.posix.normalize(p.split('\\').join('/')).replace(/\/+$/, '');
    if (path.posix.isAbsolute(rel) || rel === '..' || rel.startsWith('../')) {
      throw new ConfigError(`${where}: rules path "${p}" is outside the repository`, 'give a rule file or folder relative to the repository root');
    }
    const entry = await findTreeEntry(repo, commit, rel === '.' ? '' : rel, cache);
    if (!entry || (entry.type !== 'blob' && entry.type !== 'tree') || entry.mode === SYMLINK_MODE) {
      throw new ConfigError(`${where}: rules path "${p}" is not a file or folder in ${rev}`, 'commit the rule pack to the trusted branch first');
    }
    // Keep the last folder name: it is the pack's name.
    const parent = path.join(tmp, String(i));
    const files = await listFilesUnder(repo, commit, rel === '.' ? '' : rel, cache);
    const base = entry.type === 'blob' ? path.posix.dirname(rel) : rel;
    const packDir = path.join(parent, path.posix.basename(base === '.' ? 'rules' : base));
    for (const f of files) {
      const inside = path.posix.relative(base === '.' ? '' : base, f.path);
      const dest = path.join(packDir, ...inside.split('/'));
      mkdirSync(path.dirname(dest), { recursive: true });
      writeFileSync(dest, await readBlobBytes(repo, f.oid, cache));
    }
    out.push(entry.type === 'blob' ? path.join(packDir, path.posix.basename(rel)) : packDir);
  }
  return out;
}

/**
 * A policy file of the repository (the baseline): from the trusted revision when one is given
 * (`--trusted-config` / AIOPS_GUARD_TRUSTED_CONFIG), else from the work tree. Null when absent.
 */
export async function readPolicyFile(repo: Repo, rel: string, options: { trustedRev?: string | null } = {}): Promise<{ text: string; origin: string } | null> {
  const rev = trustedRevision(options);
  if (rev) {
    const cache: GitCache = {};
    const commit = await resolveRevision(repo, rev, cache);
    const text = await commitSource(repo, commit, rev, cache).read(rel);
    return text === null ? null : { text, origin: `${rev}:${rel}` };
  }
  const abs = path.join(repo.dir, rel);
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    return null;
  }
  if (!isInside(await realpath(repo.dir), real)) throw new ConfigError(`${abs} leads outside the repository (${real}); not read`, 'commit the file itself, not a symlink to it');
  return { text: await readFile(real, 'utf8'), origin: abs };
}
