import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { cleanup, makeRepo, tempDir, writeFiles } from '../helpers/repo.js';
import { HARDENED_DEPLOYMENT } from '../helpers/manifests.js';
import { runCliLimited } from './helpers.js';

afterAll(cleanup);

/** A script that leaves a marker file behind when it runs. */
const evil = (marker: string) => `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nmodule.exports = { failOn: 'low' };\n`;
const evilEsm = (marker: string) => `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default { failOn: 'low' };\n`;

describe('no code runs from a data config', () => {
  const cases: [string, (imp: string) => Record<string, string>][] = [
    ['.aiopsrc.json', (imp) => ({ '.aiopsrc.json': JSON.stringify({ $import: imp }) })],
    ['.aiopsrc.yaml', (imp) => ({ '.aiopsrc.yaml': `$import: ${imp}\n` })],
    ['.aiopsrc (no extension)', (imp) => ({ '.aiopsrc': `$import: ${imp}\n` })],
    ['package.json#aiops', (imp) => ({ 'package.json': JSON.stringify({ name: 'x', aiops: { $import: imp } }) })],
  ];
  for (const [where, files] of cases) {
    for (const ext of ['js', 'cjs', 'mjs', 'ts']) {
      test(`$import of a .${ext} file from ${where} is refused (78) and the file does not run`, () => {
        const marker = path.join(tempDir(), 'marker');
        const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, [`evil.${ext}`]: ext === 'mjs' || ext === 'ts' ? evilEsm(marker) : evil(marker), ...files(`./evil.${ext}`) });
        const r = runCliLimited(['check'], { cwd: dir });
        expect(existsSync(marker)).toBe(false);
        expect(r.code).toBe(78);
        expect(r.stderr).toContain(`evil.${ext}`);
        expect(r.stderr).toContain('--allow-js-config');
        expect(r.stderr).not.toMatch(/\n\s+at /);
      });
    }
  }

  test('$import of a data file inside the repository merges it; the importing file wins', () => {
    const dir = makeRepo({
      'apps/web.yaml': HARDENED_DEPLOYMENT.replace('image: nginx:1.27@', 'image: nginx@'),
      'policy/base.yaml': 'failOn: low\nskip: [k8s-image-not-pinned]\n',
      '.aiopsrc.json': JSON.stringify({ $import: './policy/base.yaml', failOn: 'critical' }),
    });
    const r = runCliLimited(['check', '-f', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { summary: { failOn: string } };
    expect(report.summary.failOn).toBe('critical');
  });

  test('$import of a data file outside the repository is a config error (78) naming the config', () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'shared.json'), '{"failOn":"never"}');
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.json': JSON.stringify({ $import: path.relative('/', outside).replace(/^/, '../../../../../../') + '/shared.json' }) });
    const r = runCliLimited(['check'], { cwd: dir });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('.aiopsrc.json');
    expect(r.stderr).toContain('outside the repository');
  });

  test('$import through a symlink that leaves the repository is refused', () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'shared.json'), '{"failOn":"never"}');
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.json': JSON.stringify({ $import: './shared.json' }) });
    symlinkSync(path.join(outside, 'shared.json'), path.join(dir, 'shared.json'));
    const r = runCliLimited(['check'], { cwd: dir });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('outside the repository');
  });

  test('a JS config itself is still refused without --allow-js-config, and loads with it', () => {
    const marker = path.join(tempDir(), 'marker');
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.cjs': evil(marker) });
    const refused = runCliLimited(['check'], { cwd: dir });
    expect(refused.code).toBe(78);
    expect(existsSync(marker)).toBe(false);
    const allowed = runCliLimited(['check', '--allow-js-config', '-f', 'json'], { cwd: dir });
    expect(existsSync(marker)).toBe(true);
    expect((JSON.parse(allowed.stdout) as { summary: { failOn: string } }).summary.failOn).toBe('low');
  });
});

