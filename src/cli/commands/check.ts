import { runCheck } from '../../check/pipeline.js';
import { UsageError } from '../../errors.js';
import type { Report } from '../../report/types.js';
import type { SourceFlags } from '../flags.js';
import { startProgress } from '../progress.js';
import { optionsFromFlags, planOutputs, writeReport } from '../report-output.js';

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
