import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import { cleanup, tempDir } from '../helpers/repo.js';

afterAll(cleanup);

const FUZZ = path.join(PACKAGE_ROOT, 'dist', 'scripts', 'fuzz.js');
const run = (args: string[], timeout = 280000) => spawnSync(process.execPath, [FUZZ, ...args], { encoding: 'utf8', timeout });

describe('fuzz loop (npm run fuzz)', () => {
  test('a seeded run of 300 mutated fixtures: no internal error, no hang, no crash', () => {
    const out = tempDir();
    const r = run(['--seed', '1', '--runs', '300', '--timeout-ms', '20000', '--out', out]);
    // On failure the output lists each input's shape and where it was saved.
    expect(r.stdout).toMatch(/^fuzz: seed 1, 300 inputs from \d+ fixtures \(12 also through the command line\), 0 failures \(0 errors, 0 hangs, 0 crashes, 0 command-line failures\) in [\d.]+ s$/m);
    expect(r.status).toBe(0);
    expect(readdirSync(out)).toEqual([]);
  }, 300000);

  test('the same seed makes the same inputs', () => {
    const a = run(['--seed', '7', '--runs', '25', '--timeout-ms', '20000', '--out', tempDir()]);
    const b = run(['--seed', '7', '--runs', '25', '--timeout-ms', '20000', '--out', tempDir()]);
    const strip = (s: string) => s.replace(/ in [\d.]+ s$/m, '').replace(/input saved: .*/g, '');
    expect(strip(a.stdout)).toBe(strip(b.stdout));
  }, 120000);

  test('a bad option is a usage error (64) with the fix', () => {
    const r = run(['--runs', 'many']);
    expect(r.status).toBe(64);
    expect(r.stderr).toBe('fuzz: --runs needs a whole number, got "many"\n');
  });
});
