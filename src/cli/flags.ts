/** The flags commander hands each command (see main.ts). */

/** Options shared by the commands that read configs from the repository. */
export interface SourceFlags {
  repo?: string;
  ref?: string;
  staged?: boolean;
  changedSince?: string;
  rules?: string[];
  only?: string;
  skip?: string;
  profile?: string;
  format: string[];
  output?: string[];
  failOn?: string;
  inlineWaivers: boolean;
  config?: string;
  allowJsConfig?: boolean;
  /** --allow-render: run the config's render commands. */
  allowRender?: boolean;
  /** false with --no-cache. */
  cache?: boolean;
  cacheDir?: string;
  /** check --shard k/n. */
  shard?: string;
  /** --jobs: at most this many threads. */
  jobs?: number;
  /** --target (repeatable): only these rendered targets. */
  target?: string[];
  trustedConfig?: string;
  color: boolean;
  quiet?: boolean;
  progress: boolean;
  debug?: boolean;
  /** check and scan: the baseline file (true: the default one when present; false: --no-baseline). */
  baseline?: boolean | string;
  newSince?: string;
  show?: string;
  groupBy?: string;
  verbose?: boolean;
  /** The path arguments, for the gate to know whether the run covered the whole repository. */
  paths?: string[];
}

export type DriftFlags = SourceFlags & { live: string; strict?: boolean; failOnDrift?: string };

export interface BaselineFlags {
  repo?: string;
  ref?: string;
  baseline?: string;
  prune?: boolean;
  rules?: string[];
  inlineWaivers: boolean;
  config?: string;
  allowJsConfig?: boolean;
  progress: boolean;
}

export interface RulesFlags {
  repo?: string;
  /** rules list --profile: the controls of that level and their rules. */
  profile?: string;
  rules?: string[];
  config?: string;
  allowJsConfig?: boolean;
  format: string;
  color: boolean;
}

export type MergeFlags = Pick<SourceFlags, 'format' | 'output' | 'color' | 'quiet' | 'show' | 'groupBy' | 'debug'>;
