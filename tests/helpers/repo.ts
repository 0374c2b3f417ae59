import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildRepoFromSnapshots, type BuiltCommit } from '../../src/demo/build-repo.js';
import { PACKAGE_ROOT } from '../../src/rules/load.js';

const made: string[] = [];

/** A fresh empty temporary folder, removed by `cleanup()`. */
export function tempDir(prefix = 'aiops-guard-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: os.tmpdir(),
};

/** Runs the git CLI in a repo, as a user would. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
}

/**
 * Packs every object of the repo as `git gc --prune=now` leaves it (refs in packed-refs, objects in one
 * pack, no loose ones), without `git gc`: gc's repack starts pack-objects with /dev/null as stdin, and
 * pack-objects reads revisions from it. Where /dev/null is a regular file something wrote to (a CI
 * sandbox here had "/usr/bin/tail" in it), gc fails with "bad revision". This feeds pack-objects an
 * empty line, which ends its revision list.
 */
export function packRepo(dir: string): void {
  git(dir, 'pack-refs', '--all');
  const pack = path.join(dir, '.git', 'objects', 'pack', 'pack');
  execFileSync('git', ['pack-objects', '-q', '--all', '--reflog', '--indexed-objects', '--delta-base-offset', pack], {
    cwd: dir,
    env: { ...process.env, ...GIT_ENV },
    input: '\n',
  });
  git(dir, 'prune-packed');
  git(dir, 'prune', '--expire=now');
}

/** Writes files (path → content) into a folder. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
}

/** A temporary git repository with one commit of `files` (none if empty). */
export function makeRepo(files: Record<string, string>, message = 'initial'): string {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  writeFiles(dir, files);
  if (Object.keys(files).length) {
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', message);
  }
  return dir;
}

/** Commits `files` on top of the current branch. */
export function commit(dir: string, files: Record<string, string>, message: string): string {
  writeFiles(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD').trim();
}

/** A repository built from a fixture folder of commit snapshots (fixtures/repos/<name>). */
export async function fixtureRepo(name: string): Promise<{ dir: string; commits: BuiltCommit[] }> {
  const dir = tempDir();
  const commits = await buildRepoFromSnapshots(path.join(PACKAGE_ROOT, 'fixtures', 'repos', name), dir);
  return { dir, commits };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const BIN = path.join(PACKAGE_ROOT, 'bin', 'aiops-guard.js');

/** Runs the built binary the way CI would: no TTY, no colour. */
export function runCli(args: string[], opts: { cwd: string; env?: Record<string, string>; input?: string }): CliResult {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', CI: 'true' };
  delete env.FORCE_COLOR;
  Object.assign(env, opts.env);
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, encoding: 'utf8', input: opts.input ?? '' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
