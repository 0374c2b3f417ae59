import { describeNotChecked, notCheckedErrors } from './exit-code.js';
import { driftFingerprint, describeDrift, findingFingerprint } from './fingerprint.js';
import type { Finding, Report, RuleInfo, Severity } from './types.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/** GitHub code scanning ranks results by this (CVSS-like, 0-10). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' };

const DRIFT_RULE: RuleInfo = {
  id: 'drift',
  title: 'Live state differs from git',
  severity: 'high',
  category: 'drift',
  description: 'The resource running in the cluster is not what git declares: modified, missing, or unmanaged.',
  remediation: 'Re-apply git (sync), or bring the live change into git; see aiops-guard rollback --live for the commit live runs.',
  references: [],
};

function sarifRule(r: RuleInfo) {
  return {
    id: r.id,
    name: r.title,
    shortDescription: { text: r.title },
    fullDescription: { text: r.description },
    help: { text: r.remediation, markdown: `**Fix:** ${r.remediation}${r.references.length ? `\n\n${r.references.map((u) => `- ${u}`).join('\n')}` : ''}` },
    ...(r.references[0] ? { helpUri: r.references[0] } : {}),
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: { tags: ['security', r.category], 'security-severity': SECURITY_SEVERITY[r.severity], precision: 'high' },
  };
}

function region(f: Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'>) {
  const end = f.endLine > f.line || (f.endLine === f.line && f.endColumn > f.column);
  return { startLine: f.line, startColumn: f.column, ...(end ? { endLine: f.endLine, endColumn: f.endColumn } : {}) };
}

/** SARIF 2.1.0 with one run: rules, results with stable fingerprints, waived findings as suppressions, drift as results of a `drift` rule. */
export function formatSarif(report: Report): string {
  const rules = [...report.rules, ...(report.drift?.length ? [DRIFT_RULE] : [])];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results: object[] = report.findings.map((f) => ({
    ruleId: f.ruleId,
    ruleIndex: index.get(f.ruleId),
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [{ physicalLocation: { artifactLocation: { uri: f.file, uriBaseId: '%SRCROOT%' }, region: region(f) } }],
    partialFingerprints: { 'aiopsGuardFinding/v1': findingFingerprint(f) },
    properties: { severity: f.severity, pointer: f.pointer, ...(f.target ? { target: f.target } : {}), ...(f.introduced ? { introduced: f.introduced } : {}) },
    ...(f.suppressed ? { suppressions: [{ kind: f.suppressed.kind === 'annotation' ? 'inSource' : 'external', justification: f.suppressed.reason }] } : {}),
  }));
  for (const d of report.drift ?? []) {
    results.push({
      ruleId: 'drift',
      ruleIndex: index.get('drift'),
      level: d.securityRelevant ? 'error' : 'warning',
      message: { text: describeDrift(d) },
      ...(d.file ? { locations: [{ physicalLocation: { artifactLocation: { uri: d.file, uriBaseId: '%SRCROOT%' }, region: { startLine: d.line ?? 1 } } }] } : {}),
      partialFingerprints: { 'aiopsGuardDrift/v1': driftFingerprint(d) },
      properties: { status: d.status, securityRelevant: d.securityRelevant },
    });
  }
  // What could not be checked: tool execution notifications, and the analysis did not complete.
  const unchecked = notCheckedErrors(report.errors, report.summary.failOn);
  const notifications = unchecked.map((e) => ({
    level: 'error',
    message: { text: describeNotChecked(e) },
    descriptor: { id: e.code },
    ...(e.file ? { locations: [{ physicalLocation: { artifactLocation: { uri: e.file, uriBaseId: '%SRCROOT%' }, ...(e.line ? { region: { startLine: e.line } } : {}) } }] } : {}),
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: report.tool.name, version: report.tool.version, semanticVersion: report.tool.version, informationUri: 'https://github.com/aiops-guard/aiops-guard', rules: rules.map(sarifRule) } },
        originalUriBaseIds: { '%SRCROOT%': { uri: `file://${report.source.repo.replace(/\/?$/, '/')}` } },
        ...(report.source.commit ? { versionControlProvenance: [{ repositoryUri: `file://${report.source.repo}`, revisionId: report.source.commit }] } : {}),
        results,
        invocations: [{ executionSuccessful: unchecked.length === 0, exitCode: report.summary.exitCode, ...(notifications.length ? { toolExecutionNotifications: notifications } : {}) }],
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
