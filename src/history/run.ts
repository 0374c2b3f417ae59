import { createRunContext } from '../check/context.js';
import { runCheckPipeline } from '../check/pipeline.js';
import { assembleReport, buildReport, compareErrors, compareFindings } from '../check/report.js';
import type { CheckOptions, RunContext } from '../check/types.js';
import { computeDrift, withDrift, type DriftResult } from '../drift/run.js';
import { UsageError } from '../errors.js';
import { renderedFileOf } from '../check/external-render.js';
import { findChartRoots, isChartTemplate } from '../check/snapshot.js';
import { WAIVER_RULE } from '../policy/evaluate.js';
import { POLICY_WEAKENED_RULE } from '../policy/weakened.js';
import { EXIT, failsGate, gatesFinding } from '../report/exit-code.js';
import { findingFingerprint } from '../report/fingerprint.js';
import type { DriftFailOn, Finding, Report, ReportError, RollbackSuggestion } from '../report/types.js';
import type { Rule } from '../rules/types.js';
import { readCommitSnapshot, readIndexSnapshot, resolveHead } from '../source/git.js';
import { blobOid, readWorktree } from '../source/worktree.js';
import { createSelection, type Selection } from '../source/select.js';
import { DEFAULT_MAX_COMMITS, suggestRollback, walkHistory } from './rollback.js';

export interface HistoryOptions extends CheckOptions {
  /** A live snapshot: also say which commit each drifted resource's live version equals. */
  live?: string;
  stdin?: NodeJS.ReadableStream;
  /** How far back to look (default: config rollback.maxCommits, else 200). */
  maxCommits?: number;
  /** As for drift: report every live-only field, and which drift fails the run. */
  strict?: boolean;
  failOnDrift?: DriftFailOn;
  /** Fingerprints the baseline (and scan's --new-since) accept: they fail neither the run nor any commit of its rollback walk. */
  accepted?: ReadonlySet<string>;
}

/** The options a worker thread needs to set up the same rules and policy (plain data only). */
function workerOptions(options: HistoryOptions): CheckOptions {
  const { onProgress: _p, stdin: _s, source: _src, paths: _paths, changedSince: _cs, live: _l, strict: _st, failOnDrift: _fd, accepted: _a, ...rest } = options;
  return rest;
}

function startOf(options: HistoryOptions): string {
  if (options.source?.mode === 'index') throw new UsageError('rollback reads committed history; --staged does not apply', 'use --ref <rev> to start from another commit');
  return options.source?.mode === 'commit' ? options.source.ref : 'HEAD';
}

const maxCommitsOf = (ctx: RunContext, options: HistoryOptions) => options.maxCommits ?? ctx.config.config.rollback?.maxCommits ?? DEFAULT_MAX_COMMITS;

/**
 * The files history follows findings and resources through: the config's include/exclude, not the
 * command line's paths, so a resource moved in from a folder outside them is still the same resource.
 */
function traceSelectionOf(ctx: RunContext): Selection {
  const { include, exclude } = ctx.config.config;
  const globs = createSelection({ include, exclude });
  // A file named on the command line is checked even where the globs would skip it: follow it too.
  return {
    wanted: (rel) => globs.wanted(rel) || ctx.selection.wanted(rel),
    wantDir: (rel) => globs.wantDir(rel) || ctx.selection.wantDir(rel),
    unmatched: () => [],
  };
}

/**
 * The blob of each file the check read (and which were chart templates there), so the walk can take the
 * check's findings for them instead of parsing them again. The same listing as the check's; none with
 * --changed-since (not every file was read).
 */
