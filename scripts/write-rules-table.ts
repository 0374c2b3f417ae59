/** `npm run docs`: rewrites the README's rule table from the built-in rules. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BUILTIN_RULES_DIR, loadRuleFiles, PACKAGE_ROOT } from '../src/rules/load.js';
import { formatRulesTable, replaceRulesTable } from '../src/rules/table.js';

const readmePath = path.join(PACKAGE_ROOT, 'README.md');
const rules = await loadRuleFiles([BUILTIN_RULES_DIR]);
writeFileSync(readmePath, replaceRulesTable(readFileSync(readmePath, 'utf8'), formatRulesTable(rules)));
console.log(`README rule table: ${rules.length} rules`);
