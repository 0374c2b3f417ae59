import type { RuleSpec } from '../rules/types.js';

import type { Severity } from './severity.js';

export { SEVERITIES, type Severity } from './severity.js';
/** The threshold of `--fail-on`: a severity, or `never` to report without gating. */
export type FailOn = Severity | 'never';
/** The drift gate (`--fail-on-drift`): any drift fails, only security-relevant drift, or none. */
export type DriftFailOn = 'any' | 'security' | 'never';

/** A Kubernetes-style resource identity. `group` is "" for the core API group. */
export interface ResourceId {
  group: string;
  kind: string;
  namespace: string | null;
  name: string | null;
}

/** Why a finding does not count: an inline annotation or a config waiver. */
export interface Suppression {
  kind: 'annotation' | 'config';
  reason: string;
  expires?: string;
}

/** One rule violation (or parse error) at one place in one file. */
export interface Finding {
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  /** Path relative to the repository root, with forward slashes. */
  file: string;
  /** 1-based line and column of the offending value (or nearest existing parent). */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** JSON pointer into the file's document (for a kubectl List, it includes /items/N). */
  pointer: string;
  /** Index of the YAML document in the file, 0-based. */
  documentIndex: number;
  resource: ResourceId | null;
  remediation: string;
  suppressed: Suppression | null;
  /** With `check --blame` and `scan`: the commit that introduced the finding (absent for the tool's own config checks). */
  introduced?: Introduced;
  /**
   * The rendered target the finding is in (a kustomization folder such as "overlays/prod", or a
   * `render` entry's path); absent for plain manifests. `file`/`line` then point at the source
   * that set the value: a patch, a base, or the kustomization field.
   */
  target?: string | null;
}

/**
 * The introducing commit is not known: the finding is only in the working tree or the index
 * (`not-committed`), or it is older than a shallow clone's boundary (`shallow`) or than the commits
 * searched (`max-commits`); then `atOrBefore` is the oldest commit searched, which already has it.
 * A relation finding (`cross-document`) depends on several files: history is traced per file, so it is not attributed.
 */
export interface IntroducedUnknown {
  sha: null;
  reason: 'not-committed' | 'shallow' | 'max-commits' | 'cross-document';
  atOrBefore: CommitRef | null;
}

/** The first commit of first-parent history where a finding appears and stays up to the checked commit. */
export type Introduced = CommitRef | IntroducedUnknown;

/** Something the tool passed over, and why. Never a silent pass: parse failures are findings. */
export interface ReportError {
  code: string;
  file: string | null;
  line: number | null;
  message: string;
}

export type SourceMode = 'worktree' | 'index' | 'commit';

export interface ReportSource {
  /** Absolute path of the repository root. */
  repo: string;
  mode: SourceMode;
  /** The ref as given (`--ref`), `HEAD` for the index, null for the working tree. */
  ref: string | null;
  /** The commit sha the configs were read from, null for the working tree. */
  commit: string | null;
  /** With `--changed-since`: the merge-base the files were compared with. */
  changedSince?: { rev: string; mergeBase: string };
  /** With `--live`: the snapshot drift was computed against. */
  live?: string;
  /** With `--shard k/n`: this report covers the files of shard k of n (`aiops-guard merge` joins them). */
  shard?: { index: number; total: number };
}

export interface ReportSummary {
  files: number;
  documents: number;
  rules: number;
  findings: Record<Severity, number>;
  suppressed: number;
  drifted: number;
  failOn: FailOn;
  /** With drift: which drift fails the run. */
  failOnDrift?: DriftFailOn;
  /**
   * With drift: desired files that could not be parsed, so their resources were not compared
   * (drift is incomplete, never "in sync", while this is above 0).
   */
  desiredUnparsed?: number;
  exitCode: number;
}

/** One field where git and live disagree; secret values are masked. */
export interface DriftChange {
  pointer: string;
  /** The value in git; absent when git does not set the field. */
  desired?: unknown;
  /** The live value; absent when live does not have the field. */
  live?: unknown;
  /**
   * "removed-in-git": applied from git once (last-applied-configuration), removed from git since, still live.
   * "live-only": a field only live has, reported in strict mode (a hand edit).
   */
  note?: string;
  /** Line and column of the changed field in the git file (its nearest existing parent when git does not set it). */
  line?: number;
  column?: number;
  /** For a rendered target: the file of `line` when it is not the item's file (the patch or kustomization that set the value). */
  file?: string;
}

