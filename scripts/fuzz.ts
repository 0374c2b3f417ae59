/**
 * Fuzz loop: mutates the repository's fixtures (byte flips, truncations, YAML-special insertions,
 * splices, nesting bursts, re-encodings) and runs each input through what a pull request reaches:
 * the parser and every built-in rule, the config reader, and the live-snapshot reader.
 * It fails on any thrown internal error, any input over the time limit, and any crash of the process
 * (a V8 abort or out-of-memory), and saves each failing input.
 *
 * Every 25th input (--cli-every) also runs through the built command line on a temp repository: its exit
 * code must be one a user can get for that input (never 70), with no stack trace and a JSON report.
 *
 *   npm run fuzz -- --seed 7 --runs 3000 [--timeout-ms 5000] [--cli-every 25] [--out dir]
 */
import { execFileSync, fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRandom } from './seeded-random.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SELF = fileURLToPath(import.meta.url);

type Target = 'manifest' | 'config' | 'snapshot';

interface FuzzInput {
  id: number;
  target: Target;
  /** File name the input is parsed as (decides JSON or YAML, chart templates). */
  name: string;
  bytes: Uint8Array;
  /** How it was made, for the report: base fixture and mutations. */
  shape: string;
}

type Outcome = { id: number; ok: true } | { id: number; ok: false; error: string };

interface Failure {
  kind: 'error' | 'hang' | 'crash' | 'cli';
  input: FuzzInput;
  detail: string;
  saved: string;
}

// ---------------------------------------------------------------- seeded randomness

type Random = ReturnType<typeof createRandom>;

// ---------------------------------------------------------------- corpus and mutations

interface Seed {
  name: string;
  rel: string;
  bytes: Uint8Array;
  target: Target;
}

function loadCorpus(): Seed[] {
  const out: Seed[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (/\.(ya?ml|json)$/.test(e.name) && statSync(abs).size <= 64 * 1024) {
        const rel = path.relative(ROOT, abs).split(path.sep).join('/');
        out.push({ name: e.name, rel, bytes: readFileSync(abs), target: rel.startsWith('fixtures/live/') ? 'snapshot' : 'manifest' });
      }
    }
  };
  walk(path.join(ROOT, 'fixtures'));
  const example = path.join(ROOT, '.aiopsrc.example.json');
  const configs: [string, string][] = [
    ['.aiopsrc.json', readFileOr(example, '{"failOn":"high","waivers":[{"rule":"k8s-run-as-root","file":"apps/**","reason":"r","expires":"2030-01-01"}]}')],
    ['.aiopsrc.yaml', 'failOn: high\nskip: [k8s-image-latest]\ninclude: ["**/*.yaml"]\nwaivers:\n  - rule: "k8s-*"\n    resource: "Deployment/web/*"\n    reason: ok\n'],
  ];
  for (const [name, text] of configs) out.push({ name, rel: name, bytes: Buffer.from(text), target: 'config' });
  return out;
}

function readFileOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

const YAML_SPECIALS = [
  '&a ', '*a', '<<: *a\n', '<<: [*a, *a]\n', '!', '!!binary ', '!!python/object ', '!<tag:x> ', '%YAML 1.1\n', '%TAG ! tag:x,\n',
  '{', '}', '[', ']', '"', "'", '---\n', '...\n', ': ', '- ', '? ', '|', '>-', '#', '\t', '\r', '\u2028',
  'a: &a {b: *a}\n', '&x [*x]', 'x: &x\n  - *x\n', '{{ .Values.x }}', '{{- if .x }}', '~', 'null', 'yes', 'on', '0755', '0x1F', '.inf', '1e999',
  '2001-12-14t21:59:43.10-05:00', '= ', '@', '`', '\\', '\\u', '\u0000', '\uFEFF', '\uD800', 'kind: List\nitems: ', 'kind: List\nitems: [*a]\n',
];

