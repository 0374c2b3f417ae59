import type { SourceMode } from '../report/types.js';

/** One file of a snapshot of the repository. */
export interface SourceFile {
  /** Path relative to the repository root, forward slashes. */
  path: string;
  /** Git blob id of the content (null in the work tree until read: see `blobOid`). */
  oid: string | null;
  /** In the work tree: the file's absolute path (another thread can read it too). */
  abs?: string;
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
  gitdir: string;
}
