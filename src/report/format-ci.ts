import { createHash } from 'node:crypto';
import { describeNotChecked, notCheckedErrors } from './exit-code.js';
import { describeDrift, driftFingerprint, findingFingerprint } from './fingerprint.js';
import type { Report, Severity } from './types.js';

/** What was not checked fails the run as a finding does (exit-code.ts): a CI format that showed only findings would fail without a word. */
const notChecked = (report: Report) => notCheckedErrors(report.errors, report.summary.failOn);

/** GitHub workflow command escaping: data, and (stricter) property values. */
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

const GITHUB_LEVEL: Record<Severity, 'error' | 'warning' | 'notice'> = { critical: 'error', high: 'error', medium: 'warning', low: 'notice', info: 'notice' };

/** GitHub Actions workflow commands: each finding becomes an inline annotation on the pull request. */
export function formatGithub(report: Report): string {
  const lines: string[] = [];
  for (const f of report.findings as readonly (Report['findings'][number] & { baseline?: 'unchanged' | 'new' })[]) {
    if (f.suppressed) continue;
    // One the baseline or --new-since accepts fails nothing: a notice, not a red error on a run that passes.
    const accepted = f.baseline === 'unchanged';
    const props = [`file=${f.file}`, `line=${f.line}`, `col=${f.column}`, `endLine=${f.endLine}`, `endColumn=${f.endColumn}`, `title=${f.ruleId} (${f.severity}${accepted ? ', already there' : ''})${f.target ? ` in ${f.target}` : ''}`].map((p) => {
      const eq = p.indexOf('=');
      return `${p.slice(0, eq)}=${escapeProperty(p.slice(eq + 1))}`;
    });
    lines.push(`::${accepted ? 'notice' : GITHUB_LEVEL[f.severity]} ${props.join(',')}::${escapeData(`${f.message}. Fix: ${f.remediation}`)}`);
  }
  for (const d of report.drift ?? []) {
    const where = d.file ? `file=${escapeProperty(d.file)},line=${d.line ?? 1},` : '';
    lines.push(`::${d.securityRelevant ? 'error' : 'warning'} ${where}title=${escapeProperty(`drift (${d.status})`)}::${escapeData(describeDrift(d))}`);
  }
  for (const e of notChecked(report)) {
    const where = e.file ? `file=${escapeProperty(e.file)},${e.line ? `line=${e.line},` : ''}` : '';
    lines.push(`::error ${where}title=${escapeProperty(`not checked (${e.code})`)}::${escapeData(e.message)}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

const GITLAB_SEVERITY: Record<Severity, string> = { critical: 'blocker', high: 'critical', medium: 'major', low: 'minor', info: 'info' };

/** GitLab Code Quality report: merge requests show the findings inline. */
export function formatGitlab(report: Report): string {
  const issues: object[] = report.findings
    .filter((f) => !f.suppressed)
    .map((f) => ({
      description: `${f.message} (${f.ruleId}${f.target ? `, target ${f.target}` : ''})`,
      check_name: f.ruleId,
      fingerprint: findingFingerprint(f),
      severity: GITLAB_SEVERITY[f.severity],
      location: { path: f.file, lines: { begin: f.line, end: f.endLine } },
    }));
  for (const d of report.drift ?? []) {
    if (!d.file) continue;
    issues.push({
      description: describeDrift(d),
      check_name: 'drift',
      fingerprint: driftFingerprint(d),
      severity: d.securityRelevant ? 'critical' : 'major',
      location: { path: d.file, lines: { begin: d.line ?? 1 } },
    });
  }
  for (const e of notChecked(report)) {
    issues.push({
      description: describeNotChecked(e),
      check_name: e.code,
      fingerprint: createHash('sha256').update(['not-checked', e.code, e.file ?? '', e.message].join('\u0000')).digest('hex').slice(0, 32),
      severity: 'blocker',
      // Code Quality wants a path: a run-wide error (no file) is on the repository's root.
      location: { path: e.file ?? '.', lines: { begin: e.line ?? 1 } },
    });
  }
  return JSON.stringify(issues, null, 2) + '\n';
}
