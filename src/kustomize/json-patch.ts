import type JsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { lazyPackage } from '../packages.js';
import { getAtPointer, getAtSegments, parsePointer } from '../parse/pointer.js';
import { cloneProv, isMap, originOf, provChild, provConst, type Prov } from './provenance.js';
import { RenderError, type Resource } from './resource.js';

const jsonpatch = lazyPackage<typeof JsonPatch>('fast-json-patch');

/**
 * Applies an RFC 6902 JSON Patch (fast-json-patch) to a resource, and the same operations to
 * its provenance tree: an added or replaced value comes from the operation's `value`, a moved
 * one keeps its origin, a copied one is attributed to the copy operation.
 */
export function applyJsonPatch(res: Resource, ops: unknown, opsProv: Prov, where: string): void {
  if (!Array.isArray(ops)) throw new RenderError(`${where}: a JSON patch must be a list of operations`);
  ops.forEach((op, i) => {
    const at = `${where}: operation ${i + 1}`;
    if (!isMap(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw new RenderError(`${at} needs "op" and "path"`);
    if (op.path === '') throw new RenderError(`not rendered: ${at} replaces the whole object, which is not supported`);
    const opProv = provChild(opsProv, i)!;
    const kind = op.op === 'replace' && isMissingMapKey(res.data, op.path) ? 'add' : op.op;
    const dataOp = { ...op, op: kind, ...('value' in op ? { value: structuredClone(op.value) } : {}) } as unknown as Operation;
    try {
      jsonpatch().applyOperation(res.data, dataOp, true, true, true, i);
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new RenderError(`${at} (${op.op} ${op.path}) failed: ${reason}`);
    }
    let provOp: Operation | null = null;
    switch (kind) {
      case 'add':
      case 'replace': {
        const valueProv = provChild(opProv, 'value');
        provOp = { op: kind, path: op.path, value: valueProv ? cloneProv(valueProv) : provConst(op.value, originOf(opProv)) };
        break;
      }
      case 'remove':
        provOp = { op: 'remove', path: op.path };
        break;
      case 'move':
        provOp = { op: 'move', path: op.path, from: String(op.from) };
        break;
      case 'copy':
        provOp = { op: 'add', path: op.path, value: provConst(getAtPointer(res.data, op.path), originOf(opProv)) };
        break;
      default:
        break; // test: nothing changed
    }
    if (provOp) jsonpatch().applyOperation(res.prov, provOp, false, true, true, i);
  });
}

/**
 * kustomize's JSON patch library (evanphx/json-patch v4) replaces a key missing from an existing
 * map by adding it; a missing list index, or a missing map or list on the way, still fails.
 */
function isMissingMapKey(data: unknown, path: string): boolean {
  if (!path.startsWith('/')) return false;
  const segs = parsePointer(path);
  const parent = getAtSegments(data, segs, segs.length - 1);
  return isMap(parent) && !Object.hasOwn(parent, segs[segs.length - 1]!);
}