function insertAt(bytes: Uint8Array, at: number, add: Uint8Array): Uint8Array {
  return Buffer.concat([bytes.subarray(0, at), add, bytes.subarray(at)]);
}

const MUTATIONS: { name: string; apply(b: Uint8Array, r: Random, corpus: Seed[]): { bytes: Uint8Array; note: string } }[] = [
  {
    name: 'byte-flip',
    apply(b, r) {
      const out = Buffer.from(b);
      const n = 1 + r.int(8);
      for (let i = 0; i < n && out.length; i++) out[r.int(out.length)]! ^= 1 << r.int(8);
      return { bytes: out, note: `${n} bits` };
    },
  },
  {
    name: 'truncate',
    apply(b, r) {
      const at = r.int(b.length + 1);
      return { bytes: b.subarray(0, at), note: `at ${at}/${b.length}` };
    },
  },
  {
    name: 'yaml-special',
    apply(b, r) {
      let out = b;
      const n = 1 + r.int(4);
      const used: string[] = [];
      for (let i = 0; i < n; i++) {
        const s = r.pick(YAML_SPECIALS);
        used.push(JSON.stringify(s));
        out = insertAt(out, r.int(out.length + 1), Buffer.from(s));
      }
      return { bytes: out, note: used.join(' ') };
    },
  },
  {
    name: 'splice',
    apply(b, r, corpus) {
      const other = r.pick(corpus).bytes;
      const from = r.int(other.length + 1);
      const chunk = other.subarray(from, from + 1 + r.int(400));
      const at = r.int(b.length + 1);
      const replace = r.chance(0.5) ? r.int(64) : 0;
      return { bytes: Buffer.concat([b.subarray(0, at), chunk, b.subarray(at + replace)]), note: `${chunk.length} bytes at ${at}` };
    },
  },
  {
    name: 'nesting-burst',
    apply(b, r) {
      const depth = r.pick([50, 500, 5000, 20000]);
      const style = r.pick(['[', '{a: ', '- ', '{"a":', 'a:\n ', '&a [']);
      const burst = style === 'a:\n ' ? Array.from({ length: Math.min(depth, 2000) }, (_, i) => `${' '.repeat(i)}a:\n`).join('') : style.repeat(depth);
      return { bytes: insertAt(b, r.int(b.length + 1), Buffer.from(burst)), note: `${JSON.stringify(style)} x${depth}` };
    },
  },
  {
    name: 're-encode',
    apply(b, r) {
      const text = Buffer.from(b).toString('utf8');
      const how = r.pick(['utf16le', 'utf16le+bom', 'utf16be+bom', 'latin1', 'utf8+bom', 'nul-bytes', 'cr-only']);
      let out: Buffer;
      if (how === 'utf16le') out = Buffer.from(text, 'utf16le');
      else if (how === 'utf16le+bom') out = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
      else if (how === 'utf16be+bom') out = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
      else if (how === 'latin1') out = Buffer.from(text + ' café ñ', 'latin1');
      else if (how === 'utf8+bom') out = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(b)]);
      else if (how === 'nul-bytes') out = insertAt(b, r.int(b.length + 1), Buffer.from([0, 0, 0])) as Buffer;
      else out = Buffer.from(text.replace(/\n/g, '\r'));
      return { bytes: out, note: how };
    },
  },
  {
    name: 'repeat',
    apply(b, r) {
      const from = r.int(b.length + 1);
      const chunk = b.subarray(from, from + 1 + r.int(120));
      const times = r.pick([10, 100, 2000]);
      const sep = r.pick(['', '\n---\n', '\n']);
      const rep = Buffer.from(Array.from({ length: times }, () => Buffer.from(chunk).toString('latin1')).join(sep), 'latin1');
      return { bytes: insertAt(b, r.int(b.length + 1), rep), note: `${chunk.length} bytes x${times}${sep ? ` sep ${JSON.stringify(sep)}` : ''}` };
    },
  },
];

