import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import picomatch from 'picomatch';
import { decideExitCode, isAtOrAbove } from '../../src/report/exit-code.js';
import type { Finding } from '../../src/report/types.js';
import { lookupPath, maskSecret, renderMessage } from '../../src/policy/message.js';
import { compileWaivers, isExpired, resourceKey } from '../../src/policy/waivers.js';
import { DocumentTargets, expandTargets, podSpecNameAt, POD_SPEC_KINDS, resolveInstancePath, WORKLOAD_KINDS } from '../../src/rules/targets.js';
import { parse as parseYaml } from 'yaml';
import { parseConfigText } from '../../src/parse/documents.js';
import { evaluateDocument, prepareRules } from '../../src/policy/evaluate.js';
import { createRuleAjv } from '../../src/rules/ajv.js';
import type { Validate } from '../../src/rules/types.js';
import { createSelection, globMatcher, toRepoPaths } from '../../src/source/select.js';

const finding = (severity: Finding['severity'], suppressed: Finding['suppressed'] = null) => ({ severity, suppressed }) as Finding;

describe('exit codes', () => {
  test('findings at or above --fail-on, drift, both', () => {
    expect(isAtOrAbove('critical', 'high')).toBe(true);
    expect(isAtOrAbove('medium', 'high')).toBe(false);
    expect(isAtOrAbove('critical', 'never')).toBe(false);
    expect(decideExitCode([], 'high', 0, [])).toBe(0);
    expect(decideExitCode([finding('high')], 'high', 0, [])).toBe(1);
    expect(decideExitCode([finding('low')], 'high', 0, [])).toBe(0);
    expect(decideExitCode([finding('critical', { kind: 'annotation', reason: 'r' })], 'high', 0, [])).toBe(0);
    expect(decideExitCode([], 'high', 3, [])).toBe(2);
    expect(decideExitCode([finding('critical')], 'high', 1, [])).toBe(3);
    // Files passed over (a symlink out of the repository, a template outside a chart) are never clean; a Helm chart template is listed only.
    expect(decideExitCode([], 'high', 0, [{ code: 'template', file: 'a.yaml', line: 1, message: 'm' }])).toBe(1);
    expect(decideExitCode([], 'never', 0, [{ code: 'symlink-outside-repo', file: 'a.yaml', line: null, message: 'm' }])).toBe(0);
    expect(decideExitCode([], 'high', 0, [{ code: 'helm-template', file: 'a.yaml', line: null, message: 'm' }])).toBe(0);
  });
});

describe('targets', () => {
  const cronJob = {
    kind: 'CronJob',
    spec: { jobTemplate: { spec: { template: { spec: { securityContext: { runAsUser: 0 }, initContainers: [{ name: 'i' }], containers: [{ name: 'm', env: [{ name: 'A' }, { name: 'B' }] }], ephemeralContainers: [{ name: 'e' }] } } } } },
  };

  test('containers include init and ephemeral containers, with the pod spec as $pod and their list as $list', () => {
    const t = expandTargets(cronJob, 'container');
    expect(t.map((x) => [x.pointer, x.container])).toEqual([
      ['/spec/jobTemplate/spec/template/spec/containers/0', 'm'],
      ['/spec/jobTemplate/spec/template/spec/initContainers/0', 'i'],
      ['/spec/jobTemplate/spec/template/spec/ephemeralContainers/0', 'e'],
    ]);
    expect((t[0]!.value as { $pod: unknown }).$pod).toEqual(cronJob.spec.jobTemplate.spec.template.spec);
    expect(t.map((x) => (x.value as { $list: string }).$list)).toEqual(['containers', 'initContainers', 'ephemeralContainers']);
    expect(resolveInstancePath(t[0]!, '/$pod/securityContext/runAsUser')).toBe('/spec/jobTemplate/spec/template/spec/securityContext/runAsUser');
    expect(resolveInstancePath(t[0]!, '/image')).toBe('/spec/jobTemplate/spec/template/spec/containers/0/image');
  });

  test('pod specs of every workload kind; none for other kinds', () => {
    const podTemplate = { kind: 'PodTemplate', template: { spec: { containers: [] } } };
    expect(expandTargets(podTemplate, 'podSpec').map((t) => t.pointer)).toEqual(['/template/spec']);
    expect(expandTargets({ kind: 'Pod', spec: {} }, 'podSpec').map((t) => t.pointer)).toEqual(['/spec']);
    expect(expandTargets({ kind: 'ReplicationController', spec: { template: { spec: {} } } }, 'podSpec').map((t) => t.pointer)).toEqual(['/spec/template/spec']);
    expect(expandTargets({ kind: 'Service', spec: {} }, 'podSpec')).toEqual([]);
  });

  test('pointer patterns with * under a base or from the root', () => {
    expect(expandTargets(cronJob, 'container/env/*').map((t) => [t.pointer, t.container])).toEqual([
      ['/spec/jobTemplate/spec/template/spec/containers/0/env/0', 'm'],
      ['/spec/jobTemplate/spec/template/spec/containers/0/env/1', 'm'],
    ]);
    expect(expandTargets({ data: { a: 1, b: 2 } }, '/data/*').map((t) => [t.pointer, t.value])).toEqual([
      ['/data/a', 1],
      ['/data/b', 2],
    ]);
    expect(expandTargets({ a: 1 }, 'document')).toEqual([{ pointer: '', value: { a: 1 } }]);
  });
});

