import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import Ajv04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { findingFingerprint } from '../../src/report/fingerprint.js';
import type { Finding, Report } from '../../src/report/types.js';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import { cleanup, commit, git, makeRepo, runCli, writeFiles } from '../helpers/repo.js';
import { HARDENED_DEPLOYMENT, PRIVILEGED_DEPLOYMENT, SERVICE, UNTAGGED_DEPLOYMENT, WEB_NAMESPACE } from '../helpers/manifests.js';

afterAll(cleanup);

/** The baseline is committed, as the command says: an uncommitted one is a change to the policy (policy-weakened). */
function commitBaseline(dir: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'accept the current findings');
}

const BASELINE = '.aiops-guard-baseline.json';
/** A second workload with its own identity, privileged: one critical finding. */
const PRIVILEGED_API = PRIVILEGED_DEPLOYMENT.replace('name: web\n  namespace: web', 'name: api\n  namespace: web').replace('- name: web', '- name: api');

type Json = {
  summary: { exitCode: number; baseline?: { unchanged: number; new: number; absent: number } };
  findings: { ruleId: string; file: string; baseline?: string; resource: { name: string } | null }[];
};
const json = (dir: string, ...args: string[]) => {
  const r = runCli(['check', '-f', 'json', ...args], { cwd: dir });
  return { code: r.code, report: JSON.parse(r.stdout) as Json, stderr: r.stderr };
};
const readBaseline = (dir: string, file = BASELINE) =>
  JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { version: number; findings: { fingerprint: string; rule: string; resource: string | null; pointer: string; file: string }[] };

