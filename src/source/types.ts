import type { BigIntStats } from 'node:fs';
import type { SourceMode } from '../report/types.js';

/** One file of a snapshot of the repository. */
export interface SourceFile {
  /** Path relative to the repository root, forward slashes. */
  path: string;
  /** Git blob id of the content (null in the work tree until read: see `blobOid`). */
  oid: string | null;
  /** In the work tree: the file's absolute path (another thread can read it too). */
  abs?: string;
  /** In the work tree, when the listing took it: the file's lstat, and when (ms) it was taken. */
  stat?: { st: BigIntStats; at: number };
  read(): Promise<Uint8Array>;
}

/** Where a snapshot's symlink or unreadable entry was passed over. */
export interface SkippedEntry {
  code: string;
  path: string;
  message: string;
}

export interface Snapshot {
  mode: SourceMode;
  ref: string | null;
  commit: string | null;
  files: SourceFile[];
  skipped: SkippedEntry[];
}

/** The repository being checked: its work tree and its git directory. */
export interface Repo {
  dir: string;
  /** Where objects, refs, config, hooks and `shallow` live: the common dir of a linked worktree. */
  gitdir: string;
  /** A linked worktree's own git dir (`.git/worktrees/<name>`): its HEAD and index. Absent otherwise. */
  worktreeGitdir?: string;
}

/**
 * Error codes of entries that were passed over: the files behind them were not checked, so a run that
 * has one is not clean (see `countsAsNotChecked`).
 */
const NOT_CHECKED_CODES: ReadonlySet<string> = new Set(['symlink-outside-repo', 'broken-symlink', 'not-a-file', 'submodule-not-checked', 'symlink-loop', 'template', 'not-rendered', 'unmerged']);

/** True when an `errors` entry stands for files that were not checked (the exit code must not be clean). */
export function countsAsNotChecked(code: string): boolean {
  return NOT_CHECKED_CODES.has(code);
}
