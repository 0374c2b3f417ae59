import type { FileResult } from '../check/file-results.js';
import { checkFiles, resultOfFile } from '../check/files.js';
import { CHART_TEMPLATES, isChartFile, isChartTemplate } from '../check/snapshot.js';
import type { CheckOptions, RunContext } from '../check/types.js';
import { checkOnThreads, threadsFor } from '../check/worker.js';
import { followTreeLink, mayBeFolderLink, readBlobBytes, readerFor, readTreeEntries, submoduleSkipped } from '../source/git.js';
import type { Selection } from '../source/select.js';
import type { SkippedEntry, SourceFile } from '../source/types.js';
import { parseConfigFile } from '../parse/documents.js';
import { applyConfigWaivers } from '../policy/evaluate.js';
import { evaluateRelations, mergeRelationFindings, type RelationOutcome } from '../relations/evaluate.js';
import { planProjection, unpackProjections, type PackedProjections } from '../relations/project.js';
import { failsGate, gatesFinding, notCheckedErrors } from '../report/exit-code.js';
import { findingFingerprint } from '../report/fingerprint.js';
import type { Finding, ReportError, ResourceId } from '../report/types.js';

const SYMLINK_MODE = '120000';

/** What one version of one file says: its findings, its errors (a template), and (on request) its documents. */
export interface BlobResult {
  findings: Finding[];
  /** What check lists under `errors` for the file: a template (`template` fails the gate, a chart's `helm-template` does not). */
  errors: ReportError[];
  /** Null when the findings were handed over by a check that did not count documents per file. */
  documentCount: number | null;
  /** The documents, kept for matching live state; absent when the result came from another thread. */
  docs?: { id: ResourceId | null; data: unknown }[];
  /**
   * For the relation phase of a commit: the file's packed projections, null when it has none, or
   * absent when not known here (then the result cache may have them by `projectionsDigest`, or the
   * blob is read again).
   */
  projections?: string | null;
  projectionsDigest?: string;
}

/** A file of a commit as check --ref reads it: a symlink is its target's blob under the link's path; a file under a chart's templates/ is a chart template. */
export interface HistoryFile extends SourceFile {
  chart: boolean;
}

/**
 * What fails the gate in one commit, as check of it would judge: the findings at or above the gate,
 * unwaived, and the errors that stand for what was not checked (a target not rendered, a template
 * outside a chart, a symlink out of the repository, a submodule). `passes` decides with check's own rule.
 */
export interface GateFailures {
  findings: Finding[];
  errors: ReportError[];
}

/** The gate's view of one subtree: its files' failing findings, and the errors of its files and entries. */
interface TreeResult {
  gating: Finding[];
  errors: ReportError[];
}

/** An entry of a tree that is not a plain file: a symlink (followed per commit, since what it leads to may be anywhere in it) or a submodule. */
interface SpecialEntry {
  path: string;
  oid: string;
  /** `folder-link`: an extension-less link where a folder is wanted; only one out of the repository says anything. */
  kind: 'file-link' | 'folder-link' | 'submodule';
  chart: boolean;
}
const NONE: SpecialEntry[] = [];

/** A config file that differs between two trees: its blob in each (null where it is absent), and whether it is a chart template there. */
export interface TreeChange {
  path: string;
  from: string | null;
  to: string | null;
  fromChart?: boolean;
  toChart?: boolean;
}

type TreeEntry = { path: string; oid: string; type: string; mode: string };

/** One version of one file as the walk judges it: its blob, its path (globs and waivers see it), whether it is a chart template there. */
export const blobKey = (oid: string, path: string, chart: boolean) => `${oid}\u0000${path}${chart ? '\u0000chart' : ''}`;
/** Whether a subfolder `name` is (in) a chart's templates: its parent is, or holds a Chart.yaml and this is its templates/ (isChartTemplate's rule, by folder). */
const inChartTemplates = (parentIs: boolean, parentHoldsChart: boolean, name: string): boolean => parentIs || (parentHoldsChart && name === CHART_TEMPLATES);
const join = (prefix: string, name: string) => (prefix ? `${prefix}/${name}` : name);
const skippedError = (s: SkippedEntry): ReportError => ({ code: s.code, file: s.path, line: null, message: s.message });

