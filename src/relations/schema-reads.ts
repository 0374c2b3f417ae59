/**
 * Which fields a JSON Schema reads, as a tree of property names (`*`: every item of a list).
 * A relation rule's `where` is written against whole objects, but the relation phase sees only
 * their projections: this is how the projection knows what to keep for it.
 */

import { detach } from '../parse/detach.js';

export interface FieldTree {
  /** Keep the whole value here (a leaf, or a keyword that looks at every key). */
  whole: boolean;
  children: Map<string, FieldTree>;
}

export function newFieldTree(): FieldTree {
  return { whole: false, children: new Map() };
}

export function childOf(tree: FieldTree, key: string): FieldTree {
  let c = tree.children.get(key);
  if (!c) tree.children.set(key, (c = newFieldTree()));
  return c;
}

/** Adds a path of property names (`*` for list items); its end is kept whole. */
export function addPath(tree: FieldTree, path: readonly string[]): FieldTree {
  let t = tree;
  for (const seg of path) t = childOf(t, seg);
  return t;
}

/** Marks a tree node built from a schema that names no child: the value is kept whole. */
function closeLeaves(tree: FieldTree): void {
  if (tree.children.size === 0) tree.whole = true;
  for (const c of tree.children.values()) closeLeaves(c);
}

const SAME_LEVEL = ['allOf', 'anyOf', 'oneOf'];
const SAME_LEVEL_ONE = ['not', 'if', 'then', 'else'];
const ITEMS = ['items', 'contains', 'unevaluatedItems'];
/** Keywords that look at keys not named in the schema, or at the value as a whole. */
const WHOLE = ['patternProperties', 'additionalProperties', 'propertyNames', 'unevaluatedProperties', 'dependentSchemas', 'dependentRequired', 'minProperties', 'maxProperties', 'const', 'enum', '$ref', '$dynamicRef'];

/** Finds the schema a `$ref` names (another rule's definition, `<rule-id>#/$defs/<name>`); undefined when it cannot. */
export type RefResolver = (ref: string) => unknown;

/** Adds what `schema` reads at `tree`'s place; a `$ref` the resolver finds is read as the schema it names, any other keeps the value whole. */
export function addSchemaReads(tree: FieldTree, schema: unknown, resolve: RefResolver = () => undefined): void {
  walk(tree, schema, resolve, 0);
  closeLeaves(tree);
}

/** How deep references may lead (a definition that refers to itself would never end). */
const MAX_REF_DEPTH = 16;

function walk(tree: FieldTree, schema: unknown, resolve: RefResolver, depth: number): void {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return;
  const s = schema as Record<string, unknown>;
  for (const [key, value] of Object.entries(s)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      for (const [name, sub] of Object.entries(value)) walk(childOf(tree, name), sub, resolve, depth);
    } else if (key === 'required' && Array.isArray(value)) {
      // Only presence matters: the child is kept (whole unless the schema also names what is inside it).
      for (const name of value) if (typeof name === 'string') childOf(tree, name);
    } else if (ITEMS.includes(key)) walk(childOf(tree, '*'), value, resolve, depth);
    else if (key === 'prefixItems' && Array.isArray(value)) for (const sub of value) walk(childOf(tree, '*'), sub, resolve, depth);
    else if (SAME_LEVEL.includes(key) && Array.isArray(value)) for (const sub of value) walk(tree, sub, resolve, depth);
    else if (SAME_LEVEL_ONE.includes(key)) walk(tree, value, resolve, depth);
    else if (key === '$ref' && typeof value === 'string' && depth < MAX_REF_DEPTH) {
      const target = resolve(value);
      if (target === undefined) tree.whole = true;
      else walk(tree, target, resolve, depth + 1);
    } else if (WHOLE.includes(key)) tree.whole = true;
  }
}

/** Makes a copy of a value with only the fields of a tree; list items keep their places. */
export type Pruner = (value: unknown) => unknown;

/** A value kept whole, as a copy that does not keep its file's text alive (see detach). */
const keepWhole: Pruner = detach;

/** The pruner of `tree`, made once per run: every document of the run is pruned by it. */
export function compilePruner(tree: FieldTree): Pruner {
  if (tree.whole || tree.children.size === 0) return keepWhole;
  const star = tree.children.get('*');
  const items = star ? compilePruner(star) : null;
  // The kept keys, looked up in the value (a manifest's map has more keys than a tree names): no list of its keys is made.
  const fields = [...tree.children].filter(([k]) => k !== '*' && k !== '__proto__').map(([k, child]) => ({ key: k, prune: compilePruner(child), inherited: k in Object.prototype }));
  return (value) => {
    if (Array.isArray(value)) return items ? value.map(items) : detach(value);
    if (typeof value !== 'object' || value === null) return detach(value);
    const rec = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const v = rec[f.key];
      // Own keys only (`constructor` is every object's, through its prototype).
      if (v !== undefined && (!f.inherited || Object.hasOwn(rec, f.key))) out[f.key] = f.prune(v);
    }
    return out;
  };
}
