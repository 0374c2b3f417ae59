/**
 * A pull request is checked with the policy it carries: `failOn: never`, a waiver for rule "*" or
 * `exclude: ["**"]` would turn it green. Unless the policy comes from a trusted revision
 * (`--trusted-config`), every way the checked tree weakens the policy compared with the base is a
 * finding, `policy-weakened`, at the line that weakened it. Strengthening is never a finding.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CheckOptions, RunContext } from '../check/types.js';
import { BASELINE_FILE, loadConfigAtCommit } from '../config/trust.js';
import type { GuardConfig, LoadedConfig } from '../config/types.js';
import { maskSecretShapes } from './secret-shapes.js';
import type { ConfigWaiver } from './waivers.js';
import { SEVERITIES, type FailOn, type Finding, type Severity } from '../report/types.js';
import { CASES_DIR } from '../rules/load.js';
import { profileBreadth } from '../rules/profiles.js';
import { findMergeBase, listFilesUnder, readBlobBytes, resolveHead, resolveRevision, type GitCache } from '../source/git.js';
import type { Repo } from '../source/types.js';
import { blobOid } from '../source/worktree.js';

export const POLICY_WEAKENED_RULE = { id: 'policy-weakened', title: 'The change weakens the policy it is checked with', severity: 'high' as Severity };

/** What decides a verdict, on one side of the comparison. */
export interface PolicyState {
  config: GuardConfig;
  /** Repository-relative path of the config file, or null when there is none. */
  file: string | null;
  locate(pointer: string): { line: number; column: number };
  /** User-pack rules by id: `<file>@<blob id>`, so an edit shows as a change. */
  packRules: Map<string, string>;
  /** The baseline file's text, or null when there is none. */
  baseline: string | null;
}

/** One way the policy got weaker: where (file and pointer) and what. */
export interface Weakening {
  file: string;
  pointer: string;
  what: string;
}

/** Files are checked by these globs when the config names none, and these are always left out (source/select.ts). */
const DEFAULT_INCLUDE = ['**/*.yaml', '**/*.yml', '**/*.json'];
const DEFAULT_EXCLUDE = ['**/node_modules/**', '**/package-lock.json', '**/tsconfig*.json', '**/jsconfig*.json', '**/.vscode/**', '**/.devcontainer/**'];
const RULE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** How little a gate fails on: info 0 (fails on everything) … critical 4, never 5. Higher is weaker. */
const gateRank = (f: FailOn | undefined) => (f === 'never' ? SEVERITIES.length : SEVERITIES.length - 1 - SEVERITIES.indexOf(f ?? 'high'));
const severityRank = (s: Severity) => SEVERITIES.indexOf(s);
const waiverKey = (w: ConfigWaiver) => JSON.stringify([w.rule, w.resource ?? null, w.file ?? null]);
const describeWaiver = (w: ConfigWaiver) =>
  `${w.rule === '*' ? 'every rule ("*")' : `rule "${w.rule}"`}${w.resource ? ` on ${w.resource}` : ''}${w.file ? ` in ${w.file}` : ''}${w.resource || w.file ? '' : ' everywhere'}`;

/** The rule ids a config runs, of all the ids there are. */
function runningRules(config: GuardConfig, ids: Iterable<string>): Set<string> {
  const skip = new Set(config.skip ?? []);
  return new Set([...ids].filter((id) => (!config.only?.length || config.only.includes(id)) && !skip.has(id)));
}

/**
 * Every way `current` is weaker than `base`. `builtinSeverity` gives each built-in rule's own severity;
 * user-pack rules are those in the states' `packRules`.
 */
