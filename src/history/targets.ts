import { createHash } from 'node:crypto';
import { applyConfigWaivers } from '../policy/evaluate.js';
import type { Finding, ReportError } from '../report/types.js';
import type { CheckOptions, RunContext } from '../check/types.js';
import { renderedFileOf } from '../check/external-render.js';
import { evaluateRenderedTarget, normalizeTarget, noSuchTarget, planTargets, readableFiles, renderKustomizeTarget, type TargetPlan } from '../check/targets.js';
import { readTreeEntries } from '../source/git.js';
import { createSelection, type Selection } from '../source/select.js';
import { HistoryEvaluator, type BlobResult, type GateFailures, type HistoryFile, type TreeChange } from './evaluator.js';
import { isKustomizationFile } from '../kustomize/targets.js';

/** What a target of one commit says: its findings and objects, or (not rendered) no objects and the errors that stop its render, which fail the commit as they fail check. */
interface TargetResult extends BlobResult {
  inputs: string[];
}

/** The targets of one commit's tree, and which of its files are theirs. */
interface TreeTargets {
  plan: TargetPlan | null;
  /** Pseudo path of each target rendered in this tree → the key of its result. */
  keys: Map<string, string>;
}

/**
 * The path a rendered target has in the history walk, beside the tree's files: findings and
 * resources are followed through it as through a file, and its "blob id" changes only when one of
 * the files the render read changes. The same name as an external renderer's output
 * (`<target>/(rendered)`): what the target renders to.
 */
export const targetPathOf = renderedFileOf;
const isTargetPath = (p: string) => p === '(rendered)' || p.endsWith('/(rendered)');

const EVERY_FILE = createSelection({ include: ['**'] });
/** How the result key of a target that did not render in a commit starts. */
const NOT_RENDERED = 'not-rendered:';

/**
 * The history evaluator for repositories with kustomizations: each commit's files that are part of a
 * kustomization are not evaluated on their own; each target rendered from that commit's git objects
 * stands in for them. A target is rendered again only when a file it read changed (its result is kept
 * by the blob ids of its inputs), so a walk costs what the changes cost. External renderers read the
 * working tree, never a commit: history does not follow them.
 */
export class TargetHistoryEvaluator extends HistoryEvaluator {
  private readonly treeTargets = new Map<string, Promise<TreeTargets>>();
  private readonly results = new Map<string, TargetResult>();
  /** For each target, the inputs (and their blob ids) of each version rendered: a tree with the same ones has the same result. */
  private readonly versions = new Map<string, { inputs: string[]; oids: string; key: string }[]>();
  /** Whether a tree (by id) holds a kustomization anywhere: an unchanged subtree is not looked at again. */
  private readonly holdsKustomization = new Map<string, Promise<boolean>>();

  constructor(
    private readonly run: RunContext,
    private readonly runOptions: CheckOptions = { cwd: run.repo.dir },
  ) {
    super(run, runOptions);
  }

  override async wantedFiles(treeOid: string, selection?: Selection): Promise<HistoryFile[]> {
    const files = await super.wantedFiles(treeOid, selection);
    const t = await this.targetsOf(treeOid);
    if (!t.plan) return files;
    const plain = this.runOptions.target?.length ? [] : files.filter((f) => !t.plan!.owned(f.path));
    const rendered: HistoryFile[] = [];
    for (const [p, key] of t.keys) {
      // Known to the base class as a result, so it never hands a rendered target to a thread to read.
      this.seed(key, p, false, this.results.get(key)!);
      rendered.push({ path: p, oid: key, chart: false, read: () => Promise.reject(new Error(`${p} is a rendered target, not a file`)) });
    }
    return [...plain, ...rendered];
  }

  /** A target that did not render in a commit: which findings it would have there is not known. */
  override unknownState(oid: string): boolean {
    return oid.startsWith(NOT_RENDERED);
  }

  override async blob(oid: string, filePath: string, chart = false): Promise<BlobResult> {
    return this.results.get(oid) ?? super.blob(oid, filePath, chart);
  }

  override async fileAt(treeOid: string, filePath: string): Promise<{ oid: string; chart: boolean } | null> {
    if (!isTargetPath(filePath)) return super.fileAt(treeOid, filePath);
    const key = (await this.targetsOf(treeOid)).keys.get(filePath);
    return key ? { oid: key, chart: false } : null;
  }

  /** As check judges a commit with targets: its plain files, each rendered target (or why it did not render), and its symlinks and submodules. */
  protected override async perDocumentFailures(treeOid: string): Promise<GateFailures> {
    const t = await this.targetsOf(treeOid);
    if (!t.plan) return super.perDocumentFailures(treeOid);
    const findings: Finding[] = [];
    const errors: ReportError[] = [...(await this.specialsOf(treeOid, this.run.selection)).errors];
    for (const f of await this.wantedFiles(treeOid)) {
      const b = await this.blob(f.oid!, f.path, f.chart);
      for (const x of b.findings) if (this.gates(x)) findings.push(x);
      errors.push(...b.errors);
    }
    return { findings, errors: this.notChecked(errors) };
  }

  /** A rendered target's relations are judged among its own objects (in its result): the commit's relation phase is its plain files'. */
  protected override async relationFiles(treeOid: string): Promise<HistoryFile[]> {
    return (await this.wantedFiles(treeOid)).filter((f) => !isTargetPath(f.path));
  }

