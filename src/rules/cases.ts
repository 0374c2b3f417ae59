import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseConfigText, type ConfigDocument } from '../parse/documents.js';
import type { Finding } from '../report/types.js';
import { evaluateDocument, prepareRules } from '../policy/evaluate.js';
import { evaluateRelations, mergeRelationFindings } from '../relations/evaluate.js';
import { planProjection, projectDocument } from '../relations/project.js';
import type { Rule } from './types.js';

/** One pass/fail case of a rule and how it went. */
export interface CaseResult {
  ruleId: string;
  file: string;
  kind: 'pass' | 'fail';
  ok: boolean;
  /** What went wrong, when not ok. */
  problem?: string;
  /** Positions found, as "line:col". */
  found: string[];
}

const EXPECT = /#\s*expect:\s*(\d+):(\d+)/g;

/**
 * Lists the case files of a rule: under `<casesDir>/<rule-id>/`, files whose first path
 * segment starts with `pass` or `fail` (`fail-root.yaml`, `pass/docker-compose.yml`).
 */
export async function findCases(casesDir: string, ruleId: string): Promise<{ file: string; kind: 'pass' | 'fail'; name: string }[]> {
  const dir = path.join(casesDir, ruleId);
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  const out = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const rel = path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/');
    const first = rel.split('/')[0]!;
    const kind = first.startsWith('pass') ? 'pass' : first.startsWith('fail') ? 'fail' : null;
    if (!kind) continue;
    // In a pass/ or fail/ folder, the file's own name is what `match.files` sees.
    const name = rel.includes('/') ? rel.slice(first.length + 1) : rel;
    out.push({ file: path.join(dir, rel), kind, name } as const);
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/**
 * The findings a case's documents give for one rule. A relation rule sees all of them as one target
 * (a case is then several documents); a rule that only `satisfies` others is judged by the findings
 * of those rules it leaves standing.
 */
function caseFindings(rule: Rule, documents: readonly ConfigDocument[], knownRuleIds: ReadonlySet<string>, catalog: readonly Rule[]): Finding[] {
  const policy = { inlineWaivers: true, waivers: [], knownRuleIds };
  if (!rule.relation) {
    const prepared = prepareRules([rule]);
    return documents.flatMap((d) => evaluateDocument(d, prepared, policy)).filter((f) => f.ruleId === rule.id);
  }
  const satisfied = catalog.filter((r) => rule.relation!.satisfies?.includes(r.id));
  const prepared = prepareRules(satisfied);
  const plan = planProjection([rule])!;
  const perDocument = documents.flatMap((d) => evaluateDocument(d, prepared, policy)).filter((f) => rule.relation!.satisfies?.includes(f.ruleId));
  const projections = documents.map((d) => projectDocument(d, plan)).filter((p) => p !== null);
  const all = mergeRelationFindings(perDocument, evaluateRelations(projections, [rule], policy));
  return rule.relation.satisfies ? all : all.filter((f) => f.ruleId === rule.id);
}

/**
 * Runs a rule's cases: a pass case has no finding of the rule; a fail case has exactly the `# expect: L:C` ones (at least one).
 * `catalog` holds the rules a relation rule's `satisfies` may name.
 */
export async function runRuleCases(rule: Rule, casesDir: string, knownRuleIds: ReadonlySet<string>, catalog: readonly Rule[] = []): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of await findCases(casesDir, rule.id)) {
    const text = await readFile(c.file, 'utf8');
    const parsed = parseConfigText(c.name, text);
    const base = { ruleId: rule.id, file: c.file, kind: c.kind };
    if (parsed.failure) {
      results.push({ ...base, ok: false, problem: `case does not parse: ${parsed.failure.message} (line ${parsed.failure.line})`, found: [] });
      continue;
    }
    const found = caseFindings(rule, parsed.documents, knownRuleIds, catalog)
      .filter((f) => !f.suppressed)
      .map((f) => `${f.line}:${f.column}`);
    const expected = [...text.matchAll(EXPECT)].map((m) => `${m[1]}:${m[2]}`);
    let problem: string | undefined;
    if (c.kind === 'pass' && found.length > 0) problem = `expected no finding, got ${found.join(', ')}`;
    if (c.kind === 'fail' && found.length === 0) problem = 'expected a finding, got none';
    if (c.kind === 'fail' && expected.length > 0 && [...found].sort().join(',') !== [...expected].sort().join(',')) {
      problem = `expected findings at ${expected.join(', ')}, got ${found.join(', ') || 'none'}`;
    }
    results.push({ ...base, ok: !problem, ...(problem ? { problem } : {}), found });
  }
  return results;
}
