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
 * top-level field, and each item of a top-level list on its own, so writing a report of thousands
 * of findings never holds it as one string (and its bytes) at once.
 */
export function* jsonChunks(report: Report): Generator<string> {
  const fields = Object.entries(report).filter(([, v]) => v !== undefined && typeof v !== 'function');
  if (fields.length === 0) {
    yield '{}\n';
    return;
  }
  yield '{\n';
  for (const [i, [key, value]] of fields.entries()) {
    const comma = i < fields.length - 1 ? ',' : '';
    if (Array.isArray(value) && value.length > 0) {
      yield `  ${JSON.stringify(key)}: [\n`;
      for (const [j, item] of value.entries()) yield `    ${(JSON.stringify(item, null, 2) ?? 'null').replaceAll('\n', '\n    ')}${j < value.length - 1 ? ',' : ''}\n`;
      yield `  ]${comma}\n`;
    } else {
      yield `  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replaceAll('\n', '\n  ')}${comma}\n`;
    }
  }
  yield '}\n';
}

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(FORMATS, name);
}
