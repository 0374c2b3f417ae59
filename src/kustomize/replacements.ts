import { cloneProv, isMap, originAt, provChild, provConst, type Prov } from './provenance.js';
import { annotationsOf, currentId, effectiveNamespace, groupOfResource, kindOf, labelsOf, RenderError, versionOf, type Resource } from './resource.js';
import type { RE2JS } from 're2js';
import { lazyPackage } from '../packages.js';
import { parseLabelSelector } from './selector.js';
import { resolveKustomizePlain } from './yaml.js';

/**
 * kustomize's `replacements` (api/filters/replacement): each copies one field of one object (the
 * source) into fields of others (the targets), in the kustomization's order, after its other
 * transformers. What kustomize does was checked against `kubectl kustomize` (v5.5), see
 * fixtures/kustomize/replacements*.
 */
export interface Replacement {
  source: SourceSelector;
  targets: TargetSelector[];
}

interface Id {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

interface SourceSelector extends Id {
  fieldPath: string;
  options: FieldOptions;
}

interface TargetSelector {
  select: Id & { labelSelector?: string; annotationSelector?: string };
  reject: (Id & { labelSelector?: string; annotationSelector?: string })[];
  fieldPaths: string[];
  options: FieldOptions;
}

interface FieldOptions {
  delimiter?: string;
  index: number;
  create: boolean;
}

const re2js = lazyPackage<{ RE2JS: typeof RE2JS }>('re2js');

const ID_KEYS = ['group', 'version', 'kind', 'name', 'namespace'];
const DEFAULT_FIELD_PATH = 'metadata.name';

/** Reads one replacement (inline, or one of a `path` file's) as kustomize's types.Replacement; `where` names it in errors. */
export function readReplacement(value: unknown, where: string): Replacement {
  if (!isMap(value)) throw new RenderError(`${where}: a replacement must be a map with source and targets`);
  for (const key of Object.keys(value)) {
    if (key !== 'source' && key !== 'targets') throw new RenderError(`${where}: unknown field "${key}"`);
  }
  if (!isMap(value.source) || !Array.isArray(value.targets) || value.targets.length === 0) {
    throw new RenderError(`${where}: replacements must specify a source and at least one target`);
  }
  const source = value.source;
  const sourceId = readId(source, `${where}: source`, [...ID_KEYS, 'fieldPath', 'options']);
  const targets = value.targets.map((t, i): TargetSelector => {
    const at = `${where}: targets[${i}]`;
    if (!isMap(t)) throw new RenderError(`${at} must be a map`);
    for (const key of Object.keys(t)) if (!['select', 'reject', 'fieldPaths', 'options'].includes(key)) throw new RenderError(`${at}: unknown field "${key}"`);
    if (!isMap(t.select)) throw new RenderError(`${at}: target must specify resources to select`);
    const selectKeys = [...ID_KEYS, 'labelSelector', 'annotationSelector'];
    const rejects = t.reject === undefined || t.reject === null ? [] : Array.isArray(t.reject) ? t.reject : null;
    if (rejects === null) throw new RenderError(`${at}: reject must be a list`);
    const paths = t.fieldPaths === undefined || t.fieldPaths === null ? [DEFAULT_FIELD_PATH] : t.fieldPaths;
    if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string')) throw new RenderError(`${at}: fieldPaths must be a list of strings`);
    return {
      select: readId(t.select, `${at}: select`, selectKeys),
      reject: rejects.map((r, j) => readId(r, `${at}: reject[${j}]`, selectKeys)),
      fieldPaths: paths.length ? (paths as string[]) : [DEFAULT_FIELD_PATH],
      options: readOptions(t.options, at),
    };
  });
  const fieldPath = typeof source.fieldPath === 'string' && source.fieldPath !== '' ? source.fieldPath : DEFAULT_FIELD_PATH;
  return { source: { ...sourceId, fieldPath, options: readOptions(source.options, `${where}: source`) }, targets };
}

function readId(value: unknown, where: string, keys: readonly string[]): Record<string, string> {
  if (!isMap(value)) throw new RenderError(`${where} must be a map`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!keys.includes(k)) throw new RenderError(`${where}: unknown field "${k}"`);
    if (k === 'options') continue;
    if (typeof v !== 'string') throw new RenderError(`${where}.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

function readOptions(value: unknown, where: string): FieldOptions {
  if (value === undefined || value === null) return { index: 0, create: false };
  if (!isMap(value)) throw new RenderError(`${where}: options must be a map`);
  for (const key of Object.keys(value)) if (!['delimiter', 'index', 'create'].includes(key)) throw new RenderError(`${where}: options: unknown field "${key}"`);
  if (value.delimiter !== undefined && typeof value.delimiter !== 'string') throw new RenderError(`${where}: options.delimiter must be a string`);
  if (value.index !== undefined && !Number.isInteger(value.index)) throw new RenderError(`${where}: options.index must be a whole number`);
  if (value.create !== undefined && typeof value.create !== 'boolean') throw new RenderError(`${where}: options.create must be true or false`);
  return { ...(value.delimiter ? { delimiter: value.delimiter as string } : {}), index: (value.index as number | undefined) ?? 0, create: value.create === true };
}

/** How messages name a selector: its fields, `(kind ConfigMap, name cfg)`, or `(any object)`. */
function describe(id: Id): string {
  const parts = ID_KEYS.filter((k) => (id as Record<string, string | undefined>)[k]).map((k) => `${k} ${(id as Record<string, string>)[k]}`);
  return parts.length ? `(${parts.join(', ')})` : '(any object)';
}

/** resid.IsSelectedBy over every id the resource has had (kustomize's MakeResIds: the current and the earlier names). */
function selectedBy(res: Resource, sel: Id): boolean {
  if (sel.kind && sel.kind !== kindOf(res)) return false;
  if (sel.group && sel.group !== groupOfResource(res)) return false;
  if (sel.version && sel.version !== versionOf(res)) return false;
  // A namespace compares as kustomize's EffectiveNamespace: "" is `default`, and a cluster-scoped object has none.
  return res.ids.some((id) => (!sel.name || sel.name === id.name) && (!sel.namespace || effectiveNamespace(res, id.namespace) === sel.namespace));
}

type LabelSelected = { labelSelector?: string; annotationSelector?: string };

/** A test of a selector's labelSelector and annotationSelector, each parsed once, when first needed (as kustomize, which reads them only for an object). */
function labelTest(sel: LabelSelected): (res: Resource) => boolean {
  let labels: ((m: Record<string, unknown>) => boolean) | undefined;
  let annotations: ((m: Record<string, unknown>) => boolean) | undefined;
  return (res) =>
    (!sel.labelSelector || (labels ??= parseLabelSelector(sel.labelSelector))(labelsOf(res))) &&
    (!sel.annotationSelector || (annotations ??= parseLabelSelector(sel.annotationSelector))(annotationsOf(res)));
}

/** Which resources a target takes, its selectors parsed once for all of them. */
function targetTest(t: TargetSelector): (res: Resource) => boolean {
  const selected = labelTest(t.select);
  // A reject by labels or annotations only; one by id only (kustomize checks the two apart).
  const rejectedByLabels = t.reject.filter((r) => r.labelSelector || r.annotationSelector).map(labelTest);
  const rejectedById = t.reject.filter((r) => ID_KEYS.some((k) => (r as Record<string, string | undefined>)[k]));
  return (res) => selected(res) && !rejectedByLabels.some((test) => test(res)) && selectedBy(res, t.select) && !rejectedById.some((r) => selectedBy(res, r));
}

/** One step of a field path: a map key, a list index, a list item by a field's value (`[name=app]`, `[=value]`), or every item (`*`). */
type Step = { field: string } | { index: number; raw: string } | { key: string; value: string } | { every: true };

/**
 * kyaml's SmarterPathSplitter: dots split, except inside brackets
 * (`metadata.labels.[app.kubernetes.io/name]`) and after a backslash (`app\.kubernetes\.io/name`).
 */
function parsePath(path: string): Step[] {
  const parts: string[] = [];
  let depth = 0;
  let part = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '\\' && path[i + 1] === '.' && depth === 0) {
      part += '.';
      i++;
      continue;
    }
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === '.' && depth === 0) {
      parts.push(part);
      part = '';
      continue;
    }
    part += c;
  }
  parts.push(part);
  // kyaml drops empty parts: `.metadata.name` is metadata.name.
  return parts.filter((p) => p.trim() !== '').map((p): Step => {
    if (p === '*') return { every: true };
    if (/^\d+$/.test(p)) return { index: Number(p), raw: p };
    const m = /^\[([^=\]]*)=(.*)\]$/.exec(p);
    if (m) return { key: m[1]!, value: m[2]! };
    const bracketed = /^\[(.*)\]$/.exec(p);
    return { field: bracketed ? bracketed[1]! : p };
  });
}

/** A place a path leads to: the holder (map or list), its provenance, and the key or index in it. */
interface Place {
  holder: Record<string, unknown> | unknown[];
  prov: Prov;
  key: string | number;
}

/** The text a YAML scalar node holds (what kustomize copies into a scalar target); a map or a list holds none. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

/**
 * Whether a list item is the one `[key=value]` names: its field's text equal to the value when a
 * source is looked up or a field created (kyaml's PathGetter), found anywhere in it by the value
 * as a Go regular expression when targets are matched (kyaml's PathMatcher: `[name=app]` also
 * picks a container named `app-sidecar`).
 */
function itemMatches(item: unknown, step: { key: string; value: string }, pattern: ((s: string) => boolean) | null): boolean {
  const field = step.key === '' ? item : isMap(item) ? item[step.key] : undefined;
  if (field === undefined || !isScalar(field)) return false;
  return pattern ? pattern(textOf(field).trim()) : textOf(field) === step.value;
}

function searchPattern(value: string, where: string): (s: string) => boolean {
  try {
    const re = re2js().RE2JS.compile(value);
    return (s) => re.matcher(s).find();
  } catch (err) {
    throw new RenderError(`${where}: error parsing regexp in [..=${value}]: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Every place `steps` leads to from `root` (none when a step finds nothing). A source's lookup
 * (`first`) takes the first list item whose field equals the value; targets, every item the
 * value (a regular expression) is found in.
 */
function find(root: Record<string, unknown>, rootProv: Prov, steps: readonly Step[], first: boolean, where: string): Place[] {
  let places: Place[] = [{ holder: { root }, prov: { root: rootProv } as Prov, key: 'root' }];
  for (const step of steps) {
    const next: Place[] = [];
    for (const place of places) {
      const value = (place.holder as Record<string | number, unknown>)[place.key];
      const prov = provChild(place.prov, place.key) ?? provConst(value, originAt(place.prov, ''));
      if ('field' in step) {
        if (isMap(value) && Object.hasOwn(value, step.field)) next.push({ holder: value, prov, key: step.field });
      } else if ('index' in step) {
        if (Array.isArray(value) && step.index < value.length) next.push({ holder: value, prov, key: step.index });
        else if (isMap(value) && Object.hasOwn(value, step.raw)) next.push({ holder: value, prov, key: step.raw });
      } else if ('every' in step) {
        if (Array.isArray(value)) value.forEach((_, i) => next.push({ holder: value, prov, key: i }));
        else if (isMap(value)) for (const k of Object.keys(value)) next.push({ holder: value, prov, key: k });
      } else if (Array.isArray(value)) {
        const pattern = first ? null : searchPattern(step.value, where);
        for (const [i, item] of value.entries()) {
          if (!itemMatches(item, step, pattern)) continue;
          next.push({ holder: value, prov, key: i });
          if (first) break;
        }
      }
    }
    places = next;
  }
  return places;
}

/** kyaml's LookupCreate: the one place `steps` lead to, making the maps, lists and list items on the way. */
function findOrCreate(root: Record<string, unknown>, rootProv: Prov, steps: readonly Step[], path: string, where: string, origin: Prov): Place {
  let place: Place = { holder: { root }, prov: { root: rootProv } as Prov, key: 'root' };
  for (const [n, step] of steps.entries()) {
    const holder = place.holder as Record<string | number, unknown>;
    let value = holder[place.key];
    const wantList = 'index' in step || 'key' in step;
    if (value === undefined || value === null) {
      value = wantList ? [] : {};
      holder[place.key] = value;
      (place.prov as Record<string | number, Prov>)[place.key] = provConst(value, originAt(origin, ''));
    }
    const prov = provChild(place.prov, place.key)!;
    const missing = () => new RenderError(`${where}: unable to find or create field "${path}" in replacement target`);
    if ('every' in step) throw new RenderError(`${where}: cannot support create option in a multi-value target ("${path}")`);
    if ('field' in step) {
      if (!isMap(value)) throw missing();
      place = { holder: value, prov, key: step.field };
    } else if ('index' in step) {
      if (!Array.isArray(value)) throw missing();
      if (step.index > value.length) throw new RenderError(`${where}: unable to find or create field "${path}" in replacement target: index ${step.index} specified but only ${value.length} elements found`);
      if (step.index === value.length) {
        // The index right after the last item makes one (a map, or a list when the next step wants one).
        const next = steps[n + 1];
        const item = next === undefined ? null : 'field' in next ? {} : [];
        value.push(item);
        (prov as Prov[]).push(provConst(item, originAt(origin, '')));
      }
      place = { holder: value, prov, key: step.index };
    } else {
      if (!Array.isArray(value)) throw missing();
      let i = value.findIndex((item) => itemMatches(item, step, null));
      if (i === -1) {
        // A new item with the field that was looked for (`[name=x]` makes `{name: x}`).
        const item = step.key === '' ? step.value : { [step.key]: step.value };
        value.push(item);
        (prov as Prov[]).push(provConst(item, originAt(origin, '')));
        i = value.length - 1;
      }
      place = { holder: value, prov, key: i };
    }
  }
  return place;
}

/** A scalar target keeps its type and takes the source's text (kustomize copies the node's value, not its tag). */
function retype(current: unknown, text: string): unknown {
  if (typeof current === 'string') return text;
  // A number, a boolean, a null or a new field: the text as a plain YAML scalar reads.
  const resolved = resolveKustomizePlain(text);
  return typeof resolved === 'symbol' ? text : resolved;
}

/** Applies one replacement to every resource; `where` names it in errors. */
export function applyReplacement(resources: readonly Resource[], r: Replacement, where: string): void {
  const sources = resources.filter((res) => selectedBy(res, r.source));
  if (sources.length === 0) throw new RenderError(`${where}: the source ${describe(r.source)} selects nothing`);
  if (sources.length > 1) throw new RenderError(`${where}: the source ${describe(r.source)} selects ${sources.length} objects (${sources.map((res) => `${kindOf(res)} ${currentId(res).name}`).join(', ')}); it must select one`);
  const source = sources[0]!;
  const found = find(source.data, source.prov, parsePath(r.source.fieldPath), true, where);
  const at = found[0];
  const raw = at ? (at.holder as Record<string | number, unknown>)[at.key] : undefined;
  // kyaml's IsNilOrEmpty: no value, null, an empty map or list (an empty string is a value: kubeflow's CD_USERID_PREFIX=).
  if (!at || raw === undefined || raw === null || (typeof raw === 'object' && Object.keys(raw).length === 0)) {
    throw new RenderError(`${where}: fieldPath \`${r.source.fieldPath}\` is missing for the replacement source ${describe(r.source)} (${kindOf(source)} ${currentId(source).name})`);
  }
  const rawProv = provChild(at.prov, at.key) ?? provConst(raw, originAt(at.prov, ''));
  let value: unknown = raw;
  if (r.source.options.delimiter) {
    if (!isScalar(raw)) throw new RenderError(`${where}: delimiter option can only be used with scalar nodes`);
    const parts = textOf(raw).split(r.source.options.delimiter);
    const i = r.source.options.index;
    if (i < 0 || i >= parts.length) throw new RenderError(`${where}: options.index ${i} is out of bounds for value ${textOf(raw)}`);
    value = parts[i]!;
  }
  const origin = originAt(rawProv, '');
  for (const target of r.targets) {
    const paths = target.fieldPaths.map((path) => ({ path, steps: parsePath(path) }));
    const isTarget = targetTest(target);
    for (const res of resources) {
      if (!isTarget(res)) continue;
      for (const { path, steps } of paths) {
        const places = target.options.create ? [findOrCreate(res.data, res.prov, steps, path, where, rawProv)] : find(res.data, res.prov, steps, false, where);
        if (places.length === 0) throw new RenderError(`${where}: unable to find field "${path}" in replacement target ${kindOf(res)} "${currentId(res).name}"`);
        // Label and annotation values stay strings whatever the text (kyaml writes them quoted when they would read as another type).
        const meta = isMap(res.data.metadata) ? res.data.metadata : null;
        for (const place of places) {
          const text = meta !== null && (place.holder === meta.labels || place.holder === meta.annotations);
          setPlace(place, value, value === raw ? rawProv : provConst(value, origin), target.options, where, text);
        }
      }
      syncIds(res);
    }
  }
}

function setPlace(place: Place, value: unknown, valueProv: Prov, options: FieldOptions, where: string, asText: boolean): void {
  const holder = place.holder as Record<string | number, unknown>;
  const current = holder[place.key];
  // A field `create` is about to make: kyaml makes a node of the value's kind, an empty scalar for a scalar.
  const made = current === undefined;
  const origin = originAt(valueProv, '');
  const typed = (text: string) => (asText ? text : retype(current, text));
  let next: unknown;
  let prov: Prov;
  if (options.delimiter) {
    if (!made && !isScalar(current)) throw new RenderError(`${where}: delimiter option can only be used with scalar nodes`);
    const parts = (made ? '' : textOf(current)).split(options.delimiter);
    const v = textOf(value);
    if (options.index < 0) parts.unshift(v);
    else if (options.index >= parts.length) parts.push(v);
    else parts[options.index] = v;
    next = typed(parts.join(options.delimiter));
    prov = provConst(next, origin);
  } else if (made ? isScalar(value) : isScalar(current)) {
    next = typed(textOf(value));
    prov = provConst(next, origin);
  } else {
    next = structuredClone(value);
    prov = cloneProv(valueProv);
  }
  holder[place.key] = next;
  (place.prov as Record<string | number, Prov>)[place.key] = prov;
}

/** A replacement that set metadata.name or metadata.namespace renamed the object: later references follow. */
function syncIds(res: Resource): void {
  const meta = isMap(res.data.metadata) ? res.data.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  const cur = currentId(res);
  if (name !== cur.name || namespace !== cur.namespace) res.ids.push({ namespace, name });
}