/**
 * Evaluates commits from git objects, never by checking out, reading each commit as `check --ref`
 * does (symlinks followed inside the commit, submodules and templates listed, Helm chart templates
 * known as such). Results are cached per blob (with its path, which globs and waivers see, and
 * whether it is a chart template) and per tree: a subtree whose id did not change between commits is
 * not read again, so the cost of a history walk grows with what changed. Per-blob results are also
 * kept between runs, in the result cache `check` uses (the same key: path, blob id, chart template or
 * not, and run key of the rules and policy), before config waivers.
 */
export class HistoryEvaluator {
  private readonly blobs = new Map<string, BlobResult>();
  private readonly trees = new Map<string, TreeResult>();
  private readonly treeEntries = new Map<string, TreeEntry[]>();
  private readonly outcomes = new Map<string, Promise<RelationOutcome | null>>();
  /** The symlinks and submodules under each subtree a selection wants (by tree id, folder and chart context). */
  private readonly specials = new WeakMap<Selection, Map<string, Promise<SpecialEntry[]>>>();
  /** Each symlink of each commit, followed (by root tree, link path and link blob). */
  private readonly followed = new Map<string, Promise<{ oid: string } | SkippedEntry | null>>();
  /** The Helm chart roots under each subtree (by tree id and folder). */
  private readonly charts = new Map<string, Promise<string[]>>();
  /**
   * Judge commits as check does, relation rules included (rollback): a commit passes only if its
   * per-document findings merged with its relation phase leave nothing at or above the gate.
   * Blame alone follows findings file by file and needs no relation phase.
   */
  judgeRelations = false;
  /** Per-document rules whose findings a relation rule can remove (it supersedes or satisfies them). */
  private readonly removable: ReadonlySet<string>;

  constructor(
    private readonly ctx: RunContext,
    /** The run's options, for a worker thread to set up the same rules and policy. */
    private readonly options: CheckOptions = { cwd: ctx.repo.dir },
  ) {
    this.removable = new Set(ctx.rules.flatMap((r) => (r.relation ? [...(r.supersedes ?? []), ...(r.relation.satisfies ?? [])] : [])));
  }

  /** Whether a relation rule can remove a file's findings (supersedes, satisfies): then check's findings of a file are not the file's own in another commit. */
  get relationsRemoveFindings(): boolean {
    return this.removable.size > 0;
  }

  /** Whether check would pass a commit with these failures: the exit-code rule itself (a finding that gates, or anything not checked). */
  passes(f: GateFailures): boolean {
    return !failsGate(f.findings, f.errors, this.ctx.failOn);
  }

  /**
   * What fails the gate in a commit's tree: what check would gate on there. With `full` every such
   * finding and error; without, enough to decide pass or fail: an error, or a per-document finding
   * that no relation rule supersedes or satisfies, fails the commit whatever its relations are, so the
   * relation phase runs only for a commit that could pass (and for the start commit, whose findings are listed).
   */
  async gateFailures(treeOid: string, full = false): Promise<GateFailures> {
    const perDocument = await this.perDocumentFailures(treeOid);
    const counted = this.withoutAccepted(perDocument);
    if (!this.judgeRelations) return counted;
    if (!full && (counted.errors.length > 0 || counted.findings.some((f) => !this.removable.has(f.ruleId)))) return counted;
    const outcome = await this.relationOutcome(treeOid);
    return outcome ? this.withoutAccepted({ findings: mergeRelationFindings(perDocument.findings, outcome).filter((f) => this.gates(f)), errors: perDocument.errors }) : counted;
  }

  /**
   * Fingerprints of accepted findings (scan's baseline and --new-since): they fail no commit, as they
   * fail no check. Applied to what a commit fails with, never to what is cached per file.
   */
  accepted: ReadonlySet<string> = new Set();

  private withoutAccepted(f: GateFailures): GateFailures {
    return this.accepted.size === 0 ? f : { findings: f.findings.filter((x) => !this.accepted.has(findingFingerprint(x))), errors: f.errors };
  }

  /** Whether a finding fails the gate: unwaived, at or above it. */
  protected gates(f: Finding): boolean {
    return gatesFinding(f, this.ctx.failOn);
  }

