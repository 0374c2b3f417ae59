import type { CheckOptions, RunContext } from '../check/types.js';
import { driftKey } from '../drift/identity.js';
import { diffResources } from '../drift/diff.js';
import { lastAppliedOf, normalizeDesired, type DriftResult } from '../drift/run.js';
import type { CommitRef, Culprit, Finding, Introduced, LiveMatch, ReportError, ResourceId, RollbackSuggestion } from '../report/types.js';
import { PARSE_ERROR } from '../parse/documents.js';
import { resolveRevision } from '../source/git.js';
import type { Selection } from '../source/select.js';
import { firstParentHistory, type HistoryCommit } from './commits.js';
import { HistoryEvaluator, type GateFailures } from './evaluator.js';
import { ResourceLocator } from './resources.js';
import { TargetHistoryEvaluator, targetPathOf } from './targets.js';
import { noSuchTarget } from '../check/targets.js';
import { FindingTracer, type TraceResult } from './trace.js';

export const DEFAULT_MAX_COMMITS = 200;

const ref = (c: HistoryCommit): CommitRef => ({ sha: c.sha, subject: c.subject, author: c.author, date: c.date });
const short = (sha: string) => sha.slice(0, 7);
/** A resource as written in git (no namespace defaulting): what "the same resource" means between two commits. */
const identityKey = (id: ResourceId) => `${id.group}/${id.kind}/${id.namespace ?? ''}/${id.name ?? ''}`;

export interface HistoryWalkOptions {
  /** Where the walk starts: HEAD, or a revision. */
  start: string;
  maxCommits: number;
  /** Find the last good commit and the commits to blame, and suggest the git commands. */
  rollback: boolean;
  /** With a drift result: find the commit each drifted resource's live version equals. */
  drift?: DriftResult;
  /** Findings of the checked state to give their introducing commit (`check --blame`, `scan`). */
  blame?: readonly Finding[];
  /** The files that count when following findings and resources: the config's globs, not the command line's paths. */
  traceSelection: Selection;
  /** The run's options (rules, config, waivers), so another thread can check with the same settings. */
  checkOptions?: CheckOptions;
  /**
   * What the check of the run already found, per file, and the blob each file had (and which were
   * chart templates there): not checked again. A file the check listed an error for is read again.
   */
  checked?: { blobs: Map<string, string>; charts: ReadonlySet<string>; findings: readonly Finding[]; errors: readonly ReportError[] };
  /** Fingerprints of accepted findings (the baseline, --new-since): no commit fails for them, none is blamed for them. */
  accepted?: ReadonlySet<string>;
}

export interface HistoryWalkResult {
  suggestion?: RollbackSuggestion;
  /** The start commit's findings, and the errors that fail its gate (with `rollback`). */
  head?: { findings: Finding[]; errors: ReportError[]; files: number; documents: number };
  /** For each finding of `blame`, in order: its introducing commit (undefined when it cannot have one). */
  introduced: (Introduced | undefined)[];
}

/**
 * Walks first-parent history from `start`, reading git objects only, and stops as soon as it has
 * every answer asked for: the newest commit that passes the gate and the commits that introduced
 * each failing finding (rollback), the introducing commit of each finding (blame), and the commit
 * live state equals (drift). Findings and resources are followed by identity, not by file.
 */
