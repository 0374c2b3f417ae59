import type { Ajv2020, CodeOptions } from 'ajv/dist/2020.js';
import type { RE2JS as Re2 } from 're2js';
import { lazyPackage } from '../packages.js';

const ajv2020 = lazyPackage<{ Ajv2020: typeof Ajv2020 }>('ajv/dist/2020.js');
const ajvFormats = lazyPackage<{ default: (ajv: Ajv2020) => void }>('ajv-formats');
const re2js = lazyPackage<{ RE2JS: typeof Re2 }>('re2js');

/**
 * The one Ajv configuration for rule schemas, shared by run-time compilation and the
 * build-time standalone code, so a built-in rule behaves the same either way.
 * Unknown keywords are errors (a typo like `propertes` must not pass silently).
 */
export function createRuleAjv(options: { standalone?: boolean | 'commonjs'; linearRegExp?: boolean; filter?: boolean } = {}): Ajv2020 {
  const code: CodeOptions = options.standalone ? { source: true, esm: options.standalone !== 'commonjs' } : {};
  const ajv = new (ajv2020().Ajv2020)({
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    // Every failing place, not just the first: a ConfigMap with three credentials gives three findings.
    // A relation's `where` (filter) is asked only yes or no: the first failure answers it, and the
    // answer is the same (JSON Schema validity does not depend on how many errors are collected).
    allErrors: !options.filter,
    logger: false,
    code: options.linearRegExp ? { ...code, regExp: linearRegExp } : code,
  });
  ajvFormats().default(ajv);
  // ajv-formats checks `format: regex` by compiling the value with V8: a value from the repository under
  // review could exhaust V8's regexp compiler (a fatal abort, not an exception). RE2 parses it safely.
  if (options.linearRegExp) ajv.addFormat('regex', (s: string) => isLinearRegExp(s));
  return ajv;
}

function isLinearRegExp(s: string): boolean {
  try {
    linearRegExp(s, 'u');
    return true;
  } catch {
    return false;
  }
}

/**
 * Ajv's regular-expression engine for rules from user packs: RE2 (re2js, pure JavaScript) runs in time
 * linear in the input, so a pack's `^(a+)+$` cannot hang a check on a long value. A pattern RE2 cannot
 * run (look-around, back-references) throws, and the rule loader reports it as a rule error.
 */
function linearRegExp(pattern: string, flags: string): { test(s: string): boolean; toString(): string } {
  const { RE2JS } = re2js();
  let re: Re2;
  try {
    re = RE2JS.compile(RE2JS.translateRegExp(pattern), flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`pattern ${JSON.stringify(pattern)} cannot run on the linear-time (RE2) engine: ${why}; rewrite it without look-around or back-references`);
  }
  // Ajv keys its cache of compiled patterns by toString(): it must name the pattern.
  return { test: (s: string) => re.test(s), toString: () => `/${pattern}/${flags}` };
}
/** Ajv prints this in standalone code; run-time compiled rules never print it. */
linearRegExp.code = 'linearRegExp';

/** Ajv's standalone ESM output still calls require() for runtime helpers. */
export const standalonePrelude = (): string =>
  `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n`;