export function comparePolicies(base: PolicyState, current: PolicyState, builtinSeverity: ReadonlyMap<string, Severity>): Weakening[] {
  const out: Weakening[] = [];
  const b = base.config;
  const c = current.config;
  const configFile = current.file ?? base.file ?? '.aiopsrc.json';
  const at = (pointer: string, what: string) => out.push({ file: configFile, pointer: current.file ? pointer : '', what });

  if (gateRank(c.failOn) > gateRank(b.failOn)) at('/failOn', `the gate is lowered from "${b.failOn ?? 'high'}" to "${c.failOn ?? 'high'}"`);
  // A profile runs only the Pod Security Standards rules of its level: every other rule stops running.
  if (profileBreadth(c.profile) < profileBreadth(b.profile)) at('/profile', `the run is narrowed to the rules of the ${c.profile} profile (was: ${b.profile ?? 'every rule'})`);

  const baseIds = new Set([...builtinSeverity.keys(), ...base.packRules.keys()]);
  const currentIds = new Set([...builtinSeverity.keys(), ...current.packRules.keys()]);
  const before = runningRules(b, baseIds);
  const now = runningRules(c, currentIds);
  const leftOut: string[] = [];
  for (const id of [...before].filter((id) => !now.has(id)).sort()) {
    if (!currentIds.has(id)) at('/rules', `rule "${id}" is removed from its pack`);
    else if (c.skip?.includes(id)) at(`/skip/${c.skip.indexOf(id)}`, `rule "${id}" is skipped`);
    else leftOut.push(id);
  }
  if (leftOut.length) {
    const shown = leftOut.slice(0, 5).map((id) => `"${id}"`).join(', ') + (leftOut.length > 5 ? ` and ${leftOut.length - 5} more` : '');
    at('/only', `${leftOut.length === 1 ? 'rule' : `${leftOut.length} rules`} ${shown} no longer ${leftOut.length === 1 ? 'runs' : 'run'} ("only" leaves ${leftOut.length === 1 ? 'it' : 'them'} out)`);
  }
  for (const [id, version] of current.packRules) {
    const old = base.packRules.get(id);
    if (old !== undefined && old !== version && now.has(id)) at('/rules', `rule "${id}" is changed in its pack (${version.split('@')[0]}); a changed rule may check less`);
  }

  // A pack rule's own severity is not known here; an override of it is compared with the other override.
  const severityOf = (cfg: GuardConfig, id: string): Severity | null => cfg.severity?.[id] ?? builtinSeverity.get(id) ?? null;
  for (const id of new Set([...Object.keys(b.severity ?? {}), ...Object.keys(c.severity ?? {})])) {
    const was = severityOf(b, id);
    const is = severityOf(c, id);
    if (was && is && severityRank(is) > severityRank(was) && now.has(id)) at(c.severity?.[id] ? `/severity/${id}` : '/severity', `the severity of "${id}" is lowered from ${was} to ${is}`);
  }

  const baseWaivers = new Map((b.waivers ?? []).map((w) => [waiverKey(w), w]));
  (c.waivers ?? []).forEach((w, i) => {
    const old = baseWaivers.get(waiverKey(w));
    if (!old) return at(`/waivers/${i}`, `a waiver is added for ${describeWaiver(w)}`);
    if (!old.reason?.trim() && w.reason?.trim()) return at(`/waivers/${i}`, `the waiver for ${describeWaiver(w)} is given a reason, so it now applies`);
    if (old.expires && (!w.expires || w.expires > old.expires)) at(`/waivers/${i}`, `the waiver for ${describeWaiver(w)} is extended from ${old.expires} to ${w.expires ?? 'never expiring'}`);
  });

  const baseExclude = new Set([...DEFAULT_EXCLUDE, ...(b.exclude ?? [])]);
  (c.exclude ?? []).forEach((g, i) => {
    if (!baseExclude.has(g)) at(`/exclude/${i}`, `files matching "${g}" are excluded`);
  });
  const baseInclude = b.include?.length ? b.include : DEFAULT_INCLUDE;
  const currentInclude = c.include?.length ? c.include : DEFAULT_INCLUDE;
  const dropped = baseInclude.filter((g) => !currentInclude.includes(g));
  if (dropped.length) at('/include', `"include" no longer covers ${dropped.map((g) => `"${g}"`).join(', ')}`);

  if (b.inlineWaivers === false && c.inlineWaivers !== false) at('/inlineWaivers', 'inline waiver annotations are turned on');

  // A render entry replaces a folder's files with a command's output: the files are no longer what is checked.
  const baseRenders = new Set((b.render ?? []).map((r) => JSON.stringify([r.path, r.command])));
  (c.render ?? []).forEach((r, i) => {
    if (!baseRenders.has(JSON.stringify([r.path, r.command]))) at(`/render/${i}`, `the files under "${r.path || '.'}" are replaced by the output of the command "${maskSecretShapes(r.command)}"`);
  });
  if (c.kustomize === 'off' && b.kustomize !== 'off') at('/kustomize', 'kustomizations are no longer rendered (their overlays are not checked)');

  const baseIgnores = new Set((b.drift?.ignoreDifferences ?? []).map((d) => JSON.stringify(d)));
  (c.drift?.ignoreDifferences ?? []).forEach((d, i) => {
    if (!baseIgnores.has(JSON.stringify(d))) at(`/drift/ignoreDifferences/${i}`, `drift in ${[...(d.pointers ?? []), ...(d.jsonPointers ?? [])].join(', ')}${d.kind ? ` of ${d.kind}` : ''} is ignored`);
  });

  const added = addedBaselineEntries(base.baseline, current.baseline);
  if (added > 0) out.push({ file: BASELINE_FILE, pointer: '', what: `${added} baseline ${added === 1 ? 'entry is' : 'entries are'} added (findings accepted without review)` });
  return out;
}

