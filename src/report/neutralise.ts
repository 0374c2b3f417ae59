import type { Report } from './types.js';

/**
 * Control characters that a terminal or a CI log would act on: C0 (newline starts a new log line, so a
 * forged `::add-mask::`), DEL, C1, bidirectional overrides (a name that reads backwards) and the Unicode
 * line and paragraph separators.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Shows control characters as visible escapes (`\n`, `\x1b`, `\u202e`): the text reads the same, does nothing. */
export function neutraliseText(s: string): string {
  return s.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

function neutraliseValue(value: unknown): unknown {
  if (typeof value === 'string') return neutraliseText(value);
  if (Array.isArray(value)) return value.map(neutraliseValue);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[neutraliseText(k)] = neutraliseValue(v);
    return out;
  }
  return value;
}

/**
 * The report with every string neutralised (file and resource names, messages, commit subjects, drift
 * values): what the text, github and gitlab formats print, since a log or terminal reads them.
 * JSON, SARIF and JUnit escape on their own and keep the exact values.
 */
export function neutraliseReport(report: Report): Report {
  return neutraliseValue(report) as Report;
}

/**
 * CI runners read a log line that starts with `::` (GitHub), `##[` or `##vso[` (Azure) as a command.
 * In human text a line can start with a file name, so such a start is shown with its first character escaped.
 */
export function neutraliseLineStarts(text: string): string {
  return text.replace(/^([ \t]*)(::|##\[|##vso\[)/gm, (_m, indent: string, cmd: string) => `${indent}${cmd[0] === ':' ? '\\x3a' : '\\x23'}${cmd.slice(1)}`);
}
