import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { readIndexEntries, statMatchesEntry, type IndexEntry } from '../../src/source/git-index.js';
import { readWorktree } from '../../src/source/worktree.js';
import { findRepo } from '../../src/source/find-repo.js';
import type { Report } from '../../src/report/types.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, WEB_NAMESPACE } from '../helpers/manifests.js';
import { cleanup, git, makeRepo, runCli, tempDir, writeFiles } from '../helpers/repo.js';

afterAll(cleanup);

/** `git ls-files -s`: mode, blob id and stage of every entry, as git reads its own index. */
function lsFiles(dir: string): { path: string; oid: string; mode: number; stage: number }[] {
  return git(dir, 'ls-files', '-s', '-z')
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, p] = line.split('\t') as [string, string];
      const [mode, oid, stage] = meta.split(' ') as [string, string, string];
      return { path: p, oid, mode: parseInt(mode, 8), stage: Number(stage) };
    });
}

const entriesOf = (dir: string) => readIndexEntries(readFileSync(path.join(dir, '.git', 'index')));

describe('readIndexEntries reads what git wrote', () => {
  test.each([2, 3, 4])('index version %i: paths, blob ids, modes and stages as git ls-files says; stat data as the file has', (version) => {
    const files: Record<string, string> = { 'a.yaml': 'a: 1\n', 'apps/web/deploy.yaml': HARDENED_DEPLOYMENT, 'apps/web/z.yaml': 'z: 1\n', 'apps/w/x.json': '{}\n', 'ü/日本.yaml': 'k: v\n', [`long/${'n'.repeat(120)}.yaml`]: 'x: 1\n' };
    const dir = makeRepo(files);
    writeFiles(dir, { 'new.yaml': 'n: 1\n' });
    // Intent-to-add sets an extended flag (version 3+).
    if (version >= 3) git(dir, 'add', '-N', 'new.yaml');
    git(dir, 'update-index', '--index-version', String(version));
    const entries = entriesOf(dir);
    expect(entries.map(({ path: p, oid, mode, stage }) => ({ path: p, oid, mode, stage }))).toEqual(lsFiles(dir));
    const web = entries.find((e) => e.path === 'apps/web/deploy.yaml')!;
    const st = lstatSync(path.join(dir, 'apps/web/deploy.yaml'), { bigint: true });
    expect([web.size, web.mtimeSec, web.mtimeNsec, web.ino]).toEqual([Number(st.size), Number(st.mtimeNs / 1_000_000_000n), Number(st.mtimeNs % 1_000_000_000n), Number(st.ino)]);
    expect(web.unvouched).toBe(false);
    if (version >= 3) expect(entries.find((e) => e.path === 'new.yaml')!.unvouched).toBe(true);
  });

  test('assume-unchanged and skip-worktree entries are not vouched for; a damaged index gives no entries', () => {
    const dir = makeRepo({ 'a.yaml': 'a: 1\n', 'b.yaml': 'b: 1\n', 'c.yaml': 'c: 1\n' });
    git(dir, 'update-index', '--assume-unchanged', 'a.yaml');
    git(dir, 'update-index', '--skip-worktree', 'b.yaml');
    expect(entriesOf(dir).map((e) => [e.path, e.unvouched])).toEqual([['a.yaml', true], ['b.yaml', true], ['c.yaml', false]]);
    const index = readFileSync(path.join(dir, '.git', 'index'));
    index[index.length - 30] ^= 0xff;
    expect(readIndexEntries(index)).toEqual([]);
    expect(readIndexEntries(Buffer.from('not an index'))).toEqual([]);
  });
});

describe('statMatchesEntry: git stat test with racy-git rules', () => {
  const dir = makeRepo({ 'f.yaml': 'a: 1\n' });
  const file = path.join(dir, 'f.yaml');
  const st = lstatSync(file, { bigint: true });
  const exact: IndexEntry = {
    path: 'f.yaml',
    oid: '0'.repeat(40),
    mode: 0o100644,
    stage: 0,
    ctimeSec: Number(st.ctimeNs / 1_000_000_000n),
    ctimeNsec: Number(st.ctimeNs % 1_000_000_000n),
    mtimeSec: Number(st.mtimeNs / 1_000_000_000n),
    mtimeNsec: Number(st.mtimeNs % 1_000_000_000n),
    ino: Number(st.ino & 0xffffffffn),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: Number(st.size),
    unvouched: false,
  };
  const later = exact.mtimeSec + 1;

  test('every recorded field equal and the index written a later second: vouched', () => {
    expect(statMatchesEntry(exact, st, later)).toBe(true);
  });

  test('racily clean (modified in the second the index was written, or after) is never vouched', () => {
    expect(statMatchesEntry(exact, st, exact.mtimeSec)).toBe(false);
    expect(statMatchesEntry(exact, st, exact.mtimeSec - 1)).toBe(false);
  });

  test.each<[string, Partial<IndexEntry>]>([
    ['size', { size: exact.size + 1 }],
    ['mtime seconds', { mtimeSec: exact.mtimeSec - 1 }],
    ['mtime nanoseconds', { mtimeNsec: (exact.mtimeNsec + 1) % 1e9 }],
    ['ctime seconds', { ctimeSec: exact.ctimeSec - 1 }],
    ['ctime nanoseconds', { ctimeNsec: (exact.ctimeNsec + 1) % 1e9 }],
    ['inode', { ino: exact.ino + 1 }],
    ['uid', { uid: exact.uid + 1 }],
    ['gid', { gid: exact.gid + 1 }],
    ['a symlink entry', { mode: 0o120000 }],
    ['a conflict stage', { stage: 2 }],
    ['assume-unchanged or skip-worktree', { unvouched: true }],
  ])('%s differs: not vouched', (_what, change) => {
    expect(statMatchesEntry({ ...exact, ...change }, st, later)).toBe(false);
  });
});