/** Entries of a baseline file: a list, or the list under `findings`/`entries`, keyed by fingerprint when they have one. */
function baselineEntries(text: string | null): Set<string> {
  if (text === null) return new Set();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return new Set();
  }
  const record = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
  const list = Array.isArray(data) ? data : [record?.findings, record?.entries, record?.baseline].find(Array.isArray) ?? [];
  return new Set(
    (list as unknown[]).map((e) => {
      const fp = e && typeof e === 'object' ? (e as Record<string, unknown>).fingerprint : undefined;
      return typeof fp === 'string' ? fp : JSON.stringify(e);
    }),
  );
}

function addedBaselineEntries(base: string | null, current: string | null): number {
  const before = baselineEntries(base);
  return [...baselineEntries(current)].filter((e) => !before.has(e)).length;
}

/** Turns weakenings into findings at the lines that weakened the policy. */
function weakeningFindings(weakenings: readonly Weakening[], current: PolicyState): Finding[] {
  return weakenings.map((w) => {
    const pos = w.pointer && w.file === current.file ? current.locate(w.pointer) : { line: 1, column: 1 };
    return {
      ruleId: POLICY_WEAKENED_RULE.id,
      severity: POLICY_WEAKENED_RULE.severity,
      title: POLICY_WEAKENED_RULE.title,
      message: `The policy is weakened: ${w.what}`,
      file: w.file,
      line: pos.line,
      column: pos.column,
      endLine: pos.line,
      endColumn: pos.column,
      pointer: w.pointer,
      documentIndex: 0,
      resource: null,
      remediation:
        'Undo the change to the policy, or have it reviewed and merged on its own; CI on pull requests should run with --trusted-config <target branch> so the policy comes from reviewed code.',
      suppressed: null,
    };
  });
}

const toRepoPath = (repo: Repo, abs: string) => path.relative(repo.dir, abs).split(path.sep).join('/');
const isRuleFile = (rel: string) => RULE_EXTENSIONS.has(path.posix.extname(rel)) && !rel.split('/').includes(CASES_DIR);
const ruleIdOf = (rel: string) => path.posix.basename(rel, path.posix.extname(rel));

/** The policy the run uses, as read from the work tree. */
async function currentState(ctx: RunContext): Promise<PolicyState> {
  const { repo, config } = ctx;
  const packRules = new Map<string, string>();
  const { findRuleFiles } = await import('../rules/load.js');
  for (const file of await findRuleFiles(config.config.rules ?? [])) {
    const rel = toRepoPath(repo, file);
    packRules.set(ruleIdOf(rel), `${rel}@${blobOid(await readFile(file))}`);
  }
  let baseline: string | null = null;
  try {
    baseline = await readFile(path.join(repo.dir, BASELINE_FILE), 'utf8');
  } catch {
    baseline = null;
  }
  return { config: config.config, file: config.filepath ? toRepoPath(repo, config.filepath) : null, locate: config.locate, packRules, baseline };
}