describe('*flags: the flags of a command line as {name, value} entries', () => {
  const deployment = {
    kind: 'Deployment',
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'api',
              command: ['/app/server', '--db-password'],
              args: ['pw-in-args', '--api-key=k1', '--insecure-skip-tls-verify', '--token', '$(TOKEN)', '--verbose'],
              livenessProbe: { exec: { command: ['mysqladmin', 'ping', '--password=pw-in-probe'] } },
            },
            { name: 'sh', command: ['sh', '-c', "exec server --port 80 --password 'a b' --secret $S; echo --token\n--api-key x"] },
          ],
        },
      },
    },
  };
  const C = '/spec/template/spec/containers';
  const entries = (data: unknown, target: string) => expandTargets(data, target).map((t) => [t.pointer, t.value, t.container]);

  test('--flag value in two items (across command and args) and --flag=value in one, at the item that holds the value', () => {
    expect(entries(deployment, 'container/*flags').filter(([, , c]) => c === 'api')).toEqual([
      [`${C}/0/args/0`, { name: '--db-password', value: 'pw-in-args' }, 'api'],
      [`${C}/0/args/1`, { name: '--api-key', value: 'k1' }, 'api'],
      // A flag followed by a flag has no value.
      [`${C}/0/args/2`, { name: '--insecure-skip-tls-verify' }, 'api'],
      [`${C}/0/args/4`, { name: '--token', value: '$(TOKEN)' }, 'api'],
      [`${C}/0/args/5`, { name: '--verbose' }, 'api'],
      // A probe's command is a command line of its own.
      [`${C}/0/livenessProbe/exec/command/2`, { name: '--password', value: 'pw-in-probe' }, 'api'],
    ]);
  });

  test('a script after sh -c is split as a shell splits words; its flags point at the script', () => {
    expect(entries(deployment, 'container/*flags').filter(([, , c]) => c === 'sh')).toEqual([
      [`${C}/1/command/2`, { name: '--port', value: '80' }, 'sh'],
      [`${C}/1/command/2`, { name: '--password', value: 'a b' }, 'sh'],
      [`${C}/1/command/2`, { name: '--secret', value: '$S' }, 'sh'],
      // ; and a newline end a command: the flag before them has no value.
      [`${C}/1/command/2`, { name: '--token' }, 'sh'],
      [`${C}/1/command/2`, { name: '--api-key', value: 'x' }, 'sh'],
    ]);
  });

  test('a value or a substitution keeps its quotes\' and parentheses\' words whole; a comment is no flag', () => {
    const pod = { kind: 'Pod', spec: { containers: [{ name: 'c', args: ['run --password "$(cat /run/secrets/db pw)" --token `cat t` --key="x y" # --secret z'] }] } };
    expect(expandTargets(pod, 'container/*flags').map((t) => t.value)).toEqual([
      { name: '--password', value: '$(cat /run/secrets/db pw)' },
      { name: '--token', value: '`cat t`' },
      { name: '--key', value: 'x y' },
    ]);
  });

  test("a compose service: entrypoint and command (a list or a string) are one argv; the healthcheck's test is another", () => {
    const compose = {
      services: {
        cache: { command: 'redis-server --requirepass pw1' },
        api: { entrypoint: ['/app/server', '--api-key'], command: ['k2', '--db-password=pw2'], healthcheck: { test: ['CMD-SHELL', 'check --token t3'] } },
      },
    };
    expect(entries(compose, '/services/*/*flags')).toEqual([
      ['/services/cache/command', { name: '--requirepass', value: 'pw1' }, 'cache'],
      ['/services/api/command/0', { name: '--api-key', value: 'k2' }, 'api'],
      ['/services/api/command/1', { name: '--db-password', value: 'pw2' }, 'api'],
      ['/services/api/healthcheck/test/1', { name: '--token', value: 't3' }, 'api'],
    ]);
  });

  test("an entry's name and value are the entry's own place", () => {
    const [inst] = expandTargets(deployment, 'container/*flags');
    expect(inst!.entry).toBe(true);
    expect(resolveInstancePath(inst!, '/value')).toBe(`${C}/0/args/0`);
    expect(resolveInstancePath(inst!, '/name')).toBe(`${C}/0/args/0`);
  });

  test("a program's own credential flags are entries marked credential, named after the program, with only the secret part", () => {
    const flags = (script: string) => expandTargets({ kind: 'Pod', spec: { containers: [{ name: 'c', command: ['sh', '-c', script] }] } }, 'container/*flags').map((t) => t.value);
    expect(flags('exec gosu app env PGPASSWORD=pw1 psql -h db && mysqladmin ping -uroot -ppw2; mysql -p mydb')).toEqual([
      // An assignment before the program is read as a flag named by the variable.
      { name: 'PGPASSWORD', value: 'pw1' },
      { name: '-h', value: 'db' },
      { name: 'mysqladmin -p', value: 'pw2', credential: true },
      { name: '-uroot' },
      // -p alone prompts (the word after it is a database): not a credential.
      { name: '-p', value: 'mydb' },
    ]);
    // docker login's -p is its password; docker run's -p a port, even with a container argument named login.
    expect(flags('docker login -u bot -p pw5 registry.example.com; docker run -p 8080:80 app login').filter((f) => (f as { credential?: boolean }).credential)).toEqual([
      { name: 'docker login -p', value: 'pw5', credential: true },
    ]);
    expect(flags('curl -sf -u elastic:pw3 http://es:9200 | redis-cli -a pw4 ping; curl -u elastic http://x; nc -l -p 8080')).toEqual([
      // A program's credentials come first among its command's flags.
      { name: 'curl -u', value: 'pw3', credential: true },
      { name: '-sf' },
      { name: 'redis-cli -a', value: 'pw4', credential: true },
      // A user without a password (curl asks for it), and -p as a port elsewhere.
      { name: '-l' },
      { name: '-p', value: '8080' },
    ]);
  });

  test('any command line is read without an error: words named like Object.prototype members are words', () => {
    const word = fc.oneof(
      fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'curl', 'mysql', 'redis-cli', 'htpasswd', 'mc', 'rabbitmqctl', 'docker', 'login', 'env', 'gosu', 'CMD-SHELL', 'sh', '-c', '-u', '-p', '-a', '-b', '-nb', '-H', '--header', '-passin', 'pass:x', 'a:b', 'A=b', 'Authorization: Bearer t', 'alias', 'set', 'add_user', ';', '&&', '|', '"', "'", '$(', '`', '\\'),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 12 }), fc.boolean(), (words, asScript) => {
        const command = asScript ? ['sh', '-c', words.join(' ')] : words;
        const pod = { kind: 'Pod', spec: { containers: [{ name: 'c', command }] } };
        const places = new Set(command.map((_, i) => `/spec/containers/0/command/${i}`));
        for (const t of expandTargets(pod, 'container/*flags')) {
          if (!places.has(t.pointer)) return false;
          const v = t.value as { name: unknown; value?: unknown; credential?: boolean };
          if (typeof v.name !== 'string' || (v.value !== undefined && typeof v.value !== 'string')) return false;
          // A credential is part of the word it points at (after the shell's quote removal: one of the words).
          if (v.credential && !command.some((w) => w.includes(v.value as string) || words.join(' ').includes(v.value as string))) return false;
        }
        return true;
      }),
      { numRuns: 3_000, seed: 20261127 },
    );
  });

  test('a long script of unclosed quotes and substitutions is read in one pass', () => {
    const pod = { kind: 'Pod', spec: { containers: [{ name: 'c', args: ['x ' + '$( "--token '.repeat(40_000)] }] } };
    const start = process.hrtime.bigint();
    expandTargets(pod, 'container/*flags');
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(3000);
  });
});

