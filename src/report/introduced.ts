import type { Finding } from './types.js';

const short = (sha: string) => sha.slice(0, 7);
const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** How long ago a date was, in git's words (`git log --date=relative`): "3 days ago", "2 months ago". */
export function relativeAge(date: string, now: Date): string {
  const seconds = Math.round((now.getTime() - new Date(date).getTime()) / 1000);
  if (seconds < 0) return 'in the future';
  if (seconds < 90) return `${unit(seconds, 'second')} ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${unit(minutes, 'minute')} ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 36) return `${unit(hours, 'hour')} ago`;
  const days = Math.round(hours / 24);
  if (days < 14) return `${unit(days, 'day')} ago`;
  if (days < 70) return `${unit(Math.round(days / 7), 'week')} ago`;
  if (days < 365) return `${unit(Math.round(days / 30), 'month')} ago`;
  const years = Math.floor(days / 365);
  const months = Math.round((days - years * 365) / 30);
  return years < 5 && months > 0 ? `${unit(years, 'year')}, ${unit(months, 'month')} ago` : `${unit(years, 'year')} ago`;
}

/**
 * The time ages are counted from: now, or SOURCE_DATE_EPOCH (seconds) when set, the
 * reproducible-builds convention, so a fixed example (the demo) prints the same text every day.
 */
function reportNow(): Date {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  return process.env.SOURCE_DATE_EPOCH && Number.isFinite(epoch) ? new Date(epoch * 1000) : new Date();
}

/**
 * The line under a finding that says since when it has been there (`check --blame`, `scan`):
 * `since abc1234 (author, 3 days ago)`. No line when the finding carries no introducing commit.
 */
export function introducedLines(f: Finding, dim: (s: string) => string = (s) => s, now: Date = reportNow()): string[] {
  const i = f.introduced;
  if (!i) return [];
  if (i.sha !== null) return [`    ${dim(`since ${short(i.sha)} (${i.author}, ${relativeAge(i.date, now)})`)}`];
  if (i.reason === 'cross-document') return [`    ${dim('introducing commit not traced: the finding relates several objects, and history is traced file by file')}`];
  if (i.reason === 'not-committed' || !i.atOrBefore) return [`    ${dim('not committed yet')}`];
  const why = i.reason === 'shallow' ? 'the shallow clone ends there (git fetch --unshallow to look further)' : 'history was searched no further (raise --max-commits, or rollback.maxCommits in the config)';
  const at = i.atOrBefore;
  return [`    ${dim(`since ${short(at.sha)} or earlier (${at.author}, ${relativeAge(at.date, now)}): ${why}`)}`];
}
