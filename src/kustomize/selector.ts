import type { RE2JS } from 're2js';
import { lazyPackage } from '../packages.js';
import { isMap } from './provenance.js';
import { annotationsOf, currentId, groupOfResource, isClusterScoped, kindOf, labelsOf, RenderError, versionOf, type Resource } from './resource.js';

const re2js = lazyPackage<{ RE2JS: typeof RE2JS }>('re2js');

/** A patch target, as in a kustomization's `patches[].target`. */
export interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

const SELECTOR_KEYS = new Set(['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector']);

export function readSelector(value: unknown, where: string): Selector {
  if (!isMap(value)) throw new RenderError(`${where}: target must be a map`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!SELECTOR_KEYS.has(k)) throw new RenderError(`${where}: target field "${k}" is not known`);
    if (typeof v !== 'string') throw new RenderError(`${where}: target.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

/** Go regexp semantics, anchored as kustomize anchors them. */
function fullMatch(pattern: string): (s: string) => boolean {
  const re = re2js().RE2JS.compile(`^(?:${pattern})$`);
  return (s) => re.matches(s);
}

/**
 * Resources a selector picks. Every id field is a regular expression, anchored (kustomize's
 * SelectorRegex: `kind: Deployment|StatefulSet` picks both); an empty one picks any. Name and
 * namespace are tried on the original and current ids.
 */
export function selectResources(resources: readonly Resource[], sel: Selector): Resource[] {
  const kind = sel.kind ? fullMatch(sel.kind) : null;
  const group = sel.group ? fullMatch(sel.group) : null;
  const version = sel.version ? fullMatch(sel.version) : null;
  const name = sel.name ? fullMatch(sel.name) : null;
  const ns = sel.namespace ? fullMatch(sel.namespace) : null;
  const labels = sel.labelSelector ? parseLabelSelector(sel.labelSelector) : null;
  const annotations = sel.annotationSelector ? parseLabelSelector(sel.annotationSelector) : null;
  return resources.filter((res) => {
    if (kind && !kind(kindOf(res))) return false;
    if (group && !group(groupOfResource(res))) return false;
    if (version && !version(versionOf(res))) return false;
    const first = res.ids[0]!;
    const cur = currentId(res);
    if (name && !name(first.name) && !name(cur.name)) return false;
    if (ns) {
      const effective = (n: string) => (n === '' && !isClusterScoped(res) ? 'default' : n);
      if (!ns(effective(first.namespace)) && !ns(effective(cur.namespace))) return false;
    }
    if (labels && !labels(labelsOf(res))) return false;
    if (annotations && !annotations(annotationsOf(res))) return false;
    return true;
  });
}

/** Whether a resource's labels and annotations satisfy a selector's labelSelector and annotationSelector (absent ones pass). */
export function matchesLabelsAndAnnotations(res: Resource, sel: Pick<Selector, 'labelSelector' | 'annotationSelector'>): boolean {
  if (sel.labelSelector && !parseLabelSelector(sel.labelSelector)(labelsOf(res))) return false;
  if (sel.annotationSelector && !parseLabelSelector(sel.annotationSelector)(annotationsOf(res))) return false;
  return true;
}

type Requirement = (m: Record<string, unknown>) => boolean;

/** Kubernetes label selector syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, comma-joined. */
export function parseLabelSelector(text: string): Requirement {
  const reqs: Requirement[] = [];
  for (const part of splitTopLevel(text)) {
    const s = part.trim();
    if (s === '') continue;
    let m: RegExpMatchArray | null;
    if ((m = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(s))) {
      const [, key, op, list] = m;
      const values = list!.split(',').map((v) => v.trim()).filter((v) => v !== '');
      reqs.push(op === 'in' ? (l) => has(l, key!) && values.includes(String(l[key!])) : (l) => !has(l, key!) || !values.includes(String(l[key!])));
    } else if ((m = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(s))) {
      const [, key, value] = m;
      reqs.push((l) => !has(l, key!) || String(l[key!]) !== value);
    } else if ((m = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(s))) {
      const [, key, value] = m;
      reqs.push((l) => has(l, key!) && String(l[key!]) === value);
    } else if ((m = /^!\s*(\S+)$/.exec(s))) {
      const key = m[1]!;
      reqs.push((l) => !has(l, key));
    } else if (/^\S+$/.test(s)) {
      reqs.push((l) => has(l, s));
    } else {
      throw new RenderError(`label selector "${text}" cannot be parsed at "${s}"`);
    }
  }
  return (l) => reqs.every((r) => r(l));
}

function has(m: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, key);
}

/** Splits on commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
