import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createRunContext } from './context.js';
import { checkFiles } from './files.js';
import { readerFor } from '../source/git.js';
import type { SourceFile } from '../source/types.js';
import type { FreshResult } from './file-results.js';
import type { WorkerInput } from './worker.js';

const input = workerData as WorkerInput;
try {
  // The files are chosen already: no path arguments to resolve again from another folder.
  // No result cache here: the main thread looked the files up, and stores what this thread computes.
  const ctx = await createRunContext({ ...input.options, repoDir: input.repo.dir, paths: [], cache: false });
  const files: SourceFile[] = input.files.map((f) => ({
    path: f.path,
    oid: f.oid,
    read: f.abs ? async () => readFileSync(f.abs!) : readerFor(ctx.repo, f.oid!, ctx.cache),
  }));
  // Results for the main thread's cache, unless it has none (cache: false there).
  const fresh: FreshResult[] | undefined = input.options.cache === false ? undefined : [];
  const { documents: _none, ...result } = await checkFiles(files, ctx, { ...input.options, keepDocuments: false, packProjections: true }, undefined, fresh);
  result.fresh = fresh;
  parentPort!.postMessage(result);
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  parentPort!.postMessage({ error: e.message, stack: e.stack });
}
