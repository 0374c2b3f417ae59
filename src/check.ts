import { availableParallelism } from 'node:os';
import path from 'node:path';
import picomatch from 'picomatch';
import { loadConfig } from './config/load.js';
import type { LoadedConfig } from './config/types.js';
import { ConfigError, NotFoundError, UsageError } from './errors.js';
import { DEFAULT_LIMITS, parseConfigFile, type ConfigDocument, type ParsedFile, type ParseLimits } from './parse/documents.js';
import { applyConfigWaivers, evaluateDocument, prepareRules, WAIVER_RULE, type PolicyOptions, type PreparedRules } from './policy/evaluate.js';
import { defaultCacheDir } from './cache/result-cache.js';
import { openFileResultCache, type FileResult, type FileResultCache } from './check/file-results.js';
import { compileWaivers, type CompiledWaiver } from './policy/waivers.js';
import { checkPolicyWeakening } from './policy/weakened.js';
import { decideExitCode } from './report/exit-code.js';
import { SEVERITIES, type FailOn, type Finding, type Report, type ReportError, type ReportSource, type RuleInfo, type Severity } from './report/types.js';
import { loadBuiltinRules, loadRuleFiles, mergeRules } from './rules/load.js';
import type { Rule } from './rules/types.js';
import { findRepo } from './source/find-repo.js';
import type { GitCache } from './source/git.js';
import { createSelection, toRepoPaths, type Selection } from './source/select.js';
import type { Repo, Snapshot, SourceFile } from './source/types.js';
import { blobOid, readWorktree } from './source/worktree.js';
import { TOOL_VERSION } from './version.js';

/** Which snapshot of the repository to read configs from. */
export type SourceSpec = { mode: 'worktree' } | { mode: 'index' } | { mode: 'commit'; ref: string };

export interface Progress {
  phase: 'reading' | 'checking';
  done: number;
  total: number;
}

/** Options of a check run; every field is optional but `cwd`. */
export interface CheckOptions {
  /** Folder the command runs in; path arguments are relative to it. */
  cwd: string;
  /** `-C`: a folder inside the repository (default: cwd). */
  repoDir?: string;
  /** Limit the scan to these files or folders. */
  paths?: string[];
  source?: SourceSpec;
  /** Only files that differ from the merge-base with this revision. */
  changedSince?: string;
  /** Extra rule files or folders (relative to cwd). */
  rules?: string[];
  only?: string[];
  skip?: string[];
  failOn?: FailOn;
  /** false ignores `aiops-guard.io/ignore.*` annotations. */
  inlineWaivers?: boolean;
  configFile?: string;
  allowJsConfig?: boolean;
  /** Today, for waiver expiry (tests fix it). */
  now?: Date;
  onProgress?: (p: Progress) => void;
  /** Keep every document's data in the result (drift needs it; a plain check does not, and saves the memory). */
  keepDocuments?: boolean;
  /** Parse only, do not evaluate the rules (drift evaluates just the resources it needs). */
  skipPolicy?: boolean;
  /** false: no result cache; a string: its folder (default: config `cache`, else node_modules/.cache or the user's cache folder). */
  cache?: boolean | string;
  /** Set by the pipeline: folders that hold a Chart.yaml, so their templates/ are known as Helm's. */
  chartRoots?: string[];
}

/** Folders of the snapshot that hold a Helm chart (a Chart.yaml). */
function findChartRoots(files: readonly SourceFile[]): string[] {
  return files.filter((f) => /(^|\/)Chart\.ya?ml$/.test(f.path)).map((f) => f.path.slice(0, f.path.lastIndexOf('/') + 1));
}

/** A file under `templates/` of a folder that holds a Chart.yaml: Helm renders it, it is not a manifest. */
function isChartTemplate(file: string, chartRoots: readonly string[] | undefined): boolean {
  return !!chartRoots?.some((root) => file.startsWith(root + 'templates/'));
}

export interface RuleSetup {
  rules: Rule[];
  all: Rule[];
}

/**
 * Built-in rules, plus the config's and the command line's, filtered by only/skip. Every rule id the
 * config or the flags name (waivers, severity, only, skip) must name a rule: a typo would otherwise
 * silently waive, re-rate or run nothing. only/skip take the same globs as waivers (`k8s-*`).
 */
