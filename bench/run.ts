/**
 * `npm run bench`: the speed targets, as ratios measured in one run.
 *   check:     aiops-guard check -f json --no-cache   vs the floor (read + parse every document with yaml)   target ≤ (1.3 ÷ cores + 0.1)×
 *   relations: the same check vs the check without relation rules (--skip 'rel-*'): the cost of the cross-document phase   target ≤ 1.1×
 *   warm:      the same check with a warm result cache (nothing changed)   vs the floor            target ≤ 0.1×
 *   hook:      check --staged after staging a change to one file, warm cache   vs the floor        target ≤ 0.1×
 *   js-yaml:   the js-yaml parse of the same files vs the floor (reference: how far the parse is from the fastest)
 *   --version: aiops-guard --version       vs node -e 0                                           target ≤ 2×
 *   rollback:  aiops-guard rollback (1,000 commits, bad commit 600 back)  vs one check of HEAD               target ≤ 3×
 *   drift:     aiops-guard drift --live    vs the floor (parse the desired files with yaml + JSON.parse the snapshot)  target ≤ 1.5×
 *   blame:     aiops-guard check --blame (same history, a 601-commit walk)  vs a plain check of the work tree   reported
 *   kustomize: check of a 500-object overlay tree (rendered natively)  vs check of the same 500 rendered objects as plain files   target ≤ 1.5×
 *   memory:    peak RSS of a cold check            vs the floor's                                   target ≤ 1.5×
 *   cpu:       CPU time of a cold check --jobs 1    vs the floor's                                   target ≤ 1.3×
 *   scan warm: aiops-guard scan over 1,000 commits with a warm result cache  vs the same scan cold  target ≤ 0.5×
 * Each command runs several times, alternating, and the median wall time is compared.
 * Everything but the warm, hook and warm-scan lines runs with --no-cache: a cached side would measure the cache, not the work.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus, generateHistory, generateSnapshot } from './generate.js';
import { generateOverlayCorpus } from './generate-overlay.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');
const BIN = path.join(ROOT, 'bin', 'aiops-guard.js');
const FLOOR = path.join(here, 'floor.js');
const FLOOR_DRIFT = path.join(here, 'floor-drift.js');
const FLOOR_JS_YAML = path.join(here, 'floor-js-yaml.js');
const RUSAGE = path.join(here, 'rusage.js');

function time(cmd: string[], expectCodes: number[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, cmd, { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, CI: 'true' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (!expectCodes.includes(r.status ?? -1)) throw new Error(`${cmd.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The medians of two measures taken alternately, `runs` times each (so a busy moment hits both sides). */
function medians(runs: number, a: () => number, b: () => number): [number, number] {
  const ma: number[] = [];
  const mb: number[] = [];
  for (let i = 0; i < runs; i++) {
    ma.push(a());
    mb.push(b());
  }
  return [median(ma), median(mb)];
}

/** One line of the table: both medians, their ratio, and the verdict (`target` null: reported, not judged). */
function line(label: string, [a, b]: [number, number], show: (v: number) => string, target: number | null, reference = false): boolean {
  const ratio = a / b;
  const ok = target === null || ratio <= target;
  const verdict = reference ? '(reference)' : target === null ? '(reported)' : `(target ≤ ${target}×) ${ok ? 'ok' : 'MISSED'}`;
  console.log(`${label.padEnd(34)} ${show(a)} vs ${show(b)}  ratio ${ratio.toFixed(ratio < 0.2 ? 3 : 2)}× ${verdict}`);
  return ok;
}

const ms = (v: number) => `${v.toFixed(0).padStart(6)} ms`;

function compare(label: string, a: string[], aCodes: number[], b: string[], runs: number, target: number | null, bCodes = [0]): boolean {
  time(a, aCodes); // warm the file cache
  time(b, bCodes);
  return line(label, medians(runs, () => time(a, aCodes), () => time(b, bCodes)), ms, target);
}

/** Prints a ratio that has no target (a reference point). */
function reference(label: string, a: string[], b: string[], runs: number): boolean {
  return line(label, medians(runs, () => time(a, [0]), () => time(b, [0])), ms, null, true);
}

/** CPU time (every thread) and peak RSS of one run of a node script. */
function usage(cmd: string[], expectCodes: number[]): { cpuMs: number; maxRssKb: number } {
  const out = path.join(os.tmpdir(), `aiops-guard-bench-rusage-${process.pid}.json`);
  const r = spawnSync(process.execPath, [RUSAGE, out, ...cmd], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, CI: 'true' } });
  if (!expectCodes.includes(r.status ?? -1)) throw new Error(`${cmd.join(' ')} exited ${r.status}: ${r.stderr}`);
  const u = JSON.parse(readFileSync(out, 'utf8')) as { cpuMs: number; maxRssKb: number };
  rmSync(out, { force: true });
  return u;
}

/** Compares a resource (CPU time or peak memory) of two commands, median of alternating runs. */
function compareUsage(label: string, what: 'cpuMs' | 'maxRssKb', a: string[], aCodes: number[], b: string[], runs: number, target: number): boolean {
  const show = what === 'cpuMs' ? (v: number) => `${v.toFixed(0).padStart(6)} ms CPU` : (v: number) => `${(v / 1024).toFixed(0).padStart(6)} MB RSS`;
  return line(label, medians(runs, () => usage(a, aCodes)[what], () => usage(b, [0])[what]), show, target);
}

