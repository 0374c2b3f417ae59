import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BaselinedReport } from '../baseline/apply.js';
import type { BaselineEntry } from '../baseline/file.js';
import { DataError, NotFoundError, UsageError } from '../errors.js';
import { jsonErrorAt } from '../parse/json-error.js';
import { findingFingerprint } from '../report/fingerprint.js';
import type { Finding, Report, ReportError, ReportSource, RuleInfo, TargetInfo } from '../report/types.js';
import { TOOL_VERSION } from '../version.js';
import { compareErrors, compareFindings, summarize } from './report.js';

/**
 * `aiops-guard merge`: the JSON reports of the n shards of one check (`check --shard k/n`) joined
 * into the report the unsharded check gives. Every shard must be there once, from the same
 * repository, source, tool version, rule set and gate: a merge of anything else would be a
 * report of no run at all.
 */

type ShardReport = BaselinedReport & { summary: BaselinedReport['summary'] & { baseline?: { unmatched?: BaselineEntry[] } } };

interface Loaded {
  file: string;
  report: ShardReport;
}

const HINT = 'give the JSON reports the shards wrote (check --shard k/n -f json -o shard-k.json)';

/** Reads one report file: missing is 66, not JSON or not a report is 65, each naming the file. */
export async function readShardReport(file: string, cwd: string): Promise<Loaded> {
  let text: string;
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`report not found: ${file}`, HINT);
    throw new DataError(`${file}: cannot be read (${code === 'EISDIR' ? 'a folder' : err instanceof Error ? err.message : String(err)})`, HINT);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const at = jsonErrorAt(text);
    throw new DataError(`${file}:${at.line}:${at.column}: not JSON (${at.reason})`, HINT);
  }
  const r = data as Partial<Report> | null;
  const isReport =
    typeof r === 'object' && r !== null && r.version === 1 && r.tool?.name === 'aiops-guard' && typeof r.source === 'object' && r.source !== null &&
    typeof r.summary === 'object' && r.summary !== null && Array.isArray(r.findings) && Array.isArray(r.errors) && Array.isArray(r.rules);
  if (!isReport) throw new DataError(`${file}: not an aiops-guard JSON report (version 1)`, HINT);
  if (r.drift || r.rollback) {
    throw new DataError(`${file}: a ${r.drift ? 'drift' : 'rollback'} report; merge joins check reports`, 'drift, rollback and scan look at the whole repository at once and are not sharded: run them unsharded');
  }
  return { file, report: data as ShardReport };
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The shards must be one check, cut in n: same tool, repository, source, rules and gate; each k of n once. */
function checkShards(loaded: readonly Loaded[]): Loaded[] {
  const sorted = [...loaded];
  for (const { file, report } of sorted) {
    if (!report.source.shard) throw new DataError(`${file}: not a shard report (it has no source.shard)`, 'run check with --shard k/n for each part; a report of the whole repository needs no merge');
    if (report.tool.version !== TOOL_VERSION) {
      throw new DataError(`${file}: written by aiops-guard ${report.tool.version}; this is ${TOOL_VERSION}`, 'run every shard and the merge with the same version of aiops-guard');
    }
  }
  const [first, ...rest] = sorted;
  const { shard: _s, ...source } = first!.report.source;
  const total = first!.report.source.shard!.total;
  for (const { file, report } of rest) {
    const { shard, ...theirs } = report.source;
    const differs = (what: string) =>
      new DataError(`${file} and ${first!.file} are not shards of one check: ${what} differ`, 'merge the reports of one run of the CI matrix (the same commit, config and flags on every shard)');
    if (theirs.repo !== source.repo) throw differs(`repositories (${theirs.repo}, ${source.repo})`);
    if (!sameJson({ ...theirs, repo: '' }, { ...source, repo: '' })) throw differs('sources (mode, ref, commit or --changed-since)');
    if (shard!.total !== total) throw differs(`shard counts (${shard!.index}/${shard!.total}, ${first!.report.source.shard!.index}/${total})`);
    if (report.summary.rules !== first!.report.summary.rules) throw differs(`rule sets (${report.summary.rules} and ${first!.report.summary.rules} rules)`);
    if (report.summary.failOn !== first!.report.summary.failOn) {
      throw new UsageError(`${file} gates at ${report.summary.failOn} and ${first!.file} at ${first!.report.summary.failOn}`, 'give every shard the same --fail-on (or config failOn)');
    }
    if (Boolean(report.summary.baseline) !== Boolean(first!.report.summary.baseline) || Boolean(report.summary.baseline?.unmatched) !== Boolean(first!.report.summary.baseline?.unmatched)) {
      throw differs('baselines (one was compared with a baseline or --new-since, the other not)');
    }
  }
  const byIndex = new Map<number, string>();
  for (const { file, report } of sorted) {
    const k = report.source.shard!.index;
    if (byIndex.has(k)) throw new DataError(`shard ${k}/${total} given twice: ${byIndex.get(k)} and ${file}`, 'give each shard report once');
    byIndex.set(k, file);
  }
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((k) => !byIndex.has(k));
  if (missing.length > 0) {
    throw new DataError(`missing shard ${missing.map((k) => `${k}/${total}`).join(', ')}: the merged report would leave its files out`, 'give the report of every shard (did a matrix job fail before writing it?)');
  }
  return sorted.sort((a, b) => a.report.source.shard!.index - b.report.source.shard!.index);
}