function makeInput(id: number, r: Random, corpus: Seed[]): FuzzInput {
  const seed = r.pick(corpus);
  let bytes: Uint8Array = seed.bytes;
  const steps: string[] = [];
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    const m = r.pick(MUTATIONS);
    const result = m.apply(bytes, r, corpus);
    bytes = result.bytes;
    steps.push(`${m.name}(${result.note})`);
  }
  // Keep inputs to a size a repository file could be (the parser's limit is 5 MiB).
  if (bytes.length > 2 * 1024 * 1024) bytes = bytes.subarray(0, 2 * 1024 * 1024);
  return { id, target: seed.target, name: seed.name, bytes, shape: `${seed.rel}: ${steps.join(' → ')} = ${bytes.length} bytes` };
}

// ---------------------------------------------------------------- the worker (a child process: an abort cannot take the loop down)

async function runWorker(): Promise<void> {
  const { parseConfigFile } = await import('../src/parse/documents.js');
  const { evaluateDocument, prepareRules } = await import('../src/policy/evaluate.js');
  const { loadBuiltinRules } = await import('../src/rules/load.js');
  const { compileWaivers } = await import('../src/policy/waivers.js');
  const { parseDataText, validateConfig } = await import('../src/config/load.js');
  const { loadSnapshot } = await import('../src/drift/snapshot.js');
  const { GuardError } = await import('../src/errors.js');
  const { createSelection } = await import('../src/source/select.js');
  const rules = await loadBuiltinRules();
  const prepared = prepareRules(rules);
  const policy = { inlineWaivers: true, waivers: compileWaivers([], new Date('2026-01-01')), knownRuleIds: new Set(rules.map((x) => x.id)) };
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'aiops-guard-fuzz-worker-'));
  process.once('disconnect', () => {
    rmSync(scratch, { recursive: true, force: true });
    process.exit(0);
  });

  const check = async (input: { target: Target; name: string; bytes: Uint8Array }): Promise<void> => {
    if (input.target === 'config') {
      // As a run reads it: decoded like readFile(…, 'utf8'), parsed, validated, then used.
      let data: unknown;
      try {
        data = parseDataText(input.name, Buffer.from(input.bytes).toString('utf8'), path.extname(input.name));
      } catch (err) {
        if (err instanceof GuardError) return;
        throw err;
      }
      if ((await validateConfig(data)) !== null || !data || typeof data !== 'object') return;
      const config = data as { waivers?: never[]; include?: string[]; exclude?: string[] };
      compileWaivers(config.waivers ?? [], new Date('2026-01-01'));
      const selection = createSelection({ include: config.include, exclude: config.exclude });
      for (const p of ['apps/web.yaml', 'a/b/c.json', '.x/y.yml']) selection.wanted(p);
      return;
    }
    if (input.target === 'snapshot') {
      const file = path.join(scratch, input.name);
      writeFileSync(file, input.bytes);
      try {
        await loadSnapshot(file, scratch);
      } catch (err) {
        if (err instanceof GuardError) return;
        throw err;
      }
      return;
    }
    const parsed = parseConfigFile(`apps/${input.name}`, input.bytes);
    for (const doc of parsed.documents) evaluateDocument(doc, prepared, policy);
    parsed.release();
    // Positions are looked up again after release: a re-parse must agree.
    for (const doc of parsed.documents.slice(0, 3)) doc.locate('/spec/template/spec/containers/0');
  };

  process.on('message', (msg: { id: number; target: Target; name: string; bytes: string }) => {
    void (async () => {
      let outcome: Outcome;
      try {
        await check({ target: msg.target, name: msg.name, bytes: Buffer.from(msg.bytes, 'base64') });
        outcome = { id: msg.id, ok: true };
      } catch (err) {
        outcome = { id: msg.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
      process.send!(outcome);
    })();
  });
  process.send!({ ready: true });
}

// ---------------------------------------------------------------- the loop

interface Args {
  seed: number;
  runs: number;
  timeoutMs: number;
  out: string | null;
  /** Every Nth input also goes through the built command line on a temp repository (0: never). */
  cliEvery: number;
}

// ---------------------------------------------------------------- the command line, end to end

const BIN = path.join(ROOT, 'bin', 'aiops-guard.js');
/** Exit codes a run may end with, per target: anything else (70, a signal, a time-out) is a failure. */
const EXPECTED_EXITS: Record<Target, number[]> = { manifest: [0, 1], config: [0, 1, 78], snapshot: [0, 1, 2, 3, 65] };
const STACK_LINE = /\n\s+at .+[(:]\d+/;

function createCliRepo(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aiops-guard-fuzz-repo-'));
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

/** More than any report on a fuzz input (at most a few hundred KB of input) can need. */
const CLI_MAX_OUTPUT = 256 * 1024 * 1024;

/** Runs the CLI on the input as a pull request would bring it; returns what went wrong, or null. */
function runCliCase(repo: string, input: FuzzInput, timeoutMs: number): string | null {
  rmSync(path.join(repo, 'apps'), { recursive: true, force: true });
  for (const f of ['.aiopsrc.json', '.aiopsrc.yaml', 'live.json', 'live.yaml']) rmSync(path.join(repo, f), { force: true });
  mkdirSync(path.join(repo, 'apps'));
  let args: string[];
  if (input.target === 'manifest') {
    writeFileSync(path.join(repo, 'apps', input.name), input.bytes);
    args = ['check', '-f', 'json'];
  } else if (input.target === 'config') {
    writeFileSync(path.join(repo, input.name), input.bytes);
    writeFileSync(path.join(repo, 'apps', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n');
    args = ['check', '-f', 'json'];
  } else {
    writeFileSync(path.join(repo, 'live.json'), input.bytes);
    writeFileSync(path.join(repo, 'apps', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n');
    args = ['drift', '--live', 'live.json', '-f', 'json'];
  }
  // A 200 KB input can have thousands of findings: the JSON report passes spawnSync's default 1 MB
  // buffer, which killed the child and read as a timeout.
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: repo, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: CLI_MAX_OUTPUT, env: { ...process.env, NO_COLOR: '1', CI: 'true' } });
  const firstLines = (r.stderr ?? '').trim().split('\n').slice(0, 3).join(' | ');
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOBUFS') return `aiops-guard ${args.join(' ')} printed more than ${CLI_MAX_OUTPUT} bytes`;
  if (r.error || r.signal) return `aiops-guard ${args[0]} did not finish within ${timeoutMs} ms (${r.signal ?? r.error?.message})`;
  if (!EXPECTED_EXITS[input.target].includes(r.status ?? -1)) return `aiops-guard ${args.join(' ')} exited ${r.status}: ${firstLines}`;
  if (STACK_LINE.test(r.stderr ?? '')) return `aiops-guard ${args.join(' ')} printed a stack trace: ${firstLines}`;
  if ((r.status ?? 0) < 64) {
    try {
      JSON.parse(r.stdout);
    } catch {
      return `aiops-guard ${args.join(' ')} exited ${r.status} without a JSON report`;
    }
  }
  return null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seed: 1, runs: 1000, timeoutMs: 5000, out: null, cliEvery: 25 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const num = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number, got "${value ?? ''}"`);
      i++;
      return n;
    };
    if (flag === '--seed') args.seed = num();
    else if (flag === '--runs') args.runs = num();
    else if (flag === '--timeout-ms') args.timeoutMs = num();
    else if (flag === '--cli-every') args.cliEvery = num();
    else if (flag === '--out') {
      args.out = value ?? null;
      i++;
    } else throw new Error(`unknown option ${flag} (use --seed N --runs N [--timeout-ms N] [--cli-every N] [--out dir])`);
  }
  return args;
}

class WorkerHandle {
  private child: ChildProcess | null = null;
  private stderr = '';

  async start(): Promise<void> {
    this.stderr = '';
    const child = fork(SELF, ['--worker'], { execArgv: ['--max-old-space-size=768', '--stack-size=984'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: unknown) => {
        if ((m as { ready?: boolean }).ready) {
          child.off('message', onMessage);
          resolve();
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`fuzz worker exited during start-up (${code}): ${this.stderr}`)));
    });
  }

  /** Runs one input; resolves with its outcome, or a hang/crash when the time runs out or the process dies. */
  run(input: FuzzInput, timeoutMs: number): Promise<{ kind: 'ok' } | { kind: 'error' | 'hang' | 'crash'; detail: string }> {
    const child = this.child!;
    return new Promise((resolve) => {
      const done = (r: { kind: 'ok' } | { kind: 'error' | 'hang' | 'crash'; detail: string }) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(r);
      };
      const onMessage = (m: Outcome) => {
        if (m.id !== input.id) return;
        done(m.ok ? { kind: 'ok' } : { kind: 'error', detail: m.error });
      };
      const onExit = (code: number | null, signal: string | null) => {
        this.child = null;
        done({ kind: 'crash', detail: `worker died (${signal ?? `exit ${code}`}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` });
      };
      const timer = setTimeout(() => {
        child.off('exit', onExit);
        child.kill('SIGKILL');
        this.child = null;
        done({ kind: 'hang', detail: `no answer within ${timeoutMs} ms` });
      }, timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id: input.id, target: input.target, name: input.name, bytes: Buffer.from(input.bytes).toString('base64') });
    });
  }

  get alive(): boolean {
    return this.child !== null;
  }

  stop(): void {
    this.child?.disconnect();
    this.child = null;
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--worker')) return runWorker();
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`fuzz: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 64;
    return;
  }
  const corpus = loadCorpus();
  const random = createRandom(args.seed);
  const outDir = args.out ?? path.join(os.tmpdir(), `aiops-guard-fuzz-seed-${args.seed}`);
  const failures: Failure[] = [];
  const worker = new WorkerHandle();
  await worker.start();
  const started = Date.now();
  const cliRepo = args.cliEvery > 0 ? createCliRepo() : null;
  let cliRuns = 0;
  const fail = (kind: Failure['kind'], input: FuzzInput, detail: string) => {
    mkdirSync(outDir, { recursive: true });
    const saved = path.join(outDir, `${String(input.id).padStart(5, '0')}-${kind}-${input.name}`);
    writeFileSync(saved, input.bytes);
    failures.push({ kind, input, detail, saved });
  };
  for (let id = 1; id <= args.runs; id++) {
    const input = makeInput(id, random, corpus);
    if (!worker.alive) await worker.start();
    const r = await worker.run(input, args.timeoutMs);
    if (r.kind !== 'ok') fail(r.kind, input, r.detail);
    if (cliRepo && id % args.cliEvery === 0) {
      cliRuns++;
      const problem = runCliCase(cliRepo, input, args.timeoutMs * 2);
      if (problem) fail('cli', input, problem);
    }
  }
  worker.stop();
  if (cliRepo) rmSync(cliRepo, { recursive: true, force: true });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const count = (k: Failure['kind']) => failures.filter((f) => f.kind === k).length;
  for (const f of failures) {
    process.stdout.write(`${f.kind}: #${f.input.id} [${f.input.target}] ${f.input.shape}\n  ${f.detail.split('\n').slice(0, 4).join('\n  ')}\n  input saved: ${f.saved}\n`);
  }
  process.stdout.write(
    `fuzz: seed ${args.seed}, ${args.runs} inputs from ${corpus.length} fixtures (${cliRuns} also through the command line), ${failures.length} failures (${count('error')} errors, ${count('hang')} hangs, ${count('crash')} crashes, ${count('cli')} command-line failures) in ${seconds} s\n`,
  );
  process.exitCode = failures.length ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`fuzz: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 70;
});
