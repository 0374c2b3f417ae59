import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readIndexEntries, statMatchesEntry, type IndexEntry } from './git-index.js';
import { createRequire } from 'node:module';
import type makeIgnore from 'ignore';
import type { Ignore } from 'ignore';
import type { Repo, SkippedEntry, Snapshot, SourceFile } from './types.js';

/** Paths git tracks (the index), and every folder above one: an ignore rule does not hide them. */
interface Tracked {
  files: Set<string>;
  dirs: Set<string>;
  /** Each stage-0 entry by path, with the stat data git recorded. */
  entries: Map<string, IndexEntry>;
  /** The second the index was written: entries changed in it or later are racily clean. */
  mtimeSec: number;
}

function loadTracked(repo: Repo): Tracked {
  const tracked: Tracked = { files: new Set(), dirs: new Set(), entries: new Map(), mtimeSec: 0 };
  const file = path.join(repo.worktreeGitdir ?? repo.gitdir, 'index');
  let index: Buffer;
  try {
    tracked.mtimeSec = Number(statSync(file, { bigint: true }).mtimeNs / 1_000_000_000n);
    index = readFileSync(file);
  } catch {
    return tracked;
  }
  for (const e of readIndexEntries(index)) {
    const p = e.path;
    tracked.files.add(p);
    if (e.stage === 0) tracked.entries.set(p, e);
    for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) tracked.dirs.add(p.slice(0, i));
  }
  return tracked;
}

/**
 * Whether git may store a file's content other than as its bytes on disk: end-of-line conversion
 * (core.autocrlf), attributes (text, eol, filter such as Git LFS, ident) or a config this reader does
 * not follow (includes, command-line settings). Then the index's blob id is not the id of the bytes
 * read, and every file is hashed. Answers yes when unsure.
 */
