import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import type { CommitRef, Finding, Report } from '../../src/report/types.js';
import { relativeAge } from '../../src/report/introduced.js';
import { cleanup, commit, git, makeRepo, runCli, tempDir, writeFiles } from '../helpers/repo.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, SERVICE, WEB_NAMESPACE } from '../helpers/manifests.js';

afterAll(cleanup);

const json = (s: string) => JSON.parse(s) as Report;
const short = (sha: string) => sha.slice(0, 7);
const DAY = 24 * 3600 * 1000;
const HOSTPATH_DB = HARDENED_DEPLOYMENT.replace(/name: web/g, 'name: db').replace(
  'containers:',
  'volumes:\n        - name: data\n          hostPath: { path: /var/lib/db }\n      containers:',
);
const FIX = {
  privileged: '    fix: Remove securityContext.privileged or set it to false; grant only the capabilities the workload needs.',
};

/** Commits the work tree as `author`, `daysAgo` days ago (author and committer date), as git would. */
function commitAs(dir: string, author: string, daysAgo: number, message: string): CommitRef {
  const date = new Date(Date.now() - daysAgo * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: author,
    GIT_AUTHOR_EMAIL: `${author.toLowerCase()}@example.com`,
    GIT_COMMITTER_NAME: author,
    GIT_COMMITTER_EMAIL: `${author.toLowerCase()}@example.com`,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
    GIT_CONFIG_NOSYSTEM: '1',
    HOME: os.tmpdir(),
  };
  execFileSync('git', ['add', '-A'], { cwd: dir, env });
  execFileSync('git', ['commit', '-q', '-m', message], { cwd: dir, env });
  const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, env, encoding: 'utf8' }).trim();
  return { sha, author, date, subject: message };
}

function newRepo(): string {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  return dir;
}

/**
 * A README and namespace web's ServiceAccount and default-deny NetworkPolicy by Alice 12 days ago; web, db and svc by Alice 10 days ago; db on hostPath by Alice 5 days ago; web privileged by Bob
 * 3 days ago; web renamed into archive/ by Carol yesterday (a rename introduces nothing).
 */
