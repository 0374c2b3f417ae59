import { EXIT } from './exit-code.js';
import { formatResource } from '../parse/identity.js';
import { introducedLines } from './introduced.js';
import { SEVERITIES, type CommitRef, type DriftItem, type Report, type RollbackSuggestion, type Severity } from './types.js';

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
  /** Print the closing summary line (default true; --quiet turns it off). */
  summary?: boolean;
  /** Print findings, drift and the rollback suggestion (default true; false prints the summary alone). */
  details?: boolean;
}

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

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The human report: one `file:line:col` line per finding, its fix, then a summary. */
export function formatText(report: Report, options: FormatOptions = {}): string {
  const p = options.palette ?? PLAIN;
  const lines: string[] = [];
  const details = options.details !== false;
  const shown = details ? report.findings.filter((f) => !f.suppressed) : [];
  for (const f of shown) {
    lines.push(`${p.bold(`${f.file}:${f.line}:${f.column}`)}  ${paintSeverity(p, f.severity)} ${f.message}  ${p.dim(f.ruleId)}`);
    lines.push(`    ${p.dim('fix:')} ${f.remediation}`);
    lines.push(...introducedLines(f, p.dim));
  }
  if (details && report.drift?.length) lines.push(...(lines.length ? [''] : []), ...formatDrift(report.drift, p));
  if (details && report.rollback) lines.push(...formatRollback(report.rollback, p));
  for (const e of details ? report.errors : []) {
    lines.push(`${p.yellow('skipped')} ${e.file ?? ''}${e.line ? `:${e.line}` : ''}  ${e.message} ${p.dim(`(${e.code})`)}`);
  }
  if (options.summary === false) return lines.length ? lines.join('\n') + '\n' : '';
  if (lines.length) lines.push('');
  const s = report.summary;
  if (report.drift) lines.push(driftSummary(report, p));
  const counts = SEVERITIES.filter((sev) => s.findings[sev] > 0).map((sev) => `${s.findings[sev]} ${sev}`);
  const total = SEVERITIES.reduce((n, sev) => n + s.findings[sev], 0);
  const scope = `${plural(s.files, 'file')}, ${plural(s.documents, 'document')}, ${plural(s.rules, 'rule')}`;
  const suppressed = s.suppressed ? `, ${s.suppressed} waived` : '';
  const gate = s.failOn === 'never' ? 'never fails on findings' : `fails at ${s.failOn} and above`;
  const verdict = `exit ${s.exitCode} (${EXIT_MEANING[s.exitCode] ?? 'error'}; ${gate})`;
  if (report.drift && total === 0) {
    lines[lines.length - 1] += ` · ${verdict}`;
  } else if (total === 0) {
    lines.push(`${p.green('✔')} no findings in ${scope}${suppressed} · ${verdict}`);
  } else {
    const failing = s.exitCode === EXIT.findings || s.exitCode === EXIT.findingsAndDrift;
    const mark = failing ? p.red('✖') : p.yellow('⚠');
    lines.push(`${mark} ${plural(total, 'finding')} (${counts.join(', ')}) in ${scope}${suppressed} · ${verdict}`);
  }
  return lines.join('\n') + '\n';
}

/** A value as shown in a drift line: JSON, cut short; (unset) when absent. */
function showDriftValue(v: unknown): string {
  if (v === undefined) return '(unset)';
  const s = typeof v === 'string' && v.startsWith('<secret ') ? v : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
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
    if (d.securityRelevant) tail = p.red(`live is less secure than git: ${[...new Set(d.liveFindings.map((f) => f.ruleId))].join(', ')}`);
    lines.push(`${mark} ${where}  ${p.yellow(STATUS_TEXT[d.status])}  ${what}${tail ? `  ${tail}` : ''}`);
    for (const c of d.changes) {
      const note = c.note === 'removed-in-git' ? p.dim('  (removed in git, still live)') : '';
      lines.push(`    ${c.pointer}  ${p.dim('git')} ${p.green(showDriftValue(c.desired))} ${p.dim('→ live')} ${p.red(showDriftValue(c.live))}${note}`);
    }
  }
  return lines;
}

function driftSummary(report: Report, p: Palette): string {
  const items = report.drift ?? [];
  if (items.length === 0) return `${p.green('✔')} in sync with ${report.source.live ?? 'live'}`;
  const by = (st: DriftItem['status']) => items.filter((d) => d.status === st).length;
  const parts = (['modified', 'missing', 'unmanaged'] as const).filter((st) => by(st) > 0).map((st) => `${by(st)} ${st}`);
  const sec = items.filter((d) => d.securityRelevant).length;
  const secText = sec ? `, ${p.red(`${sec} security-relevant`)}` : '';
  return `${p.red('✖')} ${plural(items.length, 'resource')} drifted from ${report.source.live ?? 'live'} (${parts.join(', ')}${secText})`;
}

const short = (sha: string) => sha.slice(0, 7);
const commitLine = (c: CommitRef) => `${short(c.sha)} ${c.subject} (${c.author}, ${c.date.slice(0, 10)})`;
const COMMAND_LABELS: [RegExp, string][] = [
  [/^git revert --no-edit/, 'revert only the commits to blame (newest first):'],
  [/^git (revert --no-commit|restore --source \S+ --staged --worktree)/, 'or roll everything back to the last good commit:'],
  [/^git (restore --source \S+ --|rm|show)/, 'or put back only the failing files:'],
];

function formatRollback(r: RollbackSuggestion, p: Palette): string[] {
  const lines: string[] = [''];
  const behind = (n: number) => `${plural(n, 'commit')} behind ${short(r.head.sha)}`;
  if (r.headPasses) {
    lines.push(`${p.green('✔')} ${p.bold('rollback:')} ${commitLine(r.head)} passes the gate; nothing to roll back`);
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
    if (r.unattributed.length) lines.push(`  ${p.yellow(`older than the ${r.searched} commits searched: ${r.unattributed.join('; ')}`)}`);
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
    if (next !== label) lines.push(`  ${next}`);
    label = next;
    lines.push(`    ${p.bold(c)}`);
  }
  lines.push(p.dim(`  (searched ${plural(r.searched, 'commit')} of first-parent history${r.stoppedAt === 'shallow' ? '; stopped at the shallow clone boundary' : ''})`));
  return lines;
}