export async function setupRules(repo: Repo, loaded: LoadedConfig, options: Pick<CheckOptions, 'cwd' | 'rules' | 'only' | 'skip'>): Promise<RuleSetup> {
  const extra = [
    ...(loaded.config.rules ?? []).map((p) => path.resolve(repo.dir, p)),
    ...(options.rules ?? []).map((p) => path.resolve(options.cwd, p)),
  ];
  const all = mergeRules([await loadBuiltinRules(), await loadRuleFiles(extra)]);
  const ids = all.map((r) => r.id);
  const isGlob = (s: string) => /[*?[\]{}!]/.test(s);
  const matcher = (pattern: string): ((id: string) => boolean) => {
    if (!isGlob(pattern)) return (id) => id === pattern;
    const glob = picomatch(pattern);
    // One argument only: picomatch's second one asks for a result object, which is always truthy.
    return (id) => glob(id);
  };
  /** Edit distance, for "did you mean": a typo is one or two keystrokes away. */
  const distance = (a: string, b: string): number => {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const row = [i];
      for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row;
    }
    return prev[b.length]!;
  };
  const suggest = (id: string): string | null => {
    let best: string | null = null;
    let bestDistance = Math.max(2, Math.floor(id.length / 4)) + 1;
    for (const known of ids) {
      const d = known.startsWith(id) || known.endsWith(`-${id}`) ? 1 : distance(id, known);
      if (d < bestDistance || (d === bestDistance && best !== null && known < best)) [best, bestDistance] = [known, d];
    }
    return best;
  };
  const fail = (id: string, where: string, from: 'flag' | 'config'): never => {
    const near = suggest(id);
    const msg = `unknown rule id "${id}" in ${where}`;
    const hint = near ? `did you mean "${near}"? (see the ids with: aiops-guard rules list)` : 'see the ids with: aiops-guard rules list';
    throw from === 'flag' ? new UsageError(msg, hint) : new ConfigError(msg, hint);
  };
  const configName = loaded.filepath ?? 'the config';
  const resolveList = (list: string[] | undefined, where: string, from: 'flag' | 'config'): ((id: string) => boolean) | null => {
    if (!list?.length) return null;
    const tests = list.map((pattern) => {
      const test = matcher(pattern);
      if (!ids.some(test)) fail(pattern, where, from);
      return test;
    });
    return (id) => tests.some((t) => t(id));
  };
  const flagOnly = resolveList(options.only, '--only', 'flag');
  const flagSkip = resolveList(options.skip, '--skip', 'flag');
  const configOnly = resolveList(loaded.config.only, `"only" of ${configName}`, 'config');
  const configSkip = resolveList(loaded.config.skip, `"skip" of ${configName}`, 'config');
  for (const id of Object.keys(loaded.config.severity ?? {})) {
    if (!ids.includes(id)) fail(id, `"severity" of ${configName}`, 'config');
  }
  (loaded.config.waivers ?? []).forEach((w, i) => {
    if (!ids.some(matcher(w.rule))) {
      const at = loaded.locate(`/waivers/${i}/rule`);
      fail(w.rule, `waivers[${i}].rule of ${configName}${loaded.filepath ? `:${at.line}:${at.column}` : ''}`, 'config');
    }
  });
  const only = flagOnly ?? configOnly;
  const rules = all.filter((r) => (!only || only(r.id)) && !flagSkip?.(r.id) && !configSkip?.(r.id));
  return { rules, all };
}

async function readSnapshot(repo: Repo, spec: SourceSpec, wanted: (r: string) => boolean, wantDir: (r: string) => boolean, cache: GitCache): Promise<Snapshot> {
  if (spec.mode === 'worktree') return readWorktree(repo, wanted, wantDir);
  const git = await import('./source/git.js');
  if (spec.mode === 'index') return git.readIndexSnapshot(repo, wanted, cache, wantDir);
  return git.readCommitSnapshot(repo, spec.ref, wanted, wantDir, cache);
}

