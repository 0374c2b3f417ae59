import { POLICY_WEAKENED_RULE } from '../policy/weakened.js';
import { EXIT, notCheckedCount, notCheckedErrors } from './exit-code.js';
import { formatResource } from '../parse/identity.js';
import { securityReason } from './fingerprint.js';
import { introducedLines } from './introduced.js';
import { SEVERITIES, type CommitRef, type DriftItem, type Finding, type Report, type ReportError, type RollbackSuggestion, type Severity } from './types.js';

/** Colours for text output; the CLI passes chalk's, tests and pipes get plain text. */
export interface Palette {
  red(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  green(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const plain = (s: string) => s;
export const PLAIN: Palette = { red: plain, yellow: plain, blue: plain, green: plain, dim: plain, bold: plain };

export interface FormatOptions {
  palette?: Palette;
  /** Print the closing summary line (default true). */
  summary?: boolean;
  /** Print findings, drift and the rollback suggestion (default true; false prints the summary alone). */
  details?: boolean;
  /** `-q`: nothing when the run passes; otherwise only what fails it (no summary, no table). */
  quiet?: boolean;
  /** The lowest severity listed in full (default: the gate); `all` lists every finding, baseline ones too. */
  show?: Severity | 'all';
  /** How listed findings are grouped (default: file). */
  groupBy?: GroupBy;
}

export const GROUP_BY = ['file', 'rule', 'resource'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

const EXIT_MEANING: Record<number, string> = {
  0: 'clean',
  1: 'policy findings',
  2: 'drift',
  3: 'policy findings and drift',
};

function paintSeverity(p: Palette, s: Severity): string {
  const label = s.padEnd(8);
  if (s === 'critical' || s === 'high') return p.red(label);
  if (s === 'medium') return p.yellow(label);
  return p.blue(label);
}

/** `1 finding`, `2 findings`: every count the text shows. */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const count = (n: number) => n.toLocaleString('en-US');

/** What a finding may carry once compared with a baseline (src/baseline). */
type Baselined = Finding & { baseline?: 'unchanged' | 'new' };
type BaselineCounts = { unchanged: number; new: number; absent: number };

const atOrAbove = (s: Severity, threshold: Severity) => SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(threshold);

/** "133 k8s-run-as-root, 20 k8s-missing-requests": counts per rule, most frequent first. */
function countsPerRule(findings: readonly Finding[]): string {
  const by = new Map<string, number>();
  for (const f of findings) by.set(f.ruleId, (by.get(f.ruleId) ?? 0) + 1);
  return [...by]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([id, n]) => `${count(n)} ${id}`)
    .join(', ');
}

function findingLines(f: Baselined, p: Palette): string[] {
  // Listed with --show all: say which ones do not fail because they were there before.
  const old = f.baseline === 'unchanged' ? p.dim('  (already there)') : '';
  // A rendered target's finding: the file is a base, patch or kustomization; the target says which overlay.
  const target = f.target ? p.dim(`  target ${f.target}`) : '';
  return [`${p.bold(`${f.file}:${f.line}:${f.column}`)}  ${paintSeverity(p, f.severity)} ${f.message}  ${p.dim(f.ruleId)}${target}${old}`, `    ${p.dim('fix:')} ${f.remediation}`, ...introducedLines(f, p.dim)];
}

/** Findings listed in full: by file (a blank line between files), by rule (the fix once), or by resource. */
function formatFindings(findings: readonly Finding[], groupBy: GroupBy, p: Palette): string[] {
  const lines: string[] = [];
  if (groupBy === 'file') {
    let file: string | null = null;
    for (const f of findings) {
      if (file !== null && f.file !== file) lines.push('');
      file = f.file;
      lines.push(...findingLines(f, p));
    }
    return lines;
  }
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = groupBy === 'rule' ? f.ruleId : f.resource ? formatResource(f.resource) : `(no resource) ${f.file}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const keys = [...groups.keys()];
  if (groupBy === 'rule') {
    const rank = (k: string) => SEVERITIES.indexOf(groups.get(k)![0]!.severity);
    keys.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
  } else {
    keys.sort();
  }
  for (const key of keys) {
    const list = groups.get(key)!;
    if (lines.length) lines.push('');
    if (groupBy === 'rule') {
      const first = list[0]!;
      lines.push(`${p.bold(key)}  ${paintSeverity(p, first.severity).trimEnd()}  ${p.dim(`(${list.length})`)}`);
      for (const f of list as Baselined[]) lines.push(`  ${p.bold(`${f.file}:${f.line}:${f.column}`)}  ${f.message}${f.target ? p.dim(`  target ${f.target}`) : ''}${f.baseline === 'unchanged' ? p.dim('  (already there)') : ''}`);
      lines.push(`    ${p.dim('fix:')} ${first.remediation}`);
    } else {
      lines.push(p.bold(key));
      for (const f of list) lines.push(...findingLines(f, p).map((l) => `  ${l}`));
    }
  }
  return lines;
}

/** The per-rule table: rule, severity, findings that count, waived ones. */
function formatRuleTable(findings: readonly Finding[], p: Palette): string[] {
  const rows = new Map<string, { severity: Severity; count: number; waived: number }>();
  for (const f of findings) {
    const row = rows.get(f.ruleId) ?? { severity: f.severity, count: 0, waived: 0 };
    if (f.suppressed) row.waived++;
    else row.count++;
    rows.set(f.ruleId, row);
  }
  const ids = [...rows.keys()].sort((a, b) => SEVERITIES.indexOf(rows.get(a)!.severity) - SEVERITIES.indexOf(rows.get(b)!.severity) || (a < b ? -1 : 1));
  const w = Math.max(4, ...ids.map((id) => id.length));
  const out = [p.bold(`${'rule'.padEnd(w)}  ${'severity'.padEnd(8)}  ${'count'.padStart(6)}  ${'waived'.padStart(6)}`)];
  for (const id of ids) {
    const r = rows.get(id)!;
    out.push(`${id.padEnd(w)}  ${paintSeverity(p, r.severity)}  ${count(r.count).padStart(6)}  ${count(r.waived).padStart(6)}`);
  }
  return out;
}

/** A file, target or rule set the run passed over, on one line. */
function skippedLine(e: ReportError, p: Palette): string {
  return `${p.yellow('skipped')} ${e.file ?? ''}${e.line ? `:${e.line}` : ''}  ${e.message} ${p.dim(`(${e.code})`)}`;
}

/**
 * The human report, one screen: findings at or above the gate (or --show) in full, grouped;
 * the rest as counts per rule; drift, rollback, a per-rule table and the verdict.
 */
export function formatText(report: Report, options: FormatOptions = {}): string {
  const p = options.palette ?? PLAIN;
  const s = report.summary;
  const findings = report.findings as readonly Baselined[];
  const baseline = (s as typeof s & { baseline?: BaselineCounts }).baseline;
  const gate = s.failOn;
  const show = options.show ?? (gate === 'never' ? 'all' : gate);
  const failingFindings = findings.filter((f) => !f.suppressed && f.baseline !== 'unchanged' && gate !== 'never' && atOrAbove(f.severity, gate));

  if (options.quiet) {
    if (s.exitCode === EXIT.clean) return '';
    const lines = formatFindings(failingFindings, options.groupBy ?? 'file', p);
    if ((s.exitCode === EXIT.drift || s.exitCode === EXIT.findingsAndDrift) && report.drift?.length) lines.push(...(lines.length ? [''] : []), ...formatDrift(report.drift, p));
    // What was not checked fails the run too: quiet says why it failed, whatever the reason.
    lines.push(...notCheckedErrors(report.errors, gate).map((e) => skippedLine(e, p)));
    return lines.length ? lines.join('\n') + '\n' : '';
  }

  const lines: string[] = [];
  const details = options.details !== false;
  if (details) {
    const counting = findings.filter((f) => !f.suppressed);
    const accepted = show === 'all' ? [] : counting.filter((f) => f.baseline === 'unchanged');
    const listed = counting.filter((f) => show === 'all' || (f.baseline !== 'unchanged' && atOrAbove(f.severity, show)));
    const below = show === 'all' ? [] : counting.filter((f) => f.baseline !== 'unchanged' && !atOrAbove(f.severity, show));
    lines.push(...formatFindings(listed, options.groupBy ?? 'file', p));
    const blocks: string[] = [];
    if (below.length) {
      const what = show === gate ? 'below the gate' : `below ${show}`;
      blocks.push(p.dim(`+ ${count(below.length)} ${what}: ${countsPerRule(below)} (--show all to list)`));
    }
    if (accepted.length) blocks.push(p.dim(`= ${count(accepted.length)} already there (baseline or --new-since), not failing: ${countsPerRule(accepted)} (--show all to list)`));
    if (baseline?.absent) blocks.push(p.dim(`- ${count(baseline.absent)} in the baseline no longer found: fixed (aiops-guard baseline --prune drops them)`));
    if (blocks.length) lines.push(...(lines.length ? [''] : []), ...blocks);
  }
  if (details && report.drift?.length) lines.push(...(lines.length ? [''] : []), ...formatDrift(report.drift, p));
  // The commits were judged by the policy the checked tree carries: when the change weakens it, passing says little.
  const weakened = report.findings.some((f) => f.ruleId === POLICY_WEAKENED_RULE.id && !f.suppressed);
  if (details && report.rollback) lines.push(...formatRollback(report.rollback, p, weakened));
  for (const e of details ? report.errors : []) lines.push(skippedLine(e, p));
  // A finding in `<path>/(rendered)` is at a line of a command's output: say which command.
  for (const t of details ? (report.targets ?? []) : []) {
    if (t.command && findings.some((f) => f.target === t.path)) lines.push(p.dim(`${t.path ? `${t.path}/` : ''}(rendered) is the output of: ${t.command}`));
  }
  // The table tells more than the summary line only when more than one rule is involved.
  if (details && new Set(findings.map((f) => f.ruleId)).size > 1) lines.push('', ...formatRuleTable(findings, p));
  if (options.summary === false) return lines.length ? lines.join('\n') + '\n' : '';
  if (lines.length) lines.push('');
  if (report.drift) lines.push(driftSummary(report, p));
  const counts = SEVERITIES.filter((sev) => s.findings[sev] > 0).map((sev) => `${s.findings[sev]} ${sev}`);
  const total = SEVERITIES.reduce((n, sev) => n + s.findings[sev], 0);
  const scope = `${plural(s.files, 'file')}, ${plural(s.documents, 'document')}, ${plural(s.rules, 'rule')}`;
  const suppressed = s.suppressed ? `, ${s.suppressed} waived` : '';
  const accepted = baseline && total > 0 ? `, ${baseline.new} new, ${baseline.unchanged} already there` : '';
  const gateText = gate === 'never' ? 'never fails on findings' : `fails at ${gate} and above`;
  // Exit 1 (or 3) may come from what was not checked (a target not rendered, a template) rather than from findings: say which.
  const unchecked = notCheckedErrors(report.errors, gate);
  const notChecked = unchecked.length;
  const targets = unchecked.filter((e) => e.code === 'not-rendered').length;
  const skipped = [targets ? `${plural(targets, 'target')} not rendered` : '', notChecked > targets ? `${plural(notChecked - targets, 'file')} not checked` : ''].filter(Boolean).join(', ');
  const meaning =
    notChecked > 0 && (s.exitCode === EXIT.findings || s.exitCode === EXIT.findingsAndDrift)
      ? [failingFindings.length > 0 ? 'policy findings' : '', `${skipped} (skipped above)`, s.exitCode === EXIT.findingsAndDrift ? 'drift' : ''].filter(Boolean).join(', ')
      : (EXIT_MEANING[s.exitCode] ?? 'error');
  // --fail-on never gates nothing, not even a file that could not be read or a target not rendered: exit 0, but not clean.
  const unread = gate === 'never' ? notCheckedCount(report.findings, report.errors) : 0;
  // Exit 0 is clean only without findings: with some below the gate, accepted or ungated, the run passes.
  const passing = unread > 0 ? `${plural(unread, 'file')} not checked, not gated` : total > 0 ? (gate === 'never' ? 'reported, not gated' : 'passes') : meaning;
  const verdict = `exit ${s.exitCode} (${s.exitCode === EXIT.clean ? passing : meaning}; ${gateText})`;
  if (report.drift && total === 0) {
    lines[lines.length - 1] += ` · ${verdict}`;
  } else if (total === 0) {
    const mark = notChecked > 0 ? p.red('✖') : p.green('✔');
    lines.push(`${mark} no findings in ${scope}${suppressed} · ${verdict}`);
  } else {
    const failing = s.exitCode === EXIT.findings || s.exitCode === EXIT.findingsAndDrift;
    const mark = failing ? p.red('✖') : p.yellow('⚠');
    lines.push(`${mark} ${plural(total, 'finding')} (${counts.join(', ')}) in ${scope}${suppressed}${accepted} · ${verdict}`);
  }
  return lines.join('\n') + '\n';
}

/** Shortens a value by cutting its start, so its end (an image's tag, a path's file) stays visible. */
function shortenValue(s: string, max: number): string {
  return s.length > max ? `…${s.slice(s.length - (max - 1))}` : s;
}

/** A value as shown in a drift line: JSON, cut short; (unset) when absent. */
function showDriftValue(v: unknown): string {
  if (v === undefined) return '(unset)';
  const s = typeof v === 'string' && v.startsWith('<secret ') ? v : JSON.stringify(v);
  return shortenValue(s, 60);
}

const STATUS_TEXT = { modified: 'modified', missing: 'missing ', unmanaged: 'unmanaged' } as const;

function formatDrift(items: readonly DriftItem[], p: Palette): string[] {
  const lines: string[] = [];
  for (const d of items) {
    const where = d.file ? p.bold(`${d.file}:${d.line}`) : p.dim('(not in git)');
    const what = formatResource(d.resource);
    const mark = d.securityRelevant ? p.red('!') : ' ';
    let tail = '';
    if (d.status === 'missing') tail = p.dim('in git, not live');
    if (d.status === 'unmanaged') tail = p.dim('live, not in git');
    if (d.securityRelevant) tail = p.red(securityReason(d));
    // Still missing (and still security-relevant): a deleted NetworkPolicy looks the same as one never fetched.
    if (d.kindNotInSnapshot) tail += p.dim(`  (the snapshot has no ${d.resource.kind} at all: if kubectl get did not fetch that kind, add it)`);
    const target = d.target !== undefined ? p.dim(`  target ${d.target || '.'}`) : '';
    lines.push(`${mark} ${where}  ${p.yellow(STATUS_TEXT[d.status])}  ${what}${tail ? `  ${tail}` : ''}${target}`);
    for (const c of d.changes) {
      const note = c.note === 'removed-in-git' ? p.dim('  (removed in git, still live)') : '';
      // In a rendered target the value may come from a patch or the kustomization: say where.
      const setIn = c.file ? p.dim(`  (set in ${c.file}:${c.line})`) : '';
      lines.push(`    ${c.pointer}  ${p.dim('git')} ${p.green(showDriftValue(c.desired))} ${p.dim('→ live')} ${p.red(showDriftValue(c.live))}${note}${setIn}`);
    }
  }
  return lines;
}

function driftSummary(report: Report, p: Palette): string {
  const items = report.drift ?? [];
  if (items.length === 0) {
    // Nothing drifted among what could be read: with desired files unread, that is not "in sync".
    const unread = report.summary.desiredUnparsed ?? 0;
    if (unread > 0) return `${p.yellow('⚠')} not compared: ${unread} desired ${unread === 1 ? 'file' : 'files'} could not be parsed (fix the parse errors above); the rest matches ${report.source.live ?? 'live'}`;
    return `${p.green('✔')} in sync with ${report.source.live ?? 'live'}`;
  }
  const by = (st: DriftItem['status']) => items.filter((d) => d.status === st).length;
  const parts = (['modified', 'missing', 'unmanaged'] as const).filter((st) => by(st) > 0).map((st) => `${by(st)} ${st}`);
  const sec = items.filter((d) => d.securityRelevant).length;
  const secText = sec ? `, ${p.red(`${sec} security-relevant`)}` : '';
  // ✖ when the drift fails the run (--fail-on-drift), ⚠ when it is only reported.
  const failing = report.summary.exitCode === EXIT.drift || report.summary.exitCode === EXIT.findingsAndDrift;
  return `${failing ? p.red('✖') : p.yellow('⚠')} ${plural(items.length, 'resource')} drifted from ${report.source.live ?? 'live'} (${parts.join(', ')}${secText})`;
}

const short = (sha: string) => sha.slice(0, 7);
const commitLine = (c: CommitRef) => `${short(c.sha)} ${c.subject} (${c.author}, ${c.date.slice(0, 10)})`;
const COMMAND_LABELS: [RegExp, string][] = [
  [/^git revert --no-edit/, 'revert only the commits to blame (newest first):'],
  [/^git (revert --no-commit|restore --source \S+ --staged --worktree)/, 'or roll everything back to the last good commit:'],
  [/^git (restore --source \S+ --|rm|show)/, 'or put back only the failing files:'],
];

function formatRollback(r: RollbackSuggestion, p: Palette, policyWeakened = false): string[] {
  const lines: string[] = [''];
  const behind = (n: number) => `${plural(n, 'commit')} behind ${short(r.head.sha)}`;
  if (r.headPasses) {
    lines.push(`${p.green('✔')} ${p.bold('rollback:')} ${commitLine(r.head)} passes the gate; nothing to roll back`);
    if (policyWeakened) lines.push(`  ${p.yellow('under the policy this change weakens (policy-weakened above): judge the commits with the reviewed policy, --trusted-config <target branch>')}`);
  } else {
    lines.push(`${p.bold('rollback:')} ${commitLine(r.head)} fails the gate`);
    if (r.lastGood) {
      lines.push(`  last good: ${p.green(commitLine(r.lastGood))}`);
    } else {
      const why = r.stoppedAt === 'shallow' ? 'the shallow clone ends there (git fetch --unshallow to look further)' : r.stoppedAt === 'root' ? 'that is the whole history' : 'raise --max-commits to look further';
      lines.push(`  ${p.red(`no commit in the last ${r.searched} passes the gate`)}: ${why}`);
    }
    if (r.culprits.length) lines.push('  introduced by:');
    for (const c of r.culprits) {
      lines.push(`    ${p.red(commitLine(c))}`);
      lines.push(`      ${c.ruleIds.join(', ')} ${p.dim('in')} ${c.files.join(', ')}`);
      if (c.changedSince.length) lines.push(`      ${p.yellow(`later commits changed ${c.changedSince.join(', ')}: reverting it alone may conflict`)}`);
    }
    if (r.unattributed.length) lines.push(`  ${p.yellow(`older than the ${plural(r.searched, 'commit')} searched: ${r.unattributed.join('; ')}`)}`);
    if (r.notChecked?.length) lines.push(`  ${p.yellow(`not checked, so failing as in check (listed below; no commit is blamed for it): ${r.notChecked.join('; ')}`)}`);
    if (r.unparsed?.length) lines.push(`  ${p.yellow(`${r.unparsed.join(', ')} cannot be parsed at ${short(r.head.sha)}, which hides what else ${r.unparsed.length === 1 ? 'it holds' : 'they hold'}: a finding an earlier commit put there is not traced, and reverting only the commits to blame may leave it (rolling everything back does not)`)}`);
    if (r.credentials?.length) lines.push(`  ${p.red(`credentials in git (${r.credentials.join(', ')}): reverting or rolling back leaves them in the history for anyone who clones it; rotate each, then keep it in a Secret store`)}`);
    if (r.crossDocument?.length) lines.push(`  ${p.yellow(`not traced to a commit (each relates several objects, and history is traced file by file; only rolling everything back is sure to clear them): ${r.crossDocument.join('; ')}`)}`);
  }
  if (r.liveMatches.length) lines.push('  live:');
  for (const m of r.liveMatches) {
    const what = formatResource(m.resource);
    if (m.sha === null) {
      lines.push(`    ${what} ${p.yellow(`matches no commit in the last ${r.searched}`)}: changed outside git; re-apply git, or bring the change into git`);
    } else if (m.behind === 0) {
      lines.push(`    ${what} runs ${short(m.sha)} (the commit checked)`);
    } else {
      const target = !r.headPasses && m.passesGate ? p.green(`; it passes the gate: the natural rollback target`) : '';
      lines.push(`    ${what} runs ${short(m.sha)} (${behind(m.behind!)}: the deploy lags)${target}`);
    }
  }
  let label = '';
  for (const c of r.commands) {
    const next = COMMAND_LABELS.find(([re]) => re.test(c))?.[1] ?? '';
    // The first choice offered is not an alternative to anything ("or ..." only after another).
    if (next !== label) lines.push(`  ${label === '' ? next.replace(/^or /, '') : next}`);
    label = next;
    lines.push(`    ${p.bold(c)}`);
  }
  lines.push(p.dim(`  (searched ${plural(r.searched, 'commit')} of first-parent history${r.stoppedAt === 'shallow' ? '; stopped at the shallow clone boundary' : ''})`));
  return lines;
}