describe('messages', () => {
  test('placeholders come from the target; secrets are masked to two characters and a length', () => {
    const ctx: Record<string, unknown> = { name: 'web', $resource: 'Pod x', hostPath: { path: '/var' }, ports: [{ port: 80 }] };
    const asked: string[] = [];
    const resolve = (k: string) => (asked.push(k), lookupPath(ctx, k));
    expect(renderMessage('Container "{{name}}" in {{$resource}} {{missing}}!', resolve)).toBe('Container "web" in Pod x !');
    expect(renderMessage('{{hostPath.path}} {{ports.0.port}}', resolve)).toBe('/var 80');
    // An object of plain values reads as the YAML flow mapping it could be written as; a list, or an object
    // holding one, stays JSON. A string that would not read as one word there is quoted.
    const values: Record<string, unknown> = {
      port: { target: 11434, published: '11434' },
      odd: { a: '', b: 'x, y', c: 'k: v', d: true },
      list: ['get', 'create'],
      nested: { a: { b: 1 } },
      empty: {},
    };
    expect(renderMessage('{{port}} | {{odd}} | {{list}} | {{nested}} | {{empty}}', (k) => values[k])).toBe(
      '{target: 11434, published: 11434} | {a: "", b: "x, y", c: "k: v", d: true} | ["get","create"] | {"a":{"b":1}} | {}',
    );
    // A secret in such an object is masked as in its JSON form: the quoted value ends where JSON's does.
    const secretive = { cmd: '--db-password=hunter2hunter2', env: 'PGPASSWORD=hunter2hunter2', url: 'postgres://app:hunter2hunter2@db/app' };
    const masked = (s: string) => [...s.matchAll(/…\[\d+ chars masked\]/g)].map((m) => m[0]);
    const flow = renderMessage('{{v}}', () => secretive);
    expect(flow).not.toContain('hunter2');
    expect(masked(flow)).toEqual(masked(renderMessage('{{v}}', () => JSON.stringify(secretive))));
    expect(masked(flow)).toHaveLength(3);
    expect(asked).toEqual(['name', '$resource', 'missing', 'hostPath.path', 'ports.0.port']);
    expect(maskSecret('hf_abcdefghijklmnop')).toBe('"hf…" (19 chars)');
    expect(maskSecret('short')).toBe('"…" (5 chars)');
    expect(maskSecret('x')).toBe('"…" (1 char)');
  });
});

