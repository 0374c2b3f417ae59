import { isRecord } from '../parse/identity.js';
import { joinPointer } from '../parse/pointer.js';
import { programOf, readToolCredentials, type ToolWord } from './tool-credentials.js';

/**
 * One flag of a command line: `--name value` (two words), `--name=value` (one), or `--name` alone.
 * `pointer` is the place of the word that holds the value (the flag's own word when it has none),
 * so a finding about the value points at the line a user edits.
 */
export interface CommandFlag {
  name: string;
  value?: string;
  pointer: string;
  /**
   * The program takes this value as a password or token whatever the flag is called (`mysqladmin
   * -pX`, `curl -u user:X`, see tool-credentials.ts); `name` is then the program and its flag.
   */
  credential?: true;
}

/** A word of a command line and where it is; null is a shell operator (`;`, `&&`, `|`), which no flag's value crosses. */
type Word = ToolWord | null;

/** A flag word: one or two dashes, then a name (`-Ddb.password`, `--NotebookApp.token`, `--api_key`). */
const FLAG = /^(--?[A-Za-z][A-Za-z0-9._-]*)(?:=([\s\S]*))?$/;
/** A shell's `-c` (alone or after short options: `-ec`, `-lc`, `-euxc`): its argument is a script, not a value. */
const SHELL_SCRIPT_FLAG = /^-[a-z]{0,4}c$/;
/** Scripts inside scripts (`sh -c "bash -c '…'"`) are read this deep. */
const MAX_DEPTH = 3;

/**
 * The flags of a command line. `value` is an argv list (each string is one word), a string (a
 * command line split as a shell splits words: compose's `command: server --port 80`), or an object
 * whose `entrypoint`, `command` and `args` (a Kubernetes container, a compose service) are one argv
 * in that order, followed by its probes', lifecycle hooks' and healthcheck's commands. A word that
 * holds whitespace and is not a flag's value (the script after `sh -c`) is read as a command line
 * too, and so is a value that holds whitespace; their flags point at the word they are in.
 */
export function flagsOf(value: unknown, pointer: string): CommandFlag[] {
  const out: CommandFlag[] = [];
  readFlags(argvOf(value, pointer), out, 0);
  return out;
}