  /** Of a commit's errors, those that fail the gate as they fail check (see notCheckedErrors). */
  protected notChecked(errors: readonly ReportError[]): ReportError[] {
    return notCheckedErrors(errors, this.ctx.failOn);
  }

  /** The gate's failures of the tree's files (and rendered targets), one at a time, and of what was not checked. */
  protected async perDocumentFailures(treeOid: string): Promise<GateFailures> {
    const tree = await this.tree(treeOid, '', false);
    const findings = [...tree.gating];
    const specials = await this.specialsOf(treeOid, this.ctx.selection);
    const errors = [...tree.errors, ...specials.errors];
    // A symlink is followed within each commit (what it leads to may be anywhere): not part of a subtree's result.
    for (const f of specials.files) {
      const b = await this.blob(f.oid!, f.path, f.chart);
      findings.push(...b.findings.filter((x) => this.gates(x)));
      errors.push(...b.errors);
    }
    return { findings, errors: this.notChecked(errors) };
  }

  /** The files whose objects make up a commit's relation phase: its plain manifests (a rendered target judges its own). */
  protected async relationFiles(treeOid: string): Promise<HistoryFile[]> {
    return this.wantedFiles(treeOid);
  }

  /**
   * The relation phase over one commit's files, as check runs it over the work tree: each file's
   * projections from this walk, else from the result cache, else by reading the blob again; config
   * waivers applied. Null when no relation rule runs.
   */
  relationOutcome(treeOid: string): Promise<RelationOutcome | null> {
    let outcome = this.outcomes.get(treeOid);
    if (!outcome) this.outcomes.set(treeOid, (outcome = this.computeRelations(treeOid)));
    return outcome;
  }

  private async computeRelations(treeOid: string): Promise<RelationOutcome | null> {
    if (!this.ctx.rules.some((r) => r.relation)) return null;
    const cache = await this.ctx.results;
    const packed: PackedProjections[] = [];
    const again: HistoryFile[] = [];
    for (const f of await this.relationFiles(treeOid)) {
      const b = await this.blob(f.oid!, f.path, f.chart);
      if (b.projections === null) continue;
      if (b.projections !== undefined) {
        packed.push(b.projections);
        continue;
      }
      const stored = b.projectionsDigest === undefined ? cache?.get(f.path, f.oid!, f.chart) : null;
      if (stored && stored.projectionsDigest === undefined) continue;
      const digest = b.projectionsDigest ?? stored?.projectionsDigest;
      const found = digest === undefined ? null : (cache?.projections(digest) ?? null);
      if (found === null) again.push(f);
      else packed.push(found);
    }
    if (again.length) {
      const chartRoots = await this.chartRootsOf(treeOid);
      packed.push(...(await checkFiles(again, this.ctx, { ...this.options, projectionsOnly: true, chartRoots }, { hits: new Map(), misses: again })).projections);
    }
    const outcome = evaluateRelations(unpackProjections(packed), this.ctx.rules, { ...this.ctx.policy, waivers: [] });
    applyConfigWaivers(outcome.findings, this.ctx.waivers);
    return outcome;
  }

  /** Every finding of a commit's tree (its relation phase's too, when commits are judged with it), and how many files and documents it has (for the report). */
  async allFindings(treeOid: string): Promise<{ findings: Finding[]; files: number; documents: number }> {
    const all = await this.fileFindings(treeOid);
    const outcome = this.judgeRelations ? await this.relationOutcome(treeOid) : null;
    return outcome ? { ...all, findings: mergeRelationFindings(all.findings, outcome) } : all;
  }

  private async fileFindings(treeOid: string): Promise<{ findings: Finding[]; files: number; documents: number }> {
    const out = { findings: [] as Finding[], files: 0, documents: 0 };
    for (const f of await this.wantedFiles(treeOid)) {
      let b = await this.blob(f.oid!, f.path, f.chart);
      // Seeded from a check, which gave findings but no count: the result cache has it, else the blob is read.
      if (b.documentCount === null) {
        const stored = (await this.ctx.results)?.get(f.path, f.oid!, f.chart);
        b = stored ? { ...b, documentCount: stored.documents } : await this.evaluateBlob(f.oid!, f.path, f.chart);
      }
      out.findings.push(...b.findings);
      out.files++;
      out.documents += b.documentCount!;
    }
    return out;
  }

