import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parseConfigText } from '../src/parse/documents.js';
import { isRecord } from '../src/parse/identity.js';
import { getAtPointer, parsePointer, pointersOverlap } from '../src/parse/pointer.js';
import { evaluateDocument, prepareRules } from '../src/policy/evaluate.js';
import { findCases } from '../src/rules/cases.js';
import { loadBuiltinRules, PACKAGE_ROOT } from '../src/rules/load.js';
import type { Rule } from '../src/rules/types.js';

/**
 * Fail closed, generated from every built-in rule's fail cases: for each place a rule fails,
 * every object above it (inside the resource) is replaced by null, by {}, or deleted.
 * - null always reads as absent: the verdict with null equals the verdict with the key deleted.
 * - Where the rule still fails above the failing field once that field is deleted (the rule
 *   requires a setting, rather than forbidding a value), removing or emptying any object above it must
 *   still fail, or be reported as invalid: never pass.
 */

const CASES = path.join(PACKAGE_ROOT, 'fixtures', 'rules');
type Variant = 'null' | 'empty' | 'delete';

/** The YAML documents of a case file as data (the documents the reader returns, before unwrapping). */
function readDocuments(name: string, text: string): unknown[] | null {
  const parsed = parseConfigText(name, text);
  if (parsed.failure) return null;
  const byIndex = new Map<number, unknown>();
  for (const d of parsed.documents) if (!byIndex.has(d.index)) byIndex.set(d.index, d.basePointer ? null : d.data);
  return [...byIndex.values()];
}

function mutate(data: unknown, pointer: string, variant: Variant): unknown {
  const copy = structuredClone(data);
  const segs = parsePointer(pointer);
  const last = segs.pop()!;
  const parent = getAtPointer(copy, segs.length ? '/' + segs.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/') : '');
  if (Array.isArray(parent)) {
    if (variant === 'delete') parent.splice(Number(last), 1);
    else parent[Number(last)] = variant === 'null' ? null : {};
  } else if (isRecord(parent)) {
    if (variant === 'delete') delete parent[last];
    else parent[last] = variant === 'null' ? null : {};
  }
  return copy;
}

/**
 * The rule's verdict at one place, on documents written back as JSON (which is YAML) and read
 * again: a finding on the path to `field` (or below it) is a fail, an invalid-field-type there is
 * invalid, else pass. Findings elsewhere in the document (another service, another container) do not count.
 */
function verdict(rule: Rule, name: string, docs: unknown[], field: string, above = false): 'fail' | 'invalid' | 'pass' {
  const text = docs.map((d) => JSON.stringify(d)).join('\n---\n');
  const parsed = parseConfigText(name, text);
  // `above`: only findings on an object that holds `field` (a sibling list item that moved into its index does not count).
  const at = (p: string) => (above ? p === '' || field.startsWith(p + '/') : pointersOverlap(p, field));
  const findings = parsed.documents
    .flatMap((d) => evaluateDocument(d, prepareRules([rule]), { inlineWaivers: false, waivers: [], knownRuleIds: new Set([rule.id]) }))
    .filter((f) => at(f.pointer));
  if (findings.some((f) => f.ruleId === rule.id)) return 'fail';
  if (findings.some((f) => f.ruleId === 'invalid-field-type')) return 'invalid';
  return 'pass';
}

/** Where the resource a finding is about starts: a List item, a compose service, else the document. */
function resourceRoot(basePointer: string, data: unknown, field: string): string {
  const service = /^\/services\/[^/]+/.exec(field);
  if (!basePointer && service && isRecord(data) && isRecord(data.services) && !('kind' in data)) return service[0];
  return basePointer;
}

/** Pointers of the objects strictly between the resource root and `pointer`, innermost first. */
function objectAncestors(doc: unknown, pointer: string, resourceRoot: string): string[] {
  const segs = parsePointer(pointer);
  const out: string[] = [];
  for (let n = segs.length - 1; n >= 1; n--) {
    const p = '/' + segs.slice(0, n).map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    if (p.length <= resourceRoot.length) break;
    if (isRecord(getAtPointer(doc, p))) out.push(p);
  }
  return out;
}

describe('fail closed: no rule passes when an object above its failing field is null, empty or missing', () => {
  test('every built-in rule, every fail case, every ancestor object', async () => {
    const rules = await loadBuiltinRules();
    const problems: string[] = [];
    let variants = 0;
    for (const rule of rules) {
      const prepared = prepareRules([rule]);
      for (const c of (await findCases(CASES, rule.id)).filter((x) => x.kind === 'fail')) {
        const text = await readFile(c.file, 'utf8');
        const docs = readDocuments(c.name, text);
        if (!docs) continue;
        const parsed = parseConfigText(c.name, text);
        for (const doc of parsed.documents) {
          const findings = evaluateDocument(doc, prepared, { inlineWaivers: false, waivers: [], knownRuleIds: new Set([rule.id]) }).filter((f) => f.ruleId === rule.id);
          for (const f of findings) {
            const at = (p: string, v: Variant) => docs.map((d, i) => (i === doc.index ? mutate(d, p, v) : d));
            const field = f.pointer;
            const root = resourceRoot(doc.basePointer, docs[doc.index], field);
            const requires = field.length > root.length && verdict(rule, c.name, at(field, 'delete'), field, true) !== 'pass';
            for (const ancestor of objectAncestors(docs[doc.index], field, root)) {
              const v = (variant: Variant) => verdict(rule, c.name, at(ancestor, variant), field);
              // A list item (a container) deleted is gone, not emptied: only null and {} are asked of it.
              // A null list item is not an absent one either: the API server decodes it to an empty object and rejects it.
              const inList = Array.isArray(getAtPointer(docs[doc.index], ancestor.slice(0, ancestor.lastIndexOf('/'))));
              const results = inList ? { null: v('null'), empty: v('empty') } : { null: v('null'), empty: v('empty'), delete: v('delete') };
              variants += Object.keys(results).length;
              const where = `${rule.id} ${path.basename(c.file)} ${ancestor} (failing at ${field})`;
              if (!inList && results.null !== (results as { delete: string }).delete) problems.push(`${where}: null reads ${results.null}, deleted reads ${results.delete}`);
              if (requires) for (const [v, r] of Object.entries(results)) if (r === 'pass') problems.push(`${where}: passes when it is ${v}`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(variants).toBeGreaterThan(300);
  });
});