describe('waivers', () => {
  test('expiry is the end of the given day, UTC', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(isExpired('2026-03-01', now)).toBe(false);
    expect(isExpired('2026-02-28', now)).toBe(true);
    expect(isExpired(undefined, now)).toBe(false);
    expect(isExpired('someday', now)).toBe(true);
  });

  test('rule, file and resource globs', () => {
    const [w] = compileWaivers([{ rule: 'k8s-*', resource: 'Deployment/ml-*/*', reason: 'r' }], new Date());
    const id = { group: 'apps', kind: 'Deployment', namespace: 'ml-serving', name: 'vllm' };
    expect(resourceKey(id)).toBe('Deployment/ml-serving/vllm');
    expect(w!.matches('k8s-privileged-container', 'a.yaml', id)).toBe(true);
    expect(w!.matches('compose-privileged', 'a.yaml', id)).toBe(false);
    expect(w!.matches('k8s-privileged-container', 'a.yaml', { ...id, namespace: 'web' })).toBe(false);
    expect(w!.matches('k8s-privileged-container', 'a.yaml', null)).toBe(false);
    expect(resourceKey({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespace: null, name: 'admin' })).toBe('ClusterRole/admin');
  });
});

describe('file selection', () => {
  test('extensions, default excludes, user excludes', () => {
    const s = createSelection({ exclude: ['vendor/**'] });
    expect(['a.yaml', 'b.yml', 'c.json', 'd.txt', 'node_modules/x/a.yaml', 'tsconfig.json', 'renovate.json', '.github/renovate.json', 'web/.eslintrc.json', 'vendor/a.yaml', '.github/w.yml'].filter((f) => s.wanted(f))).toEqual([
      'a.yaml',
      'b.yml',
      'c.json',
      '.github/w.yml',
    ]);
    expect(s.wantDir('node_modules')).toBe(false);
    expect(s.wantDir('vendor')).toBe(false);
    expect(s.wantDir('apps')).toBe(true);
  });

  test('the glob lists answer as picomatch does (the literal-piece shortcut never changes an answer)', () => {
    const seg = fc.constantFrom('a', 'node_modules', '.git', 'x.yaml', 'docker-compose.yml', 'tsconfig.base.json', '.aiopsrc', 'cases', 'pass-1', 'a b', '~x', 'q-1.json', '.', '..', 'k[1]', 'v{a,b}');
    const gseg = fc.constantFrom('*', '**', '?', 'a', 'node_modules', '*.yaml', 'x.*', 'docker-compose*.yml', '.', '..', 'pass*', 'cases', '?.json', 'a b', '~x', 'tsconfig*.json', '*-1.json', 'k[1]', '{a,b}', '!(a)', '\\*');
    const path = fc.array(seg, { minLength: 1, maxLength: 5 }).map((a) => a.join('/'));
    const glob = fc.tuple(fc.constantFrom('', './', '!'), fc.array(gseg, { minLength: 1, maxLength: 4 })).map(([prefix, a]) => prefix + a.join('/'));
    fc.assert(
      fc.property(fc.array(glob, { minLength: 1, maxLength: 4 }), fc.array(path, { minLength: 1, maxLength: 10 }), (globs, paths) => {
        const reference = picomatch(globs, { dot: true });
        const quick = globMatcher(globs, { dot: true });
        expect(paths.map((p) => [p, quick(p)])).toEqual(paths.map((p) => [p, reference(p)]));
      }),
      { numRuns: 3000, seed: 7 },
    );
  });

  test('path arguments: folders, files, ancestors; unmatched ones are reported', () => {
    const s = createSelection({ paths: ['apps/web', 'x.yml', 'nope'] });
    expect(s.wantDir('apps')).toBe(true);
    expect(s.wantDir('apps/web/sub')).toBe(true);
    expect(s.wantDir('other')).toBe(false);
    expect(['apps/web/a.yaml', 'apps/api/a.yaml', 'x.yml', 'y.yml'].filter((f) => s.wanted(f))).toEqual(['apps/web/a.yaml', 'x.yml']);
    expect(s.unmatched()).toEqual(['nope']);
  });

  test('path arguments are made relative to the repository', () => {
    expect(toRepoPaths('/r', '/r/apps', ['web', '.'])).toEqual(['apps/web', 'apps']);
    expect(() => toRepoPaths('/r', '/r', ['../x'])).toThrow('path "../x" is outside the repository /r');
  });
});

