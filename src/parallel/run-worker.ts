import { Worker } from 'node:worker_threads';
import type { CheckOptions, FileResults } from '../check.js';
import type { Repo, SourceFile } from '../source/types.js';

/** What the worker thread is given: plain data only. */
export interface WorkerInput {
  repo: Repo;
  options: Omit<CheckOptions, 'onProgress'>;
  files: { path: string; oid: string | null; abs?: string }[];
}

/** Checks files on another thread with the same settings; it sets up its own rules, policy and git cache. */
export async function checkInWorker(repo: Repo, files: SourceFile[], options: CheckOptions): Promise<Omit<FileResults, 'documents'>> {
  const { onProgress: _progress, ...plain } = options;
  const input: WorkerInput = { repo, options: { ...plain, now: plain.now ?? new Date() }, files: files.map((f) => ({ path: f.path, oid: f.oid, abs: f.abs })) };
  const worker = new Worker(new URL('./check-worker.js', import.meta.url), { workerData: input });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: Omit<FileResults, 'documents'> | { error: string; stack?: string }) => {
      if ('error' in m) reject(Object.assign(new Error(m.error), { stack: m.stack }));
      else resolve(m);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the checking thread stopped with code ${code}`));
    });
  });
}
