import { existsSync } from 'node:fs';
import path from 'node:path';
import { runCheck } from '../check/pipeline.js';
import type { CheckOptions } from '../check/types.js';
import { loadConfig } from '../config/discover.js';
import { NotFoundError } from '../errors.js';
import { WAIVER_RULE } from '../policy/evaluate.js';
import { POLICY_WEAKENED_RULE } from '../policy/weakened.js';
import { findingFingerprint } from '../report/fingerprint.js';
import type { Report } from '../report/types.js';
import { findRepo } from '../source/find-repo.js';
import type { GitCache } from '../source/git.js';
import type { Repo } from '../source/types.js';
import { applyBaseline, type BaselinedReport } from './apply.js';
import { BASELINE_FILE, readBaseline, type BaselineEntry } from './file.js';

/** Where the baseline comes from: the default file when present, a named file, or none (`--no-baseline`). */
type BaselineChoice = true | string | false;

interface GateOptions {
  /** The options of the run being gated (repository, config, rules, source). */
  check: CheckOptions;
  baseline: BaselineChoice;
  /** Accept the findings that exist at the merge-base of this revision and the checked commit. */
  newSince?: string;
  /** The run covered the whole repository with every rule, so an entry not found is fixed. */
  wholeRepo: boolean;
}

interface ResolvedBaseline {
  /** Absolute path of the baseline file, and whether it came from the default location. */
  file: string | null;
  origin: 'flag' | 'config' | 'default' | 'none';
}

/** Which baseline file a run reads: --baseline (relative to cwd), config `baseline` (relative to the repository), or the default. */
export async function resolveBaselineFile(check: Pick<CheckOptions, 'cwd' | 'repoDir' | 'configFile' | 'allowJsConfig'>, choice: BaselineChoice): Promise<ResolvedBaseline & { repo: Repo; configFile: string | null }> {
  const repo = findRepo(check.repoDir ? path.resolve(check.cwd, check.repoDir) : check.cwd);
  const loaded = await loadConfig({ searchFrom: repo.dir, file: check.configFile, allowJs: check.allowJsConfig });
  const configFile = loaded.filepath;
  if (choice === false) return { file: null, origin: 'none', repo, configFile };
  if (typeof choice === 'string') return { file: path.resolve(check.cwd, choice), origin: 'flag', repo, configFile };
  if (loaded.config.baseline) return { file: path.resolve(repo.dir, loaded.config.baseline), origin: 'config', repo, configFile };
  return { file: path.join(repo.dir, BASELINE_FILE), origin: 'default', repo, configFile };
}

/** The baseline a run compares with; a file named by flag or config must exist, the default one may not. */
async function loadBaselineEntries(resolved: ResolvedBaseline, configFile: string | null): Promise<BaselineEntry[] | null> {
  if (!resolved.file) return null;
  if (!existsSync(resolved.file)) {
    if (resolved.origin === 'default') return null;
    const where = resolved.origin === 'flag' ? '--baseline' : `"baseline" of ${configFile}`;
    throw new NotFoundError(`baseline file not found: ${resolved.file} (from ${where})`, 'write it with: aiops-guard baseline, or fix the path');
  }
  return (await readBaseline(resolved.file)).findings;
}

/**
 * The fingerprints of the findings at the merge-base of `rev` and the checked commit (HEAD for
 * the working tree and the index). The merge-base is checked whole, with the same config and rules,
 * so a finding that moved to another file is still old.
 */
