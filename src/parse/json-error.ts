import { positionOf } from './position.js';

/**
 * JSON syntax errors described without quoting the text: V8's messages quote the source around the
 * mistake (`Unexpected token 'T', ..."password": TopSecr"... is not valid JSON`), and the text may be
 * a Secret, a live snapshot or a config file. Every reader of JSON a user gave says what is wrong
 * through this, never through the exception's message.
 */

/**
 * The first JSON syntax error in `text`: its offset and a reason a person can act on
 * (V8's messages leave out the place, or the reason, depending on the mistake). No recursion: depth is free.
 */
export function findJsonError(text: string): { offset: number; reason: string } {
  let i = 0;
  const stack: ('{' | '[')[] = [];
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (reason: string, at = i) => ({ offset: Math.min(at, Math.max(0, text.length)), reason });
  const scanString = (): { offset: number; reason: string } | null => {
    const start = i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return null;
      }
      if (c < 0x20) return fail(c === 0x0a ? 'unterminated string (a string cannot span lines)' : 'control character in a string; escape it', i);
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail('invalid \\u escape: give four hex digits', i);
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return fail(`invalid escape "\\${e ?? ''}"`, i);
        continue;
      }
      i++;
    }
    return fail('unterminated string', start);
  };
  /** Reads one value's start; containers push and return. */
  const scanValue = (): { offset: number; reason: string } | null => {
    ws();
    if (i >= text.length) return fail('unexpected end of input: a value is missing');
    const c = text[i]!;
    if (c === '{' || c === '[') {
      stack.push(c);
      i++;
      return null;
    }
    if (c === '"') return scanString();
    const lit = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (lit && !/[\w.]/.test(text[i + lit[0].length] ?? '')) {
      i += lit[0].length;
      return null;
    }
    if (c === "'") return fail('strings must use double quotes');
    if (c === '}' || c === ']') return fail(`unexpected "${c}": a value is missing`);
    return fail(`unexpected ${describeChar(c)}: expected a value`);
  };
  let err = scanValue();
  // After a value (or a container's opening), decide what may follow, until the top value closes.
  let justOpened = stack.length > 0;
  while (!err) {
    ws();
    const top = stack[stack.length - 1];
    if (!top) break;
    if (i >= text.length) return fail(`unexpected end of input: "${top === '{' ? '}' : ']'}" is missing`);
    const c = text[i]!;
    // The container closes, right after its opening or after an item.
    if (c === (top === '{' ? '}' : ']')) {
      stack.pop();
      i++;
      justOpened = false;
      continue;
    }
    if (!justOpened) {
      if (c !== ',') return fail(top === '{' ? "expected ',' or '}' after a property value" : "expected ',' or ']' after an array item");
      i++;
      ws();
      if (top === '[' && text[i] === ']') return fail('a trailing comma is not allowed in JSON');
    }
    if (top === '{') {
      if (text[i] !== '"') return fail(i >= text.length ? 'unexpected end of input: a property name is missing' : 'expected a property name in double quotes');
      err = scanString();
      if (err) break;
      ws();
      if (text[i] !== ':') return fail("expected ':' after a property name");
      i++;
    }
    const depth = stack.length;
    err = scanValue();
    justOpened = stack.length > depth;
  }
  if (err) return err;
  ws();
  if (i < text.length) return fail('unexpected content after the end of the JSON value');
  return fail('invalid JSON', 0);
}

function describeChar(c: string): string {
  const code = c.codePointAt(0)!;
  return code < 0x20 || code === 0x7f ? `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}` : `"${c}"`;
}

/** findJsonError with the place as a line and column. */
export function jsonErrorAt(text: string): { line: number; column: number; reason: string } {
  const err = findJsonError(text);
  return { ...positionOf(text, err.offset), reason: err.reason };
}
