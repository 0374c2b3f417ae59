import type { ConfigDocument, SourceRange } from '../parse/documents.js';
import { detach, detachString } from '../parse/detach.js';
import { isRecord } from '../parse/identity.js';
import { getAtPointer, parsePointer, pointerSegments } from '../parse/pointer.js';
import { ANNOTATION_PREFIX } from '../policy/waivers.js';
import { joinPath, toConditions } from '../rules/relation-spec.js';
import { DocumentTargets, WORKLOAD_KINDS } from '../rules/targets.js';
import type { RelationSelect, Rule } from '../rules/types.js';
import { addPath, addSchemaReads, childOf, compilePruner, newFieldTree, type FieldTree, type Pruner } from './schema-reads.js';
import { labelsOf } from './selectors.js';
import type { Projection } from './types.js';

/** What to keep of each document for a run's relation rules. */
export interface ProjectionPlan {
  /** Kinds some relation rule looks at (as `from` or `to`, or through a join). */
  kinds: ReadonlySet<string>;
  /** Fields kept from the document root. */
  object: Pruner;
  /** Fields kept from each pod spec (the projection adds `$kind` and `$labels`, see projectDocument). */
  pod: Pruner;
  /**
   * Where findings can point: per kind, the rules' unit targets and `at` pointers. Every unit's place
   * is located, whether its rule's `where` admits it or not: a position costs less than the test.
   */
  reports: { kinds: ReadonlySet<string>; target: string; at: string }[];
  /** Relation rule ids, for inline waivers. */
  ruleIds: ReadonlySet<string>;
}

/**
 * The fields the joins read (joins.ts), from the root of any projected object. What a rule's `where`
 * or message reads is added from the rule (addSelectReads): nothing else is copied.
 */
const OBJECT_FIELDS = [
  // Labels and annotations only where a rule's where reads them (a pod's labels are kept in its spec, as `$labels`).
  'apiVersion', 'kind', 'metadata/name', 'metadata/namespace',
  'roleRef', 'spec/scaleTargetRef', 'spec/podSelector', 'spec/selector',
  // An Ingress's backends, not its hosts, paths and TLS.
  'spec/defaultBackend', 'spec/backend', 'spec/rules/*/http/paths/*/backend',
];
/** The fields the built-in joins and rules read from each pod spec. */
const POD_FIELDS = [
  'serviceAccountName', 'serviceAccount', 'automountServiceAccountToken', 'hostNetwork',
  ...['containers', 'initContainers'].flatMap((list) => ['name', 'image', 'command', 'args'].map((f) => `${list}/*/${f}`)),
];
/** Annotations that only make a projection bigger. */
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

/** `$workloads` is every kind that carries a pod spec. */
export function expandKinds(kinds: readonly string[]): string[] {
  return kinds.flatMap((k) => (k === '$workloads' ? WORKLOAD_KINDS : [k]));
}

/** Where a pod spec's labels are: its template's metadata, else the object's own (a Pod, a KServe component). */
export function podLabelsPointer(podPointer: string): string {
  return podPointer.endsWith('/spec') ? `${podPointer.slice(0, -'/spec'.length)}/metadata/labels` : '/metadata/labels';
}

function isPodTarget(target: string | undefined): boolean {
  return (target ?? 'document').split('/')[0] === 'podSpec';
}

/**
 * What a condition's units need kept: the path to them (so they exist in the projection), what its
 * where schema reads, and (for `from`) the fields its rule's message shows. From a wildcard in the
 * target on (`/spec/ports/*`), the value is kept whole: a `*` may be a map's values as well as a list's items.
 */
