import path from 'node:path';
import { yaml } from '../../parse/yaml-lib.js';
import { UsageError } from '../../errors.js';
import { plural, type Palette } from '../../report/format-text.js';
import { SEVERITIES } from '../../report/types.js';
import { closest } from '../../suggest.js';
import { loadCatalog, testRules, type CatalogOptions, type RuleTestRun } from '../../rules/catalog.js';
import { profileControls, type Profile, type ProfileControl } from '../../rules/profiles.js';
import { WORKLOAD_KINDS } from '../../rules/targets.js';
import type { Rule } from '../../rules/types.js';
import { choosePalette, emit } from '../output.js';
import type { RulesFlags } from '../flags.js';


const catalogOptions = (flags: RulesFlags): CatalogOptions => ({
  cwd: process.cwd(),
  repoDir: flags.repo,
  rules: flags.rules,
  configFile: flags.config,
  allowJsConfig: flags.allowJsConfig,
});

const bySeverityThenId = (a: Rule, b: Rule) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || (a.id < b.id ? -1 : 1);

/** The `rules list` table: one rule a line, most severe first. */
function formatRuleList(rules: readonly Rule[], p: Palette): string {
  const sorted = [...rules].sort((a, b) => (a.pack === b.pack ? bySeverityThenId(a, b) : a.pack < b.pack ? -1 : 1));
  const idWidth = Math.max(...sorted.map((r) => r.id.length), 2);
  const lines = [p.bold(`${'id'.padEnd(idWidth)}  ${'severity'.padEnd(8)}  ${'pack'.padEnd(10)}  title`)];
  for (const r of sorted) lines.push(`${r.id.padEnd(idWidth)}  ${r.severity.padEnd(8)}  ${r.pack.padEnd(10)}  ${r.title}`);
  const packs = new Set(rules.map((r) => r.pack));
  lines.push('', p.dim(`${plural(rules.length, 'rule')} in ${plural(packs.size, 'pack')}; details: aiops-guard rules show <id>`));
  return lines.join('\n') + '\n';
}

/** `rules list --profile`: each control of the level, in the standard's order, and the rule that checks it. */
function formatProfile(controls: readonly ProfileControl[], profile: Profile, p: Palette): string {
  const rows = controls.map((c) => ({ level: c.level, control: c.control, rule: c.rules.map((r) => r.id).join(', ') || '(no rule)', severity: c.rules.map((r) => r.severity).join(', ') }));
  const w = (key: 'level' | 'control' | 'rule') => Math.max(key.length, ...rows.map((r) => r[key].length));
  const line = (r: { level: string; control: string; rule: string; severity: string }) =>
    `${r.level.padEnd(w('level'))}  ${r.control.padEnd(w('control'))}  ${r.rule.padEnd(w('rule'))}  ${r.severity}`.trimEnd();
  const lines = [p.bold(line({ level: 'level', control: 'control', rule: 'rule', severity: 'severity' })), ...rows.map(line)];
  const missing = rows.filter((r) => r.rule === '(no rule)').length;
  const what = profile === 'pss-restricted' ? 'restricted level (every baseline control and the restricted ones)' : 'baseline level';
  lines.push('', p.dim(`Pod Security Standards, ${what}: ${plural(rows.length, 'control')}${missing ? `, ${missing} without a rule` : ''}; run them with: aiops-guard check --profile ${profile}`));
  return lines.join('\n') + '\n';
}

/** The `rules show` page: everything a reviewer needs about one rule. */
function formatRuleShow(rule: Rule, p: Palette): string {
  const out = [
    `${p.bold(rule.id)}  ${rule.severity} · ${rule.pack} · ${rule.category}`,
    rule.title,
    '',
    rule.description,
    '',
    `${p.bold('Fix:')} ${rule.remediation}`,
  ];
  if (rule.references?.length) out.push('', p.bold('References:'), ...rule.references.map((r) => `  ${r}`));
  out.push('', `${p.bold('Applies to:')} ${describeMatch(rule)}`);
  out.push(`${p.bold('Target:')} ${rule.target ?? 'document'}`);
  if (rule.supersedes?.length) out.push(`${p.bold('Supersedes:')} ${rule.supersedes.join(', ')}`);
  if (rule.pss) out.push(`${p.bold('Pod Security Standards:')} ${rule.pss.level} · ${rule.pss.control}${rule.pss.profileOnly ? ' (runs only under --profile, or when named with --only)' : ''}`);
  out.push(`${p.bold('Message:')} ${rule.message}`);
  out.push(`${p.bold('Source:')} ${rule.source}`);
  if (rule.relation) out.push('', p.bold('Relation:'), yaml().stringify(rule.relation, { lineWidth: 0 }).trimEnd());
  else out.push('', p.bold('Schema:'), yaml().stringify(rule.schema, { lineWidth: 0 }).trimEnd());
  return out.join('\n') + '\n';
}

