import { runCheck, type CheckOptions, type SourceSpec } from '../../check.js';
import { UsageError } from '../../errors.js';
import { FORMATS, isFormatName } from '../../report/formats.js';
import { formatText } from '../../report/format-text.js';
import type { FailOn, Report } from '../../report/types.js';
import type { SourceFlags } from '../main.js';
import { choosePalette, emit } from '../output.js';
import { startProgress, type ProgressUi } from '../progress.js';

const splitIds = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

/** Picks the one snapshot the flags ask for; two at once is a usage error. */
export function sourceFromFlags(flags: Pick<SourceFlags, 'ref' | 'staged'>): SourceSpec {
  if (flags.staged && flags.ref) throw new UsageError('--staged and --ref name two different sources; give one', 'use --staged for the pre-commit hook, --ref <rev> for a commit');
  if (flags.staged) return { mode: 'index' };
  if (flags.ref) return { mode: 'commit', ref: flags.ref };
  return { mode: 'worktree' };
}

export function checkFormat(format: string): keyof typeof FORMATS {
  if (!isFormatName(format)) throw new UsageError(`unknown format "${format}"`, `use one of: ${Object.keys(FORMATS).join(', ')}`);
  return format;
}

/** Formats and writes a report; returns its exit code. */
export async function writeReport(report: Report, flags: Pick<SourceFlags, 'format' | 'output' | 'color' | 'quiet'>): Promise<number> {
  const format = checkFormat(flags.format);
  const palette = await choosePalette(flags);
  if (flags.output) {
    await emit(FORMATS[format](report, {}), flags.output);
    if (!flags.quiet) {
      const summary = formatText({ ...report, findings: [], errors: [] }, { palette });
      await emit(summary.trimEnd() + ` · report: ${flags.output}\n`);
    }
  } else {
    await emit(FORMATS[format](report, { palette, summary: !flags.quiet }));
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
    onProgress: (p) => progress.update(p),
  };
}

export async function runCheckCommand(paths: string[], flags: SourceFlags): Promise<number> {
  checkFormat(flags.format);
  const progress = await startProgress(flags);
  let report: Report;
  try {
    report = await runCheck(optionsFromFlags(paths, flags, progress));
  } finally {
    progress.stop();
  }
  return writeReport(report, flags);
}
