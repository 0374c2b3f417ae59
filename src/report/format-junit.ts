import { describeNotChecked, notCheckedErrors } from './exit-code.js';
import { describeDrift } from './fingerprint.js';
import type { Report } from './types.js';

const xml = (s: string) =>
  s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Case {
  name: string;
  classname: string;
  failure?: { message: string; type: string; text: string };
  /** A file or target that could not be checked: JUnit's error (the test could not run), which fails the run too. */
  error?: { message: string; type: string };
  skipped?: string;
}

/** JUnit XML: one testsuite per rule, one test case per finding (a failure, or skipped when waived); drift is a suite too. */
export function formatJunit(report: Report): string {
  const suites = new Map<string, Case[]>();
  const add = (suite: string, c: Case) => (suites.get(suite) ?? suites.set(suite, []).get(suite)!).push(c);
  for (const f of report.findings) {
    const c: Case = { name: `${f.file}:${f.line}:${f.column}${f.target ? ` (target ${f.target})` : ''}`, classname: f.ruleId };
    if (f.suppressed) c.skipped = `waived: ${f.suppressed.reason}`;
    else c.failure = { message: f.message, type: f.severity, text: `${f.title}\n${f.message}\nFix: ${f.remediation}` };
    add(f.ruleId, c);
  }
  for (const d of report.drift ?? []) {
    add('drift', { name: `${d.file ?? '(not in git)'}${d.line ? `:${d.line}` : ''} ${d.status}`, classname: 'drift', failure: { message: describeDrift(d), type: d.securityRelevant ? 'security' : d.status, text: describeDrift(d) } });
  }
  for (const e of notCheckedErrors(report.errors, report.summary.failOn)) {
    add('not checked', { name: `${e.file ?? '(run)'}${e.line ? `:${e.line}` : ''}`, classname: e.code, error: { message: describeNotChecked(e), type: e.code } });
  }
  // A clean run is one passing case, so CI readers show a green test rather than nothing.
  if (suites.size === 0) add('aiops-guard', { name: `${report.summary.rules} rules on ${report.summary.files} files`, classname: 'aiops-guard' });
  const body: string[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  let errors = 0;
  for (const [name, cases] of [...suites].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const f = cases.filter((c) => c.failure).length;
    const s = cases.filter((c) => c.skipped).length;
    const e = cases.filter((c) => c.error).length;
    tests += cases.length;
    failures += f;
    skipped += s;
    errors += e;
    body.push(`  <testsuite name="${xml(name)}" tests="${cases.length}" failures="${f}" errors="${e}" skipped="${s}">`);
    for (const c of cases) {
      const open = `    <testcase name="${xml(c.name)}" classname="${xml(c.classname)}"`;
      if (c.failure) body.push(`${open}>`, `      <failure message="${xml(c.failure.message)}" type="${xml(c.failure.type)}">${xml(c.failure.text)}</failure>`, '    </testcase>');
      else if (c.error) body.push(`${open}>`, `      <error message="${xml(c.error.message)}" type="${xml(c.error.type)}"/>`, '    </testcase>');
      else if (c.skipped) body.push(`${open}>`, `      <skipped message="${xml(c.skipped)}"/>`, '    </testcase>');
      else body.push(`${open}/>`);
    }
    body.push('  </testsuite>');
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="aiops-guard" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}">`,
    ...body,
    '</testsuites>',
    '',
  ].join('\n');
}
