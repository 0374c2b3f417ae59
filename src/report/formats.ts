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
  json: (report: Report) => JSON.stringify(report, null, 2) + '\n',
  sarif: formatSarif,
  junit: formatJunit,
  github: (report: Report) => formatGithub(neutraliseReport(report)),
  gitlab: (report: Report) => formatGitlab(neutraliseReport(report)),
} satisfies Record<string, Formatter>;

export type FormatName = keyof typeof FORMATS;

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(FORMATS, name);
}
