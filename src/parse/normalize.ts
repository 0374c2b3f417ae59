import type { ResourceId } from '../report/types.js';
import { POD_TEMPLATE_PATHS, REQUIRED_ONE_OF, typeOfKind, UNKNOWN_KIND, type FieldType } from './api-types.js';
import { isRecord } from './identity.js';
import { joinPointer } from './pointer.js';

/** A field the API server would reject, found while reading a document. */
export interface InvalidField {
  /** Pointer of the rejected value (or of the nearest existing parent, for a missing required field). */
  pointer: string;
  message: string;
}

function describe(type: FieldType): string {
  if (typeof type === 'string') return type === 'object' ? 'an object' : type === 'quantity' ? 'a quantity (string or number)' : type === 'intOrString' ? 'a number or a name' : `a ${type}`;
  if ('list' in type) return 'a list';
  return 'an object';
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a number' : 'a decimal number';
  return `a ${typeof value}`;
}

function fits(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isInteger(value);
    case 'quantity':
      return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
    case 'intOrString':
      return typeof value === 'string' || Number.isInteger(value);
    case 'object':
      return isRecord(value);
    default:
      return 'list' in type ? Array.isArray(value) : isRecord(value);
  }
}

/**
 * Reads a document as the API server does, in place: keys whose value is null are dropped
 * (`securityContext:` with no value is unset, so the insecure defaults apply), and a value of
 * a type the server would reject is removed and returned as an InvalidField, so no rule sees it
 * and none can pass because of it.
 */
export function normalizeDocument(data: unknown, id: ResourceId | null): InvalidField[] {
  const invalid: InvalidField[] = [];
  if (!isRecord(data)) return invalid;
  const type = id ? (typeOfKind(id.group, id.kind) ?? UNKNOWN_KIND) : null;
  visit(data, type, '', invalid);
  if (id) {
    requireContainers(data, id, invalid);
    requireOneOf(data, id, invalid);
  }
  return invalid;
}

/** Drops nulls under `value` and checks it against `type` (null: unknown, not checked). Returns false to remove it. */
function visit(value: unknown, type: FieldType | null, pointer: string, invalid: InvalidField[]): boolean {
  if (type && !fits(type, value)) {
    invalid.push({ pointer, message: `${pointer.slice(1).replace(/\//g, '.')} is ${kindOf(value)} where ${describe(type)} belongs: the API server rejects this; nothing below it was checked` });
    return false;
  }
  if (Array.isArray(value)) {
    const itemType = type && typeof type === 'object' && 'list' in type ? type.list : null;
    for (let i = value.length - 1; i >= 0; i--) {
      const item = value[i];
      // A null item of a typed list decodes to an empty struct the server rejects; in an untyped one it stays.
      if (item === null && !itemType) continue;
      if (!visit(item, itemType, joinPointer(pointer, i), invalid)) value.splice(i, 1);
    }
  } else if (isRecord(value)) {
    const known = type && typeof type === 'object' && 'fields' in type ? type.fields : null;
    const each = type && typeof type === 'object' && 'map' in type ? type.map : null;
    for (const key of Object.keys(value)) {
      const child = value[key];
      if (child === null) {
        delete value[key];
        continue;
      }
      if (!visit(child, each ?? known?.[key] ?? null, joinPointer(pointer, key), invalid)) delete value[key];
    }
  }
  return true;
}

/** The object at `path`, or the pointer of the deepest object on the way there. */
function descend(data: Record<string, unknown>, path: readonly string[]): { found: Record<string, unknown> | null; pointer: string } {
  let cur = data;
  let pointer = '';
  for (const seg of path) {
    const next = cur[seg];
    if (!isRecord(next)) return { found: null, pointer };
    cur = next;
    pointer = joinPointer(pointer, seg);
  }
  return { found: cur, pointer };
}

/** A pod template without containers is rejected by the API server; nothing in it could be checked. */
function requireContainers(data: Record<string, unknown>, id: ResourceId, invalid: InvalidField[]): void {
  const path = POD_TEMPLATE_PATHS[`${id.group}/${id.kind}`];
  if (!path) return;
  const { found, pointer } = descend(data, path);
  const containers = found?.containers;
  if (Array.isArray(containers) && containers.length > 0) return;
  invalid.push({ pointer, message: `${id.kind} has no ${[...path, 'containers'].join('.')}: the API server rejects a pod without containers; nothing in it was checked` });
}

function requireOneOf(data: Record<string, unknown>, id: ResourceId, invalid: InvalidField[]): void {
  const need = REQUIRED_ONE_OF[`${id.group}/${id.kind}`];
  if (!need) return;
  const { found, pointer } = descend(data, need.path);
  if (found && need.keys.some((k) => k in found)) return;
  invalid.push({ pointer, message: `${id.kind} has no ${need.path.join('.')} with one of ${need.keys.join(', ')}: its controller rejects it; nothing in it was checked` });
}
