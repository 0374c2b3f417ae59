import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { PACKAGE_ROOT } from '../../src/rules/load.js';
import { cleanup, commit, makeRepo, runCli, tempDir, writeFiles } from '../helpers/repo.js';

afterAll(cleanup);

/**
 * Secret values planted in git, in the live snapshot, and inside the live objects'
 * last-applied-configuration. None may appear in any output of any command, in any format,
 * whichever rules run: masking follows the field, not the rules chosen with --only/--skip.
 */
const HF_GIT = 'hf_PlantedGitTokenAbCdEfGhIjKlMnOpQrStUv';
const HF_LIVE = 'hf_PlantedLiveTokenZyXwVuTsRqPoNmLkJiHg';
const SK_GIT = 'sk-' + 'PlantedGitOpenAiKey0123456789abcdefghijklmnopqrstuv'.slice(0, 48);
const SK_LIVE = 'sk-' + 'PlantedLiveOpenAiKey987654321ZYXWVUTSRQPONMLKJIHGF'.slice(0, 48);
const PLAIN = {
  envPasswordGit: 'Pl4nted-Env-Passw0rd-7781',
  envPasswordLive: 'Pl4nted-Env-Passw0rd-LIVE-9902',
  legacyToken: 'Pl4nted-Legacy-Token-3141',
  stringData: 'Pl4nted-StringData-Secret-99',
  data: 'Pl4nted-Data-Secret-1234',
  liveSecret: 'Pl4nted-Live-Secret-0042',
  configMapGit: 'Pl4nted-ConfigMap-ApiKey-55',
  configMapLive: 'Pl4nted-Live-ConfigMap-Key-77',
  hfGit: HF_GIT,
  hfLive: HF_LIVE,
  skGit: SK_GIT,
  skLive: SK_LIVE,
};
const b64 = (s: string) => Buffer.from(s).toString('base64');
const PLANTED = [...Object.values(PLAIN), ...Object.values(PLAIN).map(b64)];

const deployment = (env: { name: string; value: string }[], privileged: boolean) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: app
spec:
  replicas: 1
  selector:
    matchLabels: { app: api }
  template:
    metadata:
      labels: { app: api }
    spec:
      containers:
        - name: api
          image: ghcr.io/example/api:1.0.0
          securityContext:
            privileged: ${privileged}
          env:
${env.map((e) => `            - name: ${e.name}\n              value: "${e.value}"`).join('\n')}
`;

const GIT_ENV = [
  { name: 'HF_TOKEN', value: HF_GIT },
  { name: 'OPENAI_API_KEY', value: SK_GIT },
  { name: 'DB_PASSWORD', value: PLAIN.envPasswordGit },
];

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: app
type: Opaque
stringData:
  password: ${PLAIN.stringData}
data:
  token: ${b64(PLAIN.data)}
`;

const CONFIG_MAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: api-config
  namespace: app
data:
  LOG_LEVEL: info
  API_KEY: ${PLAIN.configMapGit}