  /**
   * The config files of a tree that the selection (the run's, unless given) wants, read by blob id, as
   * check --ref lists them: a symlink inside the commit stands for its target, under its own path.
   */
  async wantedFiles(treeOid: string, selection: Selection = this.ctx.selection): Promise<HistoryFile[]> {
    const files: HistoryFile[] = [];
    const visit = async (oid: string, prefix: string, chart: boolean) => {
      const entries = await this.entries(oid, prefix);
      const holdsChart = this.holdsChart(entries, prefix);
      for (const e of entries) {
        const rel = join(prefix, e.path);
        if (e.type === 'tree' && selection.wantDir(rel)) await visit(e.oid, rel, inChartTemplates(chart, holdsChart, e.path));
        else if (e.type === 'blob' && e.mode !== SYMLINK_MODE && selection.wanted(rel)) files.push(this.fileOf(rel, e.oid, chart));
      }
    };
    await visit(treeOid, '', false);
    files.push(...(await this.specialsOf(treeOid, selection)).files);
    return files;
  }

  private fileOf(path: string, oid: string, chart: boolean): HistoryFile {
    return { path, oid, read: readerFor(this.ctx.repo, oid, this.ctx.cache), chart };
  }

  /** Whether a folder holds a Chart.yaml the run wants: its templates/ folder holds chart templates (check's findChartRoots). */
  private holdsChart(entries: readonly TreeEntry[], prefix: string): boolean {
    return entries.some((e) => e.type === 'blob' && isChartFile(e.path) && this.ctx.selection.wanted(join(prefix, e.path)));
  }

  /** The Helm chart roots of a tree, as check gives them to the files it reads (`chartRoots`). */
  private chartRootsOf(treeOid: string, prefix = ''): Promise<string[]> {
    const key = `${treeOid}\u0000${prefix}`;
    let roots = this.charts.get(key);
    if (!roots) {
      roots = (async () => {
        const entries = await this.entries(treeOid, prefix);
        const out = this.holdsChart(entries, prefix) ? [prefix ? `${prefix}/` : ''] : [];
        for (const e of entries) {
          const rel = join(prefix, e.path);
          if (e.type === 'tree' && this.ctx.selection.wantDir(rel)) out.push(...(await this.chartRootsOf(e.oid, rel)));
        }
        return out;
      })();
      this.charts.set(key, roots);
    }
    return roots;
  }

  /**
   * What a commit's symlinks and submodules under the selection come to, as check --ref reads them: a
   * file link that leads to a file inside the commit is that file (under the link's path); one out of
   * the repository, to nothing or in a loop, a folder link out of the repository, and a submodule are errors.
   */
  protected async specialsOf(treeOid: string, selection: Selection): Promise<{ files: HistoryFile[]; errors: ReportError[] }> {
    const files: HistoryFile[] = [];
    const errors: ReportError[] = [];
    for (const s of await this.specialEntries(treeOid, '', false, selection)) {
      const r = await this.readSpecial(treeOid, s);
      if (r === null) continue;
      if ('oid' in r) files.push(this.fileOf(s.path, r.oid, s.chart));
      else errors.push(skippedError(r));
    }
    return { files, errors };
  }

  /** The symlinks and submodules under a subtree (cached per tree id, folder and chart context, for each selection): most subtrees have none. */
  private specialEntries(oid: string, prefix: string, chart: boolean, selection: Selection): Promise<SpecialEntry[]> {
    let index = this.specials.get(selection);
    if (!index) this.specials.set(selection, (index = new Map()));
    const key = `${oid}\u0000${prefix}\u0000${chart ? 1 : 0}`;
    let known = index.get(key);
    if (!known) {
      known = (async () => {
        const entries = await this.entries(oid, prefix);
        const holdsChart = this.holdsChart(entries, prefix);
        const out: SpecialEntry[] = [];
        for (const e of entries) {
          const rel = join(prefix, e.path);
          if (e.type === 'tree') {
            if (selection.wantDir(rel)) out.push(...(await this.specialEntries(e.oid, rel, inChartTemplates(chart, holdsChart, e.path), selection)));
          } else if (e.type === 'commit') {
            if (selection.wantDir(rel)) out.push({ path: rel, oid: e.oid, kind: 'submodule', chart });
          } else if (e.mode === SYMLINK_MODE) {
            if (selection.wanted(rel)) out.push({ path: rel, oid: e.oid, kind: 'file-link', chart });
            else if (mayBeFolderLink(rel, selection.wantDir)) out.push({ path: rel, oid: e.oid, kind: 'folder-link', chart });
          }
        }
        return out.length ? out : NONE;
      })();
      index.set(key, known);
    }
    return known;
  }