export async function walkHistory(ctx: RunContext, options: HistoryWalkOptions): Promise<HistoryWalkResult> {
  const startSha = await resolveRevision(ctx.repo, options.start, ctx.cache);
  // With kustomizations, each commit's rendered targets stand in for the files they are made of.
  const { kustomize, render } = ctx.config.config;
  const evaluator = kustomize !== 'off' || render?.length ? new TargetHistoryEvaluator(ctx, options.checkOptions) : new HistoryEvaluator(ctx, options.checkOptions);
  // A commit passes the gate as check would judge it: its relation findings count.
  evaluator.judgeRelations = options.rollback;
  if (options.accepted) evaluator.accepted = options.accepted;
  // A relation finding relates several files: history follows findings file by file, so none is traced.
  const relationIds = new Set(ctx.rules.filter((r) => r.relation).map((r) => r.id));
  let traceable: Finding[] = [];
  const stop: { reason: 'root' | 'limit' | 'shallow' | null } = { reason: null };
  const commits: HistoryCommit[] = [];
  /** For each commit walked: whether check of it would pass (the gate, with what was not checked). */
  const passed: boolean[] = [];
  let head: GateFailures = { findings: [], errors: [] };
  let lastGood: HistoryCommit | null = null;
  const blamed = options.blame ?? [];
  let tracer: FindingTracer | null = null;

  // Drifted resources still looking for the commit that live equals.
  const drift = options.drift;
  const pending = new Map<string, DriftResult['items'][number]>();
  for (const item of drift?.items ?? []) if (item.status === 'modified' && item.file) pending.set(driftKey(item.resource, drift!.defaultNamespace), item);
  const located = drift ? new ResourceLocator(evaluator, options.traceSelection, (id) => driftKey(id, drift.defaultNamespace), pending.keys()) : null;
  const matches = new Map<string, { sha: string; behind: number }>();

  let answered = false;
  for await (const commit of firstParentHistory(ctx.repo, startSha, options.maxCommits, ctx.cache, stop)) {
    const i = commits.length;
    commits.push(commit);
    if (i === 0) {
      if (evaluator instanceof TargetHistoryEvaluator) await evaluator.checkTargetsExist(commit.tree);
      else if (options.checkOptions?.target?.length) throw noSuchTarget(options.checkOptions.target[0]!, []);
      // Check's findings come after its relation phase, which may have removed some of a file's: a commit
      // judged with that file in another context (another commit) would lose them, so they are not taken then.
      if (options.checked && !(options.rollback && evaluator.relationsRemoveFindings)) seedFromCheck(evaluator, options.checked);
      // The start commit is read in full; on a large tree, every core shares that work.
      if (!drift) await evaluator.prefill(commit.tree, options.rollback ? ctx.selection : options.traceSelection);
      if (options.rollback) head = await evaluator.gateFailures(commit.tree, true);
      traceable = head.findings.filter((f) => !relationIds.has(f.ruleId));
      tracer = new FindingTracer(evaluator, options.traceSelection, [...traceable, ...blamed]);
      await tracer.start(commit.tree);
      await located?.start(commit.tree, new Map([...pending].map(([k, item]) => [k, item.file!])));
    } else {
      const changes = await evaluator.diffTrees(commits[i - 1]!.tree, commit.tree, options.traceSelection);
      await tracer!.step(changes, i);
      await located?.step(changes);
    }
    if (options.rollback) {
      const passes = evaluator.passes(i === 0 ? head : await evaluator.gateFailures(commit.tree));
      passed.push(passes);
      if (!lastGood && passes) lastGood = commit;
    }
    for (const key of [...pending.keys()]) {
      if (await liveEquals(evaluator, commit, located!.filesOf(key), key, drift!)) {
        matches.set(key, { sha: commit.sha, behind: i });
        pending.delete(key);
      }
    }
    if ((!options.rollback || lastGood) && pending.size === 0 && tracer!.open === 0) {
      answered = true;
      break;
    }
  }
  await evaluator.save();
  const traced = tracer!.results();
  const stoppedAt = answered ? 'answer' : (stop.reason ?? 'root');
  const introduced = blamed.map((_, n) => introducedBy(traced[traceable.length + n]!, commits, stoppedAt));
  if (!options.rollback) return { introduced };

  const start = commits[0]!;
  const headState = { ...(await evaluator.allFindings(start.tree)), errors: head.errors };

  // For each failing finding at the start: the oldest commit of the unbroken run that has it.
  const byCulprit = new Map<number, { rules: Set<string>; files: Set<string>; changed: Set<string> }>();
  const unattributed: string[] = [];
  const crossDocument = head.findings.filter((f) => relationIds.has(f.ruleId)).map((f) => `${f.ruleId} ${f.file}:${f.line}`);
  // A file that does not parse at the start stands for all it holds: findings it had before are hidden, not gone.
  const unparsed = [...new Set(head.findings.filter((f) => f.ruleId === PARSE_ERROR).map((f) => f.file))].sort();
  // What was not checked at the start commit (a target not rendered, a template): no finding to trace, so no culprit.
  const notChecked = head.errors.map((e) => (e.file === null ? e.code : `${e.code} ${e.file}${e.line ? `:${e.line}` : ''}`));
  for (const [n, f] of traceable.entries()) {
    const t = traced[n];
    if (!t || (t.open && stoppedAt !== 'root')) {
      unattributed.push(`${f.ruleId} ${f.file}:${f.line}`);
      continue;
    }
    const entry = byCulprit.get(t.at) ?? { rules: new Set(), files: new Set(), changed: new Set() };
    entry.rules.add(f.ruleId);
    entry.files.add(t.path);
    // Reverting the culprit alone may conflict where the file has changed since (a pure rename has not).
    // A rendered finding lives in its target, whichever file set the value: compare the target's versions.
    const now = f.target != null ? targetPathOf(f.target) : f.file;
    if ((await evaluator.blobAt(commits[t.at]!.tree, t.path)) !== (await evaluator.blobAt(start.tree, now))) entry.changed.add(t.path);
    byCulprit.set(t.at, entry);
  }
  const culprits: Culprit[] = [...byCulprit.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([j, e]) => ({ ...ref(commits[j]!), ruleIds: [...e.rules].sort(), files: [...e.files].sort(), changedSince: [...e.changed].sort() }));

  const liveMatches: LiveMatch[] = [...(drift?.items ?? [])]
    .filter((d) => d.status === 'modified' && d.file)
    .map((d) => {
      const m = matches.get(driftKey(d.resource, drift!.defaultNamespace));
      return { resource: d.resource, sha: m?.sha ?? null, behind: m?.behind ?? null, passesGate: m ? passed[m.behind]! : null };
    });

  const headPasses = passed[0]!;
  const commands = headPasses ? [] : await buildCommands(evaluator, options.traceSelection, start, lastGood, culprits, head, commits);
  return {
    suggestion: {
      head: ref(start),
      headPasses,
      lastGood: lastGood ? ref(lastGood) : null,
      culprits,
      unattributed,
      ...(crossDocument.length ? { crossDocument } : {}),
      ...(notChecked.length ? { notChecked } : {}),
      ...(unparsed.length ? { unparsed } : {}),
      liveMatches,
      commands,
      searched: commits.length,
      stoppedAt,
    },
    head: headState,
    introduced,
  };
}

