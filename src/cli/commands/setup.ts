import path from 'node:path';
import { NotFoundError } from '../../errors.js';
import { PACKAGE_ROOT } from '../../rules/load.js';
import { HOOK_CHECK, installHook, uninstallHook } from '../../setup/hook.js';
import { writeStarterConfig } from '../../setup/init.js';
import { findRepo } from '../../source/find-repo.js';

/** The command the hook runs: this very node and this very aiops-guard, so it works without a global install. */
function selfCommand(): string[] {
  return [process.execPath, path.join(PACKAGE_ROOT, 'bin', 'aiops-guard.js')];
}

export async function runHookInstall(flags: { repo?: string; chain?: boolean }): Promise<number> {
  const repo = findRepo(flags.repo ?? process.cwd());
  const command = selfCommand();
  const r = await installHook(repo, command, Boolean(flags.chain));
  const what = { installed: 'installed', updated: 'updated', chained: 'installed; your previous hook was kept and runs first' }[r.action as 'installed'];
  process.stdout.write(`pre-commit hook ${what}: ${r.file}\nEach commit now runs: aiops-guard ${HOOK_CHECK.join(' ')} (only findings the commit adds stop it)\n`);
  // npx runs a package from a cache npm may clear: the hook would then point at nothing.
  const [, bin] = command;
  if (/[\\/]_npx[\\/]/.test(bin!)) process.stderr.write(`note: this aiops-guard runs from npx's cache (${path.dirname(path.dirname(bin!))}), which npm may clear; install it to stay (npm i -D ./aiops-guard-<version>.tgz, or npm i -g) and run hook install again\n`);
  return 0;
}

export async function runHookUninstall(flags: { repo?: string }): Promise<number> {
  const repo = findRepo(flags.repo ?? process.cwd());
  const r = await uninstallHook(repo);
  const text = { removed: 'removed', restored: 'removed; your previous hook is back in place', absent: 'not installed; nothing to remove' }[r.action as 'removed'];
  process.stdout.write(`pre-commit hook ${text}: ${r.file}\n`);
  return 0;
}

export async function runInit(flags: { repo?: string }): Promise<number> {
  let dir = path.resolve(flags.repo ?? process.cwd());
  try {
    dir = findRepo(dir).dir;
  } catch (err) {
    if (!(err instanceof NotFoundError) || flags.repo) throw err;
  }
  const file = await writeStarterConfig(dir);
  process.stdout.write(`wrote ${file}\nCheck it with: aiops-guard check\n`);
  return 0;
}
