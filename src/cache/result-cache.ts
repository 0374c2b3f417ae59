import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Results per file content, kept between runs: the pre-commit hook and the re-run before a push
 * see mostly files they have checked before. Everything that decides a result besides the file
 * itself (tool build, rules, policy) is the run key; a run reads the one pack file of its key once
 * and writes it back, when it computed anything new, to a temporary name then renamed, merged with
 * what other runs wrote meanwhile: concurrent runs never read half a pack. A corrupt or foreign
 * pack or entry is ignored (and rewritten), never trusted. The cache may make a run faster, never
 * different.
 */

/** Bumped whenever what a pack holds changes shape. */
const FORMAT = 2;

/** Bounds: least recently used entries (in a pack) and packs (in the folder) go first once passed. */
const MAX_ENTRIES = 200_000;
const MAX_BYTES = 512 * 1024 * 1024;
/** Entries no run has used for this long are dropped when their pack is written. */
const MAX_IDLE_MS = 30 * 24 * 60 * 60 * 1000;
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

/** One stored entry: when a run last used it, and its value as JSON (parsed only when asked for). */
interface Stored {
  used: number;
  json: string;
}

const PACK = /^[0-9a-f]{64}\.pack$/;
const PACK_TMP = /^[0-9a-f]{64}\.pack\.\d+\.[0-9a-f]{8}\.tmp$/;

/** Removes the entries of the one-file-per-entry layout of earlier versions (`ab/<64 hex>.json`), and the folder once empty. */
function dropOldLayout(dir: string): void {
  for (const name of readdirSync(dir)) if (/^[0-9a-f]{64}\.json(\.\d+\.[0-9a-f]{8}\.tmp)?$/.test(name)) rmSync(path.join(dir, name), { force: true });
  try {
    rmdirSync(dir);
  } catch {
    // Not empty: not only ours.
  }
}

/** A file's identity for "has it been rewritten": inode, size and mtime (a rename gives a new inode). */
function stampOf(file: string): string | null {
  try {
    const st = statSync(file, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return null;
  }
}

/** The header line of a pack: the format and the run key it belongs to. */
const header = (runKey: string) => JSON.stringify({ format: FORMAT, key: runKey });

/**
 * Reads a pack: one header line, then one entry a line, `<key>\t<last used, ms>\t<value JSON>`.
 * A pack of another format or run key, or none, reads as empty; a line that is not an entry is skipped.
 */
function readPack(file: string, runKey: string): Map<string, Stored> {
  const entries = new Map<string, Stored>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return entries;
  }
  return parsePack(text, runKey, entries);
}

function parsePack(text: string, runKey: string, entries: Map<string, Stored>): Map<string, Stored> {
  const lines = text.split('\n');
  if (lines[0] !== header(runKey)) return entries;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const a = line.indexOf('\t');
    const b = a === -1 ? -1 : line.indexOf('\t', a + 1);
    if (b === -1) continue;
    const used = Number(line.slice(a + 1, b));
    if (!Number.isFinite(used)) continue;
    entries.set(line.slice(0, a), { used, json: line.slice(b + 1) });
  }
  return entries;
}

export class ResultCache<T> {
  private entries: Map<string, Stored> | null = null;
  /** Entries computed by this run, as JSON taken when they were set (callers may change the objects after). */
  private readonly fresh = new Map<string, string>();
  private readonly usedNow = new Set<string>();
  private disabled = false;
  private readStamp: string | null = null;
  readonly file: string;

  /** `valid` decides whether a stored value has the shape this version expects. Keys must not hold tabs or line breaks. */
  constructor(
    readonly dir: string,
    readonly runKey: string,
    private readonly valid: (value: unknown) => value is T,
  ) {
    this.file = path.join(dir, `${runKey}.pack`);
  }

