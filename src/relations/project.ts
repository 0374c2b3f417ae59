import type { ConfigDocument, SourceRange } from '../parse/documents.js';
import { detachString } from '../parse/detach.js';
import { isRecord } from '../parse/identity.js';
import { getAtPointer, parsePointer, pointerSegments } from '../parse/pointer.js';
import { ANNOTATION_PREFIX, waiverReason } from '../policy/waivers.js';
import { joinPath, toConditions } from '../rules/relation-spec.js';
import { DocumentTargets, podLabelsAt, podSpecName, WORKLOAD_KINDS } from '../rules/targets.js';
import type { RelationSelect, Rule } from '../rules/types.js';
import { SELECTOR_FIELDS } from './joins.js';
import { addPath, addSchemaReads, childOf, compilePruner, newFieldTree, type FieldTree, type Pruner, type RefResolver } from './schema-reads.js';
import { labelsOf } from './selectors.js';
import type { Projection } from './types.js';

/** What to keep of each document for a run's relation rules. */
export interface ProjectionPlan {
  /** What to keep of each kind some relation rule looks at (as `from` or `to`, or through a join). */
  kinds: ReadonlyMap<string, KindPlan>;
  /** Fields kept from each pod spec (the projection adds `$kind` and `$labels`, see projectDocument). */
  pod: Pruner;
  /** Relation rule ids, for inline waivers. */
  ruleIds: ReadonlySet<string>;
}

/** What to keep of the objects of one kind. */
export interface KindPlan {
  /** Fields kept from the document root. */
  object: Pruner;
  /**
   * Where findings can point: the rules' unit targets and `at` pointers. Every unit's place is
   * located, whether its rule's `where` admits it or not: a position costs less than the test.
   */
  reports: readonly { target: string; at: string }[];
}

/**
 * The fields the joins read (joins.ts), from the root of any projected object; the selector join's
 * by the kinds whose selector it reads. Identity is the projection's `id`; what a rule's `where` or
 * message reads is added from the rule, for the kinds it names (addSelectReads): nothing else is copied.
 */
const OBJECT_FIELDS = [
  'roleRef', 'spec/scaleTargetRef',
  // An Ingress's backends, not its hosts, paths and TLS.
  'spec/defaultBackend', 'spec/backend', 'spec/rules/*/http/paths/*/backend',
];
/** The fields the joins read from each pod spec (the labels are added as `$labels`). */
const POD_FIELDS = ['serviceAccountName', 'serviceAccount'];
/** Annotations that only make a projection bigger. */
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

/** `$workloads` is every kind that carries a pod spec. */
export function expandKinds(kinds: readonly string[]): string[] {
  return kinds.flatMap((k) => (k === '$workloads' ? WORKLOAD_KINDS : [k]));
}

function isPodTarget(target: string | undefined): boolean {
  return (target ?? 'document').split('/')[0] === 'podSpec';
}

/**
 * What a condition's units need kept: the path to them (so they exist in the projection), what its
 * where schema reads, and (for `from`) the fields its rule's message shows, in the objects of its
 * kinds (a pod spec's, in every pod spec). From a wildcard in the target on (`/spec/ports/*`), the
 * value is kept whole: a `*` may be a map's values as well as a list's items.
 */
function addSelectReads(trees: { object: (kind: string) => FieldTree; pod: FieldTree; resolve: RefResolver }, select: RelationSelect, message?: string): void {
  const target = select.target ?? 'document';
  if (isPodTarget(target)) addReads(trees.pod, target.slice('podSpec'.length), select, trees.resolve, message);
  else for (const kind of expandKinds(select.kinds)) addReads(trees.object(kind), target.startsWith('document') ? target.slice('document'.length) : target, select, trees.resolve, message);
}

