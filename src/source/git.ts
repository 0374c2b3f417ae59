import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { gitFs } from './git-fs.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import git from './isomorphic-git.js';
import { DataError, GuardError, NotFoundError } from '../errors.js';
import { readIndex } from './git-index.js';
import type { Repo, SkippedEntry, Snapshot, SourceFile } from './types.js';

/** A git object id (SHA-1). */
const OID = /^[0-9a-f]{40}$/;

/** isomorphic-git's object cache: one per run, shared by every call (packfile indexes load once). */
export type GitCache = Record<string, unknown>;

const SYMLINK_MODE = 0o120000;
const SUBMODULE_MODE = 0o160000;

/** A commit's metadata, as printed in suggestions and reports. */
export interface CommitInfo {
  sha: string;
  subject: string;
  author: string;
  date: string;
  parents: string[];
  tree: string;
}

/** Resolves a revision (branch, tag, full or short sha, with ~N and ^ suffixes) to a commit sha. */
export async function resolveRevision(repo: Repo, rev: string, cache: GitCache): Promise<string> {
  const m = /^(.*?)((?:[~^]\d*)*)$/.exec(rev)!;
  const base = m[1] || 'HEAD';
  const suffix = m[2] ?? '';
  let oid: string | null = null;
  try {
    oid = await resolveRefName(repo, base);
  } catch {
    if (/^[0-9a-f]{4,40}$/i.test(base)) {
      try {
        oid = await git.expandOid({ fs: gitFs, gitdir: repo.gitdir, oid: base.toLowerCase(), cache });
      } catch {
        oid = null;
      }
    }
  }
  if (!oid && base === 'HEAD' && !(await hasAnyCommit(repo))) {
    throw new NotFoundError(`"${rev}" names no commit: ${repo.dir} has no commits yet`, 'commit first, or check the working tree (without --ref) or the staged files (--staged)');
  }
  if (!oid) throw new NotFoundError(`unknown revision "${rev}" in ${repo.dir}`, 'give a branch, tag or commit sha that exists (see git log)');
  oid = await peelToCommit(repo, oid, rev, cache);
  for (const step of suffix.matchAll(/([~^])(\d*)/g)) {
    const n = step[2] === '' ? 1 : Number(step[2]);
    if (step[1] === '^') {
      if (n === 0) continue;
      const c = await readCommitInfo(repo, oid, cache);
      const parent = c.parents[n - 1];
      if (!parent) throw new NotFoundError(`revision "${rev}": commit ${oid.slice(0, 7)} has no parent ${n}`);
      oid = parent;
    } else {
      // The shallow boundary is read once for the whole ~N walk.
      let shallow: Set<string> | undefined;
      for (let i = 0; i < n; i++) {
        const c = await readCommitInfo(repo, oid, cache);
        const parent = c.parents[0];
        if (!parent) throw new NotFoundError(`revision "${rev}" goes past the first commit`, 'use a smaller ~N');
        if ((shallow ??= await readShallowBoundary(repo)).has(oid)) throw pastShallowBoundary(rev, oid);
        oid = parent;
      }
    }
  }
  return oid;
}

function pastShallowBoundary(rev: string, oid: string): NotFoundError {
  return new NotFoundError(
    `revision "${rev}" goes past the shallow clone boundary at ${oid.slice(0, 7)}: the older commits were not fetched`,
    'fetch more history (git fetch --deepen=<n>, or --unshallow; actions/checkout: fetch-depth: 0), or give a newer revision',
  );
}

/** The commits where a shallow clone's history is cut (`.git/shallow`). */
/**
 * The error for two revisions without a merge-base (--changed-since, --new-since). In a shallow clone
 * the merge-base may be older than the clone: the hint says to fetch more history.
 */
export async function noCommonAncestor(repo: Repo, rev: string, from: string): Promise<NotFoundError> {
  const shallow = (await readShallowBoundary(repo)).size > 0;
  return shallow
    ? new NotFoundError(`no common ancestor between ${rev} and ${from} in this shallow clone`, 'fetch more history (git fetch --deepen=<n>, or --unshallow; actions/checkout: fetch-depth: 0): the merge-base may be older than the clone')
    : new NotFoundError(`no common ancestor between ${rev} and ${from}`, 'give a revision that shares history with the checked one');
}