describe('rule paths from a config stay inside the repository', () => {
  for (const bad of ['/', '/dev/zero', '../../usr', '/etc/passwd']) {
    test(`rules: ["${bad}"] is a config error (78) naming the config line, quickly`, () => {
      const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.json': `{\n  "rules": [\n    ${JSON.stringify(bad)}\n  ]\n}\n` });
      const r = runCliLimited(['check'], { cwd: dir, timeoutMs: 10000 });
      expect(r.timedOut).toBe(false);
      expect(r.code).toBe(78);
      expect(r.stderr).toContain('.aiopsrc.json:3:5');
      expect(r.stderr).toContain(bad);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  test('a rules folder that is a symlink out of the repository is a config error', () => {
    const outside = tempDir();
    writeFiles(outside, { 'pack/x.yaml': 'not: a rule\n' });
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.json': '{"rules": ["policies"]}' });
    symlinkSync(path.join(outside, 'pack'), path.join(dir, 'policies'));
    const r = runCliLimited(['check'], { cwd: dir });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('outside the repository');
  });

  test('a rules path given on the command line may be anywhere', () => {
    const outside = tempDir();
    writeFiles(outside, {
      'pack/acme-no-latest.yaml':
        'id: acme-no-latest\ntitle: t\nseverity: low\ncategory: c\ndescription: d\nremediation: r\nmatch: { kinds: [Deployment] }\ntarget: container\nschema: { properties: { image: { not: { pattern: ":latest$" } } } }\nmessage: m\n',
    });
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const r = runCliLimited(['check', '-r', path.join(outside, 'pack'), '-f', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { summary: { rules: number } }).summary.rules).toBe(169);
  });
});

describe('config syntax errors name file:line:col and the reason', () => {
  test('a JSON syntax error in .aiopsrc.json', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.json': '{\n  "failOn": "high",\n  "skip": ["a" "b"]\n}\n' });
    const r = runCliLimited(['check'], { cwd: dir });
    expect(r.code).toBe(78);
    expect(r.stderr).toBe(`aiops-guard: ${path.join(dir, '.aiopsrc.json')}:3:16: invalid JSON: expected ',' or ']' after an array item\n  hint: fix the syntax of the config file\n`);
  });

  test('a trailing comma and an unterminated string', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.json': '{"failOn": "high",}' });
    const r = runCliLimited(['check'], { cwd: dir });
    expect(r.stderr).toContain('.aiopsrc.json:1:19: invalid JSON: expected a property name in double quotes');
    const dir2 = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.json': '{"failOn": "hi' });
    expect(runCliLimited(['check'], { cwd: dir2 }).stderr).toContain('.aiopsrc.json:1:12: invalid JSON: unterminated string');
  });

  test('a YAML syntax error in .aiopsrc.yaml', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.yaml': 'failOn: high\nskip: [a, b\n' });
    const r = runCliLimited(['check'], { cwd: dir });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/\.aiopsrc\.yaml:2:\d+: invalid YAML: \S/);
  });

  test('a trustedConfig key in a config is rejected (it must come from the command line)', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.json': '{"trustedConfig": "main"}' });
    const r = runCliLimited(['check'], { cwd: dir });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('has unknown key "trustedConfig"');
  });
});

describe('a TypeScript config (with --allow-js-config) is never compiled beside the repository', () => {
  test('nothing is written in the repository while it loads', async () => {
    const { watch } = await import('node:fs');
    const { runCliAsync } = await import('./helpers.js');
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.ts': 'export default { failOn: "critical" };\n' });
    const created: string[] = [];
    const watcher = watch(dir, (_event, name) => {
      if (name && name !== '.git') created.push(String(name));
    });
    const r = await runCliAsync(['check', '--allow-js-config', '-f', 'json'], { cwd: dir });
    await new Promise((resolve) => setTimeout(resolve, 200));
    watcher.close();
    expect(created).toEqual([]);
    // With a "typescript" package that has the compiler API the config loads; without one, the message says so.
    if (r.code === 78) expect(r.stderr).toContain('.aiopsrc.ts: a TypeScript config needs the "typescript" package');
    else expect((JSON.parse(r.stdout) as { summary: { failOn: string } }).summary.failOn).toBe('critical');
  });
});

describe('hostile config and rule files are config errors, not crashes', () => {
  const deep = (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}a:\n`).join('');
  test.each([
    ['.aiopsrc.yaml nested 5,000 levels', { '.aiopsrc.yaml': deep(5000) }, 'nested too deeply'],
    ['.aiopsrc.yaml with a self-referencing alias', { '.aiopsrc.yaml': 'waivers: &w\n  - *w\n' }, '.aiopsrc.yaml'],
    ['.aiopsrc.json nested 100,000 levels', { '.aiopsrc.json': '['.repeat(100000) + ']'.repeat(100000) }, 'invalid config'],
    ['a rule file nested 5,000 levels', { '.aiopsrc.json': '{"rules": ["policy"]}', 'policy/acme-x.yaml': deep(5000) }, 'nested too deeply'],
    ['a rule file with a self-referencing alias', { '.aiopsrc.json': '{"rules": ["policy"]}', 'policy/acme-x.yaml': 'id: acme-x\nschema: &s\n  allOf: [*s]\n' }, 'policy/acme-x.yaml'],
  ])('%s', (_name, files, expected) => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, ...files });
    const r = runCliLimited(['check'], { cwd: dir });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(expected);
    expect(r.stderr).not.toContain('internal error');
  });
});

test('a key twice in .aiopsrc.json is a config error at the second one (JSON.parse would keep it silently)', () => {
  const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.json': '{\n  "failOn": "high",\n  "waivers": [{"rule": "a,b", "reason": "x"}],\n  "failOn": "never"\n}\n' });
  const r = runCliLimited(['check'], { cwd: dir });
  expect(r.code).toBe(78);
  expect(r.stderr).toContain('.aiopsrc.json:4:3: duplicate key "failOn": only the last one would count');
  const ok = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, '.aiopsrc.json': '{"waivers": [{"rule": "k8s-image-latest", "reason": "r"}, {"rule": "k8s-host-port", "reason": "r"}], "drift": {"namespaces": ["a", "b"]}}' });
  expect(runCliLimited(['check'], { cwd: ok }).code).toBe(0);
});
