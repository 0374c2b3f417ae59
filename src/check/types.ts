import type { LoadedConfig } from '../config/types.js';
import type { ConfigDocument, ParseLimits } from '../parse/documents.js';
import type { PolicyOptions, PreparedRules } from '../policy/evaluate.js';
import type { CompiledWaiver } from '../policy/waivers.js';
import type { FailOn, Finding, ReportError, ReportSource, SourceMode, TargetInfo } from '../report/types.js';
import type { Profile } from '../rules/profiles.js';
import type { Rule } from '../rules/types.js';
import type { GitCache } from '../source/git.js';
import type { Selection } from '../source/select.js';
import type { Repo } from '../source/types.js';
import type { FileResultCache } from './file-results.js';
import type { Shard } from './shard.js';

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
  /** --new-since: findings at the merge-base with this revision do not gate (src/baseline/gate.ts); the policy is compared with that merge-base too. */
  newSince?: string;
  /** Extra rule files or folders (relative to cwd). */
  rules?: string[];
  only?: string[];
  skip?: string[];
  /** --profile: only the rules of a Pod Security Standards level (overrides config `profile`). */
  profile?: Profile;
  failOn?: FailOn;
  /** false ignores `aiops-guard.io/ignore.*` annotations. */
  inlineWaivers?: boolean;
  configFile?: string;
  allowJsConfig?: boolean;
  /** --allow-render: run the config's `render` commands (code from the repository) though the config is not from --trusted-config. */
  allowRender?: boolean;
  /** Today, for waiver expiry (tests fix it). */
  now?: Date;
  onProgress?: (p: Progress) => void;
  /** Keep every document's data in the result (drift needs it; a plain check does not, and saves the memory). */
  keepDocuments?: boolean;
  /** Parse only, do not evaluate the rules (drift evaluates just the resources it needs). */
  skipPolicy?: boolean;
  /** false: no result cache; a string: its folder (default: config `cache`, else node_modules/.cache or the user's cache folder). */
  cache?: boolean | string;
  /** Internal: parse files for the relation phase only (another shard reports their findings). */
  projectionsOnly?: boolean;
  /** Internal: pack each file's projections as a string (a worker thread hands them back that way). */
  packProjections?: boolean;
  /** At most this many threads (default: one per core). */
  jobs?: number;
  /** --target: check (or compare, or walk) only these rendered targets, not the plain manifests. */
  target?: string[];
  /** `--shard k/n`: check only the files of this shard (see shard.ts). */
  shard?: Shard;
  /** Set by the pipeline: folders that hold a Chart.yaml, so their templates/ are known as Helm's. */
  chartRoots?: string[];
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
  /** The rendered targets checked (absent when the repository has none). */
  targets?: TargetInfo[];
  /** Only part of the repository was read (paths, --changed-since): what it lacks may be in a file not read. */
  partial: boolean;
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

/** One rendered target: its objects as documents, and every file it read. */
export interface RenderedTarget {
  /** The kustomization folder or render entry path, relative to the repository root ("" for the root). */
  target: string;
  /** The objects, as the rules see them: `locate` names the file and line that set each value. */
  documents: ConfigDocument[];
  /** The files the render read (kustomizations, resources, patches, generator inputs; for an external renderer, the files under its path). */
  inputs: string[];
  /** For an external renderer: the command whose output this is. */
  command?: string;
}

/** What decides the targets of a run, besides the snapshot. */
export interface TargetSettings {
  repo: Repo;
  config: LoadedConfig;
  /** --target: only these. */
  only?: readonly string[];
  /** Path arguments, relative to the repository root: targets that read a file under one are in scope. */
  paths: readonly string[];
  mode: SourceMode;
  /** --allow-render (see CheckOptions.allowRender). */
  allowRender?: boolean;
}