export async function readShallowBoundary(repo: Repo): Promise<Set<string>> {
  try {
    return new Set((await readFile(path.join(repo.gitdir, 'shallow'), 'utf8')).split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}

/**
 * Resolves a ref name. In a linked worktree HEAD is the worktree's own (its git dir), while branches,
 * tags and objects are shared (the common dir).
 */
async function resolveRefName(repo: Repo, ref: string): Promise<string> {
  const direct = ref === 'HEAD' ? await readHeadRef(repo) : null;
  if (direct) return direct;
  if (repo.worktreeGitdir && ref === 'HEAD') {
    const head = (await readFile(path.join(repo.worktreeGitdir, 'HEAD'), 'utf8')).trim();
    const m = /^ref:\s*(.+)$/.exec(head);
    return m ? git.resolveRef({ fs: gitFs, gitdir: repo.gitdir, ref: m[1]! }) : head;
  }
  return git.resolveRef({ fs: gitFs, gitdir: repo.gitdir, ref });
}

const isGitNotFound = (err: unknown) => err instanceof Error && (err as { code?: string }).code === 'NotFoundError';

/** Runs a git object read; an object that is missing or damaged is bad input data (65), named, never a crash. */
async function readGitObject<T>(read: () => Promise<T>, what: () => string): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof GuardError) throw err;
    const reason = isGitNotFound(err) ? 'it is missing from the repository' : `it cannot be read (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
    throw new DataError(
      `git object of ${what()}: ${reason}`,
      'the clone is incomplete or damaged (shallow or partial clone, pruned objects): run "git fsck", or fetch the missing history (git fetch --unshallow)',
    );
  }
}

async function peelToCommit(repo: Repo, oid: string, rev: string, cache: GitCache): Promise<string> {
  for (let i = 0; i < 10; i++) {
    const current = oid;
    const obj = await readGitObject(() => git.readObject({ fs: gitFs, gitdir: repo.gitdir, oid: current, cache, format: 'parsed' }), () => `revision "${rev}" (${current})`);
    if (obj.type === 'commit') return oid;
    if (obj.type === 'tag') {
      oid = (obj.object as { object: string }).object;
      continue;
    }
    break;
  }
  throw new NotFoundError(`revision "${rev}" does not name a commit`);
}

/** A commit's metadata; a missing commit is exit 65 (66 past a shallow boundary), never a crash. */
export async function readCommitInfo(repo: Repo, oid: string, cache: GitCache): Promise<CommitInfo> {
  let commit;
  try {
    ({ commit } = await git.readCommit({ fs: gitFs, gitdir: repo.gitdir, oid, cache }));
  } catch (err) {
    if (isGitNotFound(err) && (await readShallowBoundary(repo)).size > 0) throw pastShallowBoundary(oid, oid);
    return readGitObject(() => Promise.reject(err), () => `commit ${oid}`);
  }
  const date = new Date(commit.author.timestamp * 1000).toISOString();
  return {
    sha: oid,
    subject: commit.message.split('\n')[0] ?? '',
    author: commit.author.name,
    date,
    parents: commit.parent,
    tree: commit.tree,
  };
}

/** Reads a blob by id (never by path: that resolves the tree again for every file). */
export function readerFor(repo: Repo, oid: string, cache: GitCache): () => Promise<Uint8Array> {
  return async () => {
    // A file just staged is a loose object: read without loading isomorphic-git (the pre-commit hook's path).
    const loose = await readLooseBlob(repo, oid);
    if (loose) return loose;
    try {
      return (await git.readBlob({ fs: gitFs, gitdir: repo.gitdir, oid, cache })).blob;
    } catch (err) {
      // Reported as the file's parse error: a file that cannot be read is never counted as clean.
      throw new Error(isGitNotFound(err) ? `git blob ${oid} is missing from the repository (incomplete or damaged clone)` : `git blob ${oid}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}

/**
 * An object stored loose (`objects/ab/cdef…`, zlib of `<type> <size>\0<body>`), checked against its
 * id: what git writes for what was just committed or staged. Null when it is not loose, or not
 * intact (then isomorphic-git reads it from the packs, or says what is wrong).
 */
