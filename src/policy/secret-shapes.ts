/**
 * Secret-shaped text inside a value that a message shows: provider token formats, private keys,
 * passwords in URLs, and the argument of a flag named like a credential (`--hf-token hf_…`).
 * Every quantifier is bounded, so a 200 KB value of repeated prefixes is scanned in linear time.
 */
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
  { re: /\b(?:AccountKey|SharedAccessKey|Password|Pwd)=[^;\s"']{4,400}/gi, needs: ['='] },
  // user:password@ in a URL.
  { re: /(?<=:\/\/[^:/@\s]{1,200}:)[^@/\s]{1,400}(?=@)/g, needs: ['://'] },
  // The argument of a credential-named flag: --hf-token X, --password=X, --api-key X.
  { re: /(?<=--?[A-Za-z0-9-]{0,40}(?:token|password|passwd|secret|api-key|apikey|access-key)[=\s]{1,3})[^\s"']{4,400}/gi, needs: ['token', 'passw', 'secret', 'api-key', 'apikey', 'access-key'] },
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

/** Replaces every secret-shaped part of `text` with its first characters and its length. */
export function maskSecretShapes(text: string): string {
  if (!SHAPE_PIECES.test(text)) return text;
  return text.replace(ANY_SHAPE, (m) => (m.startsWith('-----BEGIN') ? `[private key, ${m.length} chars]` : `${m.slice(0, 3)}…[${m.length} chars masked]`));
}
