/**
 * Secret-shaped text inside a value that a message shows: provider token formats, private keys,
 * passwords in URLs, and the argument of a flag named like a credential (`--hf-token hf_…`).
 * Every quantifier is bounded, so a 200 KB value of repeated prefixes is scanned in linear time.
 */
const SHAPES: RegExp[] = [
  // Provider tokens: Hugging Face, OpenAI / Anthropic, GitHub, Slack, AWS, Google, Stripe, GitLab, npm, SendGrid, Databricks.
  /\bhf_[A-Za-z0-9]{20,80}/g,
  /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,200}/g,
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,80}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,120}/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,120}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}/g,
  /\b[sr]k_live_[0-9A-Za-z]{16,120}/g,
  /\bglpat-[0-9A-Za-z_-]{20,80}/g,
  /\bnpm_[A-Za-z0-9]{36,80}/g,
  /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}/g,
  /\bdapi[0-9a-f]{32}(?:-[0-9]{1,4})?/g,
  // A JSON Web Token: three base64url parts.
  /\beyJ[A-Za-z0-9_-]{8,2000}\.[A-Za-z0-9_-]{8,4000}\.[A-Za-z0-9_-]{8,2000}/g,
  // Azure storage connection strings and similar key=value credentials.
  /\b(?:AccountKey|SharedAccessKey|Password|Pwd)=[^;\s"']{4,400}/gi,
  // user:password@ in a URL.
  /(?<=:\/\/[^:/@\s]{1,200}:)[^@/\s]{1,400}(?=@)/g,
  // The argument of a credential-named flag: --hf-token X, --password=X, --api-key X.
  /(?<=--?[A-Za-z0-9-]{0,40}(?:token|password|passwd|secret|api-key|apikey|access-key)[=\s]{1,3})[^\s"']{4,400}/gi,
];
const PRIVATE_KEY = /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]{0,10000}?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|$)/;

/** All shapes in one pattern, so one pass masks each part once (a mask is never masked again). */
const ANY_SHAPE = new RegExp([PRIVATE_KEY, ...SHAPES].map((r) => `(?:${r.source})`).join('|'), 'gi');

/** Replaces every secret-shaped part of `text` with its first characters and its length. */
export function maskSecretShapes(text: string): string {
  return text.replace(ANY_SHAPE, (m) => (m.startsWith('-----BEGIN') ? `[private key, ${m.length} chars]` : `${m.slice(0, 3)}…[${m.length} chars masked]`));
}
