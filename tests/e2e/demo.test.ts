import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import { TOOL_VERSION } from '../../src/version.js';
import { cleanup, runCli, tempDir } from '../helpers/repo.js';

afterAll(cleanup);

test('demo builds the example repository and scans it against the bundled live snapshot, with the documented exit code', () => {
  // Ages ("since 564d0bc (Dana Ops, 25 hours ago)") are counted from a fixed "now", as git does with SOURCE_DATE_EPOCH.
  const r = runCli(['demo'], { cwd: tempDir(), env: { SOURCE_DATE_EPOCH: '1767700800' } });
  // Secret masks are random per run: equal within a run, never the value.
  const masked = (s: string) => s.replace(/<secret [0-9a-f]{8}>/g, '<secret>');
  expect(masked(r.stdout)).toBe(masked(readFileSync(path.join(PACKAGE_ROOT, 'fixtures', 'demo-expected.txt'), 'utf8')));
  expect(r.stdout).not.toContain('hf_dEmO');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(3);
});

test('the version is the package version', () => {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  expect(TOOL_VERSION).toBe(pkg.version);
});
