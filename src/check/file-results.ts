import type { BigIntStats } from 'node:fs';
import { hashKey, ResultCache } from '../cache/result-cache.js';
import type { ParseLimits } from '../parse/documents.js';
import type { PolicyOptions } from '../policy/evaluate.js';
import { SEVERITIES, type Finding, type ReportError, type Severity } from '../report/types.js';
import type { RelationOutcome } from '../relations/evaluate.js';
import type { Rule } from '../rules/types.js';

/** What one file contributed to a check: cached per content, before config waivers are applied. */
export interface FileResult {
  findings: Finding[];
  errors: ReportError[];
  documents: number;
  /**
   * What relation rules need of the file's objects, packed (see packProjections), when this run made
   * them; never stored with the result (a warm run that needs no relation phase never reads them).
   */
  projections?: string;
  /** The digest of the file's packed projections (absent when none): they are stored, and found, by it. */
  projectionsDigest?: string;
}

/** The shape of a cached result: a change to it keys a fresh set of entries. */
const RESULT_FORMAT = 4;

function isFileResult(v: unknown): v is FileResult {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Partial<FileResult>;
  return (
    Array.isArray(r.findings) &&
    Array.isArray(r.errors) &&
    Number.isInteger(r.documents) &&
    r.projections === undefined &&
    (r.projectionsDigest === undefined || typeof r.projectionsDigest === 'string') &&
    r.findings.every((f) => typeof f?.ruleId === 'string' && SEVERITIES.includes(f.severity as Severity) && typeof f.file === 'string' && Number.isInteger(f.line))
  );
}

/** The digest a file's packed projections are stored and found by. */
export function projectionsDigest(packed: string): string {
  return hashKey(packed);
}

/** A result computed on another thread, handed back as JSON (its stored form) for this thread's cache. */
export interface FreshResult {
  file: string;
  oid: string;
  chart: boolean;
  json: string;
  /** The file's packed projections, stored apart by their digest (the one in `json`). */
  projections?: { digest: string; packed: string };
}

/** A file's result as the cache stores it: without its projections, which go apart by their digest. */
export function freshResult(file: string, oid: string, chart: boolean, result: FileResult): FreshResult {
  const { projections: packed, ...stored } = result;
  const apart = packed !== undefined && result.projectionsDigest !== undefined ? { projections: { digest: result.projectionsDigest, packed } } : {};
  return { file, oid, chart, json: JSON.stringify(stored), ...apart };
}

/** The results of files this build has seen with these rules and settings, kept between runs. */
export interface FileResultCache {
  /** A file's result without its projections: `projectionsDigest` finds them (see `projections`). */
  get(file: string, oid: string, chartTemplate: boolean): FileResult | null;
  /** Stores a copy: the caller may change the result afterwards (config waivers are applied after the cache). */
  set(file: string, oid: string, chartTemplate: boolean, result: FileResult): void;
  /** A file's packed projections by their digest; null when not stored (or not intact). */
  projections(digest: string): string | null;
  /**
   * A target's relation outcome by the digests of all of its files' projections (before config
   * waivers): when no projection changed, the phase is not run again. `compute` runs on a miss.
   */
  relations(digests: readonly string[], compute: () => Promise<RelationOutcome>): Promise<RelationOutcome>;
  setFresh(fresh: FreshResult): void;
  /**
   * What this build reads of a commit (the policy committed there): a commit never changes, so the
   * answer is kept under its id and `kind` alone, whatever the rules. `compute` runs on a miss.
   */
  atCommit<T>(kind: string, commit: string, valid: (value: unknown) => value is T, compute: () => Promise<T>): Promise<T>;
  /**
   * The blob id an earlier run hashed for a work-tree file whose stat data is still what it was then
   * (git's own test against its index, here against this cache's record): null when unknown or in doubt.
   */
  knownOid(abs: string, st: BigIntStats): string | null;
  /** Records the blob id of a work-tree file just hashed, with the stat data taken before it was read, at `statAtMs`. */
  recordOid(abs: string, st: BigIntStats, statAtMs: number, oid: string): void;
  /** Writes what the run computed (once the run is over; more may be set after, and saved again). */
  save(): void;
}

