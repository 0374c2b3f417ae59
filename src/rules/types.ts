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
  /** What each target value must satisfy (document rules); a relation rule has `relation` instead. */
  schema?: object | boolean;
  /** A cross-document rule: evaluated over a target's objects after every document (src/relations/). */
  relation?: RelationSpec;
  message: string;
  /** The Pod Security Standards control the rule checks; `profileOnly` rules run only under a PSS profile. */
  pss?: PssControl;
}

/** A level of the Kubernetes Pod Security Standards and one of its controls ("Host Namespaces"). */
export interface PssControl {
  level: 'baseline' | 'restricted';
  control: string;
  profileOnly?: boolean;
}

/** How a relation rule finds related objects (see README "Relation rules"). */
export type RelationJoin = 'selector' | 'roleRef' | 'serviceAccount' | 'scaleTargetRef' | 'backend';

/** Which objects (or parts of them) a relation rule looks at: kinds, namespaces, a target, a schema. */
export interface RelationSelect {
  /** Kinds; `$workloads` stands for every kind that carries a pod spec. */
  kinds: string[];
  /** Globs on the namespace (a namespaced object without one is in `default`). */
  namespaces?: string[];
  /** document (default), podSpec (each pod spec, with `$kind` and `$labels`), or a pointer pattern from the root (`/subjects/*`). */
  target?: string;
  /** JSON Schema the unit must satisfy. */
  where?: object | boolean;
  /** A name for messages (`{{$missing}}`). */
  name?: string;
}

export interface RelationSpec {
  from: RelationSelect;
  /** One join, or a path of joins (Ingress → backend Service → selected pods). */
  join: RelationJoin | RelationJoin[];
  /** One condition, or several that must each be met (`require: exists`). */
  to: RelationSelect | RelationSelect[];
  /** exists: a finding when no related object matches; none: a finding when any does. */
  require: 'exists' | 'none';
  /** Where the finding points, relative to the unit (default: the unit itself). */
  at?: string;
  /** `namespace`: one finding per namespace, on its Namespace object when the target has one. */
  per?: 'unit' | 'namespace';
  /** Instead of reporting: when the requirement is met, these rules' findings on the unit are dropped. */
  satisfies?: string[];
}

/** What a compiled validator reports about its first failure. */
export interface ValidationError {
  instancePath: string;
  schemaPath: string;
  /** The failing keyword (`required` says something is missing). */
  keyword: string;
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
  /** A relation rule's compiled `where` schemas: `from`, and each `to` condition (null: no condition). */
  where?: RelationValidators;
}

export interface RelationValidators {
  from: Validate | null;
  to: (Validate | null)[];
}
