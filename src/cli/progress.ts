import type { Progress } from '../check.js';

export interface ProgressUi {
  update(p: Progress): void;
  stop(): void;
}

const NONE: ProgressUi = { update() {}, stop() {} };

/** A spinner on stderr, only on an interactive terminal: never in CI, never when piped. */
export async function startProgress(opts: { progress?: boolean; quiet?: boolean }): Promise<ProgressUi> {
  if (opts.progress === false || opts.quiet || !process.stderr.isTTY || process.env.CI) return NONE;
  const { default: ora } = await import('ora');
  const spinner = ora({ text: 'Reading configs', stream: process.stderr }).start();
  return {
    update(p) {
      spinner.text = p.phase === 'reading' ? `Reading configs ${p.done}/${p.total}` : 'Checking rules';
    },
    stop() {
      spinner.stop();
    },
  };
}
