import { isRecord } from '../parse/identity.js';
import { maskSecretShapes } from './secret-shapes.js';

/** Shows that a secret is there without showing it: its first two characters and its length. */
export function maskSecret(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  const head = s.length >= 8 ? s.slice(0, 2) : '';
  return `"${head}…" (${s.length} chars)`;
}

/** Short, printable form of a value for a message. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(none)';
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** The value at a dotted path ("hostPath.path", "ports.0.name") under `root`. */
export function lookupPath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
    else if (isRecord(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

/**
 * Fills `{{path}}` placeholders; `resolve` is asked only for the placeholders the template has,
 * so costly ones ($value, $masked) are computed only when used. Unknown paths become empty.
 */
export function renderMessage(template: string, resolve: (key: string) => unknown): string {
  if (!template.includes('{{')) return template;
  return template.replace(/\{\{\s*([$\w.-]+)\s*\}\}/g, (_m, key: string) => {
    const v = resolve(key);
    if (v === undefined || v === null) return '';
    // Whatever a rule's message shows, a token beside the value it means to show is never printed.
    return maskSecretShapes(typeof v === 'string' ? v : JSON.stringify(v));
  });
}
