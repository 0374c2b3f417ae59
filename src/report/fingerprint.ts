import { createHash } from 'node:crypto';
import { formatResource } from '../parse/identity.js';
import type { DriftItem, Finding } from './types.js';

/** A kubectl List item's prefix in a finding's pointer: where the resource sits in its file, not what it is. */
const LIST_ITEM = /^\/items\/\d+(?=\/|$)/;

/**
 * What makes a finding the same finding across runs, files and commits: rule + resource identity +
 * JSON pointer within the resource. A resource that is renamed, moved into another file or into a
 * kubectl List keeps its fingerprint; lines never count. Only a finding without a resource identity
 * (no kind/name: compose files, parse errors) is tied to its file and document index instead.
 *
 * The baseline stores it, history compares commits with it, SARIF's partialFingerprints carry it.
 */
export function findingKey(f: Pick<Finding, 'ruleId' | 'file' | 'pointer' | 'documentIndex' | 'resource' | 'target'>): string {
  const r = f.resource;
  // The same resource rendered by two overlays is two deployed objects; a plain file's key is as it always was.
  const target = f.target ? [f.target] : [];
  // Findings carry the file's pointer; for a List item that starts with /items/N (a non-List
  // resource with a top-level `items` field is not a Kubernetes shape, so this prefix is the List's).
  if (r && r.name !== null) return [f.ruleId, `${r.group}/${r.kind}/${r.namespace ?? ''}/${r.name}`, f.target ? f.pointer : f.pointer.replace(LIST_ITEM, ''), ...target].join('\u0000');
  return [f.ruleId, '', f.pointer, f.file, String(f.documentIndex), ...target].join('\u0000');
}

/** The fingerprint of a finding: a short hash of `findingKey`. */
export function findingFingerprint(f: Pick<Finding, 'ruleId' | 'file' | 'pointer' | 'documentIndex' | 'resource' | 'target'>): string {
  return createHash('sha256').update(findingKey(f)).digest('hex').slice(0, 32);
}
export function driftFingerprint(d: DriftItem): string {
  return createHash('sha256').update(['drift', d.status, formatResource(d.resource)].join('\u0000')).digest('hex').slice(0, 32);
}

/** One line saying how a resource drifted, for formats that have only a message. */
export function describeDrift(d: DriftItem): string {
  const what = formatResource(d.resource);
  const security = d.securityRelevant ? ` ${capitalise(securityReason(d))}.` : '';
  if (d.status === 'missing') return `${what} is in git but not live${security ? `.${security}` : ''}`;
  if (d.status === 'unmanaged') return `${what} is live but not in git${security ? `.${security}` : ''}`;
  const changes = d.changes.map((c) => `${c.pointer}: git ${c.desired === undefined ? '(unset)' : JSON.stringify(c.desired)} → live ${c.live === undefined ? '(unset)' : JSON.stringify(c.live)}`);
  return `${what} differs from live: ${changes.join('; ')}.${security}`;
}

/**
 * Why a drifted resource leaves live less secure than git: the rules live fails that git passes,
 * or, with none, what the object does (a guard git declares is gone; a binding or an exposing
 * Service was made outside git). A reason is never empty.
 */
export function securityReason(d: DriftItem): string {
  const rules = [...new Set(d.liveFindings.map((f) => f.ruleId))];
  if (rules.length > 0) return `live is less secure than git: ${rules.join(', ')}`;
  if (d.status === 'missing') return `live is less secure than git: this ${d.resource.kind} restricts what others may do, and live lacks it`;
  if (d.resource.kind === 'Service') return 'live is less secure than git: this Service exposes pods outside the cluster, and git does not declare it';
  return `live is less secure than git: this ${d.resource.kind} grants access, and git does not declare it`;
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