/** One resource that is not as git says. */
export interface DriftItem {
  status: 'modified' | 'missing' | 'unmanaged';
  resource: ResourceId;
  /** The file that declares it (null for unmanaged resources); for a rendered target, where the object starts. */
  file: string | null;
  /** The rendered target that declares it; absent for plain manifests and unmanaged resources. */
  target?: string;
  line: number | null;
  changes: DriftChange[];
  /** Live has policy findings that git has not: drift that made the cluster less secure. */
  securityRelevant: boolean;
  liveFindings: Finding[];
  /** For a missing resource: the snapshot holds no object of its kind at all, so it may not have been fetched. */
  kindNotInSnapshot?: true;
}

/** A commit as reports show it. */
export interface CommitRef {
  sha: string;
  subject: string;
  author: string;
  date: string;
}

/** The commit that introduced failing findings, and what they are. */
export interface Culprit extends CommitRef {
  ruleIds: string[];
  files: string[];
  /** Of those files, the ones later commits changed again: reverting the culprit alone may conflict there. */
  changedSince: string[];
}

/** Which commit a drifted resource's live version equals. */
export interface LiveMatch {
  resource: ResourceId;
  /** The newest commit whose version equals live, or null when none in the searched range does. */
  sha: string | null;
  /** Commits between that one and the start of the walk (0: live runs the start commit). */
  behind: number | null;
  /** Whether that commit passes the gate: if so, and the start does not, it is the natural rollback target. */
  passesGate: boolean | null;
}

/** The rollback suggestion: where to go back to, who to blame, and the git commands. */
export interface RollbackSuggestion {
  /** The commit the walk started from (HEAD or --ref). */
  head: CommitRef;
  /** The start commit passes the gate: nothing to roll back. */
  headPasses: boolean;
  /** The newest commit in range that passes the gate. */
  lastGood: CommitRef | null;
  culprits: Culprit[];
  /** Failing findings whose introducing commit is beyond the searched range. */
  unattributed: string[];
  /** Failing relation findings (`rule file:line`): they relate several objects, and history is traced file by file, so no culprit is named; reverting the culprits or restoring the failing files may leave them, rolling back to the last good commit does not. */
  crossDocument?: string[];
  /** What was not checked at the start commit (`code file:line`: a target not rendered, a template, a symlink out of the repository, a submodule): it fails the gate as it fails check, and has no culprit; rolling back to the last good commit clears it. */
  notChecked?: string[];
  /**
   * Files that cannot be parsed at the start commit: a parse error hides whatever else the file holds,
   * so findings an earlier commit put there are not traced; reverting the culprits may leave them,
   * the whole rollback to the last good commit does not.
   */
  unparsed?: string[];
  liveMatches: LiveMatch[];
  /**
   * Rules of the `secrets` category among the failing findings: a credential committed to git
   * stays in its history whatever is reverted, so it must be rotated (absent when there is none).
   */
  credentials?: string[];
  commands: string[];
  /** Commits evaluated. */
  searched: number;
  /** Why the walk ended: at the first commit, at --max-commits, at a shallow clone's boundary, or when it had its answer. */
  stoppedAt: 'root' | 'limit' | 'shallow' | 'answer';
}

/** What the formats need to know about a rule a finding refers to. */
export type RuleInfo = Pick<RuleSpec, 'id' | 'title' | 'severity' | 'category' | 'description' | 'remediation'> & { references: string[] };

/** The JSON report, version 1: the stable machine interface every format derives from. */
export interface Report {
  version: 1;
  tool: { name: 'aiops-guard'; version: string };
  source: ReportSource;
  summary: ReportSummary;
  findings: Finding[];
  /** Present when the command compared with a live snapshot. */
  drift?: DriftItem[];
  /** Present when the command suggested a rollback. */
  rollback?: RollbackSuggestion;
  /** The rules the findings (and drift) refer to, for SARIF and the other formats. */
  rules: RuleInfo[];
  errors: ReportError[];
  /** The rendered targets the run checked (present when there were any). */
  targets?: TargetInfo[];
}

/** A rendered target of the run: a kustomization, or an external renderer's output (findings in it name the file `<path>/(rendered)`). */
export interface TargetInfo {
  /** The kustomization folder or render entry path ("" for the repository root). */
  path: string;
  renderer: 'kustomize' | 'command';
  /** For `command`: the command line whose standard output was checked. */
  command?: string;
  /** The files the render read. */
  files: number;
  /** Rendered objects. */
  documents: number;
}
