import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { DEFAULT_LIMITS } from '../parse/documents.js';

const EXISTING = ['.aiopsrc', '.aiopsrc.json', '.aiopsrc.yaml', '.aiopsrc.yml', '.aiopsrc.js', '.aiopsrc.cjs', '.aiopsrc.mjs', '.aiopsrc.ts'];

/**
 * `$schema` of a new config: relative to the config, where `npm i -D aiops-guard` puts the schema,
 * so it resolves in every clone and in CI after install. Never a path of this machine (a global
 * install or an npx cache), which means nothing anywhere else.
 */
const SCHEMA_REFERENCE = './node_modules/aiops-guard/schemas/aiopsrc.schema.json';

/** The starter config: every key with its default (those without one named in a note), and notes on what they do. */
function starterConfig(schema: string): string {
  const config = {
    $schema: schema,
    $comment: [
      'aiops-guard configuration. Every key is optional; the values below are the defaults.',
      'Editors that read $schema complete and check this file. README: Configuration.',
      'A waiver in "waivers" needs a reason; past its expiry it waives nothing and is reported. Example:',
      '{"rule": "k8s-hostpath-volume", "resource": "DaemonSet/monitoring/*", "reason": "node exporters read /proc and /sys", "expires": "2099-12-31"}',
      'Keys whose default is no value to write: "failOn" (default: high; low under a profile), "profile" (pss-baseline or pss-restricted: only those Pod Security Standards rules), "targets" (default: every leaf kustomization), "baseline" (default: .aiops-guard-baseline.json when it exists).',
    ],
    include: ['**/*.yaml', '**/*.yml', '**/*.json'],
    exclude: [],
    rules: [],
    only: [],
    skip: [],
    severity: {},
    inlineWaivers: true,
    // Empty: a starter config must not waive anything by itself (an added waiver is a policy-weakened finding).
    waivers: [],
    drift: {
      $comment: 'Namespaces for "unmanaged" default to those your manifests use; ignoreDifferences skips fields others manage (an HPA owns /spec/replicas).',
      defaultNamespace: 'default',
      ignoreDifferences: [],
    },
    rollback: { maxCommits: 200 },
    kustomize: 'auto',
    render: [],
    allowExternal: false,
    cache: true,
    maxFileBytes: DEFAULT_LIMITS.maxFileBytes,
    maxDocuments: DEFAULT_LIMITS.maxDocuments,
  };
  return JSON.stringify(config, null, 2) + '\n';
}

/** Writes .aiopsrc.json in `dir`; never overwrites a config that is there. */
export async function writeStarterConfig(dir: string): Promise<string> {
  const found = EXISTING.map((f) => path.join(dir, f)).find((f) => existsSync(f));
  if (found) throw new UsageError(`${found} already exists; it was left as it is`, 'edit it, or remove it first to start over');
  const file = path.join(dir, '.aiopsrc.json');
  await writeFile(file, starterConfig(SCHEMA_REFERENCE), { flag: 'wx' });
  return file;
}
