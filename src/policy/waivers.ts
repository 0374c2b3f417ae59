import picomatch from 'picomatch';
import type { ConfigDocument } from '../parse/documents.js';
import { isRecord } from '../parse/identity.js';
import type { ResourceId, Suppression } from '../report/types.js';
import { maskSecretShapes } from './secret-shapes.js';

/** A waiver in .aiopsrc.json: which rule, on which resources or files, why, until when. */
export interface ConfigWaiver {
  rule: string;
  /** Glob on "Kind/namespace/name" (or "Kind/name" for cluster-scoped resources). */
  resource?: string;
  /** Glob on the file path, relative to the repository root. */
  file?: string;
  reason?: string;
  /** YYYY-MM-DD: the last day the waiver holds. */
  expires?: string;
}

export const ANNOTATION_PREFIX = 'aiops-guard.io/ignore.';

/** "Kind/namespace/name" or "Kind/name": what resource globs in waivers match. */
export function resourceKey(id: ResourceId): string {
  return [id.kind, id.namespace, id.name ?? ''].filter((s) => s !== null).join('/');
}

/**
 * A waiver's reason as reports show it: trimmed, and with anything shaped like a token masked, as in
 * messages ("rotated the hf_… token" is a reason people write; the report must not carry the token).
 */
export function waiverReason(raw: unknown): string {
  return typeof raw === 'string' ? maskSecretShapes(raw.trim()) : '';
}

/** The inline waiver annotation for a rule on a document, if any. */
export function annotationWaiver(doc: ConfigDocument, ruleId: string): { reason: string; pointer: string } | null {
  const data = doc.data;
  if (!isRecord(data) || !isRecord(data.metadata) || !isRecord(data.metadata.annotations)) return null;
  const key = ANNOTATION_PREFIX + ruleId;
  if (!(key in data.metadata.annotations)) return null;
  const raw = data.metadata.annotations[key];
  return { reason: waiverReason(raw), pointer: `/metadata/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}` };
}

export interface CompiledWaiver {
  index: number;
  waiver: ConfigWaiver;
  expired: boolean;
  matches(ruleId: string, file: string, id: ResourceId | null): boolean;
}

/** A waiver expires at the end of its `expires` day (UTC). */
export function isExpired(expires: string | undefined, now: Date): boolean {
  if (!expires) return false;
  const end = Date.parse(`${expires}T23:59:59.999Z`);
  return Number.isNaN(end) || end < now.getTime();
}

export function compileWaivers(waivers: readonly ConfigWaiver[], now: Date): CompiledWaiver[] {
  return waivers.map((waiver, index) => {
    const rule = picomatch(waiver.rule);
    const file = waiver.file ? picomatch(waiver.file, { dot: true }) : null;
    const resource = waiver.resource ? picomatch(waiver.resource, { dot: true }) : null;
    return {
      index,
      waiver,
      expired: isExpired(waiver.expires, now),
      matches(ruleId, path, id) {
        if (!rule(ruleId)) return false;
        if (file && !file(path)) return false;
        if (resource && (!id || !resource(resourceKey(id)))) return false;
        return true;
      },
    };
  });
}

/** A usable suppression from a config waiver, or null when it has no reason or has expired. */
export function configSuppression(w: CompiledWaiver): Suppression | null {
  const reason = waiverReason(w.waiver.reason);
  if (!reason || w.expired) return null;
  return { kind: 'config', reason, ...(w.waiver.expires ? { expires: w.waiver.expires } : {}) };
}

/** The first usable config waiver for a finding of `ruleId` in `file` on resource `id`. */
export function configWaiverFor(waivers: readonly CompiledWaiver[], ruleId: string, file: string, id: ResourceId | null): Suppression | null {
  for (const w of waivers) {
    if (!w.matches(ruleId, file, id)) continue;
    const s = configSuppression(w);
    if (s) return s;
  }
  return null;
}