  /** The pack as this run read it, and the file's identity then (to know whether another run wrote it since). */
  private load(): Map<string, Stored> {
    if (!this.entries) {
      this.readStamp = stampOf(this.file);
      this.entries = readPack(this.file, this.runKey);
    }
    return this.entries;
  }

  get(key: string): T | null {
    if (this.disabled) return null;
    const json = this.fresh.get(key) ?? this.load().get(key)?.json;
    if (json === undefined) return null;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      return null;
    }
    if (!this.valid(value)) return null;
    this.usedNow.add(key);
    return value;
  }

  set(key: string, value: T): void {
    if (this.disabled) return;
    this.fresh.set(key, JSON.stringify(value));
  }

  /** Entries another thread computed, already as JSON. */
  setJson(key: string, json: string): void {
    if (!this.disabled) this.fresh.set(key, json);
  }

  /**
   * Ends the run: writes the pack when this run computed anything (merged with what is on disk
   * now, dropping idle and surplus entries), else marks it used; then bounds the folder, at most
   * once an hour. A cache that cannot be written (read-only home, full disk) only makes runs slower.
   */
  save(now = Date.now(), limits = { entries: MAX_ENTRIES, bytes: MAX_BYTES }): void {
    if (this.disabled) return;
    if (this.fresh.size === 0) {
      if (this.usedNow.size > 0) {
        try {
          utimesSync(this.file, new Date(now), new Date(now));
        } catch {
          // A read-only cache still serves.
        }
      }
      return;
    }
    // Merged with what is on disk now: read again only when another run wrote it since this one read it.
    const unchanged = this.entries !== null && this.readStamp !== null && stampOf(this.file) === this.readStamp;
    const merged = unchanged ? new Map(this.entries) : readPack(this.file, this.runKey);
    for (const key of this.usedNow) {
      const e = merged.get(key) ?? this.entries?.get(key);
      if (e) merged.set(key, { used: now, json: e.json });
    }
    for (const [key, json] of this.fresh) merged.set(key, { used: now, json });
    const kept = [...merged].filter(([, e]) => now - e.used <= MAX_IDLE_MS).sort((a, b) => b[1].used - a[1].used).slice(0, limits.entries);
    const text = [header(this.runKey), ...kept.map(([key, e]) => `${key}\t${e.used}\t${e.json}`)].join('\n') + '\n';
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(tmp, text);
      renameSync(tmp, this.file);
    } catch {
      rmSync(tmp, { force: true });
      this.disabled = true;
      return;
    }
    this.entries = null;
    this.readStamp = null;
    this.fresh.clear();
    this.usedNow.clear();
    this.prune(now, limits.bytes);
  }

  /** Drops the least recently used packs beyond the size bound, temporary files of runs that died, and entries of the older one-file-per-entry layout. */
  private prune(now: number, maxBytes: number): void {
    const marker = path.join(this.dir, '.pruned');
    try {
      if (now - statSync(marker).mtimeMs < PRUNE_EVERY_MS) return;
    } catch {
      // Never pruned yet.
    }
    try {
      const packs: { file: string; used: number; size: number }[] = [];
      for (const e of readdirSync(this.dir, { withFileTypes: true })) {
        const file = path.join(this.dir, e.name);
        // Only what this cache writes: a --cache-dir may hold other things.
        if (e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name)) dropOldLayout(file);
        if (!e.isFile()) continue;
        if (PACK_TMP.test(e.name)) {
          if (now - statSync(file).mtimeMs > PRUNE_EVERY_MS) rmSync(file, { force: true });
        } else if (PACK.test(e.name)) {
          const st = statSync(file);
          packs.push({ file, used: st.mtimeMs, size: st.size });
        }
      }
      packs.sort((a, b) => b.used - a.used);
      let bytes = 0;
      for (const p of packs) {
        bytes += p.size;
        if (bytes > maxBytes && p.file !== this.file) rmSync(p.file, { force: true });
      }
      writeFileSync(marker, '');
    } catch {
      // Another run may be pruning too; the next run tries again.
    }
  }
}
