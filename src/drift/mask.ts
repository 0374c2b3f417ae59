import { createHmac, randomBytes } from 'node:crypto';

/**
 * Masks secret values for output. Equal values get equal masks within a run, different values
 * different masks, so a change stays visible; the key is random per run and then forgotten, so a
 * mask cannot be brute-forced back into a short secret.
 */
export function createMasker(): (value: unknown) => string {
  const key = randomBytes(32);
  return (value) => {
    if (value === undefined) return '(unset)';
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return `<secret ${createHmac('sha256', key).update(text).digest('hex').slice(0, 8)}>`;
  };
}