describe('config schema', () => {
  test('the shipped .aiopsrc.example.json is valid; typos are caught', async () => {
    const { readFileSync } = await import('node:fs');
    const { validateConfig } = await import('../../src/config/load.js');
    const { PACKAGE_ROOT } = await import('../../src/rules/load.js');
    const example = JSON.parse(readFileSync(`${PACKAGE_ROOT}/.aiopsrc.example.json`, 'utf8')) as unknown;
    expect(await validateConfig(example)).toBeNull();
    expect(await validateConfig({ failOn: 'hgh' })).toEqual({ pointer: '/failOn', message: 'must be one of "critical", "high", "medium", "low", "info", "never"' });
    expect(await validateConfig({ waivers: [{ rule: 'x', expires: 'June' }] })).toEqual({ pointer: '/waivers/0/expires', message: 'must match pattern "^\\d{4}-\\d{2}-\\d{2}$"' });
  });
});

describe('partial pod specs (a layer an operator merges with others)', () => {
  const RUNTIME = [
    'apiVersion: serving.kserve.io/v1alpha1',
    'kind: ServingRuntime',
    'metadata: { name: vllm }',
    'spec:',
    '  containers:',
    '    - { name: kserve-container, image: vllm, securityContext: { runAsUser: 0 } }',
    '  workerSpec: { containers: [{ name: worker, image: vllm }] }',
    '',
  ].join('\n');
  const ajv = createRuleAjv();
  const compile = (schema: object) => ajv.compile(schema) as Validate;
  /** A rule of `required` conditions, as the absence rules are written (k8s-missing-memory-limit, k8s-run-as-root). */
  const rule = (id: string, schema: object) => ({ id, title: 't', severity: 'low' as const, category: 'c', description: 'd', remediation: 'r', pack: 'kubernetes', source: 'x', target: 'container', message: `{{name}} ${id}`, validate: compile(schema) });

  test("a KServe runtime's containers are checked and marked partial; it is not a workload relations join", () => {
    const data = parseYaml(RUNTIME) as unknown;
    expect(expandTargets(data, 'container').map((i) => [i.pointer, i.partial])).toEqual([
      ['/spec/containers/0', true],
      ['/spec/workerSpec/containers/0', true],
    ]);
    expect(expandTargets({ ...(data as object), kind: 'Deployment', apiVersion: 'apps/v1', spec: { template: { spec: { containers: [{ name: 'a' }] } } } }, 'container')[0]!.partial).toBeUndefined();
    expect(POD_SPEC_KINDS).toEqual(expect.arrayContaining(['ServingRuntime', 'ClusterServingRuntime', 'LLMInferenceService', 'LLMInferenceServiceConfig']));
    expect(WORKLOAD_KINDS).not.toEqual(expect.arrayContaining(['ServingRuntime']));
    expect(WORKLOAD_KINDS).toEqual(expect.arrayContaining(['Deployment', 'InferenceService', 'RayCluster']));
  });

  test('on a partial pod spec only what is set is reported: a missing field (required, or an anyOf of them) is not', () => {
    const [doc] = parseConfigText('runtime.yaml', RUNTIME).documents;
    const rules = [
      rule('needs-limits', { required: ['resources'] }),
      rule('needs-one', { anyOf: [{ required: ['securityContext'] }, { required: ['resources'] }] }),
      rule('not-root', { properties: { securityContext: { properties: { runAsUser: { not: { const: 0 } } } } } }),
    ];
    const found = evaluateDocument(doc!, prepareRules(rules), { inlineWaivers: false, waivers: [], knownRuleIds: new Set(rules.map((r) => r.id)) });
    expect(found.map((f) => `${f.line}:${f.column} ${f.message}`)).toEqual(['6:76 kserve-container not-root']);
    // The same containers in a Deployment are whole: every rule reports.
    const whole = parseConfigText('deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec:\n  template:\n    spec:\n      containers: [{ name: a, image: a }]\n').documents[0]!;
    expect(evaluateDocument(whole, prepareRules(rules), { inlineWaivers: false, waivers: [], knownRuleIds: new Set(rules.map((r) => r.id)) }).map((f) => f.message)).toEqual(['a needs-limits', 'a needs-one']);
  });
});

