import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import type { Report } from '../../src/report/types.js';
import { countsAsNotChecked } from '../../src/source/types.js';
import { cleanup, commit, git, makeRepo, packRepo, tempDir, writeFiles } from '../helpers/repo.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, WEB_NAMESPACE } from '../helpers/manifests.js';
import { runCliLimited } from './helpers.js';

afterAll(cleanup);

const report = (stdout: string) => JSON.parse(stdout) as Report;
const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);
const objectFile = (dir: string, oid: string) => path.join(dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2));

describe('missing git objects and shallow clones give a message and 65/66, never 70', () => {
  test('--ref HEAD~3 past a shallow clone boundary: 66, naming the boundary and the fix', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    for (let i = 1; i <= 4; i++) commit(dir, { [`apps/n${i}.yaml`]: HARDENED_DEPLOYMENT.replace('name: web\n', `name: web${i}\n`) }, `c${i}`);
    const shallow = path.join(tempDir(), 'shallow');
    git(dir, 'clone', '-q', '--depth', '2', `file://${dir}`, shallow);
    const r = runCliLimited(['check', '--ref', 'HEAD~3'], { cwd: shallow });
    expect(r.code).toBe(66);
    expect(r.stderr).toContain('shallow clone boundary');
    expect(r.stderr).toContain('git fetch --deepen');
    noStack(r.stderr);
  });

  test('a damaged pack (bytes of an object changed): 65 naming what cannot be read, no stack', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    packRepo(dir);
    const blob = git(dir, 'rev-parse', 'HEAD:apps/web.yaml').trim();
    const packDir = path.join(dir, '.git', 'objects', 'pack');
    const idx = readdirSync(packDir).find((f) => f.endsWith('.idx'))!;
    // verify-pack: "<oid> <type> <size> <size in pack> <offset>".
    const line = git(dir, 'verify-pack', '-v', path.join(packDir, idx)).split('\n').find((l) => l.startsWith(blob))!;
    const [, , , inPack, offset] = line.trim().split(/\s+/).map(Number) as number[];
    const pack = path.join(packDir, idx.replace(/\.idx$/, '.pack'));
    const bytes = readFileSync(pack);
    for (let i = offset! + 3; i < offset! + inPack!; i++) bytes[i] ^= 0x55;
    chmodSync(pack, 0o644);
    writeFileSync(pack, bytes);
    const r = runCliLimited(['check', '--ref', 'HEAD'], { cwd: dir });
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/cannot be read/);
    noStack(r.stderr);
  });

  test('a missing tree object: 65 naming the folder', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'README.md': 'x\n' });
    const tree = git(dir, 'rev-parse', 'HEAD:apps').trim();
    rmSync(objectFile(dir, tree));
    const r = runCliLimited(['check', '--ref', 'HEAD'], { cwd: dir });
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`folder "apps" (tree ${tree})`);
    expect(r.stderr).toContain('missing from the repository');
    noStack(r.stderr);
  });

  test('a missing tree object in an older commit: rollback, scan and check --blame say 65 naming the folder', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'old/web-namespace.yaml': WEB_NAMESPACE });
    const tree = git(dir, 'rev-parse', 'HEAD:old').trim();
    git(dir, 'rm', '-q', '-r', 'old');
    commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'privileged');
    // Only the first commit has the folder: the walks read its tree, check of HEAD never does.
    rmSync(objectFile(dir, tree));
    for (const args of [['rollback'], ['scan'], ['check', '--blame']]) {
      const r = runCliLimited([...args, '--no-cache'], { cwd: dir });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 65]);
      expect(r.stderr).toContain(`folder "old" (tree ${tree})`);
      expect(r.stderr).toContain('missing from the repository');
      noStack(r.stderr);
    }
  });

  test('a missing commit object in the middle of history: rollback, scan and check --blame say 65 naming it', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const middle = commit(dir, { 'apps/web-namespace.yaml': WEB_NAMESPACE }, 'namespace');
    commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'privileged');
    rmSync(objectFile(dir, middle));
    for (const args of [['rollback'], ['scan'], ['check', '--blame']]) {
      const r = runCliLimited([...args, '--no-cache'], { cwd: dir });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 65]);
      expect(r.stderr).toContain(`commit ${middle}: it is missing from the repository`);
      noStack(r.stderr);
    }
  });

  test('a blob missing from an older commit: rollback says 65 naming the file, as for a tree or a commit', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const blob = git(dir, 'rev-parse', 'HEAD:apps/web.yaml').trim();
    // HEAD fails the gate, so rollback reads the first commit, whose apps/web.yaml is gone.
    commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'privileged');
    rmSync(objectFile(dir, blob));
    const r = runCliLimited(['rollback', '--no-cache'], { cwd: dir });
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`git object of file "apps/web.yaml" (blob ${blob}): it is missing from the repository`);
    expect(r.stderr).toContain('git fsck');
    noStack(r.stderr);
  });

  test('a missing commit object behind --changed-since: 65, not 70', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const first = git(dir, 'rev-parse', 'HEAD').trim();
    commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'privileged');
    commit(dir, { 'apps/other.yaml': HARDENED_DEPLOYMENT.replace('name: web\n', 'name: other\n') }, 'other');
    const middle = git(dir, 'rev-parse', 'HEAD~1').trim();
    rmSync(objectFile(dir, middle));
    const r = runCliLimited(['check', '--ref', 'HEAD', '--changed-since', first], { cwd: dir });
    expect([65, 66]).toContain(r.code);
    expect(r.stderr).toContain('missing from the repository');
    noStack(r.stderr);
  });

  test('a missing blob is a parse-error finding at the file (gates, exit 1), not a crash', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    rmSync(objectFile(dir, git(dir, 'rev-parse', 'HEAD:apps/web.yaml').trim()));
    // --no-cache: a result cached by blob id stands for that content; here the reader's own handling is under test.
    const r = runCliLimited(['check', '--ref', 'HEAD', '-f', 'json', '--no-cache'], { cwd: dir });
    expect(r.code).toBe(1);
    const f = report(r.stdout).findings;
    expect(f.map((x) => [x.ruleId, x.file])).toEqual([['parse-error', 'apps/web.yaml']]);
    expect(f[0]!.message).toContain('missing from the repository');
  });
});

