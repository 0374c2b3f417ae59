import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { Repo, SkippedEntry, Snapshot, SourceFile } from './types.js';

/** The git blob id of some content, as `git hash-object` computes it. */
export function blobOid(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

interface IgnoreLevel {
  base: string;
  ig: Ignore;
}

async function readIgnoreFile(file: string): Promise<Ignore | null> {
  try {
    return ignore().add(await readFile(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Git's rule: the deepest .gitignore that has a say about a path wins. */
function isIgnored(levels: readonly IgnoreLevel[], rel: string, isDir: boolean): boolean {
  let ignored = false;
  for (const { base, ig } of levels) {
    const sub = base ? rel.slice(base.length + 1) : rel;
    const r = ig.test(isDir ? `${sub}/` : sub);
    if (r.ignored) ignored = true;
    else if (r.unignored) ignored = false;
  }
  return ignored;
}

/**
 * Lists the work tree's files that `wanted` accepts, honouring .gitignore files and
 * .git/info/exclude. Symlinks are followed only when they stay inside the repository.
 */
export async function readWorktree(repo: Repo, wanted: (rel: string) => boolean, wantDir: (rel: string) => boolean): Promise<Snapshot> {
  const files: SourceFile[] = [];
  const skipped: SkippedEntry[] = [];
  const root = await realpath(repo.dir);
  const rootLevels: IgnoreLevel[] = [];
  const exclude = await readIgnoreFile(path.join(repo.gitdir, 'info', 'exclude'));
  if (exclude) rootLevels.push({ base: '', ig: exclude });

  // Synchronous reads: parsing is CPU-bound and sequential, and readFileSync is cheaper than fs/promises.
  const addFile = (rel: string, abs: string) => files.push({ path: rel, oid: null, abs, read: async () => readFileSync(abs) });

  const walk = async (relDir: string, levels: IgnoreLevel[]): Promise<void> => {
    const absDir = relDir ? path.join(repo.dir, relDir) : repo.dir;
    const own = await readIgnoreFile(path.join(absDir, '.gitignore'));
    const here = own ? [...levels, { base: relDir, ig: own }] : levels;
    const entries = await readdir(absDir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const e of entries) {
      if (e.name === '.git') continue;
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!isIgnored(here, rel, true) && wantDir(rel)) subdirs.push(rel);
      } else if (e.isFile()) {
        if (wanted(rel) && !isIgnored(here, rel, false)) addFile(rel, path.join(repo.dir, rel));
      } else if (e.isSymbolicLink()) {
        if (!wanted(rel) || isIgnored(here, rel, false)) continue;
        const abs = path.join(repo.dir, rel);
        let target: string;
        try {
          target = await realpath(abs);
        } catch {
          skipped.push({ code: 'broken-symlink', path: rel, message: 'symlink points to nothing; skipped' });
          continue;
        }
        if (target !== root && !target.startsWith(root + path.sep)) {
          skipped.push({ code: 'symlink-outside-repo', path: rel, message: `symlink points outside the repository (${target}); not read` });
          continue;
        }
        addFile(rel, abs);
      }
    }
    await Promise.all(subdirs.map((d) => walk(d, here)));
  };
  await walk('', rootLevels);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { mode: 'worktree', ref: null, commit: null, files, skipped };
}
