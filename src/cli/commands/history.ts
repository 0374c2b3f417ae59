import { runRollback, runScan } from '../../history/run.js';
import type { DriftFailOn } from '../../report/types.js';
import type { SourceFlags } from '../flags.js';
import { startProgress } from '../progress.js';
import { loadAcceptedFor, optionsFromFlags, planOutputs, writeReport } from '../report-output.js';

type HistoryFlags = SourceFlags & { live?: string; maxCommits?: number; strict?: boolean; failOnDrift?: string };

const driftFlags = (flags: HistoryFlags) => ({ strict: flags.strict, failOnDrift: flags.failOnDrift as DriftFailOn | undefined });

export async function runRollbackCommand(flags: HistoryFlags): Promise<number> {
  planOutputs(flags);
  // The baseline decides, as for check and scan, which findings fail a commit: one the project accepted is no reason to roll back.
  const accepted = await loadAcceptedFor(flags);
  const progress = await startProgress(flags);
  let report;
  try {
    report = await runRollback({ ...optionsFromFlags([], flags, progress), live: flags.live, maxCommits: flags.maxCommits, ...driftFlags(flags), accepted: accepted?.fingerprints });
  } finally {
    progress.stop();
  }
  return writeReport(report, flags, undefined, accepted);
}

export async function runScanCommand(paths: string[], flags: HistoryFlags): Promise<number> {
  planOutputs(flags);
  // The baseline and --new-since decide whether the scan fails, so whether and from where it suggests a rollback.
  const accepted = await loadAcceptedFor(flags);
  const progress = await startProgress(flags);
  let report;
  try {
    report = await runScan({ ...optionsFromFlags(paths, flags, progress), live: flags.live, maxCommits: flags.maxCommits, ...driftFlags(flags), accepted: accepted?.fingerprints });
  } finally {
    progress.stop();
  }
  return writeReport(report, flags, undefined, accepted);
}