/** Keeps the files whose content differs from the merge-base of the snapshot's commit and `rev`. */
async function filterChangedSince(repo: Repo, snapshot: Snapshot, rev: string, cache: GitCache): Promise<{ mergeBase: string }> {
  const git = await import('./source/git.js');
  const other = await git.resolveRevision(repo, rev, cache);
  const ours = snapshot.commit ?? (await git.resolveHead(repo, cache));
  if (!ours) throw new NotFoundError('--changed-since needs a commit to compare from, and this repository has none yet');
  const mergeBase = await git.findMergeBase(repo, ours, other, cache);
  if (!mergeBase) throw new NotFoundError(`no common ancestor between ${rev} and ${snapshot.ref ?? 'HEAD'}`, 'give a revision that shares history with the checked one');
  const base = await git.listTreeOids(repo, mergeBase, cache);
  const kept = [];
  for (const f of snapshot.files) {
    const oid = f.oid ?? blobOid(await f.read());
    if (base.get(f.path) !== oid) kept.push(f);
  }
  snapshot.files = kept;
  return { mergeBase };
}

/** Reads files in order, with a few reads in flight ahead of the one being parsed. */
async function* readAhead(files: readonly SourceFile[], window = 8): AsyncGenerator<{ file: SourceFile; bytes: Uint8Array | Error }> {
  const pending: Promise<Uint8Array | Error>[] = [];
  const start = (i: number) => files[i]!.read().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  for (let i = 0; i < Math.min(window, files.length); i++) pending.push(start(i));
  for (let i = 0; i < files.length; i++) {
    const bytes = await pending[i]!;
    if (i + window < files.length) pending.push(start(i + window));
    delete pending[i];
    yield { file: files[i]!, bytes };
  }
}

/** A template is listed as not checked: `helm-template` for a chart's templates, `template` for any other. */
export function templateError(p: ParsedFile): ReportError {
  const f = p.failure!;
  return f.template === 'chart'
    ? { code: 'helm-template', file: p.file, line: null, message: f.message }
    : { code: 'template', file: p.file, line: f.line, message: f.message };
}

export function parseErrorFinding(p: ParsedFile): Finding {
  const f = p.failure!;
  return {
    ruleId: 'parse-error',
    severity: 'critical',
    title: 'File cannot be parsed',
    message: f.message,
    file: p.file,
    line: f.line,
    column: f.column,
    endLine: f.line,
    endColumn: f.column,
    pointer: '',
    documentIndex: 0,
    resource: null,
    remediation: 'Fix the file so it parses as YAML 1.1 or JSON; a file that cannot be read is never counted as clean.',
    suppressed: null,
  };
}

/** Config waivers that waive nothing: no reason, or past their expiry date. */
function invalidConfigWaivers(waivers: readonly CompiledWaiver[], loaded: LoadedConfig, repo: Repo): Finding[] {
  const file = loaded.filepath ? path.relative(repo.dir, loaded.filepath).split(path.sep).join('/') : '.aiopsrc.json';
  const out: Finding[] = [];
  for (const w of waivers) {
    const problems: string[] = [];
    if (!w.waiver.reason?.trim()) problems.push('has no reason');
    if (w.expired) problems.push(`expired on ${w.waiver.expires}`);
    if (problems.length === 0) continue;
    const pointer = `/waivers/${w.index}`;
    const at = loaded.locate(pointer);
    out.push({
      ruleId: WAIVER_RULE.id,
      severity: WAIVER_RULE.severity,
      title: WAIVER_RULE.title,
      message: `Waiver for "${w.waiver.rule}" ${problems.join(' and ')}, so it waives nothing`,
      file,
      line: at.line,
      column: at.column,
      endLine: at.line,
      endColumn: at.column,
      pointer,
      documentIndex: 0,
      resource: null,
      remediation: 'Give every waiver a "reason"; renew or remove an expired waiver once the finding is fixed or re-reviewed.',
      suppressed: null,
    });
  }
  return out;
}

export function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0);
}

function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) if (!f.suppressed) counts[f.severity]++;
  return counts;
}

/** Everything a check produced, before it is shaped into a Report. */
export interface CheckResult {
  repo: Repo;
  source: ReportSource;
  fileCount: number;
  documentCount: number;
  /** Filled only with `keepDocuments`. */
  documents: ConfigDocument[];
  findings: Finding[];
  errors: ReportError[];
  rules: Rule[];
  failOn: FailOn;
  config: LoadedConfig;
  /** The run's prepared rules and policy settings, to evaluate more documents the same way. */
  prepared: PreparedRules;
  policy: PolicyOptions;
}

