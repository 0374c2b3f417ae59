import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let lib: typeof Yaml | null = null;

/**
 * The `yaml` package, loaded on first use: a run whose files the cache already knows, or that the
 * fast reader reads, never pays for loading it. Loaded with `require` (it is CommonJS for Node):
 * imported as an ES module, Node would first scan it for its export names.
 */
export function yaml(): typeof Yaml {
  return (lib ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
}
