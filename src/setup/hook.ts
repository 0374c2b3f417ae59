import fs from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import git from '../source/isomorphic-git.js';
import { UsageError } from '../errors.js';
import type { Repo } from '../source/types.js';

const BEGIN = '# >>> aiops-guard pre-commit hook >>>';
const CHAINED = 'pre-commit.before-aiops-guard';

/** The hooks folder git uses: core.hooksPath when set, else .git/hooks. */
async function hooksDir(repo: Repo): Promise<string> {
  const configured = (await git.getConfig({ fs, gitdir: repo.gitdir, path: 'core.hooksPath' })) as string | undefined;
  return configured ? path.resolve(repo.dir, configured) : path.join(repo.gitdir, 'hooks');
}

/**
 * What the hook runs: what is staged, failing only on findings the commit adds (not at HEAD, not in the
 * baseline); quiet, so a commit that passes prints nothing and one that fails prints what fails it.
 */
export const HOOK_CHECK = ['check', '--staged', '--new-since', 'HEAD', '--quiet'];

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function hookScript(command: string[], chained: boolean): string {
  return [
    '#!/bin/sh',
    BEGIN,
    '# Installed by `aiops-guard hook install`; `aiops-guard hook uninstall` removes it.',
    '# It checks exactly what is staged; a new finding (not at HEAD, not in the baseline) at or above --fail-on stops the commit.',
    ...(chained ? [`"$(dirname "$0")/${CHAINED}" "$@" || exit $?`] : []),
    // The install it points at may be gone (an npx cache, another Node version): say so, not a stack trace.
    ...command.map((p) => `[ -e ${quote(p)} ] || { echo ${quote(`aiops-guard pre-commit hook: ${p} is gone (was aiops-guard run from a temporary npx folder, or Node moved?). Install aiops-guard to stay (npm i -D, or npm i -g), then run: aiops-guard hook install. To commit meanwhile: git commit --no-verify.`)} >&2; exit 1; }`),
    `exec ${command.map(quote).join(' ')} ${HOOK_CHECK.join(' ')} --no-progress`,
    '',
  ].join('\n');
}

export interface HookResult {
  file: string;
  action: 'installed' | 'updated' | 'chained' | 'removed' | 'restored' | 'absent';
}

/**
 * Writes the pre-commit hook. An existing hook of someone else's is kept: without `chain` the
 * install refuses, with it the old hook is moved aside and runs first.
 */
export async function installHook(repo: Repo, command: string[], chain: boolean): Promise<HookResult> {
  const dir = await hooksDir(repo);
  const file = path.join(dir, 'pre-commit');
  await mkdir(dir, { recursive: true });
  let existing: string | null = null;
  try {
    existing = await readFile(file, 'utf8');
  } catch {
    existing = null;
  }
  const ours = existing?.includes(BEGIN) ?? false;
  if (existing !== null && !ours) {
    if (!chain) {
      throw new UsageError(`${file} already exists and is not aiops-guard's; it was left as it is`, 'run "aiops-guard hook install --chain" to keep it and run it before the check');
    }
    await rename(file, path.join(dir, CHAINED));
  }
  const chained = fs.existsSync(path.join(dir, CHAINED));
  await writeFile(file, hookScript(command, chained));
  await chmod(file, 0o755);
  return { file, action: ours ? 'updated' : existing !== null ? 'chained' : 'installed' };
}

/** Removes only what `installHook` wrote, and puts a chained hook back. */
export async function uninstallHook(repo: Repo): Promise<HookResult> {
  const dir = await hooksDir(repo);
  const file = path.join(dir, 'pre-commit');
  let existing: string;
  try {
    existing = await readFile(file, 'utf8');
  } catch {
    return { file, action: 'absent' };
  }
  if (!existing.includes(BEGIN)) throw new UsageError(`${file} is not aiops-guard's hook; it was left as it is`, 'remove it yourself if you mean to');
  await rm(file);
  if (fs.existsSync(path.join(dir, CHAINED))) {
    await rename(path.join(dir, CHAINED), file);
    return { file, action: 'restored' };
  }
  return { file, action: 'removed' };
}
