import type { FileResult } from '../check/file-results.js';
import { checkFiles, resultOfFile } from '../check/files.js';
import type { CheckOptions, RunContext } from '../check/types.js';
import { checkOnThreads, threadsFor } from '../check/worker.js';
import { readBlobBytes, readerFor, readTreeEntries } from '../source/git.js';
import type { Selection } from '../source/select.js';
import type { SourceFile } from '../source/types.js';
import { parseConfigFile } from '../parse/documents.js';
import { applyConfigWaivers } from '../policy/evaluate.js';
import { evaluateRelations, mergeRelationFindings, type RelationOutcome } from '../relations/evaluate.js';
import { planProjection, unpackProjections, type PackedProjections } from '../relations/project.js';
import { isAtOrAbove } from '../report/exit-code.js';
import type { Finding, ResourceId } from '../report/types.js';

const SYMLINK_MODE = '120000';

/** What one version of one file says: its findings, and (on request) its documents. */
export interface BlobResult {
  findings: Finding[];
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

/** The gate's view of one tree (a commit's or a folder's): its failing findings. */
interface TreeResult {
  gating: Finding[];
}

/** A config file that differs between two trees: its blob in each (null where it is absent). */
export interface TreeChange {
  path: string;
  from: string | null;
  to: string | null;
}

type TreeEntry = { path: string; oid: string; type: string; mode: string };

/**
 * Evaluates commits from git objects, never by checking out. Results are cached per blob (with
 * its path, which globs and waivers see) and per tree: a subtree whose id did not change
 * between commits is not read again, so the cost of a history walk grows with what changed.
 * Per-blob results are also kept between runs, in the result cache `check` uses (the same key: path,
 * blob id, and run key of the rules and policy; never a chart template here), before config waivers.
 */
export class HistoryEvaluator {
  private readonly blobs = new Map<string, BlobResult>();
  private readonly trees = new Map<string, TreeResult>();
  private readonly treeEntries = new Map<string, TreeEntry[]>();
  private readonly outcomes = new Map<string, Promise<RelationOutcome | null>>();
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

  /**
   * Findings at or above the gate, unwaived, for a commit's tree: what check would gate on there. With
   * `full` every such finding; without, enough to decide pass or fail: a per-document finding that no
   * relation rule supersedes or satisfies fails the commit whatever its relations are, so the relation
   * phase runs only for a commit that could pass (and for the start commit, whose findings are listed).
   */
  async gatingFindings(treeOid: string, full = false): Promise<Finding[]> {
    const perDocument = await this.perDocumentGating(treeOid);
    if (!this.judgeRelations) return perDocument;
    if (!full && perDocument.some((f) => !this.removable.has(f.ruleId))) return perDocument;
    const outcome = await this.relationOutcome(treeOid);
    return outcome ? mergeRelationFindings(perDocument, outcome).filter((f) => this.gates(f)) : perDocument;
  }

  /** Whether a finding fails the gate: unwaived, at or above it. */
  protected gates(f: Finding): boolean {
    return !f.suppressed && isAtOrAbove(f.severity, this.ctx.failOn);
  }

  /** The gating findings of the tree's files (and rendered targets), one at a time. */
  protected async perDocumentGating(treeOid: string): Promise<Finding[]> {
    return (await this.tree(treeOid, '')).gating;
  }

  /** The files whose objects make up a commit's relation phase: its plain manifests (a rendered target judges its own). */
  protected async relationFiles(treeOid: string): Promise<SourceFile[]> {
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
    const again: SourceFile[] = [];
    for (const f of await this.relationFiles(treeOid)) {
      const b = await this.blob(f.oid!, f.path);
      if (b.projections === null) continue;
      if (b.projections !== undefined) {
        packed.push(b.projections);
        continue;
      }
      const stored = b.projectionsDigest === undefined ? cache?.get(f.path, f.oid!, false) : null;
      if (stored && stored.projectionsDigest === undefined) continue;
      const digest = b.projectionsDigest ?? stored?.projectionsDigest;
      const found = digest === undefined ? null : (cache?.projections(digest) ?? null);
      if (found === null) again.push(f);
      else packed.push(found);
    }
    if (again.length) packed.push(...(await checkFiles(again, this.ctx, { ...this.options, projectionsOnly: true }, { hits: new Map(), misses: again })).projections);
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
      let b = await this.blob(f.oid!, f.path);
      // Seeded from a check, which gave findings but no count: the result cache has it, else the blob is read.
      if (b.documentCount === null) {
        const stored = (await this.ctx.results)?.get(f.path, f.oid!, false);
        b = stored ? { ...b, documentCount: stored.documents } : await this.evaluateBlob(f.oid!, f.path);
      }
      out.findings.push(...b.findings);
      out.files++;
      out.documents += b.documentCount!;
    }
    return out;
  }

