import { NotFoundError } from '../errors.js';
import type { GitCache } from '../source/git.js';
import type { Repo, Snapshot, SourceFile } from '../source/types.js';
import { blobOid, readWorktree } from '../source/worktree.js';
import type { SourceSpec } from './types.js';

/** A file name that makes its folder a Helm chart. */
export const isChartFile = (name: string): boolean => /^Chart\.ya?ml$/.test(name);

/** Folders of the snapshot that hold a Helm chart (a Chart.yaml). */
export function findChartRoots(files: readonly SourceFile[]): string[] {
  return files.filter((f) => isChartFile(f.path.slice(f.path.lastIndexOf('/') + 1))).map((f) => f.path.slice(0, f.path.lastIndexOf('/') + 1));
}

/** The folder of a chart whose files Helm renders. */
export const CHART_TEMPLATES = 'templates';

/** A file under `templates/` of a folder that holds a Chart.yaml: Helm renders it, it is not a manifest. */
export function isChartTemplate(file: string, chartRoots: readonly string[] | undefined): boolean {
  return !!chartRoots?.some((root) => file.startsWith(`${root}${CHART_TEMPLATES}/`));
}

export async function readSnapshot(repo: Repo, spec: SourceSpec, wanted: (r: string) => boolean, wantDir: (r: string) => boolean, cache: GitCache): Promise<Snapshot> {
  if (spec.mode === 'worktree') return readWorktree(repo, wanted, wantDir);
  const git = await import('../source/git.js');
  if (spec.mode === 'index') return git.readIndexSnapshot(repo, wanted, cache, wantDir);
  return git.readCommitSnapshot(repo, spec.ref, wanted, wantDir, cache);
}

/** Keeps the files whose content differs from the merge-base of the snapshot's commit and `rev`; gives the merge-base and its files' blob ids. */
export async function filterChangedSince(repo: Repo, snapshot: Snapshot, rev: string, cache: GitCache): Promise<{ mergeBase: string; base: Map<string, string> }> {
  const git = await import('../source/git.js');
  const other = await git.resolveRevision(repo, rev, cache);
  const ours = snapshot.commit ?? (await git.resolveHead(repo, cache));
  if (!ours) throw new NotFoundError('--changed-since needs a commit to compare from, and this repository has none yet');
  const mergeBase = await git.findMergeBase(repo, ours, other, cache);
  if (!mergeBase) throw await git.noCommonAncestor(repo, rev, snapshot.ref ?? 'HEAD');
  const base = await git.listTreeOids(repo, mergeBase, cache);
  const kept = [];
  for (const f of snapshot.files) {
    const oid = f.oid ?? blobOid(await f.read());
    if (base.get(f.path) !== oid) kept.push(f);
  }
  snapshot.files = kept;
  return { mergeBase, base };
}
