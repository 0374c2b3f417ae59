import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import type { CliResult } from '../helpers/repo.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'aiops-guard.js');

function cliEnv(extra?: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', CI: 'true' };
  delete env.FORCE_COLOR;
  delete env.AIOPS_GUARD_TRUSTED_CONFIG;
  return { ...env, ...extra };
}

/** Runs the built binary with a time limit: a hang is a failure (code null, timedOut true), not a stuck test. */
export function runCliLimited(args: string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): CliResult & { timedOut: boolean } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: cliEnv(opts.env), encoding: 'utf8', input: '', timeout: opts.timeoutMs ?? 15000, killSignal: 'SIGKILL' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.error !== undefined || r.signal === 'SIGKILL' };
}

/** Runs the built binary without blocking this process (so a file watcher can see what it does). */
export function runCliAsync(args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: cliEnv(opts.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
