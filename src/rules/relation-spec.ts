import { ConfigError } from '../errors.js';
import type { RelationJoin, RelationSelect, RelationSpec, RuleSpec } from './types.js';

/** A relation's `to` as a list. */
export function toConditions(r: RelationSpec): RelationSelect[] {
  return Array.isArray(r.to) ? r.to : [r.to];
}

/** A relation's joins as a path. */
export function joinPath(r: RelationSpec): RelationJoin[] {
  return Array.isArray(r.join) ? r.join : [r.join];
}

/** The `where` schemas of a relation rule, keyed as their validators are stored (`<id>/from`, `<id>/to/<n>`). */
export function relationSchemas(spec: RuleSpec): { key: string; schema: object | boolean }[] {
  const r = spec.relation;
  if (!r) return [];
  const out: { key: string; schema: object | boolean }[] = [];
  if (r.from.where !== undefined) out.push({ key: `${spec.id}/from`, schema: r.from.where });
  toConditions(r).forEach((t, i) => {
    if (t.where !== undefined) out.push({ key: `${spec.id}/to/${i}`, schema: t.where });
  });
  return out;
}

/**
 * What the meta-schema cannot say about a relation rule: the combinations that mean nothing.
 * Each names the file and the fix, as every rule error does.
 */
export function checkRelationSpec(spec: RuleSpec, file: string): void {
  const r = spec.relation;
  if (!r) return;
  const fail = (problem: string, fix: string): never => {
    throw new ConfigError(`${file}: invalid relation in rule "${spec.id}": ${problem}`, fix);
  };
  const to = toConditions(r);
  if (r.require === 'none' && to.length > 1) fail('require: none takes one "to" condition, not a list', 'write one rule per condition, or use require: exists');
  if (r.satisfies && r.require !== 'exists') fail('satisfies needs require: exists', 'set require: exists: the named findings are dropped when a related object matches');
  if (r.satisfies && r.per === 'namespace') fail('satisfies cannot report per namespace', 'remove per: namespace');
  const joins = joinPath(r);
  if (joins[0] === 'serviceAccount' && (r.from.target ?? '').split('/')[0] !== 'podSpec') {
    fail('join serviceAccount starts from pod specs', 'set from.target: podSpec');
  }
  for (const t of to) if (t.target && t.target !== 'document' && t.target !== 'podSpec') fail(`to.target "${t.target}" is not document or podSpec`, 'related objects are whole objects (document) or pod specs (podSpec)');
}