function addReads(root: FieldTree, rest: string, select: RelationSelect, resolve: RefResolver, message?: string): void {
  let node = root;
  for (const seg of parsePointer(rest)) {
    if (seg === '*' || seg === '*=' || seg === '*flags') {
      node.whole = true;
      return;
    }
    node = childOf(node, seg);
  }
  if (select.where !== undefined) addSchemaReads(node, select.where, resolve);
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
  const kinds = new Map<string, { object: FieldTree; reports: { target: string; at: string }[] }>();
  const kind = (k: string) => {
    let found = kinds.get(k);
    if (!found) {
      kinds.set(k, (found = { object: newFieldTree(), reports: [] }));
      for (const f of [...OBJECT_FIELDS, ...(SELECTOR_FIELDS[k] ? [`spec/${SELECTOR_FIELDS[k]}`] : [])]) addPath(found.object, parsePointer(`/${f}`));
    }
    return found;
  };
  const pod = newFieldTree();
  for (const f of POD_FIELDS) addPath(pod, parsePointer(`/${f}`));
  // A where may use another rule's definitions ('<rule-id>#/$defs/<name>'): what they read is kept, not the whole value.
  const schemas = new Map(rules.map((r) => [r.id, r.schema]));
  const resolve: RefResolver = (ref) => {
    const hash = ref.indexOf('#');
    const root = hash > 0 ? schemas.get(ref.slice(0, hash)) : undefined;
    return root === undefined ? undefined : getAtPointer(root, ref.slice(hash + 1));
  };
  const trees = { object: (k: string) => kind(k).object, pod, resolve };
  // One report place per kind, target and pointer: rules that report at the same place share it.
  const addReport = (ks: readonly string[], target: string, at: string) => {
    for (const k of ks) {
      const reports = kind(k).reports;
      if (!reports.some((r) => r.target === target && r.at === at)) reports.push({ target, at });
    }
  };
  for (const rule of relations) {
    const r = rule.relation!;
    for (const k of expandKinds(r.from.kinds)) kind(k);
    for (const t of toConditions(r)) for (const k of expandKinds(t.kinds)) kind(k);
    // Joins pass through objects no condition names: an Ingress's Services, a pod's ServiceAccount.
    for (const j of joinPath(r)) for (const k of JOIN_KINDS[j]) kind(k);
    addSelectReads(trees, r.from, rule.message);
    for (const t of toConditions(r)) addSelectReads(trees, t);
    if (!r.satisfies) addReport(expandKinds(r.from.kinds), r.from.target ?? 'document', r.at ?? '');
    if (r.per === 'namespace') addReport(['Namespace'], 'document', '/metadata/name');
  }
  const compiled = new Map([...kinds].map(([k, { object, reports }]) => [k, { object: compilePruner(object), reports }]));
  return { kinds: compiled, pod: compilePruner(pod), ruleIds: new Set(relations.map((r) => r.id)) };
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
  const kind = id && id.name !== null ? plan.kinds.get(id.kind) : undefined;
  if (!id || !kind || !isRecord(doc.data)) return null;
  const data = kind.object(doc.data) as Record<string, unknown>;
  const meta = data.metadata;
  // The pruner's copy: changed in place.
  if (isRecord(meta) && isRecord(meta.annotations)) for (const a of DROPPED_ANNOTATIONS) if (a in meta.annotations) delete meta.annotations[a];
  const unitsOf = (target: string) => targets.of(target);
  const pods = unitsOf('podSpec');
  for (const place of pods) {
    // The pruner's copy is the pod spec as a `where` sees it (podUnit): with the workload's kind and the pod's labels.
    const spec = plan.pod(place.value);
    const segs = pointerSegments(place.pointer);
    if (isRecord(spec)) {
      spec.$kind = id.kind;
      spec.$labels = labelsOf(podLabelsAt(doc.data, place.pointer));
    }
    setAt(data, doc.data, segs, spec);
  }
  const places: string[] = [];
  const ranges: number[] = [];
  let placeFiles: Record<number, string> | undefined;
  for (const report of kind.reports) {
    for (const unit of unitsOf(report.target)) {
      const pointer = sharedPointer(report.at ? unit.pointer + report.at : unit.pointer);
      if (places.includes(pointer)) continue;
      // The document's own start is known already (a rendered one's is found once, either way).
      const r: SourceRange & { file?: string } = pointer === '' ? doc.start : doc.locate(pointer);
      if (r.file !== undefined) (placeFiles ??= {})[places.length] = r.file;
      places.push(pointer);
      ranges.push(r.line, r.column, r.endLine, r.endColumn);
    }
  }
  // Kept until the run ends, thousands of them: lists of their own length (a list grown by push holds room for 16).
  const projection: Projection = { file: doc.file, documentIndex: doc.index, basePointer: doc.basePointer, id, data, places: places.slice(), ranges: ranges.slice() };
  if (placeFiles) projection.placeFiles = placeFiles;
  if (pods.length) projection.pods = pods.map((p) => p.pointer);
  if (pods.length > 1) projection.podNames = pods.map((p) => podSpecName(doc.data, p.pointer) ?? '');
  if (doc.target !== undefined) projection.target = doc.target;
  const waivers = inlineWaivers(doc.data, plan.ruleIds);
  if (waivers) projection.waivers = waivers;
  return projection;
}

const pointers = new Map<string, string>();
const MAX_POINTERS = 10_000;

/**
 * One copy of each place's pointer: objects of a kind have their places at the same pointers, and a
 * pointer joined from two parts would keep both (and its unit's, which may be the document's) alive.
 */
function sharedPointer(pointer: string): string {
  let kept = pointers.get(pointer);
  if (kept === undefined) {
    if (pointers.size >= MAX_POINTERS) pointers.clear();
    pointers.set(pointer, (kept = detachString(pointer)));
  }
  return kept;
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

/** `aiops-guard.io/ignore.<relation rule>` annotations that give a reason. */
function inlineWaivers(data: Record<string, unknown>, ruleIds: ReadonlySet<string>): Record<string, string> | null {
  const meta = data.metadata;
  if (!isRecord(meta) || !isRecord(meta.annotations)) return null;
  let out: Record<string, string> | null = null;
  for (const [key, raw] of Object.entries(meta.annotations)) {
    if (!key.startsWith(ANNOTATION_PREFIX)) continue;
    const ruleId = key.slice(ANNOTATION_PREFIX.length);
    const reason = waiverReason(raw);
    if (ruleIds.has(ruleId) && reason) (out ??= {})[ruleId] = detachString(reason);
  }
  return out;
}

