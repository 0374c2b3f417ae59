import picomatch from 'picomatch';
import { PARSE_ERROR, type ConfigDocument, type ReadProblem } from '../parse/documents.js';
import { formatResource, isRecord } from '../parse/identity.js';
import { getAtPointer, getAtSegments, joinPointer, parsePointer, pointersOverlap } from '../parse/pointer.js';
import type { Finding, Severity, Suppression } from '../report/types.js';
import { DocumentTargets, inPodSpec, podSpecNameAt, POD_SPEC_KINDS, podTemplateAt, resolveInstancePath } from '../rules/targets.js';
import type { Rule, ValidationError } from '../rules/types.js';
import { lookupPath, maskSecret, renderMessage, showValue } from './message.js';
import { ANNOTATION_PREFIX, annotationWaiver, configWaiverFor, type CompiledWaiver } from './waivers.js';

export interface PolicyOptions {
  /** Per-rule severity overrides from config. */
  severity?: Record<string, Severity>;
  /** Honour `aiops-guard.io/ignore.<rule>` annotations (off with --no-inline-waivers). */
  inlineWaivers: boolean;
  waivers: readonly CompiledWaiver[];
  /** Every rule id loaded (before only/skip), to report annotations that name no rule. */
  knownRuleIds: ReadonlySet<string>;
}

interface PreparedRule {
  rule: Rule;
  kinds: Set<string> | null;
  groups: Set<string> | null;
  files: ((path: string) => boolean) | null;
}

export const WAIVER_RULE = { id: 'waiver-invalid', title: 'Waiver is not valid', severity: 'medium' as Severity };

/** The checks the reader makes itself, whatever rules run: what the API server would reject or read otherwise. */
const READ_CHECKS: Record<ReadProblem['ruleId'], { title: string; severity: Severity; remediation: string }> = {
  'invalid-field-type': {
    title: 'Field the API server rejects',
    severity: 'high',
    remediation: 'Give the field the type the Kubernetes API defines (kubectl explain <kind>.<field>); the API server rejects it as written, and nothing below it was checked.',
  },
  'duplicate-key': {
    title: 'Duplicate key',
    severity: 'high',
    remediation: 'Remove one of the two keys; a reader sees only the last value, a reviewer often only the first.',
  },
};

function readProblemFindings(doc: ConfigDocument, options: PolicyOptions): Finding[] {
  return (doc.problems ?? []).map((p) => {
    const check = READ_CHECKS[p.ruleId];
    return {
      ruleId: p.ruleId,
      severity: options.severity?.[p.ruleId] ?? check.severity,
      title: check.title,
      message: p.message,
      ...baseFinding(doc, p.pointer),
      ...(p.at ?? {}),
      remediation: check.remediation,
      suppressed: suppressionFor(doc, p.ruleId, options),
    };
  });
}

/** A run's rules, with their match predicates precomputed and an index by kind. */
export interface PreparedRules {
  /** The rules that can apply to a document of this kind (null: not a Kubernetes object). */
  forKind(kind: string | null): readonly PreparedRule[];
  supersedes: ReadonlyMap<string, readonly string[]>;
}

/** Kinds a rule can apply to: its match.kinds, and only workloads for pod-spec and container targets. */
function applicableKinds(rule: Rule): Set<string> | null {
  const base = (rule.target ?? 'document').split('/')[0];
  const workloads = base === 'podSpec' || base === 'container' ? POD_SPEC_KINDS : null;
  const kinds = rule.match?.kinds ?? null;
  if (kinds && workloads) return new Set(kinds.filter((k) => workloads.includes(k)));
  return kinds || workloads ? new Set(kinds ?? workloads) : null;
}

/**
 * A rule's `match.files` test. Rules with the same globs (the compose pack's) share one matcher, and a
 * file's answer is kept: every rule without kinds is asked it for every document of every file.
 */
function fileMatchers(): (globs: readonly string[]) => (path: string) => boolean {
  const byGlobs = new Map<string, (path: string) => boolean>();
  return (globs) => {
    const key = JSON.stringify(globs);
    let test = byGlobs.get(key);
    if (!test) {
      const match = picomatch([...globs], { dot: true });
      const known = new Map<string, boolean>();
      test = (path) => {
        let yes = known.get(path);
        if (yes === undefined) known.set(path, (yes = match(path)));
        return yes;
      };
      byGlobs.set(key, test);
    }
    return test;
  };
}

/** Precomputes each rule's match predicates once per run. */
export function prepareRules(rules: readonly Rule[]): PreparedRules {
  const filesMatcher = fileMatchers();
  // Relation rules run after every document, over a target's objects (src/relations/).
  const prepared: PreparedRule[] = rules.filter((rule) => !rule.relation).map((rule) => ({
    rule,
    kinds: applicableKinds(rule),
    groups: rule.match?.apiGroups ? new Set(rule.match.apiGroups) : null,
    files: rule.match?.files ? filesMatcher(rule.match.files) : null,
  }));
  const byKind = new Map<string | null, PreparedRule[]>();
  return {
    forKind(kind) {
      let list = byKind.get(kind);
      if (!list) byKind.set(kind, (list = prepared.filter((p) => !p.kinds || (kind !== null && p.kinds.has(kind)))));
      return list;
    },
    supersedes: new Map(rules.map((r) => [r.id, r.supersedes ?? []])),
  };
}