  /** A symlink followed within one commit (by its root tree), or a submodule's error entry; null when there is nothing to say. */
  private readSpecial(rootTree: string, s: SpecialEntry): Promise<{ oid: string } | SkippedEntry | null> {
    if (s.kind === 'submodule') return Promise.resolve(submoduleSkipped(s.path));
    const key = `${rootTree}\u0000${s.path}\u0000${s.oid}`;
    let r = this.followed.get(key);
    if (!r) this.followed.set(key, (r = followTreeLink(this.ctx.repo, rootTree, { path: s.path, oid: s.oid, folder: s.kind === 'folder-link' }, this.ctx.cache)));
    return r;
  }

  /**
   * The config files that differ between two commits' trees. Subtrees with the same id (and the same
   * chart context) are skipped, so the cost follows the size of the change, not of the tree; a symlink's
   * file differs when what it leads to does.
   */
  async diffTrees(from: string | null, to: string | null, selection: Selection): Promise<TreeChange[]> {
    if (from === to) return [];
    const changes = await this.diffFolders(from, to, selection, '', [false, false]);
    const linked = async (oid: string | null) => new Map(oid ? (await this.specialsOf(oid, selection)).files.map((f) => [f.path, f]) : []);
    const [a, b] = await Promise.all([linked(from), linked(to)]);
    for (const p of new Set([...a.keys(), ...b.keys()])) {
      const x = a.get(p);
      const y = b.get(p);
      if (x?.oid === y?.oid && x?.chart === y?.chart) continue;
      changes.push({ path: p, from: x?.oid ?? null, to: y?.oid ?? null, fromChart: x?.chart ?? false, toChart: y?.chart ?? false });
    }
    return changes;
  }

  private async diffFolders(from: string | null, to: string | null, selection: Selection, prefix: string, chart: readonly [boolean, boolean]): Promise<TreeChange[]> {
    if (from === to && chart[0] === chart[1]) return [];
    const changes: TreeChange[] = [];
    const [ea, eb] = await Promise.all([from ? this.entries(from, prefix) : [], to ? this.entries(to, prefix) : []]);
    const a = new Map(ea.map((e) => [e.path, e]));
    const b = new Map(eb.map((e) => [e.path, e]));
    const charts = [this.holdsChart(ea, prefix), this.holdsChart(eb, prefix)];
    const isFile = (e: TreeEntry | undefined, rel: string) => e?.type === 'blob' && e.mode !== SYMLINK_MODE && selection.wanted(rel);
    const isDir = (e: TreeEntry | undefined, rel: string) => e?.type === 'tree' && selection.wantDir(rel);
    for (const name of new Set([...a.keys(), ...b.keys()])) {
      const x = a.get(name);
      const y = b.get(name);
      // A folder's files are chart templates by its context; its subfolders get theirs from it.
      const inner = [inChartTemplates(chart[0], charts[0]!, name), inChartTemplates(chart[1], charts[1]!, name)] as const;
      const sameContext = x?.type === 'tree' ? inner[0] === inner[1] : chart[0] === chart[1];
      if (x && y && x.oid === y.oid && x.mode === y.mode && sameContext) continue;
      const rel = join(prefix, name);
      if (isDir(x, rel) || isDir(y, rel)) changes.push(...(await this.diffFolders(isDir(x, rel) ? x!.oid : null, isDir(y, rel) ? y!.oid : null, selection, rel, inner)));
      const fx = isFile(x, rel) ? x!.oid : null;
      const fy = isFile(y, rel) ? y!.oid : null;
      if (fx !== fy || (fx !== null && chart[0] !== chart[1])) changes.push({ path: rel, from: fx, to: fy, fromChart: chart[0], toChart: chart[1] });
    }
    return changes;
  }

