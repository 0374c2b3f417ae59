import { lstatSync, type BigIntStats } from 'node:fs';
import { FIX_SYNTAX, PARSE_ERROR, parseConfigFile, type ConfigDocument, type ParsedFile } from '../parse/documents.js';
import { applyConfigWaivers, evaluateDocument, type PolicyOptions } from '../policy/evaluate.js';
import { packProjections, planProjection, projectDocument, type PackedProjections, type ProjectionPlan } from '../relations/project.js';
import type { Projection } from '../relations/types.js';
import type { Finding, ReportError } from '../report/types.js';
import { DocumentTargets } from '../rules/targets.js';
import type { SourceFile } from '../source/types.js';
import { blobOid } from '../source/worktree.js';
import { freshResult, projectionsDigest, type FileResult, type FileResultCache, type FreshResult } from './file-results.js';
import { isChartTemplate } from './snapshot.js';
import type { CheckOptions, RunContext } from './types.js';

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
    ruleId: PARSE_ERROR,
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
    remediation: f.fix ?? FIX_SYNTAX,
    suppressed: null,
  };
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
  /** What relation rules need of every object, per file (packed when it goes to the cache or another thread), for the relation phase after all files. */
  projections: PackedProjections[];
  /** With a result cache (or on a thread for one): the digest of every file's packed projections, which keys the relation outcome. */
  digests: string[];
  /** Files whose cached result was taken without its projections: loaded by digest only if the relation phase runs. */
  unloaded: { file: string; digest: string }[];
  /** On a worker thread: the results it computed, for the main thread's result cache. */
  fresh?: FreshResult[];
}

/** Files whose results the cache already has, and the others (each with its blob id, and its bytes when they had to be read for it). */
export interface Probe {
  hits: Map<string, FileResult>;
  misses: SourceFile[];
}

/** Looks files up in the result cache: a file from git has its blob id; a work-tree file is read and hashed as git would. */
export async function probeCache(files: readonly SourceFile[], cache: FileResultCache, chartRoots: readonly string[] | undefined): Promise<Probe> {
  const probe: Probe = { hits: new Map(), misses: [] };
  const known = files.filter((f) => f.oid);
  for (const f of known) {
    const cached = cache.get(f.path, f.oid!, isChartTemplate(f.path, chartRoots));
    if (cached) probe.hits.set(f.path, cached);
    else probe.misses.push(f);
  }
  // A file git's index does not vouch for (untracked, changed, or racily clean) may have been hashed by an earlier run.
  const stats = new Map<string, { st: BigIntStats; at: number }>();
  const unknown: SourceFile[] = [];
  for (const f of files) {
    if (f.oid) continue;
    // The listing's stat when it took one (it is older than the read that follows either way).
    const at = f.stat?.at ?? Date.now();
    const st = f.stat?.st ?? (f.abs ? lstatSync(f.abs, { bigint: true, throwIfNoEntry: false }) : undefined);
    const oid = st ? cache.knownOid(f.abs!, st) : null;
    if (st) stats.set(f.path, { st, at });
    if (!oid) {
      unknown.push(f);
      continue;
    }
    const cached = cache.get(f.path, oid, isChartTemplate(f.path, chartRoots));
    if (cached) probe.hits.set(f.path, cached);
    else probe.misses.push({ ...f, oid });
  }
  for await (const { file: f, bytes } of readAhead(unknown)) {
    if (bytes instanceof Error) {
      probe.misses.push(f);
      continue;
    }
    const oid = blobOid(bytes);
    const stat = stats.get(f.path);
    if (stat) cache.recordOid(f.abs!, stat.st, stat.at, oid);
    const cached = cache.get(f.path, oid, isChartTemplate(f.path, chartRoots));
    if (cached) probe.hits.set(f.path, cached);
    else probe.misses.push({ ...f, oid, read: async () => bytes });
  }
  return probe;
}