function teamRepo() {
  const dir = newRepo();
  writeFiles(dir, { 'README.md': '# ops\n', 'apps/web-namespace.yaml': WEB_NAMESPACE });
  const root = commitAs(dir, 'Alice', 12, 'start the ops repository');
  writeFiles(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/svc.yaml': SERVICE, 'apps/db.yaml': HARDENED_DEPLOYMENT.replace(/name: web/g, 'name: db') });
  const base = commitAs(dir, 'Alice', 10, 'add web, db and svc');
  writeFiles(dir, { 'apps/db.yaml': HOSTPATH_DB });
  const hostPath = commitAs(dir, 'Alice', 5, 'db keeps its data on the node');
  writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
  const privileged = commitAs(dir, 'Bob', 3, 'debug: run web privileged');
  mkdirSync(path.join(dir, 'archive'));
  git(dir, 'mv', 'apps/web.yaml', 'archive/web.yaml');
  const rename = commitAs(dir, 'Carol', 1, 'archive web');
  return { dir, root, base, hostPath, privileged, rename };
}

describe('check --blame: the commit that introduced each finding', () => {
  test('text: since <sha> (author, age) under each finding; a rename into archive/ introduces nothing', () => {
    const { dir, hostPath, privileged } = teamRepo();
    const r = runCli(['check', '--blame'], { cwd: dir });
    expect(r.stdout).toBe(
      [
        'apps/db.yaml:15:11  high     Volume "data" mounts the host path /var/lib/db  k8s-hostpath-volume',
        '    fix: Use a persistentVolumeClaim (on a CSI storage class, not a hostPath PersistentVolume), configMap, secret, emptyDir or a CSI volume instead of hostPath.',
        `    since ${short(hostPath.sha)} (Alice, 5 days ago)`,
        '',
        'archive/web.yaml:24:25  critical Container "web" runs privileged  k8s-privileged-container',
        FIX.privileged,
        `    since ${short(privileged.sha)} (Bob, 3 days ago)`,
        '',
        'rule                      severity   count  waived',
        'k8s-privileged-container  critical       1       0',
        'k8s-hostpath-volume       high           1       0',
        '',
        '✖ 2 findings (1 critical, 1 high) in 4 files, 5 documents, 168 rules · exit 1 (policy findings; fails at high and above)',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  test('JSON: introduced {sha, author, date, subject}; a change not committed yet says so', () => {
    const { dir, hostPath, privileged } = teamRepo();
    writeFiles(dir, { 'apps/svc.yaml': SERVICE.replace('spec:\n', 'spec:\n  type: NodePort\n').replace('- port: 80', '- port: 80\n      nodePort: 30080') });
    const report = json(runCli(['check', '--blame', '-f', 'json'], { cwd: dir }).stdout);
    const at = (date: string) => new Date(date).toISOString();
    expect(report.findings.map((f) => [f.ruleId, f.file, f.introduced])).toEqual([
      ['k8s-hostpath-volume', 'apps/db.yaml', { ...hostPath, date: at(hostPath.date) }],
      ['k8s-service-exposed', 'apps/svc.yaml', { sha: null, reason: 'not-committed', atOrBefore: null }],
      ['k8s-privileged-container', 'archive/web.yaml', { ...privileged, date: at(privileged.date) }],
    ]);
    const text = runCli(['check', '--blame', '--show', 'all', 'apps/svc.yaml'], { cwd: dir }).stdout;
    expect(text.split('\n')[2]).toBe('    not committed yet');
    // Without --blame: no introduced field, and no history is read.
    expect(json(runCli(['check', '-f', 'json'], { cwd: dir }).stdout).findings.map((f: Finding) => 'introduced' in f)).toEqual([false, false, false]);
  });

  test('--staged and a move not committed yet: a resource moved in the index keeps its commit; a staged new finding is not committed', () => {
    const { dir, privileged } = teamRepo();
    mkdirSync(path.join(dir, 'moved'));
    git(dir, 'mv', 'archive/web.yaml', 'moved/web.yaml');
    writeFiles(dir, { 'apps/api.yaml': PRIVILEGED_DEPLOYMENT.replace(/name: web/g, 'name: api') });
    git(dir, 'add', 'apps/api.yaml');
    const staged = json(runCli(['check', '--staged', '--blame', '--only', 'k8s-privileged-container', '-f', 'json'], { cwd: dir }).stdout);
    expect(staged.findings.map((f) => [f.file, f.introduced?.sha ?? f.introduced])).toEqual([
      ['apps/api.yaml', { sha: null, reason: 'not-committed', atOrBefore: null }],
      ['moved/web.yaml', privileged.sha],
    ]);
  });

  test('a waiver removed later: the finding is reported since the commit that removed the waiver', () => {
    const dir = newRepo();
    const waived = PRIVILEGED_DEPLOYMENT.replace('  namespace: web\n', '  namespace: web\n  annotations:\n    aiops-guard.io/ignore.k8s-privileged-container: "GPU driver debugging, INC-1234"\n');
    writeFiles(dir, { 'apps/web.yaml': waived });
    const waivedAt = commitAs(dir, 'Bob', 6, 'debug web, privileged with a waiver');
    writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    const unwaived = commitAs(dir, 'Carol', 2, 'drop the annotations');
    const report = json(runCli(['check', '--blame', '--only', 'k8s-privileged-container', '-f', 'json'], { cwd: dir }).stdout);
    expect(report.findings.map((f) => [f.suppressed, f.introduced?.sha])).toEqual([[null, unwaived.sha]]);
    const before = json(runCli(['check', '--blame', '--ref', 'HEAD~1', '--only', 'k8s-privileged-container', '-f', 'json'], { cwd: dir }).stdout);
    expect(before.findings.map((f) => [f.suppressed?.kind, f.introduced?.sha])).toEqual([['annotation', waivedAt.sha]]);
  });

  test('--ref: blame from that commit; a fix and a regression: the regression introduced it', () => {
    const dir = newRepo();
    writeFiles(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    commitAs(dir, 'Alice', 9, 'add web');
    writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    const first = commitAs(dir, 'Bob', 8, 'privileged');
    writeFiles(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT });
    commitAs(dir, 'Alice', 7, 'fix');
    writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    const again = commitAs(dir, 'Bob', 6, 'privileged again');
    writeFiles(dir, { 'README.md': '# ops\n' });
    commitAs(dir, 'Carol', 2, 'docs');
    const head = json(runCli(['check', '--blame', '-f', 'json'], { cwd: dir }).stdout);
    expect(head.findings.map((f) => f.introduced?.sha)).toEqual([again.sha]);
    const older = json(runCli(['check', '--blame', '--ref', 'HEAD~3', '-f', 'json'], { cwd: dir }).stdout);
    expect(older.findings.map((f) => f.introduced?.sha)).toEqual([first.sha]);
  });

  test('a commit where the file does not parse is passed over: the finding keeps the commit that introduced it', () => {
    const dir = newRepo();
    writeFiles(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    commitAs(dir, 'Alice', 9, 'add web');
    writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    const privileged = commitAs(dir, 'Bob', 8, 'privileged');
    // A tab where YAML wants spaces: the whole file is one parse error for a commit.
    writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT.replace('\n  template:', '\n\ttemplate:') });
    const broken = commitAs(dir, 'Carol', 7, 'broken indentation');
    writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    commitAs(dir, 'Carol', 6, 'mend the indentation');
    const head = json(runCli(['check', '--blame', '-f', 'json'], { cwd: dir }).stdout);
    expect(head.findings.map((f) => [f.ruleId, f.introduced?.sha])).toEqual([['k8s-privileged-container', privileged.sha]]);
    // From the broken commit, its parse error is its own.
    const then = json(runCli(['check', '--blame', '--ref', 'HEAD~1', '-f', 'json'], { cwd: dir }).stdout);
    expect(then.findings.map((f) => [f.ruleId, f.introduced?.sha])).toEqual([['parse-error', broken.sha]]);
    const rollback = json(runCli(['rollback', '-f', 'json'], { cwd: dir }).stdout).rollback!;
    expect(rollback.culprits.map((c) => c.sha)).toEqual([privileged.sha]);
  });

  test('a shallow clone: the introducing commit is beyond its boundary, and the text says so', () => {
    const { dir } = teamRepo();
    const clone = path.join(tempDir(), 'clone');
    git(dir, 'clone', '-q', '--depth', '2', `file://${dir}`, clone);
    const boundary = git(clone, 'rev-parse', 'HEAD~1').trim();
    const report = json(runCli(['check', '--blame', '-f', 'json'], { cwd: clone }).stdout);
    const before = report.findings.map((f) => f.introduced);
    expect(before.map((i) => i && 'reason' in i ? [i.sha, i.reason, i.atOrBefore?.sha] : i)).toEqual([
      [null, 'shallow', boundary],
      [null, 'shallow', boundary],
    ]);
    const text = runCli(['check', '--blame'], { cwd: clone }).stdout.split('\n');
    expect(text[2]).toBe(`    since ${short(boundary)} or earlier (Bob, 3 days ago): the shallow clone ends there (git fetch --unshallow to look further)`);
  });

  test('--max-commits bounds the walk and the text says the search went no further; without --blame it is a usage error', () => {
    const { dir, rename } = teamRepo();
    const r = runCli(['check', '--blame', '--max-commits', '1'], { cwd: dir });
    expect(r.stdout.split('\n')[2]).toBe(
      `    since ${short(rename.sha)} or earlier (Carol, 24 hours ago): history was searched no further (raise --max-commits, or rollback.maxCommits in the config)`,
    );
    const report = json(runCli(['check', '--blame', '--max-commits', '1', '-f', 'json'], { cwd: dir }).stdout);
    expect(report.findings.map((f) => f.introduced)).toEqual([
      { sha: null, reason: 'max-commits', atOrBefore: { ...rename, date: new Date(rename.date).toISOString() } },
      { sha: null, reason: 'max-commits', atOrBefore: { ...rename, date: new Date(rename.date).toISOString() } },
    ]);
    const usage = runCli(['check', '--max-commits', '3'], { cwd: dir });
    expect([usage.code, usage.stderr]).toEqual([
      64,
      'aiops-guard: --max-commits limits the history --blame reads; without --blame check reads no history\n  hint: add --blame, or drop --max-commits\n',
    ]);
  });

  test('the walk stops once every finding has its commit: older commits are never read', () => {
    const { dir, root, hostPath, privileged } = teamRepo();
    // The first commit's object is gone: reading it would fail the run. Its child is the oldest commit blame needs.
    rmSync(path.join(dir, '.git', 'objects', root.sha.slice(0, 2), root.sha.slice(2)));
    const r = runCli(['check', '--blame', '-f', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(json(r.stdout).findings.map((f) => f.introduced?.sha)).toEqual([hostPath.sha, privileged.sha]);
    expect(git(dir, 'cat-file', '-t', hostPath.sha).trim()).toBe('commit');
  });

  test('SARIF: introduced is a result property', () => {
    const { dir, privileged } = teamRepo();
    const sarif = JSON.parse(runCli(['check', '--blame', '-f', 'sarif'], { cwd: dir }).stdout) as { runs: { results: { ruleId: string; properties: Record<string, unknown> }[] }[] };
    const result = sarif.runs[0]!.results.find((x) => x.ruleId === 'k8s-privileged-container')!;
    expect(result.properties).toEqual({
      severity: 'critical',
      pointer: '/spec/template/spec/containers/0/securityContext/privileged',
      introduced: { sha: privileged.sha, author: 'Bob', date: new Date(privileged.date).toISOString(), subject: 'debug: run web privileged' },
    });
  });

  test('scan gives every finding its commit; for failing findings it is the culprit of the rollback', () => {
    const { dir, hostPath, privileged } = teamRepo();
    const report = json(runCli(['scan', '-f', 'json'], { cwd: dir }).stdout);
    expect(report.findings.map((f) => f.introduced?.sha)).toEqual([hostPath.sha, privileged.sha]);
    expect(report.rollback!.culprits.map((c) => c.sha)).toEqual([privileged.sha, hostPath.sha]);
  });
});

describe('a change that weakens the policy it is judged by', () => {
  test('scan --new-since: the weakening is the run\'s own finding, not a commit\'s; a passing history says it was judged by the weakened policy', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    git(dir, 'checkout', '-q', '-b', 'pr');
    commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, '.aiopsrc.json': '{"skip": ["k8s-privileged-container"]}\n' }, 'pr: privileged, and skip the rule');
    const r = runCli(['scan', '--new-since', 'main'], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    const weakened = lines.findIndex((l) => l.includes('policy-weakened'));
    expect(lines[weakened]).toMatch(/^\.aiopsrc\.json:1:\d+ +high +The policy is weakened: rule "k8s-privileged-container" is skipped +policy-weakened$/);
    expect(lines[weakened + 1]).not.toContain('not committed yet');
    expect(r.stdout).toContain('  under the policy this change weakens (policy-weakened above): judge the commits with the reviewed policy, --trusted-config <target branch>\n');
  });
});

describe('ages as git words them', () => {
  test('seconds to years, and SOURCE_DATE_EPOCH fixes "now" for reproducible output', () => {
    const now = new Date('2026-11-26T12:00:00Z');
    const ago = (ms: number) => relativeAge(new Date(now.getTime() - ms).toISOString(), now);
    expect([30e3, 60e3 * 45, 3600e3 * 20, 3 * DAY, 20 * DAY, 100 * DAY, 400 * DAY, 2000 * DAY, -60e3].map(ago)).toEqual([
      '30 seconds ago',
      '45 minutes ago',
      '20 hours ago',
      '3 days ago',
      '3 weeks ago',
      '3 months ago',
      '1 year, 1 month ago',
      '5 years ago',
      'in the future',
    ]);
    const { dir, privileged } = teamRepo();
    const epoch = String(Math.round((new Date(privileged.date).getTime() + 2 * 3600e3) / 1000));
    const lines = runCli(['check', '--blame'], { cwd: dir, env: { SOURCE_DATE_EPOCH: epoch } }).stdout.split('\n');
    expect(lines[6]).toBe(`    since ${short(privileged.sha)} (Bob, 2 hours ago)`);
  });
});

describe('fingerprints: rule + resource identity + pointer within the resource', () => {
  type Sarif = { runs: { results: { ruleId: string; partialFingerprints: Record<string, string>; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
  const fingerprints = (dir: string) =>
    (JSON.parse(runCli(['check', '-f', 'sarif'], { cwd: dir }).stdout) as Sarif).runs[0]!.results
      .filter((x) => x.ruleId === 'k8s-privileged-container' || x.ruleId === 'compose-privileged')
      .map((x) => [x.ruleId, x.locations[0]!.physicalLocation.artifactLocation.uri, x.partialFingerprints['aiopsGuardFinding/v1']])
      .sort((a, b) => (a[0]! < b[0]! ? -1 : 1));

  test('the same across a rename, a move into archive/ and into a kubectl List; a file without identity is tied to its path', () => {
    const dir = newRepo();
    const COMPOSE = 'services:\n  web:\n    image: nginx:1.27\n    privileged: true\n';
    writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, 'docker-compose.yml': COMPOSE });
    commitAs(dir, 'Alice', 1, 'add web');
    const [compose, web] = fingerprints(dir) as [string[], string[]];
    expect([compose[0], compose[1], web[0], web[1]]).toEqual(['compose-privileged', 'docker-compose.yml', 'k8s-privileged-container', 'apps/web.yaml']);
    mkdirSync(path.join(dir, 'archive'));
    mkdirSync(path.join(dir, 'deploy'));
    git(dir, 'mv', 'apps/web.yaml', 'archive/web.yaml');
    git(dir, 'mv', 'docker-compose.yml', 'deploy/docker-compose.yml');
    const moved = fingerprints(dir);
    expect(moved).toEqual([
      ['compose-privileged', 'deploy/docker-compose.yml', expect.not.stringMatching(compose[2]!)],
      ['k8s-privileged-container', 'archive/web.yaml', web[2]],
    ]);
    const indent = (doc: string) => doc.trimEnd().split('\n').map((l, i) => (i === 0 ? `  - ${l}` : `    ${l}`)).join('\n');
    rmSync(path.join(dir, 'archive'), { recursive: true });
    writeFiles(dir, { 'apps/all.yaml': `apiVersion: v1\nkind: List\nitems:\n${indent(SERVICE)}\n${indent(PRIVILEGED_DEPLOYMENT)}\n` });
    expect(fingerprints(dir)).toEqual([
      ['compose-privileged', 'deploy/docker-compose.yml', moved[0]![2]],
      ['k8s-privileged-container', 'apps/all.yaml', web[2]],
    ]);
    // Another resource with the same finding is another finding.
    writeFiles(dir, { 'apps/api.yaml': PRIVILEGED_DEPLOYMENT.replace(/name: web/g, 'name: api') });
    expect(new Set(fingerprints(dir).map((x) => x[2])).size).toBe(3);
  });
});
