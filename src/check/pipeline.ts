import path from 'node:path';
import type { LoadedConfig } from '../config/types.js';
import { NotFoundError } from '../errors.js';
import { isKustomizationFile } from '../kustomize/targets.js';
import { applyConfigWaivers, WAIVER_RULE } from '../policy/evaluate.js';
import type { CompiledWaiver } from '../policy/waivers.js';
import { checkPolicyWeakening } from '../policy/weakened.js';
import type { Finding, Report, ReportSource } from '../report/types.js';
import { evaluateRelations, mergeRelationFindings } from '../relations/evaluate.js';
import { unpackProjections } from '../relations/project.js';
import type { Repo, SourceFile } from '../source/types.js';
import { collectGarbage } from './collect-garbage.js';
import { createRunContext } from './context.js';
import type { FileResult } from './file-results.js';
import { checkFiles, probeCache, type FileResults } from './files.js';
import { buildReport, compareErrors, compareFindings } from './report.js';
import { inShard, ownsRunFindings } from './shard.js';
import { filterChangedSince, findChartRoots, readSnapshot } from './snapshot.js';
import { evaluateTargets, keepChangedTargets, targetsForRun } from './targets.js';
import type { CheckOptions, CheckResult, RunContext } from './types.js';
import { checkOnThreads, threadsFor } from './worker.js';

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

