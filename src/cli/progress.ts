import type { Progress } from '../check/types.js';

export interface ProgressUi {
  update(p: Progress): void;
  stop(): void;
}

export const NO_PROGRESS: ProgressUi = { update() {}, stop() {} };

const set = (v: string | undefined) => v !== undefined && v !== '';

/**
 * Whether a spinner may draw on this stream: an interactive terminal with a size. A TTY of
 * zero columns or rows (`docker run -t`, `script` without a size) cannot hold a line, and a
 * spinner there redraws forever.
 */
function canSpin(stream: Pick<NodeJS.WriteStream, 'isTTY' | 'columns' | 'rows'>, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!stream.isTTY || (set(env.CI) && env.CI !== 'false' && env.CI !== '0')) return false;
  if (env.TERM === 'dumb') return false;
  return (stream.columns ?? 0) > 0 && (stream.rows ?? 0) > 0;
}

/** A spinner on stderr, only on an interactive terminal with a size: never in CI, never when piped. */
export async function startProgress(opts: { progress?: boolean; quiet?: boolean; color?: boolean }): Promise<ProgressUi> {
  if (opts.progress === false || opts.quiet || !canSpin(process.stderr)) return NO_PROGRESS;
  const { default: ora } = await import('ora');
  // NO_COLOR and --no-color uncolour the spinner too (ora colours it cyan by default).
  const plain = opts.color === false || set(process.env.NO_COLOR);
  const spinner = ora({ text: 'Reading configs', stream: process.stderr, ...(plain ? { color: false as const } : {}) }).start();
  return {
    update(p) {
      spinner.text = p.phase === 'reading' ? `Reading configs ${p.done}/${p.total}` : 'Checking rules';
    },
    stop() {
      spinner.stop();
    },
  };
}
