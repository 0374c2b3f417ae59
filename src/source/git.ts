import fs from 'node:fs';
import git from 'isomorphic-git';
import { NotFoundError } from '../errors.js';
import type { Repo, SkippedEntry, Snapshot, SourceFile } from './types.js';

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
    oid = await git.resolveRef({ fs, gitdir: repo.gitdir, ref: base });
  } catch {
    if (/^[0-9a-f]{4,40}$/i.test(base)) {
      try {
        oid = await git.expandOid({ fs, gitdir: repo.gitdir, oid: base.toLowerCase(), cache });
      } catch {
        oid = null;
      }
    }
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
      for (let i = 0; i < n; i++) {
        const c = await readCommitInfo(repo, oid, cache);
        const parent = c.parents[0];
        if (!parent) throw new NotFoundError(`revision "${rev}" goes past the first commit`, 'use a smaller ~N');
        oid = parent;
      }
    }
  }
  return oid;
}

async function peelToCommit(repo: Repo, oid: string, rev: string, cache: GitCache): Promise<string> {
  for (let i = 0; i < 10; i++) {
    const obj = await git.readObject({ fs, gitdir: repo.gitdir, oid, cache, format: 'parsed' });
    if (obj.type === 'commit') return oid;
    if (obj.type === 'tag') {
      oid = (obj.object as { object: string }).object;
      continue;
    }
    break;
  }
  throw new NotFoundError(`revision "${rev}" does not name a commit`);
}

async function readCommitInfo(repo: Repo, oid: string, cache: GitCache): Promise<CommitInfo> {
  const { commit } = await git.readCommit({ fs, gitdir: repo.gitdir, oid, cache });
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
  return async () => (await git.readBlob({ fs, gitdir: repo.gitdir, oid, cache })).blob;
}

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
): Promise<{ files: SourceFile[]; skipped: SkippedEntry[] }> {
  const files: SourceFile[] = [];
  const skipped: SkippedEntry[] = [];
  const { commit: c } = await git.readCommit({ fs, gitdir: repo.gitdir, oid: commit, cache });
  const walkTree = async (treeOid: string, prefix: string): Promise<void> => {
    const { tree } = await git.readTree({ fs, gitdir: repo.gitdir, oid: treeOid, cache });
    const subtrees: Promise<void>[] = [];
    for (const e of tree) {
      const rel = prefix ? `${prefix}/${e.path}` : e.path;
      const mode = parseInt(e.mode, 8);
      if (e.type === 'tree') {
        if (wantDir(rel)) subtrees.push(walkTree(e.oid, rel));
      } else if (e.type === 'blob' && wanted(rel)) {
        if (mode === SYMLINK_MODE) skipped.push({ code: 'symlink-skipped', path: rel, message: 'a symlink in git is not followed when reading a commit or the index' });
        else files.push({ path: rel, oid: e.oid, read: readerFor(repo, e.oid, cache) });
      }
    }
    await Promise.all(subtrees);
  };
  await walkTree(c.tree, '');
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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

/** The staged files (the index) that `wanted` accepts: exactly what `git commit` would record. */
export async function readIndexSnapshot(repo: Repo, wanted: (rel: string) => boolean, cache: GitCache): Promise<Snapshot> {
  const files: SourceFile[] = [];
  const skipped: SkippedEntry[] = [];
  const entries = await git.walk({
    fs,
    dir: repo.dir,
    gitdir: repo.gitdir,
    cache,
    trees: [git.STAGE()],
    map: async (filepath, [entry]) => {
      if (!entry || filepath === '.') return true;
      if ((await entry.type()) === 'tree') return true;
      if (!wanted(filepath)) return null;
      return { filepath, oid: await entry.oid(), mode: await entry.mode() };
    },
  });
  for (const e of flatten(entries)) {
    if (e.mode === SYMLINK_MODE) skipped.push({ code: 'symlink-skipped', path: e.filepath, message: 'a symlink in git is not followed when reading a commit or the index' });
    else if (e.mode !== SUBMODULE_MODE) files.push({ path: e.filepath, oid: e.oid, read: readerFor(repo, e.oid, cache) });
  }
  let head: string | null = null;
  try {
    head = await git.resolveRef({ fs, gitdir: repo.gitdir, ref: 'HEAD' });
  } catch {
    head = null; // no commit yet: the index alone is the source
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { mode: 'index', ref: 'HEAD', commit: head, files, skipped };
}

interface IndexEntry {
  filepath: string;
  oid: string;
  mode: number;
}

function flatten(value: unknown): IndexEntry[] {
  if (!Array.isArray(value)) return value && typeof value === 'object' && 'filepath' in value ? [value as IndexEntry] : [];
  return value.flatMap(flatten);
}

/** path → blob id of a commit's tree (no content read), for --changed-since. */
export async function listTreeOids(repo: Repo, commit: string, cache: GitCache): Promise<Map<string, string>> {
  const { files } = await readCommitTree(repo, commit, () => true, () => true, cache);
  return new Map(files.map((f) => [f.path, f.oid!]));
}

export async function findMergeBase(repo: Repo, a: string, b: string, cache: GitCache): Promise<string | null> {
  const bases = await git.findMergeBase({ fs, gitdir: repo.gitdir, oids: [a, b], cache });
  return (bases as string[])[0] ?? null;
}

export async function resolveHead(repo: Repo, cache: GitCache): Promise<string | null> {
  try {
    return await resolveRevision(repo, 'HEAD', cache);
  } catch {
    return null;
  }
}
