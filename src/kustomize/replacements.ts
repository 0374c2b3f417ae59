import { cloneProv, escape, isMap, originAt, provChild, provConst, type Origin, type Prov } from './provenance.js';
import { groupOfResource, kindOf, RenderError, versionOf, type Resource } from './resource.js';
import { matchesLabelsAndAnnotations } from './selector.js';
import { resolveKustomizePlain } from './yaml.js';

/**
 * kustomize's ReplacementTransformer (api/filters/replacement, as in kustomize v5.5): copies a
 * field of one resource (the source) into fields of others (the targets). Checked against
 * kubectl in fixtures/kustomize/replacements-*.
 */

/** A resource id selector as replacements use it: every field given must be equal (no regular expressions). */
interface IdSelector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

interface TargetSelector extends IdSelector {
  labelSelector?: string;
  annotationSelector?: string;
}

interface FieldOptions {
  delimiter: string;
  index: number;
  create: boolean;
}

export interface Replacement {
  source: IdSelector & { fieldPath: string; options: FieldOptions };
  targets: { select: TargetSelector; reject: TargetSelector[]; fieldPaths: string[]; options: FieldOptions }[];
}

const ID_KEYS = ['group', 'version', 'kind', 'name', 'namespace'];
const TARGET_KEYS = [...ID_KEYS, 'labelSelector', 'annotationSelector'];
const DEFAULT_FIELD_PATH = 'metadata.name';

/** Reads one replacement (`where` names it in errors), refusing unknown fields as kustomize's strict decoding does. */
export function readReplacement(value: unknown, where: string): Replacement {
  if (!isMap(value)) throw new RenderError(`${where} must be a map`);
  checkKeys(value, ['source', 'targets'], where);
  if (!isMap(value.source) || !Array.isArray(value.targets) || value.targets.length === 0) {
    throw new RenderError(`${where}: replacements must specify a source and at least one target`);
  }
  const src = value.source;
  checkKeys(src, [...ID_KEYS, 'fieldPath', 'options'], `${where}.source`);
  const source = { ...readIds(src, ID_KEYS, `${where}.source`, false), fieldPath: optString(src.fieldPath, `${where}.source.fieldPath`) || DEFAULT_FIELD_PATH, options: readOptions(src.options, `${where}.source.options`) };
  const targets = value.targets.map((t, i) => {
    const at = `${where}.targets[${i}]`;
    if (!isMap(t)) throw new RenderError(`${at} must be a map`);
    checkKeys(t, ['select', 'reject', 'fieldPaths', 'options'], at);
    if (!isMap(t.select)) throw new RenderError(`${at}: target must specify resources to select`);
    const reject = t.reject === undefined || t.reject === null ? [] : Array.isArray(t.reject) ? t.reject : null;
    if (reject === null) throw new RenderError(`${at}.reject must be a list`);
    const fieldPaths = t.fieldPaths === undefined || t.fieldPaths === null ? [DEFAULT_FIELD_PATH] : t.fieldPaths;
    if (!Array.isArray(fieldPaths) || fieldPaths.some((p) => typeof p !== 'string')) throw new RenderError(`${at}.fieldPaths must be a list of strings`);
    return {
      select: readIds(t.select, TARGET_KEYS, `${at}.select`),
      reject: reject.map((r, j) => {
        if (!isMap(r)) throw new RenderError(`${at}.reject[${j}] must be a map`);
        return readIds(r, TARGET_KEYS, `${at}.reject[${j}]`);
      }),
      fieldPaths: fieldPaths.length === 0 ? [DEFAULT_FIELD_PATH] : (fieldPaths as string[]),
      options: readOptions(t.options, `${at}.options`),
    };
  });
  return { source, targets };
}

function checkKeys(map: Record<string, unknown>, allowed: string[], where: string): void {
  for (const key of Object.keys(map)) if (!allowed.includes(key)) throw new RenderError(`${where}: unknown field "${key}"`);
}

function optString(value: unknown, where: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new RenderError(`${where} must be a string`);
  return value;
}

function readIds(map: Record<string, unknown>, keys: string[], where: string, check = true): TargetSelector {
  if (check) checkKeys(map, keys, where);
  const out: Record<string, string> = {};
  for (const key of keys) {
    const v = optString(map[key], `${where}.${key}`);
    if (v !== '') out[key] = v;
  }
  return out;
}