async function checkedBlobs(ctx: RunContext, options: HistoryOptions): Promise<{ blobs: Map<string, string>; charts: Set<string> } | null> {
  // With --shard the check has only its shard's findings (and a target's may sit in files of other shards): the walk reads HEAD itself.
  if (options.changedSince || options.shard) return null;
  const spec = options.source ?? { mode: 'worktree' };
  const { wanted, wantDir } = ctx.selection;
  const snapshot =
    spec.mode === 'worktree'
      ? await readWorktree(ctx.repo, wanted, wantDir)
      : spec.mode === 'index'
        ? await readIndexSnapshot(ctx.repo, wanted, ctx.cache)
        : await readCommitSnapshot(ctx.repo, spec.ref, wanted, wantDir, ctx.cache);
  const blobs = new Map<string, string>();
  for (const f of snapshot.files) {
    try {
      blobs.set(f.path, f.oid ?? blobOid(await f.read()));
    } catch {
      // Unreadable now: the walk reads the committed version itself.
    }
  }
  const chartRoots = findChartRoots(snapshot.files);
  return { blobs, charts: new Set([...blobs.keys()].filter((p) => isChartTemplate(p, chartRoots))) };
}

/**
 * Findings that come from one file's content, so a commit can have introduced them: not the run's
 * judgements of its own policy (the config's waivers, a weakening compared with a base), and not an
 * external renderer's output, which is made from the working tree.
 */
const attributable = (findings: readonly Finding[]) => findings.filter((f) => f.ruleId !== WAIVER_RULE.id && f.ruleId !== POLICY_WEAKENED_RULE.id && !(f.target != null && f.file === renderedFileOf(f.target)));

/**
 * Gives each finding the commit that introduced it (first-parent: the first commit from which it is
 * present without a break up to the checked one). A finding of the working tree or the index that
 * HEAD does not have is `not-committed`. Also computes the rollback suggestion when asked, in the same walk.
 */
async function blameAndSuggest(ctx: RunContext, options: HistoryOptions, checkedState: { findings: readonly Finding[]; errors: readonly ReportError[] }, rollback: { drift?: DriftResult } | null): Promise<Report['rollback']> {
  const { findings } = checkedState;
  // A relation finding comes from several files at once; the walk judges one file's versions at a time.
  const relationIds = new Set(ctx.rules.filter((r) => r.relation).map((r) => r.id));
  for (const f of findings) if (relationIds.has(f.ruleId)) f.introduced = { sha: null, reason: 'cross-document', atOrBefore: null };
  const blamed = attributable(findings).filter((f) => !relationIds.has(f.ruleId));
  if (blamed.length === 0 && rollback === null) return undefined;
  const start = options.source?.mode === 'commit' ? options.source.ref : 'HEAD';
  if (options.source?.mode !== 'commit' && !(await resolveHead(ctx.repo, ctx.cache))) {
    for (const f of blamed) f.introduced = { sha: null, reason: 'not-committed', atOrBefore: null };
    return undefined;
  }
  const read = await checkedBlobs(ctx, options);
  const result = await walkHistory(ctx, {
    start,
    checked: read ? { ...read, findings: blamed, errors: checkedState.errors } : undefined,
    maxCommits: maxCommitsOf(ctx, options),
    rollback: rollback !== null,
    drift: rollback?.drift,
    blame: blamed,
    traceSelection: traceSelectionOf(ctx),
    checkOptions: workerOptions(options),
    accepted: options.accepted,
  });
  blamed.forEach((f, n) => {
    const introduced = result.introduced[n];
    if (introduced) f.introduced = introduced;
  });
  return result.suggestion;
}

/** `aiops-guard check --blame` as a library call: the check's report, each finding with its introducing commit. */
export async function runCheckWithBlame(options: HistoryOptions): Promise<Report> {
  const ctx = await createRunContext(options);
  const report = buildReport(await runCheckPipeline(options, ctx));
  await blameAndSuggest(ctx, options, report, null);
  return report;
}

/** Drift of the commit the walk starts from, when a snapshot is given. */
async function driftAt(ctx: RunContext, options: HistoryOptions, start: string): Promise<DriftResult | undefined> {
  if (!options.live) return undefined;
  const desired = await runCheckPipeline({ ...options, source: { mode: 'commit', ref: start }, keepDocuments: true, skipPolicy: true }, ctx);
  return computeDrift(desired, { live: options.live, cwd: options.cwd, stdin: options.stdin, strict: options.strict, failOnDrift: options.failOnDrift });
}