function mayConvertContent(repo: Repo, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.GIT_CONFIG_PARAMETERS || env.GIT_CONFIG_COUNT || existsSync(path.join(repo.gitdir, 'info', 'attributes'))) return true;
  const home = os.homedir();
  const configs = [
    path.join(repo.gitdir, 'config'),
    ...(repo.worktreeGitdir ? [path.join(repo.worktreeGitdir, 'config.worktree')] : []),
    env.GIT_CONFIG_GLOBAL ?? path.join(env.HOME ?? home, '.gitconfig'),
    path.join(env.XDG_CONFIG_HOME || path.join(env.HOME ?? home, '.config'), 'git', 'config'),
    ...(env.GIT_CONFIG_NOSYSTEM ? [] : [env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig', '/usr/local/etc/gitconfig']),
  ];
  for (const file of configs) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (/autocrlf|attributesfile|^\s*\[\s*include/im.test(text)) return true;
  }
  return false;
}

/** The git blob id of some content, as `git hash-object` computes it. */
export function blobOid(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

interface IgnoreLevel {
  base: string;
  ig: Ignore;
}

let ignoreModule: typeof makeIgnore | null = null;

/** An ignore file's rules; null when it is missing or holds only comments and blank lines (as `git init`'s info/exclude): the matcher loads only when a rule exists. */
function readIgnoreFile(file: string): Ignore | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  if (!/^(?!#).*\S/m.test(text)) return null;
  ignoreModule ??= createRequire(import.meta.url)('ignore') as typeof makeIgnore;
  return ignoreModule().add(text);
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
 * A file whose stat data matches its index entry (git's own test, racy-git rules included) gets
 * the index's blob id without being read; the others are hashed when their id is needed.
 */
export async function readWorktree(repo: Repo, wanted: (rel: string) => boolean, wantDir: (rel: string) => boolean): Promise<Snapshot> {
  const files: SourceFile[] = [];
  const skipped: SkippedEntry[] = [];
  const root = await realpath(repo.dir);
  /** Where a symlink must not lead: out of the repository. */
  const outside = (target: string) => target !== root && !target.startsWith(root + path.sep);
  const rootLevels: IgnoreLevel[] = [];
  const exclude = readIgnoreFile(path.join(repo.gitdir, 'info', 'exclude'));
  if (exclude) rootLevels.push({ base: '', ig: exclude });

  const tracked: Tracked = loadTracked(repo);
  const isTracked = (rel: string, isDir: boolean) => (isDir ? tracked.dirs.has(rel) : tracked.files.has(rel));
  /** Ignored and untracked: git would not deploy it. A tracked path is checked whatever .gitignore says. */
  const hidden = (levels: IgnoreLevel[], rel: string, isDir: boolean) => levels.length > 0 && isIgnored(levels, rel, isDir) && !isTracked(rel, isDir);
  let attributes = false;

  // Synchronous reads: parsing is CPU-bound and sequential, and readFileSync is cheaper than fs/promises.
  const absOf = (rel: string) => (path.sep === '/' ? `${repo.dir}/${rel}` : path.join(repo.dir, rel));
  const addFile = (rel: string, abs: string, plain: boolean) => files.push({ path: rel, oid: plain && tracked.entries.has(rel) ? '' : null, abs, read: async () => readFileSync(abs) });

  const walk = (relDir: string, levels: IgnoreLevel[]): void => {
    const absDir = relDir ? absOf(relDir) : repo.dir;
    const entries = readdirSync(absDir, { withFileTypes: true });
    // A nested repository (a submodule) is another repository: say so, do not walk it.
    if (relDir && entries.some((e) => e.name === '.git')) {
      skipped.push({ code: 'submodule-not-checked', path: relDir, message: 'a git submodule (or nested repository): its files live in another repository and were not checked; check that repository too' });
      return;
    }
    const own = entries.some((e) => e.name === '.gitignore') ? readIgnoreFile(path.join(absDir, '.gitignore')) : null;
    if (entries.some((e) => e.name === '.gitattributes')) attributes = true;
    const here = own ? [...levels, { base: relDir, ig: own }] : levels;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const e of entries) {
      if (e.name === '.git') continue;
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (wantDir(rel) && !hidden(here, rel, true)) subdirs.push(rel);
      } else if (e.isFile()) {
        if (wanted(rel) && !hidden(here, rel, false)) addFile(rel, absOf(rel), true);
      } else if (e.isSymbolicLink()) {
        if (!wanted(rel)) {
          // A folder link out of the repository: what it holds would be deployed unchecked (as in git modes).
          if (path.posix.extname(rel) === '' && wantDir(rel) && !hidden(here, rel, false)) {
            const target = resolveLink(path.join(repo.dir, rel));
            if (typeof target === 'string' && outside(target)) {
              skipped.push({ code: 'symlink-outside-repo', path: rel, message: `symlink points outside the repository (${target}); what it holds was not checked` });
            }
          }
          continue;
        }
        if (hidden(here, rel, false)) continue;
        const abs = path.join(repo.dir, rel);
        const target = resolveLink(abs);
        if (typeof target !== 'string') {
          skipped.push(target.unresolved === 'loop' ? { code: 'symlink-loop', path: rel, message: 'symlink leads back to itself (a loop); not read' } : { code: 'broken-symlink', path: rel, message: 'symlink points to nothing; skipped' });
          continue;
        }
        const gitDir = path.join(root, '.git');
        if (outside(target) || target === gitDir || target.startsWith(gitDir + path.sep)) {
          skipped.push({ code: 'symlink-outside-repo', path: rel, message: `symlink points outside the repository (${target}); not read` });
          continue;
        }
        // Reading a named pipe waits for a writer that never comes: what the link leads to must be a file.
        const special = specialFileKind(target);
        if (special) {
          skipped.push({ code: 'not-a-file', path: rel, message: `symlink points to ${special}, not a regular file; not read` });
          continue;
        }
        // The index holds the link, not what it points to: always read.
        addFile(rel, abs, false);
      } else if (wanted(rel) && !hidden(here, rel, false)) {
        // A named pipe, socket or device with a config file's name: never read (a pipe would block the run), never silently passed.
        skipped.push({ code: 'not-a-file', path: rel, message: `${describeSpecial(e)}, not a regular file; not read` });
      }
    }
    for (const d of subdirs) walk(d, here);
  };
  walk('', rootLevels);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // Blob ids from the index, where git's stat test vouches for them and git stores the bytes as they are.
  const convert = attributes || mayConvertContent(repo);
  for (const f of files) {
    if (f.oid !== '') continue;
    f.oid = null;
    if (convert) continue;
    const entry = tracked.entries.get(f.path)!;
    const at = Date.now();
    const st = lstatSync(f.abs!, { bigint: true, throwIfNoEntry: false });
    if (!st) continue;
    if (statMatchesEntry(entry, st, tracked.mtimeSec)) f.oid = entry.oid;
    // Kept for the result cache's own record of files git does not vouch for (racily clean ones).
    else f.stat = { st, at };
  }
  return { mode: 'worktree', ref: null, commit: null, files, skipped };
}

/** Where a symlink leads in the end, or why it leads nowhere. */
function resolveLink(p: string): string | { unresolved: 'loop' | 'missing' } {
  try {
    return realpathSync(p);
  } catch (err) {
    return { unresolved: (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'loop' : 'missing' };
  }
}

type EntryKind = Pick<Dirent, 'isFIFO' | 'isSocket' | 'isBlockDevice' | 'isCharacterDevice'>;

function describeSpecial(e: EntryKind): string {
  if (e.isFIFO()) return 'a named pipe (FIFO)';
  if (e.isSocket()) return 'a socket';
  if (e.isBlockDevice() || e.isCharacterDevice()) return 'a device';
  return 'not a file or folder';
}

/** What a symlink's target is when it is neither a file nor a folder (a folder fails when read, as a folder named like a file does). */
function specialFileKind(target: string): string | null {
  const st = statSync(target, { throwIfNoEntry: false });
  return st && !st.isFile() && !st.isDirectory() ? describeSpecial(st) : null;
}

