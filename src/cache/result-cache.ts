import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Results per file content, kept between runs: the pre-commit hook and the re-run before a push
 * see mostly files they have checked before. One entry per key, one file per entry: written to a
 * temporary name and renamed, so concurrent runs never read half an entry. A corrupt or foreign
 * entry is ignored (and rewritten), never trusted. The cache may make a run faster, never different.
 */

/** Bumped whenever what an entry holds changes shape. */
const FORMAT = 1;

/** Bounds: least recently used entries go first once either is passed. */
const MAX_ENTRIES = 200_000;
const MAX_BYTES = 512 * 1024 * 1024;
/** A full look at the folder (to bound it) at most this often. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** Where results are kept: `node_modules/.cache/aiops-guard` when the repository has one (as eslint and babel do), else the user's cache folder. */
export function defaultCacheDir(repoDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const modules = path.join(repoDir, 'node_modules');
  if (existsSync(modules)) return path.join(modules, '.cache', 'aiops-guard');
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'aiops-guard');
}

/** A stable key from the parts that decide a result. */
export function hashKey(...parts: readonly unknown[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : JSON.stringify(p)).update('\u0000');
  return h.digest('hex');
}

interface Entry<T> {
  format: number;
  key: string;
  value: T;
}

export class ResultCache<T> {
  private writes = 0;
  private disabled = false;

  /** `valid` decides whether a stored value has the shape this version expects. */
  constructor(
    readonly dir: string,
    private readonly valid: (value: unknown) => value is T,
  ) {}

  private fileOf(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  get(key: string): T | null {
    if (this.disabled) return null;
    const file = this.fileOf(key);
    let entry: Entry<unknown>;
    try {
      entry = JSON.parse(readFileSync(file, 'utf8')) as Entry<unknown>;
    } catch {
      return null;
    }
    if (entry?.format !== FORMAT || entry.key !== key || !this.valid(entry.value)) return null;
    try {
      // Least recently used goes first: a hit counts as a use.
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // A read-only cache still serves.
    }
    return entry.value;
  }

  set(key: string, value: T): void {
    if (this.disabled) return;
    const file = this.fileOf(key);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, key, value } satisfies Entry<T>));
      renameSync(tmp, file);
      this.writes++;
    } catch {
      // A cache that cannot be written (read-only home, full disk) only makes runs slower.
      rmSync(tmp, { force: true });
      this.disabled = true;
    }
  }

  /** After a run that wrote entries: drop the least recently used ones beyond the bounds, at most once an hour. */
  prune(now = Date.now(), limits = { entries: MAX_ENTRIES, bytes: MAX_BYTES }): void {
    if (this.writes === 0 || this.disabled) return;
    const marker = path.join(this.dir, '.pruned');
    try {
      if (now - statSync(marker).mtimeMs < PRUNE_EVERY_MS) return;
    } catch {
      // Never pruned yet.
    }
    const files: { file: string; used: number; size: number }[] = [];
    try {
      for (const sub of readdirSync(this.dir)) {
        if (sub.length !== 2) continue;
        for (const name of readdirSync(path.join(this.dir, sub))) {
          const file = path.join(this.dir, sub, name);
          const st = statSync(file);
          // Temporary files of a run that died are older than any live write.
          if (name.endsWith('.tmp') && now - st.mtimeMs > PRUNE_EVERY_MS) rmSync(file, { force: true });
          else if (name.endsWith('.json')) files.push({ file, used: st.mtimeMs, size: st.size });
        }
      }
      files.sort((a, b) => b.used - a.used);
      let bytes = 0;
      files.forEach((f, i) => {
        bytes += f.size;
        if (i >= limits.entries || bytes > limits.bytes) rmSync(f.file, { force: true });
      });
      writeFileSync(marker, '');
    } catch {
      // Another run may be pruning too; the next run tries again.
    }
  }
}