/**
 * Joins shard reports into one. Findings are sorted as check sorts them, one finding reported by
 * two shards (same fingerprint and place) counts once; counts, referenced rules and the exit code
 * are computed again, the exit code with the shards' gate over the findings that are not in the
 * baseline. The baseline marks come from the shards; `absent` counts the baseline entries no shard
 * matched. Returns those entries too (SARIF lists them).
 */
export function mergeShardReports(given: readonly Loaded[]): { report: BaselinedReport; absent: BaselineEntry[] } {
  const shards = checkShards(given);
  const first = shards[0]!.report;
  const seen = new Set<string>();
  const findings: Finding[] = [];
  const errors: ReportError[] = [];
  const seenErrors = new Set<string>();
  const rules = new Map<string, RuleInfo>();
  const targets = new Map<string, TargetInfo>();
  let files = 0;
  let documents = 0;
  for (const { report } of shards) {
    const mine: string[] = [];
    for (const f of report.findings) {
      const key = `${findingFingerprint(f)}\u0000${f.file}\u0000${f.line}\u0000${f.column}`;
      if (seen.has(key)) continue;
      mine.push(key);
      findings.push(f);
    }
    mine.forEach((k) => seen.add(k));
    for (const e of report.errors) {
      const key = JSON.stringify(e);
      if (seenErrors.has(key)) continue;
      seenErrors.add(key);
      errors.push(e);
    }
    for (const r of report.rules) if (!rules.has(r.id)) rules.set(r.id, r);
    for (const t of report.targets ?? []) if (!targets.has(t.path)) targets.set(t.path, t);
    files += report.summary.files;
    documents += report.summary.documents;
  }
  findings.sort(compareFindings);
  errors.sort(compareErrors);
  const { shard: _shard, ...source } = first.source;
  const failOn = first.summary.failOn;
  const baselined = Boolean(first.summary.baseline);
  const gated = baselined ? findings.filter((f) => (f as { baseline?: string }).baseline === 'new') : findings;
  const report: BaselinedReport = {
    version: 1,
    tool: { name: 'aiops-guard', version: TOOL_VERSION },
    source: source as ReportSource,
    summary: summarize({ files, documents, rules: first.summary.rules, failOn, findings, errors }, gated),
    findings,
    errors,
    rules: [...rules.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    // Each rendered target is checked by one shard (by its path); in path order, as check lists them.
    ...(targets.size > 0 ? { targets: [...targets.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) } : {}),
  };
  let absent: BaselineEntry[] = [];
  if (baselined) {
    // An entry is fixed when no shard found it: each shard lists those it did not find.
    const unmatched = shards.map(({ report: r }) => new Set((r.summary.baseline!.unmatched ?? []).map((e) => e.fingerprint)));
    absent = (first.summary.baseline!.unmatched ?? []).filter((e) => unmatched.every((s) => s.has(e.fingerprint)));
    const counts = { unchanged: 0, new: 0, absent: absent.length };
    for (const f of findings as (Finding & { baseline?: 'unchanged' | 'new' })[]) if (!f.suppressed && f.baseline) counts[f.baseline]++;
    report.summary.baseline = counts;
  }
  return { report, absent };
}