function readLooseObject(repo: Repo, oid: string): { type: string; body: Buffer } | null {
  if (!OID.test(oid)) return null;
  const file = path.join(repo.gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
  // Most objects of a cloned repository are packed: asked without an error made for each.
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) return null;
  let raw: Buffer;
  try {
    raw = inflateSync(readFileSync(file));
  } catch {
    return null;
  }
  const nul = raw.indexOf(0);
  const m = /^(blob|tree|commit|tag) (\d+)$/.exec(nul === -1 ? '' : raw.subarray(0, nul).toString('latin1'));
  if (!m || Number(m[2]) !== raw.length - nul - 1) return null;
  if (createHash('sha1').update(raw).digest('hex') !== oid) return null;
  return { type: m[1]!, body: raw.subarray(nul + 1) };
}

async function readLooseBlob(repo: Repo, oid: string): Promise<Uint8Array | null> {
  const o = readLooseObject(repo, oid);
  return o?.type === 'blob' ? o.body : null;
}

/** A commit's root tree: from its loose object, else through isomorphic-git (a missing or damaged commit is exit 65). */
async function commitTree(repo: Repo, commit: string, cache: GitCache): Promise<string> {
  const o = readLooseObject(repo, commit);
  const tree = o?.type === 'commit' ? /^tree ([0-9a-f]{40})\n/.exec(o.body.toString('latin1', 0, 46))?.[1] : undefined;
  if (tree) return tree;
  return (await readGitObject(() => git.readCommit({ fs: gitFs, gitdir: repo.gitdir, oid: commit, cache }), () => `commit ${commit}`)).commit.tree;
}

/** Tree entry modes as isomorphic-git gives them, with the type each means. */
const TREE_MODES: Record<string, { mode: string; type: string }> = {
  '40000': { mode: '040000', type: 'tree' },
  '100644': { mode: '100644', type: 'blob' },
  '100755': { mode: '100755', type: 'blob' },
  '120000': { mode: '120000', type: 'blob' },
  '160000': { mode: '160000', type: 'commit' },
};
/** Names read here without isomorphic-git: plain ones. Anything else (a path separator, `.git`, `..`, a name git would refuse on some system) goes through its checks. */
const PLAIN_NAME = /^(?!\.{1,2}$)(?!\.git$)[A-Za-z0-9._@+=, -]+$/;

/** A loose tree's entries, as isomorphic-git's readTree gives them (sorted by name); null when the tree is not loose or has a name this reader leaves to it. */
function readLooseTree(repo: Repo, oid: string): { path: string; oid: string; mode: string; type: string }[] | null {
  const o = readLooseObject(repo, oid);
  if (o?.type !== 'tree') return null;
  const body = o.body;
  const out: { path: string; oid: string; mode: string; type: string }[] = [];
  for (let at = 0; at < body.length; ) {
    const space = body.indexOf(0x20, at);
    const nul = body.indexOf(0, at);
    if (space === -1 || nul === -1 || space > nul || nul + 21 > body.length) return null;
    const kind = TREE_MODES[body.toString('latin1', at, space)];
    const name = body.toString('utf8', space + 1, nul);
    // As git's verify_path reads a name on NTFS and HFS+: trailing dots and spaces dropped, in any case.
    const normalized = name.toLowerCase().replace(/[. ]+$/, '');
    if (!kind || !PLAIN_NAME.test(name) || normalized === '.git' || /^\.?git~[1-9]$/.test(normalized)) return null;
    out.push({ mode: kind.mode, path: name, oid: body.toString('hex', nul + 1, nul + 21), type: kind.type });
    at = nul + 21;
  }
  // Plain names are ASCII: code unit order is code point order.
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

interface TreeEntryInfo {
  oid: string;
  mode: number;
  type: string;
}

/** Looks up a symlink's target from where the link is; null when it would leave the repository (or enter .git). */
function symlinkTarget(linkRel: string, target: string): string | null {
  if (target === '' || target.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(target) || target.includes('\0')) return null;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(linkRel), target));
  if (resolved === '..' || resolved.startsWith('../') || resolved === '.' || resolved === '.git' || resolved.startsWith('.git/')) return null;
  return resolved;
}

