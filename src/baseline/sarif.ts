import type { BaselinedReport } from './apply.js';
import type { BaselineEntry } from './file.js';

interface SarifLog {
  runs: { results: Record<string, unknown>[] }[];
}

/**
 * SARIF `baselineState` for a report compared with a baseline: each finding's result is
 * `unchanged` or `new`, and each baseline entry no longer found is an `absent` result.
 * formatSarif writes the findings' results first, in report order, then drift.
 */
export function addBaselineStates(sarifText: string, report: BaselinedReport, absent: readonly BaselineEntry[]): string {
  if (!report.summary.baseline) return sarifText;
  const log = JSON.parse(sarifText) as SarifLog;
  const run = log.runs[0];
  if (!run) return sarifText;
  report.findings.forEach((f, i) => {
    const result = run.results[i];
    if (result && f.baseline) result.baselineState = f.baseline;
  });
  for (const e of absent) {
    run.results.push({
      ruleId: e.rule,
      level: 'none',
      kind: 'pass',
      message: { text: `Fixed since the baseline: ${e.rule}${e.resource ? ` on ${e.resource}` : ''} at ${e.pointer || '/'} (run aiops-guard baseline --prune to drop it)` },
      locations: [{ physicalLocation: { artifactLocation: { uri: e.file, uriBaseId: '%SRCROOT%' } } }],
      partialFingerprints: { 'aiopsGuardFinding/v1': e.fingerprint },
      baselineState: 'absent',
    });
  }
  return JSON.stringify(log, null, 2) + '\n';
}
