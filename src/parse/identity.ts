import { detachString } from './detach.js';
import type { ResourceId } from '../report/types.js';

/** The API group of an apiVersion: "apps/v1" → "apps", "v1" → "" (core). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A resource identity for a Kubernetes-shaped document (one with apiVersion and kind), else null. */
export function identifyResource(data: unknown): ResourceId | null {
  if (!isRecord(data)) return null;
  const { apiVersion, kind, metadata } = data;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return null;
  const meta = isRecord(metadata) ? metadata : {};
  // Kept in findings and projections after the file is released: copies, not views of its text.
  return {
    group: detachString(groupOf(apiVersion)),
    kind: detachString(kind),
    namespace: typeof meta.namespace === 'string' ? detachString(meta.namespace) : null,
    name: typeof meta.name === 'string' ? detachString(meta.name) : null,
  };
}

/** "apps/Deployment web/api": how a resource is named in messages and waiver globs. */
export function formatResource(id: ResourceId): string {
  const kind = id.group ? `${id.group}/${id.kind}` : id.kind;
  const where = id.namespace ? `${id.namespace}/` : '';
  return `${kind} ${where}${id.name ?? '(unnamed)'}`;
}

export { isRecord };
