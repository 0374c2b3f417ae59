import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BaselineEntry } from '../baseline/file.js';
import type { Accepted } from '../baseline/gate.js';
import { parseShard } from '../check/shard.js';
import type { CheckOptions, SourceSpec } from '../check/types.js';
import { UsageError } from '../errors.js';
import { formatText, type FormatOptions, type GroupBy } from '../report/format-text.js';
import { FORMATS, isFormatName, jsonChunks, type FormatName } from '../report/formats.js';
import type { FailOn, Report, Severity } from '../report/types.js';
import { PACKAGE_ROOT } from '../rules/load.js';
import type { Profile } from '../rules/profiles.js';
import type { SourceFlags } from './flags.js';
import { choosePalette, emit, emitChunks } from './output.js';
import { NO_PROGRESS, type ProgressUi } from './progress.js';

const splitIds = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

/** Picks the one snapshot the flags ask for; two at once is a usage error. */
function sourceFromFlags(flags: Pick<SourceFlags, 'ref' | 'staged'>): SourceSpec {
  if (flags.staged && flags.ref) throw new UsageError('--staged and --ref name two different sources; give one', 'use --staged for the pre-commit hook, --ref <rev> for a commit');
  if (flags.staged) return { mode: 'index' };
  if (flags.ref) return { mode: 'commit', ref: flags.ref };
  return { mode: 'worktree' };
}

/** A format by its name, in any case (-f JSON is json). */
function checkFormat(format: string): FormatName {
  const name = format.toLowerCase();
  if (!isFormatName(name)) throw new UsageError(`unknown format "${format}"`, `use one of: ${Object.keys(FORMATS).join(', ')}`);
  return name;
}

/** The format an -o file without -f is written in, by its extension: .json, .sarif, .xml (JUnit); text otherwise. */
function formatForFile(file: string): FormatName {
  const ext = path.extname(file).toLowerCase();
  return ext === '.json' ? 'json' : ext === '.sarif' ? 'sarif' : ext === '.xml' ? 'junit' : 'text';
}

/**
 * Pairs formats with outputs. The last outputs go with the last formats, in order:
 * `-f text -f sarif -o out.sarif` prints text and writes SARIF. At most one format goes to stdout.
 * Without -f, the -o files are written in the formats their names say (`formatForFile`).
 */
export function planOutputs(flags: Pick<SourceFlags, 'format' | 'output'>): { format: FormatName; file?: string }[] {
  const files = flags.output ?? [];
  // No -f: each -o file gets the format its name asks for (report.json is JSON, not the text report under that name).
  if (!flags.format?.length && files.length) return files.map((file) => ({ format: formatForFile(file), file }));
  const formats = (flags.format?.length ? flags.format : ['text']).map(checkFormat);
  if (files.length > formats.length) throw new UsageError(`${files.length} outputs (-o) for ${formats.length} formats (-f)`, 'give one -f for each -o, e.g. -f sarif -o out.sarif');
  const toStdout = formats.length - files.length;
  if (toStdout > 1) throw new UsageError(`${toStdout} formats would go to the terminal at once`, 'give an -o file for all but one -f');
  return formats.map((format, i) => (i < toStdout ? { format } : { format, file: files[i - toStdout]! }));
}

type ReportFlags = Pick<SourceFlags, 'format' | 'output' | 'color' | 'quiet'> & Partial<SourceFlags>;

/**
 * check and scan: compares the report with the baseline and --new-since (the exit code is
 * decided again over the new findings), and says where config, packs and baseline came from.
 */
async function gate(report: Report, flags: ReportFlags, accepted?: Accepted): Promise<{ report: Report; absent: BaselineEntry[] }> {
  if (flags.baseline === undefined && !flags.newSince) return { report, absent: [] };
  const options = optionsFromFlags(flags.paths ?? [], flags as SourceFlags, NO_PROGRESS);
  const { gateReport } = await import('../baseline/gate.js');
  const wholeRepo = !flags.paths?.length && !flags.changedSince && !flags.only && !flags.skip && !flags.profile;
  const gated = await gateReport(report, { check: options, baseline: flags.baseline ?? true, newSince: flags.newSince, wholeRepo }, accepted);
  if (flags.verbose) await describeDiscovery(options, gated.baselineFile, flags);
  if (options.shard && wholeRepo && gated.report.summary.baseline) {
    // One shard cannot tell a fixed entry from one another shard finds: it lists those it did not find, and merge counts them.
    gated.report.summary.baseline = { ...gated.report.summary.baseline, absent: 0, unmatched: gated.absent };
    return { report: gated.report, absent: [] };
  }
  return { report: gated.report, absent: gated.absent };
}

