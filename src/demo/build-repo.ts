import fs from 'node:fs';
import { cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import git from '../source/isomorphic-git.js';

/** The fixed author of fixture commits, so their shas are the same on every machine. */
const AUTHOR = { name: 'Dana Ops', email: 'dana@example.com' };
const START = Date.UTC(2026, 0, 5, 9, 0, 0) / 1000;

export interface BuiltCommit {
  sha: string;
  subject: string;
}

/**
 * Makes a real git repository from a folder of commit snapshots: each subfolder
 * (sorted, e.g. `01-add-platform`) is the whole tree of one commit. The commit subject is the
 * subfolder's `.message` file, or its name without the number. The work tree ends at the last one.
 */
export async function buildRepoFromSnapshots(snapshotsDir: string, dest: string): Promise<BuiltCommit[]> {
  await mkdir(dest, { recursive: true });
  await git.init({ fs, dir: dest, defaultBranch: 'main' });
  const steps = (await readdir(snapshotsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const commits: BuiltCommit[] = [];
  for (const [i, step] of steps.entries()) {
    const src = path.join(snapshotsDir, step);
    for (const tracked of await git.listFiles({ fs, dir: dest })) {
      await git.remove({ fs, dir: dest, filepath: tracked });
      await rm(path.join(dest, tracked), { force: true });
    }
    await cp(src, dest, { recursive: true, filter: (s) => path.basename(s) !== '.message' });
    const files = (await readdir(src, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && e.name !== '.message')
      .map((e) => path.relative(src, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
    if (files.length) await git.add({ fs, dir: dest, filepath: files });
    let subject = step.replace(/^\d+-/, '').replace(/-/g, ' ');
    try {
      subject = (await readFile(path.join(src, '.message'), 'utf8')).trim();
    } catch {
      // no .message: the folder name is the subject
    }
    const when = { ...AUTHOR, timestamp: START + i * 3600, timezoneOffset: 0 };
    const sha = await git.commit({ fs, dir: dest, message: subject, author: when, committer: when });
    commits.push({ sha, subject: subject.split('\n')[0]! });
  }
  return commits;
}
