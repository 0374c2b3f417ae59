import { splitPath, type FieldSpec } from './field-specs.js';
import { isMap, originAt, provChild, provConst, type Origin, type Prov } from './provenance.js';
import { currentId, effectiveNamespace, groupOfResource, kindOf, RenderError, versionOf, type Resource } from './resource.js';
import { specApplies, visitField } from './walk.js';

/**
 * kustomize's deprecated `vars`: `$(NAME)` in a fixed set of fields (varReference, below) becomes a
 * field of another object (`objref`, `fieldref.fieldpath`, metadata.name by default). Vars are
 * declared anywhere in the tree and resolved once, at the top, after content hashes and name
 * references (kusttarget.go makeCustomizedResMap), so a var sees the final names. Checked against
 * `kubectl kustomize` v5.5 (fixtures/kustomize/vars*).
 */
export interface Var {
  name: string;
  kind: string;
  objectName: string;
  group?: string;
  version?: string;
  namespace?: string;
  fieldPath: string;
  /** The kustomization and entry that declared it, for errors. */
  where: string;
}

/** Reads a kustomization's `vars`. */
export function readVars(value: unknown, file: string): Var[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new RenderError(`${file}: vars must be a list`);
  return value.map((raw, i): Var => {
    const where = `${file}: vars[${i}]`;
    const v = isMap(raw) ? goFields(raw, ['name', 'objref', 'fieldref'], where) : raw;
    if (!isMap(v) || typeof v.name !== 'string' || v.name === '') throw new RenderError(`${where} needs a name`);
    const ref = isMap(v.objref) ? goFields(v.objref, ['kind', 'name', 'apiVersion', 'group', 'version', 'namespace'], `${where}: objref`) : v.objref;
    if (!isMap(ref) || typeof ref.kind !== 'string' || typeof ref.name !== 'string') throw new RenderError(`${where} (${v.name}) needs objref with kind and name`);
    const out: Var = { name: v.name, kind: ref.kind, objectName: ref.name, fieldPath: 'metadata.name', where };
    if (typeof ref.apiVersion === 'string' && ref.apiVersion !== '') {
      const [g, ver] = ref.apiVersion.includes('/') ? ref.apiVersion.split('/', 2) : ['', ref.apiVersion];
      out.group = g!;
      out.version = ver!;
    }
    if (typeof ref.group === 'string') out.group = ref.group;
    if (typeof ref.version === 'string' && ref.version !== '') out.version = ref.version;
    if (typeof ref.namespace === 'string' && ref.namespace !== '') out.namespace = ref.namespace;
    if (v.fieldref !== undefined && v.fieldref !== null) {
      const fieldref = isMap(v.fieldref) ? goFields(v.fieldref, ['fieldpath'], `${where}: fieldref`) : null;
      if (!fieldref || (fieldref.fieldpath !== undefined && typeof fieldref.fieldpath !== 'string')) throw new RenderError(`${where}: fieldref.fieldpath must be a string`);
      if (typeof fieldref.fieldpath === 'string' && fieldref.fieldpath !== '') out.fieldPath = fieldref.fieldpath;
    }
    return out;
  });
}

/**
 * A map's keys matched to a Go struct's fields as kustomize's decoder (Go's encoding/json) matches
 * them: the exact name, else the same name in another case (fieldPath, the json tag of
 * types/var.go that Kubeflow writes, and fieldpath, kubectl's docs, are one field). A key that
 * matches no field is refused, as kustomize's strict decoding refuses it.
 */
function goFields(m: Record<string, unknown>, fields: readonly string[], where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(m)) {
    const field = fields.includes(key) ? key : fields.find((f) => f.toLowerCase() === key.toLowerCase());
    if (field === undefined) throw new RenderError(`${where}: unknown field "${key}"`);
    out[field] = value;
  }
  return out;
}

/** Adds a kustomization's vars to the ones met so far: a name declared twice anywhere in the tree is refused. */
export function mergeVars(into: Var[], more: readonly Var[]): void {
  for (const v of more) {
    const earlier = into.find((x) => x.name === v.name);
    if (earlier) throw new RenderError(`${v.where}: var '${v.name}' already encountered (${earlier.where})`);
    into.push(v);
  }
}

/** kustomize's varReference field specs (api/konfig/builtinpluginconsts/varreference.go). */
const WORKLOAD_PATHS = ['containers/args', 'containers/command', 'containers/env/value', 'containers/volumeMounts/mountPath', 'initContainers/args', 'initContainers/command', 'initContainers/env/value', 'initContainers/volumeMounts/mountPath'];
const VAR_REFERENCE: FieldSpec[] = [
  ...[...WORKLOAD_PATHS.map((p) => `spec/jobTemplate/spec/template/spec/${p}`), 'spec/jobTemplate/spec/template/volumes/nfs/server'].map((p) => spec(p, 'CronJob')),
  ...['DaemonSet', 'Deployment', 'Job', 'ReplicaSet', 'StatefulSet'].flatMap((kind) => WORKLOAD_PATHS.map((p) => spec(`spec/template/spec/${p}`, kind))),
  ...['DaemonSet', 'Deployment', 'Job', 'ReplicaSet'].map((kind) => spec('spec/template/spec/volumes/nfs/server', kind)),
  spec('spec/template/metadata/annotations', 'Deployment'),
  spec('spec/rules/host', 'Ingress'),
  spec('spec/tls/hosts', 'Ingress'),
  spec('spec/tls/secretName', 'Ingress'),
  ...WORKLOAD_PATHS.map((p) => spec(`spec/${p}`, 'Pod')),
  spec('spec/volumes/nfs/server', 'Pod'),
  spec('spec/ports/port', 'Service'),
  spec('spec/ports/targetPort', 'Service'),
  spec('spec/volumeClaimTemplates/spec/nfs/server', 'StatefulSet'),
  spec('spec/nfs/server', 'PersistentVolume'),
  spec('metadata/labels'),
  spec('metadata/annotations'),
];

