import type { CheckOptions, RunContext } from '../check.js';
import { driftKey } from '../drift/identity.js';
import { diffResources } from '../drift/diff.js';
import { lastAppliedOf, normalizeDesired, type DriftResult } from '../drift/run.js';
import type { CommitRef, Culprit, Finding, LiveMatch, RollbackSuggestion } from '../report/types.js';
import { resolveRevision } from '../source/git.js';
import { firstParentHistory, type HistoryCommit } from './commits.js';
import { HistoryEvaluator } from './evaluator.js';

export const DEFAULT_MAX_COMMITS = 200;

/** What identifies "the same finding" across commits: lines move, pointers and resources do not. */
function findingKey(f: Finding): string {
  const r = f.resource;
  return [f.ruleId, f.file, r ? `${r.group}/${r.kind}/${r.namespace ?? ''}/${r.name ?? ''}` : '', f.pointer].join('\u0000');
}

const ref = (c: HistoryCommit): CommitRef => ({ sha: c.sha, subject: c.subject, author: c.author, date: c.date });
const short = (sha: string) => sha.slice(0, 7);

export interface RollbackOptions {
  /** Where the walk starts: HEAD, or a revision. */
  start: string;
  maxCommits: number;
  /** With a drift result: find the commit each drifted resource's live version equals. */
  drift?: DriftResult;
  /** The run's options (rules, config, waivers), so another thread can check with the same settings. */
  checkOptions?: CheckOptions;
}

/**
 * Walks first-parent history from `start` and suggests how to get back to a state that passes
 * the gate: the newest passing commit, the commits that introduced each failing finding, and the
 * git commands. Reads git objects only; changes nothing.
 */
export async function suggestRollback(
  ctx: RunContext,
  options: RollbackOptions,
): Promise<{ suggestion: RollbackSuggestion; head: { findings: Finding[]; files: number; documents: number } }> {
  const startSha = await resolveRevision(ctx.repo, options.start, ctx.cache);
  const evaluator = new HistoryEvaluator(ctx, options.checkOptions);
  const stop: { reason: 'root' | 'limit' | 'shallow' | null } = { reason: null };
  const commits: HistoryCommit[] = [];
  const keysAt: Set<string>[] = [];
  let headGating: Finding[] = [];
  let lastGood: HistoryCommit | null = null;

  // Drifted resources still looking for the commit that live equals.
  const pending = new Map<string, DriftResult['items'][number]>();
  for (const item of options.drift?.items ?? []) {
    if (item.status === 'modified' && item.file) pending.set(driftKey(item.resource, options.drift!.defaultNamespace), item);
  }
  const matches = new Map<string, { sha: string; behind: number }>();

  let answered = false;
  for await (const commit of firstParentHistory(ctx.repo, startSha, options.maxCommits, ctx.cache, stop)) {
    const i = commits.length;
    commits.push(commit);
    // The start commit is checked in full; on a large tree, two threads share that work.
    if (i === 0 && !options.drift) await evaluator.prefill(commit.tree);
    const gating = await evaluator.gatingFindings(commit.tree);
    if (i === 0) headGating = gating;
    keysAt.push(new Set(gating.map(findingKey)));
    if (!lastGood && gating.length === 0) lastGood = commit;
    for (const [key, item] of pending) {
      if (await liveEquals(evaluator, commit, item.file!, key, options.drift!)) {
        matches.set(key, { sha: commit.sha, behind: i });
        pending.delete(key);
      }
    }
    // A passing commit settles every culprit; stop once live is placed too.
    if (lastGood && pending.size === 0) {
      answered = true;
      break;
    }
  }
  const head = commits[0]!;
  const headState = await evaluator.allFindings(head.tree);

  // For each failing finding at the start: the oldest commit of the unbroken run that still has it.
  const byCulprit = new Map<number, { rules: Set<string>; files: Set<string> }>();
  const unattributed: string[] = [];
  for (const f of headGating) {
    const k = findingKey(f);
    let j = 0;
    while (j + 1 < commits.length && keysAt[j + 1]!.has(k)) j++;
    const reachedEnd = j === commits.length - 1;
    if (reachedEnd && stop.reason !== 'root') {
      unattributed.push(`${f.ruleId} ${f.file}:${f.line}`);
      continue;
    }
    const entry = byCulprit.get(j) ?? { rules: new Set(), files: new Set() };
    entry.rules.add(f.ruleId);
    entry.files.add(f.file);
    byCulprit.set(j, entry);
  }
  const culprits: Culprit[] = [...byCulprit.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([j, e]) => ({ ...ref(commits[j]!), ruleIds: [...e.rules].sort(), files: [...e.files].sort(), changedSince: [] as string[] }));

  const liveMatches: LiveMatch[] = [...(options.drift?.items ?? [])]
    .filter((d) => d.status === 'modified' && d.file)
    .map((d) => {
      const m = matches.get(driftKey(d.resource, options.drift!.defaultNamespace));
      return { resource: d.resource, sha: m?.sha ?? null, behind: m?.behind ?? null, passesGate: m ? keysAt[m.behind]!.size === 0 : null };
    });

  const headPasses = headGating.length === 0;
  for (const c of culprits) {
    const at = commits.find((x) => x.sha === c.sha)!;
    for (const f of c.files) if ((await evaluator.blobAt(at.tree, f)) !== (await evaluator.blobAt(head.tree, f))) c.changedSince.push(f);
  }
  const commands = headPasses ? [] : await buildCommands(evaluator, head, lastGood, culprits, headGating, commits);
  return {
    suggestion: {
      head: ref(head),
      headPasses,
      lastGood: lastGood ? ref(lastGood) : null,
      culprits,
      unattributed,
      liveMatches,
      commands,
      searched: commits.length,
      stoppedAt: answered ? 'answer' : (stop.reason ?? 'root'),
    },
    head: headState,
  };
}

