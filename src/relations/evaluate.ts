import picomatch from 'picomatch';
import { isClusterScoped } from '../drift/identity.js';
import type { SourceRange } from '../parse/documents.js';
import { joinPointer, parsePointer, pointersOverlap } from '../parse/pointer.js';
import { lookupPath, renderMessage } from '../policy/message.js';
import { configWaiverFor, type CompiledWaiver } from '../policy/waivers.js';
import type { Finding, ResourceId, Severity, Suppression } from '../report/types.js';
import { joinPath, toConditions } from '../rules/relation-spec.js';
import { expandTargets, inPodSpec } from '../rules/targets.js';
import type { RelationJoin, RelationSelect, Rule, Validate } from '../rules/types.js';
import { describeJoin, followJoin, objectUnit, podUnit } from './joins.js';
import { expandKinds } from './project.js';
import { displayOf, TargetIndex, type TargetObject, type Unit } from './target-index.js';
import type { Projection } from './types.js';

export interface RelationOptions {
  /** Per-rule severity overrides from config. */
  severity?: Record<string, Severity>;
  /** Honour `aiops-guard.io/ignore.<rule>` annotations on the object a finding is reported on. */
  inlineWaivers: boolean;
  /** Config waivers. */
  waivers: readonly CompiledWaiver[];
}

/** A finding of one document that the relation phase makes redundant: a rule's, on one resource, at or inside a place. */
export interface Drop {
  ruleIds: readonly string[];
  file: string;
  documentIndex: number;
  pointer: string;
}

/** What the relation phase found in one target, and which per-document findings it settles: plain data, so it can be cached. */
export interface RelationOutcome {
  findings: Finding[];
  /** Per-document findings a relation makes redundant (`satisfies`, `supersedes`) at or inside a place. */
  drops: Drop[];
  /** The same for a namespace finding: everything of its namespace. */
  namespaceDrops: { ruleIds: readonly string[]; namespace: string }[];
}

/** One `from` or `to` condition, ready to test units. */
interface Condition {
  kinds: ReadonlySet<string>;
  namespaces: ((ns: string) => boolean) | null;
  target: string;
  where: Validate | null;
  name: string;
}

function prepareCondition(select: RelationSelect, where: Validate | null): Condition {
  return {
    kinds: new Set(expandKinds(select.kinds)),
    namespaces: select.namespaces ? picomatch(select.namespaces, { dot: true }) : null,
    target: select.target ?? 'document',
    where,
    name: select.name ?? select.kinds.join(' or '),
  };
}

function inScope(c: Condition, object: TargetObject): boolean {
  return c.kinds.has(object.kind) && (!c.namespaces || (object.namespace !== null && c.namespaces(object.namespace)));
}

/** The units of a condition's target in one object: the object, its pod specs, or the parts a pattern names (the same for every rule that asks). */
function unitsOf(c: Condition, object: TargetObject, index: TargetIndex): Unit[] {
  if (object.unitsTarget === c.target) return object.units!;
  if (object.unitsTarget === undefined) {
    object.unitsTarget = c.target;
    return (object.units = expandUnits(c, object, index));
  }
  const more = (object.moreUnits ??= new Map());
  let units = more.get(c.target);
  if (!units) more.set(c.target, (units = expandUnits(c, object, index)));
  return units;
}

function expandUnits(c: Condition, object: TargetObject, index: TargetIndex): Unit[] {
  const base = c.target.split('/')[0];
  if (base === 'podSpec') {
    const pods = index.podsOf(object);
    const rest = c.target.slice('podSpec'.length);
    if (!rest) return pods.map(podUnit);
    return pods.flatMap((p) => expandTargets(p.spec, rest).map((t) => ({ object, pointer: p.pointer + t.pointer, value: t.value, pod: p })));
  }
  const rest = base === 'document' ? c.target.slice('document'.length) : c.target;
  if (!rest) return [objectUnit(object)];
  return expandTargets(object.data, rest).map((t) => ({ object, pointer: t.pointer, value: t.value }));
}

/** Whether a related unit meets a `to` condition: a pod spec target is met by any pod spec of the object. */
function meets(c: Condition, unit: Unit, index: TargetIndex): boolean {
  if (!inScope(c, unit.object)) return false;
  const candidates = c.target === 'podSpec' ? (unit.pod ? [podUnit(unit.pod)] : index.podsOf(unit.object).map(podUnit)) : [objectUnit(unit.object)];
  return candidates.some((u) => !c.where || c.where(u.value));
}