/** Rewrites the index entry of `rel` with the stat data the file has now (keeping the blob id), and the index's own mtime. */
function forgeIndexStat(dir: string, rel: string, indexMtimeSec: number): void {
  const indexFile = path.join(dir, '.git', 'index');
  const index = readFileSync(indexFile);
  const at = index.indexOf(Buffer.from(`${rel}\0`)) - 62;
  const st = lstatSync(path.join(dir, rel), { bigint: true });
  const u32 = (v: bigint) => Number(v & 0xffffffffn);
  [st.ctimeNs / 1_000_000_000n, st.ctimeNs % 1_000_000_000n, st.mtimeNs / 1_000_000_000n, st.mtimeNs % 1_000_000_000n, st.dev, st.ino].forEach((v, i) => index.writeUInt32BE(u32(v), at + 4 * i));
  index.writeUInt32BE(u32(st.size), at + 36);
  const body = index.subarray(0, index.length - 20);
  createHash('sha1').update(body).digest().copy(index, index.length - 20);
  writeFileSync(indexFile, index);
  utimesSync(indexFile, indexMtimeSec, indexMtimeSec);
}

describe('check of the work tree takes the blob id from the index only when git would', () => {
  test('a file changed with its stat data recorded in the index: trusted as git does when the index is newer; re-read when racily clean', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/namespace.yaml': WEB_NAMESPACE });
    const cacheDir = tempDir();
    const check = () => JSON.parse(runCli(['check', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir }).stdout) as Report;
    // Warm the cache with the committed content's result.
    expect(check().findings).toEqual([]);
    // Same size: the privileged version has one line more, the original a comment of that length.
    const original = HARDENED_DEPLOYMENT + '#'.padEnd(27, '-') + '\n';
    const changed = PRIVILEGED_DEPLOYMENT;
    expect(Buffer.byteLength(changed)).toBe(Buffer.byteLength(original));
    writeFiles(dir, { 'apps/web.yaml': original });
    git(dir, 'add', 'apps/web.yaml');
    expect(check().findings).toEqual([]);
    writeFiles(dir, { 'apps/web.yaml': changed });
    const mtime = Number(lstatSync(path.join(dir, 'apps/web.yaml'), { bigint: true }).mtimeNs / 1_000_000_000n);

    // The index written in the same second as the file's recorded mtime: racily clean, git and aiops-guard read the content.
    forgeIndexStat(dir, 'apps/web.yaml', mtime);
    expect(git(dir, '--no-optional-locks', 'status', '--porcelain')).toBe('MM apps/web.yaml\n');
    expect(check().findings.map((f) => f.ruleId)).toContain('k8s-privileged-container');

    // The index written later: git's stat test vouches for the recorded blob, and both take it without reading.
    forgeIndexStat(dir, 'apps/web.yaml', mtime + 5);
    expect(git(dir, '--no-optional-locks', 'status', '--porcelain')).toBe('M  apps/web.yaml\n');
    expect(check().findings).toEqual([]);
  });
});

describe('content git converts is always hashed', () => {
  test('with a .gitattributes or core.autocrlf, no blob id comes from the index', async () => {
    const dir = makeRepo({ 'a.yaml': 'a: 1\n', 'b.yaml': PRIVILEGED_DEPLOYMENT });
    // Let a second pass so the index is not racily clean.
    utimesSync(path.join(dir, '.git', 'index'), Date.now() / 1000 + 5, Date.now() / 1000 + 5);
    const oids = async () => (await readWorktree(findRepo(dir), () => true, () => true)).files.map((f) => [f.path, f.oid]);
    expect(await oids()).toEqual(lsFiles(dir).map((e) => [e.path, e.oid]));
    git(dir, 'config', 'core.autocrlf', 'true');
    expect(await oids()).toEqual([['a.yaml', null], ['b.yaml', null]]);
    git(dir, 'config', '--unset', 'core.autocrlf');
    writeFiles(dir, { 'sub/.gitattributes': '*.yaml filter=lfs\n' });
    expect((await oids()).every(([, oid]) => oid === null)).toBe(true);
  });
});