/** `aiops-guard rollback` as a library call. */
export async function runRollback(options: HistoryOptions): Promise<Report> {
  const start = startOf(options);
  const ctx = await createRunContext(options);
  const drift = await driftAt(ctx, options, start);
  const { suggestion, head } = await suggestRollback(ctx, { start, maxCommits: maxCommitsOf(ctx, options), drift, checkOptions: workerOptions(options), traceSelection: traceSelectionOf(ctx), accepted: options.accepted });
  // The findings that fail the gate at the start commit, and what was not checked there: what the rollback is about. The
  // baseline's accepted ones are listed too, so the gate counts them as already there rather than fixed.
  const accepted = options.accepted;
  const gating = head.findings.filter((f) => gatesFinding(f, ctx.failOn) || accepted?.has(findingFingerprint(f)));
  const findings = [...gating, ...(drift?.findings.filter((f) => f.ruleId === 'duplicate-resource') ?? [])].sort(compareFindings);
  let report = assembleReport({
    source: { repo: ctx.repo.dir, mode: 'commit', ref: start, commit: suggestion.head.sha },
    findings,
    // Drift read the start commit as check does: its errors already list what was not checked there.
    errors: drift ? drift.errors : [...head.errors].sort(compareErrors),
    files: head.files,
    documents: head.documents,
    rules: ctx.rules,
    failOn: ctx.failOn,
  });
  if (drift) report = withDrift(report, drift, ctx.failOn, ctx.rules);
  report.rollback = withCredentials(suggestion, gating, ctx.rules);
  return report;
}

/** The suggestion, with the secrets rules among the failing findings (RollbackSuggestion.credentials). */
function withCredentials(suggestion: RollbackSuggestion, failing: readonly Finding[], rules: readonly Rule[]): RollbackSuggestion {
  if (suggestion.headPasses) return suggestion;
  const secrets = new Set(rules.filter((r) => r.category === 'secrets').map((r) => r.id));
  const credentials = [...new Set(failing.filter((f) => secrets.has(f.ruleId) && !f.suppressed).map((f) => f.ruleId))].sort();
  return credentials.length ? { ...suggestion, credentials } : suggestion;
}

/** `aiops-guard scan` as a library call: check, drift (with a snapshot) and, when either fails, the rollback suggestion. */
export async function runScan(options: HistoryOptions): Promise<Report> {
  const ctx = await createRunContext(options);
  const result = await runCheckPipeline({ ...options, keepDocuments: Boolean(options.live) }, ctx);
  const drift = options.live ? await computeDrift(result, { live: options.live, cwd: options.cwd, stdin: options.stdin, strict: options.strict, failOnDrift: options.failOnDrift }) : undefined;
  let report = assembleReport({
    ...result,
    findings: drift?.findings ?? result.findings,
    errors: drift?.errors ?? result.errors,
    files: result.fileCount,
    documents: result.documentCount,
  });
  if (drift) report = withDrift(report, drift, ctx.failOn, ctx.rules);
  // As the gate will decide it: findings the baseline or --new-since accept do not fail (drift is the exit code's bit 2).
  const accepted = options.accepted;
  const counted = accepted?.size ? report.findings.filter((f) => !accepted.has(findingFingerprint(f))) : report.findings;
  const failing = failsGate(counted, report.errors, ctx.failOn) || (report.summary.exitCode & EXIT.drift) !== 0;
  const noHistory = options.source?.mode !== 'commit' && !(await resolveHead(ctx.repo, ctx.cache));
  // One walk: the introducing commit of every finding and, when the scan fails, the rollback suggestion.
  const suggestion = await blameAndSuggest(ctx, options, result, failing && !noHistory ? { drift } : null);
  if (failing && noHistory) report.errors.push({ code: 'no-history', file: null, line: null, message: 'no commit yet: nothing to roll back to' });
  if (suggestion) report.rollback = withCredentials(suggestion, counted.filter((f) => gatesFinding(f, ctx.failOn)), ctx.rules);
  return report;
}