function argvOf(value: unknown, pointer: string): Word[] {
  if (typeof value === 'string') return shellWords(value, pointer);
  if (Array.isArray(value)) {
    return value.map((item, i) => (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean' ? { text: String(item), pointer: joinPointer(pointer, i) } : null));
  }
  if (isRecord(value)) {
    const main = ['entrypoint', 'command', 'args'].flatMap((field) => (field in value ? argvOf(value[field], joinPointer(pointer, field)) : []));
    // The commands a probe, a lifecycle hook or a compose healthcheck runs are command lines of their
    // own (`mysqladmin ping --password=…` is a common healthcheck): each after a separator.
    const others = EXEC_COMMANDS.flatMap((path) => {
      const at = valueAt(value, path);
      return at === undefined ? [] : [null, ...argvOf(at, joinPointer(pointer, ...path))];
    });
    return [...main, ...others];
  }
  return [];
}

const EXEC_COMMANDS: readonly (readonly string[])[] = [
  ...['livenessProbe', 'readinessProbe', 'startupProbe'].map((p) => [p, 'exec', 'command']),
  ...['postStart', 'preStop'].map((h) => ['lifecycle', h, 'exec', 'command']),
  ['healthcheck', 'test'],
];

function valueAt(value: unknown, path: readonly string[]): unknown {
  let cur = value;
  for (const seg of path) cur = isRecord(cur) ? cur[seg] : undefined;
  return cur;
}

function readFlags(words: readonly Word[], out: CommandFlag[], depth: number): void {
  // One command at a time: a flag's value never crosses a `;`, `&&` or `|`.
  let start = 0;
  for (let i = 0; i <= words.length; i++) {
    if (i < words.length && words[i] !== null) continue;
    if (i > start) readCommand(words.slice(start, i) as ToolWord[], out, depth);
    start = i + 1;
  }
}

/** Words before a command's program that run it (`exec`, `env`, compose's `CMD-SHELL`), and how many words of their own each takes. */
const PREFIX = new Map(Object.entries({ exec: 0, env: 0, nohup: 0, time: 0, command: 0, builtin: 0, CMD: 0, 'CMD-SHELL': 0, gosu: 1, 'su-exec': 1, tini: 0, 'dumb-init': 0, '--': 0 }));
/** A shell variable assignment before a command (`PGPASSWORD=x psql …`). */
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/;

function readCommand(words: readonly ToolWord[], out: CommandFlag[], depth: number): void {
  let at = 0;
  // The assignments and runners before the program: an assignment is read as a flag (its name says what it is).
  for (; at < words.length; at++) {
    const w = words[at]!;
    const assignment = ASSIGNMENT.exec(w.text);
    if (assignment) out.push({ name: assignment[1]!, value: assignment[2]!, pointer: w.pointer });
    else if (PREFIX.has(w.text)) at += PREFIX.get(w.text)!;
    else break;
  }
  // A word with whitespace in the program's place is a script (compose's ["CMD-SHELL", "…"]), not a program.
  const first = words[at];
  const program = first && !first.text.startsWith('-') && !/\s/.test(first.text) ? programOf(first.text) : '';
  const args = words.slice(program ? at + 1 : at);
  const tool = readToolCredentials(program, args);
  for (const c of tool.credentials) out.push({ ...c, credential: true });
  readWords(args, tool.used, out, depth);
}

function readWords(words: readonly ToolWord[], used: ReadonlySet<number>, out: CommandFlag[], depth: number): void {
  for (let i = 0; i < words.length; i++) {
    if (used.has(i)) continue;
    const w = words[i]!;
    const m = FLAG.exec(w.text);
    if (m && m[2] !== undefined) {
      out.push({ name: m[1]!, value: m[2], pointer: w.pointer });
      readScript(m[2], w.pointer, out, depth);
    } else if (m && !SHELL_SCRIPT_FLAG.test(w.text)) {
      // The next word is the value unless it is a flag itself (`--insecure --token $(T)`: --insecure has none).
      const next = words[i + 1];
      if (next && !next.text.startsWith('-') && !used.has(i + 1)) {
        out.push({ name: m[1]!, value: next.text, pointer: next.pointer });
        readScript(next.text, next.pointer, out, depth);
        i++;
      } else out.push({ name: m[1]!, pointer: w.pointer });
    } else readScript(w.text, w.pointer, out, depth);
  }
}

function readScript(text: string, pointer: string, out: CommandFlag[], depth: number): void {
  if (depth < MAX_DEPTH && /\s/.test(text)) readFlags(shellWords(text, pointer), out, depth + 1);
}

const OPERATOR = new Set([';', '&', '|', '(', ')', '<', '>', '\n']);

/**
 * A command line split into words as a POSIX shell splits them, without running one: quotes are
 * removed (single quotes keep everything), a backslash escapes, `$(…)`, `${…}` and backquotes stay
 * whole inside their word (`--password "$(cat /run/secrets/db)"` has one value), unquoted `;`, `&`,
 * `|`, `(`, `)`, `<`, `>` and newlines separate commands, and `#` at the start of a word is a comment.
 * An unclosed quote runs to the end. One pass: every character is read once.
 */
function shellWords(text: string, pointer: string): Word[] {
  const out: Word[] = [];
  let word = '';
  let inWord = false;
  const end = () => {
    if (inWord) out.push({ text: word, pointer });
    word = '';
    inWord = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      const stop = close < 0 ? text.length : close;
      word += text.slice(i + 1, stop);
      i = stop;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j++;
        word += text[j];
      }
      i = j;
      inWord = true;
    } else if (c === '\\') {
      // A backslash before a newline joins the lines.
      if (i + 1 < text.length && text[i + 1] !== '\n') {
        word += text[i + 1];
        inWord = true;
      }
      i++;
    } else if ((c === '$' && (text[i + 1] === '(' || text[i + 1] === '{')) || c === '`') {
      const stop = closingOf(text, c === '`' ? i : i + 1);
      word += text.slice(i, stop + 1);
      i = stop;
      inWord = true;
    } else if (c === '#' && !inWord) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl - 1;
    } else if (OPERATOR.has(c)) {
      end();
      if (out[out.length - 1] !== null) out.push(null);
    } else if (/\s/.test(c)) end();
    else {
      word += c;
      inWord = true;
    }
  }
  end();
  return out;
}

/** Where the `(…)`, `{…}` or backquoted part that opens at `open` closes (nesting counted); the last index when it does not. */
function closingOf(text: string, open: number): number {
  const o = text[open]!;
  const c = o === '(' ? ')' : o === '{' ? '}' : '`';
  let depth = 0;
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === c && depth === 0) return i;
    if (o !== '`' && text[i] === o) depth++;
    else if (o !== '`' && text[i] === c) depth--;
  }
  return text.length - 1;
}
