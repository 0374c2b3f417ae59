import { formatGithub, formatGitlab } from './format-ci.js';
import { formatJunit } from './format-junit.js';
import { formatSarif } from './format-sarif.js';
import { formatText, type FormatOptions } from './format-text.js';
import type { Report } from './types.js';

export type Formatter = (report: Report, options: FormatOptions) => string;

export const FORMATS = {
  text: formatText,
  json: (report: Report) => JSON.stringify(report, null, 2) + '\n',
  sarif: formatSarif,
  junit: formatJunit,
  github: formatGithub,
  gitlab: formatGitlab,
} satisfies Record<string, Formatter>;

export type FormatName = keyof typeof FORMATS;

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(FORMATS, name);
}
