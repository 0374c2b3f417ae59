import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { Repo, SkippedEntry, Snapshot, SourceFile } from './types.js';

/** Paths git tracks (the index), and every folder above one: an ignore rule does not hide them. */
interface Tracked {
  files: Set<string>;
  dirs: Set<string>;
}

/**
 * Reads the paths of a git index (versions 2-4) without loading a git library: a tracked file is
 * deployed whatever a .gitignore says, so the walk must know them.
 */
export function readIndexPaths(index: Buffer): string[] {
  if (index.length < 12 || index.toString('latin1', 0, 4) !== 'DIRC') return [];
  const version = index.readUInt32BE(4);
  const count = index.readUInt32BE(8);
  const paths: string[] = [];
  let at = 12;
  let previous = Buffer.alloc(0);
  for (let n = 0; n < count && at + 62 <= index.length; n++) {
    const start = at;
    const flags = index.readUInt16BE(at + 60);
    at += 62;
    if (version >= 3 && flags & 0x4000) at += 2;
    if (version === 4) {
      // Prefix compression: drop N bytes of the previous path, then a NUL-terminated suffix; no padding.
      let byte = index[at++]!;
      let strip = byte & 0x7f;
      while (byte & 0x80) {
        byte = index[at++]!;
        strip = ((strip + 1) << 7) | (byte & 0x7f);
      }
      const end = index.indexOf(0, at);
      if (end === -1) break;
      previous = Buffer.concat([previous.subarray(0, Math.max(0, previous.length - strip)), index.subarray(at, end)]);
      paths.push(previous.toString('utf8'));
      at = end + 1;
    } else {
      const end = index.indexOf(0, at);
      if (end === -1) break;
      paths.push(index.toString('utf8', at, end));
      // Entries are padded with 1-8 NULs to a multiple of 8 bytes.
      at = start + Math.ceil((end - start + 1) / 8) * 8;
    }
  }
  return paths;
}

function loadTracked(repo: Repo): Tracked {
  const files = new Set<string>();
  const dirs = new Set<string>();
  let index: Buffer;
  try {
    index = readFileSync(path.join(repo.worktreeGitdir ?? repo.gitdir, 'index'));
  } catch {
    return { files, dirs };
  }
  for (const p of readIndexPaths(index)) {
    files.add(p);
    for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) dirs.add(p.slice(0, i));
  }
  return { files, dirs };
}

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

  // Read only when an ignore rule matters: most walks never need it.
  let tracked: Tracked | null = null;
  const isTracked = (rel: string, isDir: boolean) => {
    tracked ??= loadTracked(repo);
    return isDir ? tracked.dirs.has(rel) : tracked.files.has(rel);
  };
  /** Ignored and untracked: git would not deploy it. A tracked path is checked whatever .gitignore says. */
  const hidden = (levels: IgnoreLevel[], rel: string, isDir: boolean) => isIgnored(levels, rel, isDir) && !isTracked(rel, isDir);

  // Synchronous reads: parsing is CPU-bound and sequential, and readFileSync is cheaper than fs/promises.
  const addFile = (rel: string, abs: string) => files.push({ path: rel, oid: null, abs, read: async () => readFileSync(abs) });

  const walk = async (relDir: string, levels: IgnoreLevel[]): Promise<void> => {
    const absDir = relDir ? path.join(repo.dir, relDir) : repo.dir;
    const own = await readIgnoreFile(path.join(absDir, '.gitignore'));
    const here = own ? [...levels, { base: relDir, ig: own }] : levels;
    const entries = await readdir(absDir, { withFileTypes: true });
    // A nested repository (a submodule) is another repository: say so, do not walk it.
    if (relDir && entries.some((e) => e.name === '.git')) {
      skipped.push({ code: 'submodule-not-checked', path: relDir, message: 'a git submodule (or nested repository): its files live in another repository and were not checked; check that repository too' });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const e of entries) {
      if (e.name === '.git') continue;
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (wantDir(rel) && !hidden(here, rel, true)) subdirs.push(rel);
      } else if (e.isFile()) {
        if (wanted(rel) && !hidden(here, rel, false)) addFile(rel, path.join(repo.dir, rel));
      } else if (e.isSymbolicLink()) {
        if (!wanted(rel)) {
          // A folder link out of the repository: what it holds would be deployed unchecked (as in git modes).
          if (path.posix.extname(rel) === '' && wantDir(rel) && !hidden(here, rel, false)) {
            const target = await realpath(path.join(repo.dir, rel)).catch(() => null);
            if (target && target !== root && !target.startsWith(root + path.sep)) {
              skipped.push({ code: 'symlink-outside-repo', path: rel, message: `symlink points outside the repository (${target}); what it holds was not checked` });
            }
          }
          continue;
        }
        if (hidden(here, rel, false)) continue;
        const abs = path.join(repo.dir, rel);
        let target: string;
        try {
          target = await realpath(abs);
        } catch {
          skipped.push({ code: 'broken-symlink', path: rel, message: 'symlink points to nothing; skipped' });
          continue;
        }
        const gitDir = path.join(root, '.git');
        if ((target !== root && !target.startsWith(root + path.sep)) || target === gitDir || target.startsWith(gitDir + path.sep)) {
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