/** What every command that reads configs sets up once: repository, config, rules, policy, file selection. */
export interface RunContext {
  repo: Repo;
  config: LoadedConfig;
  rules: Rule[];
  prepared: PreparedRules;
  policy: PolicyOptions;
  waivers: CompiledWaiver[];
  selection: Selection;
  limits: ParseLimits;
  failOn: FailOn;
  /** isomorphic-git's object cache, shared by every git read of the run. */
  cache: GitCache;
  /** Results by file content kept between runs (null with --no-cache, or when this build has no identity). */
  results: Promise<FileResultCache | null>;
}

export async function createRunContext(options: CheckOptions): Promise<RunContext> {
  const base = options.repoDir ? path.resolve(options.cwd, options.repoDir) : options.cwd;
  const repo = findRepo(base);
  const loaded = await loadConfig({ searchFrom: repo.dir, file: options.configFile, allowJs: options.allowJsConfig });
  const { config } = loaded;
  const { rules, all } = await setupRules(repo, loaded, options);
  const selection = createSelection({ include: config.include, exclude: config.exclude, paths: toRepoPaths(repo.dir, base, options.paths ?? []) });
  const waivers = compileWaivers(config.waivers ?? [], options.now ?? new Date());
  const limits: ParseLimits = { ...DEFAULT_LIMITS, maxFileBytes: config.maxFileBytes ?? DEFAULT_LIMITS.maxFileBytes, maxDocuments: config.maxDocuments ?? DEFAULT_LIMITS.maxDocuments };
  const policy: PolicyOptions = {
    severity: config.severity,
    inlineWaivers: options.inlineWaivers ?? config.inlineWaivers ?? true,
    waivers,
    knownRuleIds: new Set(all.map((r) => r.id)),
  };
  return {
    repo,
    config: loaded,
    rules,
    prepared: prepareRules(rules),
    policy,
    waivers,
    selection,
    limits,
    failOn: options.failOn ?? config.failOn ?? 'high',
    cache: {},
    results: openResults(repo, config.cache, options.cache, rules, policy, limits),
  };
}

/** The result cache a run uses: `--no-cache`/`--cache-dir` first, then config `cache` (false, or a folder), else the default folder. */
function openResults(repo: Repo, fromConfig: boolean | string | undefined, fromOptions: CheckOptions['cache'], rules: readonly Rule[], policy: PolicyOptions, limits: ParseLimits): Promise<FileResultCache | null> {
  const setting = fromOptions ?? fromConfig ?? true;
  if (setting === false) return Promise.resolve(null);
  const dir = typeof setting === 'string' ? path.resolve(repo.dir, setting) : defaultCacheDir(repo.dir);
  return openFileResultCache(dir, rules, policy, limits);
}