describe('fail closed: a pull request cannot hide a file', () => {
  test('a named pipe with a config name, or a symlink to one, is listed as not read and fails the run; it is never read (that would wait forever)', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    execFileSync('mkfifo', [path.join(dir, 'apps', 'pipe.yaml')]);
    symlinkSync('pipe.yaml', path.join(dir, 'apps', 'link.yaml'));
    symlinkSync('self.yaml', path.join(dir, 'apps', 'self.yaml'));
    const r = runCliLimited(['check', '-f', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    const rep = report(r.stdout);
    expect(rep.errors.map((e) => [e.code, e.file, e.message])).toEqual([
      ['not-a-file', 'apps/link.yaml', 'symlink points to a named pipe (FIFO), not a regular file; not read'],
      ['not-a-file', 'apps/pipe.yaml', 'a named pipe (FIFO), not a regular file; not read'],
      ['symlink-loop', 'apps/self.yaml', 'symlink leads back to itself (a loop); not read'],
    ]);
    expect(rep.errors.every((e) => countsAsNotChecked(e.code))).toBe(true);
    // Named on the command line: the same entry, not "path not found".
    const named = runCliLimited(['check', '-f', 'json', 'apps/pipe.yaml'], { cwd: dir });
    expect(named.code).toBe(1);
    expect(report(named.stdout).errors.map((e) => [e.code, e.file])).toContainEqual(['not-a-file', 'apps/pipe.yaml']);
  });


  test('a tracked file under a .gitignore the change adds is still checked in the working tree', () => {
    const dir = makeRepo({ 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, 'deploy/prod/db.yaml': PRIVILEGED_DEPLOYMENT.replace('name: web\n', 'name: db\n') });
    writeFiles(dir, { '.gitignore': 'apps/\n*.yaml\n', 'scratch/untracked.yaml': PRIVILEGED_DEPLOYMENT });
    const r = runCliLimited(['check', '-f', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect([...new Set(report(r.stdout).findings.map((f) => f.file))]).toEqual(['apps/web.yaml', 'deploy/prod/db.yaml']);
  });

  const SOURCES: [string, string[]][] = [
    ['working tree', []],
    ['--staged', ['--staged']],
    ['--ref HEAD', ['--ref', 'HEAD']],
  ];

  for (const [name, flags] of SOURCES) {
    test(`${name}: a symlink inside the repository is followed`, () => {
      const dir = makeRepo({ 'base/web.yml.txt': PRIVILEGED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE, 'README.md': 'x\n' });
      symlinkSync('../base/web.yml.txt', path.join(dir, 'apps', 'web.yaml'));
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', 'link');
      const r = runCliLimited(['check', ...flags, '-f', 'json'], { cwd: dir });
      expect(r.code).toBe(1);
      const rep = report(r.stdout);
      expect(rep.findings.map((f) => [f.ruleId, f.file])).toEqual([['k8s-privileged-container', 'apps/web.yaml']]);
      expect(rep.errors).toEqual([]);
    });

    test(`${name}: a symlink out of the repository is an error entry that counts as not checked`, () => {
      const outside = path.join(tempDir(), 'secret.yaml');
      writeFileSync(outside, PRIVILEGED_DEPLOYMENT);
      const dir = makeRepo({ 'README.md': 'x\n' });
      mkdirSync(path.join(dir, 'apps'));
      symlinkSync(outside, path.join(dir, 'apps', 'abs.yaml'));
      symlinkSync('../../../../../../../../../etc/hostname.yaml', path.join(dir, 'apps', 'up.yaml'));
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', 'links');
      const r = runCliLimited(['check', ...flags, '-f', 'json'], { cwd: dir });
      const rep = report(r.stdout);
      const codes = rep.errors.map((e) => [e.code, e.file]);
      expect(codes).toContainEqual(['symlink-outside-repo', 'apps/abs.yaml']);
      // Lexically outside in git; in the work tree it points to nothing, which is not checked either.
      expect(rep.errors.find((e) => e.file === 'apps/up.yaml')?.code).toMatch(/^(symlink-outside-repo|broken-symlink)$/);
      expect(rep.errors.every((e) => countsAsNotChecked(e.code))).toBe(true);
      expect(rep.findings).toEqual([]);
    });

    test(`${name}: a folder symlink out of the repository is an error entry; other links are not`, () => {
      const outside = tempDir();
      writeFiles(outside, { 'web.yaml': PRIVILEGED_DEPLOYMENT });
      const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
      symlinkSync(outside, path.join(dir, 'deploy'));
      symlinkSync('apps', path.join(dir, 'inner'));
      symlinkSync('/etc/hostname', path.join(dir, 'NOTES.md'));
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', 'links');
      const rep = report(runCliLimited(['check', ...flags, '-f', 'json'], { cwd: dir }).stdout);
      expect(rep.errors.map((e) => [e.code, e.file])).toEqual([['symlink-outside-repo', 'deploy']]);
      expect(rep.errors[0]!.message).toContain('what it holds was not checked');
    });

    test(`${name}: a submodule is an error entry, not a silent skip and not a walk into it`, () => {
      const sub = makeRepo({ 'evil.yaml': PRIVILEGED_DEPLOYMENT });
      const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
      git(dir, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub, 'vendor/lib');
      git(dir, 'commit', '-q', '-m', 'submodule');
      const r = runCliLimited(['check', ...flags, '-f', 'json'], { cwd: dir });
      const rep = report(r.stdout);
      expect(rep.errors.map((e) => [e.code, e.file])).toEqual([['submodule-not-checked', 'vendor/lib']]);
      expect(rep.findings).toEqual([]);
      expect(countsAsNotChecked('submodule-not-checked')).toBe(true);
    });
  }
});

describe('linked worktrees (git worktree add)', () => {
  const linked = () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'privileged');
    const wt = path.join(tempDir(), 'wt');
    git(dir, 'worktree', 'add', '-q', '-b', 'feature', wt);
    return { dir, wt };
  };

  test('--ref, --staged and rollback read the shared objects; HEAD is the worktree\'s own', () => {
    const { dir, wt } = linked();
    commit(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT }, 'fixed on main');
    expect(runCliLimited(['check', '--ref', 'HEAD'], { cwd: wt }).code).toBe(1);
    expect(runCliLimited(['check', '--ref', 'main'], { cwd: wt }).code).toBe(0);
    const staged = runCliLimited(['check', '--staged', '-f', 'json'], { cwd: wt });
    expect(staged.code).toBe(1);
    expect(report(staged.stdout).findings.map((f) => f.message)).toEqual(['Container "web" runs privileged']);
    const rb = runCliLimited(['rollback', '-f', 'json'], { cwd: wt });
    expect(rb.stderr).toBe('');
    expect(report(rb.stdout).rollback?.lastGood?.subject).toBe('initial');
  });

  test('hook install writes to the common hooks folder, where git runs hooks', () => {
    const { dir, wt } = linked();
    const r = runCliLimited(['hook', 'install'], { cwd: wt });
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, '.git', 'hooks', 'pre-commit'))).toBe(true);
    expect(existsSync(path.join(dir, '.git', 'worktrees', 'wt', 'hooks'))).toBe(false);
  });

  test('hook install honours core.hooksPath from the shared config', () => {
    const { dir, wt } = linked();
    git(dir, 'config', 'core.hooksPath', '.githooks');
    const r = runCliLimited(['hook', 'install'], { cwd: wt });
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(wt, '.githooks', 'pre-commit'), 'utf8')).toContain('check --staged');
  });
});

