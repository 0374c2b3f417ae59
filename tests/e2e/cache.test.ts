import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, test } from '@jest/globals';
import { ResultCache } from '../../src/cache/result-cache.js';
import { runKeyOf } from '../../src/check/file-results.js';
import { DEFAULT_LIMITS } from '../../src/parse/documents.js';
import { loadBuiltinRules, PACKAGE_ROOT } from '../../src/rules/load.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, UNTAGGED_DEPLOYMENT } from '../helpers/manifests.js';
import { cleanup, makeRepo, runCli, tempDir, writeFiles } from '../helpers/repo.js';

afterAll(cleanup);

const RULE = (severity: string, message: string) => `id: team-no-latest
title: No latest
severity: ${severity}
category: supply-chain
description: Images must be pinned to a version so a rollback returns to the same bytes.
remediation: Pin the image tag.
match: { kinds: [Deployment] }
target: container
schema: { properties: { image: { not: { pattern: ':latest$|^[^:]*$' } } } }
message: '${message}'
`;

function allEntries(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => path.join(e.parentPath, e.name));
}

describe('the result cache never changes a report', () => {
  test('same bytes with and without the cache, cold and warm, across rule, config, content and file changes', () => {
    const dir = makeRepo({
      'apps/web.yaml': HARDENED_DEPLOYMENT,
      'apps/priv.yaml': PRIVILEGED_DEPLOYMENT,
      'apps/untagged.yaml': UNTAGGED_DEPLOYMENT,
      'apps/broken.yaml': 'a: [unclosed\n',
      'apps/tpl.yaml': 'image: {{ .Values.image }}\n',
      'rules/team-no-latest.yaml': RULE('medium', 'Container "{{name}}" is not pinned'),
    });
    const cacheDir = tempDir();
    const run = (...extra: string[]) => runCli(['check', '-f', 'json', '-r', 'rules', ...extra], { cwd: dir });
    const same = (label: string) => {
      const off = run('--no-cache');
      const cold = run('--cache-dir', cacheDir);
      const warm = run('--cache-dir', cacheDir);
      expect({ label, cold: cold.stdout, code: cold.code }).toEqual({ label, cold: off.stdout, code: off.code });
      expect({ label, warm: warm.stdout, code: warm.code }).toEqual({ label, warm: off.stdout, code: off.code });
      return JSON.parse(off.stdout) as { findings: { ruleId: string; severity: string; message: string; suppressed: unknown }[] };
    };
    same('first run');
    expect(allEntries(cacheDir).length).toBeGreaterThanOrEqual(5);

    // A rule's severity and message change: entries of the old rule must not serve.
    writeFiles(dir, { 'rules/team-no-latest.yaml': RULE('critical', 'Pin "{{name}}"') });
    expect(same('rule changed').findings.find((f) => f.ruleId === 'team-no-latest')).toMatchObject({ severity: 'critical', message: 'Pin "web"' });

    // Config: a severity override, then a waiver (applied after the cache), then inline waivers off.
    writeFiles(dir, { '.aiopsrc.json': JSON.stringify({ severity: { 'k8s-image-latest': 'high' } }) });
    expect(same('severity override').findings.find((f) => f.ruleId === 'k8s-image-latest')?.severity).toBe('high');
    writeFiles(dir, { '.aiopsrc.json': JSON.stringify({ waivers: [{ rule: 'k8s-privileged-container', file: 'apps/priv.yaml', reason: 'GPU driver installer' }] }) });
    expect(same('waiver').findings.find((f) => f.ruleId === 'k8s-privileged-container')?.suppressed).toEqual({ kind: 'config', reason: 'GPU driver installer' });
    writeFiles(dir, {
      '.aiopsrc.json': JSON.stringify({ inlineWaivers: false }),
      'apps/web.yaml': HARDENED_DEPLOYMENT.replace('  name: web\n', '  name: web\n  annotations:\n    aiops-guard.io/ignore.k8s-image-latest: "vendor image"\n'),
    });
    same('inline waivers off, content changed');

    // The same content under another name is checked under that name.
    writeFiles(dir, { 'apps/priv-copy.yaml': PRIVILEGED_DEPLOYMENT });
    same('a copy');
  });

  test('a corrupt or foreign entry is ignored and rewritten, never trusted', () => {
    const dir = makeRepo({ 'priv.yaml': PRIVILEGED_DEPLOYMENT });
    const cacheDir = tempDir();
    const off = runCli(['check', '-f', 'json', '--no-cache'], { cwd: dir });
    runCli(['check', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir });
    const [entry] = allEntries(cacheDir);
    const stored = JSON.parse(readFileSync(entry!, 'utf8')) as { key: string; value: { findings: unknown[] } };
    for (const forged of ['{"trunc', JSON.stringify({ ...stored, value: { ...stored.value, findings: [] } }).replace(stored.key, 'f'.repeat(64)), JSON.stringify({ ...stored, value: { findings: [{}], errors: [], documents: 1 } })]) {
      writeFileSync(entry!, forged);
      const r = runCli(['check', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir });
      expect(r.stdout).toBe(off.stdout);
      expect(JSON.parse(readFileSync(entry!, 'utf8'))).toEqual(stored);
    }
  });

  test('concurrent runs on one cache give the same report', async () => {
    const files = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`m/${i}.yaml`, i % 2 ? PRIVILEGED_DEPLOYMENT : UNTAGGED_DEPLOYMENT]));
    const dir = makeRepo(files);
    const cacheDir = tempDir();
    const off = runCli(['check', '-f', 'json', '--no-cache'], { cwd: dir }).stdout;
    const once = () =>
      new Promise<string>((resolve) => {
        const p = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'aiops-guard.js'), 'check', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir, env: { ...process.env, NO_COLOR: '1', CI: 'true' } });
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.on('close', () => resolve(out));
      });
    const outs = await Promise.all([once(), once(), once(), once()]);
    for (const o of outs) expect(o).toBe(off);
  });

  test('the key changes with the build, a rule, the policy and the limits', async () => {
    const rules = await loadBuiltinRules();
    const policy = { inlineWaivers: true, waivers: [], knownRuleIds: new Set(rules.map((r) => r.id)) };
    const base = runKeyOf('build-a', rules, policy, DEFAULT_LIMITS);
    expect(runKeyOf('build-a', rules, policy, DEFAULT_LIMITS)).toBe(base);
    const variants = [
      runKeyOf('build-b', rules, policy, DEFAULT_LIMITS),
      runKeyOf('build-a', rules.slice(1), policy, DEFAULT_LIMITS),
      runKeyOf('build-a', rules.map((r, i) => (i === 0 ? { ...r, message: r.message + '!' } : r)), policy, DEFAULT_LIMITS),
      runKeyOf('build-a', rules, { ...policy, inlineWaivers: false }, DEFAULT_LIMITS),
      runKeyOf('build-a', rules, { ...policy, severity: { [rules[0]!.id]: 'info' } }, DEFAULT_LIMITS),
      runKeyOf('build-a', rules, policy, { ...DEFAULT_LIMITS, maxDocuments: 5 }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });
});

describe('the cache stays bounded', () => {
  test('prune drops the least recently used entries beyond the bound', () => {
    const dir = tempDir();
    const cache = new ResultCache<number>(dir, (v): v is number => typeof v === 'number');
    const keys = ['a1', 'b2', 'c3', 'd4'].map((k) => k.padEnd(64, '0'));
    keys.forEach((k, i) => cache.set(k, i));
    // a1 was used last; d4 and c3 were written last but used before.
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    keys.forEach((k, i) => utimesSync(path.join(dir, k.slice(0, 2), `${k}.json`), at(i), at(i)));
    expect(cache.get(keys[0]!)).toBe(0);
    cache.prune(Date.now(), { entries: 2, bytes: 1e9 });
    expect(keys.map((k) => cache.get(k))).toEqual([0, null, null, 3]);
  });
});
