import { PARSE_ERROR } from '../parse/documents.js';
import { decideExitCode, EXIT } from '../report/exit-code.js';
import { findingFingerprint } from '../report/fingerprint.js';
import type { Finding, Report, ReportSummary } from '../report/types.js';
import type { BaselineEntry } from './file.js';

/** A finding's state against the baseline (and --new-since): accepted before, or new. */
type BaselineMark = 'unchanged' | 'new';

/** `summary.baseline`: findings accepted before, new ones, and baseline entries no longer found (fixed). */
interface BaselineCounts {
  unchanged: number;
  new: number;
  absent: number;
  /** A shard's report (`check --shard`): the entries this shard did not find; `aiops-guard merge` counts those no shard found as absent. */
  unmatched?: BaselineEntry[];
}

type MarkedFinding = Finding & { baseline?: BaselineMark };

/**
 * A file that cannot be read is never accepted: its parse-error stands for everything in it, which
 * nothing checked. Accepted, it would let any later content of that file pass while it stays broken
 * (a privileged pod written into a file that still does not parse).
 */
export const NEVER_ACCEPTED: ReadonlySet<string> = new Set([PARSE_ERROR]);
export type BaselinedReport = Omit<Report, 'findings' | 'summary'> & { findings: MarkedFinding[]; summary: ReportSummary & { baseline?: BaselineCounts } };

interface Accepted {
  /**
   * The findings that do not fail the gate (the baseline file's, and those at the --new-since
   * merge-base): by fingerprint, the files each was found in.
   */
  places: ReadonlyMap<string, ReadonlySet<string>>;
  /** The baseline file's entries, to count the fixed ones; null without a file. */
  entries: readonly BaselineEntry[] | null;
  /** Only a run over the whole repository and every rule can say an entry is fixed. */
  countAbsent: boolean;
}

/**
 * Marks the findings of one fingerprint. A fingerprint names a resource, not a file: the same
 * Deployment `web` without a namespace in dev/web.yaml and prod/web.yaml has one. Each accepted
 * place accepts one declaration: a finding in a file it was accepted in is old; one elsewhere is old
 * only while an accepted file has no such finding any more (the file was renamed or moved). So a
 * second declaration that gains the finding (prod made privileged like dev) is new.
 */
function markAccepted(findings: MarkedFinding[], files: ReadonlySet<string> | undefined): void {
  if (!files) {
    for (const f of findings) f.baseline = 'new';
    return;
  }
  const here = new Set(findings.map((f) => f.file));
  let moved = [...files].filter((file) => !here.has(file)).length;
  for (const f of findings) {
    if (NEVER_ACCEPTED.has(f.ruleId)) f.baseline = 'new';
    else if (files.has(f.file)) f.baseline = 'unchanged';
    else if (moved > 0) {
      moved--;
      f.baseline = 'unchanged';
    } else f.baseline = 'new';
  }
}

/**
 * Marks each finding `unchanged` (accepted) or `new`, counts them in `summary.baseline`, and
 * re-decides the exit code over the new findings only. Returns the entries no longer found.
 */
export function applyBaseline(report: Report, accepted: Accepted): { report: BaselinedReport; absent: BaselineEntry[] } {
  const out = report as BaselinedReport;
  const counts: BaselineCounts = { unchanged: 0, new: 0, absent: 0 };
  const byFingerprint = new Map<string, MarkedFinding[]>();
  for (const f of out.findings) {
    const fp = findingFingerprint(f);
    const same = byFingerprint.get(fp);
    if (same) same.push(f);
    else byFingerprint.set(fp, [f]);
  }
  for (const [fp, findings] of byFingerprint) markAccepted(findings, accepted.places.get(fp));
  for (const f of out.findings) if (!f.suppressed) counts[f.baseline!]++;
  const seen = new Set(byFingerprint.keys());
  const absent = accepted.countAbsent && accepted.entries ? accepted.entries.filter((e) => !seen.has(e.fingerprint)) : [];
  counts.absent = absent.length;
  out.summary.baseline = counts;
  const code = out.summary.exitCode;
  if (code === EXIT.clean || code === EXIT.findings || code === EXIT.drift || code === EXIT.findingsAndDrift) {
    // The drift half of the verdict stays as decided; the findings half is decided again over the new findings.
    const drifted = code === EXIT.drift || code === EXIT.findingsAndDrift ? 1 : 0;
    out.summary.exitCode = decideExitCode(
      out.findings.filter((f) => f.baseline === 'new'),
      out.summary.failOn,
      drifted,
      out.errors,
    );
  }
  return { report: out, absent };
}