function describeMatch(rule: Rule): string {
  const m = rule.match ?? {};
  const parts = [];
  if (m.kinds) parts.push(`kinds ${m.kinds.join(', ')}`);
  if (m.apiGroups) parts.push(`apiGroups ${m.apiGroups.map((g) => g || '(core)').join(', ')}`);
  if (m.files) parts.push(`files ${m.files.join(', ')}`);
  const base = (rule.target ?? 'document').split('/')[0];
  if (!m.kinds && (base === 'podSpec' || base === 'container')) parts.unshift(`workloads (${WORKLOAD_KINDS.join(', ')})`);
  return parts.length ? parts.join('; ') : 'every document';
}

/** The `rules test` report; ends with "N passed, N failed" as CI log readers expect. */
function formatRuleTest(run: RuleTestRun, p: Palette, base: string): string {
  const lines: string[] = [];
  for (const r of run.results) {
    const file = path.relative(base, r.file);
    if (r.ok) lines.push(`${p.green('✔')} ${r.ruleId}  ${file}${r.found.length ? p.dim(` (${r.found.join(', ')})`) : ''}`);
    else lines.push(`${p.red('✖')} ${r.ruleId}  ${file}: ${r.problem}`);
  }
  for (const id of run.untested) lines.push(`${p.yellow('⚠')} ${id}  has no cases (add cases/${id}/pass*.yaml and fail*.yaml)`);
  const failed = run.results.filter((r) => !r.ok).length;
  lines.push('', `${plural(run.rules, 'rule')}, ${plural(run.results.length, 'case')}`, `${run.results.length - failed} passed, ${failed} failed`);
  return lines.join('\n') + '\n';
}

export async function runRulesList(flags: RulesFlags): Promise<number> {
  if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError(`unknown format "${flags.format}" for rules list`, 'use text or json');
  const rules = await loadCatalog(catalogOptions(flags));
  if (flags.profile) {
    const profile = flags.profile as Profile;
    const controls = profileControls(rules, profile);
    if (flags.format === 'json') {
      const rows = controls.map((c) => ({ level: c.level, control: c.control, rules: c.rules.map((r) => r.id) }));
      await emit(JSON.stringify(rows, null, 2) + '\n');
    } else {
      await emit(formatProfile(controls, profile, await choosePalette(flags)));
    }
    return 0;
  }
  if (flags.format === 'json') {
    const rows = rules.map((r) => ({ id: r.id, title: r.title, severity: r.severity, category: r.category, pack: r.pack, ...(r.pss ? { pss: r.pss } : {}) }));
    await emit(JSON.stringify(rows, null, 2) + '\n');
  } else {
    await emit(formatRuleList(rules, await choosePalette(flags)));
  }
  return 0;
}

export async function runRulesShow(id: string, flags: RulesFlags): Promise<number> {
  const rules = await loadCatalog(catalogOptions(flags));
  const rule = rules.find((r) => r.id === id);
  if (!rule) {
    // A typo of an id first (k8s-run-as-rot), then ids that hold the words given (ingress-tls: k8s-ingress-no-tls).
    const words = id.split('-').filter(Boolean);
    const typo = closest(id, rules.map((r) => r.id));
    const near = [
      ...(typo ? [typo] : []),
      ...rules
        .filter((r) => r.id !== typo && (r.id.includes(id) || id.includes(r.id.split('-').slice(1).join('-')) || (words.length > 0 && words.every((w) => r.id.split('-').includes(w)))))
        .map((r) => r.id),
    ];
    // An unknown rule id is a usage error (64), as everywhere else (README, exit codes).
    throw new UsageError(`no rule "${id}"`, near.length ? `did you mean: ${near.slice(0, 5).join(', ')}?` : 'see the ids with: aiops-guard rules list');
  }
  if (flags.format === 'json') await emit(JSON.stringify({ ...rule, validate: undefined }, null, 2) + '\n');
  else await emit(formatRuleShow(rule, await choosePalette(flags)));
  return 0;
}

export async function runRulesTest(dir: string | undefined, flags: RulesFlags & { cases?: string }): Promise<number> {
  const abs = dir ? path.resolve(dir) : undefined;
  const run = await testRules(abs, flags.cases ? path.resolve(flags.cases) : undefined);
  await emit(formatRuleTest(run, await choosePalette(flags), abs ?? process.cwd()));
  return run.results.some((r) => !r.ok) ? 1 : 0;
}
