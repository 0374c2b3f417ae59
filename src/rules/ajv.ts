import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as { default: (ajv: Ajv2020) => void };

/**
 * The one Ajv configuration for rule schemas, shared by run-time compilation and the
 * build-time standalone code, so a built-in rule behaves the same either way.
 * Unknown keywords are errors (a typo like `propertes` must not pass silently).
 */
export function createRuleAjv(options: { standalone?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    // Every failing place, not just the first: a ConfigMap with three credentials gives three findings.
    allErrors: true,
    logger: false,
    code: options.standalone ? { source: true, esm: true } : {},
  });
  addFormats.default(ajv);
  return ajv;
}

/** Ajv's standalone ESM output still calls require() for runtime helpers. */
export const standalonePrelude = (): string =>
  `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n`;

