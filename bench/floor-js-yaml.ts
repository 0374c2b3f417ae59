/**
 * The floor of the fastest JavaScript YAML parse: the same files as floor.ts, parsed with js-yaml
 * (no positions, YAML 1.2 core schema). For reference only: it shows how far the `yaml` parse
 * (which keeps positions and reads YAML 1.1 as Kubernetes does) is from it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadAll } from 'js-yaml';

const root = process.argv[2]!;
let docs = 0;
for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!e.isFile() || !/\.(ya?ml|json)$/.test(e.name) || e.parentPath.includes('.git')) continue;
  loadAll(readFileSync(path.join(e.parentPath, e.name), 'utf8'), () => docs++);
}
process.stdout.write(`${docs}\n`);
