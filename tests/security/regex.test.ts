import { afterAll, describe, expect, test } from '@jest/globals';
import type { Report } from '../../src/report/types.js';
import { cleanup, makeRepo } from '../helpers/repo.js';
import { runCliLimited } from './helpers.js';

afterAll(cleanup);

const rule = (id: string, schema: string) =>
  `id: ${id}\ntitle: Labels are sane\nseverity: high\ncategory: custom\ndescription: d\nremediation: r\nmatch: { kinds: [ConfigMap] }\ntarget: document\nschema:\n${schema}\nmessage: 'ConfigMap "{{name}}" fails ${id}'\n`;
const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  key: "${value}"\n`;
const EVIL = 'a'.repeat(40000) + '!';

describe('user-pack patterns run on a linear-time engine', () => {
  test('pattern ^(a+)+$ on a long input finishes quickly with the finding', () => {
    const dir = makeRepo({
      'policy/acme/acme-redos.yaml': rule('acme-redos', '  properties:\n    data:\n      properties:\n        key: { pattern: "^(a+)+$" }'),
      'apps/cm.yaml': configMap(EVIL),
      '.aiopsrc.json': '{"rules": ["policy/acme"]}',
    });
    const started = Date.now();
    const r = runCliLimited(['check', '-f', 'json', '--only', 'acme-redos'], { cwd: dir, timeoutMs: 20000 });
    expect(r.timedOut).toBe(false);
    expect(Date.now() - started).toBeLessThan(15000);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as Report).findings.map((f) => f.ruleId)).toEqual(['acme-redos']);
  });

  test('patternProperties ^(a|aa)+$ on a long key finishes quickly', () => {
    const dir = makeRepo({
      'policy/acme/acme-keys.yaml': rule('acme-keys', '  properties:\n    data:\n      patternProperties:\n        "^(a|aa)+$": { const: "x" }'),
      'apps/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  ${'a'.repeat(60)}b: "y"\n`,
      '.aiopsrc.json': '{"rules": ["policy/acme"]}',
    });
    const r = runCliLimited(['check', '-f', 'json', '--only', 'acme-keys'], { cwd: dir, timeoutMs: 20000 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
  });

  for (const [what, pattern] of [
    ['a back-reference', '^(a)\\\\1$'],
    ['a look-ahead', '^(?=a)a$'],
  ]) {
    test(`${what} cannot run in linear time: a rule error (78) naming the rule and its file`, () => {
      const dir = makeRepo({
        'policy/acme/acme-bad.yaml': rule('acme-bad', `  properties:\n    data:\n      properties:\n        key: { pattern: "${pattern}" }`),
        'apps/cm.yaml': configMap('a'),
        '.aiopsrc.json': '{"rules": ["policy/acme"]}',
      });
      const r = runCliLimited(['check'], { cwd: dir });
      expect(r.code).toBe(78);
      expect(r.stderr).toContain('policy/acme/acme-bad.yaml');
      expect(r.stderr).toContain('rule "acme-bad"');
      expect(r.stderr).toContain('linear-time');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  test('built-in rules keep their patterns (look-aheads included) and the standalone build', () => {
    const dir = makeRepo({ 'apps/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  AWS_ACCESS_KEY_ID: AKIAABCDEFGHIJKLMNOP\n' });
    const r = runCliLimited(['check', '-f', 'json'], { cwd: dir });
    expect((JSON.parse(r.stdout) as Report).findings.map((f) => f.ruleId)).toContain('secrets-aws-access-key');
  });
});

describe('linearRegExp (Ajv regExp engine)', () => {
  test('two patterns compiled by one Ajv stay two patterns', async () => {
    const { createRuleAjv } = await import('../../src/rules/ajv.js');
    const ajv = createRuleAjv({ linearRegExp: true });
    const a = ajv.compile({ type: 'string', pattern: '^a+$' });
    const b = ajv.compile({ type: 'string', pattern: '^b+$' });
    expect([a('aaa'), a('bbb'), b('bbb'), b('aaa')]).toEqual([true, false, true, false]);
    const ci = ajv.compile({ type: 'object', patternProperties: { '^x-': { type: 'number' } } });
    expect([ci({ 'x-a': 1 }), ci({ 'x-a': 'no' }), ci({ 'y-a': 'fine' })]).toEqual([true, false, true]);
  });
});

test('format: regex in a user rule checks values with RE2, never compiling them with V8', async () => {
  const { createRuleAjv } = await import('../../src/rules/ajv.js');
  const validate = createRuleAjv({ linearRegExp: true }).compile({ type: 'string', format: 'regex' });
  expect([validate('^a+$'), validate('(unclosed'), validate('(?=look)'), validate('a{2,3}')]).toEqual([true, false, false, true]);
});