const unitKey = (u: Unit) => `${displayOf(u.object)}\u0000${u.pointer}`;

function follow(joins: readonly RelationJoin[], start: Unit, index: TargetIndex): Unit[] {
  if (joins.length === 1) return followJoin(joins[0]!, start, index);
  let current = [start];
  for (const j of joins) {
    const next = new Map<string, Unit>();
    for (const u of current) for (const r of followJoin(j, u, index)) next.set(unitKey(r), r);
    current = [...next.values()];
  }
  return current;
}

/**
 * Evaluates relation rules over the objects of one target (the repository's plain manifests, or a
 * rendered kustomization): builds the index once, then for each rule each unit of `from` is joined
 * to its related objects and judged by `require`. Findings point at the unit's object, name the
 * related objects, and carry the waivers of that object; the input order does not matter.
 */
export function evaluateRelations(objects: readonly Projection[], rules: readonly Rule[], options: RelationOptions): RelationOutcome {
  const relations = rules.filter((r) => r.relation);
  const drops: Drop[] = [];
  if (relations.length === 0 || objects.length === 0) return { findings: [], drops, namespaceDrops: [] };
  const index = new TargetIndex(objects);
  const byRule = new Map<Rule, Finding[]>();
  // A namespace finding of a rule that supersedes another settles that rule's findings in the namespace.
  const settled = new Map<string, Set<string>>();
  for (const rule of supersedingFirst(relations)) {
    const r = rule.relation!;
    const findings: Finding[] = [];
    byRule.set(rule, findings);
    const done = r.satisfies || rule.supersedes?.length ? undefined : settled.get(rule.id);
    const from = prepareCondition(r.from, rule.where?.from ?? null);
    const to = toConditions(r).map((t, i) => prepareCondition(t, rule.where?.to[i] ?? null));
    const joins = joinPath(r);
    const allMissing = to.map((c) => c.name);
    const perNamespace = new Map<string, { unit: Unit; missing: string[]; related: string[]; ref: string }>();
    // A namespace is reported once: once it has its finding, its other objects have nothing to add.
    const reportedNamespace = r.per === 'namespace' && !r.satisfies ? (o: TargetObject) => perNamespace.has(o.namespace ?? '') : () => false;
    for (const object of index.ofKinds(from.kinds)) {
      if (!inScope(from, object) || reportedNamespace(object)) continue;
      // Its findings here would be dropped (it supersedes nothing and settles nothing itself).
      if (done && object.namespace !== null && done.has(object.namespace)) continue;
      for (const unit of unitsOf(from, object, index)) {
        if (from.where && !from.where(unit.value)) continue;
        const related = follow(joins, unit, index);
        if (r.require === 'exists') {
          // Nothing related: every condition is missing (the common case of a reported unit).
          const missing = related.length === 0 ? allMissing : to.filter((c) => !related.some((u) => meets(c, u, index))).map((c) => c.name);
          if (r.satisfies) {
            if (missing.length === 0 && object.projection) drops.push({ ruleIds: r.satisfies, file: object.projection.file, documentIndex: object.projection.documentIndex, pointer: object.projection.basePointer + unit.pointer });
            continue;
          }
          if (missing.length === 0) continue;
          const names = related.length === 0 ? [] : [...new Set(related.map((u) => displayOf(u.object)))].sort();
          if (r.per === 'namespace') {
            const ns = object.namespace ?? '';
            if (!perNamespace.has(ns)) perNamespace.set(ns, { unit, missing, related: names, ref: describeJoin(joins[0]!, unit) });
            continue;
          }
          findings.push(makeFinding(rule, unit, { missing, related: names, ref: describeJoin(joins[0]!, unit) }, options));
        } else {
          const hits = related.filter((u) => meets(to[0]!, u, index));
          if (hits.length === 0) continue;
          findings.push(makeFinding(rule, unit, { missing: [], related: [...new Set(hits.map((u) => displayOf(u.object)))].sort(), ref: describeJoin(joins[0]!, unit) }, options));
        }
      }
    }
    for (const [ns, first] of perNamespace) findings.push(namespaceFinding(rule, ns, first, index, options));
    if (r.per === 'namespace' && perNamespace.size > 0) {
      for (const id of rule.supersedes ?? []) {
        const set = settled.get(id) ?? new Set<string>();
        for (const ns of perNamespace.keys()) set.add(ns);
        settled.set(id, set);
      }
    }
  }
  // In the rules' order, whichever order they were evaluated in.
  const findings = relations.flatMap((r) => byRule.get(r)!);
  // A relation rule that supersedes others settles their findings at the same place, per-document ones too;
  // the place of a namespace finding is the whole namespace.
  const inNamespace: { ruleIds: readonly string[]; namespace: string }[] = [];
  for (const rule of relations) {
    if (!rule.supersedes?.length) continue;
    for (const f of byRule.get(rule)!) {
      if (rule.relation!.per === 'namespace') inNamespace.push({ ruleIds: rule.supersedes, namespace: f.resource!.name! });
      else drops.push({ ruleIds: rule.supersedes, file: objectFile.get(f) ?? f.file, documentIndex: f.documentIndex, pointer: f.pointer });
    }
  }
  const outcome = { findings, drops, namespaceDrops: inNamespace };
  const dropped = droppedBy(outcome, (f) => objectFile.get(f) ?? f.file);
  return { ...outcome, findings: findings.filter((f) => !dropped(f)) };
}