/** The pre-commit hook's path: one file changed and staged, `check --staged`, the cache warm from earlier runs. */
function hookPath(dir: string, cacheDir: string): boolean {
  const rel = readdirSync(dir, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('.yaml') && !f.startsWith('.git'))!;
  const file = path.join(dir, rel);
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, original.replace(/replicas: \d+/, 'replicas: 7'));
  execFileSync('git', ['add', '-A'], { cwd: dir });
  try {
    return compare('hook: check --staged, 1 file changed / floor', [BIN, 'check', '--staged', '-f', 'json', '--cache-dir', cacheDir, '-C', dir], [0, 1], [FLOOR, dir], 5, 0.1);
  } finally {
    writeFileSync(file, original);
    execFileSync('git', ['add', '-A'], { cwd: dir });
  }
}

/** Rendering + checking a 500-object overlay tree against checking the rendered objects as plain files. */
async function kustomizeLine(): Promise<boolean> {
  const overlay = mkdtempSync(path.join(os.tmpdir(), 'aiops-guard-bench-overlay-'));
  const plain = mkdtempSync(path.join(os.tmpdir(), 'aiops-guard-bench-rendered-'));
  try {
    const objects = await generateOverlayCorpus(overlay, plain);
    console.log(`kustomize: an overlay of ${objects} objects, and the same objects rendered into plain files`);
    return compare('check overlay / check rendered', [BIN, 'check', '-f', 'json', '--no-cache', '-C', overlay], [1], [BIN, 'check', '-f', 'json', '--no-cache', '-C', plain], 5, 1.5, [1]);
  } finally {
    rmSync(overlay, { recursive: true, force: true });
    rmSync(plain, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aiops-guard-bench-'));
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'aiops-guard-bench-cache-'));
  try {
    const docs = generateCorpus(dir, { files: 2000, docsPerFile: 5 });
    console.log(`corpus: 2000 files, ${docs} documents in ${dir}`);
    const snapshot = path.join(os.tmpdir(), `aiops-guard-bench-live-${process.pid}.json`);
    const live = generateSnapshot(dir, snapshot, 5);
    console.log(`snapshot: ${live.objects} objects, ${live.drifted} drifted in the cluster`);
    const results = [
      // Every core: wall ≤ (1.3 ÷ cores + 0.1)× the floor (issue 14), which is 1.4× on one core.
      compare(`check -f json / floor (${os.availableParallelism()} cores)`, [BIN, 'check', '-f', 'json', '--no-cache', '-C', dir], [1], [FLOOR, dir], 5, Number((1.3 / os.availableParallelism() + 0.1).toFixed(2))),
      compare('relations: check / without rel-*', [BIN, 'check', '-f', 'json', '--no-cache', '-C', dir], [1], [BIN, 'check', '-f', 'json', '--no-cache', '--skip', 'rel-*', '-C', dir], 5, 1.1, [1]),
      compare('check, warm cache / floor', [BIN, 'check', '-f', 'json', '--cache-dir', cacheDir, '-C', dir], [1], [FLOOR, dir], 5, 0.1),
      hookPath(dir, cacheDir),
      compareUsage('check peak memory / floor', 'maxRssKb', [BIN, 'check', '-f', 'json', '--no-cache', '-C', dir], [1], [FLOOR, dir], 3, 1.5),
      compareUsage('check --jobs 1 CPU / floor CPU', 'cpuMs', [BIN, 'check', '-f', 'json', '--no-cache', '--jobs', '1', '-C', dir], [1], [FLOOR, dir], 3, 1.3),
      reference('js-yaml parse / floor', [FLOOR_JS_YAML, dir], [FLOOR, dir], 3),
      compare('drift --live -f json / floor', [BIN, 'drift', '--live', snapshot, '-f', 'json', '--no-cache', '-C', dir], [2], [FLOOR_DRIFT, dir, snapshot], 5, 1.5),
      compare('--version / node -e 0', [BIN, '--version'], [0], ['-e', '0'], 15, 2),
      await kustomizeLine(),
    ];
    const hist = mkdtempSync(path.join(os.tmpdir(), 'aiops-guard-bench-history-'));
    const histCache = mkdtempSync(path.join(os.tmpdir(), 'aiops-guard-bench-history-cache-'));
    try {
      const { badCommit } = generateHistory(hist, { files: 2000, docsPerFile: 5, commits: 1000, badAt: 600 });
      console.log(`history: 2000 files, 1000 commits changing 1-3 files each, the bad one is commit ${badCommit} (600 back)`);
      results.push(
        compare('rollback / check of HEAD', [BIN, 'rollback', '-f', 'json', '--no-cache', '--max-commits', '1000', '-C', hist], [1], [BIN, 'check', '--ref', 'HEAD', '-f', 'json', '--no-cache', '-C', hist], 3, 3, [1]),
        compare('check --blame / check', [BIN, 'check', '--blame', '--max-commits', '1000', '-f', 'json', '--no-cache', '-C', hist], [1], [BIN, 'check', '-f', 'json', '--no-cache', '-C', hist], 3, null, [1]),
        // The first (unmeasured) run of the warm side fills the cache; the history walk's results are kept too.
        compare('scan, warm cache / scan cold', [BIN, 'scan', '-f', 'json', '--max-commits', '1000', '--cache-dir', histCache, '-C', hist], [1], [BIN, 'scan', '-f', 'json', '--max-commits', '1000', '--no-cache', '-C', hist], 3, 0.5, [1]),
      );
    } finally {
      rmSync(hist, { recursive: true, force: true });
      rmSync(histCache, { recursive: true, force: true });
    }
    if (results.includes(false)) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(path.join(os.tmpdir(), `aiops-guard-bench-live-${process.pid}.json`), { force: true });
  }
}

await main();
