import { decideExitCode } from '../report/exit-code.js';
import { SEVERITIES, type FailOn, type Finding, type Report, type ReportError, type ReportSource, type RuleInfo, type Severity, type TargetInfo } from '../report/types.js';
import type { Rule } from '../rules/types.js';
import { TOOL_VERSION } from '../version.js';
import type { CheckResult } from './types.js';

export function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  const t = (f: Finding) => f.target ?? '';
  return a.line - b.line || a.column - b.column || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) || (t(a) < t(b) ? -1 : t(a) > t(b) ? 1 : 0);
}

/** The order of `errors`: by file (run-wide entries first), line, code, message. */
export function compareErrors(a: ReportError, b: ReportError): number {
  const fa = a.file ?? '';
  const fb = b.file ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) if (!f.suppressed) counts[f.severity]++;
  return counts;
}

/** The parts every report is made of. */
export interface ReportParts {
  source: ReportSource;
  findings: Finding[];
  errors: ReportError[];
  files: number;
  documents: number;
  rules: readonly Rule[];
  failOn: FailOn;
  targets?: TargetInfo[];
}

/**
 * A report's summary: counts, and the exit code decided from the findings that gate (all of them,
 * or a baselined report's new ones) and the errors; drift is added later.
 */
export function summarize(parts: Pick<ReportParts, 'findings' | 'errors' | 'files' | 'documents' | 'failOn'> & { rules: number }, gated: readonly Finding[] = parts.findings): Report['summary'] {
  const { findings, failOn } = parts;
  return {
    files: parts.files,
    documents: parts.documents,
    rules: parts.rules,
    findings: countBySeverity(findings),
    suppressed: findings.filter((f) => f.suppressed).length,
    drifted: 0,
    failOn,
    exitCode: decideExitCode(gated, failOn, 0, parts.errors),
  };
}

/** Puts the versioned JSON report together; the exit code is decided from findings (and drift, added later). */
export function assembleReport(parts: ReportParts): Report {
  const { findings } = parts;
  return {
    version: 1,
    tool: { name: 'aiops-guard', version: TOOL_VERSION },
    source: parts.source,
    summary: summarize({ ...parts, rules: parts.rules.length }),
    findings,
    errors: parts.errors,
    rules: referencedRules(parts.rules, findings),
    ...(parts.targets?.length ? { targets: parts.targets } : {}),
  };
}

/** Rules the findings name, with the tool's own checks (parse errors, waivers, drift) described too. */
export function referencedRules(rules: readonly Rule[], findings: readonly Finding[]): RuleInfo[] {
  const ids = new Set(findings.map((f) => f.ruleId));
  const out: RuleInfo[] = [];
  for (const r of rules) {
    if (!ids.has(r.id)) continue;
    out.push({ id: r.id, title: r.title, severity: r.severity, category: r.category, description: r.description, remediation: r.remediation, references: r.references ?? [] });
    ids.delete(r.id);
  }
  for (const id of ids) {
    const f = findings.find((x) => x.ruleId === id)!;
    out.push({ id, title: f.title, severity: f.severity, category: 'aiops-guard', description: f.title, remediation: f.remediation, references: [] });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Shapes a check result into the versioned JSON report. */
export function buildReport(result: CheckResult): Report {
  return assembleReport({ ...result, files: result.fileCount, documents: result.documentCount });
}
