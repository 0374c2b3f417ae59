/**
 * Flags that carry a credential whatever their name says, known per program: `mysqladmin -pX`,
 * `redis-cli -a X`, `curl -u user:X`, `sshpass -p X`, `openssl … -passin pass:X`, `keytool
 * -storepass X`, `vault server -dev-root-token-id=X`, `docker login -p X`, and the positional
 * passwords of `htpasswd -b`, `rabbitmqctl add_user` and `mc alias set`. A credential-named flag
 * (`--password X`) needs none of this: the rules read its name (secrets-flag-literal).
 *
 * The reader sees one command's arguments and returns what it found; a word it reads (a value it
 * took) is not read again as a flag.
 */

/** A word of one command line and where it is. */
export interface ToolWord {
  text: string;
  pointer: string;
}

/** A credential a tool takes: the value (only the secret part: `user:X` gives X) at the word that holds it. */
export interface ToolCredential {
  /** How the finding names it: the program and its flag (`mysqladmin -p`, `curl -u`). */
  name: string;
  value: string;
  pointer: string;
}

export interface ToolReading {
  credentials: ToolCredential[];
  /** Indexes (in the command's words) a reader consumed: not read again as flags or their values. */
  used: Set<number>;
}

/** The program a command word names: its file name, without a path (`/usr/bin/mysql` is mysql). */
export function programOf(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

const MYSQL = new Set(['mysql', 'mysqladmin', 'mysqldump', 'mysqlshow', 'mysqlcheck', 'mysqlimport', 'mysqlpump', 'mysqlslap', 'mysqlbinlog', 'mysqlsh', 'mariadb', 'mariadb-admin', 'mariadb-dump', 'mariadb-check', 'mariadb-import', 'mariadb-show', 'mariadb-slap']);
const MONGO = new Set(['mongo', 'mongosh', 'mongodump', 'mongorestore', 'mongoexport', 'mongoimport', 'mongostat', 'mongotop', 'mongofiles']);
/** Registry clients whose `login` takes `-p PASSWORD`. */
const LOGIN = new Set(['docker', 'podman', 'nerdctl', 'buildah', 'skopeo', 'helm', 'crane', 'oras', 'regctl']);
/** Tools whose `user:password` flag is `-u`/`--user` (curl), `-a`/`--auth` (HTTPie). */
const USER_PASSWORD = new Map<string, readonly string[]>([
  ['curl', ['-u', '--user', '-U', '--proxy-user']],
  ['http', ['-a', '--auth']],
  ['https', ['-a', '--auth']],
]);
/** Java keystores' password flags (keytool, jarsigner): `-storepass:env X` and `:file` are not literals and are not flag words here. */
const KEYSTORE_FLAG = /^-(src|dest)?(store|key)pass$/;
/** HTTP headers whose value is a credential after its scheme (`Authorization: Bearer X`). */
const AUTH_HEADER = /^(proxy-)?authorization$/i;

/**
 * The credentials a command passes to its program: `program` is its name ('' when the command line
 * has none, as a container's `args` without `command`), `words` its arguments.
 */
export function readToolCredentials(program: string, words: readonly ToolWord[]): ToolReading {
  const reading: ToolReading = { credentials: [], used: new Set() };
  // A flag that means one thing in any program is named alone; a program's own flag, after its program.
  const add = (flag: string, value: string, word: ToolWord, anyProgram = false) => {
    if (value !== '') reading.credentials.push({ name: anyProgram ? flag : `${program} ${flag}`.trim(), value, pointer: word.pointer });
  };
  // The word after a flag, when there is one that is not a flag itself.
  const valueAfter = (i: number): ToolWord | undefined => {
    const next = words[i + 1];
    return next && !next.text.startsWith('-') ? next : undefined;
  };
  const take = (i: number, flag: string, value = (t: string) => t, anyProgram = false): void => {
    const next = valueAfter(i);
    reading.used.add(i);
    if (!next) return;
    reading.used.add(i + 1);
    add(flag, value(next.text), next, anyProgram);
  };
  // A value written in the flag's own word (`-pX`, `--pass=X`, `-uuser:X`).
  const attached = (i: number, flag: string, value: string, anyProgram = false): void => {
    reading.used.add(i);
    add(flag, value, words[i]!, anyProgram);
  };
  const afterColon = (t: string) => (t.includes(':') ? t.slice(t.indexOf(':') + 1) : '');
  // The login subcommand (`docker login`, `helm registry login`, `crane auth login`): among the first words,
  // so `docker run -p 8080:80 app login` (a port, then the container's own argument) is no login.
  const loginAt = words.slice(0, 3).findIndex((w) => w.text === 'login');
  for (let i = 0; i < words.length; i++) {
    const t = words[i]!.text;
    if (!t.startsWith('-')) continue;
    // Any program: these flags mean one thing wherever they are (vault's image runs `server -dev …` without its name).
    const dev = /^--?dev-root-token-id(?:=(.*))?$/.exec(t);
    if (dev) {
      if (dev[1] !== undefined) attached(i, '-dev-root-token-id', dev[1], true);
      else take(i, '-dev-root-token-id', undefined, true);
      continue;
    }
    if (/^-pass(in|out)?$/.test(t) && (program === 'openssl' || /^(pass|env|file|fd):|^stdin$/.test(words[i + 1]?.text ?? ''))) {
      // openssl's pass phrase arguments: pass:X is the phrase; env:, file:, fd: and stdin say where it is.
      take(i, t, (v) => (v.startsWith('pass:') ? v.slice(5) : ''));
      continue;
    }
    if (KEYSTORE_FLAG.test(t) || (t === '-new' && (program === 'keytool' || program === 'jarsigner'))) {
      take(i, t);
      continue;
    }
    if (MYSQL.has(program)) {
      // -pX (attached; a separate word after -p is a database name, and -p alone prompts), --pass=X, --passw=X ….
      const short = /^-p(.+)$/.exec(t);
      const long = /^--pass(?:w|wo|wor)?=(.*)$/.exec(t);
      if (short || long) attached(i, short ? '-p' : '--password', (short ?? long)![1]!);
      continue;
    }
    if (program === 'redis-cli' && (t === '-a' || t === '--pass')) take(i, t);
    else if (program === 'sshpass' && t.startsWith('-p')) {
      if (t === '-p') take(i, '-p');
      else attached(i, '-p', t.slice(2));
    } else if (MONGO.has(program) && t === '-p') take(i, '-p');
    else if (program === 'influx' && t === '-t') take(i, '-t');
    else if (LOGIN.has(program) && loginAt !== -1 && i > loginAt && t === '-p') take(i, 'login -p');
    else if (USER_PASSWORD.get(program)?.includes(t)) take(i, t, afterColon);
    else if (program === 'curl' && /^-u./.test(t)) attached(i, '-u', afterColon(t.slice(2)));
    else if (program === 'curl' && t === '--oauth2-bearer') take(i, t);
    else if ((program === 'curl' && (t === '-H' || t === '--header')) || (program === 'wget' && t === '--header')) {
      const next = valueAfter(i);
      const header = next ? authorization(next.text) : null;
      if (header) take(i, `${t} "${header.name}"`, () => header.secret);
    } else if (program === 'wget' && t.startsWith('--header=')) {
      const header = authorization(t.slice('--header='.length));
      if (header) attached(i, `--header "${header.name}"`, header.secret);
    }
  }
  readPositional(program, words, add, reading);
  return reading;
}

/** An Authorization header (`Authorization: Bearer X`): its name as written, and the credential after the scheme (Bearer, Basic, token …). */
function authorization(header: string): { name: string; secret: string } | null {
  const m = /^\s*([^:\s]+)\s*:\s*(.*)$/.exec(header);
  return m && AUTH_HEADER.test(m[1]!) ? { name: m[1]!, secret: m[2]!.replace(/^[A-Za-z-]+\s+(?=\S)/, '') } : null;
}

/**
 * Passwords given as plain words: `htpasswd -b[c] FILE USER PASSWORD` (`-nb USER PASSWORD`),
 * `rabbitmqctl add_user USER PASSWORD` (and change_password, authenticate_user),
 * `mc alias set NAME URL ACCESS_KEY SECRET_KEY` (and `mc config host add …`).
 */
function readPositional(program: string, words: readonly ToolWord[], add: (flag: string, value: string, w: ToolWord) => void, reading: ToolReading): void {
  if (program !== 'htpasswd' && program !== 'rabbitmqctl' && program !== 'mc') return;
  // Options that take a value, whose value is not a positional word.
  const withValue = program === 'htpasswd' ? ['-C', '-r'] : program === 'rabbitmqctl' ? ['-n', '--node', '-t', '--timeout', '-l', '--longnames'] : ['--config-dir', '-C', '--api', '--path', '--limit-upload', '--limit-download'];
  const positional: number[] = [];
  let options = '';
  for (let i = 0; i < words.length; i++) {
    const t = words[i]!.text;
    if (withValue.includes(t)) i++;
    else if (t.startsWith('-')) options += t.startsWith('--') ? '' : t.slice(1);
    else positional.push(i);
  }
  const at = (n: number, flag: string) => {
    const i = positional[n];
    if (i === undefined || reading.used.has(i)) return;
    reading.used.add(i);
    add(flag, words[i]!.text, words[i]!);
  };
  const word = (n: number) => (positional[n] === undefined ? undefined : words[positional[n]!]!.text);
  if (program === 'htpasswd' && options.includes('b')) at(options.includes('n') ? 1 : 2, '-b');
  else if (program === 'rabbitmqctl' && ['add_user', 'change_password', 'authenticate_user'].includes(word(0) ?? '')) at(2, word(0)!);
  else if (program === 'mc' && word(0) === 'alias' && word(1) === 'set') at(5, 'alias set');
  else if (program === 'mc' && word(0) === 'config' && word(1) === 'host' && word(2) === 'add') at(6, 'config host add');
}
