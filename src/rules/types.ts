import type { Severity } from '../report/severity.js';

/** A rule as written in its data file (see schemas/rule.schema.json). */
export interface RuleSpec {
  id: string;
  title: string;
  severity: Severity;
  category: string;
  description: string;
  remediation: string;
  references?: string[];
  match?: { kinds?: string[]; apiGroups?: string[]; files?: string[] };
  target?: string;
  /** Rule ids whose findings at the same place this rule's finding makes redundant. */
  supersedes?: string[];
  /** The Pod Security Standards control the rule checks; `profileOnly` rules run only under a PSS profile. */
  pss?: PssControl;
  schema: object | boolean;
  message: string;
}

/** A level of the Kubernetes Pod Security Standards and one of its controls ("Host Namespaces"). */
export interface PssControl {
  level: 'baseline' | 'restricted';
  control: string;
  profileOnly?: boolean;
}

/** What a compiled validator reports about its first failure. */
export interface ValidationError {
  instancePath: string;
  schemaPath: string;
}

export interface Validate {
  (data: unknown): boolean;
  errors?: ValidationError[] | null;
}

/** A loaded, compiled rule. */
export interface Rule extends RuleSpec {
  /** The pack: the folder the rule file is in (kubernetes, secrets, ...). */
  pack: string;
  /** Path of the rule file, for messages. */
  source: string;
  validate: Validate;
}