function addSelectReads(plan: { object: FieldTree; pod: FieldTree }, select: RelationSelect, message?: string): void {
  const target = select.target ?? 'document';
  const pod = isPodTarget(target);
  const rest = pod ? target.slice('podSpec'.length) : target.startsWith('document') ? target.slice('document'.length) : target;
  let node = pod ? plan.pod : plan.object;
  for (const seg of parsePointer(rest)) {
    if (seg === '*' || seg === '*=') {
      node.whole = true;
      return;
    }
    node = childOf(node, seg);
  }
  if (select.where !== undefined) addSchemaReads(node, select.where);
  for (const path of message ? messageFields(message) : []) {
    let at = node;
    for (const seg of path) {
      // A list item by its index: the list is kept whole.
      if (/^\d+$/.test(seg)) break;
      at = childOf(at, seg);
    }
    at.whole = true;
  }
}

/** The fields a message template shows of its unit (`{{spec.type}}`); `$`-names are the phase's own. */
function messageFields(template: string): string[][] {
  return [...template.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)].map((m) => m[1]!.split('.'));
}

const plans = new WeakMap<readonly Rule[], ProjectionPlan | null>();

/** The projection a run's rules need (made once per rule list); null when no relation rule runs (then nothing is projected). */
export function planProjection(rules: readonly Rule[]): ProjectionPlan | null {
  let plan = plans.get(rules);
  if (plan === undefined) plans.set(rules, (plan = makePlan(rules)));
  return plan;
}

function makePlan(rules: readonly Rule[]): ProjectionPlan | null {
  const relations = rules.filter((r) => r.relation);
  if (relations.length === 0) return null;
  const object = newFieldTree();
  const pod = newFieldTree();
  for (const f of OBJECT_FIELDS) addPath(object, parsePointer(`/${f}`));
  for (const f of POD_FIELDS) addPath(pod, parsePointer(`/${f}`));
  const kinds = new Set<string>();
  const reports: ProjectionPlan['reports'] = [];
  for (const rule of relations) {
    const r = rule.relation!;
    for (const k of expandKinds(r.from.kinds)) kinds.add(k);
    for (const t of toConditions(r)) for (const k of expandKinds(t.kinds)) kinds.add(k);
    // Joins pass through objects no condition names: an Ingress's Services, a pod's ServiceAccount.
    for (const j of joinPath(r)) for (const k of JOIN_KINDS[j]) kinds.add(k);
    addSelectReads({ object, pod }, r.from, rule.message);
    for (const t of toConditions(r)) addSelectReads({ object, pod }, t);
    if (!r.satisfies) addReport(reports, expandKinds(r.from.kinds), r.from.target ?? 'document', r.at ?? '');
    if (r.per === 'namespace') {
      kinds.add('Namespace');
      addReport(reports, ['Namespace'], 'document', '/metadata/name');
    }
  }
  return { kinds, object: compilePruner(object), pod: compilePruner(pod), reports, ruleIds: new Set(relations.map((r) => r.id)) };
}

/** One report place for these kinds: rules that report at the same place share it. */
function addReport(reports: ProjectionPlan['reports'], kinds: readonly string[], target: string, at: string): void {
  const same = reports.find((r) => r.target === target && r.at === at) as { kinds: Set<string> } | undefined;
  if (same) for (const k of kinds) same.kinds.add(k);
  else reports.push({ kinds: new Set(kinds), target, at });
}

/** Kinds a join reaches besides the rule's own kinds. */
const JOIN_KINDS: Record<string, readonly string[]> = {
  selector: [],
  roleRef: ['Role', 'ClusterRole'],
  serviceAccount: ['ServiceAccount'],
  scaleTargetRef: [],
  backend: ['Service'],
};

/** Sets `value` at `segs` in `out`, creating the objects and lists on the way as `source` has them. */
function setAt(out: Record<string, unknown>, source: unknown, segs: readonly string[], value: unknown): void {
  let o: Record<string, unknown> | unknown[] = out;
  let s: unknown = source;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    const next: unknown = Array.isArray(s) ? s[Number(seg)] : isRecord(s) ? s[seg] : undefined;
    const key = Array.isArray(o) ? Number(seg) : seg;
    if (last) {
      (o as Record<string | number, unknown>)[key] = value;
      return;
    }
    let child = (o as Record<string | number, unknown>)[key];
    if (typeof child !== 'object' || child === null) {
      // A list keeps its length, so the pointers of its items stay the document's.
      child = Array.isArray(next) ? next.map(() => ({})) : {};
      (o as Record<string | number, unknown>)[key] = child;
    }
    // Otherwise the pruner's own copy (it never hands out the document's objects): written in place.
    o = child as Record<string, unknown> | unknown[];
    s = next;
  }
}