/** Runs `check`: reads the chosen snapshot, parses it, evaluates the rules. */
export async function runCheckPipeline(options: CheckOptions, given?: RunContext): Promise<CheckResult> {
  const ctx = given ?? (await createRunContext(options));
  // Before the gate is read from ctx: a gate the checked change lowered is not honoured.
  const weakened = options.skipPolicy ? [] : await checkPolicyWeakening(ctx, options);
  const { repo, selection, cache, prepared, policy, waivers, rules, failOn } = ctx;
  const loaded = ctx.config;
  const spec = options.source ?? { mode: 'worktree' };
  const snapshot = await readSnapshot(repo, spec, selection.wanted, selection.wantDir, cache);
  const missing = selection.unmatched();
  if (missing.length > 0) {
    const where = spec.mode === 'worktree' ? 'the working tree' : spec.mode === 'index' ? 'the index (staged files)' : `commit ${spec.ref}`;
    throw new NotFoundError(`path not found in ${where}: ${missing.join(', ')}`, 'check the paths given on the command line');
  }
  const source: ReportSource = { repo: repo.dir, mode: snapshot.mode, ref: snapshot.ref, commit: snapshot.commit };
  options = { ...options, chartRoots: findChartRoots(snapshot.files) };
  if (options.changedSince) {
    const { mergeBase } = await filterChangedSince(repo, snapshot, options.changedSince, cache);
    source.changedSince = { rev: options.changedSince, mergeBase };
  }

  // Only what the cache does not have is worth another thread.
  const resultCache = options.keepDocuments || options.skipPolicy ? null : await ctx.results;
  const probe = resultCache ? await probeCache(snapshot.files, resultCache, options.chartRoots) : { hits: new Map<string, FileResult>(), misses: snapshot.files };
  const parallel = !options.keepDocuments && worthASecondThread(probe.misses.length);
  let results: FileResults;
  if (parallel) {
    // A second thread parses the second half of the files; this one, the first. Parsing is the floor.
    const { checkInWorker } = await import('./parallel/run-worker.js');
    const half = Math.ceil(probe.misses.length / 2);
    const theirFiles = probe.misses.slice(half);
    const theirs = new Set(theirFiles.map((f) => f.path));
    const [mine, other] = await Promise.all([
      checkFiles(snapshot.files.filter((f) => !theirs.has(f.path)), ctx, options, { hits: probe.hits, misses: probe.misses.slice(0, half) }),
      checkInWorker(repo, theirFiles, options),
    ]);
    results = {
      findings: [...mine.findings, ...other.findings],
      errors: [...mine.errors, ...other.errors],
      fileCount: mine.fileCount + other.fileCount,
      documentCount: mine.documentCount + other.documentCount,
      documentsPerFile: { ...mine.documentsPerFile, ...other.documentsPerFile },
      documents: [],
    };
  } else {
    results = await checkFiles(snapshot.files, ctx, options, probe);
  }
  const { findings, errors, fileCount, documentCount, documents } = results;
  const total = snapshot.files.length;
  options.onProgress?.({ phase: 'checking', done: fileCount, total });
  if (!options.skipPolicy) findings.push(...invalidConfigWaivers(waivers, loaded, repo));
  findings.push(...weakened);
  findings.sort(compareFindings);
  // One order whichever thread or cache each file's result came from.
  errors.sort((a, b) => ((a.file ?? '') < (b.file ?? '') ? -1 : (a.file ?? '') > (b.file ?? '') ? 1 : 0));
  errors.unshift(...snapshot.skipped.map((s) => ({ code: s.code, file: s.path, line: null, message: s.message })));
  return { repo, source, fileCount, documentCount, documents, findings, errors, rules, failOn, config: loaded, prepared, policy };
}

/** A second thread pays for its start-up from 400 files on (AIOPS_GUARD_PARALLEL_MIN_FILES), given two cores. */
export function worthASecondThread(files: number): boolean {
  return files >= Number(process.env.AIOPS_GUARD_PARALLEL_MIN_FILES ?? 400) && availableParallelism() >= 2;
}

/** What checking a list of files found. */
export interface FileResults {
  findings: Finding[];
  errors: ReportError[];
  fileCount: number;
  documentCount: number;
  /** Documents per file path, for callers that cache results per file. */
  documentsPerFile: Record<string, number>;
  /** Filled only with `keepDocuments`. */
  documents: ConfigDocument[];
}

/** Files whose results the cache already has, and the others (each with its blob id, and its bytes when they had to be read for it). */
interface Probe {
  hits: Map<string, FileResult>;
  misses: SourceFile[];
}

/** Looks files up in the result cache: a file from git has its blob id; a work-tree file is read and hashed as git would. */
async function probeCache(files: readonly SourceFile[], cache: FileResultCache, chartRoots: readonly string[] | undefined): Promise<Probe> {
  const probe: Probe = { hits: new Map(), misses: [] };
  const known = files.filter((f) => f.oid);
  for (const f of known) {
    const cached = cache.get(f.path, f.oid!, isChartTemplate(f.path, chartRoots));
    if (cached) probe.hits.set(f.path, cached);
    else probe.misses.push(f);
  }
  for await (const { file: f, bytes } of readAhead(files.filter((x) => !x.oid))) {
    if (bytes instanceof Error) {
      probe.misses.push(f);
      continue;
    }
    const oid = blobOid(bytes);
    const cached = cache.get(f.path, oid, isChartTemplate(f.path, chartRoots));
    if (cached) probe.hits.set(f.path, cached);
    else probe.misses.push({ ...f, oid, read: async () => bytes });
  }
  return probe;
}