function readOptions(value: unknown, where: string): FieldOptions {
  if (value === undefined || value === null) return { delimiter: '', index: 0, create: false };
  if (!isMap(value)) throw new RenderError(`${where} must be a map`);
  checkKeys(value, ['delimiter', 'index', 'create'], where);
  if (value.index !== undefined && value.index !== null && !Number.isInteger(value.index)) throw new RenderError(`${where}.index must be a whole number`);
  if (value.create !== undefined && value.create !== null && typeof value.create !== 'boolean') throw new RenderError(`${where}.create must be true or false`);
  return { delimiter: optString(value.delimiter, `${where}.delimiter`), index: (value.index as number | undefined) ?? 0, create: value.create === true };
}

/** Applies replacements in order to the resources of one kustomization (after its other transformers, as kustomize orders them). */
export function applyReplacements(resources: Resource[], replacements: Replacement[], where: (i: number) => string): void {
  replacements.forEach((r, i) => {
    const at = where(i);
    const { value, prov } = sourceValue(resources, r.source, at);
    for (const target of r.targets) {
      for (const res of resources) {
        if (!isSelected(res, target.select) || !matchesLabelsAndAnnotations(res, target.select)) continue;
        if (target.reject.some((rej) => (hasIdFields(rej) && isSelected(res, rej)) || ((rej.labelSelector || rej.annotationSelector) && matchesLabelsAndAnnotations(res, rej)))) continue;
        for (const fieldPath of target.fieldPaths) applyToResource(res, fieldPath, value, prov, target.options, at);
      }
    }
  });
}

function hasIdFields(sel: IdSelector): boolean {
  return ID_KEYS.some((k) => (sel as Record<string, string | undefined>)[k] !== undefined);
}

/** ResId.IsSelectedBy over the current id and every earlier one (kustomize's previous names and namespaces). */
function isSelected(res: Resource, sel: IdSelector): boolean {
  if (sel.kind !== undefined && sel.kind !== kindOf(res)) return false;
  if (sel.group !== undefined && sel.group !== groupOfResource(res)) return false;
  if (sel.version !== undefined && sel.version !== versionOf(res)) return false;
  const nsEqual = (a: string, b: string) => (a || 'default') === (b || 'default');
  return res.ids.some((id) => (sel.name === undefined || sel.name === id.name) && (sel.namespace === undefined || nsEqual(sel.namespace, id.namespace)));
}

function describe(sel: IdSelector): string {
  return ID_KEYS.flatMap((k) => ((sel as Record<string, string | undefined>)[k] ? [`${k} ${(sel as Record<string, string>)[k]}`] : [])).join(', ') || 'any resource';
}

function sourceValue(resources: Resource[], source: Replacement['source'], where: string): { value: unknown; prov: Prov } {
  const matches = resources.filter((r) => isSelected(r, source));
  if (matches.length === 0) throw new RenderError(`${where}: the source (${describe(source)}) selects nothing`);
  if (matches.length > 1) throw new RenderError(`${where}: the source (${describe(source)}) selects more than one resource`);
  const res = matches[0]!;
  const found = lookup(res, splitPath(source.fieldPath));
  if (!found || found.value === null || found.value === undefined || (isMap(found.value) && Object.keys(found.value).length === 0) || (Array.isArray(found.value) && found.value.length === 0)) {
    throw new RenderError(`${where}: fieldPath \`${source.fieldPath}\` is missing for the replacement source (${describe(source)})`);
  }
  const prov = cloneProv(provAt(res.prov, found.pointer) ?? provConst(found.value, originAt(res.prov, found.pointer)));
  if (source.options.delimiter === '') return { value: structuredClone(found.value), prov };
  if (isMap(found.value) || Array.isArray(found.value)) throw new RenderError(`${where}: delimiter option can only be used with scalar nodes`);
  const parts = scalarText(found.value).split(source.options.delimiter);
  const { index } = source.options;
  if (index < 0 || index >= parts.length) throw new RenderError(`${where}: options.index ${index} is out of bounds for value ${scalarText(found.value)}`);
  return { value: parts[index]!, prov: provConst(parts[index], originAt(res.prov, found.pointer)) };
}