function spec(path: string, kind?: string): FieldSpec {
  return { path: splitPath(path), create: false, ...(kind ? { kind } : {}) };
}

/** A var's value: its object's field (a scalar, which keeps its type when it is a field's whole value). */
function valueOf(v: Var, resources: readonly Resource[]): { value: string | number | boolean; origin: Origin } {
  const found = resources.filter(
    (res) =>
      kindOf(res) === v.kind &&
      (v.group === undefined || v.group === groupOfResource(res)) &&
      (v.version === undefined || v.version === versionOf(res)) &&
      res.ids.some((id) => id.name === v.objectName && (v.namespace === undefined || effectiveNamespace(res, id.namespace) === v.namespace)),
  );
  const ref = `'${v.name}' (${v.kind} ${v.objectName})`;
  if (found.length === 0) throw new RenderError(`${v.where}: var ${ref} cannot be mapped to a field in the set of known resources`);
  if (found.length > 1) throw new RenderError(`${v.where}: var ${ref} matches more than one resource`);
  const res = found[0]!;
  let node: unknown = res.data;
  let prov: Prov | undefined = res.prov;
  for (const step of fieldSteps(v.fieldPath)) {
    const next: unknown = typeof step === 'number' ? (Array.isArray(node) ? node[step] : undefined) : isMap(node) && Object.hasOwn(node, step) ? node[step] : undefined;
    prov = prov ? provChild(prov, step) : undefined;
    node = next;
  }
  if (typeof node !== 'string' && typeof node !== 'number' && typeof node !== 'boolean') {
    throw new RenderError(`${v.where}: field ${v.fieldPath} specified in var ${ref} not found in ${kindOf(res)} ${currentId(res).name} (or not a single value)`);
  }
  return { value: node, origin: originAt(prov ?? res.prov, '') };
}

/** `spec.ports[0].port` → spec, ports, 0, port (a var's fieldpath, as kustomize's GetFieldValue reads it). */
function fieldSteps(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/**
 * Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion): `$$` is a `$`, an unknown
 * or unclosed reference stays as written. A string that is exactly one known reference becomes
 * the var's value with its type (a port stays a number), as kustomize's refvar filter does.
 */
function expand(input: string, vars: ReadonlyMap<string, string | number | boolean>, onUse: (name: string) => void): string | number | boolean {
  const whole = /^\$\(([^)]*)\)$/.exec(input);
  if (whole && vars.has(whole[1]!)) {
    onUse(whole[1]!);
    return vars.get(whole[1]!)!;
  }
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close === -1) {
        out += '$(';
        cursor += 1;
      } else {
        const name = rest.slice(1, close);
        if (vars.has(name)) {
          onUse(name);
          out += String(vars.get(name));
        } else out += `$(${name})`;
        cursor += close + 1;
      }
    } else {
      // `$$` is one `$`; a `$` before anything else stays with it.
      out += rest[0] === '$' ? '$' : '$' + rest[0];
      cursor += 1;
    }
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** Resolves every var in every varReference field of every resource; a changed value points at the var's source field. */
export function resolveVars(resources: readonly Resource[], vars: readonly Var[], more: readonly FieldSpec[] = []): void {
  if (vars.length === 0) return;
  const specs = [...VAR_REFERENCE, ...more];
  const values = new Map<string, string | number | boolean>();
  const origins = new Map<string, Origin>();
  for (const v of vars) {
    const { value, origin } = valueOf(v, resources);
    values.set(v.name, value);
    origins.set(v.name, origin);
  }
  const substitute = (holder: Record<string, unknown> | unknown[], holderProv: Prov, key: string | number): void => {
    const current = (holder as Record<string | number, unknown>)[key];
    if (typeof current !== 'string' || !current.includes('$')) return;
    let first: string | null = null;
    const next = expand(current, values, (name) => (first ??= name));
    if (next === current) return;
    (holder as Record<string | number, unknown>)[key] = next;
    // The value now comes from a var's source field (the first var in it, when there are several).
    const origin = first === null ? null : origins.get(first);
    if (origin) (holderProv as Record<string | number, Prov>)[key] = provConst(next, origin);
  };
  for (const res of resources) {
    for (const s of specs) {
      if (!specApplies(s, res)) continue;
      // kustomize walks every item of a list on the way and cannot take an index (kubeflow's older `containers/0/args/1`).
      if (s.path.some((seg) => /^\d+$/.test(seg))) throw new RenderError(`considering field '${s.path.join('/')}' of ${kindOf(res)} ${currentId(res).name}: a field spec cannot index a list (kustomize refuses it); list the field without the index`);
      visitField(res, s, originAt(res.prov, ''), (holder, holderProv, key) => {
        const value = holder[key];
        if (typeof value === 'string') substitute(holder, holderProv, key);
        else if (Array.isArray(value)) value.forEach((_, i) => substitute(value, provChild(holderProv, key)!, i));
        else if (isMap(value)) for (const k of Object.keys(value)) substitute(value, provChild(holderProv, key)!, k);
      });
    }
  }
}