/** Reads, parses and evaluates files one at a time: positions are found while a file's syntax tree is held. */
export async function checkFiles(files: SourceFile[], ctx: RunContext, options: CheckOptions, probed?: Probe): Promise<FileResults> {
  const out: FileResults = { findings: [], errors: [], fileCount: 0, documentCount: 0, documentsPerFile: {}, documents: [] };
  // Results by content need no documents kept and every rule run: a plain check.
  const cache = options.keepDocuments || options.skipPolicy ? null : await ctx.results;
  const { hits, misses } = probed ?? (cache ? await probeCache(files, cache, options.chartRoots) : { hits: new Map<string, FileResult>(), misses: files });
  const results = new Map(hits);
  // Config waivers are applied after evaluation (and after the cache), the same for every file.
  const policy: PolicyOptions = { ...ctx.policy, waivers: [] };
  for await (const { file: source, bytes } of readAhead(misses)) {
    const file = source.path;
    if (bytes instanceof Error) {
      results.set(file, { findings: [parseErrorFinding({ file, documents: [], failure: { message: `cannot read file: ${bytes.message}`, line: 1, column: 1 }, release() {} })], errors: [], documents: 0 });
      continue;
    }
    const chart = isChartTemplate(file, options.chartRoots);
    const parsed = parseConfigFile(file, bytes, ctx.limits, { chartTemplate: chart });
    const result: FileResult = { findings: [], errors: [], documents: parsed.documents.length };
    if (parsed.failure?.template) result.errors.push(templateError(parsed));
    else if (parsed.failure) result.findings.push(parseErrorFinding(parsed));
    if (!options.skipPolicy) for (const doc of parsed.documents) result.findings.push(...evaluateDocument(doc, ctx.prepared, policy));
    if (options.keepDocuments) out.documents.push(...parsed.documents);
    parsed.release();
    cache?.set(file, source.oid ?? blobOid(bytes), chart, result);
    results.set(file, result);
    if (results.size % 100 === 0) options.onProgress?.({ phase: 'reading', done: results.size, total: files.length });
  }
  // In the order given, whichever way each result came.
  for (const { path: file } of files) {
    const result = results.get(file);
    if (!result) continue;
    applyConfigWaivers(result.findings, ctx.waivers);
    out.fileCount++;
    out.findings.push(...result.findings);
    out.errors.push(...result.errors);
    out.documentCount += result.documents;
    out.documentsPerFile[file] = result.documents;
  }
  cache?.prune();
  return out;
}

/** The parts every report is made of. */
export interface ReportParts {
  source: ReportSource;
  findings: Finding[];
  errors: ReportError[];
  files: number;
  documents: number;
  rules: readonly Rule[];
  failOn: FailOn;
}

/** Puts the versioned JSON report together; the exit code is decided from findings (and drift, added later). */
export function assembleReport(parts: ReportParts): Report {
  const { findings, failOn } = parts;
  return {
    version: 1,
    tool: { name: 'aiops-guard', version: TOOL_VERSION },
    source: parts.source,
    summary: {
      files: parts.files,
      documents: parts.documents,
      rules: parts.rules.length,
      findings: countBySeverity(findings),
      suppressed: findings.filter((f) => f.suppressed).length,
      drifted: 0,
      failOn,
      exitCode: decideExitCode(findings, failOn, 0, parts.errors),
    },
    findings,
    errors: parts.errors,
    rules: referencedRules(parts.rules, findings),
  };
}

/** Rules the findings name, with the tool's own checks (parse errors, waivers, drift) described too. */
export function referencedRules(rules: readonly Rule[], findings: readonly Finding[]): RuleInfo[] {
  const ids = new Set(findings.map((f) => f.ruleId));
  const out: RuleInfo[] = [];
  for (const r of rules) {
    if (!ids.has(r.id)) continue;
    out.push({ id: r.id, title: r.title, severity: r.severity, category: r.category, description: r.description, remediation: r.remediation, references: r.references ?? [] });
    ids.delete(r.id);
  }
  for (const id of ids) {
    const f = findings.find((x) => x.ruleId === id)!;
    out.push({ id, title: f.title, severity: f.severity, category: 'aiops-guard', description: f.title, remediation: f.remediation, references: [] });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Shapes a check result into the versioned JSON report. */
export function buildReport(result: CheckResult): Report {
  return assembleReport({ ...result, files: result.fileCount, documents: result.documentCount });
}

/** `aiops-guard check` as a library call: the Report of one run. */
export async function runCheck(options: CheckOptions): Promise<Report> {
  return buildReport(await runCheckPipeline(options));
}
