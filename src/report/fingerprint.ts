import { createHash } from 'node:crypto';
import { formatResource } from '../parse/identity.js';
import type { DriftItem, Finding } from './types.js';

/** Stable across runs and line moves: rule, file, resource and JSON pointer, not the line. */
export function findingFingerprint(f: Finding): string {
  const resource = f.resource ? formatResource(f.resource) : '';
  return createHash('sha256').update([f.ruleId, f.file, resource, f.pointer].join('\u0000')).digest('hex').slice(0, 32);
}

export function driftFingerprint(d: DriftItem): string {
  return createHash('sha256').update(['drift', d.status, formatResource(d.resource)].join('\u0000')).digest('hex').slice(0, 32);
}

/** One line saying how a resource drifted, for formats that have only a message. */
export function describeDrift(d: DriftItem): string {
  const what = formatResource(d.resource);
  if (d.status === 'missing') return `${what} is in git but not live`;
  if (d.status === 'unmanaged') return `${what} is live but not in git`;
  const changes = d.changes.map((c) => `${c.pointer}: git ${c.desired === undefined ? '(unset)' : JSON.stringify(c.desired)} → live ${c.live === undefined ? '(unset)' : JSON.stringify(c.live)}`);
  const security = d.securityRelevant ? ` Live is less secure than git: ${[...new Set(d.liveFindings.map((f) => f.ruleId))].join(', ')}.` : '';
  return `${what} differs from live: ${changes.join('; ')}.${security}`;
}
