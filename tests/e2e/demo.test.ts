import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import { TOOL_VERSION } from '../../src/version.js';
import { cleanup, runCli, tempDir } from '../helpers/repo.js';

afterAll(cleanup);

test('demo builds the example repository and checks it, with the documented exit code', () => {
  const r = runCli(['demo'], { cwd: tempDir() });
  expect(r.stdout).toBe(readFileSync(path.join(PACKAGE_ROOT, 'fixtures', 'demo-expected.txt'), 'utf8'));
  expect(r.stderr).toBe('');
  expect(r.code).toBe(1);
});

test('the version is the package version', () => {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  expect(TOOL_VERSION).toBe(pkg.version);
});