const MAX_SYMLINK_HOPS = 8;

/**
 * Follows a symlink stored in git (its blob holds the target path) inside the same snapshot, as the
 * working tree would: a target inside the repository is read in the link's place; one outside is an error entry.
 */
async function followSymlink(
  repo: Repo,
  linkRel: string,
  linkOid: string,
  lookup: (rel: string) => Promise<TreeEntryInfo | null>,
  cache: GitCache,
): Promise<{ oid: string } | SkippedEntry> {
  let rel = linkRel;
  let oid = linkOid;
  for (let hop = 0; hop < MAX_SYMLINK_HOPS; hop++) {
    const raw = new TextDecoder().decode(await readerFor(repo, oid, cache)());
    const target = symlinkTarget(rel, raw);
    if (target === null) return { code: 'symlink-outside-repo', path: linkRel, message: `symlink points outside the repository (${raw}); not read` };
    const entry = await lookup(target);
    if (!entry) return { code: 'broken-symlink', path: linkRel, message: `symlink points to nothing in this snapshot (${raw}); not read` };
    if (entry.mode === SYMLINK_MODE) {
      rel = target;
      oid = entry.oid;
      continue;
    }
    if (entry.type !== 'blob') return { code: 'broken-symlink', path: linkRel, message: `symlink points to a folder or submodule (${raw}); not read` };
    return { oid: entry.oid };
  }
  return { code: 'symlink-loop', path: linkRel, message: `symlink chain longer than ${MAX_SYMLINK_HOPS} links (a loop?); not read` };
}

/**
 * A symlink without an extension may be a folder of configs (`deploy -> /srv/manifests`): one that leaves
 * the repository is reported, since what it holds would be deployed unchecked. Inside, the target is checked where it is.
 */
export function mayBeFolderLink(rel: string, wantDir: (rel: string) => boolean): boolean {
  return path.posix.extname(rel) === '' && wantDir(rel);
}

async function folderLinkOutside(repo: Repo, rel: string, oid: string, cache: GitCache): Promise<SkippedEntry | null> {
  const raw = new TextDecoder().decode(await readerFor(repo, oid, cache)());
  if (symlinkTarget(rel, raw) !== null) return null;
  return { code: 'symlink-outside-repo', path: rel, message: `symlink points outside the repository (${raw}); what it holds was not checked` };
}

export const submoduleSkipped = (rel: string): SkippedEntry => ({
  code: 'submodule-not-checked',
  path: rel,
  message: 'a git submodule: its files live in another repository and were not checked; check that repository too',
});

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * The files of a commit's tree that `wanted` accepts, read straight from git objects.
 * Subtrees that `wantDir` rejects are not descended into.
 */
async function readCommitTree(
  repo: Repo,
  commit: string,
  wanted: (rel: string) => boolean,
  wantDir: (rel: string) => boolean,
  cache: GitCache,
  options: { followLinks?: boolean } = {},
): Promise<{ files: SourceFile[]; skipped: SkippedEntry[] }> {
  const files: SourceFile[] = [];
  const skipped: SkippedEntry[] = [];
  const links: { rel: string; oid: string }[] = [];
  const folderLinks: { rel: string; oid: string }[] = [];
  const c = { tree: await commitTree(repo, commit, cache) };
  const walkTree = async (treeOid: string, prefix: string): Promise<void> => {
    const tree = await readTreeEntries(repo, treeOid, prefix, cache);
    const subtrees: Promise<void>[] = [];
    for (const e of tree) {
      const rel = prefix ? `${prefix}/${e.path}` : e.path;
      const mode = parseInt(e.mode, 8);
      if (e.type === 'tree') {
        if (wantDir(rel)) subtrees.push(walkTree(e.oid, rel));
      } else if (e.type === 'commit' || mode === SUBMODULE_MODE) {
        if (wantDir(rel)) skipped.push(submoduleSkipped(rel));
      } else if (e.type === 'blob' && wanted(rel)) {
        if (mode === SYMLINK_MODE) links.push({ rel, oid: e.oid });
        else files.push({ path: rel, oid: e.oid, read: readerFor(repo, e.oid, cache) });
      } else if (mode === SYMLINK_MODE && mayBeFolderLink(rel, wantDir)) {
        folderLinks.push({ rel, oid: e.oid });
      }
    }
    await Promise.all(subtrees);
  };
  await walkTree(c.tree, '');
  if (options.followLinks !== false) {
    for (const link of links) {
      const r = await followTreeSymlink(repo, c.tree, link.rel, link.oid, cache);
      if ('oid' in r) files.push({ path: link.rel, oid: r.oid, read: readerFor(repo, r.oid, cache) });
      else skipped.push(r);
    }
    for (const link of folderLinks) {
      const outside = await folderLinkOutside(repo, link.rel, link.oid, cache);
      if (outside) skipped.push(outside);
    }
  }
  files.sort(byPath);
  skipped.sort(byPath);
  return { files, skipped };
}