  /** The blob id of a path in a tree (a symlink's is what it leads to), or null. */
  async blobAt(treeOid: string, filePath: string): Promise<string | null> {
    return (await this.fileAt(treeOid, filePath))?.oid ?? null;
  }

  /** The blob of a path in a tree as check reads it (a symlink followed), and whether it is a chart template there; null when there is none. */
  async fileAt(treeOid: string, filePath: string): Promise<{ oid: string; chart: boolean } | null> {
    let oid = treeOid;
    const parts = filePath.split('/');
    for (let i = 0; i < parts.length; i++) {
      const e = (await this.entries(oid, parts.slice(0, i).join('/'))).find((x) => x.path === parts[i]);
      if (!e) return null;
      if (i === parts.length - 1) {
        if (e.type !== 'blob') return null;
        const chart = isChartTemplate(filePath, await this.chartRootsOf(treeOid));
        if (e.mode !== SYMLINK_MODE) return { oid: e.oid, chart };
        const r = await this.readSpecial(treeOid, { path: filePath, oid: e.oid, kind: 'file-link', chart });
        return r && 'oid' in r ? { oid: r.oid, chart } : null;
      }
      if (e.type !== 'tree') return null;
      oid = e.oid;
    }
    return null;
  }

  /** The parsed documents of one version of a file. */
  async documentsOf(oid: string, filePath: string, chart = false): Promise<NonNullable<BlobResult['docs']>> {
    const cached = await this.blob(oid, filePath, chart);
    return cached.docs ?? (await this.evaluateBlob(oid, filePath, chart)).docs!;
  }

  /**
   * Checks the start commit's files on every core before the walk (the walk itself then
   * mostly hits the cache). Worth it for large trees; results carry no documents.
   */
  async prefill(treeOid: string, selection: Selection = this.ctx.selection): Promise<void> {
    const cache = await this.ctx.results;
    const files: HistoryFile[] = [];
    for (const f of await this.wantedFiles(treeOid, selection)) {
      const key = blobKey(f.oid!, f.path, f.chart);
      if (this.blobs.has(key)) continue;
      const stored = cache?.get(f.path, f.oid!, f.chart);
      if (stored) this.blobs.set(key, this.fromStored(stored));
      else files.push(f);
    }
    if (threadsFor(files.length, this.options.jobs) === 1) return;
    const chartRoots = await this.chartRootsOf(treeOid);
    const charts = new Set(files.filter((f) => f.chart).map((f) => f.path));
    const options = { ...(cache ? this.options : { ...this.options, cache: false }), chartRoots };
    const { here: _done, workers, shares } = await checkOnThreads(this.ctx.repo, files, options, async (share) => {
      for (const f of share) await this.blob(f.oid!, f.path, charts.has(f.path));
    });
    workers.forEach((theirs, i) => {
      for (const f of theirs.fresh ?? []) cache?.setFresh(f);
      const findings = new Map<string, Finding[]>();
      const errors = new Map<string, ReportError[]>();
      for (const f of theirs.findings) (findings.get(f.file) ?? findings.set(f.file, []).get(f.file)!).push(f);
      for (const e of theirs.errors) if (e.file !== null) (errors.get(e.file) ?? errors.set(e.file, []).get(e.file)!).push(e);
      for (const f of shares[i + 1]!) {
        const result = { findings: findings.get(f.path) ?? [], errors: errors.get(f.path) ?? [], documentCount: theirs.documentsPerFile[f.path] ?? 0 };
        this.blobs.set(blobKey(f.oid!, f.path, charts.has(f.path)), result);
      }
    });
  }

  /** A tree's entries (`folder` names it in the error when the object is missing or damaged). */
  private async entries(oid: string, folder: string) {
    let list = this.treeEntries.get(oid);
    if (!list) this.treeEntries.set(oid, (list = await readTreeEntries(this.ctx.repo, oid, folder, this.ctx.cache)));
    return list;
  }

