import picomatch from 'picomatch';
import { buildReport, compareFindings, referencedRules, runCheckPipeline, type CheckOptions, type CheckResult } from '../check.js';
import type { Rule } from '../rules/types.js';
import type { ConfigDocument } from '../parse/documents.js';
import { formatResource, isRecord } from '../parse/identity.js';
import { getAtPointer, parsePointer, pointersOverlap } from '../parse/pointer.js';
import { evaluateDocument } from '../policy/evaluate.js';
import { decideExitCode } from '../report/exit-code.js';
import type { DriftChange, DriftItem, FailOn, Finding, Report, ReportError, ResourceId } from '../report/types.js';
import { diffResources, type Change } from './diff.js';
import { driftKey, isClusterScoped, resolvedId } from './identity.js';
import { createMasker } from './mask.js';
import { loadSnapshot, type LiveObject } from './snapshot.js';

export interface DriftOptions extends CheckOptions {
  /** Snapshot file, folder, or "-" for standard input. */
  live: string;
  stdin?: NodeJS.ReadableStream;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Kinds that exist in a namespace without anyone committing them. */
const NEVER_UNMANAGED = new Set(['Event', 'Endpoints', 'EndpointSlice', 'Lease', 'ControllerRevision', 'PodMetrics']);
/** Not deployed resources: kustomize and similar build inputs. */
const BUILD_INPUTS = new Set(['Kustomization', 'Component']);

/** A Secret's stringData is what its data will be, base64-encoded: compare them as one. */
function normalizeSecret(data: unknown): unknown {
  if (!isRecord(data) || data.kind !== 'Secret' || !isRecord(data.stringData)) return data;
  const merged: Record<string, unknown> = { ...(isRecord(data.data) ? data.data : {}) };
  for (const [k, v] of Object.entries(data.stringData)) merged[k] = Buffer.from(String(v), 'utf8').toString('base64');
  const { stringData: _s, ...rest } = data;
  return { ...rest, data: merged };
}

/** What the API server keeps of a manifest: a Secret's stringData as data; no namespace on cluster-scoped kinds. */
export function normalizeDesired(data: unknown): unknown {
  const out = normalizeSecret(data);
  if (!isRecord(out) || typeof out.kind !== 'string' || !isClusterScoped(out.kind) || !isRecord(out.metadata) || !('namespace' in out.metadata)) return out;
  const { namespace: _ns, ...metadata } = out.metadata;
  return { ...out, metadata };
}

export function lastAppliedOf(live: Record<string, unknown>): unknown {
  const meta = live.metadata;
  if (!isRecord(meta) || !isRecord(meta.annotations) || typeof meta.annotations[LAST_APPLIED] !== 'string') return undefined;
  try {
    return normalizeDesired(JSON.parse(meta.annotations[LAST_APPLIED]) as unknown);
  } catch {
    return undefined;
  }
}

/** Objects the cluster makes by itself: owned by a controller, or well-known defaults. */
function isAutoCreated(obj: LiveObject): boolean {
  const meta = isRecord(obj.data.metadata) ? obj.data.metadata : {};
  if (Array.isArray(meta.ownerReferences) && meta.ownerReferences.length > 0) return true;
  if (NEVER_UNMANAGED.has(obj.id.kind)) return true;
  if (obj.id.kind === 'ServiceAccount' && obj.id.name === 'default') return true;
  if (obj.id.kind === 'ConfigMap' && obj.id.name === 'kube-root-ca.crt') return true;
  return obj.id.kind === 'Secret' && obj.data.type === 'kubernetes.io/service-account-token';
}

interface IgnoreRule {
  kind: (s: string) => boolean;
  name: (s: string) => boolean;
  namespace: (s: string) => boolean;
  pointers: string[][];
}

function compileIgnores(result: CheckResult): IgnoreRule[] {
  const glob = (g?: string) => (g ? picomatch(g) : () => true);
  return (result.config.config.drift?.ignoreDifferences ?? []).map((e) => ({
    kind: glob(e.kind),
    name: glob(e.name),
    namespace: glob(e.namespace),
    pointers: e.pointers.map(parsePointer),
  }));
}

/** A change is ignored when its pointer is at or under an ignored pointer (`*` matches one segment). */
function isIgnored(ignores: readonly IgnoreRule[], id: ResourceId, pointer: string): boolean {
  const segs = parsePointer(pointer);
  return ignores.some(
    (r) =>
      r.kind(id.kind) &&
      r.name(id.name ?? '') &&
      r.namespace(id.namespace ?? '') &&
      r.pointers.some((p) => p.length <= segs.length && p.every((s, i) => s === '*' || s === segs[i])),
  );
}


/** What a drift computation found, before it is put in a report. */
export interface DriftResult {
  items: DriftItem[];
  findings: Finding[];
  errors: ReportError[];
  /** Live objects by drift identity, for matching them against history. */
  live: Map<string, LiveObject>;
  defaultNamespace: string;
  source: string;
}

/** `drift` as a library call: desired state from git against a live snapshot. */
export async function runDrift(options: DriftOptions): Promise<Report> {
  const result = await runCheckPipeline({ ...options, keepDocuments: true, skipPolicy: true });
  const drift = await computeDrift(result, options);
  const report = buildReport({ ...result, findings: drift.findings, errors: drift.errors });
  return withDrift(report, drift, result.failOn, result.rules);
}

/** Adds a drift result to a report and decides its exit code. */
export function withDrift(report: Report, drift: DriftResult, failOn: FailOn, rules: readonly Rule[]): Report {
  report.source.live = drift.source;
  report.rules = referencedRules(rules, [...report.findings, ...drift.items.flatMap((d) => d.liveFindings)]);
  report.drift = drift.items;
  report.summary.drifted = drift.items.length;
  report.summary.exitCode = decideExitCode(report.findings, failOn, drift.items.length);
  return report;
}

/** Compares the desired documents of a check (run with keepDocuments) with a live snapshot. */
export async function computeDrift(result: CheckResult, options: Pick<DriftOptions, 'live' | 'cwd' | 'stdin'>): Promise<DriftResult> {
  const snapshot = await loadSnapshot(options.live, options.cwd, options.stdin);
  const defaultNamespace = result.config.config.drift?.defaultNamespace ?? 'default';
  const errors: ReportError[] = [...result.errors, ...snapshot.errors];
  const findings: Finding[] = [...result.findings];

  // Desired objects by identity; a second declaration of one identity is an error, never merged.
  const desired = new Map<string, ConfigDocument>();
  for (const doc of result.documents) {
    if (!doc.id || BUILD_INPUTS.has(doc.id.kind)) continue;
    if (!doc.id.name) {
      errors.push({ code: 'resource-without-name', file: doc.file, line: doc.start.line, message: `${doc.id.kind} without metadata.name; not compared with live` });
      continue;
    }
    const key = driftKey(doc.id, defaultNamespace);
    const first = desired.get(key);
    if (first) {
      findings.push(duplicateFinding(doc, first, defaultNamespace));
      continue;
    }
    desired.set(key, doc);
  }
  const live = new Map<string, LiveObject>();
  for (const obj of snapshot.objects) {
    const key = driftKey(obj.id, defaultNamespace);
    if (live.has(key)) errors.push({ code: 'snapshot-duplicate', file: snapshot.source, line: null, message: `${formatResource(obj.id)} is in the snapshot twice (${obj.origin}); the first is used` });
    else live.set(key, obj);
  }

  const ignores = compileIgnores(result);
  const secretRules = new Set(result.rules.filter((r) => r.category === 'secrets').map((r) => r.id));
  const mask = createMasker();
  const items: DriftItem[] = [];
  for (const [key, doc] of desired) {
    const id = resolvedId(doc.id!, defaultNamespace);
    const obj = live.get(key);
    const at = doc.start;
    if (!obj) {
      items.push({ status: 'missing', resource: id, file: doc.file, line: at.line, changes: [], securityRelevant: false, liveFindings: [] });
      continue;
    }
    const want = normalizeDesired(doc.data);
    const diff = diffResources(want, obj.data, lastAppliedOf(obj.data));
    let changes: Change[] = diff.changes.filter((c) => !isIgnored(ignores, id, c.pointer));
    // Nothing differs but server defaults: live cannot have findings git has not. Skip the rules.
    if (changes.length === 0 && diff.liveOnly.length === 0) continue;
    // Live is checked with the same rules; findings git does not have make the drift security-relevant.
    // Positions point into the git file; they are looked up (which may re-parse it) only for those.
    const atStart = () => doc.start;
    const liveDoc: ConfigDocument = { ...doc, data: obj.data, id: obj.id, locate: atStart };
    const liveAll = evaluateDocument(liveDoc, result.prepared, result.policy).filter((f) => !f.suppressed);
    let newInLive: Finding[] = [];
    let secretPointers: string[] = [];
    if (liveAll.length > 0 || changes.length > 0) {
      const desiredAll = evaluateDocument({ ...doc, locate: atStart }, result.prepared, result.policy);
      const gitRules = new Set(desiredAll.filter((f) => !f.suppressed).map((f) => f.ruleId));
      newInLive = liveAll.filter((f) => !gitRules.has(f.ruleId)).map((f) => ({ ...f, ...doc.locate(f.pointer.slice(doc.basePointer.length)) }));
      secretPointers = [...desiredAll, ...liveAll].filter((f) => secretRules.has(f.ruleId)).map((f) => f.pointer.slice(doc.basePointer.length));
      // A live-only field is not drift, unless it is what made live less secure.
      for (const f of newInLive) {
        const pointer = f.pointer.slice(doc.basePointer.length);
        if (!changes.some((c) => pointersOverlap(c.pointer, pointer)) && !isIgnored(ignores, id, pointer)) {
          changes.push({ pointer, desired: getAtPointer(want, pointer), live: getAtPointer(obj.data, pointer) });
        }
      }
    }
    if (changes.length === 0) continue;
    changes = changes.sort((a, b) => (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
    const isSecret = id.kind === 'Secret' && id.group === '';
    const shown = changes.map((c): DriftChange => {
      const secret = (isSecret && /^\/(data|stringData)(\/|$)/.test(c.pointer)) || secretPointers.some((p) => pointersOverlap(p, c.pointer));
      const out: DriftChange = { pointer: c.pointer };
      if (c.desired !== undefined) out.desired = secret ? mask(c.desired) : c.desired;
      if (c.live !== undefined) out.live = secret ? mask(c.live) : c.live;
      if (c.note) out.note = c.note;
      return out;
    });
    items.push({ status: 'modified', resource: id, file: doc.file, line: at.line, changes: shown, securityRelevant: newInLive.length > 0, liveFindings: newInLive });
  }

  // Live objects git does not declare, in the namespaces the repository manages.
  const scope = new Set(result.config.config.drift?.namespaces ?? namespacesOf(desired, defaultNamespace));
  for (const [key, obj] of live) {
    if (desired.has(key) || isClusterScoped(obj.id.kind) || !obj.id.namespace || !scope.has(obj.id.namespace) || isAutoCreated(obj)) continue;
    items.push({ status: 'unmanaged', resource: obj.id, file: null, line: null, changes: [], securityRelevant: false, liveFindings: [] });
  }

  const order = { modified: 0, missing: 1, unmanaged: 2 };
  items.sort(
    (a, b) =>
      Number(b.securityRelevant) - Number(a.securityRelevant) ||
      order[a.status] - order[b.status] ||
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      formatResource(a.resource).localeCompare(formatResource(b.resource)),
  );
  findings.sort(compareFindings);
  return { items, findings, errors, live, defaultNamespace, source: snapshot.source };
}

function namespacesOf(desired: Map<string, ConfigDocument>, defaultNamespace: string): string[] {
  const out = new Set<string>();
  for (const doc of desired.values()) {
    const id = doc.id!;
    if (id.kind === 'Namespace' && id.name) out.add(id.name);
    else if (!isClusterScoped(id.kind)) out.add(id.namespace ?? defaultNamespace);
  }
  return [...out];
}

function duplicateFinding(doc: ConfigDocument, first: ConfigDocument, defaultNamespace: string): Finding {
  const range = doc.start;
  const where = `${first.file}:${first.start.line}`;
  return {
    ruleId: 'duplicate-resource',
    severity: 'high',
    title: 'A resource is declared twice',
    message: `${formatResource(resolvedId(doc.id!, defaultNamespace))} is also declared at ${where}; one would overwrite the other when applied`,
    file: doc.file,
    ...range,
    pointer: doc.basePointer,
    documentIndex: doc.index,
    resource: doc.id,
    remediation: 'Keep one declaration of the resource (check kustomize overlays and copied files).',
    suppressed: null,
  };
}
