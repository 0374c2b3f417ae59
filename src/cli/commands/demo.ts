import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runScan } from '../../history/run.js';
import { buildRepoFromSnapshots } from '../../demo/build-repo.js';
import { PACKAGE_ROOT } from '../../rules/load.js';
import { choosePalette } from '../output.js';
import { startProgress } from '../progress.js';
import { writeReport } from '../report-output.js';

const DEMO_SNAPSHOTS = path.join(PACKAGE_ROOT, 'fixtures', 'demo');
/** What the example cluster runs: commit 2, deployed, plus changes made by hand. */
const DEMO_LIVE = path.join(PACKAGE_ROOT, 'fixtures', 'live', 'demo.json');

/** Builds the bundled example repository in a temporary folder and scans it against the bundled live snapshot. */
export async function runDemoCommand(flags: { format: string; keep?: boolean; color: boolean; progress: boolean }): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aiops-guard-demo-'));
  try {
    const commits = await buildRepoFromSnapshots(DEMO_SNAPSHOTS, dir);
    if (flags.format === 'text') {
      const p = await choosePalette(flags);
      process.stdout.write(
        p.bold(`aiops-guard demo: an example GitOps repository with ${commits.length} commits`) +
          `\n${commits.map((c) => `  ${c.sha.slice(0, 7)} ${c.subject}`).join('\n')}\n` +
          p.dim(`running: aiops-guard scan --live fixtures/live/demo.json -C ${flags.keep ? dir : '<temporary copy>'}`) +
          '\n\n',
      );
    }
    const progress = await startProgress(flags);
    const report = await runScan({ cwd: dir, live: DEMO_LIVE, onProgress: (x) => progress.update(x) }).finally(() => progress.stop());
    report.source.live = 'fixtures/live/demo.json';
    const code = await writeReport(report, { ...flags, format: [flags.format] });
    if (flags.keep) process.stderr.write(`example repository kept at ${dir}\n`);
    return code;
  } finally {
    if (!flags.keep) await rm(dir, { recursive: true, force: true });
  }
}
