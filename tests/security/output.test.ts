import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { cleanup, git, makeRepo, tempDir } from '../helpers/repo.js';
import { HARDENED_DEPLOYMENT } from '../helpers/manifests.js';
import { runCliLimited } from './helpers.js';

afterAll(cleanup);

describe('-o never writes through a symlink', () => {
  test('a committed aiops-guard.sarif symlink: the file it points to is untouched, exit 73 naming the path', () => {
    const victim = path.join(tempDir(), 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    symlinkSync(victim, path.join(dir, 'aiops-guard.sarif'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'symlink');
    const r = runCliLimited(['check', '-f', 'sarif', '-o', 'aiops-guard.sarif'], { cwd: dir });
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(r.code).toBe(73);
    expect(r.stderr).toContain(`cannot write ${path.join(dir, 'aiops-guard.sarif')}: it is a symlink`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('a path through a symlinked folder is refused, and nothing is written where it points', () => {
    const elsewhere = tempDir();
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    symlinkSync(elsewhere, path.join(dir, 'reports'));
    const r = runCliLimited(['check', '-f', 'json', '-o', 'reports/out.json'], { cwd: dir });
    expect(r.code).toBe(73);
    expect(r.stderr).toContain(`${path.join(dir, 'reports')} is a symlink`);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  test('a folder that does not exist inside the current folder is created; no temp file is left', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const r = runCliLimited(['check', '-f', 'json', '-o', 'out/ci/report.json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(readFileSync(path.join(dir, 'out/ci/report.json'), 'utf8')) as { version: number }).version).toBe(1);
    expect(readdirSync(path.join(dir, 'out/ci'))).toEqual(['report.json']);
  });

  test('an existing file is replaced whole (written beside, then renamed)', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    mkdirSync(path.join(dir, 'out'));
    writeFileSync(path.join(dir, 'out', 'r.json'), 'x'.repeat(100000));
    const r = runCliLimited(['check', '-f', 'json', '-o', 'out/r.json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(dir, 'out', 'r.json'), 'utf8').startsWith('{')).toBe(true);
    expect(readdirSync(path.join(dir, 'out'))).toEqual(['r.json']);
  });

  test('a missing folder outside the current folder: exit 73 with the path and the reason, not "internal error"', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const target = path.join(tempDir(), 'missing', 'r.json');
    const r = runCliLimited(['check', '-f', 'json', '-o', target], { cwd: dir });
    expect(r.code).toBe(73);
    expect(r.stderr).toContain(`cannot write ${target}: folder ${path.dirname(target)} does not exist`);
    expect(r.stderr).not.toContain('internal error');
    expect(existsSync(path.dirname(target))).toBe(false);
  });

  test('a folder given as the output: 73', () => {
    const dir = makeRepo({ 'apps/web.yaml': HARDENED_DEPLOYMENT });
    const r = runCliLimited(['check', '-f', 'json', '-o', 'apps'], { cwd: dir });
    expect(r.code).toBe(73);
    expect(r.stderr).toContain(`cannot write ${path.join(dir, 'apps')}: it is a folder`);
  });
});