/** Hands the check's findings to the evaluator for each file whose blob the check read. */
function seedFromCheck(evaluator: HistoryEvaluator, checked: NonNullable<HistoryWalkOptions['checked']>): void {
  const byFile = new Map<string, Finding[]>();
  // A rendered target's findings are the target's, not those of the file that set the value: the walk renders targets itself.
  for (const f of checked.findings) if (!f.target) (byFile.get(f.file) ?? byFile.set(f.file, []).get(f.file)!).push(f);
  // Errors are not all the file's own (a target's render names its kustomization): a file with one is read again.
  const withErrors = new Set(checked.errors.map((e) => e.file));
  for (const [file, oid] of checked.blobs) if (!withErrors.has(file)) evaluator.seed(oid, file, checked.charts.has(file), { findings: byFile.get(file) ?? [], errors: [] });
}

/** The introducing commit of a traced finding, or why it is not known. */
function introducedBy(t: TraceResult | null, commits: HistoryCommit[], stoppedAt: RollbackSuggestion['stoppedAt']): Introduced {
  if (!t) return { sha: null, reason: 'not-committed', atOrBefore: null };
  // Present back to the oldest commit read: that is the first commit, or the history goes further than the walk.
  if (t.open && stoppedAt !== 'root') return { sha: null, reason: stoppedAt === 'shallow' ? 'shallow' : 'max-commits', atOrBefore: ref(commits[t.at]!) };
  return ref(commits[t.at]!);
}

/** The rollback suggestion from `start` (the `rollback` command). */
export async function suggestRollback(
  ctx: RunContext,
  options: Omit<HistoryWalkOptions, 'rollback' | 'blame'>,
): Promise<{ suggestion: RollbackSuggestion; head: NonNullable<HistoryWalkResult['head']> }> {
  const result = await walkHistory(ctx, { ...options, rollback: true });
  return { suggestion: result.suggestion!, head: result.head! };
}

async function liveEquals(evaluator: HistoryEvaluator, commit: HistoryCommit, files: string[], key: string, drift: DriftResult): Promise<boolean> {
  const live = drift.live.get(key);
  if (!live) return false;
  for (const file of files) {
    const at = await evaluator.fileAt(commit.tree, file);
    if (!at) continue;
    for (const doc of await evaluator.documentsOf(at.oid, file, at.chart)) {
      if (!doc.id || driftKey(doc.id, drift.defaultNamespace) !== key) continue;
      return diffResources(normalizeDesired(doc.data), live.data, lastAppliedOf(live.data)).changes.length === 0;
    }
  }
  return false;
}

