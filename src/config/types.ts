import type { ConfigWaiver } from '../policy/waivers.js';
import type { DriftFailOn, FailOn, Severity } from '../report/types.js';

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
  maxDocuments?: number;
  /** false turns the result cache off; a string is its folder. */
  cache?: boolean | string;
  waivers?: ConfigWaiver[];
  drift?: {
    defaultNamespace?: string;
    namespaces?: string[];
    /** Ours (`pointers`, globs) or Argo CD's shape verbatim (`group`, `kind`, `name`, `namespace`, `jsonPointers`). */
    ignoreDifferences?: {
      group?: string;
      kind?: string;
      name?: string;
      namespace?: string;
      pointers?: string[];
      jsonPointers?: string[];
      /** Argo CD's; not supported: a config error. */
      jqPathExpressions?: string[];
      /** Argo CD's; not supported: a config error. */
      managedFieldsManagers?: string[];
    }[];
    /** Report every live-only field (hand edits), not only those that make live less secure. */
    strict?: boolean;
    /** More names of containers that admission webhooks inject (besides istio-proxy, linkerd-proxy, vault-agent, ...). */
    injected?: string[];
    /** Which drift fails the run (default any). */
    failOn?: DriftFailOn;
  };
  rollback?: { maxCommits?: number };
  /** The baseline file, relative to the repository root (default .aiops-guard-baseline.json). */
  baseline?: string;
  /** auto (default): leaf kustomizations are rendered and their objects checked; off: their files are checked as plain manifests. */
  kustomize?: 'auto' | 'off';
  /** Render only these kustomization folders. */
  targets?: string[];
  /** External renderers: a command whose standard output is the desired state of `path`. */
  render?: RenderEntry[];
  /** Run `render` commands with --ref/--staged too (they read the working tree). */
  allowExternal?: boolean;
}

/** One external renderer of the config. */
export interface RenderEntry {
  /** The target folder, relative to the repository root. */
  path: string;
  /** The command line, split into arguments (no shell). */
  command: string;
  /** Seconds (default 60). */
  timeout?: number;
}

/** A loaded config: the data, where it came from, and a way to point at lines in it. */
export interface LoadedConfig {
  config: GuardConfig;
  /** Absolute path of the config file, or null when there is none. */
  filepath: string | null;
  /** Line and column of a pointer into the config (1,1 when unknown). */
  locate(pointer: string): { line: number; column: number };
  /** Set when the policy was read from a trusted revision's git objects (`--trusted-config`), not the checked tree. */
  trusted?: { rev: string; commit: string };
}