`;

/** The snapshot: values changed live, and last-applied JSON (as kubectl apply writes it) holding older values. */
function liveSnapshot(): string {
  const applyJson = (o: object) => JSON.stringify(o) + '\n';
  const container = (env: { name: string; value: string }[]) => ({ env, image: 'ghcr.io/example/api:1.0.0', name: 'api', securityContext: { privileged: true } });
  const appliedDeploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { annotations: {}, name: 'api', namespace: 'app' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [container([...GIT_ENV, { name: 'LEGACY_TOKEN', value: PLAIN.legacyToken }])] } } },
  };
  const liveEnv = [
    { name: 'HF_TOKEN', value: HF_LIVE },
    { name: 'OPENAI_API_KEY', value: SK_LIVE },
    { name: 'DB_PASSWORD', value: PLAIN.envPasswordLive },
    { name: 'LEGACY_TOKEN', value: PLAIN.legacyToken },
  ];
  const appliedSecret = { apiVersion: 'v1', data: { password: b64(PLAIN.liveSecret), token: b64(PLAIN.data) }, kind: 'Secret', metadata: { annotations: {}, name: 'db', namespace: 'app' }, type: 'Opaque' };
  const appliedConfig = { apiVersion: 'v1', data: { API_KEY: PLAIN.configMapLive, LOG_LEVEL: 'info' }, kind: 'ConfigMap', metadata: { annotations: {}, name: 'api-config', namespace: 'app' } };
  const meta = (name: string, applied: object, extra: object = {}) => ({
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applyJson(applied), ...extra },
    creationTimestamp: '2026-11-20T09:14:03Z',
    name,
    namespace: 'app',
    resourceVersion: '48213',
    uid: `uid-${name}`,
  });
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'List',
      metadata: { resourceVersion: '' },
      items: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: meta('api', appliedDeploy, { 'deployment.kubernetes.io/revision': '4' }),
          spec: { ...appliedDeploy.spec, replicas: 3, template: { ...appliedDeploy.spec.template, spec: { containers: [{ ...container(liveEnv), imagePullPolicy: 'IfNotPresent' }], dnsPolicy: 'ClusterFirst' } } },
          status: { replicas: 3 },
        },
        { apiVersion: 'v1', data: appliedSecret.data, kind: 'Secret', metadata: meta('db', appliedSecret), type: 'Opaque' },
        { apiVersion: 'v1', data: appliedConfig.data, kind: 'ConfigMap', metadata: meta('api-config', appliedConfig) },
        { apiVersion: 'v1', data: { password: b64(PLAIN.liveSecret) }, kind: 'Secret', metadata: meta('hand-made', { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'hand-made', namespace: 'app' }, data: { password: b64(PLAIN.liveSecret) } }), type: 'Opaque' },
      ],
    },
    null,
    4,
  );
}

const SECRET_RULES = readdirSync(path.join(PACKAGE_ROOT, 'rules', 'secrets')).map((f) => f.replace(/\.ya?ml$/, ''));
const FILE_FORMATS = ['json', 'sarif', 'junit', 'github', 'gitlab'];

/** Runs a command with text on stdout and a file of every other format in `outDir` (`<name>.<format>`, JSON first). */
function runInEveryFormat(args: string[], cwd: string, outDir: string, name: string): { r: ReturnType<typeof runCli>; files: string[] } {
  const files = FILE_FORMATS.map((f) => path.join(outDir, `${name}.${f}`));
  const r = runCli([...args, '-f', 'text', ...FILE_FORMATS.flatMap((f) => ['-f', f]), ...files.flatMap((f) => ['-o', f])], { cwd });
  return { r, files };
}

/** Each file exists and holds none of the values `leaks` looks for. */
function expectNoLeaksInFiles(files: readonly string[], leaks: (text: string) => string[]): void {
  for (const f of files) {
    expect(existsSync(f)).toBe(true);
    expect({ where: path.basename(f), leaks: leaks(readFileSync(f, 'utf8')) }).toEqual({ where: path.basename(f), leaks: [] });
  }
}

/** The values of `planted` as the cluster has them: each one different from git's. */
const liveValues = <T extends Record<string, string>>(planted: T): T => Object.fromEntries(Object.entries(planted).map(([k, v]) => [k, v.replace('Pl4nted', 'Pl4ntedLive')])) as T;

function plantedRepo(): { dir: string; live: string } {
  const dir = makeRepo({ 'app/deploy.yaml': deployment([{ name: 'LOG_LEVEL', value: 'info' }], false) }, 'api without credentials');
  commit(dir, { 'app/deploy.yaml': deployment(GIT_ENV, true), 'app/secret.yaml': SECRET, 'app/config.yaml': CONFIG_MAP }, 'api: credentials and privileged');
  const out = tempDir();
  writeFiles(out, { 'live.json': liveSnapshot() });
  return { dir, live: path.join(out, 'live.json') };
}

function leaksIn(text: string): string[] {
  return PLANTED.filter((s) => text.includes(s));
}

const VARIANTS: [string, string[], object | null][] = [
  ['all rules', [], null],
  ['--only a non-secrets rule', ['--only', 'k8s-privileged-container'], null],
  ['--skip every secrets rule', ['--skip', SECRET_RULES.join(',')], null],
  ['only/skip in the config', [], { skip: SECRET_RULES }],
];

describe('planted secrets never reach any output', () => {
  const { dir, live } = plantedRepo();
  const outDir = tempDir();

  test('the secrets rules are the ones the variants skip', () => {
    expect(SECRET_RULES).toEqual(expect.arrayContaining(['secrets-env-literal', 'secrets-huggingface-token', 'secrets-openai-api-key', 'secrets-k8s-secret-committed', 'secrets-configmap-credential']));
  });

  for (const [variant, flags, config] of VARIANTS) {
    for (const command of ['check', 'drift', 'rollback', 'scan']) {
      test(`${command}, ${variant}: text on stdout and ${FILE_FORMATS.join(', ')} files`, () => {
        if (config) writeFiles(dir, { '.aiopsrc.json': JSON.stringify(config) });
        const { r, files } = runInEveryFormat([command, ...(command === 'check' ? [] : ['--live', live]), ...flags], dir, outDir, `${command}-${variant.replace(/\W+/g, '-')}`);
        writeFiles(dir, { '.aiopsrc.json': '{}' });
        // The run did its work: it gated (findings or drift), it did not fail on input.
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: expect.any(Number), stderr: '' });
        expect([1, 2, 3]).toContain(r.code);
        expect({ where: 'stdout', leaks: leaksIn(r.stdout) }).toEqual({ where: 'stdout', leaks: [] });
        expect({ where: 'stderr', leaks: leaksIn(r.stderr) }).toEqual({ where: 'stderr', leaks: [] });
        expectNoLeaksInFiles(files, leaksIn);
      });
    }
  }

  test('drift still shows that secret values changed, as masks: equal values equal masks, never the value', () => {
    const r = runCli(['drift', '--live', live, '--skip', SECRET_RULES.join(','), '-f', 'json'], { cwd: dir });
    const report = JSON.parse(r.stdout) as { drift: { resource: { name: string }; changes: { pointer: string; desired?: unknown; live?: unknown }[] }[] };
    const api = report.drift.find((d) => d.resource.name === 'api')!;
    const env = api.changes.filter((c) => c.pointer.includes('/env/'));
    expect(env.map((c) => c.pointer)).toEqual([
      '/spec/template/spec/containers/0/env/0/value',
      '/spec/template/spec/containers/0/env/1/value',
      '/spec/template/spec/containers/0/env/2/value',
      '/spec/template/spec/containers/0/env/[name=LEGACY_TOKEN]',
    ]);
    for (const c of env) {
      for (const v of [c.desired, c.live].filter((x) => x !== undefined)) expect(v).toMatch(/^<secret [0-9a-f]{8}>$/);
    }
    const cm = report.drift.find((d) => d.resource.name === 'api-config')!;
    expect(cm.changes.map((c) => [c.pointer, typeof c.desired === 'string' && c.desired.startsWith('<secret '), typeof c.live === 'string' && c.live.startsWith('<secret ')])).toEqual([['/data/API_KEY', true, true]]);
  });
});

/**
 * A Secret's value that a reader cannot read is still the value: a password that starts with `*`,
 * `|`, `>` or `!` is read as an alias, a block scalar or a tag, and the readers' own messages quoted
 * the text they stopped at. A waiver's reason is printed too, and people paste tokens into it.
 */
describe('values the readers stop at, and waiver reasons, never reach any output', () => {
  const V = {
    alias: 'AliasPl4ntedPw9',
    block: 'PipePl4ntedPw9',
    folded: 'GtPl4ntedPw9',
    tagged: 'TaggedPl4ntedPw9',
    anchorName: 'Anch0r!Pl4ntedPw',
    afterSeparator: 'SeparatorPl4ntedPw9',
    jsonStream: 'JsonStreamPl4ntedPw9',
    inlineReason: 'hf_PlantedReasonTokenAbCdEfGhIjKlMnOpQr',
    configReason: 'sk-' + 'PlantedReasonOpenAiKey0123456789abcdefghijklmnop'.slice(0, 48),
    snapshot: 'SnapshotPl4ntedPw9',
  };
  const secret = (name: string, value: string) => `apiVersion: v1\nkind: Secret\nmetadata: { name: ${name}, namespace: app }\ntype: Opaque\nstringData:\n  password: ${value}\n  user: admin\n`;
  const files = {
    'alias.yaml': secret('alias', `*${V.alias}`),
    'block.yaml': secret('block', `|${V.block}`),
    'folded.yaml': secret('folded', `>${V.folded}`),
    'tagged.yaml': secret('tagged', `!!int ${V.tagged}`),
    'anchor.yaml': secret('anchor', `*${V.anchorName}`),
    'separator.yaml': `--- ${V.afterSeparator}\n${secret('separator', 'x')}`,
    'stream.json': `{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "stream", "namespace": "app"}, "stringData": {"password": ${V.jsonStream}}}\n`,
    'waived.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: waived\n  namespace: app\n  annotations:\n    aiops-guard.io/ignore.secrets-k8s-secret-committed: "rotated; was ${V.inlineReason}"\ntype: Opaque\nstringData:\n  password: x\n`,
    'env.yaml': deployment([{ name: 'DB_PASSWORD', value: 'x-literal-password' }], false),
    '.aiopsrc.json': JSON.stringify({ waivers: [{ rule: 'secrets-env-literal', file: 'env.yaml', reason: `legacy, key ${V.configReason}` }] }),
  };
  const leaks = (text: string) => Object.values(V).filter((v) => text.includes(v));

  test('check in every format: each file is a parse error or a finding, and no value is printed', () => {
    const dir = makeRepo(files, 'secrets the readers stop at');
    const { r, files: outputs } = runInEveryFormat(['check', '--no-cache'], dir, tempDir(), 'out');
    expect(r.code).toBe(1);
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
    expectNoLeaksInFiles(outputs, leaks);
    const json = JSON.parse(readFileSync(outputs[0]!, 'utf8')) as { findings: { ruleId: string; file: string; message: string; suppressed: { reason: string } | null }[] };
    const parseErrors = json.findings.filter((f) => f.ruleId === 'parse-error');
    expect(parseErrors.map((f) => f.file).sort()).toEqual(['alias.yaml', 'anchor.yaml', 'block.yaml', 'folded.yaml', 'separator.yaml', 'stream.json', 'tagged.yaml']);
    // Still said so that a person can fix it.
    expect(parseErrors.find((f) => f.file === 'block.yaml')!.message).toMatch(/starts with \| or > must be quoted/);
    expect(parseErrors.find((f) => f.file === 'stream.json')!.message).toMatch(/not JSON \(unexpected "J": expected a value\)/);
    // The waivers still waive, with the token masked in their reasons.
    const waived = json.findings.filter((f) => f.suppressed).map((f) => [f.ruleId, f.suppressed!.reason]);
    expect(waived).toEqual([
      ['secrets-env-literal', expect.stringMatching(/^legacy, key sk-…\[\d+ chars masked\]$/)],
      ['secrets-k8s-secret-committed', expect.stringMatching(/^rotated; was hf_…\[\d+ chars masked\]$/)],
    ]);
  });

  test('a live snapshot that is not valid JSON is named by its place, not quoted', () => {
    const dir = makeRepo({ 'cm.yaml': CONFIG_MAP }, 'config');
    const out = tempDir();
    writeFiles(out, { 'live.json': `{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "data": {"password": ${V.snapshot}}}]}\n` });
    const r = runCli(['drift', '--live', path.join(out, 'live.json')], { cwd: dir });
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('live.json:1:136: live snapshot is not valid JSON: unexpected "S": expected a value');
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
  });
});

