import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { validateConfig } from '../../src/config/load.js';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import { installHook } from '../../src/setup/hook.js';
import { findRepo } from '../../src/source/find-repo.js';
import { cleanup, git, makeRepo, runCli, writeFiles } from '../helpers/repo.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT } from '../helpers/manifests.js';

afterAll(cleanup);

/** `git commit` as a user runs it, hooks and all; returns its exit code and output. */
function tryCommit(dir: string, message: string): { code: number | null; output: string } {
  const r = spawnSync('git', ['commit', '-q', '-m', message], {
    cwd: dir,
    env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com', HOME: os.tmpdir(), NO_COLOR: '1' },
    encoding: 'utf8',
  });
  return { code: r.status, output: r.stdout + r.stderr };
}

describe('hook install / uninstall', () => {
  test('with the hook, a commit of a privileged Deployment is refused with the findings; a clean one goes through', () => {
    const dir = makeRepo({ 'README.md': '# x\n' });
    const r = runCli(['hook', 'install'], { cwd: dir });
    expect(r.stdout).toBe(`pre-commit hook installed: ${path.join(dir, '.git', 'hooks', 'pre-commit')}\nEach commit now runs: aiops-guard check --staged --new-since HEAD --quiet (only findings the commit adds stop it)\n`);
    writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    git(dir, 'add', '-A');
    const refused = tryCommit(dir, 'privileged');
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('apps/web.yaml:24:25  critical Container "web" runs privileged  k8s-privileged-container');
    expect(git(dir, 'log', '--format=%s')).toBe('initial\n');
    writeFiles(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT });
    git(dir, 'add', '-A');
    const ok = tryCommit(dir, 'hardened web');
    expect(ok.code).toBe(0);
    // A commit that passes prints nothing.
    expect(ok.output).toBe('');
    expect(git(dir, 'log', '--format=%s')).toBe('hardened web\ninitial\n');
  });

  test('a hook whose aiops-guard is gone (an npx cache cleared) says so and how to reinstall, and stops the commit', async () => {
    const dir = makeRepo({ 'README.md': '# x\n' });
    const gone = path.join(os.tmpdir(), 'aiops-guard-gone', '_npx', 'abc', 'node_modules', 'aiops-guard', 'bin', 'aiops-guard.js');
    await installHook(findRepo(dir), [process.execPath, gone], false);
    writeFiles(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT });
    git(dir, 'add', '-A');
    const r = tryCommit(dir, 'web');
    expect(r.code).toBe(1);
    expect(r.output).toBe(`aiops-guard pre-commit hook: ${gone} is gone (was aiops-guard run from a temporary npx folder, or Node moved?). Install aiops-guard to stay (npm i -D, or npm i -g), then run: aiops-guard hook install. To commit meanwhile: git commit --no-verify.\n`);
  });

  test('an existing hook is never overwritten silently: refused, or chained with --chain; uninstall removes only ours', () => {
    const dir = makeRepo({ 'README.md': '# x\n' });
    const hook = path.join(dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho "team hook ran"\n', { mode: 0o755 });
    const refused = runCli(['hook', 'install'], { cwd: dir });
    expect(refused.stderr).toBe(`aiops-guard: ${hook} already exists and is not aiops-guard's; it was left as it is\n  hint: run "aiops-guard hook install --chain" to keep it and run it before the check\n`);
    expect(refused.code).toBe(64);
    expect(readFileSync(hook, 'utf8')).toBe('#!/bin/sh\necho "team hook ran"\n');
    expect(runCli(['hook', 'install', '--chain'], { cwd: dir }).code).toBe(0);
    writeFiles(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT });
    git(dir, 'add', '-A');
    const both = tryCommit(dir, 'web');
    expect(both.code).toBe(0);
    expect(both.output).toContain('team hook ran');
    const un = runCli(['hook', 'uninstall'], { cwd: dir });
    expect(un.stdout).toBe(`pre-commit hook removed; your previous hook is back in place: ${hook}\n`);
    expect(readFileSync(hook, 'utf8')).toBe('#!/bin/sh\necho "team hook ran"\n');
    const notOurs = runCli(['hook', 'uninstall'], { cwd: dir });
    expect(notOurs.code).toBe(64);
    expect(existsSync(hook)).toBe(true);
  });
});

describe('init', () => {
  test('writes a valid, commented starter .aiopsrc.json with $schema, and refuses to overwrite', async () => {
    const dir = makeRepo({ 'README.md': '# x\n' });
    const r = runCli(['init'], { cwd: dir });
    const file = path.join(dir, '.aiopsrc.json');
    expect(r.stdout).toBe(`wrote ${file}\nCheck it with: aiops-guard check\n`);
    const config = JSON.parse(readFileSync(file, 'utf8')) as { $schema: string; $comment: string[] };
    // Relative to the config, where installing the package puts it: never a path of this machine.
    expect(config.$schema).toBe('./node_modules/aiops-guard/schemas/aiopsrc.schema.json');
    expect(existsSync(path.join(PACKAGE_ROOT, 'schemas', 'aiopsrc.schema.json'))).toBe(true);
    expect(config.$comment[0]).toMatch(/^aiops-guard configuration/);
    expect(await validateConfig(config)).toBeNull();
    // Every key of the schema is there, or (no default to write) named in a note.
    const schema = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'schemas', 'aiopsrc.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
    const notes = config.$comment.join(' ');
    expect(Object.keys(schema.properties).filter((k) => !(k in config) && !notes.includes(`"${k}"`))).toEqual([]);
    expect(runCli(['check'], { cwd: dir }).code).toBe(0);
    // Only defaults: a profile's own gate (low) is not replaced by a written failOn.
    expect(config).not.toHaveProperty('failOn');
    writeFiles(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT.replace('runAsNonRoot: true', 'runAsNonRoot: false') });
    const restricted = runCli(['check', '--profile', 'pss-restricted'], { cwd: dir });
    expect(restricted.stdout.trimEnd().split('\n').at(-1)).toMatch(/fails at low and above\)$/);
    const again = runCli(['init'], { cwd: dir });
    expect(again.stderr).toBe(`aiops-guard: ${file} already exists; it was left as it is\n  hint: edit it, or remove it first to start over\n`);
    expect(again.code).toBe(64);
  });
});
