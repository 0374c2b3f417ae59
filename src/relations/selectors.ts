import { detachString } from '../parse/detach.js';
import { isRecord } from '../parse/identity.js';

export type Labels = Readonly<Record<string, string>>;

/** A label selector as the API server reads it: matchLabels and matchExpressions, ANDed. */
export interface LabelSelector {
  matchLabels?: Record<string, unknown>;
  matchExpressions?: unknown[];
}

/** Whether a metav1.LabelSelector selects `labels`. An empty selector selects everything; a malformed one, nothing. */
export function selectorMatches(selector: unknown, labels: Labels): boolean {
  if (!isRecord(selector)) return false;
  const { matchLabels, matchExpressions } = selector as LabelSelector;
  if (matchLabels !== undefined) {
    if (!isRecord(matchLabels)) return false;
    for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== String(v)) return false;
  }
  if (matchExpressions !== undefined) {
    if (!Array.isArray(matchExpressions)) return false;
    for (const e of matchExpressions) if (!expressionMatches(e, labels)) return false;
  }
  return true;
}

function expressionMatches(e: unknown, labels: Labels): boolean {
  if (!isRecord(e) || typeof e.key !== 'string') return false;
  const values = Array.isArray(e.values) ? e.values.map(String) : [];
  const has = Object.prototype.hasOwnProperty.call(labels, e.key);
  switch (e.operator) {
    case 'In':
      return has && values.includes(labels[e.key]!);
    case 'NotIn':
      return !has || !values.includes(labels[e.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

/** A Service's `spec.selector`: a plain map. A Service without one (or with an empty one) selects no pods. */
export function serviceSelectorMatches(selector: unknown, labels: Labels): boolean {
  if (!isRecord(selector) || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === String(v));
}

/**
 * Labels as a string map (values of other types as the API server would refuse them are left out),
 * kept past their file: the values are copies that keep nothing of its text (see detach).
 */
export function labelsOf(value: unknown): Labels {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = detachString(v);
  return out;
}