/** A work-tree file's stat data as a string: what must be the same for its recorded blob id to hold. */
function statStamp(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.mode}`;
}

interface StatRecord {
  stamp: string;
  oid: string;
}

const isStatRecord = (v: unknown): v is StatRecord =>
  typeof v === 'object' && v !== null && typeof (v as StatRecord).stamp === 'string' && typeof (v as StatRecord).oid === 'string' && /^[0-9a-f]{40}$/.test((v as StatRecord).oid);

function isRelationOutcome(v: unknown): v is RelationOutcome {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Partial<RelationOutcome>;
  return Array.isArray(r.findings) && Array.isArray(r.drops) && Array.isArray(r.namespaceDrops) && r.findings.every((f) => typeof f?.ruleId === 'string' && typeof f.file === 'string');
}

/** What a run's results depend on besides each file: a change to any part keys a fresh set of entries. */
export function runKeyOf(build: string, rules: readonly Rule[], policy: PolicyOptions, limits: ParseLimits): string {
  const ruleDefs = rules.map(({ validate: _v, source: _s, ...spec }) => spec);
  return hashKey(build, RESULT_FORMAT, ruleDefs, policy.severity ?? {}, policy.inlineWaivers, [...policy.knownRuleIds].sort(), limits);
}

/**
 * Opens the cache for a run. Its key holds everything that decides a file's findings besides its
 * path and content: the build of the tool, each rule's full definition, severity overrides,
 * inline waivers on or off, the known rule ids, and the parse limits. Config waivers, the
 * baseline, the gate and the output are applied after the cache, so changing them keeps it warm.
 * Null when this build has no identity (running from sources): never a stale hit.
 */
export async function openFileResultCache(dir: string, repoDir: string, rules: readonly Rule[], policy: PolicyOptions, limits: ParseLimits): Promise<FileResultCache | null> {
  let build: string;
  try {
    build = ((await import(new URL('../../generated/build-id.js', import.meta.url).href)) as { BUILD_ID: string }).BUILD_ID;
  } catch {
    return null;
  }
  const runKey = runKeyOf(build, rules, policy, limits);
  const cache = new ResultCache<FileResult>(dir, runKey, isFileResult);
  // The path as JSON: no tab or line break of a file name can reach the pack's lines.
  const key = (file: string, oid: string, chart: boolean) => `${oid} ${chart ? 1 : 0} ${JSON.stringify(file)}`;
  // Relation outcomes have a pack of their own, keyed by every projection of the target.
  const targets = new ResultCache<RelationOutcome>(dir, hashKey(runKey, 'relations'), isRelationOutcome);
  // Projections have a pack of their own, by digest: read only when the relation phase runs.
  const projections = new ResultCache<string>(dir, hashKey(runKey, 'projections'), (v): v is string => typeof v === 'string');
  // Blob ids of work-tree files this cache hashed, by stat data: one pack per repository (of any rules).
  const stats = new ResultCache<StatRecord>(dir, hashKey(RESULT_FORMAT, 'stats', repoDir), isStatRecord);
  const commits = new Map<string, ResultCache<unknown>>();
  const commitPack = (kind: string, valid: (value: unknown) => boolean) => {
    let pack = commits.get(kind);
    if (!pack) commits.set(kind, (pack = new ResultCache<unknown>(dir, hashKey(build, RESULT_FORMAT, 'commit', kind), (v): v is unknown => valid(v))));
    return pack;
  };
  const setFresh = (f: FreshResult) => {
    cache.setJson(key(f.file, f.oid, f.chart), f.json);
    if (f.projections) projections.set(f.projections.digest, f.projections.packed);
  };
  return {
    get: (file, oid, chart) => cache.get(key(file, oid, chart)),
    set: (file, oid, chart, result) => setFresh(freshResult(file, oid, chart, result)),
    setFresh,
    projections(digest) {
      const packed = projections.get(digest);
      // Found by its digest, so checked by it: a damaged entry is not trusted.
      return packed !== null && projectionsDigest(packed) === digest ? packed : null;
    },
    async relations(digests, compute) {
      // Sorted: the threads hand their files' results back in no fixed order.
      const k = hashKey([...digests].sort().join('\n'));
      const hit = targets.get(k);
      if (hit) return hit;
      const outcome = await compute();
      targets.set(k, outcome);
      return outcome;
    },
    async atCommit<T>(kind: string, commit: string, valid: (value: unknown) => value is T, compute: () => Promise<T>): Promise<T> {
      const pack = commitPack(kind, valid);
      const hit = pack.get(commit);
      if (hit !== null) return hit as T;
      const value = await compute();
      pack.set(commit, value);
      return value;
    },
    knownOid(abs, st) {
      if (!st.isFile()) return null;
      const record = stats.get(JSON.stringify(abs));
      return record && record.stamp === statStamp(st) ? record.oid : null;
    },
    recordOid(abs, st, statAtMs, oid) {
      // Git's racy rule: a file changed within the second of the stat may keep its size and times, so
      // only a file last changed before that second is vouched for by its stat data.
      if (!st.isFile() || st.mtimeNs / 1_000_000_000n >= BigInt(Math.floor(statAtMs / 1000)) || st.ctimeNs / 1_000_000_000n >= BigInt(Math.floor(statAtMs / 1000))) return;
      stats.set(JSON.stringify(abs), { stamp: statStamp(st), oid });
    },
    save: () => {
      cache.save();
      targets.save();
      projections.save();
      stats.save();
      for (const pack of commits.values()) pack.save();
    },
  };
}
