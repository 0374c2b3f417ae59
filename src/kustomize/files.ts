import path from 'node:path';
import type { Snapshot } from '../source/types.js';

/**
 * What the renderer reads: files of one snapshot of the repository (work tree, index or commit),
 * by path relative to the repository root. The renderer never touches the file system itself,
 * so it renders a commit's tree from git objects as it renders the work tree.
 */
export interface KustomizeFiles {
  /** The file's bytes, or null when the snapshot has no such file. */
  read(file: string): Promise<Uint8Array | null>;
  /** Whether some file of the snapshot lies under `dir`. */
  isDirectory(dir: string): boolean;
}

/** A reader over a snapshot's file list (which must include the non-YAML generator inputs). */
export function filesFromSnapshot(snapshot: Pick<Snapshot, 'files'>): KustomizeFiles {
  const byPath = new Map(snapshot.files.map((f) => [f.path, f]));
  const dirs = new Set<string>(['']);
  for (const f of snapshot.files) {
    for (let d = path.posix.dirname(f.path); d !== '.' && !dirs.has(d); d = path.posix.dirname(d)) dirs.add(d);
  }
  return {
    read: async (file) => (byPath.has(file) ? byPath.get(file)!.read() : null),
    isDirectory: (dir) => dirs.has(dir === '.' ? '' : dir),
  };
}

/** Joins a path written in a kustomization to its directory; null when it leaves the repository. */
export function resolveIn(dir: string, relative: string): string | null {
  const joined = path.posix.normalize(path.posix.join(dir === '' ? '.' : dir, relative));
  if (joined === '..' || joined.startsWith('../') || path.posix.isAbsolute(relative)) return null;
  return joined === '.' ? '' : joined.replace(/\/$/, '');
}

/** Whether `file` is `dir` or below it (kustomize's load restriction for patches and generator inputs). */
export function isWithin(dir: string, file: string): boolean {
  return dir === '' || file === dir || file.startsWith(dir + '/');
}