/** The rules in an order where a rule that supersedes others comes before them (else as given). */
function supersedingFirst(rules: readonly Rule[]): Rule[] {
  const ids = new Set(rules.map((r) => r.id));
  const superseded = new Set(rules.flatMap((r) => (r.supersedes ?? []).filter((id) => ids.has(id))));
  // One level is enough for the settling above: a rule that supersedes others is never skipped.
  return [...rules.filter((r) => !superseded.has(r.id)), ...rules.filter((r) => superseded.has(r.id))];
}

/** A test for the findings an outcome settles. */
function droppedBy(outcome: RelationOutcome, fileOf: (f: Finding) => string): (f: Finding) => boolean {
  const namespaceOf = (f: Finding) => (f.resource && !isClusterScoped(f.resource.kind, f.resource.group) ? (f.resource.namespace ?? 'default') : null);
  const byFile = new Map<string, Drop[]>();
  for (const d of outcome.drops) {
    const list = byFile.get(d.file);
    if (list) list.push(d);
    else byFile.set(d.file, [d]);
  }
  // The namespaces whose findings of a rule are settled, by rule: most findings' rules have none.
  const byRule = new Map<string, Set<string>>();
  for (const n of outcome.namespaceDrops) for (const id of n.ruleIds) (byRule.get(id) ?? byRule.set(id, new Set()).get(id)!).add(n.namespace);
  return (f) => {
    const namespaces = byRule.get(f.ruleId);
    const ns = namespaces ? namespaceOf(f) : null;
    if (ns !== null && namespaces!.has(ns)) return true;
    return byFile.get(fileOf(f))?.some((d) => d.ruleIds.includes(f.ruleId) && d.documentIndex === f.documentIndex && pointersOverlap(f.pointer, d.pointer)) ?? false;
  };
}

/** The per-document findings and a target's relation outcome, as one list: what the relations settle is dropped. */
export function mergeRelationFindings(perDocument: readonly Finding[], outcome: RelationOutcome, fileOf: (f: Finding) => string = (f) => f.file): Finding[] {
  const dropped = droppedBy(outcome, fileOf);
  return [...perDocument.filter((f) => !dropped(f)), ...outcome.findings];
}

interface Related {
  missing: string[];
  related: string[];
  ref: string;
}

/**
 * The file of the object a relation finding is about. Drops name objects by file and document; a
 * rendered object's finding may point into a patch instead (placeOf), so the object's file is kept aside.
 */
const objectFile = new WeakMap<Finding, string>();

/** Where a finding at `pointer` points: the range's own file when a rendered value was set elsewhere. */
function placeOf(p: Projection, pointer: string): SourceRange & { file: string } {
  const i = placeIndex(p, pointer);
  if (i === -1) return { file: p.file, line: 1, column: 1, endLine: 1, endColumn: 1 };
  const r = p.ranges;
  return { file: p.placeFiles?.[i] ?? p.file, line: r[4 * i]!, column: r[4 * i + 1]!, endLine: r[4 * i + 2]!, endColumn: r[4 * i + 3]! };
}

