import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * The file system isomorphic-git reads git objects through: its promise interface, answered with
 * synchronous calls. A history walk reads thousands of small objects one after the other; each
 * asynchronous read waits for a round trip through libuv's thread pool, which was most of a warm
 * `scan` (the process sat idle). isomorphic-git also probes the file system on every call with
 * `readFile()` and no path, expecting a promise: answered without making (and throwing) an error.
 */
const call =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  (...args: A): Promise<R> => {
    try {
      return Promise.resolve(fn(...args));
    } catch (err) {
      return Promise.reject(err);
    }
  };

export const gitFs = {
  readFile: (...args: Parameters<typeof readFileSync>) => (args[0] === undefined ? Promise.resolve(undefined) : call(readFileSync)(...args)),
  writeFile: call(writeFileSync),
  mkdir: call(mkdirSync),
  rmdir: call(rmdirSync),
  unlink: call(unlinkSync),
  stat: call(statSync),
  lstat: call(lstatSync),
  readdir: (dir: string) => call((d: string) => readdirSync(d, 'utf8'))(dir),
  readlink: call(readlinkSync),
  symlink: call(symlinkSync),
};
