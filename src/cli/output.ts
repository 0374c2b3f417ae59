import { writeFile } from 'node:fs/promises';
import type { Palette } from '../report/format-text.js';
import { PLAIN } from '../report/format-text.js';

/**
 * Colour on a TTY only; NO_COLOR and --no-color turn it off, FORCE_COLOR turns it on
 * (chalk already reads FORCE_COLOR and --no-color, but not NO_COLOR).
 */
export async function choosePalette(opts: { color?: boolean }, stream: NodeJS.WriteStream = process.stdout): Promise<Palette> {
  const env = process.env;
  if (opts.color === false || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return PLAIN;
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (!forced && !stream.isTTY) return PLAIN;
  // chalk loads only when colour is on: CI logs and pipes do not pay for it.
  const { default: chalk, Chalk } = await import('chalk');
  const c = chalk.level > 0 ? chalk : new Chalk({ level: 1 });
  return { red: c.red, yellow: c.yellow, blue: c.cyan, green: c.green, dim: c.dim, bold: c.bold };
}

/** Writes a report to a file (-o) or stdout. */
export async function emit(text: string, outputFile?: string): Promise<void> {
  if (outputFile) {
    await writeFile(outputFile, text);
    return;
  }
  await new Promise<void>((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', resolve);
  });
}