  private async tree(oid: string, prefix: string, chart: boolean): Promise<TreeResult> {
    const key = `${oid}\u0000${prefix}\u0000${chart ? 1 : 0}`;
    const cached = this.trees.get(key);
    if (cached) return cached;
    const gating: Finding[] = [];
    const errors: ReportError[] = [];
    const entries = await this.entries(oid, prefix);
    const holdsChart = this.holdsChart(entries, prefix);
    for (const e of entries) {
      const rel = join(prefix, e.path);
      if (e.type === 'tree') {
        if (!this.ctx.selection.wantDir(rel)) continue;
        const sub = await this.tree(e.oid, rel, inChartTemplates(chart, holdsChart, e.path));
        gating.push(...sub.gating);
        errors.push(...sub.errors);
      } else if (e.type === 'blob' && e.mode !== SYMLINK_MODE && this.ctx.selection.wanted(rel)) {
        const b = await this.blob(e.oid, rel, chart);
        for (const f of b.findings) if (this.gates(f)) gating.push(f);
        errors.push(...b.errors);
      }
    }
    const result = { gating, errors };
    this.trees.set(key, result);
    return result;
  }

  /**
   * Whether a version says nothing about which findings its file has: a kustomize target that did
   * not render in that commit (see TargetHistoryEvaluator). A file that did not parse says so by its
   * parse-error finding (FindingTracer reads it there).
   */
  unknownState(_oid: string): boolean {
    return false;
  }

  /**
   * Takes what a check already has for one version of a file (the same rules, policy, path and chart
   * context give the same result), so the walk does not parse it again.
   */
  seed(oid: string, filePath: string, chart: boolean, result: Pick<BlobResult, 'findings' | 'errors'>): void {
    const key = blobKey(oid, filePath, chart);
    if (!this.blobs.has(key)) this.blobs.set(key, { findings: result.findings, errors: result.errors, documentCount: null });
  }

  /** What one version of one file says (cached per blob, path and chart context, in this run and between runs). */
  async blob(oid: string, filePath: string, chart = false): Promise<BlobResult> {
    const key = blobKey(oid, filePath, chart);
    const known = this.blobs.get(key);
    if (known) return known;
    const stored = (await this.ctx.results)?.get(filePath, oid, chart);
    if (!stored) return this.evaluateBlob(oid, filePath, chart);
    const result = this.fromStored(stored);
    this.blobs.set(key, result);
    return result;
  }

  /** Writes the results this run computed to the result cache (call once the walk is done). */
  async save(): Promise<void> {
    (await this.ctx.results)?.save();
  }

  /** A stored result as the walk uses it: config waivers applied (they come after the cache); its projections by digest. */
  private fromStored(stored: FileResult): BlobResult {
    const findings = stored.findings.map((f) => ({ ...f }));
    applyConfigWaivers(findings, this.ctx.waivers);
    const errors = stored.errors.map((e) => ({ ...e }));
    return { findings, errors, documentCount: stored.documents, ...(stored.projectionsDigest === undefined ? { projections: null } : { projectionsDigest: stored.projectionsDigest }) };
  }

  private async evaluateBlob(oid: string, filePath: string, chart: boolean): Promise<BlobResult> {
    const key = blobKey(oid, filePath, chart);
    // A walk cannot judge a commit whose file it cannot read: a damaged clone, as a missing tree or commit is.
    const blob = await readBlobBytes(this.ctx.repo, oid, this.ctx.cache, `file "${filePath}" (blob ${oid})`);
    const parsed = parseConfigFile(filePath, blob, this.ctx.limits, { chartTemplate: chart });
    // As check computes a file's result (before config waivers, with its projections): what the
    // result cache holds, and a later check of the same content takes. A template is listed as
    // check lists it (outside a chart it fails the commit, as it fails check).
    const results = await this.ctx.results;
    const { result: stored } = resultOfFile(parsed, this.ctx, { plan: results || this.judgeRelations ? planProjection(this.ctx.rules) : null, findings: true, pack: true });
    parsed.release();
    results?.set(filePath, oid, chart, stored);
    const projections = this.judgeRelations ? { projections: stored.projections ?? null } : {};
    const result: BlobResult = { ...this.fromStored(stored), ...projections, docs: parsed.documents.map((d) => ({ id: d.id, data: d.data })) };
    this.blobs.set(key, result);
    return result;
  }
}
