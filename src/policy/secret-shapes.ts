/**
 * Secret-shaped text inside a value that a message shows: provider token formats, private keys,
 * passwords in URLs, and the argument of a flag named like a credential (`--hf-token hf_…`).
 * Every quantifier is bounded, so a 200 KB value of repeated prefixes is scanned in linear time.
 */
const FLAG_NAME = '--?[A-Za-z0-9._-]{0,40}(?:token|password|passwd|passphrase|pass(?:in|out)?|pwd|secret|api[_-]?key|access[_-]?key|credentials?|requirepass|masterauth|root-token-id)';
/** Between a flag and its argument: `=`, spaces, or the end of one item of a JSON list and the start of the next. */
const FLAG_SEPARATOR = '(?:[=\\s]{1,3}|\\\\?",\\s?)';
const FLAG_WORDS = ['token', 'pass', 'pwd', 'secret', 'api-key', 'api_key', 'apikey', 'access-key', 'access_key', 'accesskey', 'credential', 'requirepass', 'masterauth'];

const SHAPES: { re: RegExp; needs: string[] }[] = [
  // Provider tokens: Hugging Face, OpenAI / Anthropic, GitHub, Slack, AWS, Google, Stripe, GitLab, npm, SendGrid, Databricks.
  { re: /\bhf_[A-Za-z0-9]{20,80}/g, needs: ['hf_'] },
  { re: /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,200}/g, needs: ['sk-'] },
  { re: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,80}/g, needs: ['_'] },
  { re: /\bgithub_pat_[A-Za-z0-9_]{20,120}/g, needs: ['_'] },
  { re: /\bxox[abposr]-[A-Za-z0-9-]{10,120}/g, needs: ['xox'] },
  { re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, needs: ['akia', 'asia'] },
  { re: /\bAIza[0-9A-Za-z_-]{35}/g, needs: ['aiza'] },
  { re: /\b[sr]k_live_[0-9A-Za-z]{16,120}/g, needs: ['_'] },
  { re: /\bglpat-[0-9A-Za-z_-]{20,80}/g, needs: ['glpat-'] },
  { re: /\bnpm_[A-Za-z0-9]{36,80}/g, needs: ['_'] },
  { re: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}/g, needs: ['sg.'] },
  { re: /\bdapi[0-9a-f]{32}(?:-[0-9]{1,4})?/g, needs: ['dapi'] },
  // A JSON Web Token: three base64url parts.
  { re: /\beyJ[A-Za-z0-9_-]{8,2000}\.[A-Za-z0-9_-]{8,4000}\.[A-Za-z0-9_-]{8,2000}/g, needs: ['eyj'] },
  // Azure storage connection strings and similar key=value credentials.
  { re: /\b(?:AccountKey|SharedAccessKey|Password|Pwd)=[^;&#\s"']{4,400}/gi, needs: ['='] },
  // A shell assignment of a credential-named variable before a command: PGPASSWORD=X psql, DB_PASS=X ./run.
  { re: /(?<=(?:^|[\s;&|('"])[A-Za-z_][A-Za-z0-9_]{0,60}(?:password|passwd|pass|pwd|token|secret|_key|_auth)=)[^\s;'"&|)]{1,400}/g, needs: ['pass', 'pwd', 'token', 'secret', '_key', '_auth'] },
  // Programs' own credential flags (src/rules/tool-credentials.ts): mysql's -pX, redis-cli -a X, sshpass -p X,
  // mongo's -p X, docker login -p X, curl -u user:X (and HTTPie's -a), an Authorization header's credentials.
  { re: /(?<=\b(?:mysql[a-z]*|mariadb[a-z-]*)\b[^;|&\n]{0,200}\s-p)[^\s'"]{1,400}/g, needs: ['mysql', 'mariadb'] },
  { re: /(?<=\b(?:redis-cli\b[^;|&\n]{0,200}\s(?:-a|--pass)|(?:sshpass|mongo[a-z]*|login)\b[^;|&\n]{0,200}\s-p)(?:\s{1,3}['"]?)?)[^\s'"-][^\s'"]{0,400}/g, needs: ['redis-cli', 'sshpass', 'mongo', 'login'] },
  { re: /(?<=\s(?:-u|--user|-U|--proxy-user|-a|--auth)(?:\s{1,3}['"]?)?[^\s:'"]{1,200}:)[^\s'"@]{1,400}/g, needs: ['-u', '-a', '--auth'] },
  { re: /(?<=\bauthorization:\s{0,3}(?:(?:bearer|basic|token|digest|bot)\s{1,3})?)(?!(?:bearer|basic|token|digest|bot)\b)[^\s'"]{1,400}/g, needs: ['authorization'] },
  // Passwords as plain words: rabbitmqctl add_user USER X, htpasswd -b[c] [FILE] USER X (the user may be masked too), mc alias set NAME URL KEY X.
  { re: /(?<=\b(?:add_user|change_password|authenticate_user)\s{1,3}\S{1,200}\s{1,3}['"]?)[^\s'"]{1,400}/g, needs: ['add_user', 'change_password', 'authenticate_user'] },
  { re: /(?<=\bhtpasswd\s{1,3}(?:-[a-z]{0,5}\s{1,3}){0,2}-[a-z]{0,5}b[a-z]{0,5}\s{1,3}(?:-\S{1,20}\s{1,3}){0,2}(?:[^\s-]\S{0,200}\s{1,3}){1,2}['"]?)[^\s'"-][^\s'"]{0,400}/g, needs: ['htpasswd'] },
  { re: /(?<=\b(?:alias\s{1,3}set|config\s{1,3}host\s{1,3}add)\s{1,3}(?:\S{1,300}\s{1,3}){3}['"]?)[^\s'"]{1,400}/g, needs: ['alias', 'config'] },
  // user:password@ in a URL.
  { re: /(?<=:\/\/[^:/@\s]{1,200}:)[^@/\s]{1,400}(?=@)/g, needs: ['://'] },
  // A password or token as a query or connection-string parameter: ?password=X, &access_token=X, ;Password=X;, a SAS URL's sig=X.
  { re: /(?<=[?&;](?:password|passwd|pwd|pass|sslpassword|access_token|auth_token|token|api[_-]?key|apikey|client_secret|secret|sig)=['"]?)[^\s&;#'"]{1,400}/gi, needs: ['pass', 'pwd', 'token', 'api', 'secret', 'sig='] },
  // The argument of a credential-named flag: --hf-token X, --password=X, --api_key 'X Y', --NotebookApp.token=X,
  // --requirepass X, and in a JSON list a message shows (["--password","X"]). A quoted argument is masked to its
  // closing quote (its spaces too); any other to the next space or quote.
  // A quote may be escaped (\"), as in a JSON string; so may any other character of an unquoted argument.
  ...['"', "'"].map((quote) => ({
    re: new RegExp(`(?<=${FLAG_NAME}${FLAG_SEPARATOR}\\\\?${quote})[^${quote}\\\\\\n]{1,400}`, 'gi'),
    needs: FLAG_WORDS,
  })),
  { re: new RegExp(`(?<=${FLAG_NAME}${FLAG_SEPARATOR})(?:[^\\s"'\\\\]|\\\\[^\\s"']){1,400}`, 'gi'), needs: FLAG_WORDS },
];
const PRIVATE_KEY = { re: /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]{0,10000}?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|$)/, needs: ['-----begin '] };

/** All shapes in one pattern, so one pass masks each part once (a mask is never masked again). */
export const ANY_SHAPE = new RegExp([PRIVATE_KEY, ...SHAPES].map((s) => `(?:${s.re.source})`).join('|'), 'gi');

/**
 * A piece of text every shape's match holds (or, for a look-behind, the text before it), in any
 * case, as ANY_SHAPE is matched: text with none of them has nothing to mask. Most message values
 * are names and images: this one scan answers for them, five times faster than ANY_SHAPE.
 */
export const SHAPE_PIECES = new RegExp([...new Set([PRIVATE_KEY, ...SHAPES].flatMap((s) => s.needs))].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');

/** Replaces every secret-shaped part of `text` with its first characters (none of a short one) and its length. */
export function maskSecretShapes(text: string): string {
  if (!SHAPE_PIECES.test(text)) return text;
  // A short secret (a flag's or a URL's password) shows none of its characters: three of six is half of it.
  return text.replace(ANY_SHAPE, (m) => (m.startsWith('-----BEGIN') ? `[private key, ${m.length} chars]` : `${m.length >= 8 ? m.slice(0, 3) : ''}…[${m.length} chars masked]`));
}