async function liveEquals(evaluator: HistoryEvaluator, commit: HistoryCommit, file: string, key: string, drift: DriftResult): Promise<boolean> {
  const live = drift.live.get(key);
  if (!live) return false;
  const oid = await evaluator.blobAt(commit.tree, file);
  if (!oid) return false;
  for (const doc of await evaluator.documentsOf(oid, file)) {
    if (!doc.id || driftKey(doc.id, drift.defaultNamespace) !== key) continue;
    return diffResources(normalizeDesired(doc.data), live.data, lastAppliedOf(live.data)).changes.length === 0;
  }
  return false;
}

async function buildCommands(
  evaluator: HistoryEvaluator,
  head: HistoryCommit,
  lastGood: HistoryCommit | null,
  culprits: Culprit[],
  headGating: Finding[],
  commits: HistoryCommit[],
): Promise<string[]> {
  const commands: string[] = [];
  const isMerge = new Set(commits.filter((c) => c.merge).map((c) => c.sha));
  if (culprits.length > 0) {
    // Newest first; a merge is reverted against its first parent (-m 1).
    const steps: string[] = [];
    let run: string[] = [];
    const flush = () => {
      if (run.length) steps.push(`git revert --no-edit ${run.join(' ')}`);
      run = [];
    };
    for (const c of culprits) {
      if (isMerge.has(c.sha)) {
        flush();
        steps.push(`git revert --no-edit -m 1 ${short(c.sha)}`);
      } else run.push(short(c.sha));
    }
    flush();
    commands.push(steps.join(' && '));
  }
  if (lastGood) {
    const reason = [...new Set(headGating.map((f) => f.ruleId))].sort().join(', ');
    const message = `git commit -m "Roll back to ${short(lastGood.sha)}: ${reason}"`;
    const range = commits.slice(0, commits.indexOf(lastGood));
    // git revert of a range stops at merge commits; restoring the whole tree does not.
    if (range.some((c) => c.merge)) commands.push(`git restore --source ${short(lastGood.sha)} --staged --worktree -- . && ${message}`);
    else commands.push(`git revert --no-commit ${short(lastGood.sha)}..${short(head.sha)} && ${message}`);
    const files = [...new Set(headGating.map((f) => f.file))].sort();
    const existing: string[] = [];
    const added: string[] = [];
    for (const f of files) ((await evaluator.blobAt(lastGood.tree, f)) ? existing : added).push(f);
    if (existing.length) commands.push(`git restore --source ${short(lastGood.sha)} -- ${existing.join(' ')}`);
    if (added.length) commands.push(`git rm -- ${added.join(' ')}`);
  }
  return commands;
}