function provAt(prov: Prov, pointer: string): Prov | undefined {
  let node: Prov | undefined = prov;
  for (const seg of pointer.split('/').slice(1)) {
    if (!node) return undefined;
    node = provChild(node, seg.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return node;
}

/** kyaml's SmarterPathSplitter: dots, except inside `[...]`. */
function splitPath(path: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const c of path) {
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    if (c === '.' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  // A leading dot (`.metadata.name`, as kubebuilder writes them) adds no step; `[a.b/c]` without `=` is a key with dots.
  return out.filter((seg) => seg !== '').map((seg) => (/^\[[^=]*\]$/.test(seg) ? seg.slice(1, -1) : seg));
}

/** `[key=value]` (`[=value]` for a list of scalars), or null. */
function listMatch(seg: string): { key: string; value: string } | null {
  const m = /^\[([^=\]]*)=(.*)\]$/.exec(seg);
  return m ? { key: m[1]!, value: m[2]! } : null;
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function elementMatches(elem: unknown, m: { key: string; value: string }): boolean {
  if (m.key === '') return !isMap(elem) && !Array.isArray(elem) && scalarText(elem) === m.value;
  return isMap(elem) && Object.hasOwn(elem, m.key) && scalarText(elem[m.key]) === m.value;
}

/** kyaml's Lookup (PathGetter): the first value on the path, with its JSON pointer. */
function lookup(res: Resource, segs: string[]): { value: unknown; pointer: string } | null {
  let node: unknown = res.data;
  let pointer = '';
  for (const seg of segs) {
    const m = listMatch(seg);
    if (Array.isArray(node)) {
      const i = m ? node.findIndex((e) => elementMatches(e, m)) : /^\d+$/.test(seg) ? Number(seg) : -1;
      if (i < 0 || i >= node.length) return null;
      node = node[i];
      pointer += `/${i}`;
    } else if (isMap(node) && !m && Object.hasOwn(node, seg)) {
      node = node[seg];
      pointer += `/${escape(seg)}`;
    } else return null;
  }
  return { value: node, pointer };
}

interface Slot {
  parent: Record<string, unknown> | unknown[];
  parentProv: Prov;
  key: string | number;
  /** Made by `create`: a scalar put here is typed from its text, as kustomize's untagged new node is. */
  created: boolean;
  path: (string | number)[];
}

/** kyaml's PathMatcher: every existing value on the path (`*` and `[k=v]` match many). */
function matchSlots(data: unknown, prov: Prov, segs: string[], path: (string | number)[] = []): Slot[] {
  const [seg, ...rest] = segs;
  if (seg === undefined) return [];
  const keys: (string | number)[] = [];
  const m = listMatch(seg);
  if (Array.isArray(data)) {
    if (seg === '*') keys.push(...data.keys());
    else if (m) data.forEach((e, i) => elementMatches(e, m) && keys.push(i));
    else if (/^\d+$/.test(seg) && Number(seg) < data.length) keys.push(Number(seg));
  } else if (isMap(data)) {
    if (seg === '*') keys.push(...Object.keys(data));
    else if (!m && Object.hasOwn(data, seg)) keys.push(seg);
  }
  return keys.flatMap((key) => {
    const childProv = provChild(prov, key);
    const child = (data as Record<string | number, unknown>)[key];
    if (rest.length === 0) return [{ parent: data as Slot['parent'], parentProv: prov, key, created: false, path: [...path, key] }];
    return childProv ? matchSlots(child, childProv, rest, [...path, key]) : [];
  });
}

/** kyaml's LookupCreate: the value on the path, making the maps, lists and list elements that are missing. */
function createSlot(res: Resource, segs: string[], origin: Origin, where: string): Slot {
  let data: unknown = res.data;
  let prov: Prov = res.prov;
  const path: (string | number)[] = [];
  for (const [n, seg] of segs.entries()) {
    if (seg === '*') throw new RenderError(`${where}: cannot support create option in a multi-value target`);
    const last = n === segs.length - 1;
    const next = segs[n + 1];
    const makeChild = (): unknown => (next !== undefined && (listMatch(next) || /^\d+$/.test(next)) ? [] : {});
    const m = listMatch(seg);
    let key: string | number;
    if (Array.isArray(data)) {
      if (m) {
        key = data.findIndex((e) => elementMatches(e, m));
        if (key < 0) {
          const made = m.key === '' ? m.value : { [m.key]: m.value };
          data.push(made);
          (prov as Prov[]).push(provConst(made, origin));
          key = data.length - 1;
        }
      } else if (/^\d+$/.test(seg) && Number(seg) < data.length) key = Number(seg);
      else if (/^\d+$/.test(seg)) {
        // kyaml appends an element for an index past the end.
        if (last) return { parent: data, parentProv: prov, key: data.length, created: true, path: [...path, data.length] };
        const made = makeChild();
        data.push(made);
        (prov as Prov[]).push(provConst(made, origin));
        key = data.length - 1;
      } else throw new RenderError(`${where}: cannot create "${seg}" in a list`);
    } else if (isMap(data) && !m) {
      key = seg;
      if (!Object.hasOwn(data, seg) || data[seg] === null) {
        if (last) return { parent: data, parentProv: prov, key, created: true, path: [...path, key] };
        const made = makeChild();
        data[seg] = made;
        (prov as Record<string, Prov>)[seg] = provConst(made, origin);
      }
    } else throw new RenderError(`${where}: cannot create "${seg}" under a value that is not a map`);
    if (last) return { parent: data, parentProv: prov, key, created: false, path: [...path, key] };
    path.push(key);
    data = (data as Record<string | number, unknown>)[key];
    prov = provChild(prov, key)!;
  }
  throw new RenderError(`${where}: an empty fieldPath`);
}

function applyToResource(res: Resource, fieldPath: string, value: unknown, valueProv: Prov, options: FieldOptions, where: string): void {
  const segs = splitPath(fieldPath);
  const slots = options.create ? [createSlot(res, segs, originAt(valueProv, ''), where)] : matchSlots(res.data, res.prov, segs);
  if (slots.length === 0) throw new RenderError(`${where}: unable to find field "${fieldPath}" in replacement target ${kindOf(res)} "${res.ids[res.ids.length - 1]!.name}"`);
  for (const slot of slots) setSlot(slot, value, valueProv, options, where);
}

/** kyaml's setTargetValue: a scalar keeps its type and takes the text; anything else is replaced by the value. */
function setSlot(slot: Slot, value: unknown, valueProv: Prov, options: FieldOptions, where: string): void {
  const parent = slot.parent as Record<string | number, unknown>;
  const parentProv = slot.parentProv as Record<string | number, Prov>;
  const old = slot.created ? '' : parent[slot.key];
  const oldIsScalar = !isMap(old) && !Array.isArray(old);
  const valueIsScalar = !isMap(value) && !Array.isArray(value);
  let next = value;
  let nextProv = cloneProv(valueProv);
  if (options.delimiter !== '') {
    if (!oldIsScalar) throw new RenderError(`${where}: delimiter option can only be used with scalar nodes`);
    const parts = scalarText(old).split(options.delimiter);
    const v = scalarText(value);
    if (options.index < 0) parts.unshift(v);
    else if (options.index >= parts.length) parts.push(v);
    else parts[options.index] = v;
    next = parts.join(options.delimiter);
    nextProv = provConst(next, originAt(valueProv, ''));
  }
  // A new node is made of the value's kind; an existing scalar takes only the text (a map's or list's is empty).
  if (slot.created ? valueIsScalar || options.delimiter !== '' : oldIsScalar) {
    next = typedLike(old, scalarText(next), slot);
    nextProv = provConst(next, originAt(valueProv, ''));
  }
  parent[slot.key] = next;
  parentProv[slot.key] = nextProv;
}

/** The text put into a scalar of the type the target had (kustomize copies only the node's text, keeping its tag). */
function typedLike(old: unknown, text: string, slot: Slot): unknown {
  const inMetadataMap = slot.path.length === 3 && slot.path[0] === 'metadata' && (slot.path[1] === 'labels' || slot.path[1] === 'annotations');
  if (inMetadataMap || (typeof old === 'string' && !slot.created)) return text;
  if (slot.created || old === null || old === undefined) {
    const typed = resolveKustomizePlain(text);
    return typed === null || typeof typed === 'string' || typeof typed === 'number' || typeof typed === 'boolean' ? typed : text;
  }
  if (typeof old === 'number') {
    const typed = resolveKustomizePlain(text);
    return typeof typed === 'number' ? typed : text;
  }
  if (typeof old === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}
