import { assembleReport, compareFindings, createRunContext, runCheckPipeline, type CheckOptions, type RunContext } from '../check.js';
import { computeDrift, withDrift, type DriftResult } from '../drift/run.js';
import { UsageError } from '../errors.js';
import { isAtOrAbove } from '../report/exit-code.js';
import type { Report } from '../report/types.js';
import { resolveHead } from '../source/git.js';
import { DEFAULT_MAX_COMMITS, suggestRollback } from './rollback.js';

export interface HistoryOptions extends CheckOptions {
  /** A live snapshot: also say which commit each drifted resource's live version equals. */
  live?: string;
  stdin?: NodeJS.ReadableStream;
  /** How far back to look (default: config rollback.maxCommits, else 200). */
  maxCommits?: number;
}

/** The options a worker thread needs to set up the same rules and policy (plain data only). */
function workerOptions(options: HistoryOptions): CheckOptions {
  const { onProgress: _p, stdin: _s, source: _src, paths: _paths, changedSince: _cs, live: _l, ...rest } = options;
  return rest;
}

function startOf(options: HistoryOptions): string {
  if (options.source?.mode === 'index') throw new UsageError('rollback reads committed history; --staged does not apply', 'use --ref <rev> to start from another commit');
  return options.source?.mode === 'commit' ? options.source.ref : 'HEAD';
}

const maxCommitsOf = (ctx: RunContext, options: HistoryOptions) => options.maxCommits ?? ctx.config.config.rollback?.maxCommits ?? DEFAULT_MAX_COMMITS;

/** Drift of the commit the walk starts from, when a snapshot is given. */
async function driftAt(ctx: RunContext, options: HistoryOptions, start: string): Promise<DriftResult | undefined> {
  if (!options.live) return undefined;
  const desired = await runCheckPipeline({ ...options, source: { mode: 'commit', ref: start }, keepDocuments: true, skipPolicy: true }, ctx);
  return computeDrift(desired, { live: options.live, cwd: options.cwd, stdin: options.stdin });
}

/** `aiops-guard rollback` as a library call. */
export async function runRollback(options: HistoryOptions): Promise<Report> {
  const start = startOf(options);
  const ctx = await createRunContext(options);
  const drift = await driftAt(ctx, options, start);
  const { suggestion, head } = await suggestRollback(ctx, { start, maxCommits: maxCommitsOf(ctx, options), drift, checkOptions: workerOptions(options) });
  // The findings that fail the gate at the start commit: what the rollback is about.
  const gating = head.findings.filter((f) => !f.suppressed && isAtOrAbove(f.severity, ctx.failOn));
  const findings = [...gating, ...(drift?.findings.filter((f) => f.ruleId === 'duplicate-resource') ?? [])].sort(compareFindings);
  let report = assembleReport({
    source: { repo: ctx.repo.dir, mode: 'commit', ref: start, commit: suggestion.head.sha },
    findings,
    errors: drift?.errors ?? [],
    files: head.files,
    documents: head.documents,
    rules: ctx.rules,
    failOn: ctx.failOn,
  });
  if (drift) report = withDrift(report, drift, ctx.failOn, ctx.rules);
  report.rollback = suggestion;
  return report;
}

/** `aiops-guard scan` as a library call: check, drift (with a snapshot) and, when either fails, the rollback suggestion. */
export async function runScan(options: HistoryOptions): Promise<Report> {
  const ctx = await createRunContext(options);
  const result = await runCheckPipeline({ ...options, keepDocuments: Boolean(options.live) }, ctx);
  const drift = options.live ? await computeDrift(result, { live: options.live, cwd: options.cwd, stdin: options.stdin }) : undefined;
  let report = assembleReport({
    ...result,
    findings: drift?.findings ?? result.findings,
    errors: drift?.errors ?? result.errors,
    files: result.fileCount,
    documents: result.documentCount,
  });
  if (drift) report = withDrift(report, drift, ctx.failOn, ctx.rules);
  if (report.summary.exitCode === 0) return report;
  if (options.source?.mode !== 'commit' && !(await resolveHead(ctx.repo, ctx.cache))) {
    report.errors.push({ code: 'no-history', file: null, line: null, message: 'no commit yet: nothing to roll back to' });
    return report;
  }
  const start = options.source?.mode === 'commit' ? options.source.ref : 'HEAD';
  report.rollback = (await suggestRollback(ctx, { start, maxCommits: maxCommitsOf(ctx, options), drift, checkOptions: workerOptions(options) })).suggestion;
  return report;
}
