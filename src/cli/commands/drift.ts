import { runDrift } from '../../drift/run.js';
import type { SourceFlags } from '../main.js';
import { startProgress } from '../progress.js';
import { optionsFromFlags, planOutputs, writeReport } from './check.js';

export async function runDriftCommand(paths: string[], flags: SourceFlags & { live: string }): Promise<number> {
  planOutputs(flags);
  const progress = await startProgress(flags);
  let report;
  try {
    report = await runDrift({ ...optionsFromFlags(paths, flags, progress), live: flags.live });
  } finally {
    progress.stop();
  }
  return writeReport(report, flags);
}
