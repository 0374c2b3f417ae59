import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A package loaded on its first use, through require (each one given here ships CommonJS). The CLI
 * runs as one bundle (scripts/bundle.ts): a static import of a package there would load it on every
 * run, whichever command needs it. Ajv, re2js and fast-json-patch load this way.
 */
export function lazyPackage<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
