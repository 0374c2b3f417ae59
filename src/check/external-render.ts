import type { RenderEntry } from '../config/types.js';
import { ConfigError } from '../errors.js';
import type { KustomizeFiles } from '../kustomize/files.js';
import { parseConfigText, type ConfigDocument } from '../parse/documents.js';
import { maskSecretShapes } from '../policy/secret-shapes.js';
import type { ReportError } from '../report/types.js';
import type { Snapshot } from '../source/types.js';
import type { RenderedTarget, TargetSettings } from './types.js';

/** A render entry of the config, its path normalised, with its index in `render` (for errors). */
export interface ExternalRender extends RenderEntry {
  index: number;
}

const DEFAULT_TIMEOUT_SECONDS = 60;
/** Rendered output larger than this is refused (a renderer gone wrong), as a file over maxFileBytes would be. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * The file name findings of an external target carry: the target's folder and `(rendered)`, since the
 * objects exist only in the command's output; line and column are in that output (the report's
 * `targets` entry names the command).
 */
export function renderedFileOf(target: string): string {
  return target ? `${target}/(rendered)` : '(rendered)';
}

/**
 * Splits a command line into arguments as a POSIX shell splits words, without running a shell:
 * single quotes keep everything, double quotes keep all but `\"` and `\\`, a backslash outside quotes
 * escapes the next character. No variables, globs, pipes or redirections. Null when a quote is not closed.
 */
export function splitCommand(command: string): string[] | null {
  const args: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) return null;
      word += command.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < command.length && command[j] !== '"'; j++) {
        if (command[j] === '\\' && (command[j + 1] === '"' || command[j + 1] === '\\')) j++;
        word += command[j];
      }
      if (j >= command.length) return null;
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) args.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) args.push(word);
  return args;
}

/** A render entry that cannot work as written is a config error (exit 78), with its line in the config. */
export function checkRenderEntry(entry: ExternalRender, settings: Pick<TargetSettings, 'config'>): string[] {
  const loaded = settings.config;
  const where = (key: string) => {
    const at = loaded.locate(`/render/${entry.index}/${key}`);
    return `${loaded.filepath ?? '.aiopsrc.json'}:${at.line}:${at.column}: render[${entry.index}].${key}`;
  };
  if (entry.path.startsWith('../') || entry.path === '..' || entry.path.startsWith('/')) {
    throw new ConfigError(`${where('path')} "${entry.path}" is outside the repository`, 'give the target folder relative to the repository root, e.g. "charts/web"');
  }
  const argv = splitCommand(entry.command);
  if (argv === null) throw new ConfigError(`${where('command')} has a quote that is not closed`, 'close the quote; the command is split into arguments as a shell would, but no shell runs it');
  if (argv.length === 0) throw new ConfigError(`${where('command')} is empty`, 'give the command that prints the target\'s manifests, e.g. "helm template web charts/web"');
  return argv;
}

/** Runs a render command. node:child_process loads here, when a target has one (a warm check does not pay for it). */
async function run(argv: string[], cwd: string, timeoutMs: number): Promise<{ stdout: string } | { failure: string }> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { cwd, timeout: timeoutMs, maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8', windowsHide: true }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: number | string };
      const said = maskSecretShapes(stderr.trim().split('\n').slice(0, 3).join(' ').slice(0, 300));
      if (e.code === 'ENOENT') return resolve({ failure: `command "${argv[0]}" was not found` });
      if (e.killed && e.signal) return resolve({ failure: `the command did not finish within ${timeoutMs / 1000} s and was stopped` });
      if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return resolve({ failure: `the command printed more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MB` });
      resolve({ failure: `the command failed (exit ${typeof e.code === 'number' ? e.code : (e.signal ?? e.code)})${said ? `: ${said}` : ''}` });
    });
  });
}

/**
 * Runs a render entry's command and reads its standard output as the target's objects. The command
 * reads the working tree, so with --ref or --staged it runs only when the config allows it.
 */
export async function renderExternal(entry: ExternalRender, settings: TargetSettings, files: KustomizeFiles, all: Pick<Snapshot, 'files'>): Promise<{ rendered: RenderedTarget } | { error: ReportError }> {
  const argv = checkRenderEntry(entry, settings);
  const at = settings.config.locate(`/render/${entry.index}/command`);
  const configFile = settings.config.filepath ? settings.config.filepath.slice(settings.repo.dir.length + 1) : '.aiopsrc.json';
  const fail = (why: string) => ({ error: { code: 'not-rendered', file: configFile, line: at.line, message: `not rendered: ${why} (target ${entry.path || '.'} is not checked)` } });
  // The command line and its error output may hold a credential (--password=…): masked like any secret in a message.
  const shown = maskSecretShapes(entry.command);
  // A command from the config is code from the repository: it runs only when the config is trusted, as a JS config does.
  if (!settings.config.trusted && !settings.allowRender) {
    return fail(`its render command "${shown}" runs code from the repository's config; pass --allow-render if you trust this repository (on pull requests, use --trusted-config instead: the target branch's commands run)`);
  }
  if (settings.mode !== 'worktree' && !settings.config.config.allowExternal) {
    const source = settings.mode === 'index' ? 'the index (--staged)' : 'the commit (--ref)';
    return fail(`its render command "${shown}" would read the working tree, not ${source}; set "allowExternal": true in the config to run it anyway`);
  }
  if (entry.path !== '' && !files.isDirectory(entry.path)) return fail(`folder ${entry.path} does not exist`);
  const timeout = (entry.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const out = await run(argv, settings.repo.dir, timeout);
  if ('failure' in out) return fail(`"${shown}": ${out.failure}`);
  const file = renderedFileOf(entry.path);
  const parsed = parseConfigText(file, out.stdout, undefined, { rendered: true });
  parsed.release();
  if (parsed.failure) return fail(`the output of "${shown}" cannot be read at line ${parsed.failure.line}: ${parsed.failure.message}`);
  const documents: ConfigDocument[] = parsed.documents.map((d) => ({ ...d, target: entry.path }));
  const inputs = all.files.map((f) => f.path).filter((p) => entry.path === '' || p.startsWith(entry.path + '/'));
  return { rendered: { target: entry.path, documents, inputs, command: shown } };
}
