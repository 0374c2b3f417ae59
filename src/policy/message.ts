import { detachString } from '../parse/detach.js';
import { isRecord } from '../parse/identity.js';
import { maskSecretShapes } from './secret-shapes.js';

/** Shows that a secret is there without showing it: its first two characters and its length. */
export function maskSecret(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  const head = s.length >= 8 ? s.slice(0, 2) : '';
  return `"${head}…" (${s.length} ${s.length === 1 ? 'char' : 'chars'})`;
}

/**
 * How a message prints a value: a string as it is; an object of plain values (strings, numbers,
 * booleans) as the YAML flow mapping it could be written as, `{target: 11434, published: 11434}` (a
 * compose long-form port), where JSON would print `{"target":11434,"published":11434}`; anything else
 * (a list, an object holding objects or lists) as JSON, as before. Inside the mapping a string is
 * quoted as JSON quotes it unless it is one plain word (letters, digits, `_ . / @ + - :`, no colon at
 * an end): a value with a space, `=`, a quote or a comma ends at its quote as it does in JSON, so the
 * secret shapes masked in the message (`--password=…`, `PGPASSWORD=…`, `-u user:…`) are masked alike.
 */
export function printable(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length > 0 && entries.every(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
      return `{${entries.map(([k, v]) => `${flowScalar(k)}: ${flowScalar(v)}`).join(', ')}}`;
    }
  }
  return JSON.stringify(value) ?? '';
}

const PLAIN_WORD = /^[\w./@+-](?:[\w./@+:-]*[\w./@+-])?$/;

function flowScalar(v: unknown): string {
  return typeof v === 'string' && !PLAIN_WORD.test(v) ? JSON.stringify(v) : String(v);
}

/** Short, printable form of a value for a message. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(none)';
  const s = printable(value);
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
  const parts = partsOf(template);
  if (parts.length === 1) return parts[0]!;
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const v = resolve(parts[i]!);
    // Whatever a rule's message shows, a token beside the value it means to show is never printed.
    if (v !== undefined && v !== null) out += maskSecretShapes(printable(v));
    out += parts[i + 1]!;
  }
  // One fresh string: the concatenation would keep each part, and a part read from a file (an
  // image, a name) is often a slice that keeps the file's whole text alive as long as the finding.
  return detachString(out);
}

const PLACEHOLDER = /\{\{\s*([$\w.-]+)\s*\}\}/;
const templates = new Map<string, string[]>();

/** A template split once: text, then placeholder key and text, alternately (a rule renders thousands of findings). */
function partsOf(template: string): string[] {
  let parts = templates.get(template);
  if (!parts) templates.set(template, (parts = template.includes('{{') ? template.split(new RegExp(PLACEHOLDER.source, 'g')) : [template]));
  return parts;
}
