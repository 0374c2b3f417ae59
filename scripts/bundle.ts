/**
 * Build step: bundles the compiled CLI (dist/src) into one ES module, dist/src/bundle/main.js, which
 * bin/aiops-guard.js runs. Node's ES module loader costs about 0.4 ms per module resolved, read and
 * linked; the CLI is ~75 modules, a split bundle still ~30 on a warm check, whose whole run is ~300 ms
 * (one file: ~20 ms less than chunks).
 *
 * - Packages stay external: they resolve from node_modules. A package that not every run needs is
 *   never imported statically in src/ (the bundle would import it at the top, for every run): yaml,
 *   isomorphic-git, Ajv, re2js, fast-json-patch, the compiled validators load on first use
 *   (src/packages.ts, source/isomorphic-git.ts, a dynamic import()).
 * - Dynamic `import()` of our own modules is inlined; the module runs when first imported, as before.
 * - dist/src/bundle sits at the same depth as dist/src/<area>/, so the paths the code resolves
 *   from import.meta.url ('../../generated/…', the package root) are the same from a chunk.
 * - The worker thread is an entry of its own next to main.js: check/worker.ts starts
 *   `./worker-thread.js` beside the module that calls it.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { PACKAGE_ROOT } from '../src/rules/load.js';

const SRC = path.join(PACKAGE_ROOT, 'dist', 'src');
export const BUNDLE_DIR = path.join(SRC, 'bundle');

async function main(): Promise<void> {
  await rm(BUNDLE_DIR, { recursive: true, force: true });
  await build({
    entryPoints: { main: path.join(SRC, 'cli', 'main.js'), 'worker-thread': path.join(SRC, 'check', 'worker-thread.js') },
    outdir: BUNDLE_DIR,
    bundle: true,
    splitting: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    // Maps back to src/*.ts through tsc's maps; `--debug` turns them on for stack traces.
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

await main();
