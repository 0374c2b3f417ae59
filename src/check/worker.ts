import { availableParallelism } from 'node:os';
import type { FileResults } from './files.js';
import type { CheckOptions } from './types.js';
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
  // Loaded here: most runs stay on one thread.
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(new URL('./worker-thread.js', import.meta.url), { workerData: input });
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

/**
 * How many threads a list of files is worth: one per core (`os.availableParallelism()`, capped by
 * `--jobs`), each with at least 2,000 files (half of AIOPS_GUARD_PARALLEL_MIN_FILES, the size from
 * which a second thread pays for its start-up: a thread sets up its own rules and context, about
 * what reading 2,000 manifests costs since the fast reader); smaller inputs stay on this thread.
 */
export function threadsFor(files: number, jobs?: number): number {
  const perThread = Math.max(1, Number(process.env.AIOPS_GUARD_PARALLEL_MIN_FILES ?? 4000) / 2);
  const cores = Math.max(1, Math.min(availableParallelism(), jobs ?? Infinity));
  return Math.max(1, Math.min(cores, Math.floor(files / perThread)));
}

/**
 * Checks files on every thread they are worth: this thread takes the first share (through
 * `here`, which may use the run's caches), worker threads the others, in order. The shares are
 * contiguous, so joining the results in share order gives the one-thread order.
 */
export async function checkOnThreads<T>(
  repo: Repo,
  files: readonly SourceFile[],
  options: CheckOptions,
  here: (share: SourceFile[]) => Promise<T>,
): Promise<{ here: T; workers: Omit<FileResults, 'documents'>[]; shares: SourceFile[][] }> {
  const n = threadsFor(files.length, options.jobs);
  const size = Math.ceil(files.length / n);
  const shares: SourceFile[][] = [];
  for (let i = 0; i < files.length; i += size) shares.push(files.slice(i, i + size));
  if (shares.length === 0) shares.push([]);
  const [mine, ...workers] = await Promise.all([here(shares[0]!), ...shares.slice(1).map((share) => checkInWorker(repo, share, options))]);
  return { here: mine as T, workers: workers as Omit<FileResults, 'documents'>[], shares };
}
