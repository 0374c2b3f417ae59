/**
 * The floor of a full scan: read the same files and parse every document with `yaml`.
 * Nothing else: no git, no rules, no positions kept, no report.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const root = process.argv[2]!;
let docs = 0;
for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!e.isFile() || !/\.(ya?ml|json)$/.test(e.name) || e.parentPath.includes('.git')) continue;
  const text = readFileSync(path.join(e.parentPath, e.name), 'utf8');
  for (const doc of parseAllDocuments(text)) {
    doc.toJS();
    docs++;
  }
}
process.stdout.write(`${docs}\n`);