function matches(p: PreparedRule, doc: ConfigDocument): boolean {
  if (p.groups && (!doc.id || !p.groups.has(doc.id.group))) return false;
  if (p.files && !p.files(doc.file)) return false;
  return true;
}

function baseFinding(doc: ConfigDocument, pointer: string): Omit<Finding, 'ruleId' | 'severity' | 'title' | 'message' | 'remediation' | 'suppressed'> {
  // A rendered object's value may have been set in a patch or a kustomization, not where the object starts.
  const { file = doc.file, line, column, endLine, endColumn } = doc.locate(pointer);
  return { file, line, column, endLine, endColumn, pointer: doc.basePointer + pointer, documentIndex: doc.index, resource: doc.id, ...(doc.target !== undefined ? { target: doc.target } : {}) };
}

/**
 * How a message names the field at `pointer` ({{$field}}): its key; a list item as `args[1]`; the
 * `value` of a `{name, value}` item (an env var) by its name.
 */
export function fieldName(data: unknown, pointer: string): string {
  const segs = parsePointer(pointer);
  const last = segs[segs.length - 1];
  if (last === undefined) return '';
  if (/^\d+$/.test(last) && segs.length > 1) return `${segs[segs.length - 2]}[${last}]`;
  if (last === 'value') {
    const parent = getAtSegments(data, segs, segs.length - 1);
    if (isRecord(parent) && typeof parent.name === 'string' && parent.name) return parent.name;
  }
  return last;
}

