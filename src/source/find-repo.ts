import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { NotFoundError } from '../errors.js';
import type { Repo } from './types.js';

/** The git root at or above `start`: the folder holding `.git` (a folder, or a file for worktrees). */
export function findRepo(start: string): Repo {
  let dir = path.resolve(start);
  try {
    statSync(dir);
  } catch {
    throw new NotFoundError(`folder not found: ${start}`, 'check the path given to -C/--repo');
  }
  for (;;) {
    const dotgit = path.join(dir, '.git');
    let info;
    try {
      info = statSync(dotgit);
    } catch {
      info = null;
    }
    if (info?.isDirectory()) return { dir, gitdir: dotgit };
    if (info?.isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotgit, 'utf8'));
      if (m) return linkedRepo(dir, path.resolve(dir, m[1]!.trim()));
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new NotFoundError(
        `not a git repository: ${path.resolve(start)} (nor any parent folder)`,
        'run aiops-guard inside a git checkout, or point to one with -C <dir>',
      );
    }
    dir = parent;
  }
}

/**
 * A `.git` file points at a git dir. A linked worktree's (`git worktree add`) holds only its HEAD and index,
 * and names the shared repository in `commondir`: objects, refs, config and hooks are read there.
 */
function linkedRepo(dir: string, gitdir: string): Repo {
  const commondirFile = path.join(gitdir, 'commondir');
  if (!existsSync(commondirFile)) return { dir, gitdir };
  const common = path.resolve(gitdir, readFileSync(commondirFile, 'utf8').trim());
  return { dir, gitdir: common, worktreeGitdir: gitdir };
}