export async function readCommitSnapshot(
  repo: Repo,
  ref: string,
  wanted: (rel: string) => boolean,
  wantDir: (rel: string) => boolean,
  cache: GitCache,
): Promise<Snapshot> {
  const commit = await resolveRevision(repo, ref, cache);
  const { files, skipped } = await readCommitTree(repo, commit, wanted, wantDir, cache);
  return { mode: 'commit', ref, commit, files, skipped };
}

/**
 * The staged files (the index) that `wanted` accepts: exactly what `git commit` would record.
 * Symlinks are followed within the index; submodules under a wanted folder are error entries.
 */
export async function readIndexSnapshot(repo: Repo, wanted: (rel: string) => boolean, cache: GitCache, wantDir?: (rel: string) => boolean): Promise<Snapshot> {
  const files: SourceFile[] = [];
  const skipped: SkippedEntry[] = [];
  // Without the folder filter, a submodule counts when a config file inside it would be wanted.
  const wantFolder = wantDir ?? ((rel: string) => wanted(`${rel}/.submodule.yaml`));
  const all = await readStagedEntries(repo, cache);
  const lookup = async (rel: string): Promise<TreeEntryInfo | null> => {
    const e = all.get(rel);
    if (e) return { oid: e.oid, mode: e.mode, type: e.mode === SUBMODULE_MODE ? 'commit' : 'blob' };
    for (const p of all.keys()) if (p.startsWith(rel + '/')) return { oid: '', mode: 0o040000, type: 'tree' };
    return null;
  };
  for (const e of all.values()) {
    if (e.mode === SUBMODULE_MODE) {
      if (wantFolder(e.filepath)) skipped.push(submoduleSkipped(e.filepath));
      continue;
    }
    if (!wanted(e.filepath)) {
      if (e.mode === SYMLINK_MODE && mayBeFolderLink(e.filepath, wantFolder)) {
        const outside = await folderLinkOutside(repo, e.filepath, e.oid, cache);
        if (outside) skipped.push(outside);
      }
      continue;
    }
    if (e.unmerged) {
      // One side of a conflict is neither what was merged nor what will be committed.
      skipped.push({ code: 'unmerged', path: e.filepath, message: 'unmerged (a conflict of the merge in progress): not checked; resolve it and git add it, then check again' });
      continue;
    }
    if (e.mode === SYMLINK_MODE) {
      const r = await followSymlink(repo, e.filepath, e.oid, lookup, cache);
      if ('oid' in r) files.push({ path: e.filepath, oid: r.oid, read: readerFor(repo, r.oid, cache) });
      else skipped.push(r);
    } else files.push({ path: e.filepath, oid: e.oid, read: readerFor(repo, e.oid, cache) });
  }
  let head: string | null = null;
  try {
    head = await resolveRefName(repo, 'HEAD');
  } catch {
    head = null; // no commit yet: the index alone is the source
  }
  files.sort(byPath);
  skipped.sort(byPath);
  return { mode: 'index', ref: 'HEAD', commit: head, files, skipped };
}

interface StagedEntry {
  filepath: string;
  oid: string;
  mode: number;
  /** Only in conflict stages (an unresolved merge): `git commit` refuses it until it is resolved and added. */
  unmerged?: true;
}

/**
 * What is staged, path by path: read with the tool's own index reader (no tree walk); an index it
 * does not read (a sparse or split index, SHA-256, damaged) goes through isomorphic-git. A path in
 * conflict is taken at its lowest stage, as isomorphic-git takes it.
 */
