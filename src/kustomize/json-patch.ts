import type JsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { lazyPackage } from '../packages.js';
import { getAtPointer } from '../parse/pointer.js';
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
    const dataOp = { ...op, ...('value' in op ? { value: structuredClone(op.value) } : {}) } as unknown as Operation;
    try {
      jsonpatch().applyOperation(res.data, dataOp, true, true, true, i);
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new RenderError(`${at} (${op.op} ${op.path}) failed: ${reason}`);
    }
    let provOp: Operation | null = null;
    switch (op.op) {
      case 'add':
      case 'replace': {
        const valueProv = provChild(opProv, 'value');
        provOp = { op: op.op, path: op.path, value: valueProv ? cloneProv(valueProv) : provConst(op.value, originOf(opProv)) };
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
