import { formatGithub, formatGitlab } from './format-ci.js';
import { formatJunit } from './format-junit.js';
import { formatSarif } from './format-sarif.js';
import { formatText, type FormatOptions } from './format-text.js';
import { neutraliseLineStarts, neutraliseReport } from './neutralise.js';
import type { Report } from './types.js';

export type Formatter = (report: Report, options: FormatOptions) => string;

/**
 * Every format. Text, github and gitlab are read by terminals and CI logs, so they get the report with
 * control characters neutralised (one place, here); JSON, SARIF and JUnit escape by their own syntax.
 */
export const FORMATS = {
  text: (report: Report, options: FormatOptions) => neutraliseLineStarts(formatText(neutraliseReport(report), options)),
  json: (report: Report) => [...jsonChunks(report)].join(''),
  sarif: formatSarif,
  junit: formatJunit,
  github: (report: Report) => formatGithub(neutraliseReport(report)),
  gitlab: (report: Report) => formatGitlab(neutraliseReport(report)),
} satisfies Record<string, Formatter>;

export type FormatName = keyof typeof FORMATS;

/**
 * The JSON report (`JSON.stringify(report, null, 2)` and a newline, byte for byte) in pieces: each
 * top-level field, and a top-level list a few hundred items at a time, so writing a report of
 * thousands of findings never holds it as one string (and its bytes) at once. Each piece is
 * stringified inside a one-field object, so JSON.stringify indents it at its depth.
 */
export function* jsonChunks(report: Report, batch = 50): Generator<string> {
  const fields = Object.entries(report).filter(([, v]) => v !== undefined && typeof v !== 'function');
  if (fields.length === 0) {
    yield '{}\n';
    return;
  }
  yield '{\n';
  for (const [i, [key, value]] of fields.entries()) {
    const comma = i < fields.length - 1 ? ',' : '';
    // `{\n  "key": …\n}` without its braces: the field at depth one.
    const field = (v: unknown) => JSON.stringify({ [key]: v }, null, 2).slice(2, -2);
    if (Array.isArray(value) && value.length > batch) {
      const open = `  ${JSON.stringify(key)}: [\n`;
      yield open;
      for (let at = 0; at < value.length; at += batch) {
        // The items, at depth two: the field's text between its `[` line and its `]` line.
        const items = field(value.slice(at, at + batch));
        yield items.slice(open.length, items.length - '\n  ]'.length) + (at + batch < value.length ? ',\n' : '\n');
      }
      yield `  ]${comma}\n`;
    } else {
      yield `${field(value)}${comma}\n`;
    }
  }
  yield '}\n';
}

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(FORMATS, name);
}
