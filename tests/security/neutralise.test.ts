import { afterAll, describe, expect, test } from '@jest/globals';
import { XMLValidator } from 'fast-xml-parser';
import type { Report } from '../../src/report/types.js';
import { cleanup, commit, makeRepo } from '../helpers/repo.js';
import { PRIVILEGED_DEPLOYMENT, WEB_NAMESPACE } from '../helpers/manifests.js';
import { runCliLimited } from './helpers.js';

afterAll(cleanup);

const ESC = '\u001b';
const OSC_TITLE = `${ESC}]0;pwned\u0007`;
const FORGED = '\n::add-mask::hunter2\n::error file=README.md::forged';
/** A privileged container whose name carries a forged workflow command and a terminal escape. */
const EVIL_DEPLOYMENT = PRIVILEGED_DEPLOYMENT.replace('- name: web', `- name: ${JSON.stringify(`web${FORGED}${ESC}[31m`)}`).replace('  name: web\n', `  name: ${JSON.stringify(`web${OSC_TITLE}`)}\n`);
const FILES = {
  [`apps/${OSC_TITLE}web.yaml`]: EVIL_DEPLOYMENT,
  'apps/x\n::add-mask::s3cr3t.yaml': PRIVILEGED_DEPLOYMENT,
  '::error::top.yaml': PRIVILEGED_DEPLOYMENT,
  '\u202eevil.yaml': PRIVILEGED_DEPLOYMENT,
};

function evilRepo(): string {
  const dir = makeRepo({ 'README.md': 'x\n', 'apps/web-namespace.yaml': WEB_NAMESPACE });
  commit(dir, FILES, `add apps ${ESC}[2J${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`);
  return dir;
}

const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('text, github and gitlab outputs neutralise control characters', () => {
  const dir = evilRepo();

  test('text: no raw escapes, no line a CI runner would take for a workflow command', () => {
    const r = runCliLimited(['check'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    for (const line of r.stdout.split('\n')) expect(line.trimStart()).not.toMatch(/^(::|##\[|##vso\[)/);
    expect(r.stdout).toContain('Container "web\\n::add-mask::hunter2\\n::error file=README.md::forged\\x1b[31m" runs privileged');
    expect(r.stdout).toContain('apps/x\\n::add-mask::s3cr3t.yaml:');
    expect(r.stdout).toContain('\\u202eevil.yaml:');
  });

  test('rollback text: a commit subject cannot clear the screen or plant a link', () => {
    const r = runCliLimited(['rollback'], { cwd: dir });
    expect(r.stdout).toContain('add apps \\x1b[2J');
    expect(r.stdout).not.toMatch(RAW_CONTROL);
  });

  test('github: one annotation per finding, no forged command, no escape character', () => {
    const r = runCliLimited(['check', '-f', 'github'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/^::error file=[^:,]*,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=k8s-privileged-container \(critical\)::/);
    expect(r.stdout).toContain('file=%3A%3Aerror%3A%3Atop.yaml,');
  });

  test('gitlab: descriptions and paths are neutralised too', () => {
    const r = runCliLimited(['check', '-f', 'gitlab'], { cwd: dir });
    const issues = JSON.parse(r.stdout) as { description: string; location: { path: string } }[];
    for (const i of issues) {
      expect(i.description).not.toMatch(RAW_CONTROL);
      expect(i.location.path).not.toMatch(RAW_CONTROL);
    }
    expect(issues.map((i) => i.location.path)).toContain('apps/\\x1b]0;pwned\\x07web.yaml');
  });

  test('JSON and SARIF keep the exact names (JSON escaping is already safe)', () => {
    const json = JSON.parse(runCliLimited(['check', '-f', 'json'], { cwd: dir }).stdout) as Report;
    expect(json.findings.map((f) => f.file).sort()).toEqual(Object.keys(FILES).sort());
    expect(json.findings.some((f) => f.message === `Container "web${FORGED}${ESC}[31m" runs privileged`)).toBe(true);
    const sarifText = runCliLimited(['check', '-f', 'sarif'], { cwd: dir }).stdout;
    // JSON must escape C0 controls; it may carry other characters as they are.
    expect(sarifText).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    const sarif = JSON.parse(sarifText) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    const uris = sarif.runs[0]!.results.map((x) => decodeURIComponent(x.locations[0]!.physicalLocation.artifactLocation.uri));
    expect(uris.sort()).toEqual(Object.keys(FILES).sort());
    expect(sarifText).toContain('\\u001b]0;pwned\\u0007');
  });

  test('JUnit is well-formed XML without raw control characters', () => {
    const xml = runCliLimited(['check', '-f', 'junit'], { cwd: dir }).stdout;
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });
});

describe('neutraliseText', () => {
  test('a table of characters', async () => {
    const { neutraliseText } = await import('../../src/report/neutralise.js');
    expect(neutraliseText('plain text, naïve café ✔')).toBe('plain text, naïve café ✔');
    expect(neutraliseText('a\nb\rc\td')).toBe('a\\nb\\rc\\td');
    expect(neutraliseText(`${ESC}[31mred\u0007\u0000\u007f\u0085`)).toBe('\\x1b[31mred\\x07\\x00\\x7f\\x85');
    expect(neutraliseText('\u202eevil\u2066\u2028')).toBe('\\u202eevil\\u2066\\u2028');
  });
});
