import { readCommitInfo, readShallowBoundary, type GitCache } from '../source/git.js';
import type { Repo } from '../source/types.js';

/** A commit of the first-parent history, as reports show it. */
export interface HistoryCommit {
  sha: string;
  subject: string;
  author: string;
  date: string;
  tree: string;
  /** More than one parent: reverting it needs `-m 1`, and a range revert across it fails. */
  merge: boolean;
}

/**
 * Reads first-parent history from `start`, newest first, one commit at a time, so a caller can
 * stop as soon as it has what it needs. Stops at the root, at `max` commits, or at the boundary of
 * a shallow clone (and says which).
 */
export async function* firstParentHistory(
  repo: Repo,
  start: string,
  max: number,
  cache: GitCache,
  stop: { reason: 'root' | 'limit' | 'shallow' | null },
): AsyncGenerator<HistoryCommit> {
  const shallow = await readShallowBoundary(repo);
  let sha: string | undefined = start;
  for (let n = 0; sha; n++) {
    if (n === max) {
      stop.reason = 'limit';
      return;
    }
    // A commit missing from a damaged clone is exit 65 naming it (66 past a shallow boundary), never a crash.
    const commit = await readCommitInfo(repo, sha, cache);
    yield { sha, subject: commit.subject, author: commit.author, date: commit.date, tree: commit.tree, merge: commit.parents.length > 1 };
    if (shallow.has(sha)) {
      stop.reason = 'shallow';
      return;
    }
    sha = commit.parents[0];
  }
  stop.reason = 'root';
}