async function buildCommands(
  evaluator: HistoryEvaluator,
  selection: Selection,
  head: HistoryCommit,
  lastGood: HistoryCommit | null,
  culprits: Culprit[],
  failing: GateFailures,
  commits: HistoryCommit[],
): Promise<string[]> {
  const commands: string[] = [];
  const isMerge = new Set(commits.filter((c) => c.merge).map((c) => c.sha));
  if (culprits.length > 0) {
    // Newest first; a merge is reverted against its first parent (-m 1).
    const steps: string[] = [];
    let run: string[] = [];
    const flush = () => {
      if (run.length) steps.push(`git revert --no-edit ${run.join(' ')}`);
      run = [];
    };
    for (const c of culprits) {
      if (isMerge.has(c.sha)) {
        flush();
        steps.push(`git revert --no-edit -m 1 ${short(c.sha)}`);
      } else run.push(short(c.sha));
    }
    flush();
    commands.push(steps.join(' && '));
  }
  if (lastGood) {
    // What fails: the rules, and what was not checked (not-rendered, template, ...).
    const reason = [...new Set([...failing.findings.map((f) => f.ruleId), ...failing.errors.map((e) => e.code)])].sort().join(', ');
    const message = `git commit -m "Roll back to ${short(lastGood.sha)}: ${reason}"`;
    const range = commits.slice(0, commits.indexOf(lastGood));
    // git revert of a range stops at merge commits; restoring the whole tree does not.
    if (range.some((c) => c.merge)) commands.push(`git restore --source ${short(lastGood.sha)} --staged --worktree -- . && ${message}`);
    else commands.push(`git revert --no-commit ${short(lastGood.sha)}..${short(head.sha)} && ${message}`);
    commands.push(...(await restoreCommands(evaluator, selection, lastGood, failing, head)));
  }
  return commands;
}

/**
 * Puts back only the failing files: restored where the file existed at the last good commit; where
 * its resources lived in one other file then (a rename or a move since), that file's content is put
 * back under today's name; removed where its resources did not exist then.
 */
async function restoreCommands(evaluator: HistoryEvaluator, selection: Selection, lastGood: HistoryCommit, failing: GateFailures, head: HistoryCommit): Promise<string[]> {
  const headGating = failing.findings;
  const good = short(lastGood.sha);
  const existing: string[] = [];
  const absent: string[] = [];
  // A rendered target is put back as the files it reads: those it read then, and those it reads now that did not exist then.
  const targets = [...new Set(headGating.flatMap((g) => (g.target != null ? [g.target] : [])))];
  const files = new Set(headGating.filter((g) => g.target == null).map((g) => g.file));
  // What was not checked names the file at fault: a template, a symlink, the kustomization whose render stopped.
  for (const e of failing.errors) if (e.file !== null) files.add(e.file);
  if (targets.length > 0 && evaluator instanceof TargetHistoryEvaluator) {
    for (const t of targets) {
      const then = await evaluator.inputsAt(lastGood.tree, t);
      const now = await evaluator.inputsAt(head.tree, t);
      for (const f of [...then, ...now]) if ((await evaluator.blobAt(lastGood.tree, f)) !== (await evaluator.blobAt(head.tree, f))) files.add(f);
    }
  }
  for (const f of [...files].sort()) ((await evaluator.blobAt(lastGood.tree, f)) ? existing : absent).push(f);
  // Only a file whose every failing finding names its resource can be looked for by identity.
  const resourcesOf = (file: string) => {
    const inFile = headGating.filter((g) => g.file === file && g.target == null);
    if (inFile.length === 0) return [];
    return inFile.every((g) => g.resource?.name) ? [...new Set(inFile.map((g) => identityKey(g.resource!)))] : [];
  };
  const locator = new ResourceLocator(evaluator, selection, identityKey, absent.flatMap(resourcesOf));
  if (locator.files.size > 0) await locator.start(lastGood.tree);
  const moved: string[] = [];
  const added: string[] = [];
  for (const f of absent) {
    const then = new Set(resourcesOf(f).flatMap((k) => locator.filesOf(k)));
    if (then.size === 0) added.push(f);
    else if (then.size === 1) {
      // Only a move of the same resources: a file merged from several (or split from one) would lose, or declare twice, the others.
      const from = [...then][0]!;
      if (sameKeys(await locator.keysOfFile(head.tree, f), await locator.keysOfFile(lastGood.tree, from))) moved.push(`git show ${shellWord(`${good}:${from}`)} > ${shellWord(f)}`);
    }
    // Spread over several files then, or not one file's resources: no one-file command; the full rollback above still applies.
  }
  const out: string[] = [];
  if (existing.length) out.push(`git restore --source ${good} -- ${existing.map(shellWord).join(' ')}`);
  out.push(...moved);
  if (added.length) out.push(`git rm -- ${added.map(shellWord).join(' ')}`);
  return out;
}

const sameKeys = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((k) => b.has(k));

/**
 * A path as one shell word, to paste: as it is when it holds only characters no shell treats
 * specially, else in single quotes (a file named `$(touch x).yaml` or `my apps/a.yaml` is one argument, never run).
 */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
