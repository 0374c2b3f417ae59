import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, UNTAGGED_DEPLOYMENT } from '../helpers/manifests.js';
import { cleanup, commit, git, makeRepo, runCli, tempDir, writeFiles } from '../helpers/repo.js';

afterAll(cleanup);

/** The blob ids a pack holds results for (its keys start with the blob id). */
function cachedBlobs(cacheDir: string): Set<string> {
  const out = new Set<string>();
  for (const name of readdirSync(cacheDir).filter((f) => f.endsWith('.pack'))) {
    const [, ...lines] = readFileSync(path.join(cacheDir, name), 'utf8').trimEnd().split('\n');
    for (const l of lines) out.add(l.slice(0, 40));
  }
  return out;
}

/** A history: a good start, unrelated work, a bad commit, more work, a rename. */
function historyRepo(): string {
  const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/api.yaml': HARDENED_DEPLOYMENT.replaceAll('web', 'api') });
  for (let i = 0; i < 4; i++) commit(dir, { [`apps/svc-${i}.yaml`]: UNTAGGED_DEPLOYMENT.replaceAll('web', `svc-${i}`) }, `add svc ${i}`);
  commit(dir, { 'apps/api.yaml': PRIVILEGED_DEPLOYMENT.replaceAll('web', 'api') }, 'debug api');
  for (let i = 4; i < 7; i++) commit(dir, { [`apps/svc-${i}.yaml`]: HARDENED_DEPLOYMENT.replaceAll('web', `svc-${i}`) }, `add svc ${i}`);
  git(dir, 'mv', 'apps/svc-0.yaml', 'apps/svc-zero.yaml');
  git(dir, 'commit', '-q', '-m', 'rename');
  return dir;
}

describe('the history walk keeps its per-blob results between runs', () => {
  test.each([
    ['rollback', ['rollback', '-f', 'json']],
    ['scan', ['scan', '-f', 'json']],
    ['check --blame', ['check', '--blame', '-f', 'json']],
    ['rollback, on more threads', ['rollback', '-f', 'json']],
  ])('%s: same report bytes without the cache, cold and warm; older blobs are cached', (what, args) => {
    const dir = historyRepo();
    const cacheDir = tempDir();
    const env = what.includes('threads') ? { AIOPS_GUARD_PARALLEL_MIN_FILES: '2' } : undefined;
    const run = (...extra: string[]) => runCli([...args, ...extra], { cwd: dir, env });
    const off = run('--no-cache');
    expect(off.code).toBe(1);
    const cold = run('--cache-dir', cacheDir);
    const warm = run('--cache-dir', cacheDir);
    expect({ cold: cold.stdout, code: cold.code }).toEqual({ cold: off.stdout, code: off.code });
    expect({ warm: warm.stdout, code: warm.code }).toEqual({ warm: off.stdout, code: off.code });
    // Versions HEAD no longer has were evaluated by the walk, and kept.
    const head = new Set(git(dir, 'ls-tree', '-r', '--format=%(objectname)', 'HEAD').trim().split('\n'));
    const older = git(dir, 'rev-list', '--objects', '--all').trim().split('\n').map((l) => l.split(' ')[0]!).filter((o) => !head.has(o));
    expect(older.filter((o) => cachedBlobs(cacheDir).has(o)).length).toBeGreaterThan(0);
  });

  test('a rule, a severity override or a waiver added or removed: the report is the one without cache', () => {
    const dir = historyRepo();
    const cacheDir = tempDir();
    const same = (label: string) => {
      const off = runCli(['rollback', '-f', 'json', '--no-cache'], { cwd: dir });
      const cached = runCli(['rollback', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir });
      expect({ label, out: cached.stdout, code: cached.code }).toEqual({ label, out: off.stdout, code: off.code });
      return JSON.parse(off.stdout) as { findings: { ruleId: string; severity: string }[]; rollback: { lastGood: { subject: string } | null } };
    };
    expect(same('first').rollback.lastGood?.subject).toBe('add svc 3');
    // The config is part of the working tree and of history: commit each change, as a team would.
    commit(dir, { '.aiopsrc.json': JSON.stringify({ severity: { 'k8s-privileged-container': 'low' } }) }, 'privileged is low');
    expect(same('severity override').rollback.lastGood?.subject).toBe('privileged is low');
    commit(dir, { '.aiopsrc.json': JSON.stringify({ failOn: 'medium', waivers: [{ rule: 'k8s-image-latest', file: 'apps/svc-1.yaml', reason: 'vendor' }] }) }, 'gate at medium, waive one');
    same('waiver');
    commit(dir, { 'rules/team-no-api.yaml': 'id: team-no-api\ntitle: No api\nseverity: high\ncategory: supply-chain\ndescription: d\nremediation: r\nmatch: { kinds: [Deployment] }\ntarget: container\nschema: { properties: { name: { not: { const: api } } } }\nmessage: no api\n', '.aiopsrc.json': JSON.stringify({ rules: ['rules'] }) }, 'a team rule');
    expect(same('a rule added').findings.map((f) => f.ruleId)).toContain('team-no-api');
    writeFiles(dir, { 'rules/team-no-api.yaml': readFileSync(path.join(dir, 'rules/team-no-api.yaml'), 'utf8').replace('severity: high', 'severity: low') });
    git(dir, 'commit', '-q', '-am', 'team rule is low');
    expect(same('a rule changed').findings.map((f) => f.ruleId)).not.toContain('team-no-api');
  });
});
