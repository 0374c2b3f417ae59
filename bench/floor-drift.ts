/** The floor of a drift run: parse every desired document with `yaml`, and JSON.parse the snapshot. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const [root, snapshot] = process.argv.slice(2) as [string, string];
let docs = 0;
for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!e.isFile() || !/\.(ya?ml|json)$/.test(e.name) || e.parentPath.includes('.git')) continue;
  for (const doc of parseAllDocuments(readFileSync(path.join(e.parentPath, e.name), 'utf8'))) {
    doc.toJS();
    docs++;
  }
}
const live = JSON.parse(readFileSync(snapshot, 'utf8')) as { items: unknown[] };
process.stdout.write(`${docs} ${live.items.length}\n`);
