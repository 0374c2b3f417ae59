import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { GuardError } from '../errors.js';
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

/** An output file (-o) that cannot be written: exit 73, with the path and the reason. */
class OutputError extends GuardError {
  constructor(file: string, reason: string, hint = 'give -o a plain file path in a folder you can write to') {
    super(`cannot write ${file}: ${reason}`, 73, hint);
  }
}

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException | null)?.code;

/**
 * Writes a report file without ever following a symlink: a repository under review can commit
 * `aiops-guard.sarif -> ~/.bashrc`. Inside the current folder every path component is checked (and
 * missing folders are created); the report goes to a fresh temp file beside the target, then is renamed over it.
 */
async function writeOutputFile(file: string, text: string | Buffer, cwd = process.cwd()): Promise<void> {
  const target = path.resolve(cwd, file);
  const dir = path.dirname(target);
  const rel = path.relative(cwd, dir);
  const underCwd = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  if (underCwd) {
    // Folders between the current folder and the file: none may be a symlink; missing ones are made.
    let at = cwd;
    for (const part of rel ? rel.split(path.sep) : []) {
      at = path.join(at, part);
      let info;
      try {
        info = await lstat(at);
      } catch (err) {
        if (errorCode(err) !== 'ENOENT') throw new OutputError(target, `${at}: ${describeFsError(err)}`);
        try {
          await mkdir(at);
        } catch (mkErr) {
          throw new OutputError(target, `cannot create folder ${at}: ${describeFsError(mkErr)}`);
        }
        continue;
      }
      if (info.isSymbolicLink()) throw new OutputError(target, `${at} is a symlink; a report is never written through one`, 'write the report to a real folder, e.g. -o ./aiops-guard-report/out.sarif, or outside the repository');
      if (!info.isDirectory()) throw new OutputError(target, `${at} is not a folder`);
    }
  } else {
    try {
      if (!(await lstat(dir)).isDirectory()) throw new OutputError(target, `${dir} is not a folder`);
    } catch (err) {
      if (err instanceof OutputError) throw err;
      throw new OutputError(target, errorCode(err) === 'ENOENT' ? `folder ${dir} does not exist` : `${dir}: ${describeFsError(err)}`, 'create the folder first, or write the report inside the current folder');
    }
  }
  await refuseLinkOrFolder(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // O_EXCL: the temp name is new; an existing file or symlink of that name makes this fail, never followed.
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    await refuseLinkOrFolder(target);
    // rename() replaces a symlink itself, never what it points to.
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof OutputError) throw err;
    throw new OutputError(target, describeFsError(err));
  }
}

async function refuseLinkOrFolder(target: string): Promise<void> {
  let info;
  try {
    info = await lstat(target);
  } catch {
    return;
  }
  if (info.isSymbolicLink()) throw new OutputError(target, 'it is a symlink; a report is never written through one', 'remove the symlink, or give -o another path');
  if (info.isDirectory()) throw new OutputError(target, 'it is a folder', 'give -o a file path, e.g. -o out/report.sarif');
}

function describeFsError(err: unknown): string {
  const code = errorCode(err);
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    ENOENT: 'no such file or folder',
    ENOTDIR: 'a part of the path is not a folder',
    EISDIR: 'it is a folder',
  };
  return (code && reasons[code]) ?? (err instanceof Error ? err.message : String(err));
}

/** How much of a report emitChunks encodes before it writes. */
const EMIT_BATCH = 256 * 1024;

/**
 * Writes a report's pieces to stdout, a few hundred kilobytes at a time, waiting whenever the reader
 * is behind. Each piece is encoded into the batch's buffer as it comes: joining the pieces into one
 * string first would copy them twice (the join, then the encoding), and one piece with a character
 * outside Latin-1 (a masked value's `…`) would make the whole batch a two-byte string, slower to encode.
 */
export async function emitChunks(chunks: Iterable<string>): Promise<void> {
  let buffer = Buffer.allocUnsafe(2 * EMIT_BATCH);
  let used = 0;
  const flush = async () => {
    if (used > 0) await emit(buffer.subarray(0, used));
    // The written buffer belongs to the stream until it is sent: the next batch gets a new one.
    buffer = Buffer.allocUnsafe(2 * EMIT_BATCH);
    used = 0;
  };
  for (const chunk of chunks) {
    // At most three bytes a UTF-16 unit (a surrogate pair is four bytes for two units).
    const most = 3 * chunk.length;
    if (used + most > buffer.length) {
      await flush();
      if (most > buffer.length) buffer = Buffer.allocUnsafe(most);
    }
    used += buffer.write(chunk, used);
    if (used >= EMIT_BATCH) await flush();
  }
  await flush();
}

/** Writes a report to a file (-o) or stdout. */
export async function emit(text: string | Buffer, outputFile?: string): Promise<void> {
  if (outputFile) {
    await writeOutputFile(outputFile, text);
    return;
  }
  await new Promise<void>((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', resolve);
  });
}
