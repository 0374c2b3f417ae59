import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Ajv04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { buildRepoFromSnapshots } from '../../src/demo/build-repo.js';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import { symlinkSync } from 'node:fs';
import { cleanup, git, makeRepo, runCli, tempDir } from '../helpers/repo.js';

afterAll(cleanup);

const LIVE = path.join(PACKAGE_ROOT, 'fixtures', 'live', 'demo.json');
const golden = (name: string) => readFileSync(path.join(PACKAGE_ROOT, 'fixtures', 'formats', name), 'utf8');
const unmask = (s: string) => s.replace(/<secret [0-9a-f]{8}>/g, '<secret>');
let demo = '';

beforeAll(async () => {
  demo = tempDir();
  await buildRepoFromSnapshots(path.join(PACKAGE_ROOT, 'fixtures', 'demo'), demo);
});

const scan = (...args: string[]) => runCli(['scan', '--live', LIVE, ...args], { cwd: demo });

describe('CI formats on the demo repository (scan: findings, a waiver, drift)', () => {
  test('SARIF 2.1.0 validates against the official schema; rules, levels, fingerprints, suppressions, drift', () => {
    const r = scan('-f', 'sarif');
    expect(r.code).toBe(3);
    const sarif = JSON.parse(r.stdout) as {
      runs: { tool: { driver: { rules: { id: string; defaultConfiguration: { level: string }; properties: Record<string, string> }[] } }; results: Record<string, unknown>[] }[];
    };
    type Validator = ((d: unknown) => boolean) & { errors?: unknown };
    const Ajv04 = (Ajv04Module as unknown as { default: new (o: object) => { compile(s: object): Validator } }).default;
    // The official schema has a pattern that is not valid as a unicode RegExp; its formats (uri, date-time) are checked.
    const ajv = new Ajv04({ strict: false, allErrors: true, unicodeRegExp: false });
    (addFormatsModule as unknown as { default: (a: unknown) => void }).default(ajv);
    const validate = ajv.compile(JSON.parse(golden('../sarif/sarif-schema-2.1.0.json')) as object);
    const valid = validate(sarif);
    expect(validate.errors ?? null).toBeNull();
    expect(valid).toBe(true);
    const [run] = sarif.runs;
    const rule = run!.tool.driver.rules.find((x) => x.id === 'k8s-privileged-container')!;
    expect([rule.defaultConfiguration.level, rule.properties['security-severity']]).toEqual(['error', '9.5']);
    const results = run!.results;
    expect(results.length).toBe(24 + 1 + 5); // unwaived findings, the waived one, drift
    const waived = results.find((x) => x.ruleId === 'ai-inference-ingress-no-tls')!;
    expect(waived.suppressions).toEqual([{ kind: 'inSource', justification: 'internal-only hostname; TLS terminates at the corporate proxy (SEC-142)' }]);
    const privileged = results.find((x) => x.ruleId === 'k8s-privileged-container')!;
    expect(privileged.locations).toEqual([
      { physicalLocation: { artifactLocation: { uri: 'apps/llm/gpu-debug.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 22, startColumn: 25, endLine: 22, endColumn: 28 } } },
    ]);
    expect(results.filter((x) => x.ruleId === 'drift').map((x) => x.level)).toEqual(['error', 'warning', 'warning', 'warning', 'warning']);
    // Fingerprints are stable across runs.
    expect(JSON.parse(scan('-f', 'sarif').stdout).runs[0].results.map((x: { partialFingerprints: unknown }) => x.partialFingerprints)).toEqual(results.map((x) => x.partialFingerprints));
  });

  test('JUnit XML is well-formed: a suite per rule, a failure per finding, waived ones skipped', () => {
    const r = scan('-f', 'junit');
    expect(XMLValidator.validate(r.stdout)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(r.stdout) as {
      testsuites: { tests: string; failures: string; skipped: string; testsuite: { name: string; testcase: unknown }[] };
    };
    expect([doc.testsuites.tests, doc.testsuites.failures, doc.testsuites.skipped]).toEqual(['30', '29', '1']);
    expect(doc.testsuites.testsuite.map((s) => s.name)).toContain('k8s-privileged-container');
    expect(doc.testsuites.testsuite.map((s) => s.name)).toContain('drift');
  });

  test('GitHub workflow commands, written out in full', () => {
    const r = scan('-f', 'github');
    expect(unmask(r.stdout)).toBe(golden('demo.github'));
    expect(r.stdout).not.toContain('hf_');
  });

  test('GitLab Code Quality, written out in full', () => {
    const r = scan('-f', 'gitlab');
    expect(unmask(r.stdout)).toBe(golden('demo.gitlab'));
  });

  test('several -f/-o pairs in one run; the terminal gets the text (or one summary line)', () => {
    const out = tempDir();
    const sarif = path.join(out, 'out.sarif');
    const junit = path.join(out, 'out.xml');
    const r = scan('-f', 'text', '-f', 'sarif', '-o', sarif, '-f', 'junit', '-o', junit);
    expect(r.stdout.split('\n').at(-2)).toBe('✖ 24 findings (4 critical, 1 high, 7 medium, 12 low) in 8 files, 10 documents, 168 rules, 1 waived · exit 3 (policy findings and drift; fails at high and above)');
    expect(JSON.parse(readFileSync(sarif, 'utf8')).version).toBe('2.1.0');
    expect(XMLValidator.validate(readFileSync(junit, 'utf8'))).toBe(true);
    const files = scan('-f', 'sarif', '-o', sarif);
    expect(files.stdout).toBe(
      `✖ 5 resources drifted from ${LIVE} (2 modified, 2 missing, 1 unmanaged, 1 security-relevant) · ✖ 24 findings (4 critical, 1 high, 7 medium, 12 low) in 8 files, 10 documents, 168 rules, 1 waived · exit 3 (policy findings and drift; fails at high and above) · report: ${sarif}\n`,
    );
    const twoOnTerminal = scan('-f', 'json', '-f', 'sarif');
    expect(twoOnTerminal.stderr).toBe('aiops-guard: 2 formats would go to the terminal at once\n  hint: give an -o file for all but one -f\n');
    expect(twoOnTerminal.code).toBe(64);
  });
});

describe('a run that fails only because something was not checked says so in every format', () => {
  // One clean ConfigMap and a symlink out of the repository (not read): exit 1 with no finding.
  const repo = () => {
    const dir = makeRepo({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: app, namespace: apps }\ndata: { LOG_LEVEL: info }\n' }, 'config');
    symlinkSync('/etc/hostname', path.join(dir, 'host.yaml'));
    git(dir, 'add', 'host.yaml');
    git(dir, 'commit', '-q', '-m', 'link');
    return dir;
  };
  const message = 'symlink points outside the repository (/etc/hostname); not read';

  test('github, gitlab, junit, sarif and -q name the file and why; SARIF marks the run incomplete', () => {
    const dir = repo();
    const run = (...args: string[]) => runCli(['check', '--no-cache', ...args], { cwd: dir });
    const github = run('-f', 'github');
    expect([github.code, github.stdout]).toEqual([1, `::error file=host.yaml,title=not checked (symlink-outside-repo)::${message}\n`]);
    const gitlab = run('-f', 'gitlab');
    expect(JSON.parse(gitlab.stdout)).toEqual([
      { description: `not checked (symlink-outside-repo): ${message}`, check_name: 'symlink-outside-repo', fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/), severity: 'blocker', location: { path: 'host.yaml', lines: { begin: 1 } } },
    ]);
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(run('-f', 'junit').stdout) as {
      testsuites: { tests: string; failures: string; errors: string; testsuite: { name: string; testcase: { name: string; classname: string; error: { message: string } } } };
    };
    expect([junit.testsuites.tests, junit.testsuites.failures, junit.testsuites.errors, junit.testsuites.testsuite.name]).toEqual(['1', '0', '1', 'not checked']);
    expect(junit.testsuites.testsuite.testcase).toMatchObject({ name: 'host.yaml', classname: 'symlink-outside-repo', error: { message: `not checked (symlink-outside-repo): ${message}` } });
    const sarif = JSON.parse(run('-f', 'sarif').stdout) as { runs: { results: unknown[]; invocations: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string }; locations: unknown[] }[] }[] }[] };
    const [invocation] = sarif.runs[0]!.invocations;
    expect(sarif.runs[0]!.results).toEqual([]);
    expect(invocation!.executionSuccessful).toBe(false);
    expect(invocation!.toolExecutionNotifications).toEqual([
      { level: 'error', message: { text: `not checked (symlink-outside-repo): ${message}` }, descriptor: { id: 'symlink-outside-repo' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'host.yaml', uriBaseId: '%SRCROOT%' } } }] },
    ]);
    const quiet = run('-q');
    expect([quiet.code, quiet.stdout]).toEqual([1, `skipped host.yaml  ${message} (symlink-outside-repo)\n`]);
  });
});