describe('aiops-guard baseline', () => {
  test('writes the findings sorted by fingerprint, one entry a line, with rule, resource and pointer for review; a second run writes the same bytes', () => {
    const dir = makeRepo({ 'apps/web-namespace.yaml': WEB_NAMESPACE, 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, 'apps/img.yaml': UNTAGGED_DEPLOYMENT.replace('name: web\n  namespace: web', 'name: img\n  namespace: web') });
    const r = runCli(['baseline'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`wrote ${BASELINE}: 2 findings accepted (2 added, 0 kept)\nCommit it on its own, for a reviewer to accept these findings (until then check reports the added entries as a policy weakening); then check, scan and the pre-commit hook fail only on new findings.\n`);
    expect(r.code).toBe(0);
    const text = readFileSync(path.join(dir, BASELINE), 'utf8');
    const b = readBaseline(dir);
    expect(b.version).toBe(1);
    expect(b.findings.map((e) => [e.rule, e.resource, e.pointer, e.file]).sort()).toEqual([
      ['k8s-image-latest', 'apps/Deployment web/img', '/spec/template/spec/containers/0/image', 'apps/img.yaml'],
      ['k8s-privileged-container', 'apps/Deployment web/web', '/spec/template/spec/containers/0/securityContext/privileged', 'apps/web.yaml'],
    ]);
    const fps = b.findings.map((e) => e.fingerprint);
    expect(fps).toEqual([...fps].sort());
    // One entry a line: adding or fixing one finding is a one-line diff.
    expect(text.split('\n').filter((l) => l.includes('"fingerprint"'))).toHaveLength(2);
    expect(runCli(['baseline'], { cwd: dir }).stdout).toBe(`wrote ${BASELINE}: 2 findings accepted (0 added, 2 kept)\nCommit it; check, scan and the pre-commit hook fail only on new findings.\n`);
    expect(readFileSync(path.join(dir, BASELINE), 'utf8')).toBe(text);
  });

  test('check: baseline findings do not fail and are marked unchanged; a new one fails and is marked new; summary.baseline counts', () => {
    const dir = makeRepo({ 'apps/web-namespace.yaml': WEB_NAMESPACE, 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, 'apps/svc.yaml': SERVICE });
    expect(runCli(['check'], { cwd: dir }).code).toBe(1);
    runCli(['baseline'], { cwd: dir });
    // As the baseline command says: until it is committed, the added entries are a weakening of the policy.
    const uncommitted = json(dir);
    expect([uncommitted.code, uncommitted.report.findings.map((f) => f.ruleId)]).toEqual([1, expect.arrayContaining(['policy-weakened'])]);
    commitBaseline(dir);
    const accepted = json(dir);
    expect(accepted.code).toBe(0);
    expect(accepted.report.summary.baseline).toEqual({ unchanged: 1, new: 0, absent: 0 });
    expect(accepted.report.findings.map((f) => [f.ruleId, f.baseline])).toEqual([['k8s-privileged-container', 'unchanged']]);
    const text = runCli(['check'], { cwd: dir });
    expect(text.stdout).toBe(
      '= 1 already there (baseline or --new-since), not failing: 1 k8s-privileged-container (--show all to list)\n' +
        '\n' +
        '⚠ 1 finding (1 critical) in 3 files, 4 documents, 168 rules, 0 new, 1 already there · exit 0 (passes; fails at high and above)\n',
    );
    // Listed with --show all, a baseline finding says why it does not fail.
    expect(runCli(['check', '--show', 'all'], { cwd: dir }).stdout.split('\n')[0]).toBe('apps/web.yaml:24:25  critical Container "web" runs privileged  k8s-privileged-container  (already there)');
    // On GitHub it is a notice that says so, not a red error on a run that passes.
    expect(runCli(['check', '-f', 'github'], { cwd: dir }).stdout).toMatch(/^::notice file=apps\/web\.yaml,line=24,col=25,endLine=24,endColumn=\d+,title=k8s-privileged-container \(critical%2C already there\)::Container "web" runs privileged\. Fix: /);
    writeFiles(dir, { 'apps/api.yaml': PRIVILEGED_API });
    const added = json(dir);
    expect(added.code).toBe(1);
    expect(added.report.summary.baseline).toEqual({ unchanged: 1, new: 1, absent: 0 });
    expect(added.report.findings.map((f) => [f.file, f.baseline])).toEqual([
      ['apps/api.yaml', 'new'],
      ['apps/web.yaml', 'unchanged'],
    ]);
    // --no-baseline: every finding counts again.
    expect(json(dir, '--no-baseline').report.summary.baseline).toBeUndefined();
    expect(runCli(['check', '--no-baseline'], { cwd: dir }).code).toBe(1);
  });

  test('a fingerprint survives moved lines and reformatting: the same finding stays unchanged', () => {
    const dir = makeRepo({ 'apps/web-namespace.yaml': WEB_NAMESPACE, 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    runCli(['baseline'], { cwd: dir });
    commitBaseline(dir);
    writeFiles(dir, { 'apps/web.yaml': `# moved down by a comment\n\n${PRIVILEGED_DEPLOYMENT.replace('privileged: yes', 'privileged:   true')}` });
    const r = json(dir);
    expect(r.report.findings.map((f) => f.baseline)).toEqual(['unchanged']);
    expect(r.code).toBe(0);
  });

  test('accepting a credential is never silent: the baseline says how many are about credentials and what to do', () => {
    const dir = makeRepo({ 'secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: { name: t, namespace: a }\nstringData:\n  token: hf_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ\n' });
    const r = runCli(['baseline'], { cwd: dir });
    expect(r.stdout.split('\n')[1]).toBe("2 of them are about credentials in git: accepted, but a credential stays in the repository's history for anyone who clones it; rotate each, then keep it in a Secret store (aiops-guard check --show all lists them)");
    expect(r.stdout).not.toContain('hf_abc');
    expect(r.code).toBe(0);
  });

  test('a fixed finding is counted absent; baseline --prune drops it and adds nothing', () => {
    const dir = makeRepo({ 'apps/web-namespace.yaml': WEB_NAMESPACE, 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, 'apps/api.yaml': PRIVILEGED_API });
    runCli(['baseline'], { cwd: dir });
    commitBaseline(dir);
    writeFiles(dir, { 'apps/web.yaml': HARDENED_DEPLOYMENT, 'apps/img.yaml': UNTAGGED_DEPLOYMENT.replace('name: web\n  namespace: web', 'name: img\n  namespace: web') });
    const r = json(dir);
    expect(r.report.summary.baseline).toEqual({ unchanged: 1, new: 1, absent: 1 });
    const text = runCli(['check'], { cwd: dir }).stdout;
    expect(text).toContain('- 1 in the baseline no longer found: fixed (aiops-guard baseline --prune drops them)\n');
    // Narrowed to a folder, the run cannot tell fixed from not looked at: nothing is counted absent.
    expect(json(dir, 'apps/api.yaml').report.summary.baseline).toEqual({ unchanged: 1, new: 0, absent: 0 });
    const pruned = runCli(['baseline', '--prune'], { cwd: dir });
    expect(pruned.stdout).toBe(`wrote ${BASELINE}: 1 finding accepted (0 added, 1 kept, 1 pruned as fixed)\nCommit it; check, scan and the pre-commit hook fail only on new findings.\n`);
    expect(readBaseline(dir).findings.map((e) => e.resource)).toEqual(['apps/Deployment web/api']);
    expect(json(dir).report.summary.baseline).toEqual({ unchanged: 1, new: 1, absent: 0 });
  });

  test('a file that cannot be read is never accepted: baseline names it instead of adding it; an old entry or --new-since accepts nothing for it', () => {
    const broken = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [b\n';
    const dir = makeRepo({ 'apps/web-namespace.yaml': WEB_NAMESPACE, 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, 'apps/broken.yaml': broken });
    const r = runCli(['baseline'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('not accepted: 1 file that cannot be read (parse-error), which check fails on until each is fixed or excluded: apps/broken.yaml\n');
    expect(readBaseline(dir).findings.map((e) => e.rule)).toEqual(['k8s-privileged-container']);
    // A baseline written before this rule, with an entry for the broken file.
    const parseError = json(dir).report.findings.find((f) => f.ruleId === 'parse-error')!;
    const old = { fingerprint: findingFingerprint(parseError as unknown as Finding), rule: 'parse-error', resource: null, pointer: '', file: 'apps/broken.yaml' };
    writeFileSync(path.join(dir, BASELINE), JSON.stringify({ version: 1, findings: [...readBaseline(dir).findings, old] }));
    commitBaseline(dir);
    // Still broken, now with a privileged pod in it that nothing reads: it must not pass as "already there".
    writeFiles(dir, { 'apps/broken.yaml': `${PRIVILEGED_API}  x: [\n` });
    for (const args of [[], ['--new-since', 'HEAD'], ['--no-baseline', '--new-since', 'HEAD']]) {
      const after = json(dir, ...args);
      expect(after.report.findings.filter((f) => f.ruleId === 'parse-error').map((f) => f.baseline)).toEqual(['new']);
      expect(after.code).toBe(1);
    }
    // baseline drops the old entry (it accepted nothing) and names the file again.
    expect(runCli(['baseline'], { cwd: dir }).stdout).toContain('not accepted: 1 file that cannot be read');
    expect(readBaseline(dir).findings.map((e) => e.rule)).toEqual(['k8s-privileged-container']);
  });

  test('SARIF: baselineState unchanged / new / absent, and the log still validates against the SARIF 2.1.0 schema', () => {
    const dir = makeRepo({ 'apps/web-namespace.yaml': WEB_NAMESPACE, 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, 'apps/api.yaml': PRIVILEGED_API });
    runCli(['baseline'], { cwd: dir });
    commitBaseline(dir);
    writeFiles(dir, { 'apps/api.yaml': HARDENED_DEPLOYMENT.replace('name: web\n  namespace: web', 'name: api\n  namespace: web'), 'apps/img.yaml': UNTAGGED_DEPLOYMENT.replace('name: web\n  namespace: web', 'name: img\n  namespace: web') });
    const out = path.join(dir, 'out.sarif');
    const r = runCli(['check', '--fail-on', 'medium', '-f', 'sarif', '-o', out], { cwd: dir });
    expect(r.code).toBe(1);
    const sarif = JSON.parse(readFileSync(out, 'utf8')) as { runs: { results: { ruleId: string; baselineState?: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    expect(sarif.runs[0]!.results.map((x) => [x.ruleId, x.locations[0]!.physicalLocation.artifactLocation.uri, x.baselineState])).toEqual([
      ['k8s-image-latest', 'apps/img.yaml', 'new'],
      ['k8s-privileged-container', 'apps/web.yaml', 'unchanged'],
      ['k8s-privileged-container', 'apps/api.yaml', 'absent'],
    ]);
    type Validator = ((d: unknown) => boolean) & { errors?: unknown };
    const Ajv04 = (Ajv04Module as unknown as { default: new (o: object) => { compile(s: object): Validator } }).default;
    const ajv = new Ajv04({ strict: false, allErrors: true, unicodeRegExp: false });
    (addFormatsModule as unknown as { default: (a: unknown) => void }).default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'fixtures', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8')) as object);
    expect(validate(sarif) ? null : validate.errors).toBeNull();
  });

  test('--baseline <file> (its folder created; 73 when it cannot be written), config "baseline", a named file that does not exist (66) or is broken (78)', () => {
    const dir = makeRepo({ 'apps/web-namespace.yaml': WEB_NAMESPACE, 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    const unwritable = runCli(['baseline', '--baseline', 'apps/web.yaml/accepted.json'], { cwd: dir });
    expect(unwritable.stderr).toBe(
      `aiops-guard: cannot write the baseline ${path.join(dir, 'apps', 'web.yaml', 'accepted.json')}: EEXIST: file already exists, mkdir '${path.join(dir, 'apps', 'web.yaml')}'\n` +
        '  hint: give a --baseline path in a folder you can write to\n',
    );
    expect(unwritable.code).toBe(73);
    // A folder that does not exist yet is created.
    expect(runCli(['baseline', '--baseline', 'policy/accepted.json'], { cwd: dir }).code).toBe(0);
    expect(runCli(['check'], { cwd: dir }).code).toBe(1);
    expect(runCli(['check', '--baseline', 'policy/accepted.json'], { cwd: dir }).code).toBe(0);
    writeFiles(dir, { '.aiopsrc.json': JSON.stringify({ baseline: 'policy/accepted.json' }) });
    expect(runCli(['check'], { cwd: path.join(dir, 'apps') }).code).toBe(0);
    writeFiles(dir, { '.aiopsrc.json': JSON.stringify({ baseline: 'policy/missing.json' }) });
    const missing = runCli(['check'], { cwd: dir });
    expect(missing.stderr).toBe(
      `aiops-guard: baseline file not found: ${path.join(dir, 'policy', 'missing.json')} (from "baseline" of ${path.join(dir, '.aiopsrc.json')})\n  hint: write it with: aiops-guard baseline, or fix the path\n`,
    );
    expect(missing.code).toBe(66);
    writeFiles(dir, { '.aiopsrc.json': '{}', [BASELINE]: '{"findings": 3}' });
    const broken = runCli(['check'], { cwd: dir });
    expect(broken.stderr).toBe(
      `aiops-guard: ${path.join(dir, BASELINE)}: not an aiops-guard baseline (expected {"version": 1, "findings": [...]})\n  hint: regenerate it with: aiops-guard baseline --baseline ${BASELINE} (or fix it by hand)\n`,
    );
    expect(broken.code).toBe(78);
  });

  test('scan reads the baseline too', () => {
    const dir = makeRepo({ 'apps/web-namespace.yaml': WEB_NAMESPACE, 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    expect(runCli(['scan'], { cwd: dir }).code).toBe(1);
    runCli(['baseline'], { cwd: dir });
    commitBaseline(dir);
    const r = runCli(['scan', '-f', 'json'], { cwd: dir });
    expect((JSON.parse(r.stdout) as Json).summary.baseline).toEqual({ unchanged: 1, new: 0, absent: 0 });
    expect(r.code).toBe(0);
  });
});

describe('--new-since <rev>', () => {
  test('only findings that do not exist at the merge-base fail; old ones are summed up in one line', () => {
    const dir = makeRepo({ 'apps/web-namespace.yaml': WEB_NAMESPACE, 'apps/web.yaml': PRIVILEGED_DEPLOYMENT });
    git(dir, 'checkout', '-q', '-b', 'feature');
    commit(dir, { 'apps/api.yaml': PRIVILEGED_API }, 'add api');
    // main moves on with its own finding: not at the merge-base, not on this branch.
    git(dir, 'checkout', '-q', 'main');
    commit(dir, { 'apps/img.yaml': UNTAGGED_DEPLOYMENT.replace('name: web\n  namespace: web', 'name: img\n  namespace: web') }, 'img');
    git(dir, 'checkout', '-q', 'feature');
    const r = runCli(['check', '--new-since', 'main'], { cwd: dir });
    expect(r.stdout).toBe(
      'apps/api.yaml:24:25  critical Container "api" runs privileged  k8s-privileged-container\n' +
        '    fix: Remove securityContext.privileged or set it to false; grant only the capabilities the workload needs.\n' +
        '\n' +
        '= 1 already there (baseline or --new-since), not failing: 1 k8s-privileged-container (--show all to list)\n' +
        '\n' +
        '✖ 2 findings (2 critical) in 3 files, 4 documents, 168 rules, 1 new, 1 already there · exit 1 (policy findings; fails at high and above)\n',
    );
    expect(r.code).toBe(1);
    // The same run on a commit: --ref feature~1 is the merge-base itself, so nothing is new.
    expect(json(dir, '--ref', 'feature~1', '--new-since', 'main').report.summary.baseline).toEqual({ unchanged: 1, new: 0, absent: 0 });
    const unknown = runCli(['check', '--new-since', 'nope'], { cwd: dir });
    expect(unknown.code).toBe(66);
    expect(unknown.stderr).toContain('unknown revision "nope"');
  });

  test('one identity declared in two files (dev/ and prod/ without a namespace): the second one gaining a finding is new, for --new-since and the baseline; a moved file is not', () => {
    const noNamespace = (doc: string) => doc.replace('  namespace: web\n', '');
    const dir = makeRepo({ 'dev/web.yaml': noNamespace(PRIVILEGED_DEPLOYMENT), 'prod/web.yaml': noNamespace(HARDENED_DEPLOYMENT) });
    expect(runCli(['baseline'], { cwd: dir }).code).toBe(0);
    commit(dir, {}, 'baseline');
    git(dir, 'checkout', '-q', '-b', 'pr');
    commit(dir, { 'prod/web.yaml': noNamespace(PRIVILEGED_DEPLOYMENT) }, 'pr: prod privileged too');
    for (const args of [['--new-since', 'main', '--no-baseline'], []]) {
      const r = runCli(['check', '-f', 'json', ...args], { cwd: dir });
      const report = JSON.parse(r.stdout) as Report;
      expect(report.findings.filter((f) => f.ruleId === 'k8s-privileged-container').map((f) => [f.file, (f as Finding & { baseline?: string }).baseline])).toEqual([
        ['dev/web.yaml', 'unchanged'],
        ['prod/web.yaml', 'new'],
      ]);
      expect(r.code).toBe(1);
    }
    // A rename keeps its findings old: the accepted file no longer has them.
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'mv', 'dev/web.yaml', 'dev/web-deployment.yaml');
    git(dir, 'commit', '-q', '-m', 'rename');
    expect(runCli(['check'], { cwd: dir }).code).toBe(0);
  });
});

describe('the pre-commit hook checks the staged change', () => {
  const tryCommit = (dir: string, message: string) => {
    const r = spawnSync('git', ['commit', '-q', '-m', message], {
      cwd: dir,
      env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com', HOME: os.tmpdir(), NO_COLOR: '1', CI: 'true' },
      encoding: 'utf8',
    });
    return { code: r.status, output: r.stdout + r.stderr };
  };

  test('findings already at HEAD do not block a README fix (and the hook prints nothing); a new one does; the first commit is checked whole', () => {
    const dir = makeRepo({});
    expect(runCli(['hook', 'install'], { cwd: dir }).code).toBe(0);
    writeFiles(dir, { 'apps/web.yaml': PRIVILEGED_DEPLOYMENT, 'apps/web-namespace.yaml': WEB_NAMESPACE });
    git(dir, 'add', '-A');
    expect(tryCommit(dir, 'first').code).toBe(1);
    // Committed without the hook, as a repository that adopts aiops-guard already is.
    git(dir, 'commit', '-q', '--no-verify', '-m', 'legacy');
    writeFileSync(path.join(dir, 'README.md'), '# ops, typo fixed\n');
    git(dir, 'add', '-A');
    const typo = tryCommit(dir, 'readme');
    expect(typo.output).toBe('');
    expect(typo.code).toBe(0);
    writeFiles(dir, { 'apps/api.yaml': PRIVILEGED_API });
    git(dir, 'add', '-A');
    const added = tryCommit(dir, 'api');
    expect(added.code).toBe(1);
    expect(added.output).toContain('apps/api.yaml:24:25  critical Container "api" runs privileged  k8s-privileged-container\n');
    expect(added.output).not.toContain('apps/web.yaml:24:25');
    expect(git(dir, 'log', '--format=%s')).toBe('readme\nlegacy\n');
  });
});