async function fingerprintsAtMergeBase(check: CheckOptions, rev: string): Promise<{ mergeBase: string | null; fingerprints: Set<string>; places: AcceptedPlaces }> {
  const git = await import('../source/git.js');
  const repo = findRepo(check.repoDir ? path.resolve(check.cwd, check.repoDir) : check.cwd);
  const cache: GitCache = {};
  const source = check.source ?? { mode: 'worktree' };
  const ours = source.mode === 'commit' ? await git.resolveRevision(repo, source.ref, cache) : await git.resolveHead(repo, cache);
  if (!ours) {
    // No commit yet (the hook on the first commit): nothing is old.
    if (rev === 'HEAD') return { mergeBase: null, fingerprints: new Set(), places: new Map() };
    throw new NotFoundError('--new-since needs a commit to compare from, and this repository has none yet', 'commit once, or drop --new-since');
  }
  const other = await git.resolveRevision(repo, rev, cache);
  const mergeBase = await git.findMergeBase(repo, ours, other, cache);
  if (!mergeBase) throw await git.noCommonAncestor(repo, rev, source.mode === 'commit' ? source.ref : 'HEAD');
  const base = await runCheck({ ...check, paths: [], changedSince: undefined, newSince: undefined, source: { mode: 'commit', ref: mergeBase }, onProgress: undefined });
  // What the run says of its policy (a weakening, a waiver without a reason) is judged in the checked run only: the merge-base
  // run reads the same policy, so its copy would accept the weakening the change makes.
  const old = base.findings.filter((f) => !RUN_POLICY_RULES.has(f.ruleId));
  const places: AcceptedPlaces = new Map();
  for (const f of old) addPlace(places, findingFingerprint(f), f.file);
  return { mergeBase, fingerprints: new Set(places.keys()), places };
}

/** Accepted findings by fingerprint: the files each was found in (applyBaseline tells two declarations of one identity apart by them). */
type AcceptedPlaces = Map<string, Set<string>>;

function addPlace(places: AcceptedPlaces, fingerprint: string, file: string): void {
  const files = places.get(fingerprint);
  if (files) files.add(file);
  else places.set(fingerprint, new Set([file]));
}

/** Findings about the run's own policy, not about the files (see fingerprintsAtMergeBase). */
const RUN_POLICY_RULES = new Set([POLICY_WEAKENED_RULE.id, WAIVER_RULE.id]);

/** What a run accepts: the baseline's entries and the findings at the --new-since merge-base (null: none applies). */
export interface Accepted {
  entries: BaselineEntry[] | null;
  since: { mergeBase: string | null; fingerprints: Set<string>; places: AcceptedPlaces } | null;
  baselineFile: string | null;
  /** Every accepted fingerprint, of both. */
  fingerprints: Set<string>;
  /** The files each accepted fingerprint was found in, of both. */
  places: AcceptedPlaces;
}

/** Reads the baseline and checks the --new-since merge-base, once: scan's history walk and its gate use the same answer. */
export async function loadAccepted(options: Omit<GateOptions, 'wholeRepo'>): Promise<Accepted> {
  const resolved = await resolveBaselineFile(options.check, options.baseline);
  const entries = await loadBaselineEntries(resolved, resolved.configFile);
  const since = options.newSince ? await fingerprintsAtMergeBase(options.check, options.newSince) : null;
  const fingerprints = new Set([...(entries ?? []).map((e) => e.fingerprint), ...(since?.fingerprints ?? [])]);
  const places: AcceptedPlaces = new Map();
  for (const e of entries ?? []) addPlace(places, e.fingerprint, e.file);
  for (const [fp, files] of since?.places ?? []) for (const f of files) addPlace(places, fp, f);
  return { entries, since, baselineFile: entries ? resolved.file : null, fingerprints, places };
}

/** Compares a report with the baseline and --new-since; the report is returned as is when neither applies. */
export async function gateReport(
  report: Report,
  options: GateOptions,
  given?: Accepted,
): Promise<{ report: BaselinedReport; absent: BaselineEntry[]; baselineFile: string | null; mergeBase: string | null }> {
  const { entries, since, baselineFile, places } = given ?? (await loadAccepted(options));
  if (!entries && !since) return { report: report as BaselinedReport, absent: [], baselineFile: null, mergeBase: null };
  const { report: out, absent } = applyBaseline(report, { places, entries, countAbsent: options.wholeRepo });
  return { report: out, absent, baselineFile, mergeBase: since?.mergeBase ?? null };
}
