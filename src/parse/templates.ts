import { yaml } from './yaml-lib.js';
import { positionOf } from './position.js';
import { parseYaml } from './yaml.js';

/**
 * A Go-template action as Helm and other Go tools write them: `{{ .Values.x }}`, `{{- if ... }}`,
 * `{{ include ... }}`, `{{/* ... *\/}}`, `{{ $var }}`. Argo Workflows' `{{inputs.parameters.x}}`
 * is not one (no leading dot): Workflows are manifests, applied as written.
 */
const GO_ACTION =
  /\{\{-?\s*(?:\.|\$|\/\*|(?:if|else|end|range|with|define|template|include|block|tpl|toYaml|toJson|required|default|quote|squote|printf|print|lookup|fail|index|not|and|or|eq|ne|len|trim|upper|lower|nindent|indent|b64enc|toString|ternary|coalesce|empty|list|dict|get|hasKey|semverCompare|replace|trunc)\b)/g;
/** `{{name}}` placeholders, a template only in files named as templates (`deploy-template.yaml`). */
const PLACEHOLDER = /\{\{\s*[A-Za-z_][\w.-]*\s*\}\}/g;
const TEMPLATE_FILE = /(^|\/)[^/]*[-_.]template\.(ya?ml|json)$/i;

export interface TemplateAction {
  line: number;
  column: number;
  /** What was found, for the message. */
  what: string;
}

const STRING_TYPES = new Set<string>(['PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED']);

/**
 * The first template action that makes this file a template rather than a manifest, or null.
 * An action inside a string value (an alert's `"{{ $labels.instance }} is down"`, an
 * ApplicationSet's `'{{.path.basename}}'`) is data the cluster receives as written, so it does not
 * count: only actions that are YAML structure (or break the YAML) do. In files named as templates,
 * every action or placeholder outside comments counts.
 */
export function findTemplateAction(file: string, text: string): TemplateAction | null {
  const namedAsTemplate = TEMPLATE_FILE.test(file);
  const candidates = [...actionsOutsideComments(text, GO_ACTION), ...(namedAsTemplate ? actionsOutsideComments(text, PLACEHOLDER) : [])].sort((a, b) => a - b);
  if (candidates.length === 0) return null;
  const report = (offset: number, what: string): TemplateAction => ({ ...positionOf(text, offset), what });
  if (namedAsTemplate) return report(candidates[0]!, 'a template placeholder in a file named as a template');
  const { docs } = parseYaml(text);
  if (docs.some((d) => d.errors.some((e) => e.code !== 'DUPLICATE_KEY'))) return report(candidates[0]!, 'a Go-template action');
  const strings: [number, number][] = [];
  for (const doc of docs) {
    yaml().visit(doc, {
      Scalar(_key, node) {
        if (yaml().isScalar(node) && typeof node.value === 'string' && STRING_TYPES.has(node.type ?? '') && node.range) strings.push([node.range[0], node.range[1]]);
      },
    });
  }
  const structural = candidates.find((offset) => !strings.some(([start, end]) => offset >= start && offset < end));
  return structural === undefined ? null : report(structural, 'a Go-template action');
}

/** Offsets of pattern matches that are not in a YAML comment. */
function actionsOutsideComments(text: string, pattern: RegExp): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(pattern)) {
    const lineStart = text.lastIndexOf('\n', m.index - 1) + 1;
    if (!inComment(text.slice(lineStart, m.index))) out.push(m.index);
  }
  return out;
}

/** Whether a line's text before a position has begun a comment (`#` at the start or after a space, outside quotes). */
function inComment(before: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < before.length; i++) {
    const c = before[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(before[i - 1]!))) return true;
  }
  return false;
}