describe('HEAD read from the ref files, as git reads it', () => {
  const headOf = async (dir: string) => {
    const { resolveHead } = await import('../../src/source/git.js');
    const { findRepo } = await import('../../src/source/find-repo.js');
    return resolveHead(findRepo(dir), {});
  };

  test('a loose branch ref, the same branch only in packed-refs, a detached HEAD, a linked worktree, an unborn branch', async () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const first = git(dir, 'rev-parse', 'HEAD').trim();
    commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'second');
    const second = git(dir, 'rev-parse', 'HEAD').trim();
    expect(await headOf(dir)).toBe(second);
    git(dir, 'pack-refs', '--all');
    expect(existsSync(path.join(dir, '.git', 'refs', 'heads', git(dir, 'branch', '--show-current').trim()))).toBe(false);
    expect(await headOf(dir)).toBe(second);
    // A loose ref newer than packed-refs wins, as in git.
    commit(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT }, 'third');
    expect(await headOf(dir)).toBe(git(dir, 'rev-parse', 'HEAD').trim());
    const wt = path.join(tempDir(), 'wt');
    git(dir, 'worktree', 'add', '-q', '--detach', wt, first);
    expect(await headOf(wt)).toBe(first);
    git(dir, 'checkout', '-q', '--detach', second);
    expect(await headOf(dir)).toBe(second);
    git(dir, 'checkout', '-q', '--orphan', 'empty');
    expect(await headOf(dir)).toBeNull();
  });
});