describe('naming one of several pod specs in a message', () => {
  const name = (yaml: string, pointer: string) => {
    const data = parseYaml(yaml) as unknown;
    return podSpecNameAt(new DocumentTargets(data), data, pointer);
  };
  const RAY = `apiVersion: ray.io/v1
kind: RayJob
metadata: { name: train }
spec:
  rayClusterSpec:
    headGroupSpec: { template: { metadata: { annotations: { a: b } }, spec: { containers: [{ name: ray-head, image: ray }] } } }
    workerGroupSpecs:
      - { groupName: gpu, template: { spec: { containers: [{ name: ray-worker, image: ray }] } } }
      - { template: { spec: { containers: [{ name: ray-worker, image: ray }] } } }
  submitterPodTemplate: { spec: { containers: [{ name: submitter, image: ray }] } }
`;

  test('KubeRay groups by role and name, the submitter pod; a pod template counts as its pod spec', () => {
    expect(name(RAY, '/spec/rayClusterSpec/headGroupSpec/template/spec/containers/0/image')).toBe('head group');
    expect(name(RAY, '/spec/rayClusterSpec/headGroupSpec/template/metadata/annotations/a')).toBe('head group');
    expect(name(RAY, '/spec/rayClusterSpec/workerGroupSpecs/0/template/spec')).toBe('worker group "gpu"');
    expect(name(RAY, '/spec/rayClusterSpec/workerGroupSpecs/1/template/spec/containers/0')).toBe('worker group 2');
    expect(name(RAY, '/spec/submitterPodTemplate/spec/containers/0')).toBe('submitter pod');
    // Not in a pod spec: the document's own fields.
    expect(name(RAY, '/metadata/name')).toBeNull();
  });

  test('training job replica roles and KServe components; a document with one pod spec needs no name', () => {
    const job = `apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: { name: ddp }
spec:
  pytorchReplicaSpecs:
    Master: { template: { spec: { containers: [{ name: pytorch, image: t }] } } }
    Worker: { template: { spec: { containers: [{ name: pytorch, image: t }] } } }
`;
    expect(name(job, '/spec/pytorchReplicaSpecs/Worker/template/spec/containers/0')).toBe('Worker replicas');
    const isvc = `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: { name: llm }
spec:
  predictor: { containers: [{ name: kserve-container, image: vllm }], workerSpec: { containers: [{ name: worker, image: vllm }] } }
  transformer: { containers: [{ name: t, image: t }] }
`;
    expect(name(isvc, '/spec/predictor/containers/0')).toBe('predictor');
    expect(name(isvc, '/spec/predictor/workerSpec/containers/0')).toBe('predictor workers');
    expect(name(isvc, '/spec/transformer')).toBe('transformer');
    expect(name('apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec: { template: { spec: { containers: [{ name: web, image: nginx }] } } }\n', '/spec/template/spec/containers/0')).toBeNull();
  });

  test('a LeaderWorkerSet\'s leader and worker templates, their metadata too; only in its API group', () => {
    const lws = `apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata: { name: vllm }
spec:
  leaderWorkerTemplate:
    leaderTemplate: { metadata: { labels: { role: leader } }, spec: { containers: [{ name: leader, image: vllm }] } }
    workerTemplate: { metadata: { annotations: { a: b } }, spec: { hostNetwork: true, containers: [{ name: worker, image: vllm }] } }
`;
    expect(name(lws, '/spec/leaderWorkerTemplate/leaderTemplate/spec/containers/0/image')).toBe('leader template');
    expect(name(lws, '/spec/leaderWorkerTemplate/leaderTemplate/metadata/labels/role')).toBe('leader template');
    expect(name(lws, '/spec/leaderWorkerTemplate/workerTemplate/spec/hostNetwork')).toBe('worker template');
    expect(name(lws, '/spec/leaderWorkerTemplate/workerTemplate/metadata/annotations/a')).toBe('worker template');
    expect(name(lws, '/spec/leaderWorkerTemplate')).toBeNull();
    const data = parseYaml(lws) as Record<string, unknown>;
    expect(expandTargets(data, 'container').map((t) => [t.container, t.podPointer])).toEqual([
      ['leader', '/spec/leaderWorkerTemplate/leaderTemplate/spec'],
      ['worker', '/spec/leaderWorkerTemplate/workerTemplate/spec'],
    ]);
    expect(expandTargets({ ...data, apiVersion: 'example.com/v1' }, 'podSpec')).toEqual([]);
    // A RayJob's submitter pod template names its metadata as well.
    expect(name(RAY.replace('submitterPodTemplate: { spec:', 'submitterPodTemplate: { metadata: { labels: { a: b } }, spec:'), '/spec/submitterPodTemplate/metadata/labels/a')).toBe('submitter pod');
  });

  test('a finding in one group of a RayCluster says which group', () => {
    const text = RAY.replace('{ name: ray-worker, image: ray }] } } }\n      - {', '{ name: ray-worker, image: ray, securityContext: { privileged: true } }] } } }\n      - {');
    const [doc] = parseConfigText('ray.yaml', text).documents;
    const rule = { id: 'k8s-privileged-container', title: 't', severity: 'critical' as const, category: 'c', description: 'd', remediation: 'r', pack: 'kubernetes', source: 'x', target: 'container', message: 'Container "{{name}}" runs privileged', validate: Object.assign((v: unknown) => !(v as { securityContext?: { privileged?: boolean } }).securityContext?.privileged, { errors: [{ instancePath: '/securityContext/privileged', schemaPath: '#', keyword: 'not' }] }) };
    const found = evaluateDocument(doc!, prepareRules([rule]), { inlineWaivers: false, waivers: [], knownRuleIds: new Set([rule.id]) });
    expect(found.map((f) => f.message)).toEqual(['Container "ray-worker" runs privileged (in the worker group "gpu")']);
  });
});

