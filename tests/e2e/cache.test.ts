import { readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, test } from '@jest/globals';
import { ResultCache } from '../../src/cache/result-cache.js';
import { runKeyOf } from '../../src/check/file-results.js';
import { DEFAULT_LIMITS } from '../../src/parse/documents.js';
import { loadBuiltinRules, PACKAGE_ROOT } from '../../src/rules/load.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, UNTAGGED_DEPLOYMENT } from '../helpers/manifests.js';
import { cleanup, commit, git, makeRepo, packRepo, runCli, tempDir, writeFiles } from '../helpers/repo.js';

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

function allPacks(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.pack'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** The packs of file results (keys `<blob id> <chart> "<path>"`), not the relation outcomes' pack (keys are hashes). */
function filePacks(dir: string): string[] {
  return allPacks(dir).filter((p) => [...packEntries(p).keys()].some((k) => k.includes(' ')));
}

/** The entries of a pack, key → value JSON (the last-used stamps left out). */
function packEntries(file: string): Map<string, string> {
  const [, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  return new Map(lines.map((l) => l.split('\t')).map(([key, , json]) => [key!, json!]));
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
    expect(filePacks(cacheDir).map((p) => packEntries(p).size)).toEqual([6]);
    // And one relation outcome (the repository's objects as one target), the files' projections, and the policy committed at HEAD
    // (and, when git's index did not vouch for a file just written, the stat records of the files hashed).
    const statRecords = (p: string) => [...packEntries(p).keys()].every((k) => k.startsWith('"/'));
    expect(allPacks(cacheDir).filter((p) => !statRecords(p)).length).toBe(4);

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

  test('the policy committed at HEAD is kept per commit: a weakening is found warm as cold, and a new commit is read anew', () => {
    const dir = makeRepo({ 'apps/priv.yaml': PRIVILEGED_DEPLOYMENT, '.aiopsrc.json': JSON.stringify({ failOn: 'high' }) });
    const cacheDir = tempDir();
    const run = (...extra: string[]) => runCli(['check', '-f', 'json', ...extra], { cwd: dir });
    const weakened = (stdout: string) => (JSON.parse(stdout) as { findings: { ruleId: string; message: string }[] }).findings.filter((f) => f.ruleId === 'policy-weakened').map((f) => f.message);
    run('--cache-dir', cacheDir);
    writeFiles(dir, { '.aiopsrc.json': JSON.stringify({ failOn: 'never' }) });
    const off = run('--no-cache');
    const warm = run('--cache-dir', cacheDir);
    expect(weakened(off.stdout)).toEqual(['The policy is weakened: the gate is lowered from "high" to "never"']);
    expect({ stdout: warm.stdout, code: warm.code }).toEqual({ stdout: off.stdout, code: off.code });
    // Committed: HEAD's policy is now the lowered one, so nothing is weakened against it.
    commit(dir, {}, 'lower the gate');
    expect(weakened(run('--cache-dir', cacheDir).stdout)).toEqual([]);
    writeFiles(dir, { '.aiopsrc.json': JSON.stringify({ failOn: 'high' }) });
    expect(weakened(run('--cache-dir', cacheDir).stdout)).toEqual([]);
  });

  test('a file the history walk read first is checked with its relations (scan, then check of that content)', () => {
    // The ServiceAccount "web" is missing: a relation finding on the Deployment, whichever version.
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'privileged');
    const cacheDir = tempDir();
    runCli(['scan', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir });
    // The work tree now holds the first version: its result was stored by the walk.
    writeFiles(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const off = runCli(['check', '-f', 'json', '--no-cache'], { cwd: dir });
    expect(off.stdout).toContain('"rel-service-account-missing"');
    const warm = runCli(['check', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir });
    expect({ stdout: warm.stdout, code: warm.code }).toEqual({ stdout: off.stdout, code: off.code });
  });

  test('projections missing from the cache or damaged there are read again from the files, never trusted', () => {
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`apps/web${i}.yaml`, HARDENED_DEPLOYMENT.replace(/\bweb\b/g, `web${i}`)]));
    const dir = makeRepo(files);
    const cacheDir = tempDir();
    runCli(['check', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir });
    const projectionPack = allPacks(cacheDir).find((p) => [...packEntries(p).values()].some((v) => v.startsWith('"[{')))!;
    const stored = readFileSync(projectionPack, 'utf8');
    const [head, ...lines] = stored.trimEnd().split('\n');
    const forgeries = {
      gone: '',
      'another projection under this digest': [head, ...lines.map((l, i) => (i === 0 ? l.replace(/web0/g, 'web9') : l))].join('\n'),
      'not JSON': [head, ...lines.map((l, i) => (i === 1 ? l.replace(/\t"\[.*$/, '\t"[{') : l))].join('\n'),
    };
    for (const [what, forged] of Object.entries(forgeries)) {
      writeFileSync(projectionPack, forged);
      // One file changes where relations look (its ServiceAccount): the phase runs again, over every file's projections.
      writeFiles(dir, { 'apps/web0.yaml': files['apps/web0.yaml']!.replace('serviceAccountName: web0', `serviceAccountName: sa-${what.length}`) });
      const off = runCli(['check', '-f', 'json', '--no-cache'], { cwd: dir });
      const warm = runCli(['check', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir });
      expect({ what, stdout: warm.stdout }).toEqual({ what, stdout: off.stdout });
      expect((JSON.parse(off.stdout) as { findings: { ruleId: string }[] }).findings.filter((f) => f.ruleId === 'rel-service-account-missing')).toHaveLength(6);
    }
  });

  test('a work-tree file git does not vouch for is hashed once, then known by its stat data; a change that keeps size and mtime is still seen', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const cacheDir = tempDir();
    // Untracked: git's index says nothing of it.
    const file = path.join(dir, 'apps/priv.yaml');
    writeFileSync(file, PRIVILEGED_DEPLOYMENT);
    const old = new Date(Date.now() - 10_000);
    utimesSync(file, old, old);
    // Git's racy rule, as for its index: a file changed (ctime) within the second of the stat is not vouched for yet.
    const nextSecond = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1100 - (Date.now() % 1000));
    nextSecond();
    const run = (...extra: string[]) => runCli(['check', '-f', 'json', ...extra], { cwd: dir });
    run('--cache-dir', cacheDir);
    const statPack = allPacks(cacheDir).find((p) => [...packEntries(p).keys()].some((k) => k === JSON.stringify(file)));
    expect(statPack).toBeDefined();
    expect(JSON.parse(packEntries(statPack!).get(JSON.stringify(file))!)).toMatchObject({ oid: git(dir, 'hash-object', 'apps/priv.yaml').trim() });
    expect(run('--cache-dir', cacheDir).stdout).toBe(run('--no-cache').stdout);
    // Same size, same mtime, other content: the ctime moved, so the record no longer vouches for it.
    writeFileSync(file, PRIVILEGED_DEPLOYMENT.replace('privileged: yes', 'privileged: no '));
    utimesSync(file, old, old);
    nextSecond();
    const off = run('--no-cache');
    expect(off.stdout).not.toContain('k8s-privileged-container');
    expect(run('--cache-dir', cacheDir).stdout).toBe(off.stdout);
  });

  test('a warm run loads neither the YAML parser, the git library nor the rules\' validators', () => {
    const dir = makeRepo({ 'apps/priv.yaml': PRIVILEGED_DEPLOYMENT, 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/anchors.yaml': 'defaults: &d {replicas: 1}\nweb: *d\n', '.aiopsrc.json': '{"failOn": "high"}\n' });
    const cacheDir = tempDir();
    const hook = path.join(tempDir(), 'loaded.mjs');
    // Node keeps every CommonJS module it loaded in require.cache: yaml and isomorphic-git are CommonJS.
    writeFileSync(hook, `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nprocess.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n`);
    const loaded = (...extra: string[]) => {
      const r = runCli(['check', '-f', 'json', '--cache-dir', cacheDir, ...extra], { cwd: dir, env: { NODE_OPTIONS: `--import ${hook}` } });
      expect(r.code).toBe(1);
      const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED '))!;
      // Packages by name, and the built-in rules' compiled validators by file name.
      return (JSON.parse(line.slice('LOADED '.length)) as string[]).map((f) => /node_modules\/([^/]+)/.exec(f)?.[1] ?? (/builtin-(validators|filters)\.cjs$/.test(f) ? 'validators' : undefined)).filter((p) => p);
    };
    // Packed, as a clone is: the cold run reads HEAD's policy from the pack (isomorphic-git), parses (yaml:
    // the fast reader refuses anchors) and validates (the rules' validators).
    packRepo(dir);
    expect(loaded()).toEqual(expect.arrayContaining(['yaml', 'isomorphic-git', 'validators']));
    const warm = loaded();
    expect(warm).not.toContain('yaml');
    expect(warm).not.toContain('isomorphic-git');
    expect(warm).not.toContain('validators');
    // The pre-commit hook's path: one file changed and staged (a loose object), the others known.
    writeFiles(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT.replace('cpu: 100m', 'cpu: 200m') });
    git(dir, 'add', 'apps/web.yaml');
    const staged = loaded('--staged');
    expect(staged).not.toContain('yaml');
    expect(staged).not.toContain('isomorphic-git');
  });

  test('a corrupt or foreign pack or entry is ignored and rewritten, never trusted', () => {
    const dir = makeRepo({ 'priv.yaml': PRIVILEGED_DEPLOYMENT, 'web.yaml': HARDENED_DEPLOYMENT });
    const cacheDir = tempDir();
    const off = runCli(['check', '-f', 'json', '--no-cache'], { cwd: dir });
    runCli(['check', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir });
    const [pack] = filePacks(cacheDir);
    const stored = readFileSync(pack!, 'utf8');
    const [head, ...lines] = stored.trimEnd().split('\n');
    const priv = lines.find((l) => l.includes('"priv.yaml"'))!;
    const [key, used, json] = priv.split('\t') as [string, string, string];
    const value = JSON.parse(json) as { findings: unknown[] };
    const forgeries = {
      truncated: stored.slice(0, stored.length - 40),
      'another run key': [head!.replace(/"key":"[0-9a-f]+"/, `"key":"${'f'.repeat(64)}"`), ...lines].join('\n'),
      'another format': [head!.replace('"format":2', '"format":1'), ...lines].join('\n'),
      'findings emptied under the key of another content': [head, ...lines.map((l) => (l === priv ? `${key.replace(/^[0-9a-f]+/, '0'.repeat(40))}\t${used}\t${JSON.stringify({ ...value, findings: [] })}` : l))].join('\n'),
      'a finding of the wrong shape': [head, ...lines.map((l) => (l === priv ? `${key}\t${used}\t${JSON.stringify({ findings: [{}], errors: [], documents: 1 })}` : l))].join('\n'),
      'not a line of the pack': [head, 'garbage', ...lines.map((l) => (l === priv ? `${key}\t${used}\t{"findings":[` : l))].join('\n'),
    };
    for (const [what, forged] of Object.entries(forgeries)) {
      writeFileSync(pack!, forged);
      const r = runCli(['check', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir });
      expect({ what, stdout: r.stdout }).toEqual({ what, stdout: off.stdout });
      // Rewritten with the right values.
      expect({ what, entry: packEntries(pack!).get(key) }).toEqual({ what, entry: json });
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
  test('a pack keeps the most recently used entries; the folder drops the least recently used packs beyond its size', () => {
    const dir = tempDir();
    const valid = (v: unknown): v is number => typeof v === 'number';
    const a = new ResultCache<number>(dir, 'a'.repeat(64), valid);
    const t = Date.UTC(2026, 0, 1);
    ['k1', 'k2', 'k3', 'k4'].forEach((k, i) => a.set(k, i));
    a.save(t, { entries: 10, bytes: 1e9 });
    // k1 and k4 used later than the others, k5 new: with room for 3, k2 and k3 go (written earlier, not used since).
    const again = new ResultCache<number>(dir, 'a'.repeat(64), valid);
    expect(again.get('k1')).toBe(0);
    expect(again.get('k4')).toBe(3);
    again.set('k5', 5);
    again.save(t + 1000, { entries: 3, bytes: 1e9 });
    const read = new ResultCache<number>(dir, 'a'.repeat(64), valid);
    expect(['k1', 'k2', 'k3', 'k4', 'k5'].map((k) => read.get(k))).toEqual([0, null, null, 3, 5]);
    // Another run key: its own pack; once the folder passes the bound (checked at most hourly), the older pack goes.
    const b = new ResultCache<number>(dir, 'b'.repeat(64), valid);
    b.set('x', 1);
    utimesSync(a.file, new Date(t), new Date(t));
    rmSync(path.join(dir, '.pruned'), { force: true });
    b.save(t + 2 * 3600_000, { entries: 10, bytes: 100 });
    expect(readdirSync(dir).filter((f) => f.endsWith('.pack'))).toEqual([path.basename(b.file)]);
  });

  test('pruning removes only what the cache wrote: packs, its stale temporary files, entries of the older layout', () => {
    const dir = tempDir();
    const old = 'c'.repeat(64);
    writeFiles(dir, { [`ab/${old}.json`]: '{}', 'ab/notes.txt': 'mine', 'cd/x.json': '{}', 'session.tmp': 'mine', [`${old}.pack.1.0badc0de.tmp`]: 'half' });
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    for (const f of ['session.tmp', `${old}.pack.1.0badc0de.tmp`]) utimesSync(path.join(dir, f), hourAgo, hourAgo);
    const cache = new ResultCache<number>(dir, 'd'.repeat(64), (v): v is number => typeof v === 'number');
    cache.set('k', 1);
    cache.save();
    expect(readdirSync(dir, { recursive: true }).map(String).sort()).toEqual(['.pruned', `${'d'.repeat(64)}.pack`, 'ab', 'ab/notes.txt', 'cd', 'cd/x.json', 'session.tmp'].sort());
  });
});
