import path from 'node:path';
import type { LoadedConfig } from '../config/types.js';
import { ConfigError, NotFoundError } from '../errors.js';
import { filesFromSnapshot, type KustomizeFiles } from '../kustomize/files.js';
import { RenderError } from '../kustomize/resource.js';
import { findLeafKustomizations, isKustomizationFile, kustomizationDirs } from '../kustomize/targets.js';
import type { KustomizeError, KustomizeRender } from '../kustomize/render.js';
import { parseConfigText, type ConfigDocument, type ReadProblem, type SourceRange } from '../parse/documents.js';
import { normalizeDocument } from '../parse/normalize.js';
import { applyConfigWaivers, evaluateDocument, type PolicyOptions } from '../policy/evaluate.js';
import { evaluateRelations, mergeRelationFindings } from '../relations/evaluate.js';
import { planProjection, projectDocument } from '../relations/project.js';
import type { Projection } from '../relations/types.js';
import type { Finding, ReportError } from '../report/types.js';
import { DocumentTargets } from '../rules/targets.js';
import type { GitCache } from '../source/git.js';
import { createSelection, toRepoPaths } from '../source/select.js';
import type { Repo, Snapshot, SourceFile } from '../source/types.js';
import { blobOid } from '../source/worktree.js';
import { checkRenderEntry, renderExternal, type ExternalRender } from './external-render.js';
import { readSnapshot } from './snapshot.js';
import type { CheckOptions, RenderedTarget, RunContext, SourceSpec, TargetSettings } from './types.js';

/** The targets of one snapshot of the repository. */
export interface TargetSet {
  /** The rendered targets in scope, in path order; a target that failed to render is not here but in `errors`. */
  rendered: RenderedTarget[];
  /** Why a target was not rendered (`not-rendered`: it counts as not checked) or a file not deployed. */
  errors: ReportError[];
  /** Files that are part of a target (under a kustomization folder or a render path): not checked on their own. */
  owned(file: string): boolean;
  /** Every target there is (for --target's hint). */
  names: string[];
  /** Whether plain manifests (outside every target) are checked too: not with --target. */
  plain: boolean;
}

