import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { runRuleCases, findCases } from '../src/rules/cases.js';
import { BUILTIN_RULES_DIR, loadBuiltinRules, loadRuleFiles, PACKAGE_ROOT } from '../src/rules/load.js';

const CASES = path.join(PACKAGE_ROOT, 'fixtures', 'rules');

describe('built-in rules', () => {
  test('the precompiled registry equals the rule files on disk', async () => {
    const fromDisk = await loadRuleFiles([BUILTIN_RULES_DIR]);
    const builtin = await loadBuiltinRules();
    expect(builtin.map((r) => r.id).sort()).toEqual(fromDisk.map((r) => r.id).sort());
    const files = (await readdir(BUILTIN_RULES_DIR, { recursive: true })).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files.length).toBe(builtin.length);
    expect(builtin.length).toBeGreaterThanOrEqual(10);
  });

  test('every rule has a description, a remediation, a unique id, a pass case and a fail case', async () => {
    const rules = await loadBuiltinRules();
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.description.length).toBeGreaterThan(40);
      expect(rule.remediation.length).toBeGreaterThan(10);
      const kinds = (await findCases(CASES, rule.id)).map((c) => c.kind);
      expect({ id: rule.id, pass: kinds.includes('pass'), fail: kinds.includes('fail') }).toEqual({ id: rule.id, pass: true, fail: true });
    }
  });

  test('every case folder belongs to a rule', async () => {
    const ids = new Set((await loadBuiltinRules()).map((r) => r.id));
    for (const dir of await readdir(CASES)) expect({ dir, known: ids.has(dir) }).toEqual({ dir, known: true });
  });

  test('every rule passes its pass cases and flags its fail cases at the expected positions', async () => {
    const rules = await loadBuiltinRules();
    const known = new Set(rules.map((r) => r.id));
    const failures: string[] = [];
    let cases = 0;
    for (const rule of rules) {
      for (const r of await runRuleCases(rule, CASES, known)) {
        cases++;
        if (!r.ok) failures.push(`${path.relative(CASES, r.file)}: ${r.problem}`);
      }
    }
    expect(failures).toEqual([]);
    expect(cases).toBeGreaterThanOrEqual(rules.length * 2);
  });
});

describe('README', () => {
  test('the rule table lists every built-in rule (run "npm run docs" after changing rules)', async () => {
    const { readFileSync } = await import('node:fs');
    const { formatRulesTable, replaceRulesTable } = await import('../src/rules/table.js');
    const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
    expect(replaceRulesTable(readme, formatRulesTable(await loadBuiltinRules()))).toBe(readme);
  });
});