  /** The config files of a tree that the selection (the run's, unless given) wants, read by blob id. */
  async wantedFiles(treeOid: string, selection: Selection = this.ctx.selection): Promise<SourceFile[]> {
    const files: SourceFile[] = [];
    const visit = async (oid: string, prefix: string) => {
      for (const e of await this.entries(oid, prefix)) {
        const rel = prefix ? `${prefix}/${e.path}` : e.path;
        if (e.type === 'tree' && selection.wantDir(rel)) await visit(e.oid, rel);
        else if (e.type === 'blob' && e.mode !== SYMLINK_MODE && selection.wanted(rel)) files.push({ path: rel, oid: e.oid, read: readerFor(this.ctx.repo, e.oid, this.ctx.cache) });
      }
    };
    await visit(treeOid, '');
    return files;
  }

  /**
   * The config files that differ between two trees. Subtrees with the same id are skipped, so the
   * cost follows the size of the change, not of the tree.
   */
  async diffTrees(from: string | null, to: string | null, selection: Selection, prefix = ''): Promise<TreeChange[]> {
    if (from === to) return [];
    const changes: TreeChange[] = [];
    const side = async (oid: string | null) => new Map((oid ? await this.entries(oid, prefix) : []).map((e) => [e.path, e]));
    const [a, b] = await Promise.all([side(from), side(to)]);
    const isFile = (e: TreeEntry | undefined, rel: string) => e?.type === 'blob' && e.mode !== SYMLINK_MODE && selection.wanted(rel);
    const isDir = (e: TreeEntry | undefined, rel: string) => e?.type === 'tree' && selection.wantDir(rel);
    for (const name of new Set([...a.keys(), ...b.keys()])) {
      const x = a.get(name);
      const y = b.get(name);
      if (x && y && x.oid === y.oid && x.mode === y.mode) continue;
      const rel = prefix ? `${prefix}/${name}` : name;
      if (isDir(x, rel) || isDir(y, rel)) changes.push(...(await this.diffTrees(isDir(x, rel) ? x!.oid : null, isDir(y, rel) ? y!.oid : null, selection, rel)));
      const fx = isFile(x, rel) ? x!.oid : null;
      const fy = isFile(y, rel) ? y!.oid : null;
      if (fx !== fy) changes.push({ path: rel, from: fx, to: fy });
    }
    return changes;
  }

  /** The blob id of a path in a tree, or null. */
  async blobAt(treeOid: string, filePath: string): Promise<string | null> {
    let oid = treeOid;
    const parts = filePath.split('/');
    for (let i = 0; i < parts.length; i++) {
      const e = (await this.entries(oid, parts.slice(0, i).join('/'))).find((x) => x.path === parts[i]);
      if (!e) return null;
      if (i === parts.length - 1) return e.type === 'blob' ? e.oid : null;
      if (e.type !== 'tree') return null;
      oid = e.oid;
    }
    return null;
  }

  /** The parsed documents of one version of a file. */
  async documentsOf(oid: string, filePath: string): Promise<NonNullable<BlobResult['docs']>> {
    const cached = await this.blob(oid, filePath);
    return cached.docs ?? (await this.evaluateBlob(oid, filePath)).docs!;
  }

