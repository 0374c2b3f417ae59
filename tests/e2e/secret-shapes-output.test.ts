import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import type { Report } from '../../src/report/types.js';
import { cleanup, makeRepo, runCli, tempDir } from '../helpers/repo.js';

afterAll(cleanup);

/**
 * One planted value per provider key shape the secrets pack knows, each where a rule reports it and
 * where other rules print the surrounding value in their messages (a container argument, a git-sync
 * URL). None may appear in any report format.
 */
const PLANTED: Record<string, string> = {
  'secrets-openai-api-key': 'sk-proj-' + 'PlantedOpenAiProjectKey0123456789abcdefghijklmnopqrstuvwx'.slice(0, 58) + 'T3BlbkFJ' + 'PlantedTail0123456789'.slice(0, 20),
  'secrets-anthropic-api-key': 'sk-ant-api03-' + 'PlantedAnthropicKey_0123456789'.repeat(3).slice(0, 80) + 'AA',
  'secrets-huggingface-token': 'hf_' + 'PlantedHuggingFaceToken0123456789ab',
  'secrets-github-token': 'ghp_' + 'PlantedGitHubToken0123456789abcdefgh'.slice(0, 36),
  'secrets-slack-token': 'xoxb-' + '1234567890-PlantedSlackBotToken',
  'secrets-google-api-key': 'AIza' + 'PlantedGoogleKey_0123456789abcdefgh'.slice(0, 35),
  'secrets-azure-storage-key': 'AccountKey=' + 'PlantedAzureStorageAccountKey0123456789+/'.repeat(3).slice(0, 86) + '==',
  'secrets-stripe-secret-key': 'sk_live_' + 'PlantedStripeLiveKey01234',
  'secrets-gitlab-token': 'glpat-' + 'PlantedGitLabTok_123',
  'secrets-npm-token': 'npm_' + 'PlantedNpmToken0123456789abcdefghijk'.slice(0, 36),
  'secrets-sendgrid-api-key': 'SG.' + 'PlantedSendGridKeyId01' + '.' + 'PlantedSendGridSecretPart0123456789abcdefghij'.slice(0, 43),
  'secrets-databricks-token': 'dapi' + '0123456789abcdef0123456789abcdef',
};

const values = Object.values(PLANTED);
const CONFIG_MAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: keys
  namespace: apps
data:
${Object.entries(PLANTED).map(([rule, v], i) => `  key${i}: "${rule} ${v}"`).join('\n')}
`;
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  namespace: apps
spec:
  template:
    spec:
      containers:
        - name: agent
          image: agent:1.0
          args:
${values.map((v) => `            - "--trust-remote-code --note=${v}"`).join('\n')}
        - name: git-sync
          image: registry.k8s.io/git-sync/git-sync:v4.2.4
          args: ["--repo=http://${PLANTED['secrets-gitlab-token']}@git.internal/x.git"]
`;
const FORMATS = ['json', 'sarif', 'junit', 'github', 'gitlab'];

describe('provider key shapes are never printed', () => {
  const dir = makeRepo({ 'apps/keys.yaml': CONFIG_MAP, 'apps/agent.yaml': DEPLOYMENT });
  const out = tempDir();
  const files = FORMATS.map((f) => path.join(out, `report.${f}`));
  const r = runCli(['check', '--no-cache', '-f', 'text', ...FORMATS.flatMap((f) => ['-f', f]), ...files.flatMap((f) => ['-o', f])], { cwd: dir });
  const json = runCli(['check', '--no-cache', '-f', 'json'], { cwd: dir });

  test('every planted shape is found by its rule, at its line in the ConfigMap', () => {
    expect(r.code).toBe(1);
    const report = JSON.parse(json.stdout) as Report;
    const inConfigMap = report.findings.filter((f) => f.file === 'apps/keys.yaml' && f.ruleId.startsWith('secrets-') && f.ruleId !== 'secrets-configmap-credential');
    expect(inConfigMap.map((f) => [f.ruleId, f.line]).sort()).toEqual(Object.keys(PLANTED).map((rule, i) => [rule, 7 + i]).sort());
  });

  test('text, json, sarif, junit, github and gitlab output hold none of the values', () => {
    const leaks = (where: string, text: string) => ({ where, leaks: values.filter((v) => text.includes(v)) });
    expect(leaks('stdout', r.stdout)).toEqual({ where: 'stdout', leaks: [] });
    expect(leaks('stderr', r.stderr)).toEqual({ where: 'stderr', leaks: [] });
    expect(leaks('json stdout', json.stdout)).toEqual({ where: 'json stdout', leaks: [] });
    for (const f of files) expect(leaks(path.basename(f), readFileSync(f, 'utf8'))).toEqual({ where: path.basename(f), leaks: [] });
  });

  test('messages that show a value around a key show it masked', () => {
    const report = JSON.parse(json.stdout) as Report;
    const gitSync = report.findings.find((f) => f.ruleId === 'k8s-git-sync-insecure-repo')!;
    expect(gitSync.message).toBe(`Container "git-sync" syncs a git repository over an unauthenticated transport (--repo=http://glp…[26 chars masked]@git.internal/x.git)`);
  });
});
