import { mergeShardReports, readShardReport } from '../../check/merge.js';
import type { Report } from '../../report/types.js';
import type { MergeFlags } from '../flags.js';
import { planOutputs, writeReport } from '../report-output.js';

/** `aiops-guard merge a.json b.json …`: the shards' reports as one, in any format; exits with the merged verdict. */
export async function runMergeCommand(files: string[], flags: MergeFlags): Promise<number> {
  planOutputs(flags);
  const loaded = await Promise.all(files.map((f) => readShardReport(f, process.cwd())));
  const { report, absent } = mergeShardReports(loaded);
  return writeReport(report as Report, flags, { absent });
}
