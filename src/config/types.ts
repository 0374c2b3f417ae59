import type { ConfigWaiver } from '../policy/waivers.js';
import type { FailOn, Severity } from '../report/types.js';

/** The shape of .aiopsrc.json (schemas/aiopsrc.schema.json). */
export interface GuardConfig {
  rules?: string[];
  only?: string[];
  skip?: string[];
  severity?: Record<string, Severity>;
  failOn?: FailOn;
  include?: string[];
  exclude?: string[];
  inlineWaivers?: boolean;
  maxFileBytes?: number;
  waivers?: ConfigWaiver[];
  drift?: {
    defaultNamespace?: string;
    namespaces?: string[];
    ignoreDifferences?: { kind?: string; name?: string; namespace?: string; pointers: string[] }[];
  };
  rollback?: { maxCommits?: number };
  /** The baseline file, relative to the repository root (default .aiops-guard-baseline.json). */
  baseline?: string;
}

/** A loaded config: the data, where it came from, and a way to point at lines in it. */
export interface LoadedConfig {
  config: GuardConfig;
  /** Absolute path of the config file, or null when there is none. */
  filepath: string | null;
  /** Line and column of a pointer into the config (1,1 when unknown). */
  locate(pointer: string): { line: number; column: number };
}