/** The policy committed at a commit, as the result cache keeps it (a commit's policy never changes). */
interface CommittedPolicy {
  config: GuardConfig;
  file: string | null;
  packRules: [string, string][];
  baseline: string | null;
}

function isCommittedPolicy(v: unknown): v is CommittedPolicy {
  const c = v as Partial<CommittedPolicy> | null;
  return (
    typeof c === 'object' && c !== null && typeof c.config === 'object' && c.config !== null && (c.file === null || typeof c.file === 'string') &&
    Array.isArray(c.packRules) && c.packRules.every((e) => Array.isArray(e) && e.length === 2 && e.every((x) => typeof x === 'string')) &&
    (c.baseline === null || typeof c.baseline === 'string')
  );
}

/** The policy as committed at `commit`: from the result cache when this build has read that commit before. */
async function committedState(ctx: RunContext, commit: string): Promise<PolicyState> {
  const read = async (): Promise<CommittedPolicy> => {
    const state = await readCommittedState(ctx.repo, commit, ctx.cache);
    return { config: state.config, file: state.file, packRules: [...state.packRules], baseline: state.baseline };
  };
  const results = await ctx.results;
  const kept = results ? await results.atCommit('policy', commit, isCommittedPolicy, read) : await read();
  // Only the checked side's positions are ever asked for.
  return { ...kept, packRules: new Map(kept.packRules), locate: () => ({ line: 1, column: 1 }) };
}

/** The policy as committed at `commit`. */
async function readCommittedState(repo: Repo, commit: string, cache: GitCache): Promise<PolicyState> {
  const loaded: LoadedConfig | null = await loadConfigAtCommit(repo, commit, commit.slice(0, 7), cache).catch(() => null);
  const config = loaded?.config ?? {};
  const packRules = new Map<string, string>();
  for (const p of config.rules ?? []) {
    const rel = path.posix.normalize(p.split('\\').join('/')).replace(/\/+$/, '');
    if (path.posix.isAbsolute(rel) || rel.startsWith('..')) continue;
    for (const f of await listFilesUnder(repo, commit, rel === '.' ? '' : rel, cache)) if (isRuleFile(f.path)) packRules.set(ruleIdOf(f.path), `${f.path}@${f.oid}`);
  }
  const baselineFile = (await listFilesUnder(repo, commit, BASELINE_FILE, cache))[0];
  const baseline = baselineFile ? new TextDecoder().decode(await readBlobBytes(repo, baselineFile.oid, cache)) : null;
  const file = loaded?.filepath ? loaded.filepath.slice(loaded.filepath.indexOf(':') + 1) : null;
  return { config, file, locate: loaded?.locate ?? (() => ({ line: 1, column: 1 })), packRules, baseline };
}

/**
 * The `policy-weakened` findings of a run: the policy in use (config, user packs, baseline) compared with
 * the one committed at the base (the merge-base with --changed-since/--new-since, else HEAD). Nothing when
 * the policy comes from --trusted-config, or when there is no commit to compare with.
 * A gate the change lowered is not honoured (the base's applies, unless --fail-on was given), or
 * `failOn: never` would hide its own finding.
 */
export async function checkPolicyWeakening(ctx: RunContext, options: Pick<CheckOptions, 'changedSince' | 'newSince' | 'failOn'>): Promise<Finding[]> {
  if (ctx.config.trusted) return [];
  const { repo, cache } = ctx;
  const head = await resolveHead(repo, cache);
  if (!head) return [];
  const since = options.changedSince ?? options.newSince;
  const base = since ? await findMergeBase(repo, head, await resolveRevision(repo, since, cache), cache) : head;
  if (!base) return [];
  const { loadBuiltinRules } = await import('../rules/load.js');
  const builtinSeverity = new Map((await loadBuiltinRules()).map((r) => [r.id, r.severity]));
  const current = await currentState(ctx);
  const before = await committedState(ctx, base);
  const weakenings = comparePolicies(before, current, builtinSeverity);
  if (options.failOn === undefined && gateRank(current.config.failOn) > gateRank(before.config.failOn)) ctx.failOn = before.config.failOn ?? 'high';
  return weakeningFindings(weakenings, current);
}