/**
 * One parsed file's result, as check, the history walk and the result cache all hold it: its
 * findings (unless only its projections are wanted) and, for the relation phase, its projections,
 * packed with their digest or (`pack` false: they stay in this thread's memory) as they are.
 */
export function resultOfFile(parsed: ParsedFile, ctx: RunContext, how: { plan: ProjectionPlan | null; findings: boolean; pack: boolean }): { result: FileResult; projections: Projection[] } {
  const result: FileResult = { findings: [], errors: [], documents: parsed.documents.length };
  if (parsed.failure?.template) result.errors.push(templateError(parsed));
  else if (parsed.failure) result.findings.push(parseErrorFinding(parsed));
  // Config waivers are applied after evaluation (and after the cache), the same for every file.
  const policy: PolicyOptions = { ...ctx.policy, waivers: [] };
  const projections: Projection[] = [];
  for (const doc of parsed.documents) {
    const targets = new DocumentTargets(doc.data);
    if (how.findings) result.findings.push(...evaluateDocument(doc, ctx.prepared, policy, targets));
    // Positions are found now, while the syntax tree is held.
    const projection = how.plan ? projectDocument(doc, how.plan, targets) : null;
    if (projection) projections.push(projection);
  }
  if (projections.length && how.pack) {
    result.projections = packProjections(projections);
    result.projectionsDigest = projectionsDigest(result.projections);
    return { result, projections: [] };
  }
  return { result, projections };
}

/** Reads, parses and evaluates files one at a time: positions are found while a file's syntax tree is held. */
export async function checkFiles(files: SourceFile[], ctx: RunContext, options: CheckOptions, probed?: Probe, fresh?: FreshResult[]): Promise<FileResults> {
  const out: FileResults = { findings: [], errors: [], fileCount: 0, documentCount: 0, documentsPerFile: {}, documents: [], projections: [], digests: [], unloaded: [] };
  // Results by content need no documents kept and every rule run: a plain check.
  const cache = options.keepDocuments || options.skipPolicy ? null : await ctx.results;
  const { hits, misses } = probed ?? (cache ? await probeCache(files, cache, options.chartRoots) : { hits: new Map<string, FileResult>(), misses: files });
  const results = new Map(hits);
  // Projections that stay in this thread's memory are kept as they are: no stringify, no parse.
  const pack = cache !== null || fresh !== undefined || options.packProjections === true;
  const kept = new Map<string, Projection[]>();
  for await (const { file: source, bytes } of readAhead(misses)) {
    const file = source.path;
    if (bytes instanceof Error) {
      results.set(file, { findings: [parseErrorFinding({ file, documents: [], failure: { message: `cannot read file: ${bytes.message}`, line: 1, column: 1 }, release() {} })], errors: [], documents: 0 });
      continue;
    }
    const chart = isChartTemplate(file, options.chartRoots);
    const parsed = parseConfigFile(file, bytes, ctx.limits, { chartTemplate: chart });
    // The plan is made once per rule list, when a file is first parsed (a run of cache hits makes none).
    const { result, projections } = resultOfFile(parsed, ctx, { plan: options.skipPolicy ? null : planProjection(ctx.rules), findings: !options.skipPolicy && !options.projectionsOnly, pack });
    if (projections.length) kept.set(file, projections);
    if (options.keepDocuments) out.documents.push(...parsed.documents);
    parsed.release();
    // A result without its findings is for the relation phase only, never a file's cached result.
    if (!options.projectionsOnly && (cache || fresh)) {
      const record = freshResult(file, source.oid ?? blobOid(bytes), chart, result);
      cache?.setFresh(record);
      fresh?.push(record);
    }
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
    const projections = result.projections ?? kept.get(file);
    if (projections) out.projections.push(projections);
    if (result.projectionsDigest !== undefined) {
      out.digests.push(result.projectionsDigest);
      if (result.projections === undefined) out.unloaded.push({ file, digest: result.projectionsDigest });
    }
  }
  // Saved once, when the run is over (runCheckPipeline): the threads' results and the relation outcome go in the same write.
  return out;
}
