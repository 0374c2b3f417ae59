import { PARSE_ERROR } from '../parse/documents.js';
import { findingKey } from '../report/fingerprint.js';
import type { Finding } from '../report/types.js';
import type { Selection } from '../source/select.js';
import { blobKey, type HistoryEvaluator, type TreeChange } from './evaluator.js';

/**
 * A finding is the same in another commit when its fingerprint (rule, resource identity, pointer
 * within the resource) is there in the same state: reported, or waived. Waiving is part of the
 * state so that the commit which removed a waiver is the one that made the finding fail.
 */
const stateKey = (f: Finding, file = f.file) => findingKey({ ...f, file }) + (f.suppressed ? '\u0000waived' : '');

/** What one version of a file says: its findings' keys, and whether what it lacks is known to be absent. */
interface Version {
  keys: string[];
  unknown: boolean;
}

/** One finding followed back through first-parent history. */
interface Trace {
  finding: Finding;
  key: string;
  /** Where it is in the commit being looked at (files without resource identity are followed through exact renames). */
  path: string;
  /** Tied to its file (no resource identity): a rename changes its key. */
  byFile: boolean;
  /** The oldest commit (index into the walk) of the unbroken run that has it; -1: not in the first commit. */
  at: number;
  /** The file it was in at that commit. */
  pathAt: string;
  /** Still present in the newest commit looked at: its introducing commit is older. */
  open: boolean;
}

/** Where a traced finding came from: the walk index of the introducing commit, and the file it was in there. */
export interface TraceResult {
  at: number;
  path: string;
  /** Present back to the oldest commit the walk read: introduced there or earlier. */
  open: boolean;
}

/**
 * Follows findings back through history: for each, the first commit of the unbroken run (newest
 * first) in which it is present anywhere in the tree, whatever the file is called. Only the files a
 * step changes are looked at; their findings come from the evaluator's per-blob cache.
 */
export class FindingTracer {
  private readonly traces: Trace[];
  /** For each key being followed: the files that have it in the commit looked at. */
  private readonly present = new Map<string, Set<string>>();
  private readonly versions = new Map<string, Version>();
  /**
   * Paths whose version in the commit looked at does not say which findings it has (a kustomize
   * target that did not render there, a file that did not parse), with the keys of their last
   * version that did: those stay present until a version is known again, so a finding on both sides
   * of such a stretch is followed through it, as `git bisect skip` passes over a commit that cannot
   * be tested. `own` is what the unknown version does say (its parse error).
   */
  private readonly unknown = new Map<string, { pending: string[]; own: ReadonlySet<string> }>();
  private openCount = 0;

  constructor(
    private readonly evaluator: HistoryEvaluator,
    /** The files that count: the config's include/exclude, not the command line's paths (a move across them is still a move). */
    private readonly selection: Selection,
    findings: readonly Finding[],
  ) {
    this.traces = findings.map((f) => {
      const byFile = !(f.resource && f.resource.name !== null);
      return { finding: f, key: stateKey(f), path: f.file, byFile, at: -1, pathAt: f.file, open: false };
    });
    for (const t of this.traces) this.present.set(t.key, new Set());
  }

  /** Findings whose introducing commit is still to be found. */
  get open(): number {
    return this.openCount;
  }

  /** Reads the first commit of the walk in full: which findings it has, and where. */
  async start(tree: string): Promise<void> {
    for (const f of await this.evaluator.wantedFiles(tree, this.selection)) this.add(f.path, (await this.versionOf(f.oid!, f.path, f.chart)).keys);
    for (const t of this.traces) {
      const where = this.present.get(t.key)!;
      if (where.size === 0) continue;
      t.path = where.has(t.finding.file) ? t.finding.file : [...where].sort()[0]!;
      Object.assign(t, { at: 0, pathAt: t.path, open: true });
      this.openCount++;
    }
  }

  /** Steps from the commit at `index - 1` to its first parent, the commit at `index`. */
  async step(changes: readonly TreeChange[], index: number): Promise<void> {
    this.followRenames(changes);
    for (const c of changes) {
      const from = c.from ? await this.versionOf(c.from, c.path, c.fromChart ?? false) : null;
      const to = c.to ? await this.versionOf(c.to, c.path, c.toChart ?? false) : null;
      const was = this.unknown.get(c.path);
      const drop = (keys: readonly string[]) => {
        for (const k of keys) this.present.get(k)?.delete(c.path);
      };
      if (to?.unknown) {
        // The last known version's keys stay present while the older one says nothing; an unknown newer version's own go.
        const pending = was?.pending ?? from?.keys ?? [];
        if (was && from) drop(from.keys.filter((k) => !pending.includes(k)));
        this.unknown.set(c.path, { pending, own: new Set(to.keys) });
      } else {
        if (from) drop(from.keys);
        if (was) drop(was.pending);
        this.unknown.delete(c.path);
      }
      if (to) this.add(c.path, to.keys);
    }
    for (const t of this.traces) {
      if (!t.open) continue;
      const where = this.present.get(t.key)!;
      if (where.size === 0) {
        t.open = false;
        this.openCount--;
        continue;
      }
      const known = [...where].filter((p) => !this.unknown.has(p) || this.unknown.get(p)!.own.has(t.key));
      // Only where nothing is known: this commit neither has it nor lacks it.
      if (known.length === 0) continue;
      if (!known.includes(t.path)) t.path = known.sort()[0]!;
      t.at = index;
      t.pathAt = t.path;
    }
  }

  /** Where each finding (by its index in the list given) was introduced; null when it is not in the first commit. */
  results(): (TraceResult | null)[] {
    return this.traces.map((t) => (t.at < 0 ? null : { at: t.at, path: t.pathAt, open: t.open }));
  }

  /**
   * A file that is only renamed (the same blob under another path, the old path gone) keeps the
   * findings that are tied to their file. Git itself stores no renames; this is its exact-rename case.
   */
  private followRenames(changes: readonly TreeChange[]): void {
    const moved = this.traces.filter((t) => t.open && t.byFile);
    if (moved.length === 0) return;
    // Paths only the newer commit has, and (by blob) paths only the older one has.
    const gone = new Map(changes.filter((c) => c.from && !c.to).map((c) => [c.path, c.from!]));
    const cameFrom = new Map<string, string>();
    for (const c of changes) if (c.to && !c.from && !cameFrom.has(c.to)) cameFrom.set(c.to, c.path);
    for (const t of moved) {
      const oid = gone.get(t.path);
      const from = oid ? cameFrom.get(oid) : undefined;
      if (!from) continue;
      t.path = from;
      t.key = stateKey(t.finding, from);
      if (!this.present.has(t.key)) this.present.set(t.key, new Set());
    }
  }

  private add(path: string, keys: readonly string[]): void {
    for (const k of keys) this.present.get(k)?.add(path);
  }

  /** The finding keys of one version of a file, and whether it says which findings the file has. */
  private async versionOf(oid: string, path: string, chart: boolean): Promise<Version> {
    const id = blobKey(oid, path, chart);
    let version = this.versions.get(id);
    if (!version) {
      const { findings } = await this.evaluator.blob(oid, path, chart);
      // A file that did not parse: which findings its text would have is not known.
      version = { keys: findings.map((f) => stateKey(f)), unknown: this.evaluator.unknownState(oid) || findings.some((f) => f.ruleId === PARSE_ERROR) };
      this.versions.set(id, version);
    }
    return version;
  }
}
