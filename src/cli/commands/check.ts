import { runCheck, type CheckOptions, type SourceSpec } from '../../check.js';
import { UsageError } from '../../errors.js';
import { FORMATS, isFormatName, type FormatName } from '../../report/formats.js';
import { formatText } from '../../report/format-text.js';
import type { FailOn, Report } from '../../report/types.js';
import type { SourceFlags } from '../main.js';
import { choosePalette, emit } from '../output.js';
import { startProgress, type ProgressUi } from '../progress.js';

const splitIds = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

/** Picks the one snapshot the flags ask for; two at once is a usage error. */
function sourceFromFlags(flags: Pick<SourceFlags, 'ref' | 'staged'>): SourceSpec {
  if (flags.staged && flags.ref) throw new UsageError('--staged and --ref name two different sources; give one', 'use --staged for the pre-commit hook, --ref <rev> for a commit');
  if (flags.staged) return { mode: 'index' };
  if (flags.ref) return { mode: 'commit', ref: flags.ref };
  return { mode: 'worktree' };
}

function checkFormat(format: string): FormatName {
  if (!isFormatName(format)) throw new UsageError(`unknown format "${format}"`, `use one of: ${Object.keys(FORMATS).join(', ')}`);
  return format;
}

/**
 * Pairs formats with outputs. The last outputs go with the last formats, in order:
 * `-f text -f sarif -o out.sarif` prints text and writes SARIF. At most one format goes to stdout.
 */
export function planOutputs(flags: Pick<SourceFlags, 'format' | 'output'>): { format: FormatName; file?: string }[] {
  const formats = (flags.format?.length ? flags.format : ['text']).map(checkFormat);
  const files = flags.output ?? [];
  if (files.length > formats.length) throw new UsageError(`${files.length} outputs (-o) for ${formats.length} formats (-f)`, 'give one -f for each -o, e.g. -f sarif -o out.sarif');
  const toStdout = formats.length - files.length;
  if (toStdout > 1) throw new UsageError(`${toStdout} formats would go to the terminal at once`, 'give an -o file for all but one -f');
  return formats.map((format, i) => (i < toStdout ? { format } : { format, file: files[i - toStdout]! }));
}

/** Formats and writes a report (to the terminal and to files); returns its exit code. */
export async function writeReport(report: Report, flags: Pick<SourceFlags, 'format' | 'output' | 'color' | 'quiet'>): Promise<number> {
  const plan = planOutputs(flags);
  const palette = await choosePalette(flags);
  for (const out of plan.filter((o) => o.file)) await emit(FORMATS[out.format](report, {}), out.file);
  const terminal = plan.find((o) => !o.file);
  if (terminal) {
    await emit(FORMATS[terminal.format](report, { palette, summary: !flags.quiet }));
  } else if (!flags.quiet) {
    const summary = formatText(report, { palette, details: false });
    await emit(summary.trimEnd().split('\n').filter(Boolean).join(' · ') + ` · report: ${plan.map((o) => o.file).join(', ')}\n`);
  }
  return report.summary.exitCode;
}

/** The check options the shared flags ask for. */
export function optionsFromFlags(paths: string[], flags: SourceFlags, progress: ProgressUi): CheckOptions {
  return {
    cwd: process.cwd(),
    repoDir: flags.repo,
    paths,
    source: sourceFromFlags(flags),
    changedSince: flags.changedSince,
    rules: flags.rules,
    only: splitIds(flags.only),
    skip: splitIds(flags.skip),
    failOn: flags.failOn as FailOn | undefined,
    inlineWaivers: flags.inlineWaivers === false ? false : undefined,
    configFile: flags.config,
    allowJsConfig: flags.allowJsConfig,
    cache: flags.cache === false ? false : flags.cacheDir,
    onProgress: (p) => progress.update(p),
  };
}

export async function runCheckCommand(paths: string[], flags: SourceFlags & { blame?: boolean; maxCommits?: number }): Promise<number> {
  planOutputs(flags);
  if (flags.maxCommits && !flags.blame) throw new UsageError('--max-commits limits the history --blame reads; without --blame check reads no history', 'add --blame, or drop --max-commits');
  const progress = await startProgress(flags);
  let report: Report;
  try {
    // --blame reads history: its module (and isomorphic-git) loads only then.
    report = flags.blame ? await (await import('../../history/run.js')).runCheckWithBlame({ ...optionsFromFlags(paths, flags, progress), maxCommits: flags.maxCommits }) : await runCheck(optionsFromFlags(paths, flags, progress));
  } finally {
    progress.stop();
  }
  return writeReport(report, flags);
}
