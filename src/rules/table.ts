import type { Rule } from './types.js';

/** The README's table of built-in rules (kept in sync by a test; `npm run docs` rewrites it). */
export function formatRulesTable(rules: readonly Rule[]): string {
  const rows = [...rules]
    .sort((a, b) => (a.pack === b.pack ? (a.id < b.id ? -1 : 1) : a.pack < b.pack ? -1 : 1))
    .map((r) => `| \`${r.id}\` | ${r.pack} | ${r.severity} | ${pssCell(r)} | ${r.title.replace(/\|/g, '\\|')} |`);
  return ['| id | pack | severity | PSS | what it catches |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** The Pod Security Standards control a rule checks, as the table shows it ("baseline: Host Ports"). */
function pssCell(rule: Rule): string {
  if (!rule.pss) return '';
  return `${rule.pss.level}: ${rule.pss.control.replace(/\|/g, '\\|')}${rule.pss.profileOnly ? ' (profile only)' : ''}`;
}

const TABLE_START = '<!-- rules-table:start -->';
const TABLE_END = '<!-- rules-table:end -->';

/** Replaces the table between the markers of a README. */
export function replaceRulesTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end === -1) throw new Error(`README has no ${TABLE_START} … ${TABLE_END} markers`);
  return readme.slice(0, start + TABLE_START.length) + '\n' + table + '\n' + readme.slice(end);
}