describe('how messages name and mask a value', () => {
  test('a NAME=value item is named by its name and masked by its value; a token shape on it says the place once', async () => {
    const { loadBuiltinRules } = await import('../../src/rules/load.js');
    const rules = await loadBuiltinRules();
    const compose = `services:
  db:
    image: postgres:16.4
    environment:
      - POSTGRES_PASSWORD=ComposeLeakPw9
      - HF_TOKEN=hf_ComposeLeakAbCdEfGhIjKlMnOpQrStUv01
`;
    const [doc] = parseConfigText('docker-compose.yml', compose).documents;
    const found = evaluateDocument(doc!, prepareRules(rules), { inlineWaivers: true, waivers: [], knownRuleIds: new Set(rules.map((r) => r.id)) });
    const secrets = found.filter((f) => /secret|token/.test(f.ruleId)).map((f) => `${f.line}:${f.column} ${f.ruleId} ${f.message}`);
    expect(secrets).toEqual([
      // The value's first two characters and length (14), not the name's (the whole item is 32).
      '5:9 compose-env-literal-secret Service "db" sets POSTGRES_PASSWORD to a literal value "Co…" (14 chars)',
      // The token shape names the credential; the generic literal finding on the same item is dropped.
      '6:9 secrets-huggingface-token Value at environment[1] looks like a Hugging Face token "HF…" (47 chars)',
    ]);
  });

  test('a value merged into several compose services (<<: *common) is reported once, where it is written', async () => {
    const { loadBuiltinRules } = await import('../../src/rules/load.js');
    const rules = await loadBuiltinRules();
    // The shape of Airflow's docker-compose.yaml: one anchored block of settings, merged into each service.
    const compose = `x-airflow-common:
  &airflow-common
  image: apache/airflow:2.6.1
  environment:
    &airflow-common-env
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: postgresql+psycopg2://airflow:MergedLeakPw9@postgres/airflow
services:
  airflow-webserver:
    <<: *airflow-common
    command: webserver
  airflow-worker:
    <<: *airflow-common
    environment:
      <<: *airflow-common-env
      DUMB_INIT_SETSID: "0"
`;
    const [doc] = parseConfigText('docker-compose.yaml', compose).documents;
    const found = evaluateDocument(doc!, prepareRules(rules), { inlineWaivers: true, waivers: [], knownRuleIds: new Set(rules.map((r) => r.id)) });
    expect(found.filter((f) => f.ruleId === 'secrets-url-password').map((f) => `${f.line}:${f.column} ${f.pointer}`)).toEqual([
      '6:42 /x-airflow-common/environment/AIRFLOW__DATABASE__SQL_ALCHEMY_CONN',
    ]);
    // A finding of each service's own still names each service, at its own key.
    expect(found.filter((f) => f.ruleId === 'compose-no-new-privileges').map((f) => `${f.line}:${f.column} ${f.message}`)).toEqual([
      '8:3 Service "airflow-webserver" does not set no-new-privileges',
      '11:3 Service "airflow-worker" does not set no-new-privileges',
    ]);
  });

  test('a flag\'s credential is masked by its value, at the item that holds it; a token shape there says it once', async () => {
    const { loadBuiltinRules } = await import('../../src/rules/load.js');
    const rules = await loadBuiltinRules();
    const text = `apiVersion: v1
kind: Pod
metadata: { name: api }
spec:
  containers:
    - name: api
      image: api:1.0
      args:
        - --db-password
        - FlagLeakPw9
        - --hf-token=hf_FlagLeakAbCdEfGhIjKlMnOpQrStUv01
        - sh -c "server --password 'Flag Leak Pw'"
`;
    const [doc] = parseConfigText('pod.yaml', text).documents;
    const found = evaluateDocument(doc!, prepareRules(rules), { inlineWaivers: true, waivers: [], knownRuleIds: new Set(rules.map((r) => r.id)) });
    const secrets = found.filter((f) => f.ruleId.startsWith('secrets-')).map((f) => `${f.line}:${f.column} ${f.ruleId} ${f.message}`);
    expect(secrets).toEqual([
      '10:11 secrets-flag-literal Container "api" passes a literal value "Fl…" (11 chars) to --db-password',
      '12:11 secrets-flag-literal Container "api" passes a literal value "Fl…" (12 chars) to --password',
      '11:11 secrets-huggingface-token Value at args[2] looks like a Hugging Face token "--…" (46 chars)',
    ]);
    expect(JSON.stringify(found)).not.toMatch(/FlagLeakPw9|Flag Leak Pw|hf_FlagLeak/);
  });

  test('{{$field}}: a key, a list item as args[1], an env var\'s value by its name', async () => {
    const { fieldName } = await import('../../src/policy/evaluate.js');
    const data = { spec: { containers: [{ args: ['--token', 'x'], env: [{ name: 'API_KEY', value: 'v' }, { value: 'w' }] }] } };
    expect(fieldName(data, '/spec/containers/0/args/1')).toBe('args[1]');
    expect(fieldName(data, '/spec/containers/0/env/0/value')).toBe('API_KEY');
    expect(fieldName(data, '/spec/containers/0/env/1/value')).toBe('value');
    expect(fieldName(data, '/spec/containers')).toBe('containers');
    expect(fieldName(data, '')).toBe('');
  });
});