/** --verbose: which config file, which rule packs (precompiled or not), which baseline. */
async function describeDiscovery(options: CheckOptions, baselineFile: string | null, flags: ReportFlags): Promise<void> {
  const { findRepo } = await import('../source/find-repo.js');
  const { loadConfig } = await import('../config/discover.js');
  const { setupRules } = await import('../check/rules-setup.js');
  const repo = findRepo(options.repoDir ? path.resolve(options.cwd, options.repoDir) : options.cwd);
  const loaded = await loadConfig({ searchFrom: repo.dir, file: options.configFile, allowJs: options.allowJsConfig });
  const { rules } = await setupRules(repo, loaded, options);
  const packs = new Map<string, number>();
  for (const r of rules) packs.set(r.pack, (packs.get(r.pack) ?? 0) + 1);
  const precompiled = existsSync(path.join(PACKAGE_ROOT, 'dist', 'generated', 'builtin-rules.js'));
  const lines = [
    `repository: ${repo.dir}`,
    `config: ${loaded.filepath ?? 'none (defaults; aiops-guard init writes one)'}`,
    `rules: ${rules.length} in ${[...packs].map(([p, n]) => `${p} (${n})`).join(', ')}; built-in rules ${precompiled ? 'precompiled (dist/generated/builtin-rules.js)' : 'compiled at run time (dist/generated is missing)'}`,
    `baseline: ${flags.baseline === false ? 'off (--no-baseline)' : (baselineFile ?? 'none')}${flags.newSince ? `; --new-since ${flags.newSince}` : ''}`,
  ];
  process.stderr.write(lines.map((l) => `aiops-guard: ${l}\n`).join(''));
}

/** scan: what the baseline and --new-since accept, read once for the history walk and the gate (undefined: neither applies). */
export async function loadAcceptedFor(flags: ReportFlags): Promise<Accepted | undefined> {
  if (flags.baseline === undefined && !flags.newSince) return undefined;
  const { loadAccepted } = await import('../baseline/gate.js');
  return loadAccepted({ check: optionsFromFlags(flags.paths ?? [], flags as SourceFlags, NO_PROGRESS), baseline: flags.baseline ?? true, newSince: flags.newSince });
}

/**
 * Formats and writes a report (to the terminal and to files); returns its exit code. `absent`: baseline entries a merged
 * report found fixed; `accepted`: the baseline and --new-since already read (scan).
 */
export async function writeReport(given: Report, flags: ReportFlags, merged?: { absent: BaselineEntry[] }, accepted?: Accepted): Promise<number> {
  const plan = planOutputs(flags);
  const { report, absent } = merged ? { report: given, absent: merged.absent } : await gate(given, flags, accepted);
  const code = report.summary.exitCode;
  // Set before writing: when the reader goes away (| head), the process still ends with the verdict.
  process.exitCode = code;
  const palette = await choosePalette(flags);
  const text: FormatOptions = { palette, quiet: flags.quiet, show: flags.show as Severity | 'all' | undefined, groupBy: flags.groupBy as GroupBy | undefined };
  const render = async (format: FormatName, options: FormatOptions) => {
    const out = FORMATS[format](report, options);
    if (format !== 'sarif' || !('baseline' in report.summary)) return out;
    const { addBaselineStates } = await import('../baseline/sarif.js');
    return addBaselineStates(out, report, absent);
  };
  for (const out of plan.filter((o) => o.file)) await emit(await render(out.format, {}), out.file);
  const terminal = plan.find((o) => !o.file);
  if (terminal?.format === 'json') {
    await emitChunks(jsonChunks(report));
  } else if (terminal) {
    await emit(await render(terminal.format, text));
  } else if (!flags.quiet) {
    const summary = formatText(report, { palette, details: false });
    await emit(summary.trimEnd().split('\n').filter(Boolean).join(' · ') + ` · report: ${plan.map((o) => o.file).join(', ')}\n`);
  }
  return code;
}

/** The check options the shared flags ask for. */
export function optionsFromFlags(paths: string[], flags: SourceFlags, progress: ProgressUi): CheckOptions {
  return {
    cwd: process.cwd(),
    repoDir: flags.repo,
    paths,
    source: sourceFromFlags(flags),
    changedSince: flags.changedSince,
    newSince: flags.newSince,
    rules: flags.rules,
    only: splitIds(flags.only),
    skip: splitIds(flags.skip),
    profile: flags.profile as Profile | undefined,
    failOn: flags.failOn as FailOn | undefined,
    inlineWaivers: flags.inlineWaivers === false ? false : undefined,
    configFile: flags.config,
    allowJsConfig: flags.allowJsConfig,
    allowRender: flags.allowRender,
    cache: flags.cache === false ? false : flags.cacheDir,
    shard: flags.shard === undefined ? undefined : parseShard(flags.shard),
    jobs: flags.jobs,
    target: flags.target,
    onProgress: (p) => progress.update(p),
  };
}