  /**
   * Checks the start commit's files on every core before the walk (the walk itself then
   * mostly hits the cache). Worth it for large trees; results carry no documents.
   */
  async prefill(treeOid: string, selection: Selection = this.ctx.selection): Promise<void> {
    const cache = await this.ctx.results;
    const files: SourceFile[] = [];
    for (const f of await this.wantedFiles(treeOid, selection)) {
      const key = `${f.oid}\u0000${f.path}`;
      if (this.blobs.has(key)) continue;
      const stored = cache?.get(f.path, f.oid!, false);
      if (stored) this.blobs.set(key, this.fromStored(stored));
      else files.push(f);
    }
    if (threadsFor(files.length, this.options.jobs) === 1) return;
    const { here: _done, workers, shares } = await checkOnThreads(this.ctx.repo, files, cache ? this.options : { ...this.options, cache: false }, async (share) => {
      for (const f of share) await this.blob(f.oid!, f.path);
    });
    workers.forEach((theirs, i) => {
      for (const f of theirs.fresh ?? []) cache?.setFresh(f);
      const byFile = new Map<string, Finding[]>();
      for (const f of theirs.findings) (byFile.get(f.file) ?? byFile.set(f.file, []).get(f.file)!).push(f);
      for (const f of shares[i + 1]!) {
        this.blobs.set(`${f.oid}\u0000${f.path}`, { findings: byFile.get(f.path) ?? [], documentCount: theirs.documentsPerFile[f.path] ?? 0 });
      }
    });
  }

  /** A tree's entries (`folder` names it in the error when the object is missing or damaged). */
  private async entries(oid: string, folder: string) {
    let list = this.treeEntries.get(oid);
    if (!list) this.treeEntries.set(oid, (list = await readTreeEntries(this.ctx.repo, oid, folder, this.ctx.cache)));
    return list;
  }

  private async tree(oid: string, prefix: string): Promise<TreeResult> {
    const key = `${oid}\u0000${prefix}`;
    const cached = this.trees.get(key);
    if (cached) return cached;
    const gating: Finding[] = [];
    for (const e of await this.entries(oid, prefix)) {
      const rel = prefix ? `${prefix}/${e.path}` : e.path;
      if (e.type === 'tree') {
        if (this.ctx.selection.wantDir(rel)) gating.push(...(await this.tree(e.oid, rel)).gating);
      } else if (e.type === 'blob' && e.mode !== SYMLINK_MODE && this.ctx.selection.wanted(rel)) {
        for (const f of (await this.blob(e.oid, rel)).findings) if (this.gates(f)) gating.push(f);
      }
    }
    const result = { gating };
    this.trees.set(key, result);
    return result;
  }

  /**
   * Takes the findings a check already has for one version of a file (the same rules, policy and
   * path give the same findings), so the walk does not parse it again.
   */
  seed(oid: string, filePath: string, findings: Finding[]): void {
    const key = `${oid}\u0000${filePath}`;
    if (!this.blobs.has(key)) this.blobs.set(key, { findings, documentCount: null });
  }

  /** What one version of one file says (cached per blob and path, in this run and between runs). */
  async blob(oid: string, filePath: string): Promise<BlobResult> {
    const key = `${oid}\u0000${filePath}`;
    const known = this.blobs.get(key);
    if (known) return known;
    const stored = (await this.ctx.results)?.get(filePath, oid, false);
    if (!stored) return this.evaluateBlob(oid, filePath);
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
    return { findings, documentCount: stored.documents, ...(stored.projectionsDigest === undefined ? { projections: null } : { projectionsDigest: stored.projectionsDigest }) };
  }

  private async evaluateBlob(oid: string, filePath: string): Promise<BlobResult> {
    const key = `${oid}\u0000${filePath}`;
    // A walk cannot judge a commit whose file it cannot read: a damaged clone, as a missing tree or commit is.
    const blob = await readBlobBytes(this.ctx.repo, oid, this.ctx.cache, `file "${filePath}" (blob ${oid})`);
    const parsed = parseConfigFile(filePath, blob, this.ctx.limits);
    // As check computes a file's result (before config waivers, with its projections): what the
    // result cache holds, and a later check of the same content takes. Helm templates are reported
    // by check; in history they neither pass nor fail a commit.
    const results = await this.ctx.results;
    const { result: stored } = resultOfFile(parsed, this.ctx, { plan: results || this.judgeRelations ? planProjection(this.ctx.rules) : null, findings: true, pack: true });
    parsed.release();
    results?.set(filePath, oid, false, stored);
    const projections = this.judgeRelations ? { projections: stored.projections ?? null } : {};
    const result: BlobResult = { ...this.fromStored(stored), ...projections, docs: parsed.documents.map((d) => ({ id: d.id, data: d.data })) };
    this.blobs.set(key, result);
    return result;
  }
}