describe('the file system isomorphic-git reads through', () => {
  test('answers as node:fs/promises does: the bytes, a missing file as ENOENT, the probe without a path as a promise', async () => {
    const { gitFs } = await import('../../src/source/git-fs.js');
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a'), 'x');
    expect(Buffer.from((await gitFs.readFile(path.join(dir, 'a'))) as Buffer).toString()).toBe('x');
    expect(await gitFs.readFile(path.join(dir, 'a'), 'utf8')).toBe('x');
    await expect(gitFs.readFile(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(gitFs.stat(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(((gitFs.readFile as (...a: unknown[]) => unknown)()) instanceof Promise).toBe(true);
    expect(await gitFs.readdir(dir)).toEqual(['a']);
  });
});

describe('loose commits and trees read without isomorphic-git', () => {
  test('every loose tree reads as isomorphic-git reads it; names it might refuse are left to it', async () => {
    const { readTreeEntries, findTreeEntry } = await import('../../src/source/git.js');
    const { findRepo } = await import('../../src/source/find-repo.js');
    const iso = (await import('isomorphic-git')).default;
    const fs = await import('node:fs');
    const dir = makeRepo({
      'apps/web.yaml': HARDENED_DEPLOYMENT,
      'apps/B.yaml': 'b: 1\n',
      'apps/a b,c@d+e=f.yaml': 'c: 1\n',
      'Zeta/z.json': '{}',
      '.aiopsrc.json': '{}',
      'déjà vu/x.yaml': 'd: 1\n',
      'x.git/y.yaml': 'e: 1\n',
      '.gitx/y.yaml': 'f: 1\n',
    });
    writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    symlinkSync('apps/web.yaml', path.join(dir, 'link.yaml'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'more');
    const repo = findRepo(dir);
    const trees = git(dir, 'rev-list', '--objects', '--all').split('\n').map((l) => l.split(' ')[0]!).filter((oid) => oid && git(dir, 'cat-file', '-t', oid).trim() === 'tree');
    expect(trees.length).toBeGreaterThan(4);
    for (const oid of trees) {
      expect(existsSync(objectFile(dir, oid))).toBe(true);
      const theirs = (await iso.readTree({ fs, gitdir: repo.gitdir, oid })).tree;
      expect({ oid, entries: await readTreeEntries(repo, oid, '', {}) }).toEqual({ oid, entries: theirs });
    }
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    expect(await findTreeEntry(repo, head, '', {})).toEqual({ oid: git(dir, 'rev-parse', 'HEAD^{tree}').trim(), mode: 0o040000, type: 'tree' });
    expect((await findTreeEntry(repo, head, 'apps/web.yaml', {}))?.oid).toBe(git(dir, 'rev-parse', 'HEAD:apps/web.yaml').trim());
  });
});

describe('staged files read as loose objects, and from packs', () => {
  test('the same report whether the staged blob is loose or packed', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    git(dir, 'add', 'apps/web.yaml');
    const oid = git(dir, 'rev-parse', ':apps/web.yaml').trim();
    expect(existsSync(objectFile(dir, oid))).toBe(true);
    const loose = runCliLimited(['check', '--staged', '-f', 'json', '--no-cache'], { cwd: dir });
    expect(loose.code).toBe(1);
    expect(report(loose.stdout).findings.map((f) => f.ruleId)).toContain('k8s-privileged-container');
    packRepo(dir);
    expect(existsSync(objectFile(dir, oid))).toBe(false);
    const packed = runCliLimited(['check', '--staged', '-f', 'json', '--no-cache'], { cwd: dir });
    expect({ code: packed.code, stdout: packed.stdout }).toEqual({ code: loose.code, stdout: loose.stdout });
  });
});

describe('reading the index without a git library', () => {
  for (const version of ['2', '3', '4']) {
    test(`index version ${version}: every tracked path, in order`, async () => {
      const { readIndexEntries } = await import('../../src/source/git-index.js');
      const files: Record<string, string> = { 'a.yaml': 'a: 1\n', 'apps/web.yaml': 'b: 1\n', 'apps/web2.yaml': 'c: 1\n', 'déjà vu/x.yaml': 'd: 1\n', 'z/deep/er/file-with-a-long-name.json': '{}' };
      const dir = makeRepo(files);
      git(dir, 'update-index', '--index-version', version);
      if (version === '3') git(dir, 'update-index', '--skip-worktree', 'a.yaml');
      expect(readIndexEntries(readFileSync(path.join(dir, '.git', 'index'))).map((e) => e.path)).toEqual(Object.keys(files).sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)));
    });
  }
});

describe('git reading helpers shared with history walks', () => {
  test('readCommitInfo and readTreeEntries: a missing object is a DataError (65) naming it', async () => {
    const { readCommitInfo, readTreeEntries } = await import('../../src/source/git.js');
    const { findRepo } = await import('../../src/source/find-repo.js');
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    commit(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT }, 'second');
    const parent = git(dir, 'rev-parse', 'HEAD~1').trim();
    const tree = git(dir, 'rev-parse', 'HEAD:apps').trim();
    rmSync(objectFile(dir, parent));
    rmSync(objectFile(dir, tree));
    const repo = findRepo(dir);
    await expect(readCommitInfo(repo, parent, {})).rejects.toMatchObject({ exitCode: 65, message: `git object of commit ${parent}: it is missing from the repository` });
    await expect(readTreeEntries(repo, tree, 'apps', {})).rejects.toMatchObject({ exitCode: 65, message: `git object of folder "apps" (tree ${tree}): it is missing from the repository` });
  });

  test('followTreeSymlink: inside is read, outside and loops are error entries', async () => {
    const { followTreeSymlink } = await import('../../src/source/git.js');
    const { findRepo } = await import('../../src/source/find-repo.js');
    const dir = makeRepo({ 'base/web.txt': PRIVILEGED_DEPLOYMENT });
    symlinkSync('../base/web.txt', path.join(dir, 'in.yaml'));
    symlinkSync('/etc/passwd', path.join(dir, 'out.yaml'));
    symlinkSync('loop2.yaml', path.join(dir, 'loop1.yaml'));
    symlinkSync('loop1.yaml', path.join(dir, 'loop2.yaml'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'links');
    const repo = findRepo(dir);
    const root = git(dir, 'rev-parse', 'HEAD^{tree}').trim();
    const oid = (p: string) => git(dir, 'rev-parse', `HEAD:${p}`).trim();
    // in.yaml sits at the root, so "../base" leaves the repository; a link in a folder would stay inside.
    expect(await followTreeSymlink(repo, root, 'in.yaml', oid('in.yaml'), {})).toMatchObject({ code: 'symlink-outside-repo' });
    expect(await followTreeSymlink(repo, root, 'apps/in.yaml', oid('in.yaml'), {})).toEqual({ oid: oid('base/web.txt') });
    expect(await followTreeSymlink(repo, root, 'out.yaml', oid('out.yaml'), {})).toMatchObject({ code: 'symlink-outside-repo', path: 'out.yaml' });
    expect(await followTreeSymlink(repo, root, 'loop1.yaml', oid('loop1.yaml'), {})).toMatchObject({ code: 'symlink-loop' });
  });
});