/**
 * Credentials given as command-line flags: each is a finding of the flag rules at the item that holds
 * it, and no value reaches any output, including the messages of rules that show the item around it
 * (a model revision, an http download) or a whole argument list.
 */
describe('credentials in command-line flags are found and never printed', () => {
  const V = {
    twoItems: 'Pl4nted-Flag-TwoItems-01',
    oneItem: 'Pl4nted-Flag-OneItem-02',
    inScript: 'Pl4nted Flag InScript 03',
    beside: 'Pl4nted-Flag-Beside-04',
    besideHttp: 'Pl4nted-Flag-BesideHttp-05',
    probe: 'Pl4nted-Flag-Probe-06',
    composeString: 'Pl4nted-Flag-ComposeString-07',
    composeHealth: 'Pl4nted-Flag-ComposeHealth-08',
    short: 'Pw9',
    mysql: 'Pl4nted-Tool-Mysql-09',
    redis: 'Pl4nted-Tool-Redis-10',
    curl: 'Pl4nted-Tool-Curl-11',
    pg: 'Pl4nted-Tool-Pg-12',
    rabbit: 'Pl4nted-Tool-Rabbit-13',
    composeRedis: 'Pl4nted-Tool-ComposeRedis-14',
  };
  const files = {
    'apps/api.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: apps
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/example/api:1.0.0
          args:
            - --db-password
            - ${V.twoItems}
            - --api-key=${V.oneItem}
            - --redis-password
            - ${V.short}
          livenessProbe:
            exec:
              command: ["mysqladmin", "ping", "--password=${V.probe}"]
        - name: worker
          image: ghcr.io/example/worker:1.0.0
          command: ["sh", "-c"]
          args: ["exec worker --password '${V.inScript}' --port 80"]
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          args:
            - "vllm serve meta-llama/Llama-3.1-8B --revision main --api-key ${V.beside}"
            - "--model-url=http://models.internal/llama.safetensors --token ${V.besideHttp}"
        - name: tools
          image: ghcr.io/example/tools:1.0.0
          command: ["sh", "-c"]
          args:
            - "mysqladmin ping -uroot -p${V.mysql} && redis-cli -a ${V.redis} ping"
            - "curl -u admin:${V.curl} http://models.internal/llama.safetensors -o /m"
            - "PGPASSWORD=${V.pg} psql -h db -c 'select 1'"
            - "rabbitmqctl add_user app ${V.rabbit}"
`,
    'docker-compose.yml': `services:
  cache:
    image: redis:7.4.1
    command: redis-server --appendonly yes --requirepass ${V.composeString}
  db:
    image: mysql:8.4.3
    healthcheck:
      test: ["CMD", "mysqladmin", "ping", "--password=${V.composeHealth}"]
  queue:
    image: redis:7.4.1
    healthcheck:
      test: ["CMD-SHELL", "redis-cli -a ${V.composeRedis} ping | grep PONG"]
`,
  };
  const leaks = (text: string) => Object.values(V).filter((v) => text.includes(v));

  test('check in every format: a finding at each value, and no value printed', () => {
    const dir = makeRepo(files, 'flags with credentials');
    const { r, files: outputs } = runInEveryFormat(['check', '--no-cache'], dir, tempDir(), 'out');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect({ where: 'stdout', leaks: leaks(r.stdout) }).toEqual({ where: 'stdout', leaks: [] });
    expectNoLeaksInFiles(outputs, leaks);
    const json = JSON.parse(readFileSync(outputs[0]!, 'utf8')) as { findings: { ruleId: string; file: string; line: number; column: number; message: string }[] };
    const flags = json.findings.filter((f) => f.ruleId.endsWith('flag-literal') || f.ruleId.endsWith('flag-literal-secret')).map((f) => `${f.file}:${f.line}:${f.column} ${f.message}`);
    expect(flags.sort()).toEqual([
      'apps/api.yaml:14:15 Container "api" passes a literal value "Pl…" (24 chars) to --db-password',
      'apps/api.yaml:15:15 Container "api" passes a literal value "Pl…" (23 chars) to --api-key',
      'apps/api.yaml:17:15 Container "api" passes a literal value "…" (3 chars) to --redis-password',
      'apps/api.yaml:20:47 Container "api" passes a literal value "Pl…" (21 chars) to --password',
      'apps/api.yaml:24:18 Container "worker" passes a literal value "Pl…" (24 chars) to --password',
      'apps/api.yaml:28:15 Container "vllm" passes a literal value "Pl…" (22 chars) to --api-key',
      'apps/api.yaml:29:15 Container "vllm" passes a literal value "Pl…" (26 chars) to --token',
      // One finding per item: its first credential (mysqladmin's; redis-cli's is in the same item).
      'apps/api.yaml:34:15 Container "tools" passes a literal value "Pl…" (21 chars) to mysqladmin -p',
      'apps/api.yaml:35:15 Container "tools" passes a literal value "Pl…" (20 chars) to curl -u',
      'apps/api.yaml:36:15 Container "tools" passes a literal value "Pl…" (18 chars) to PGPASSWORD',
      'apps/api.yaml:37:15 Container "tools" passes a literal value "Pl…" (22 chars) to rabbitmqctl add_user',
      'docker-compose.yml:12:27 Service "queue" passes a literal value "Pl…" (28 chars) to redis-cli -a',
      'docker-compose.yml:4:14 Service "cache" passes a literal value "Pl…" (29 chars) to --requirepass',
      'docker-compose.yml:8:43 Service "db" passes a literal value "Pl…" (29 chars) to --password',
    ]);
    // The rules that show the item around a credential show it masked.
    const around = json.findings.filter((f) => f.ruleId === 'ai-model-revision-floating' || f.ruleId === 'ai-model-download-http').map((f) => f.message);
    // ($value is cut to 80 characters first: what is left of the value is masked.)
    expect(around).toEqual([
      'Container "vllm" downloads a model revision that can move (vllm serve meta-llama/Llama-3.1-8B --revision main --api-key Pl4…[19 chars masked])',
      'Container "vllm" downloads a model over plain HTTP (--model-url=http://models.internal/llama.safetensors --token Pl4…[19 chars masked])',
      'Container "tools" downloads a model over plain HTTP (curl -u admin:Pl4…[20 chars masked] http://models.internal/llama.safetensors -...)',
    ]);
  });
});

describe('Helm values set inline (HelmRelease, Argo CD Application, k3s HelmChart) are found and never printed', () => {
  const V = {
    release: 'Pl4nted-HelmRelease-Pw-21',
    object: 'Pl4nted-ValuesObject-Pw-22',
    text: 'Pl4nted-ValuesText-Pw-23',
    set: 'Pl4nted-HelmChartSet-Pw-24',
    content: 'Pl4nted-ValuesContent-Pw-25',
  };
  const L = liveValues(V);
  const release = (v: typeof V) => ({
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'postgresql', namespace: 'db' },
    spec: { interval: '10m', chart: { spec: { chart: 'postgresql', version: '15.5.0', sourceRef: { kind: 'HelmRepository', name: 'bitnami' } } }, values: { auth: { postgresPassword: v.release } } },
  });
  const application = (v: typeof V) => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'redis', namespace: 'argocd' },
    spec: {
      project: 'platform',
      source: { repoURL: 'https://charts.bitnami.com/bitnami', chart: 'redis', targetRevision: '18.1.0', helm: { valuesObject: { auth: { password: v.object } }, values: `global:\n  redis:\n    password: ${v.text}\n` } },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'redis' },
    },
  });
  const chart = (v: typeof V) => ({
    apiVersion: 'helm.cattle.io/v1',
    kind: 'HelmChart',
    metadata: { name: 'grafana', namespace: 'kube-system' },
    spec: { chart: 'stable/grafana', set: { adminPassword: v.set }, valuesContent: `adminUser: admin\nadminPassword: ${v.content}\n` },
  });
  const leaks = (text: string) => [...Object.values(V), ...Object.values(L)].filter((v) => text.includes(v));

  test('check and drift in every format: a finding at each value, drift shown as masks, no value printed', () => {
    // JSON is YAML; the values given as text are strings with line breaks either way.
    const yaml = (o: object) => JSON.stringify(o, null, 2);
    const dir = makeRepo({ 'releases/postgresql.yaml': yaml(release(V)), 'apps/redis.yaml': yaml(application(V)), 'system/grafana.yaml': yaml(chart(V)) }, 'inline Helm values');
    const out = tempDir();
    writeFiles(out, { 'live.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [release(L), application(L), chart(L)] }) });
    const live = path.join(out, 'live.json');
    for (const [command, extra] of [
      ['check', []],
      ['drift', ['--live', live]],
      ['drift', ['--live', live, '--skip', SECRET_RULES.join(',')]],
    ] as [string, string[]][]) {
      const { r, files: outputs } = runInEveryFormat([command, ...extra, '--no-cache'], dir, out, `${command}-${extra.length}`);
      expect({ command, extra, stderr: r.stderr }).toEqual({ command, extra, stderr: '' });
      expect({ where: `${command} stdout`, leaks: leaks(r.stdout) }).toEqual({ where: `${command} stdout`, leaks: [] });
      expectNoLeaksInFiles(outputs, leaks);
      const json = JSON.parse(readFileSync(outputs[0]!, 'utf8')) as { findings: { ruleId: string; file: string; pointer: string }[]; drift?: { changes: { pointer: string; desired?: unknown; live?: unknown }[] }[] };
      if (command === 'check') {
        expect(r.code).toBe(1);
        expect(json.findings.filter((f) => f.ruleId === 'secrets-helm-release-values-literal').map((f) => `${f.file} ${f.pointer}`).sort()).toEqual([
          'apps/redis.yaml /spec/source/helm/values',
          'apps/redis.yaml /spec/source/helm/valuesObject/auth/password',
          'releases/postgresql.yaml /spec/values/auth/postgresPassword',
          'system/grafana.yaml /spec/set/adminPassword',
          'system/grafana.yaml /spec/valuesContent',
        ]);
      } else {
        // Every value changed in the cluster, and each change is shown, as a mask.
        expect(r.code).toBe(2);
        const changes = json.drift!.flatMap((i) => i.changes);
        expect(changes.map((c) => c.pointer).sort()).toEqual(['/spec/set/adminPassword', '/spec/source/helm/values', '/spec/source/helm/valuesObject/auth/password', '/spec/values/auth/postgresPassword', '/spec/valuesContent']);
        for (const c of changes) expect([c.desired, c.live]).toEqual([expect.stringMatching(/^<secret [0-9a-f]{8}>$/), expect.stringMatching(/^<secret [0-9a-f]{8}>$/)]);
      }
    }
  });
});

describe('drift masks a credential-named field of any kind', () => {
  test("a custom resource's password, token and API key, and an env var of a pod template it embeds, are masks; other changes are shown", () => {
    const V = { grafana: 'Pl4nted-Grafana-Admin-51', env: 'Pl4nted-Grafana-DbEnv-52', password: 'Pl4nted-PGUser-Pw-53', token: 'Pl4nted-PGUser-Tok-54', apiKey: 'Pl4nted-PGUser-Key-55', envList: 'Pl4nted-Widget-EnvList-56' };
    const grafana = (v: typeof V, replicas: number) => ({
      apiVersion: 'grafana.integreatly.org/v1beta1',
      kind: 'Grafana',
      metadata: { name: 'grafana', namespace: 'monitoring' },
      spec: {
        config: { security: { admin_user: 'admin', admin_password: v.grafana } },
        deployment: { spec: { replicas, template: { spec: { containers: [{ name: 'grafana', env: [{ name: 'GF_DATABASE_PASSWORD', value: v.env }] }] } } } },
      },
    });
    const user = (v: typeof V) => ({ apiVersion: 'postgres-operator.crunchydata.com/v1beta1', kind: 'PGUser', metadata: { name: 'app', namespace: 'db' }, spec: { password: v.password, token: v.token, apiKey: v.apiKey, passwordLength: 24, pinPassword: v === V ? 482913 : 771204 } });
    const L = liveValues(V);
    // A list of {name, value} items that only git has: the whole list is the change.
    const gitUser = { ...user(V), spec: { ...user(V).spec, passwordLength: 16, env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'API_TOKEN', value: V.envList }] } };
    const dir = makeRepo({ 'monitoring/grafana.yaml': JSON.stringify(grafana(V, 1), null, 2), 'db/user.yaml': JSON.stringify(gitUser, null, 2) }, 'custom resources with credentials');
    const out = tempDir();
    writeFiles(out, { 'live.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [grafana(L, 2), user(L)] }) });
    const { r, files: outputs } = runInEveryFormat(['drift', '--live', path.join(out, 'live.json')], dir, out, 'drift');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: '' });
    const leaks = (text: string) => [...Object.values(V), ...Object.values(L), '482913', '771204'].filter((v) => text.includes(v));
    expect({ where: 'stdout', leaks: leaks(r.stdout) }).toEqual({ where: 'stdout', leaks: [] });
    expectNoLeaksInFiles(outputs, leaks);
    const json = JSON.parse(readFileSync(outputs[0]!, 'utf8')) as { drift: { changes: { pointer: string; desired?: unknown; live?: unknown }[] }[] };
    const shown = Object.fromEntries(json.drift.flatMap((i) => i.changes).map((c) => [c.pointer, [c.desired, c.live]]));
    const mask = expect.stringMatching(/^<secret [0-9a-f]{8}>$/);
    expect(shown).toEqual({
      '/spec/config/security/admin_password': [mask, mask],
      '/spec/deployment/spec/template/spec/containers/0/env/0/value': [mask, mask],
      '/spec/deployment/spec/replicas': [1, 2],
      '/spec/password': [mask, mask],
      '/spec/token': [mask, mask],
      '/spec/apiKey': [mask, mask],
      // A knob named after a password is not one.
      '/spec/passwordLength': [16, 24],
      // A number is printed as much as text is.
      '/spec/pinPassword': [mask, mask],
      '/spec/env': [mask, undefined],
    });
  });
});