/** A target path as written ("./apps/prod/", "apps/prod") in the form the renderer uses. */
export function normalizeTarget(p: string): string {
  const n = path.posix.normalize(p.replace(/\\/g, '/')).replace(/\/+$/, '');
  return n === '.' ? '' : n.replace(/^\.\//, '');
}

const isUnder = (file: string, dir: string) => dir === '' || file === dir || file.startsWith(dir + '/');
const display = (target: string) => target || '.';

/** Reads every file of the snapshot (not only configs): kustomize reads generator inputs of any name. */
async function readAllFiles(repo: Repo, spec: SourceSpec, cache: GitCache): Promise<Snapshot> {
  const every = createSelection({ include: ['**'] });
  return readSnapshot(repo, spec, every.wanted, every.wantDir, cache);
}

/** The snapshot as the renderer reads it; a file that cannot be read stops its target's render with the reason, never a crash. */
export function readableFiles(all: Pick<Snapshot, 'files'>): KustomizeFiles {
  const files = filesFromSnapshot(all);
  return {
    isDirectory: files.isDirectory,
    read: async (file) => {
      try {
        return await files.read(file);
      } catch (err) {
        throw new RenderError(`${file}: cannot be read: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}

/** Which targets a snapshot has and which of them a run renders, before anything is rendered. */
export interface TargetPlan {
  /** Kustomization folders, each with its kustomization file. */
  kustDirs: Map<string, string>;
  entries: ExternalRender[];
  /** Every target there is (for --target's hint). */
  names: string[];
  /** The targets to render: all of them, config `targets`, or --target. */
  chosen: string[];
  /** Config `targets`, when set. */
  configured: string[] | null;
  /** The leaf kustomizations (whether rendered or not). */
  leaves: string[];
  /** Files that are part of a target (under a kustomization folder or a render path). */
  owned(file: string): boolean;
}

/**
 * Finds the targets of a snapshot from its paths (every file, not only configs) and the config.
 * Null when there are none (or `kustomize: off` and no render entries): every file is plain.
 */
export async function planTargets(paths: readonly string[], files: KustomizeFiles, settings: Pick<TargetSettings, 'config' | 'only'>, history = false): Promise<TargetPlan | null> {
  const { config } = settings.config;
  const kustomize = config.kustomize !== 'off';
  const kustDirs = kustomize ? kustomizationDirs(paths) : new Map<string, string>();
  const entries = (config.render ?? []).map((e, i) => ({ ...e, path: normalizeTarget(e.path), index: i }));
  for (const e of entries) checkRenderEntry(e, settings);
  if (kustDirs.size === 0 && entries.length === 0) {
    if (settings.only?.length) throw noSuchTarget(settings.only[0]!, []);
    return null;
  }
  // A kustomization that cannot be read is still a target: its render says why.
  const leaves = kustomize ? await findLeafKustomizations(kustDirs, { isDirectory: files.isDirectory, read: (f) => files.read(f).catch(() => null) }) : [];
  const external = new Set(entries.map((e) => e.path));
  // A render entry decides its folder: a kustomization inside it is what the command reads, not a target of its own.
  // Folders the config excludes are not checked, rendered or not.
  const excluded = createSelection({ exclude: config.exclude });
  const kustLeaves = leaves.filter((l) => ![...external].some((e) => isUnder(l, e)) && (l === '' || excluded.wantDir(l)));
  const configured = config.targets?.map(normalizeTarget) ?? null;
  // An older commit may not have a target the config names today: it has none there, not a config error.
  if (configured && !history) checkConfiguredTargets(configured, kustDirs, external, settings.config);
  const names = [...new Set([...(configured?.filter((t) => kustDirs.has(t) || external.has(t)) ?? kustLeaves), ...external])].sort();
  const owners = [...kustDirs.keys(), ...external];
  let chosen = names;
  if (settings.only?.length) {
    const only = settings.only.map(normalizeTarget);
    if (!history) for (const t of only) if (!names.includes(t) && !kustDirs.has(t)) throw noSuchTarget(t, names);
    chosen = [...new Set(only)].filter((t) => names.includes(t) || kustDirs.has(t)).sort();
  }
  return { kustDirs, entries, names, chosen, configured, leaves: kustLeaves, owned: (file) => owners.some((d) => isUnder(file, d)) };
}

/** Renders one kustomization: its objects as documents, or the errors that stop it (never a partial render). */
export async function renderKustomizeTarget(target: string, files: KustomizeFiles): Promise<{ rendered: RenderedTarget } | { errors: ReportError[] }> {
  const { renderKustomization } = await import('../kustomize/render.js');
  const render = await renderKustomization(target, files);
  if (render.errors.length > 0) return { errors: await renderErrors(render, files) };
  return { rendered: { target: render.target, documents: documentsOfRender(render), inputs: render.inputs } };
}

/**
 * Finds and renders the targets of a snapshot. `all` lists every file of the snapshot (see
 * `readAllFiles`): a kustomization is rendered from it alone, whatever the source is. Null when the
 * repository has no targets.
 */
async function collectTargets(all: Pick<Snapshot, 'files'>, settings: TargetSettings): Promise<TargetSet | null> {
  const files = readableFiles(all);
  const plan = await planTargets(all.files.map((f) => f.path), files, settings);
  if (!plan) return null;
  const rendered: RenderedTarget[] = [];
  const errors: ReportError[] = [];
  for (const target of plan.chosen) {
    const entry = plan.entries.find((e) => e.path === target);
    const out = entry ? await renderExternal(entry, settings, files, all) : await renderKustomizeTarget(target, files);
    if ('rendered' in out) rendered.push(out.rendered);
    else errors.push(...('error' in out ? [out.error] : out.errors));
  }
  const inScope = (t: { target: string; inputs?: readonly string[] }) =>
    settings.paths.length === 0 || settings.paths.some((p) => p === '.' || isUnder(t.target, p) || isUnder(p, t.target) || (t.inputs ?? []).some((i) => isUnder(i, p)));
  const kept = rendered.filter(inScope);
  const keptErrors = errors.filter((e) => settings.paths.length === 0 || e.file === null || settings.paths.some((p) => p === '.' || isUnder(e.file!, p) || isUnder(p, path.posix.dirname(e.file!))));
  if (!plan.configured && !settings.only?.length && settings.paths.length === 0) keptErrors.push(...notDeployed(all.files, plan.kustDirs, rendered, errors, plan.entries.map((e) => e.path)));
  // Config `targets` leaves the other kustomizations out: say so once for each, so nothing is passed over unsaid.
  if (plan.configured && !settings.only?.length) {
    for (const leaf of plan.leaves) {
      if (plan.chosen.includes(leaf)) continue;
      keptErrors.push({ code: 'target-not-configured', file: plan.kustDirs.get(leaf) ?? null, line: null, message: `kustomization ${display(leaf)} is not in the config's "targets": not rendered, and its files are not checked` });
    }
  }
  return { rendered: kept, errors: keptErrors, owned: plan.owned, names: plan.names, plain: !settings.only?.length };
}

/** --target named something that is no target: exit 66, with the targets there are. */
export function noSuchTarget(target: string, names: readonly string[]): NotFoundError {
  return new NotFoundError(
    `no target "${display(target)}": it is neither a kustomization folder nor a render entry's path`,
    names.length ? `the targets are: ${names.map(display).join(', ')}` : 'this repository has no kustomization and no render entry in .aiopsrc',
  );
}

/** Config `targets` must name kustomization folders (or render paths): a typo would silently check nothing. */
function checkConfiguredTargets(configured: readonly string[], kustDirs: ReadonlyMap<string, string>, external: ReadonlySet<string>, loaded: LoadedConfig): void {
  configured.forEach((t, i) => {
    if (kustDirs.has(t) || external.has(t)) return;
    const at = loaded.locate(`/targets/${i}`);
    throw new ConfigError(
      `${loaded.filepath ?? '.aiopsrc.json'}:${at.line}:${at.column}: targets[${i}] "${display(t)}" has no kustomization.yaml and is no render entry's path`,
      `name folders that hold a kustomization (${[...kustDirs.keys()].map(display).join(', ') || 'there are none'}), relative to the repository root`,
    );
  });
}

/**
 * Files under a kustomization folder that no rendered target read: kustomize does not deploy a
 * file its kustomization does not list. Listed (not gating) so that no file is passed over unsaid.
 */
function notDeployed(files: readonly SourceFile[], kustDirs: ReadonlyMap<string, string>, rendered: readonly RenderedTarget[], errors: readonly ReportError[], external: readonly string[]): ReportError[] {
  // A target that did not render read an unknown part of its files: say nothing about them. Nor when a render
  // command runs on a kustomization (`kubectl kustomize overlays/prod`): it reads bases anywhere, unseen here.
  if (errors.length > 0 || external.some((e) => kustDirs.has(e))) return [];
  const read = new Set(rendered.flatMap((t) => t.inputs));
  const config = createSelection({});
  const out: ReportError[] = [];
  for (const f of files) {
    if (read.has(f.path) || isKustomizationFile(f.path) || !config.wanted(f.path)) continue;
    if (external.some((e) => isUnder(f.path, e))) continue;
    const dir = [...kustDirs.keys()].filter((d) => isUnder(f.path, d)).sort((a, b) => b.length - a.length)[0];
    if (dir === undefined) continue;
    out.push({ code: 'not-in-kustomization', file: f.path, line: null, message: `under the kustomization ${kustDirs.get(dir)} but read by no rendered target: kustomize does not deploy it, so it was not checked; list it in resources, or move it out` });
  }
  return out;
}

/** The renderer's errors as report errors: the kustomization file, and the line of the field or entry when it can be found. */
async function renderErrors(render: KustomizeRender, files: KustomizeFiles): Promise<ReportError[]> {
  const out: ReportError[] = [];
  for (const e of render.errors) {
    const where = await errorPlace(e, files);
    // What the renderer does not do, kustomize itself can: a render entry checks its output instead.
    const fix = e.unsupported ? `; to check it, add a "render" entry that runs kustomize on ${display(render.target)} (README: External renderers)` : '';
    out.push({ code: 'not-rendered', file: where.file, line: where.line, message: `not rendered: ${e.message.replace(/^not rendered: /, '')} (target ${display(render.target)} is not checked${fix})` });
  }
  return out;
}

async function errorPlace(e: KustomizeError, files: KustomizeFiles): Promise<{ file: string | null; line: number | null }> {
  const inMessage = /^(?:not rendered: )?([^\s:"]+\.(?:ya?ml|json|env|properties)|[^\s:"]*Kustomization):(\d+)/.exec(e.message);
  if (inMessage) return { file: inMessage[1]!, line: Number(inMessage[2]) };
  if (!e.file) return { file: null, line: null };
  const bytes = await files.read(e.file);
  if (!bytes) return { file: e.file, line: null };
  const text = new TextDecoder().decode(bytes);
  const field = /^not rendered: (\w+) is not supported/.exec(e.message)?.[1];
  // An entry of a field named in the message (patches[0] must be a map; vars[1]: objref: unknown field "x"): that entry's line.
  const entry = /\b([A-Za-z]\w*)\[(\d+)\]/.exec(e.message);
  if (field || entry) {
    const doc = parseConfigText(e.file, text, undefined, { asWritten: true }).documents[0];
    const data = doc && typeof doc.data === 'object' && doc.data !== null ? (doc.data as Record<string, unknown>) : null;
    if (field && data && field in data) return { file: e.file, line: doc!.locate(`/${field}`).line };
    const list = entry && data ? data[entry[1]!] : undefined;
    if (entry && Array.isArray(list) && Number(entry[2]) < list.length) return { file: e.file, line: doc!.locate(`/${entry[1]}/${entry[2]}`).line };
  }
  // An entry named in the message (resource "x" does not exist; patch file dir/x.yaml does not exist): the line that lists it.
  const dir = path.posix.dirname(e.file);
  const names = [...e.message.matchAll(/"([^"]+)"|([\w./-]+\.(?:ya?ml|json|env|properties))/g)].map((m) => m[1] ?? m[2]!).filter((n) => n !== e.file);
  const lines = text.split('\n');
  for (const name of names) {
    const relative = name.startsWith(dir + '/') ? name.slice(dir.length + 1) : name;
    const n = lines.findIndex((l) => !l.trimStart().startsWith('#') && (l.includes(name) || l.includes(relative)));
    if (n >= 0) return { file: e.file, line: n + 1 };
  }
  return { file: e.file, line: null };
}

/** A rendered object as a document: positions from its provenance, read problems as for a file. */
function renderedDocument(target: string, index: number, file: string, data: Record<string, unknown>, id: ConfigDocument['id'], where: (pointer: string) => SourceRange & { file: string }): ConfigDocument {
  const locate = (pointer: string) => {
    const { file, line, column, endLine, endColumn } = where(pointer);
    return { file, line, column, endLine, endColumn };
  };
  // The same checks the reader makes of a file: what the API server would reject (a patch can set a wrong type too).
  const problems: ReadProblem[] = normalizeDocument(data, id).map((p) => ({ ruleId: 'invalid-field-type' as const, ...p }));
  const doc: Omit<ConfigDocument, 'start'> = { file, index, basePointer: '', data, id, locate, target, ...(problems.length ? { problems } : {}) };
  // Positions cost a second parse of the source file: found only when something is reported (as a file's are after `release`).
  let start: SourceRange | null = null;
  return Object.defineProperty(doc, 'start', { enumerable: true, get: () => (start ??= locate('')) }) as ConfigDocument;
}

function documentsOfRender(render: KustomizeRender): ConfigDocument[] {
  return render.objects.map((o, i) => renderedDocument(render.target, i, o.file, o.data, o.id, (p) => o.locate(p)));
}

/** The targets of a check run (null when there are none): renders from every file of the run's snapshot, whatever its source. */
export async function targetsForRun(ctx: RunContext, options: CheckOptions, spec: SourceSpec, checked: Pick<Snapshot, 'files'>): Promise<{ set: TargetSet; all: Snapshot } | null> {
  const { config } = ctx.config;
  if (config.kustomize === 'off' && !config.render?.length) {
    if (options.target?.length) throw noSuchTarget(options.target[0]!, []);
    return null;
  }
  const base = options.repoDir ? path.resolve(options.cwd, options.repoDir) : options.cwd;
  const paths = toRepoPaths(ctx.repo.dir, base, options.paths ?? []);
  // The run's own listing (the whole repository, kustomization files included) shows whether there is anything to render;
  // only then, or when the listing was limited to path arguments, is every file listed.
  const whole = paths.length === 0 || paths.includes('.');
  const nothing = whole && !config.render?.length && !config.targets?.length && !options.target?.length && !checked.files.some((f) => isKustomizationFile(f.path));
  if (nothing) return null;
  const all = await readAllFiles(ctx.repo, spec, ctx.cache);
  const set = await collectTargets(all, { repo: ctx.repo, config: ctx.config, only: options.target, paths, mode: all.mode, allowRender: options.allowRender });
  return set ? { set, all } : null;
}

/** With --changed-since: only the targets one of whose files differs from the merge-base. */
export async function keepChangedTargets(set: TargetSet, all: Snapshot, baseOids: ReadonlyMap<string, string>): Promise<void> {
  const oids = new Map<string, string | null>();
  const oidOf = async (file: string) => {
    if (!oids.has(file)) {
      const f = all.files.find((x) => x.path === file);
      oids.set(file, f ? (f.oid ?? blobOid(await f.read())) : null);
    }
    return oids.get(file)!;
  };
  const kept: RenderedTarget[] = [];
  for (const t of set.rendered) {
    for (const input of t.inputs) {
      if ((await oidOf(input)) !== (baseOids.get(input) ?? null)) {
        kept.push(t);
        break;
      }
    }
  }
  set.rendered = kept;
}

/** What checking the rendered targets found. */
export interface TargetResults {
  findings: Finding[];
  documents: ConfigDocument[];
  /** The files the rendered targets read (each once). */
  fileCount: number;
  documentCount: number;
}

/**
 * Evaluates every rendered object as a file's document is evaluated (read problems, rules, inline
 * waivers; config waivers after, as for cached files), then the relation rules over each target's objects. Not cached: a target's findings depend on
 * every file it read, and a render is cheap next to evaluation.
 */
export function evaluateTargets(set: TargetSet, ctx: RunContext, options: CheckOptions): TargetResults {
  const out: TargetResults = { findings: [], documents: [], fileCount: new Set(set.rendered.flatMap((t) => t.inputs)).size, documentCount: 0 };
  for (const t of set.rendered) {
    out.documentCount += t.documents.length;
    if (options.keepDocuments) out.documents.push(...t.documents);
    if (!options.skipPolicy) out.findings.push(...evaluateRenderedTarget(t.documents, ctx));
  }
  applyConfigWaivers(out.findings, ctx.waivers);
  return out;
}

/**
 * One rendered target's findings (check's, and each commit's in a history walk): every object as a
 * file's document is evaluated (read problems, rules, inline waivers), then the relation rules among
 * the target's own objects, a whole deployable unit. Config waivers are the caller's, after.
 */
export function evaluateRenderedTarget(documents: readonly ConfigDocument[], ctx: RunContext): Finding[] {
  const policy: PolicyOptions = { ...ctx.policy, waivers: [] };
  const plan = planProjection(ctx.rules);
  const objectFile = new Map<Finding, string>();
  const findings: Finding[] = [];
  const projections: Projection[] = [];
  for (const doc of documents) {
    // One target expansion per document, for its rules and its projection.
    const targets = new DocumentTargets(doc.data);
    for (const f of evaluateDocument(doc, ctx.prepared, policy, targets)) {
      objectFile.set(f, doc.file);
      findings.push(f);
    }
    const projection = plan ? projectDocument(doc, plan, targets) : null;
    if (projection) projections.push(projection);
  }
  const outcome = evaluateRelations(projections, ctx.rules, policy);
  return mergeRelationFindings(findings, outcome, (f) => objectFile.get(f) ?? f.file);
}