/** Runs `check`: reads the chosen snapshot, parses it, evaluates the rules. */
export async function runCheckPipeline(options: CheckOptions, given?: RunContext): Promise<CheckResult> {
  const ctx = given ?? (await createRunContext(options));
  // Before the gate is read from ctx: a gate the checked change lowered is not honoured.
  const weakened = options.skipPolicy ? [] : await checkPolicyWeakening(ctx, options);
  const { repo, selection, cache, prepared, policy, waivers, rules, failOn } = ctx;
  const loaded = ctx.config;
  const spec = options.source ?? { mode: 'worktree' };
  // Kustomization files are listed even when the globs would not take them (`Kustomization` has no extension): they decide the targets.
  const kustomize = ctx.config.config.kustomize !== 'off';
  const wanted = kustomize ? (rel: string) => selection.wanted(rel) || isKustomizationFile(rel) : selection.wanted;
  const snapshot = await readSnapshot(repo, spec, wanted, selection.wantDir, cache);
  const missing = selection.unmatched();
  if (missing.length > 0) {
    const where = spec.mode === 'worktree' ? 'the working tree' : spec.mode === 'index' ? 'the index (staged files)' : `commit ${spec.ref}`;
    throw new NotFoundError(`path not found in ${where}: ${missing.join(', ')}`, 'check the paths given on the command line');
  }
  const source: ReportSource = { repo: repo.dir, mode: snapshot.mode, ref: snapshot.ref, commit: snapshot.commit };
  // A part of the repository is not a target: what it lacks may be in a file not read (relations that report a missing object, drift's unmanaged).
  const pathsFrom = options.repoDir ? path.resolve(options.cwd, options.repoDir) : options.cwd;
  const partial = (options.paths ?? []).some((p) => path.resolve(pathsFrom, p) !== repo.dir) || Boolean(options.changedSince);
  options = { ...options, chartRoots: findChartRoots(snapshot.files) };
  // Rendered targets replace the files they are made of: a patch is checked as part of the object it changes.
  const targets = await targetsForRun(ctx, options, spec, snapshot);
  if (targets) snapshot.files = targets.set.plain ? snapshot.files.filter((f) => !targets.set.owned(f.path)) : [];
  else if (kustomize) snapshot.files = snapshot.files.filter((f) => selection.wanted(f.path));
  if (options.changedSince) {
    const { mergeBase, base } = await filterChangedSince(repo, snapshot, options.changedSince, cache);
    source.changedSince = { rev: options.changedSince, mergeBase };
    if (targets) await keepChangedTargets(targets.set, targets.all, base);
  }
  // --shard: after chart roots, targets and --changed-since, which look at every file. A target goes by its path;
  // the files targets read are counted by theirs, so a base two targets share counts once over the shards.
  let targetFiles: number | null = null;
  let outside: SourceFile[] = [];
  if (options.shard) {
    const shard = options.shard;
    outside = snapshot.files.filter((f) => !inShard(f.path, shard));
    snapshot.files = snapshot.files.filter((f) => inShard(f.path, shard));
    snapshot.skipped = snapshot.skipped.filter((s) => inShard(s.path, shard));
    if (targets) {
      targetFiles = [...new Set(targets.set.rendered.flatMap((t) => t.inputs))].filter((p) => inShard(p, shard)).length;
      targets.set.rendered = targets.set.rendered.filter((t) => inShard(t.target, shard));
      targets.set.errors = targets.set.errors.filter((e) => (e.file === null ? ownsRunFindings(shard) : inShard(e.file, shard)));
    }
    source.shard = { ...shard };
  }

  // Only what the cache does not have is worth another thread.
  const resultCache = options.keepDocuments || options.skipPolicy ? null : await ctx.results;
  const probe = resultCache ? await probeCache(snapshot.files, resultCache, options.chartRoots) : { hits: new Map<string, FileResult>(), misses: snapshot.files };
  let results: FileResults;
  if (options.keepDocuments || threadsFor(probe.misses.length, options.jobs) === 1) {
    results = await checkFiles(snapshot.files, ctx, options, probe);
  } else {
    // Parsing is the floor: the files the cache lacks are shared among the threads; this one also hands back the cached results.
    // Worker threads hand back what they computed for this thread's cache, when there is one.
    const { here, workers } = await checkOnThreads(repo, probe.misses, resultCache ? options : { ...options, cache: false }, (share) => {
      const mine = new Set(share.map((f) => f.path));
      const elsewhere = new Set(probe.misses.filter((f) => !mine.has(f.path)).map((f) => f.path));
      return checkFiles(snapshot.files.filter((f) => !elsewhere.has(f.path)), ctx, options, { hits: probe.hits, misses: share });
    });
    results = here;
    for (const other of workers) {
      for (const f of other.fresh ?? []) resultCache?.setFresh(f);
      results.findings.push(...other.findings);
      results.errors.push(...other.errors);
      results.fileCount += other.fileCount;
      results.documentCount += other.documentCount;
      Object.assign(results.documentsPerFile, other.documentsPerFile);
      results.projections.push(...other.projections);
      results.digests.push(...other.digests);
    }
  }
  const { errors, documents } = results;
  let { fileCount, documentCount } = results;
  // Relations over every file's objects (the repository's plain manifests are one target); config waivers after the cache.
  let findings = results.findings;
  if (!options.skipPolicy) {
    // Rules that report a missing object wait for a full check.
    const absent = partial ? rules.filter((r) => r.relation?.require === 'exists' && !r.relation.satisfies) : [];
    // Said only when plain manifests are checked: a rendered target is whole, and its relations all run (evaluateTargets).
    if (absent.length && (snapshot.files.length > 0 || outside.length > 0)) errors.push({ code: 'relations-partial', file: null, line: null, message: `${absent.length} relation rules that report a missing object (${absent.map((r) => r.id).join(', ')}) were not run: only part of the repository is checked (paths or --changed-since); run a full check for them` });
    const relationRules = absent.length ? rules.filter((r) => !absent.includes(r)) : rules;
    // A shard judges relations over every file (the others' only parsed, or taken from the cache), and reports those on its own files.
    const { projections, digests, unloaded } = results;
    if (outside.length && relationRules.some((r) => r.relation)) {
      const theirs = await checkFiles(outside, ctx, { ...options, projectionsOnly: true });
      projections.push(...theirs.projections);
      digests.push(...theirs.digests);
      unloaded.push(...theirs.unloaded);
    }
    const relate = async () => {
      // Cached results come without their projections: read now, by digest; a file whose projections are not in the cache is read again.
      const loaded = [...projections];
      const again = new Set<string>();
      for (const u of unloaded) {
        const packed = resultCache?.projections(u.digest) ?? null;
        if (packed === null) again.add(u.file);
        else loaded.push(packed);
      }
      if (again.size) {
        const files = [...snapshot.files, ...outside].filter((f) => again.has(f.path));
        loaded.push(...(await checkFiles(files, ctx, { ...options, projectionsOnly: true }, { hits: new Map(), misses: files })).projections);
      }
      const objects = unpackProjections(loaded);
      // What reading the files left behind goes before the phase allocates on top of it (the run's peak memory).
      if (objects.length > 0 && relationRules.some((r) => r.relation)) collectGarbage();
      return evaluateRelations(objects, relationRules, { ...policy, waivers: [] });
    };
    // With a result cache every file's projections have a digest: together they key the cached outcome.
    const outcome = resultCache && !partial ? await resultCache.relations(digests, relate) : await relate();
    resultCache?.save();
    const shard = options.shard;
    const mine = shard ? { ...outcome, findings: outcome.findings.filter((f) => inShard(f.file, shard)) } : outcome;
    applyConfigWaivers(mine.findings, waivers);
    findings = mergeRelationFindings(findings, mine);
  }
  if (targets) {
    // After the plain manifests' relations: each rendered target is judged on its own.
    const rendered = evaluateTargets(targets.set, ctx, options);
    findings.push(...rendered.findings);
    documents.push(...rendered.documents);
    errors.push(...targets.set.errors);
    fileCount += targetFiles ?? rendered.fileCount;
    documentCount += rendered.documentCount;
  }
  const total = snapshot.files.length;
  options.onProgress?.({ phase: 'checking', done: fileCount, total });
  if (ownsRunFindings(options.shard)) {
    if (!options.skipPolicy) findings.push(...invalidConfigWaivers(waivers, loaded, repo));
    findings.push(...weakened);
  }
  findings.sort(compareFindings);
  // One order whichever thread, cache or shard each file's result came from.
  errors.push(...snapshot.skipped.map((s) => ({ code: s.code, file: s.path, line: null, message: s.message })));
  errors.sort(compareErrors);
  const rendered = targets?.set.rendered.map((t) => ({ path: t.target, renderer: t.command ? ('command' as const) : ('kustomize' as const), ...(t.command ? { command: t.command } : {}), files: t.inputs.length, documents: t.documents.length }));
  return { repo, source, fileCount, documentCount, documents, findings, errors, rules, failOn, config: loaded, prepared, policy, partial, ...(rendered?.length ? { targets: rendered } : {}) };
}

/** `aiops-guard check` as a library call: the Report of one run. */
export async function runCheck(options: CheckOptions): Promise<Report> {
  return buildReport(await runCheckPipeline(options));
}