/** Evaluates every matching rule on one document and applies waivers. */
export function evaluateDocument(doc: ConfigDocument, rules: PreparedRules, options: PolicyOptions, targets = new DocumentTargets(doc.data)): Finding[] {
  const findings: Finding[] = readProblemFindings(doc, options);
  // Pod-level problems seen through several containers ($pod) are reported once.
  const reported = new Set<string>();
  for (const p of rules.forKind(doc.id?.kind ?? null)) {
    if (!matches(p, doc)) continue;
    const { rule } = p;
    const target = rule.target ?? 'document';
    for (const inst of targets.of(target)) {
      if (rule.validate(inst.value)) continue;
      for (const instancePath of failingPlaces(rule.validate.errors ?? [], inst.partial === true)) {
      const pointer = resolveInstancePath(inst, instancePath);
      const key = `${rule.id}\u0000${pointer}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const resolve = (key: string): unknown => {
        switch (key) {
          case '$value':
            return showValue(getAtPointer(doc.data, pointer));
          case '$masked':
            // A NAME=value entry's secret is its value, not the whole string.
            return maskSecret(inst.entry && pointer === inst.pointer ? (inst.value as { value: unknown }).value : getAtPointer(doc.data, pointer));
          case '$field':
            return inst.entry && pointer === inst.pointer ? String((inst.value as { name: unknown }).name) : fieldName(doc.data, pointer);
          case '$container':
            return inst.container ?? '';
          case '$resource':
            return doc.id ? formatResource(doc.id) : doc.file;
          case '$kind':
            return doc.id?.kind ?? '';
          case '$name':
            return doc.id?.name ?? '';
          case '$namespace':
            return doc.id?.namespace ?? '';
          default:
            return lookupPath(inst.value, key);
        }
      };
      // In a document with several pod specs, which one (the lines differ; the messages would not).
      const pod = podSpecNameAt(targets, doc.data, pointer);
      const message = renderMessage(rule.message, resolve);
      findings.push({
        ruleId: rule.id,
        severity: options.severity?.[rule.id] ?? rule.severity,
        title: rule.title,
        message: inPodSpec(message, pod),
        ...baseFinding(doc, pointer),
        remediation: rule.remediation,
        suppressed: suppressionFor(doc, rule.id, options),
      });
      }
    }
  }
  if (options.inlineWaivers) findings.push(...invalidAnnotations(doc, options, targets));
  return dropMergedCopies(dropSuperseded(findings, rules));
}

/**
 * A value written once and merged into several places (`<<: *airflow-common` in six compose
 * services) is one problem with one fix, where it is written: findings of one rule at the same
 * place in the source with the same message are kept once (the first, in document order).
 */
function dropMergedCopies(findings: Finding[]): Finding[] {
  if (findings.length < 2) return findings;
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.ruleId}\u0000${f.file}\u0000${f.line}:${f.column}:${f.endLine}:${f.endColumn}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The places a validation failed, one per instance path. When an anyOf, oneOf or contains
 * fails, Ajv lists each branch's (or item's) errors and then its own: only the combinator's
 * place counts, since no single branch was required. A failed if/then reports the `then`
 * errors and an `if` error at the parent: the parent adds nothing.
 */
function failingPlaces(errors: readonly ValidationError[], partial = false): string[] {
  if (errors.length === 0) return partial ? [] : [''];
  const combinators = errors.filter((e) => /\/(anyOf|oneOf|contains)$/.test(e.schemaPath)).map((e) => e.schemaPath + '/');
  const places: string[] = [];
  for (const e of errors) {
    if (e.schemaPath.endsWith('/if')) continue;
    if (combinators.some((c) => e.schemaPath.startsWith(c))) continue;
    if (partial && absent(e, errors)) continue;
    if (!places.includes(e.instancePath)) places.push(e.instancePath);
  }
  return places;
}

/**
 * A failure that only says something is missing: a `required`, or an anyOf/oneOf all of whose
 * branches failed that way. In a partial pod spec (a layer an operator merges with others) what is
 * missing may come from another layer, so only what it sets is judged.
 */
function absent(e: ValidationError, errors: readonly ValidationError[]): boolean {
  if (e.keyword === 'required') return true;
  if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') return false;
  const inside = errors.filter((b) => b.schemaPath.startsWith(`${e.schemaPath}/`) && !b.schemaPath.endsWith('/if'));
  return inside.length > 0 && inside.every((b) => b.keyword === 'required' || ((b.keyword === 'anyOf' || b.keyword === 'oneOf') && absent(b, errors)));
}

/**
 * Where a rule that `supersedes` others reports, their findings at the same place are redundant:
 * the same pointer, or one inside the other (a hostPath volume and that volume's path).
 */
function dropSuperseded(findings: Finding[], rules: PreparedRules): Finding[] {
  if (findings.length < 2) return findings;
  const { supersedes } = rules;
  return findings.filter(
    (f) => !findings.some((g) => g !== f && (supersedes.get(g.ruleId) ?? []).includes(f.ruleId) && pointersOverlap(f.pointer, g.pointer)),
  );
}

function suppressionFor(doc: ConfigDocument, ruleId: string, options: PolicyOptions): Suppression | null {
  if (options.inlineWaivers) {
    const a = annotationWaiver(doc, ruleId);
    if (a && a.reason) return { kind: 'annotation', reason: a.reason };
  }
  return configWaiverFor(options.waivers, ruleId, doc.file, doc.id);
}

/**
 * Config waivers applied to findings evaluated without them (a cached file's): the same
 * suppressions evaluateDocument would give. Parse errors and invalid waivers are never waived.
 */
export function applyConfigWaivers(findings: Finding[], waivers: readonly CompiledWaiver[]): void {
  if (waivers.length === 0) return;
  for (const f of findings) {
    if (f.suppressed || f.ruleId === PARSE_ERROR || f.ruleId === WAIVER_RULE.id) continue;
    f.suppressed = configWaiverFor(waivers, f.ruleId, f.file, f.resource);
  }
}

/** Annotations that waive nothing: no reason given, or a rule id that does not exist. */
function invalidAnnotations(doc: ConfigDocument, options: PolicyOptions, targets: DocumentTargets): Finding[] {
  const data = doc.data;
  if (!isRecord(data)) return [];
  const out: Finding[] = [];
  // On a pod template the annotation is the pods' (Helm charts' podAnnotations put it there), not the object's: it waives nothing.
  for (const pod of targets.of('podSpec')) {
    const template = podTemplateAt(data, pod.pointer);
    const meta = template && isRecord(template.value) ? template.value.metadata : undefined;
    const annotations = isRecord(meta) ? meta.annotations : undefined;
    if (!isRecord(annotations)) continue;
    for (const key of Object.keys(annotations)) {
      if (!key.startsWith(ANNOTATION_PREFIX)) continue;
      const pointer = joinPointer(template!.pointer, 'metadata', 'annotations', key);
      out.push({
        ruleId: WAIVER_RULE.id,
        severity: WAIVER_RULE.severity,
        title: WAIVER_RULE.title,
        message: `Annotation "${key}" is on a pod template, where it waives nothing`,
        ...baseFinding(doc, pointer),
        remediation: `Move it to the object's own metadata.annotations (${doc.id ? formatResource(doc.id) : 'the document'}'s): inline waivers are read there.`,
        suppressed: null,
      });
    }
  }
  if (!isRecord(data.metadata) || !isRecord(data.metadata.annotations)) return out;
  for (const key of Object.keys(data.metadata.annotations)) {
    if (!key.startsWith(ANNOTATION_PREFIX)) continue;
    const ruleId = key.slice(ANNOTATION_PREFIX.length);
    const a = annotationWaiver(doc, ruleId)!;
    let problem: string | null = null;
    if (!options.knownRuleIds.has(ruleId)) problem = `names no known rule "${ruleId}", so it waives nothing`;
    else if (!a.reason) problem = 'has no reason, so it waives nothing';
    if (!problem) continue;
    out.push({
      ruleId: WAIVER_RULE.id,
      severity: WAIVER_RULE.severity,
      title: WAIVER_RULE.title,
      message: `Annotation "${key}" ${problem}`,
      ...baseFinding(doc, a.pointer),
      remediation: `Give the reason as the annotation's value ("${key}: <why this is acceptable>") and check the rule id with "aiops-guard rules list".`,
      suppressed: null,
    });
  }
  return out;
}
