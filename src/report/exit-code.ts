import { PARSE_ERROR } from '../parse/documents.js';
import { countsAsNotChecked } from '../source/types.js';
import { SEVERITIES, type FailOn, type Finding, type ReportError, type Severity } from './types.js';

/** Exit codes of DESIGN.md. This file is the one place that maps outcomes to them. */
export const EXIT = {
  clean: 0,
  findings: 1,
  drift: 2,
  findingsAndDrift: 3,
  usage: 64,
  data: 65,
  notFound: 66,
  internal: 70,
  output: 73,
  config: 78,
} as const;

/** True when `severity` is at or above the `failOn` threshold. */
export function isAtOrAbove(severity: Severity, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(failOn);
}

/**
 * The verdict of a run: unsuppressed findings at or above `failOn`, files that could not be checked,
 * and drift. `drifted` counts the drifted resources that fail the drift gate (`--fail-on-drift`: all,
 * the security-relevant ones, or none).
 */
export function decideExitCode(findings: readonly Finding[], failOn: FailOn, drifted: number, errors: readonly ReportError[]): number {
  const gated = failsGate(findings, errors, failOn);
  if (gated && drifted > 0) return EXIT.findingsAndDrift;
  if (gated) return EXIT.findings;
  if (drifted > 0) return EXIT.drift;
  return EXIT.clean;
}

/** Whether a finding fails the gate: unwaived, at or above `failOn`. */
export function gatesFinding(f: Finding, failOn: FailOn): boolean {
  return !f.suppressed && isAtOrAbove(f.severity, failOn);
}

/**
 * The gate, drift aside: a finding that gates, or an error that stands for something not checked.
 * One decision for check's exit code and for each commit a history walk judges (a commit passes
 * only if check of it would).
 */
export function failsGate(findings: readonly Finding[], errors: readonly ReportError[], failOn: FailOn): boolean {
  return notCheckedErrors(errors, failOn).length > 0 || findings.some((f) => gatesFinding(f, failOn));
}

/**
 * The errors that fail a run as findings do: a symlink out of the repository, a submodule, a template
 * outside a chart, a target not rendered were passed over, not checked, so never clean (unless nothing gates).
 */
export function notCheckedErrors(errors: readonly ReportError[], failOn: FailOn): ReportError[] {
  return failOn === 'never' ? [] : errors.filter((e) => countsAsNotChecked(e.code));
}

/**
 * How many files (or targets) a run did not check, whatever the gate: those that did not parse (an
 * unwaived parse-error finding) and those of the errors notCheckedErrors names. Under `--fail-on never`
 * they gate nothing, but the run is still not clean.
 */
export function notCheckedCount(findings: readonly Finding[], errors: readonly ReportError[]): number {
  const unparsed = findings.filter((f) => f.ruleId === PARSE_ERROR && !f.suppressed).map((f) => f.file);
  return new Set([...unparsed, ...notCheckedErrors(errors, 'low').map((e) => e.file ?? e.message)]).size;
}

/** How a format that lists problems one by one (the CI formats) says one of notCheckedErrors. */
export const describeNotChecked = (e: ReportError): string => `not checked (${e.code}): ${e.message}`;