  override async diffTrees(from: string | null, to: string | null, selection: Selection): Promise<TreeChange[]> {
    const changes = await super.diffTrees(from, to, selection);
    // Files are compared by the base class; targets and ownership are a whole tree's.
    if (from === to) return changes;
    const a = from ? await this.targetsOf(from) : null;
    const b = to ? await this.targetsOf(to) : null;
    if (!a?.plan && !b?.plan) return changes;
    const out: TreeChange[] = [];
    const plainOnly = !this.runOptions.target?.length;
    for (const c of changes) {
      const before = c.from && plainOnly && !a?.plan?.owned(c.path) ? c.from : null;
      const after = c.to && plainOnly && !b?.plan?.owned(c.path) ? c.to : null;
      if (before !== after || (before !== null && c.fromChart !== c.toChart)) out.push({ ...c, from: before, to: after });
    }
    for (const p of new Set([...(a?.keys.keys() ?? []), ...(b?.keys.keys() ?? [])])) {
      const x = a?.keys.get(p) ?? null;
      const y = b?.keys.get(p) ?? null;
      if (x !== y) out.push({ path: p, from: x, to: y });
    }
    return out;
  }

  /** --target names targets of the commit the walk starts from (an unknown one is an error, as for check). */
  async checkTargetsExist(treeOid: string): Promise<void> {
    const wanted = this.runOptions.target ?? [];
    if (wanted.length === 0) return;
    const { plan } = await this.targetsOf(treeOid);
    for (const t of wanted.map(normalizeTarget)) {
      if (plan && (plan.names.includes(t) || plan.kustDirs.has(t))) continue;
      throw noSuchTarget(t, plan?.names ?? []);
    }
  }

  /** The files a target read in a commit (none when the commit does not have it or it did not render). */
  async inputsAt(treeOid: string, target: string): Promise<string[]> {
    const key = (await this.targetsOf(treeOid)).keys.get(targetPathOf(target));
    return key ? (this.results.get(key)?.inputs ?? []) : [];
  }

  /** Every file of a commit, the targets it has, and the result of each (rendered or reused). */
  private targetsOf(treeOid: string): Promise<TreeTargets> {
    let t = this.treeTargets.get(treeOid);
    if (!t) this.treeTargets.set(treeOid, (t = this.computeTargets(treeOid)));
    return t;
  }

  private hasKustomization(treeOid: string, folder = ''): Promise<boolean> {
    let known = this.holdsKustomization.get(treeOid);
    if (!known) {
      known = (async () => {
        const tree = await readTreeEntries(this.run.repo, treeOid, folder, this.run.cache);
        if (tree.some((e) => e.type === 'blob' && isKustomizationFile(e.path))) return true;
        for (const e of tree) if (e.type === 'tree' && (await this.hasKustomization(e.oid, folder ? `${folder}/${e.path}` : e.path))) return true;
        return false;
      })();
      this.holdsKustomization.set(treeOid, known);
    }
    return known;
  }

  private async computeTargets(treeOid: string): Promise<TreeTargets> {
    // Most commits of most repositories: no kustomization, no render entry, nothing to list in full.
    const { kustomize, render } = this.run.config.config;
    if (!render?.length && (kustomize === 'off' || !(await this.hasKustomization(treeOid)))) return { plan: null, keys: new Map() };
    const all = await super.wantedFiles(treeOid, EVERY_FILE);
    const files = readableFiles({ files: all });
    const plan = await planTargets(
      all.map((f) => f.path),
      files,
      { config: this.run.config, only: this.runOptions.target },
      true,
    );
    const keys = new Map<string, string>();
    if (!plan) return { plan, keys };
    const oidOf = new Map(all.map((f) => [f.path, f.oid!]));
    const external = new Set(plan.entries.map((e) => e.path));
    for (const target of plan.chosen) {
      if (external.has(target)) continue;
      const known = (this.versions.get(target) ?? []).find((v) => v.oids === v.inputs.map((i) => oidOf.get(i) ?? '').join(','));
      if (known) {
        keys.set(targetPathOf(target), known.key);
        continue;
      }
      const out = await renderKustomizeTarget(target, files);
      // A target that does not render has no findings; it has check's errors (not-rendered), which fail the commit. Its result is this tree's alone.
      if (!('rendered' in out)) {
        const key = `${NOT_RENDERED}${target}:${treeOid}`;
        this.results.set(key, { findings: [], errors: out.errors, documentCount: 0, docs: [], inputs: [] });
        keys.set(targetPathOf(target), key);
        continue;
      }
      const { documents, inputs } = out.rendered;
      const oids = inputs.map((i) => oidOf.get(i) ?? '').join(',');
      const key = createHash('sha1').update(`${target}\u0000${inputs.join('\u0000')}\u0000${oids}`).digest('hex');
      // As check judges a target: its objects, then its relations; config waivers after.
      const findings = evaluateRenderedTarget(documents, this.run);
      applyConfigWaivers(findings, this.run.waivers);
      this.results.set(key, { findings, errors: [], documentCount: documents.length, docs: documents.map((d) => ({ id: d.id, data: d.data })), inputs });
      (this.versions.get(target) ?? this.versions.set(target, []).get(target)!).push({ inputs, oids, key });
      keys.set(targetPathOf(target), key);
    }
    return { plan, keys };
  }
}