async function readStagedEntries(repo: Repo, cache: GitCache): Promise<Map<string, StagedEntry>> {
  let index: Buffer | null = null;
  try {
    index = await readFile(path.join(repo.worktreeGitdir ?? repo.gitdir, 'index'));
  } catch {
    index = null;
  }
  const { entries: own, extensions } = index ? readIndex(index) : { entries: [], extensions: [] };
  const readable = own.length > 0 && !own.some((e) => e.mode === 0o040000) && !extensions.includes('link');
  const all = new Map<string, StagedEntry>();
  if (readable) {
    for (const e of own) if (e.stage === 0 || !all.has(e.path)) all.set(e.path, { filepath: e.path, oid: e.oid, mode: e.mode, ...(e.stage === 0 ? {} : { unmerged: true as const }) });
    return all;
  }
  const entries = await git.walk({
    fs: gitFs,
    dir: repo.dir,
    gitdir: repo.worktreeGitdir ?? repo.gitdir,
    cache,
    trees: [git.STAGE()],
    map: async (filepath, [entry]) => {
      if (!entry || filepath === '.') return true;
      const mode = await entry.mode();
      if (mode !== SUBMODULE_MODE && (await entry.type()) === 'tree') return true;
      return { filepath, oid: await entry.oid(), mode };
    },
  });
  for (const e of flatten(entries)) all.set(e.filepath, e);
  return all;
}

function flatten(value: unknown): StagedEntry[] {
  if (!Array.isArray(value)) return value && typeof value === 'object' && 'filepath' in value ? [value as StagedEntry] : [];
  return value.flatMap(flatten);
}

/** path → blob id of a commit's tree (no content read), for --changed-since. */
export async function listTreeOids(repo: Repo, commit: string, cache: GitCache): Promise<Map<string, string>> {
  const { files } = await readCommitTree(repo, commit, () => true, () => true, cache, { followLinks: false });
  return new Map(files.map((f) => [f.path, f.oid!]));
}

export async function findMergeBase(repo: Repo, a: string, b: string, cache: GitCache): Promise<string | null> {
  const bases = await readGitObject(() => git.findMergeBase({ fs: gitFs, gitdir: repo.gitdir, oids: [a, b], cache }), () => `the history between ${a.slice(0, 7)} and ${b.slice(0, 7)}`);
  return (bases as string[])[0] ?? null;
}

export async function resolveHead(repo: Repo, cache: GitCache): Promise<string | null> {
  // A branch tip read from the ref files needs no peeling (resolveRevision would read the object to peel it).
  const direct = await readHeadRef(repo);
  if (direct) return direct;
  try {
    return await resolveRevision(repo, 'HEAD', cache);
  } catch {
    return null;
  }
}

/**
 * HEAD's commit read straight from the ref files, as git reads them: HEAD (the worktree's own), then
 * the branch's loose ref, then packed-refs. Null when it takes more (another kind of ref, a broken
 * file): isomorphic-git resolves it then. A warm run needs no git object, so it never loads isomorphic-git.
 */
async function readHeadRef(repo: Repo): Promise<string | null> {
  try {
    const head = (await readFile(path.join(repo.worktreeGitdir ?? repo.gitdir, 'HEAD'), 'utf8')).trim();
    if (OID.test(head)) return head;
    const ref = /^ref: (refs\/heads\/\S+)$/.exec(head)?.[1];
    if (!ref || ref.split('/').some((part) => part === '..' || part === '.')) return null;
    const loose = await readFile(path.join(repo.gitdir, ref), 'utf8').then((t) => t.trim(), () => null);
    if (loose !== null) return OID.test(loose) ? loose : null;
    const packed = await readFile(path.join(repo.gitdir, 'packed-refs'), 'utf8');
    for (const line of packed.split('\n')) if (line.length === 41 + ref.length && line.endsWith(` ${ref}`) && OID.test(line.slice(0, 40))) return line.slice(0, 40);
    return null;
  } catch {
    return null;
  }
}

