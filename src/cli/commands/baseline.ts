import { existsSync } from 'node:fs';
import path from 'node:path';
import { createBaseline, readBaseline, sortEntries, writeBaseline, type BaselineEntry } from '../../baseline/file.js';
import { NEVER_ACCEPTED } from '../../baseline/apply.js';
import { resolveBaselineFile } from '../../baseline/gate.js';
import { runCheck } from '../../check/pipeline.js';
import { startProgress } from '../progress.js';
import type { BaselineFlags } from '../flags.js';
import { plural } from '../../report/format-text.js';
import { neutraliseText } from '../../report/neutralise.js';


/**
 * `aiops-guard baseline`: accepts the current findings of the whole repository. Entries already
 * in the file stay (a finding fixed and brought back stays accepted until `--prune`); with
 * `--prune`, entries no longer found are dropped and nothing is added.
 */
export async function runBaselineCommand(flags: BaselineFlags): Promise<number> {
  const cwd = process.cwd();
  const check = { cwd, repoDir: flags.repo, configFile: flags.config, allowJsConfig: flags.allowJsConfig };
  const resolved = await resolveBaselineFile(check, flags.baseline ?? true);
  const file = resolved.file!;
  const progress = await startProgress(flags);
  const report = await runCheck({
    ...check,
    rules: flags.rules,
    source: flags.ref ? { mode: 'commit', ref: flags.ref } : { mode: 'worktree' },
    inlineWaivers: flags.inlineWaivers === false ? false : undefined,
    onProgress: (p) => progress.update(p),
  }).finally(() => progress.stop());
  // A weakening of the policy is never accepted into the baseline: the baseline is part of that policy.
  // Nor is a file that cannot be read: check would fail on it anyway (NEVER_ACCEPTED), so it is named instead.
  const current = createBaseline(report.findings.filter((f) => f.ruleId !== 'policy-weakened' && !NEVER_ACCEPTED.has(f.ruleId))).findings;
  const unreadable = [...new Set(report.findings.filter((f) => NEVER_ACCEPTED.has(f.ruleId) && !f.suppressed).map((f) => f.file))].sort();
  // An entry for an unreadable file (written before they were refused) is dropped: it accepts nothing.
  const before = (existsSync(file) ? (await readBaseline(file)).findings : []).filter((e) => !NEVER_ACCEPTED.has(e.rule));
  const now = new Map(current.map((e) => [e.fingerprint, e]));
  const was = new Set(before.map((e) => e.fingerprint));
  let entries: BaselineEntry[];
  if (flags.prune) {
    // Keep what is still found, with its review fields brought up to date (a moved file, a renamed resource).
    entries = before.filter((e) => now.has(e.fingerprint)).map((e) => now.get(e.fingerprint)!);
  } else {
    entries = [...current, ...before.filter((e) => !now.has(e.fingerprint))];
  }
  await writeBaseline(file, { version: 1, findings: sortEntries(entries) });
  const added = flags.prune ? 0 : current.filter((e) => !was.has(e.fingerprint)).length;
  // A credential in git is leaked whatever the gate says: accepting it is allowed, never silent.
  const secretRules = new Set(report.rules.filter((r) => r.category === 'secrets').map((r) => r.id));
  const secrets = flags.prune ? 0 : current.filter((e) => !was.has(e.fingerprint) && secretRules.has(e.rule)).length;
  const dropped = flags.prune ? before.length - entries.length : 0;
  const kept = entries.length - added;
  const rel = path.relative(cwd, file) || file;
  const parts = [`${added} added`, `${kept} kept`, ...(flags.prune ? [`${dropped} pruned as fixed`] : [])];
  const stale = flags.prune ? 0 : before.filter((e) => !now.has(e.fingerprint)).length;
  process.stdout.write(
    `wrote ${rel}: ${plural(entries.length, 'finding')} accepted (${parts.join(', ')})\n` +
      (stale ? `${stale} of them no longer found (fixed): aiops-guard baseline --prune drops them\n` : '') +
      (secrets
        ? `${secrets} of them ${secrets === 1 ? 'is' : 'are'} about credentials in git: accepted, but a credential stays in the repository's history for anyone who clones it; rotate each, then keep it in a Secret store (aiops-guard check --show all lists them)\n`
        : '') +
      (unreadable.length
        ? `not accepted: ${plural(unreadable.length, 'file')} that cannot be read (parse-error), which check fails on until each is fixed or excluded: ${unreadable.map(neutraliseText).join(', ')}\n`
        : '') +
      // Accepting findings weakens the policy: until the file is committed, a check of the work tree says so (policy-weakened).
      (added
        ? 'Commit it on its own, for a reviewer to accept these findings (until then check reports the added entries as a policy weakening); then check, scan and the pre-commit hook fail only on new findings.\n'
        : 'Commit it; check, scan and the pre-commit hook fail only on new findings.\n'),
  );
  return 0;
}