/** The projection of one document, or null when no relation rule can look at it. */
export function projectDocument(doc: ConfigDocument, plan: ProjectionPlan, targets = new DocumentTargets(doc.data)): Projection | null {
  const id = doc.id;
  if (!id || id.name === null || !plan.kinds.has(id.kind) || !isRecord(doc.data)) return null;
  const data = plan.object(doc.data) as Record<string, unknown>;
  const meta = data.metadata;
  // The pruner's copy: changed in place.
  if (isRecord(meta) && isRecord(meta.annotations)) for (const a of DROPPED_ANNOTATIONS) if (a in meta.annotations) delete meta.annotations[a];
  const unitsOf = (target: string) => targets.of(target);
  const pods = unitsOf('podSpec');
  for (const place of pods) {
    // The pruner's copy is the pod spec as a `where` sees it (podUnit): with the workload's kind and the pod's labels.
    const spec = plan.pod(place.value);
    if (isRecord(spec)) {
      spec.$kind = id.kind;
      spec.$labels = labelsOf(detach(getAtPointer(doc.data, podLabelsPointer(place.pointer))));
    }
    setAt(data, doc.data, pointerSegments(place.pointer), spec);
  }
  const at: Record<string, Projection['at'][string]> = {};
  for (const report of plan.reports) {
    if (!report.kinds.has(id.kind)) continue;
    for (const unit of unitsOf(report.target)) {
      const pointer = unit.pointer + report.at;
      // The document's own start is known already (a rendered one's is found once, either way).
      if (!(pointer in at)) at[pointer] = compactRange(pointer === '' ? doc.start : doc.locate(pointer));
    }
  }
  const projection: Projection = { file: doc.file, documentIndex: doc.index, basePointer: doc.basePointer, id, data, at };
  if (pods.length) projection.pods = pods.map((p) => p.pointer);
  if (doc.target !== undefined) projection.target = doc.target;
  const waivers = inlineWaivers(doc.data, plan.ruleIds);
  if (waivers) projection.waivers = waivers;
  return projection;
}

/** A file's projections: as one string for the result cache and the threads, else as they are. */
export type PackedProjections = string | readonly Projection[];

/**
 * A file's projections as one string: the cache stores it and a thread hands it back as is (a string
 * crosses threads far faster than thousands of small objects). A run that keeps them in memory only
 * skips the stringify now and the parse then.
 */
export function packProjections(projections: readonly Projection[]): string {
  return JSON.stringify(projections);
}

export function unpackProjections(packed: readonly PackedProjections[]): Projection[] {
  return packed.flatMap((s) => (typeof s === 'string' ? (JSON.parse(s) as Projection[]) : s));
}

function compactRange(r: SourceRange & { file?: string }): SourceRange & { file?: string } {
  const range = { line: r.line, column: r.column, endLine: r.endLine, endColumn: r.endColumn };
  return r.file !== undefined ? { ...range, file: r.file } : range;
}

/** `aiops-guard.io/ignore.<relation rule>` annotations that give a reason. */
function inlineWaivers(data: Record<string, unknown>, ruleIds: ReadonlySet<string>): Record<string, string> | null {
  const meta = data.metadata;
  if (!isRecord(meta) || !isRecord(meta.annotations)) return null;
  let out: Record<string, string> | null = null;
  for (const [key, raw] of Object.entries(meta.annotations)) {
    if (!key.startsWith(ANNOTATION_PREFIX)) continue;
    const ruleId = key.slice(ANNOTATION_PREFIX.length);
    const reason = typeof raw === 'string' ? raw.trim() : '';
    if (ruleIds.has(ruleId) && reason) (out ??= {})[ruleId] = detachString(reason);
  }
  return out;
}

