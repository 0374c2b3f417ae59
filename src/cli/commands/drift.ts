import { runDrift } from '../../drift/run.js';
import type { DriftFailOn } from '../../report/types.js';
import type { DriftFlags } from '../flags.js';
import { startProgress } from '../progress.js';
import { optionsFromFlags, planOutputs, writeReport } from '../report-output.js';


export async function runDriftCommand(paths: string[], flags: DriftFlags): Promise<number> {
  planOutputs(flags);
  const progress = await startProgress(flags);
  let report;
  try {
    report = await runDrift({
      ...optionsFromFlags(paths, flags, progress),
      live: flags.live,
      strict: flags.strict,
      failOnDrift: flags.failOnDrift as DriftFailOn | undefined,
    });
  } finally {
    progress.stop();
  }
  return writeReport(report, flags);
}