/** The entry at a path of a commit's tree (file, symlink, folder or submodule); null when absent. */
export async function findTreeEntry(repo: Repo, commit: string, rel: string, cache: GitCache): Promise<TreeEntryInfo | null> {
  const tree = await commitTree(repo, commit, cache);
  if (rel === '' || rel === '.') return { oid: tree, mode: 0o040000, type: 'tree' };
  return lookupInTree(repo, tree, rel, cache);
}

/** The entry at a path under a root tree, folder by folder; null when absent or when a folder on the way is not one. */
async function lookupInTree(repo: Repo, rootTree: string, rel: string, cache: GitCache): Promise<TreeEntryInfo | null> {
  let treeOid = rootTree;
  const parts = rel.split('/');
  for (const [i, part] of parts.entries()) {
    const e = (await readTreeEntries(repo, treeOid, parts.slice(0, i).join('/'), cache)).find((t) => t.path === part);
    if (!e) return null;
    if (i === parts.length - 1) return { oid: e.oid, mode: parseInt(e.mode, 8), type: e.type };
    if (e.type !== 'tree') return null;
    treeOid = e.oid;
  }
  return null;
}

/** The plain files (no symlinks, no submodules) at or under a path of a commit, with their blob ids. */
export async function listFilesUnder(repo: Repo, commit: string, rel: string, cache: GitCache): Promise<{ path: string; oid: string }[]> {
  const under = (p: string) => rel === '' || p === rel || p.startsWith(rel + '/');
  const { files } = await readCommitTree(repo, commit, under, (d) => under(d) || rel.startsWith(d + '/'), cache, { followLinks: false });
  return files.map((f) => ({ path: f.path, oid: f.oid! }));
}

/**
 * A blob's bytes, by id, for a run that cannot go on without them (a history walk, a trusted config):
 * a blob missing or damaged is exit 65 naming `what` (a file) and the fix, never a crash. A checked
 * file's own read (readerFor) is reported as that file's parse error instead.
 */
export async function readBlobBytes(repo: Repo, oid: string, cache: GitCache, what = `blob ${oid}`): Promise<Uint8Array> {
  const loose = await readLooseBlob(repo, oid);
  if (loose) return loose;
  return (await readGitObject(() => git.readBlob({ fs: gitFs, gitdir: repo.gitdir, oid, cache }), () => what)).blob;
}

export { SYMLINK_MODE };

/** A tree's entries; a missing tree is exit 65 naming the folder, never a crash (for history walks too). */
export async function readTreeEntries(repo: Repo, treeOid: string, folder: string, cache: GitCache): Promise<{ path: string; oid: string; mode: string; type: string }[]> {
  const loose = readLooseTree(repo, treeOid);
  if (loose) return loose;
  const { tree } = await readGitObject(() => git.readTree({ fs: gitFs, gitdir: repo.gitdir, oid: treeOid, cache }), () => `folder "${folder || '.'}" (tree ${treeOid})`);
  return tree;
}

/**
 * Follows a symlink of a commit's tree the way `check --ref` does (a target inside the repository is
 * read in the link's place; outside, missing or looping is an error entry), so history walks agree with it.
 */
export async function followTreeSymlink(repo: Repo, rootTree: string, linkRel: string, linkOid: string, cache: GitCache): Promise<{ oid: string } | SkippedEntry> {
  return followSymlink(repo, linkRel, linkOid, (rel) => lookupInTree(repo, rootTree, rel, cache), cache);
}

/**
 * A symlink of a commit's tree as `check --ref` takes it (readCommitTree), for history walks: a file
 * link is read in its place (its target's blob) or is an error entry; a folder link is an error entry
 * when it leads out of the repository, else nothing (its target is checked where it is).
 */
export async function followTreeLink(repo: Repo, rootTree: string, link: { path: string; oid: string; folder: boolean }, cache: GitCache): Promise<{ oid: string } | SkippedEntry | null> {
  if (link.folder) return folderLinkOutside(repo, link.path, link.oid, cache);
  return followTreeSymlink(repo, rootTree, link.path, link.oid, cache);
}

/** Whether any branch has a commit (a fresh `git init` has none: HEAD names a branch not born yet). */
async function hasAnyCommit(repo: Repo): Promise<boolean> {
  try {
    return (await git.listBranches({ fs: gitFs, gitdir: repo.gitdir })).length > 0;
  } catch {
    return true;
  }
}
