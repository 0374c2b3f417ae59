import { realpathSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import picomatch from 'picomatch';
import { runCheckPipeline } from '../check/pipeline.js';
import { buildReport, compareFindings, referencedRules } from '../check/report.js';
import type { CheckOptions, CheckResult } from '../check/types.js';
import { ConfigError, DataError } from '../errors.js';
import type { Rule, Validate } from '../rules/types.js';
import { PARSE_ERROR, type ConfigDocument } from '../parse/documents.js';
import { formatResource, groupOf, isRecord } from '../parse/identity.js';
import { getAtPointer, parsePointer, pointersOverlap } from '../parse/pointer.js';
import { evaluateDocument, prepareRules, type PolicyOptions, type PreparedRules } from '../policy/evaluate.js';
import { autoscaledTargets } from '../relations/scaled.js';
import { decideExitCode } from '../report/exit-code.js';
import type { DriftChange, DriftFailOn, DriftItem, FailOn, Finding, Report, ReportError, ResourceId } from '../report/types.js';
import { loadBuiltinRules } from '../rules/load.js';
import { inLiveVersion } from './versions.js';
import { diffResources, getAtDriftPointer, injectedContainerOf, INJECTED_CONTAINERS, toDesiredPointer, type Change } from './diff.js';
import { driftKey, isClusterScoped, learnScopes, resolvedId, type LearnedScopes } from './identity.js';
import { createDriftLocator, type PointerLocator } from './locate.js';
import { createMasker } from './mask.js';
import { loadSnapshot, type LiveObject } from './snapshot.js';

export interface DriftOptions extends CheckOptions {
  /** Snapshot file, folder, or "-" for standard input. */
  live: string;
  stdin?: NodeJS.ReadableStream;
  /** Report every live-only field, not only those that made live less secure (default: config drift.strict). */
  strict?: boolean;
  /** Which drift fails the run (default: config drift.failOn, else "any"). */
  failOnDrift?: DriftFailOn;
}

/** What computeDrift needs besides the desired documents. */
export type DriftInputs = Pick<DriftOptions, 'live' | 'cwd' | 'stdin' | 'strict' | 'failOnDrift'>;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Kinds that exist in a namespace without anyone committing them. */
const NEVER_UNMANAGED = new Set(['Event', 'Endpoints', 'EndpointSlice', 'Lease', 'ControllerRevision', 'PodMetrics']);
/** Not deployed resources: kustomize's own files (with `kustomize: off`); a Flux Kustomization (kustomize.toolkit.fluxcd.io) is deployed. */
const BUILD_INPUTS = new Set(['Kustomization', 'Component']);
const isBuildInput = (id: ResourceId) => BUILD_INPUTS.has(id.kind) && (id.group === '' || id.group === 'kustomize.config.k8s.io');
/** Findings in an injected sidecar that are hygiene, not security (its vendor pins its image and sizes it). */
const NOT_LESS_SECURE_IN_SIDECARS = new Set(['images', 'resources', 'reliability']);
/** Values shorter than this are too common to mask wherever they appear ("true", "80"). */
const MIN_SECRET_VALUE = 6;

/** A Secret's stringData is what its data will be, base64-encoded: compare them as one. */
function normalizeSecret(data: unknown): unknown {
  if (!isRecord(data) || data.kind !== 'Secret' || !isRecord(data.stringData)) return data;
  const merged: Record<string, unknown> = { ...(isRecord(data.data) ? data.data : {}) };
  for (const [k, v] of Object.entries(data.stringData)) merged[k] = Buffer.from(String(v), 'utf8').toString('base64');
  const { stringData: _s, ...rest } = data;
  return { ...rest, data: merged };
}

const groupOfData = (data: Record<string, unknown>) => (typeof data.apiVersion === 'string' ? groupOf(data.apiVersion) : '');

/**
 * What the API server keeps of a manifest: a Secret's stringData as data; no namespace on
 * cluster-scoped kinds; the default namespace on namespaced ones that have none (what
 * `kubectl apply` fills in), so rules see the object as it will run.
 */
export function normalizeDesired(data: unknown, defaultNamespace?: string, scopes?: LearnedScopes): unknown {
  const out = normalizeSecret(data);
  if (!isRecord(out) || typeof out.kind !== 'string') return out;
  const metadata = isRecord(out.metadata) ? out.metadata : {};
  if (isClusterScoped(out.kind, groupOfData(out), scopes)) {
    if (!('namespace' in metadata)) return out;
    const { namespace: _ns, ...rest } = metadata;
    return { ...out, metadata: rest };
  }
  if (defaultNamespace === undefined || typeof metadata.namespace === 'string') return out;
  return { ...out, metadata: { ...metadata, namespace: defaultNamespace } };
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

/** The live object as rules see it: without the records of how it was applied (last-applied JSON, managedFields). */
function withoutApplyRecords(live: Record<string, unknown>): Record<string, unknown> {
  if (!isRecord(live.metadata)) return live;
  const { managedFields: _m, ...metadata } = live.metadata;
  if (isRecord(metadata.annotations) && LAST_APPLIED in metadata.annotations) {
    const { [LAST_APPLIED]: _a, ...annotations } = metadata.annotations;
    metadata.annotations = annotations;
  }
  return { ...live, metadata };
}

/**
 * The claims the StatefulSets in git make from their volumeClaimTemplates, by namespace and name
 * prefix (`<template>-<statefulset>-`, then the ordinal): with the default Retain policy they carry no
 * owner reference (KEP-1847 adds one only for Delete), yet the controller made them, not a person.
 */
function claimPrefixes(desired: Iterable<ConfigDocument>, defaultNamespace: string): Set<string> {
  const out = new Set<string>();
  for (const doc of desired) {
    if (doc.id?.kind !== 'StatefulSet' || doc.id.group !== 'apps' || !doc.id.name || !isRecord(doc.data) || !isRecord(doc.data.spec)) continue;
    const templates = doc.data.spec.volumeClaimTemplates;
    for (const t of Array.isArray(templates) ? templates : []) {
      const name = isRecord(t) && isRecord(t.metadata) ? t.metadata.name : undefined;
      if (typeof name === 'string') out.add(`${doc.id.namespace ?? defaultNamespace}/${name}-${doc.id.name}-`);
    }
  }
  return out;
}

/** A claim a StatefulSet in git made (see claimPrefixes). */
function isStatefulSetClaim(obj: LiveObject, prefixes: ReadonlySet<string>): boolean {
  if (obj.id.kind !== 'PersistentVolumeClaim' || obj.id.group !== '' || !obj.id.name) return false;
  const m = /^(.*-)(\d+)$/.exec(obj.id.name);
  return m !== null && prefixes.has(`${obj.id.namespace ?? ''}/${m[1]}`);
}

/** Objects the cluster makes by itself: owned by a controller, or well-known defaults. */
function isAutoCreated(obj: LiveObject): boolean {
  const meta = isRecord(obj.data.metadata) ? obj.data.metadata : {};
  if (Array.isArray(meta.ownerReferences) && meta.ownerReferences.length > 0) return true;
  if (NEVER_UNMANAGED.has(obj.id.kind)) return true;
  // The API server's own Service, which its bootstrap controller makes again if deleted.
  if (obj.id.kind === 'Service' && obj.id.group === '' && obj.id.namespace === 'default' && obj.id.name === 'kubernetes') return true;
  if (obj.id.kind === 'ServiceAccount' && obj.id.name === 'default') return true;
  if (obj.id.kind === 'ConfigMap' && obj.id.name === 'kube-root-ca.crt') return true;
  return obj.id.kind === 'Secret' && obj.data.type === 'kubernetes.io/service-account-token';
}

/**
 * Objects that restrict what others may do, by API group and kind: one git declares and live lacks
 * (deleted by hand, never applied) leaves the cluster less secure than git says.
 */
const GUARDS = new Set([
  'networking.k8s.io/NetworkPolicy',
  'cilium.io/CiliumNetworkPolicy',
  'crd.projectcalico.org/NetworkPolicy',
  'projectcalico.org/NetworkPolicy',
  'security.istio.io/AuthorizationPolicy',
  'security.istio.io/PeerAuthentication',
  'security.istio.io/RequestAuthentication',
  '/ResourceQuota',
  '/LimitRange',
  'cilium.io/CiliumClusterwideNetworkPolicy',
  'kyverno.io/Policy',
  'kyverno.io/ClusterPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
]);
const isGuard = (id: ResourceId): boolean => GUARDS.has(`${id.group}/${id.kind}`);

/** A live object git does not declare that grants access (a binding made by hand) or exposes pods outside the cluster. */
function isGrant(id: ResourceId, data: Record<string, unknown>): boolean {
  if (id.group === 'rbac.authorization.k8s.io' && id.kind === 'RoleBinding') return true;
  const type = isRecord(data.spec) ? data.spec.type : undefined;
  return id.group === '' && id.kind === 'Service' && (type === 'LoadBalancer' || type === 'NodePort');
}

interface IgnoreRule {
  group: (s: string) => boolean;
  kind: (s: string) => boolean;
  name: (s: string) => boolean;
  namespace: (s: string) => boolean;
  pointers: string[][];
}

/**
 * `drift.ignoreDifferences`: ours (`pointers`, globs) or Argo CD's, pasted from an Application
 * (`group`, `kind`, `name`, `namespace`, `jsonPointers`). Argo's jq and managed-fields forms
 * cannot be honoured here, so they are a config error rather than a silent no-op.
 */
function compileIgnores(result: CheckResult): IgnoreRule[] {
  const glob = (g?: string) => (g === undefined || g === '*' ? () => true : picomatch(g));
  const { config, filepath, locate } = result.config;
  const where = (pointer: string) => {
    const at = locate(pointer);
    return `${filepath ?? '.aiopsrc.json'}:${at.line}:${at.column}`;
  };
  return (config.drift?.ignoreDifferences ?? []).map((e, i) => {
    for (const key of ['jqPathExpressions', 'managedFieldsManagers'] as const) {
      if (e[key] === undefined) continue;
      throw new ConfigError(
        `${where(`/drift/ignoreDifferences/${i}/${key}`)}: drift.ignoreDifferences[${i}].${key} is not supported (aiops-guard compares a snapshot, not Argo CD's managed fields or jq paths)`,
        'use "jsonPointers" (or "pointers"), e.g. "/spec/replicas"; a * in a pointer matches one segment',
      );
    }
    const pointers = [...(e.pointers ?? []), ...(e.jsonPointers ?? [])];
    if (pointers.length === 0) {
      throw new ConfigError(`${where(`/drift/ignoreDifferences/${i}`)}: drift.ignoreDifferences[${i}] has no "jsonPointers" (or "pointers"), so it ignores nothing`, 'add the fields to ignore, e.g. "jsonPointers": ["/spec/replicas"]');
    }
    return { group: e.group === undefined ? () => true : (g: string) => g === e.group, kind: glob(e.kind), name: glob(e.name), namespace: glob(e.namespace), pointers: pointers.map(parsePointer) };
  });
}

/** A change is ignored when its pointer is at or under an ignored pointer (`*` matches one segment, a keyed `[name=x]` one too). */
function isIgnored(ignores: readonly IgnoreRule[], id: ResourceId, pointer: string): boolean {
  if (ignores.length === 0) return false;
  const segs = parsePointer(pointer);
  return ignores.some(
    (r) =>
      r.group(id.group) &&
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
  /** Kinds' scopes as the snapshot shows them; pass to driftKey with defaultNamespace. */
  scopes: LearnedScopes;
  source: string;
  /** Which drift fails the run. */
  failOnDrift: DriftFailOn;
  /** Files and documents of the snapshot itself, found inside the repository and not read as desired state. */
  excluded: { files: number; documents: number };
}

/** `drift` as a library call: desired state from git against a live snapshot. */
export async function runDrift(options: DriftOptions): Promise<Report> {
  const result = await runCheckPipeline({ ...options, keepDocuments: true, skipPolicy: true });
  const drift = await computeDrift(result, options);
  const report = buildReport({
    ...result,
    fileCount: result.fileCount - drift.excluded.files,
    documentCount: result.documentCount - drift.excluded.documents,
    findings: drift.findings,
    errors: drift.errors,
  });
  return withDrift(report, drift, result.failOn, result.rules);
}

/** How many drifted resources fail the run under the drift gate. */
export function gatingDrift(items: readonly DriftItem[], failOnDrift: DriftFailOn): number {
  if (failOnDrift === 'never') return 0;
  return failOnDrift === 'security' ? items.filter((d) => d.securityRelevant).length : items.length;
}

/** Adds a drift result to a report and decides its exit code. */
export function withDrift(report: Report, drift: DriftResult, failOn: FailOn, rules: readonly Rule[]): Report {
  report.source.live = drift.source;
  report.rules = referencedRules(rules, [...report.findings, ...drift.items.flatMap((d) => d.liveFindings)]);
  report.drift = drift.items;
  report.summary.drifted = drift.items.length;
  report.summary.failOnDrift = drift.failOnDrift;
  report.summary.desiredUnparsed = new Set(report.findings.filter((f) => f.ruleId === PARSE_ERROR).map((f) => f.file)).size;
  report.summary.exitCode = decideExitCode(report.findings, failOn, gatingDrift(drift.items, drift.failOnDrift), report.errors);
  return report;
}

/** The snapshot's path relative to the repository root, when it lies inside it ("" when it does not). */
function snapshotInRepo(repoDir: string, cwd: string, live: string): string {
  if (live === '-') return '';
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const rel = path.relative(real(repoDir), real(path.resolve(cwd, live)));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return '';
  return rel.split(path.sep).join('/');
}

/** Everything that says a value is secret, whichever rules the run has: masking follows the field, not --only/--skip. */
interface SecretSense {
  rules: PreparedRules;
  policy: PolicyOptions;
  /** Fails on `{ name: value }` when the name is a credential's and the value a literal (secrets-helm-values-literal's reading). */
  named: Validate | null;
  /** Values of Secrets on either side (as stored, base64, and decoded): masked wherever they appear. */
  values: Set<string>;
}

function addSecretValues(values: Set<string>, data: unknown): void {
  if (!isRecord(data) || data.kind !== 'Secret') return;
  for (const field of ['data', 'stringData'] as const) {
    const map = data[field];
    if (!isRecord(map)) continue;
    for (const v of Object.values(map)) {
      if (typeof v !== 'string') continue;
      const other = field === 'data' ? Buffer.from(v, 'base64').toString('utf8') : Buffer.from(v, 'utf8').toString('base64');
      for (const s of [v, other]) if (s.length >= MIN_SECRET_VALUE && !s.includes('\uFFFD')) values.add(s);
    }
  }
}

async function prepareSecretSense(result: CheckResult, docs: Iterable<ConfigDocument>, live: Iterable<LiveObject>): Promise<SecretSense> {
  const builtin = (await loadBuiltinRules()).filter((r) => r.category === 'secrets');
  const ids = new Set(builtin.map((r) => r.id));
  const rules = [...builtin, ...result.rules.filter((r) => r.category === 'secrets' && !ids.has(r.id))];
  const values = new Set<string>();
  for (const d of docs) addSecretValues(values, d.data);
  for (const o of live) addSecretValues(values, o.data);
  // Waivers do not unmask: a waived secret is still a secret.
  const named = builtin.find((r) => r.id === CREDENTIAL_NAMES_RULE)?.validate ?? null;
  return { rules: prepareRules(rules), policy: { inlineWaivers: false, waivers: [], knownRuleIds: new Set() }, values, named };
}

/** The rule whose reading of names and values (a values file's, at any depth) masks credential-named fields of any kind. */
const CREDENTIAL_NAMES_RULE = 'secrets-helm-values-literal';

/**
 * Whether a change's field is named like a credential and holds a literal on either side, read as a
 * Helm values file is (the same rule, asked of `{ name: value }`): its key, the `name` of a
 * `{name, value}` item (an env var), or a list item by the list's key. The secrets rules know where
 * credentials are in the kinds they read; this masks the others, whatever the kind (a custom
 * resource's `password`, a Grafana's `admin_password`, an env var of a pod template a custom kind embeds).
 */
function credentialNamed(c: Change, want: unknown, live: unknown, named: Validate | null): boolean {
  if (!named) return false;
  const segs = parsePointer(c.pointer);
  const last = segs.at(-1);
  if (last === undefined) return false;
  // A list item is named by its list.
  const key = /^\d+$/.test(last) || last.startsWith('[') ? (segs.at(-2) ?? last) : last;
  return [
    [c.desired, want],
    [c.live, live],
  ].some(([value, data]) => {
    if (value === undefined) return false;
    // The value of a `{name, value}` item: the item's name is the field's (`value` needs no escaping, so the parent is the pointer without it).
    const parent = last === 'value' ? getAtDriftPointer(data, c.pointer.slice(0, -'/value'.length)) : undefined;
    const name = isRecord(parent) && typeof parent.name === 'string' ? parent.name : key;
    return !named({ [name]: namedItems(value) });
  });
}

/**
 * A value with each `{name, value}` item inside it (an env list, a whole env var) read as
 * `{ [name]: value }`, as a values file would write it, and numbers as the text they are (a
 * `pin: 482913` is printed as much as a quoted one; the rule counts only strings as literals).
 */
function namedItems(value: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(namedItems);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = namedItems(v);
  if (typeof value.name === 'string' && 'value' in value) out[value.name] = namedItems(value.value);
  return out;
}

function containsSecret(value: unknown, values: ReadonlySet<string>): boolean {
  if (value === undefined || values.size === 0) return false;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  for (const v of values) if (text.includes(v)) return true;
  return false;
}

function sortByPointer(changes: Change[]): Change[] {
  return changes.sort((a, b) => (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
}

/** Compares the desired documents of a check (run with keepDocuments) with a live snapshot. */
export async function computeDrift(result: CheckResult, options: DriftInputs): Promise<DriftResult> {
  const snapshot = await loadSnapshot(options.live, options.cwd, options.stdin);
  const driftConfig = result.config.config.drift ?? {};
  const defaultNamespace = driftConfig.defaultNamespace ?? 'default';
  const failOnDrift = options.failOnDrift ?? driftConfig.failOn ?? 'any';
  const strict = options.strict ?? driftConfig.strict ?? false;
  const injected = new Set([...INJECTED_CONTAINERS, ...(driftConfig.injected ?? [])]);
  const ignores = compileIgnores(result);
  const scopes = learnScopes(snapshot.objects.map((o) => o.id));

  // The snapshot is live state, never desired state, even when it was saved inside the repository.
  const liveRel = snapshotInRepo(result.repo.dir, options.cwd, options.live);
  const isSnapshotFile = (file: string | null) => liveRel !== '' && file !== null && (file === liveRel || file.startsWith(`${liveRel}/`));
  const documents = result.documents.filter((d) => !isSnapshotFile(d.file));
  const excludedFiles = new Set(result.documents.filter((d) => isSnapshotFile(d.file)).map((d) => d.file));
  for (const f of result.findings) if (isSnapshotFile(f.file)) excludedFiles.add(f.file);
  const excluded = { files: excludedFiles.size, documents: result.documents.length - documents.length };
  const errors: ReportError[] = [...result.errors.filter((e) => !isSnapshotFile(e.file)), ...snapshot.errors];
  const findings: Finding[] = result.findings.filter((f) => !isSnapshotFile(f.file));

  // Desired objects by identity; a second declaration of one identity is an error, never merged.
  const desired = new Map<string, ConfigDocument>();
  for (const doc of documents) {
    if (!doc.id || isBuildInput(doc.id)) continue;
    if (!doc.id.name) {
      errors.push({ code: 'resource-without-name', file: doc.file, line: doc.start.line, message: `${doc.id.kind} without metadata.name; not compared with live` });
      continue;
    }
    const key = driftKey(doc.id, defaultNamespace, scopes);
    const first = desired.get(key);
    if (first) {
      findings.push(duplicateFinding(doc, first, defaultNamespace, scopes));
      continue;
    }
    desired.set(key, doc);
  }
  // Live objects by identity: the same object twice (overlapping files) is one; two different ones are not a snapshot.
  const live = new Map<string, LiveObject>();
  for (const obj of snapshot.objects) {
    const key = driftKey(obj.id, defaultNamespace, scopes);
    const first = live.get(key);
    if (!first) live.set(key, obj);
    else if (!isDeepStrictEqual(first.data, obj.data)) {
      throw new DataError(
        `the snapshot has two different objects for ${formatResource(resolvedId(obj.id, defaultNamespace, scopes))}: ${first.origin} and ${obj.origin}`,
        'take the snapshot once (kubectl get ... -A -o json), or keep one of the files that list the object',
      );
    }
  }

  // Replicas an autoscaler in git owns are not drift; each difference there is said, not hidden.
  for (const { target, by } of autoscaledTargets(desired.values())) {
    const doc = desired.get(driftKey(target, defaultNamespace, scopes));
    const obj = live.get(driftKey(target, defaultNamespace, scopes));
    if (!doc) continue;
    const id = resolvedId(doc.id!, defaultNamespace, scopes);
    ignores.push({ group: (g) => g === id.group, kind: (k) => k === id.kind, name: (n) => n === id.name, namespace: (n) => n === (id.namespace ?? ''), pointers: [['spec', 'replicas']] });
    const [want, have] = [getAtPointer(doc.data, '/spec/replicas'), obj ? getAtPointer(obj.data, '/spec/replicas') : undefined];
    if (want === undefined || have === undefined || isDeepStrictEqual(want, have)) continue;
    const scaler = formatResource(resolvedId(by, defaultNamespace, scopes));
    errors.push({ code: 'drift-autoscaled-replicas', file: doc.file, line: doc.locate('/spec/replicas').line, message: `${formatResource(id)}: /spec/replicas not compared (git ${JSON.stringify(want)}, live ${JSON.stringify(have)}): ${scaler} scales it` });
  }
  const secrets = await prepareSecretSense(result, desired.values(), live.values());
  const categories = new Map(result.rules.map((r) => [r.id, r.category]));
  const mask = createMasker();
  const locatorFor = createDriftLocator(result.repo.dir, result.source.mode === 'worktree');
  const items: DriftItem[] = [];
  // A kind the snapshot has no object of may not have been fetched (`kubectl get` names its kinds): its missing resources say so.
  const liveKinds = new Set([...live.values()].map((o) => `${o.id.group}/${o.id.kind}`));
  for (const [key, doc] of desired) {
    const id = resolvedId(doc.id!, defaultNamespace, scopes);
    const obj = live.get(key);
    if (!obj) {
      const unfetched = liveKinds.has(`${id.group}/${id.kind}`) ? {} : { kindNotInSnapshot: true as const };
      items.push({ status: 'missing', resource: id, file: doc.file, line: doc.start.line, ...targetOf(doc), changes: [], securityRelevant: isGuard(id), liveFindings: [], ...unfetched });
      continue;
    }
    const item = compareResource(doc, id, obj, { ignores, strict, injected, defaultNamespace, scopes, result, secrets, categories, mask, locatorFor });
    if (item) items.push(item);
  }

  // Live objects git does not declare, in the namespaces the repository manages: known only when all of it was read.
  const scope = new Set(driftConfig.namespaces ?? namespacesOf(desired, defaultNamespace, scopes));
  if (result.partial) errors.push({ code: 'drift-partial', file: null, line: null, message: 'unmanaged resources are not reported: only part of the repository was compared (paths or --changed-since), and a live object may be declared in a file not read; compare the whole repository to find them' });
  const claims = claimPrefixes(desired.values(), defaultNamespace);
  for (const [key, obj] of result.partial ? [] : live) {
    if (desired.has(key) || isClusterScoped(obj.id.kind, obj.id.group, scopes) || !obj.id.namespace || !scope.has(obj.id.namespace) || isAutoCreated(obj) || isStatefulSetClaim(obj, claims)) continue;
    items.push({ status: 'unmanaged', resource: obj.id, file: null, line: null, changes: [], securityRelevant: isGrant(obj.id, obj.data), liveFindings: [] });
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
  return { items, findings, errors, live, defaultNamespace, scopes, source: snapshot.source, failOnDrift, excluded };
}

interface CompareContext {
  ignores: readonly IgnoreRule[];
  strict: boolean;
  injected: ReadonlySet<string>;
  defaultNamespace: string;
  scopes: LearnedScopes;
  result: CheckResult;
  secrets: SecretSense;
  categories: ReadonlyMap<string, string>;
  mask: (value: unknown) => string;
  locatorFor: (doc: ConfigDocument) => PointerLocator;
}

/** One desired document against its live object: the modified item, or null when they agree. */
function compareResource(doc: ConfigDocument, id: ResourceId, obj: LiveObject, ctx: CompareContext): DriftItem | null {
  const { ignores, result } = ctx;
  // The namespace is filled in before anything looks at the object: the rules see what the cluster runs.
  const want = inLiveVersion(normalizeDesired(doc.data, ctx.defaultNamespace, ctx.scopes), obj.data);
  const diff = diffResources(want, obj.data, lastAppliedOf(obj.data), { strict: ctx.strict, injected: ctx.injected });
  const changes: Change[] = diff.changes.filter((c) => !isIgnored(ignores, id, c.pointer));
  const liveOnly = [...diff.liveOnly, ...diff.injected].filter((p) => !isIgnored(ignores, id, p));
  // Nothing differs but server defaults: live cannot have findings git has not. Skip the rules.
  if (changes.length === 0 && liveOnly.length === 0) return null;

  // Live is checked with the same rules; findings git does not have make the drift security-relevant.
  // Positions point into the git file; they are looked up (which parses it again) only for drifted documents.
  let locator: PointerLocator | null = null;
  // A rendered object's positions come from its provenance (a base, patch or kustomization line), never from re-reading one file.
  const locate = (pointer: string): ReturnType<ConfigDocument['locate']> => (doc.target !== undefined ? doc.locate(pointer) : (locator ??= ctx.locatorFor(doc))(pointer));
  const base = doc.basePointer.length;
  const atStart = () => doc.start;
  const liveData = withoutApplyRecords(obj.data);
  const liveDoc: ConfigDocument = { ...doc, data: liveData, id: obj.id, locate: atStart };
  const desiredDoc: ConfigDocument = { ...doc, data: want, locate: atStart };
  const liveAll = evaluateDocument(liveDoc, result.prepared, result.policy).filter((f) => !f.suppressed);
  const newInLive: Finding[] = [];
  if (liveAll.length > 0) {
    const inGit = evaluateDocument(desiredDoc, result.prepared, result.policy).filter((f) => !f.suppressed);
    for (const f of liveAll) {
      const pointer = toDesiredPointer(f.pointer.slice(base), want, obj.data);
      // The same rule at the same place (or one inside the other) in git: not something live made worse.
      if (inGit.some((g) => g.ruleId === f.ruleId && pointersOverlap(g.pointer.slice(base), pointer))) continue;
      if (isIgnored(ignores, id, pointer)) continue;
      // An injected sidecar counts only for what makes live less secure, not for image or probe hygiene.
      if (injectedContainerOf(pointer, ctx.injected) && NOT_LESS_SECURE_IN_SIDECARS.has(ctx.categories.get(f.ruleId) ?? '')) continue;
      newInLive.push({ ...f, ...locate(pointer), pointer: doc.basePointer + pointer });
    }
  }
  // A live-only field is not drift, unless it is what made live less secure: then the field itself is the change.
  const differs = changes.length > 0;
  for (const f of newInLive) {
    const pointer = f.pointer.slice(base);
    if (changes.some((c) => pointersOverlap(c.pointer, pointer))) continue;
    const culprits = liveOnly.filter((p) => pointersOverlap(p, pointer)).map((p) => (p.length >= pointer.length ? p : pointer));
    // No live-only field explains it and git's values differ elsewhere (a removed pod securityContext): those changes say why.
    if (culprits.length === 0 && differs) continue;
    for (const at of culprits.length ? culprits : [pointer]) {
      if (changes.some((c) => c.pointer === at)) continue;
      changes.push({ pointer: at, desired: getAtDriftPointer(want, at), live: getAtDriftPointer(obj.data, at) });
    }
  }
  if (changes.length === 0) return null;

  const secretPointers = secretPointersOf(desiredDoc, liveDoc, want, obj.data, ctx.secrets);
  const isSecret = id.kind === 'Secret' && id.group === '';
  const shown = sortByPointer(changes).map((c): DriftChange => {
    const secret =
      (isSecret && /^\/(data|stringData)(\/|$)/.test(c.pointer)) ||
      /\/metadata\/annotations\/kubectl\.kubernetes\.io~1last-applied-configuration$/.test(c.pointer) ||
      secretPointers.some((p) => pointersOverlap(p, c.pointer)) ||
      containsSecret(c.desired, ctx.secrets.values) ||
      containsSecret(c.live, ctx.secrets.values) ||
      credentialNamed(c, want, obj.data, ctx.secrets.named);
    const at = locate(gitPointer(doc.data, c.pointer, isSecret));
    const out: DriftChange = { pointer: c.pointer, line: at.line, column: at.column, ...(at.file && at.file !== doc.file ? { file: at.file } : {}) };
    if (c.desired !== undefined) out.desired = secret ? ctx.mask(c.desired) : c.desired;
    if (c.live !== undefined) out.live = secret ? ctx.mask(c.live) : c.live;
    if (c.note) out.note = c.note;
    return out;
  });
  return { status: 'modified', resource: id, file: doc.file, line: doc.start.line, ...targetOf(doc), changes: shown, securityRelevant: newInLive.length > 0, liveFindings: newInLive };
}

/** The target of a rendered desired object, for its drift item. */
function targetOf(doc: ConfigDocument): { target?: string } {
  return doc.target !== undefined ? { target: doc.target } : {};
}

/** Where a change is in the git file: a Secret's data may be written there as stringData. */
function gitPointer(data: unknown, pointer: string, isSecret: boolean): string {
  const m = isSecret ? /^\/data\/([^/]+)$/.exec(pointer) : null;
  if (!m || !isRecord(data) || !isRecord(data.stringData)) return pointer;
  const key = parsePointer(pointer)[1]!;
  return key in data.stringData ? `/stringData/${m[1]}` : pointer;
}

/** Drift pointers of every value a built-in (or user) secrets rule flags on either side, waived or not. */
function secretPointersOf(desiredDoc: ConfigDocument, liveDoc: ConfigDocument, want: unknown, live: unknown, secrets: SecretSense): string[] {
  const base = desiredDoc.basePointer.length;
  const inGit = evaluateDocument(desiredDoc, secrets.rules, secrets.policy).map((f) => f.pointer.slice(base));
  const inLive = evaluateDocument(liveDoc, secrets.rules, secrets.policy).map((f) => toDesiredPointer(f.pointer.slice(base), want, live));
  return [...inGit, ...inLive];
}

function namespacesOf(desired: Map<string, ConfigDocument>, defaultNamespace: string, scopes: LearnedScopes): string[] {
  const out = new Set<string>();
  for (const doc of desired.values()) {
    const id = doc.id!;
    if (id.kind === 'Namespace' && id.name) out.add(id.name);
    else if (!isClusterScoped(id.kind, id.group, scopes)) out.add(id.namespace ?? defaultNamespace);
  }
  return [...out];
}

function duplicateFinding(doc: ConfigDocument, first: ConfigDocument, defaultNamespace: string, scopes: LearnedScopes): Finding {
  const range = doc.start;
  const where = `${first.file}:${first.start.line}`;
  return {
    ruleId: 'duplicate-resource',
    severity: 'high',
    title: 'A resource is declared twice',
    message: `${formatResource(resolvedId(doc.id!, defaultNamespace, scopes))} is also declared at ${where}; one would overwrite the other when applied`,
    file: doc.file,
    ...range,
    pointer: doc.basePointer,
    documentIndex: doc.index,
    resource: doc.id,
    remediation: 'Keep one declaration of the resource (check kustomize overlays and copied files).',
    suppressed: null,
  };
}