/** Keeps the object's file aside for drops, and names the object's target (last, as per-document findings do). */
function aboutObject(p: Projection, f: Finding): Finding {
  if (f.file !== p.file) objectFile.set(f, p.file);
  if (p.target !== undefined) f.target = p.target;
  return f;
}

/** The place of `pointer`, or of its nearest parent the projection located (never the document's root); -1 when none. */
function placeIndex(p: Projection, pointer: string): number {
  const i = p.places.indexOf(pointer);
  if (i !== -1) return i;
  const segs = parsePointer(pointer);
  for (let n = segs.length - 1; n >= 1; n--) {
    const parent = p.places.indexOf(joinPointer('', ...segs.slice(0, n)));
    if (parent !== -1) return parent;
  }
  return -1;
}

function suppression(rule: Rule, p: Projection | null, file: string, id: ResourceId, options: RelationOptions): Suppression | null {
  const reason = options.inlineWaivers ? p?.waivers?.[rule.id] : undefined;
  if (reason) return { kind: 'annotation', reason };
  return configWaiverFor(options.waivers, rule.id, file, id);
}

function render(rule: Rule, unit: Unit, rel: Related, resource: string, namespace: string): string {
  return renderMessage(rule.message, (key) => {
    switch (key) {
      case '$resource':
        return resource;
      case '$kind':
        return unit.object.kind;
      case '$name':
        return unit.object.name;
      case '$namespace':
        return namespace;
      case '$related':
        return rel.related.length ? rel.related.join(', ') : 'none';
      case '$missing':
        return rel.missing.join(' and ');
      case '$ref':
        return rel.ref;
      default:
        return lookupPath(unit.value, key);
    }
  });
}

function makeFinding(rule: Rule, unit: Unit, rel: Related, options: RelationOptions): Finding {
  const p = unit.object.projection!;
  const message = render(rule, unit, rel, displayOf(unit.object), unit.object.namespace ?? '');
  // In an object with several pod specs, which one (the lines differ; the messages would not), as per-document findings say.
  const pod = unit.pod && p.podNames ? p.podNames[p.pods!.indexOf(unit.pod.pointer)] : undefined;
  return findingAt(rule, p, unit.pointer + (rule.relation!.at ?? ''), inPodSpec(message, pod), p.id, options);
}

/**
 * A relation finding at a place of a projected object, about `resource`, with that object's waivers.
 * `shownAt` is where it is shown when that is not what its pointer names (a namespace's finding shown
 * on one of its objects).
 */
function findingAt(rule: Rule, p: Projection, pointer: string, message: string, resource: ResourceId, options: RelationOptions, shownAt = pointer): Finding {
  const place = placeOf(p, shownAt);
  return aboutObject(p, {
    ruleId: rule.id,
    severity: options.severity?.[rule.id] ?? rule.severity,
    title: rule.title,
    message,
    ...place,
    pointer: p.basePointer + pointer,
    documentIndex: p.documentIndex,
    resource,
    remediation: rule.remediation,
    suppressed: suppression(rule, p, place.file, resource, options),
  });
}

/**
 * One finding for a namespace: on its Namespace object when the target defines one, else shown on
 * the first unit of the namespace in file order. Its resource is the Namespace either way, and
 * without a Namespace object its pointer is the whole namespace (""), not the place it is shown at:
 * so the fingerprint (and a baseline entry) stays when workloads come and go, whichever kind is first.
 */
function namespaceFinding(rule: Rule, ns: string, first: Related & { unit: Unit }, index: TargetIndex, options: RelationOptions): Finding {
  const nsObject = index.namespaceObject(ns);
  const resource: ResourceId = { group: '', kind: 'Namespace', namespace: null, name: ns };
  const message = render(rule, first.unit, first, `Namespace ${ns}`, ns);
  if (nsObject) return findingAt(rule, nsObject.projection!, '/metadata/name', message, resource, options);
  const p = first.unit.object.projection!;
  return findingAt(rule, p, '', message, resource, options, first.unit.pointer + (rule.relation!.at ?? ''));
}
