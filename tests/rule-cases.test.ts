import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { RE2JS } from 're2js';
import type { ConfigDocument } from '../src/parse/documents.js';
import { parseConfigText } from '../src/parse/documents.js';
import { identifyResource, isRecord } from '../src/parse/identity.js';
import { evaluateDocument, prepareRules } from '../src/policy/evaluate.js';
import { runRuleCases, findCases } from '../src/rules/cases.js';
import { BUILTIN_RULES_DIR, loadBuiltinRules, loadRuleFiles, PACKAGE_ROOT } from '../src/rules/load.js';
import { expandTargets, resolveInstancePath } from '../src/rules/targets.js';
import type { Rule } from '../src/rules/types.js';

const CASES = path.join(PACKAGE_ROOT, 'fixtures', 'rules');

describe('built-in rules', () => {
  test('the precompiled registry equals the rule files on disk', async () => {
    const fromDisk = await loadRuleFiles([BUILTIN_RULES_DIR]);
    const builtin = await loadBuiltinRules();
    expect(builtin.map((r) => r.id).sort()).toEqual(fromDisk.map((r) => r.id).sort());
    const files = (await readdir(BUILTIN_RULES_DIR, { recursive: true })).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files.length).toBe(builtin.length);
    expect(builtin.length).toBeGreaterThanOrEqual(10);
  });

  test('every rule has a description, a remediation, a unique id, a pass case and a fail case', async () => {
    const rules = await loadBuiltinRules();
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.description.length).toBeGreaterThan(40);
      expect(rule.remediation.length).toBeGreaterThan(10);
      const kinds = (await findCases(CASES, rule.id)).map((c) => c.kind);
      expect({ id: rule.id, pass: kinds.includes('pass'), fail: kinds.includes('fail') }).toEqual({ id: rule.id, pass: true, fail: true });
    }
  });

  test('every case folder belongs to a rule', async () => {
    const ids = new Set((await loadBuiltinRules()).map((r) => r.id));
    for (const dir of await readdir(CASES)) expect({ dir, known: ids.has(dir) }).toEqual({ dir, known: true });
  });

  test('every rule passes its pass cases and flags its fail cases at the expected positions', async () => {
    const rules = await loadBuiltinRules();
    const known = new Set(rules.map((r) => r.id));
    const failures: string[] = [];
    let cases = 0;
    for (const rule of rules) {
      for (const r of await runRuleCases(rule, CASES, known, rules)) {
        cases++;
        if (!r.ok) failures.push(`${path.relative(CASES, r.file)}: ${r.problem}`);
      }
    }
    expect(failures).toEqual([]);
    expect(cases).toBeGreaterThanOrEqual(rules.length * 2);
  });
});

describe('README', () => {
  test('the rule table lists every built-in rule (run "npm run docs" after changing rules)', async () => {
    const { readFileSync } = await import('node:fs');
    const { formatRulesTable, replaceRulesTable } = await import('../src/rules/table.js');
    const readme = readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
    expect(replaceRulesTable(readme, formatRulesTable(await loadBuiltinRules()))).toBe(readme);
  });
});

/** Every regular expression of a schema: `pattern` values and `patternProperties` keys. */
function patternsOf(schema: unknown, out: string[] = []): string[] {
  if (Array.isArray(schema)) for (const s of schema) patternsOf(s, out);
  else if (isRecord(schema)) {
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'pattern' && typeof v === 'string') out.push(v);
      else if (k === 'patternProperties' && isRecord(v)) out.push(...Object.keys(v));
      patternsOf(v, out);
    }
  }
  return out;
}

const evaluate = (rules: Rule[], file: string, text: string) => {
  const parsed = parseConfigText(file, text);
  expect(parsed.failure).toBeNull();
  const known = new Set(rules.map((r) => r.id));
  return parsed.documents.flatMap((d) => evaluateDocument(d, prepareRules(rules), { inlineWaivers: true, waivers: [], knownRuleIds: known }));
};

describe('built-in patterns', () => {
  test('use only what a linear-time engine (RE2) supports, and mean there what they mean in JavaScript', async () => {
    const rules = await loadBuiltinRules();
    // Every string of every case file, as probes for the two engines' verdicts.
    const probes = new Set<string>();
    const collect = (v: unknown): void => {
      if (typeof v === 'string') probes.add(v);
      else if (Array.isArray(v)) v.forEach(collect);
      else if (isRecord(v)) for (const [k, x] of Object.entries(v)) (probes.add(k), collect(x));
    };
    for (const rule of rules) {
      for (const c of await findCases(CASES, rule.id)) for (const d of parseConfigText(c.name, await readFile(c.file, 'utf8')).documents) collect(d.data);
    }
    const problems: string[] = [];
    let patterns = 0;
    for (const rule of rules) {
      for (const p of patternsOf(rule.schema)) {
        patterns++;
        let re2;
        try {
          re2 = RE2JS.compile(p);
        } catch (err) {
          problems.push(`${rule.id}: ${p.slice(0, 60)}: ${String(err)}`);
          continue;
        }
        const js = new RegExp(p, 'u');
        for (const probe of probes) if (js.test(probe) !== re2.test(probe)) problems.push(`${rule.id}: ${p.slice(0, 60)} differs on ${JSON.stringify(probe)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(patterns).toBeGreaterThan(40);
  });

  /**
   * A guard against catastrophic backtracking, not a performance target: each rule runs on its
   * case documents with every string (and one extra key in every map) replaced by 200 KB of a
   * repeated prefix that its patterns look for. Quadratic patterns took a minute here.
   *
   * The test compares the time on 200 KB with the time on 20 KB of the same prefix, measured back to
   * back, instead of a wall-clock limit, which failed on a loaded machine: linear work grows about 10
   * times, quadratic work about 100 times. A rule is slow when 200 KB takes over 1 s and over 30
   * times the faster of two 20 KB runs, three times in a row (a load spike rarely hits the same pair
   * three times), or over 20 s. Catastrophic backtracking takes seconds to minutes here; the rule
   * pipeline itself (pointers to 200 KB keys full of `/`, escaped as `~1`) took up to 0.5 s on a
   * 2-core runner, which the former 250 ms floor counted as superlinear.
   */
  test('run in linear time on adversarial 200 KB values', async () => {
    const rules = await loadBuiltinRules();
    const slow: string[] = [];
    let runs = 0;
    for (const rule of rules) {
      const cases = (await findCases(CASES, rule.id)).filter((c) => c.kind === 'fail');
      const docs = [];
      for (const c of cases) docs.push(...parseConfigText(c.name, await readFile(c.file, 'utf8')).documents.map((d) => ({ name: c.name, data: d.data })));
      const found = findSuperlinear(rule, docs, ADVERSARIAL_UNITS, 200_000);
      slow.push(...found.slow);
      runs += found.runs;
    }
    expect(slow).toEqual([]);
    expect(runs).toBeGreaterThan(rules.length * ADVERSARIAL_UNITS.length);
  }, 600_000);

  test('the linear-time guard flags a quadratic pattern (a*b on a run of a), and passes a linear one', async () => {
    const [base] = (await loadBuiltinRules()).filter((r) => r.id === 'k8s-privileged-container');
    const runRegExp = (re: RegExp): Rule => ({
      ...base!,
      id: `test-${re.source}`,
      validate: Object.assign((data: unknown) => !JSON.stringify(data).split('"').some((s) => re.test(s)), { errors: null }) as unknown as Rule['validate'],
    });
    // The rule reads each container: poisoned, its name and one extra key and value are the prefix.
    const docs = [{ name: 'pod.yaml', data: { apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'c' }] } } }];
    // 30 KB keeps the quadratic run to seconds, well above the 1 s floor; at 200 KB it takes about half a minute a string.
    expect(findSuperlinear(runRegExp(/a*b/), docs, ['a'], 30_000).slow).toHaveLength(1);
    // Anchored (sticky), the same pattern backtracks once over the value: linear.
    expect(findSuperlinear(runRegExp(/a*b/y), docs, ['a'], 30_000).slow).toEqual([]);
  }, 120_000);
});

const ADVERSARIAL_UNITS = ['sk-', 'sk-proj-', 'sk-ant-api03-', 'T3BlbkFJ', 'hf_', 'ghp_', 'github_pat_', 'AKIA', 'AKIAIOSFODNN7EXAMPL', 'xoxb-',
  'https://hooks.slack.com/services/T', '-----BEGIN ', '-----BEGIN RSA ', '@sha256:', ':', '/', ' ', '\n', 'a', '_', 'a-',
  '--trust-remote-code ', '--trust-remote-code=', 'PASSWORD_', 'password', 'Password', 'DB_PASSWORD=', 'api-', 'ApiKey', 'TOKEN_TTL_',
  '$(', '${', '/run/', 'nvidia.com/mig-', 'cap_', 'SYS_', 'vllm', 'models/',
  'AIza', 'AccountKey=', 'sk_live_', 'glpat-', 'npm_', 'SG.', 'dapi', '--NotebookApp.token=', '--host ', '0.0.0.0', 'refs/heads/', '>=1.', 'http://'];

/**
 * Runs `rule` on `docs` poisoned with `size` characters of each unit and with a tenth of that, and
 * returns the units on which the time grew faster than linearly (see the test above).
 */
function findSuperlinear(rule: Rule, docs: { name: string; data: unknown }[], units: readonly string[], size: number): { slow: string[]; runs: number } {
  const prepared = prepareRules([rule]);
  const known = new Set([rule.id]);
  let runs = 0;
  const time = (unit: string, length: number): number => {
    const big = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
    const poison = (v: unknown): unknown => {
      if (typeof v === 'string') return big;
      if (Array.isArray(v)) return v.map(poison);
      if (!isRecord(v)) return v;
      const out: Record<string, unknown> = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'apiVersion' || k === 'kind' ? x : poison(x)]));
      out[big] = big;
      return out;
    };
    const started = performance.now();
    for (const { name, data } of docs) {
      const poisoned = poison(data);
      const doc: ConfigDocument = {
        file: name,
        index: 0,
        basePointer: '',
        data: poisoned,
        id: identifyResource(poisoned),
        start: { line: 1, column: 1, endLine: 1, endColumn: 1 },
        locate: () => ({ line: 1, column: 1, endLine: 1, endColumn: 1 }),
      };
      evaluateDocument(doc, prepared, { inlineWaivers: false, waivers: [], knownRuleIds: known });
      runs++;
    }
    return performance.now() - started;
  };
  const superlinear = (unit: string): [number, number] | null => {
    // The faster of two small runs: one that a load spike or a collection slowed would make any large run look superlinear.
    const small = Math.min(time(unit, size / 10), time(unit, size / 10));
    const large = time(unit, size);
    return large > 20_000 || (large > 1_000 && large > 30 * small) ? [small, large] : null;
  };
  const slow: string[] = [];
  for (const unit of units) {
    // Slow three times in a row: a busy machine (a CI runner with other suites) rarely is, three times, for the same pair.
    const first = superlinear(unit);
    const second = first && superlinear(unit);
    const again = second && superlinear(unit);
    if (again) slow.push(`${rule.id} on ${JSON.stringify(unit)} x ${(size / unit.length) | 0}: ${Math.round(again[1])} ms (${Math.round(again[0])} ms on a tenth)`);
  }
  return { slow, runs };
}

describe('messages', () => {
  test('RBAC messages name the field and the verbs; compose findings name the service; trust-remote-code does not print the argument', async () => {
    const rules = await loadBuiltinRules();
    const only = (...ids: string[]) => rules.filter((r) => ids.includes(r.id));
    const role = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: r }
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: [get, "*"]
`;
    expect(evaluate(only('k8s-rbac-wildcard'), 'role.yaml', role).map((f) => f.message)).toEqual([
      'rbac.authorization.k8s.io/ClusterRole r grants "*" in verbs',
      'rbac.authorization.k8s.io/ClusterRole r grants "*" in resources',
      'rbac.authorization.k8s.io/ClusterRole r grants "*" in apiGroups',
    ]);
    const exec = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: debug, namespace: apps }
rules:
  - apiGroups: [""]
    resources: [pods/exec, pods/log]
    verbs: [get, create]
`;
    expect(evaluate(only('k8s-rbac-pod-exec'), 'role.yaml', exec).map((f) => f.message)).toEqual([
      'rbac.authorization.k8s.io/Role apps/debug allows pods/exec with the verbs ["get","create"]',
    ]);
    const compose = `services:
  vpn:
    image: wireguard:latest
    privileged: true
    cap_add: [NET_ADMIN]
    network_mode: host
    volumes: [/var/run/docker.sock:/var/run/docker.sock]
    environment: [VPN_PASSWORD=not-a-real-one]
  db:
    image: postgres:16.4
    ports: ["5432:5432"]
`;
    const composeIds = rules.filter((r) => r.pack === 'compose').map((r) => r.id);
    expect(evaluate(only(...composeIds), 'docker-compose.yml', compose).map((f) => `${f.ruleId}: ${f.message}`).sort()).toEqual([
      'compose-dangerous-capabilities: Service "vpn" adds the capability NET_ADMIN',
      'compose-database-port-exposed: Database service "db" publishes port 5432:5432 on all interfaces',
      'compose-docker-socket: Service "vpn" mounts the container runtime socket (/var/run/docker.sock:/var/run/docker.sock)',
      'compose-env-literal-secret: Service "vpn" sets VPN_PASSWORD to a literal value "no…" (14 chars)',
      'compose-host-namespaces: Service "vpn" sets network_mode: host',
      'compose-image-latest: Service "vpn" uses the mutable image wireguard:latest',
      'compose-no-new-privileges: Service "db" does not set no-new-privileges',
      'compose-no-new-privileges: Service "vpn" does not set no-new-privileges',
      'compose-privileged: Service "vpn" runs privileged',
      'compose-read-only: Service "db" has a writable root file system',
      'compose-read-only: Service "vpn" has a writable root file system',
    ]);
    const token = 'hf_' + 'x'.repeat(34);
    const vllm = `apiVersion: v1
kind: Pod
metadata: { name: vllm }
spec:
  containers:
    - name: vllm
      image: vllm/vllm-openai:v0.6.3
      args: ["python3 -m vllm.entrypoints.openai.api_server --hf-token ${token} --trust-remote-code"]
`;
    const found = evaluate(only('ai-trust-remote-code'), 'vllm.yaml', vllm);
    expect(found.map((f) => [f.line, f.column, f.message])).toEqual([[8, 14, 'Container "vllm" runs model code from the hub (trust-remote-code is on)']]);
  });
});

describe('runAsUser messages', () => {
  test('a pod-level runAsUser: 0 that the container overrides is not said to run the container as root', async () => {
    const rules = (await loadBuiltinRules()).filter((r) => r.id === 'k8s-run-as-user-root');
    // KICS's containers_running_as_root/negative3: the container runs as 1000; admission still rejects the pod's 0.
    const pod = `apiVersion: v1
kind: Pod
metadata: { name: p }
spec:
  securityContext: { runAsUser: 0 }
  containers:
    - name: app
      image: app:1.0
      securityContext: { runAsUser: 1000 }
`;
    expect(evaluate(rules, 'pod.yaml', pod).map((f) => [f.line, f.column, f.message])).toEqual([
      [5, 33, 'runAsUser: 0 (root) is set on container "app" or on its pod'],
    ]);
  });
});

describe('port messages', () => {
  test('a long-form compose port is printed as the mapping it is, not JSON, by every compose port rule; its entry is the place', async () => {
    const rules = await loadBuiltinRules();
    const ids = ['compose-database-port-exposed', 'ai-ollama-compose-port-public', 'ai-model-server-compose-port-public'];
    const compose = `services:
  db:
    image: bitnami/postgresql:16
    ports:
      - "5432:5432"
      - host_ip: 0.0.0.0
        target: 5432
        published: 5433
  ollama:
    image: ollama/ollama:0.4.7
    ports:
      - target: 11434
        published: 11434
  vllm:
    image: vllm/vllm-openai:v0.6.3
    ports:
      - { target: 8000, published: "8000", protocol: tcp, name: openai-api }
`;
    const found = evaluate(rules.filter((r) => ids.includes(r.id)), 'docker-compose.yml', compose);
    expect(found.map((f) => `${f.line}:${f.column} ${f.ruleId}: ${f.message}`).sort((a, b) => parseInt(a) - parseInt(b))).toEqual([
      '5:9 compose-database-port-exposed: Database service "db" publishes port 5432:5432 on all interfaces',
      '6:9 compose-database-port-exposed: Database service "db" publishes port {host_ip: 0.0.0.0, target: 5432, published: 5433} on all interfaces',
      '12:9 ai-ollama-compose-port-public: Ollama service "ollama" publishes port {target: 11434, published: 11434} on all interfaces',
      '17:9 ai-model-server-compose-port-public: Model server "vllm" publishes port {target: 8000, published: 8000, protocol: tcp, name: openai-api} on all interfaces without an API key',
    ]);
  });
});

describe('messages that name what is there', () => {
  test("an AppProject entry's group, a HelmRelease's missing version, a KServe model container named ''", async () => {
    const ids = ['gitops-argocd-project-cluster-resources-any', 'gitops-flux-helmrelease-floating-chart', 'k8s-privileged-container'];
    const rules = (await loadBuiltinRules()).filter((r) => ids.includes(r.id));
    const text = `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: { name: auth, namespace: argocd }
spec:
  clusterResourceWhitelist:
    - { group: '*', kind: '*' }
    - { group: rbac.authorization.k8s.io, kind: '*' }
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: podinfo }
spec:
  chart:
    spec:
      chart: podinfo
      sourceRef: { kind: HelmRepository, name: podinfo }
---
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: { name: granite }
spec:
  predictor:
    model:
      name: ''
      modelFormat: { name: pytorch }
      securityContext: { privileged: true }
`;
    expect(evaluate(rules, 'apps.yaml', text).map((f) => `${f.line}:${f.column} ${f.message}`)).toEqual([
      '6:27 AppProject "auth" allows every cluster-scoped kind of group "*"',
      '7:49 AppProject "auth" allows every cluster-scoped kind of group "rbac.authorization.k8s.io"',
      '14:5 HelmRelease "podinfo" does not pin its chart to one exact version (version: ""), so a newer chart can be installed at any reconcile',
      '26:38 Container "kserve-container" runs privileged',
    ]);
  });
});

describe('rules that overlap', () => {
  test('a dangerous capability is reported once, as dangerous; any other added capability by k8s-capabilities-added', async () => {
    const rules = (await loadBuiltinRules()).filter((r) => ['k8s-dangerous-capabilities', 'k8s-capabilities-added'].includes(r.id));
    const pod = `apiVersion: v1
kind: Pod
metadata: { name: p }
spec:
  containers:
    - name: c
      image: c:1.0
      securityContext:
        capabilities:
          add: [SYS_ADMIN, CHOWN, NET_BIND_SERVICE]
`;
    expect(evaluate(rules, 'pod.yaml', pod).map((f) => [f.ruleId, f.line, f.column, f.message])).toEqual([
      ['k8s-capabilities-added', 10, 28, 'Container "c" adds the capability CHOWN'],
      ['k8s-dangerous-capabilities', 10, 17, 'Container "c" adds the capability SYS_ADMIN'],
    ]);
  });
});

describe('credential names read alike', () => {
  /**
   * Every rule that reads a credential's name (env, flags, compose, ConfigMap keys) takes
   * secrets-env-literal's definitions by $ref: a word added there is a word everywhere (--fernet-key
   * a finding in a flag as in env). No rule file carries a copy of the patterns, and Kubernetes and
   * compose flags are read by one schema.
   */
  test("the rules that read a credential's name use secrets-env-literal's definitions, and no rule file copies them", async () => {
    const rules = await loadBuiltinRules();
    const env = rules.find((r) => r.id === 'secrets-env-literal')!.schema as { $defs: Record<string, { pattern: string }> };
    const patterns = [env.$defs.credentialName!.pattern, env.$defs.knobName!.pattern];
    const users = ['secrets-flag-literal', 'compose-flag-literal-secret', 'compose-env-literal-secret', 'secrets-configmap-credential', 'k8s-secret-from-configmap'];
    for (const id of users) {
      const text = JSON.stringify(rules.find((r) => r.id === id)!.schema);
      expect({ id, credentialName: text.includes('"secrets-env-literal#/$defs/credentialName"'), knobName: text.includes('"secrets-env-literal#/$defs/knobName"') }).toEqual({ id, credentialName: true, knobName: true });
    }
    const files = (await readdir(BUILTIN_RULES_DIR, { recursive: true })).filter((f) => /\.ya?ml$/.test(f));
    const copies: string[] = [];
    for (const f of files) {
      const text = await readFile(path.join(BUILTIN_RULES_DIR, f), 'utf8');
      if (!f.endsWith('secrets-env-literal.yaml') && patterns.some((p) => text.includes(p))) copies.push(f);
    }
    expect(copies).toEqual([]);
    const schemaOf = (id: string) => rules.find((r) => r.id === id)!.schema;
    expect(schemaOf('compose-flag-literal-secret')).toEqual(schemaOf('secrets-flag-literal'));
  });

  test("a Helm value's name is one pattern, as a key (values files) and as a name (Argo CD's helm.parameters)", async () => {
    const rules = await loadBuiltinRules();
    const defs = (rules.find((r) => r.id === 'secrets-helm-values-literal')!.schema as { $defs: { node: { patternProperties: Record<string, unknown> }; credentialKey: { pattern: string } } }).$defs;
    expect(Object.keys(defs.node.patternProperties)).toEqual([defs.credentialKey.pattern]);
  });
});

describe('RBAC grants read alike', () => {
  /**
   * What grants exec into pods, reading Secrets or escalation is decided once, in the single-document
   * RBAC rules' definitions: the relation rules that judge a bound role take them by $ref, so a fix
   * to one (9a4582e's "*\/exec") is a fix to all, and no rule file carries a copy of the lists.
   */
  test("the binding rules use the RBAC rules' definitions, and no other rule file copies them", async () => {
    const rules = await loadBuiltinRules();
    const uses: Record<string, string[]> = {
      'rel-binding-grants-pod-exec': ['k8s-rbac-pod-exec#/$defs/grants'],
      'rel-binding-grants-secrets': ['k8s-rbac-secrets-access#/$defs/grants'],
      'rel-binding-grants-escalation': ['k8s-rbac-escalation-verbs#/$defs/verb'],
      'rel-binding-risky-subject': ['k8s-rbac-pod-exec#/$defs/grants', 'k8s-rbac-secrets-access#/$defs/grants', 'k8s-rbac-escalation-verbs#/$defs/verb'],
      'k8s-rbac-secrets-access': ['k8s-rbac-pod-exec#/$defs/coreGroup'],
    };
    for (const id of ['ephemeral-containers', 'namespace-update', 'nodes-proxy', 'persistent-volumes', 'serviceaccount-token']) uses[`k8s-rbac-${id}`] = ['k8s-rbac-pod-exec#/$defs/coreGroup'];
    for (const [id, refs] of Object.entries(uses)) {
      const text = JSON.stringify(rules.find((r) => r.id === id)!.relation ?? rules.find((r) => r.id === id)!.schema);
      expect({ id, refs: refs.filter((ref) => !text.includes(`"${ref}"`)) }).toEqual({ id, refs: [] });
    }
    const copies: string[] = [];
    for (const f of (await readdir(BUILTIN_RULES_DIR, { recursive: true })).filter((f) => /\.ya?ml$/.test(f))) {
      const text = await readFile(path.join(BUILTIN_RULES_DIR, f), 'utf8');
      if (!f.endsWith('k8s-rbac-pod-exec.yaml') && (text.includes("enum: ['', '*']") || /pods\/attach, pods\/portforward/.test(text))) copies.push(f);
    }
    expect(copies).toEqual([]);
  });
});

describe('AI workloads read alike', () => {
  /**
   * What makes a pod a model server, notebook, Ray cluster, MLflow or TensorBoard is one condition in three
   * relation rules (a relation's where cannot take another relation rule's definitions: relation rules have
   * no schema to hold them). It is kept equal here, so a server taught to one rule is known to all three.
   */
  test('rel-service-exposes-ai-workload, rel-ingress-exposes-ai-workload and rel-netpol-unselected-ai-workload judge the same pods', async () => {
    const rules = await loadBuiltinRules();
    const where = (id: string, side: 'from' | 'to') => {
      const r = rules.find((x) => x.id === id)!.relation!;
      const sel = side === 'from' ? r.from : (Array.isArray(r.to) ? r.to[0] : r.to)!;
      return (sel.where as { anyOf: unknown[] }).anyOf;
    };
    const service = where('rel-service-exposes-ai-workload', 'to');
    expect(JSON.stringify(service)).toContain('vllm\\\\.entrypoints');
    expect(where('rel-ingress-exposes-ai-workload', 'to')).toEqual(service);
    expect(where('rel-netpol-unselected-ai-workload', 'from')).toEqual(service);
  });
});

describe('pod-spec carriers', () => {
  test('every pod spec of a document, each container with its own pod spec as $pod', () => {
    const ray = {
      apiVersion: 'ray.io/v1',
      kind: 'RayJob',
      spec: {
        rayClusterSpec: {
          headGroupSpec: { template: { spec: { containers: [{ name: 'head' }] } } },
          workerGroupSpecs: [{ template: { spec: { hostNetwork: true, containers: [{ name: 'w0' }] } } }, { template: { spec: { containers: [{ name: 'w1' }] } } }],
        },
        submitterPodTemplate: { spec: { containers: [{ name: 'submit' }] } },
      },
    };
    expect(expandTargets(ray, 'podSpec').map((t) => t.pointer)).toEqual([
      '/spec/rayClusterSpec/headGroupSpec/template/spec',
      '/spec/rayClusterSpec/workerGroupSpecs/0/template/spec',
      '/spec/rayClusterSpec/workerGroupSpecs/1/template/spec',
      '/spec/submitterPodTemplate/spec',
    ]);
    const containers = expandTargets(ray, 'container');
    expect(containers.map((t) => [t.container, resolveInstancePath(t, '/$pod/hostNetwork')])).toEqual([
      ['head', '/spec/rayClusterSpec/headGroupSpec/template/spec/hostNetwork'],
      ['w0', '/spec/rayClusterSpec/workerGroupSpecs/0/template/spec/hostNetwork'],
      ['w1', '/spec/rayClusterSpec/workerGroupSpecs/1/template/spec/hostNetwork'],
      ['submit', '/spec/submitterPodTemplate/spec/hostNetwork'],
    ]);
    expect((containers[1]!.value as { $pod: { hostNetwork?: boolean } }).$pod.hostNetwork).toBe(true);
    expect((containers[2]!.value as { $pod: { hostNetwork?: boolean } }).$pod.hostNetwork).toBeUndefined();
  });

  test('KServe components are pod specs and their framework fields containers; Knative Service only in its group', () => {
    const isvc = {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      spec: { predictor: { sklearn: { storageUri: 's3://m' }, containers: [{ name: 'proxy' }], workerSpec: { containers: [{ name: 'w' }] } }, transformer: { containers: [{ name: 't' }] } },
    };
    expect(expandTargets(isvc, 'container').map((t) => [t.pointer, t.container, t.podPointer])).toEqual([
      ['/spec/predictor/containers/0', 'proxy', '/spec/predictor'],
      ['/spec/predictor/sklearn', 'kserve-container', '/spec/predictor'],
      ['/spec/predictor/workerSpec/containers/0', 'w', '/spec/predictor/workerSpec'],
      ['/spec/transformer/containers/0', 't', '/spec/transformer'],
    ]);
    const service = (apiVersion: string) => ({ apiVersion, kind: 'Service', spec: { template: { spec: { containers: [{ name: 'c' }] } } } });
    expect(expandTargets(service('serving.knative.dev/v1'), 'container').map((t) => t.pointer)).toEqual(['/spec/template/spec/containers/0']);
    expect(expandTargets(service('v1'), 'container')).toEqual([]);
    expect(expandTargets({ apiVersion: 'example.com/v1', kind: 'InferenceService', spec: isvc.spec }, 'podSpec')).toEqual([]);
  });

  test('*= gives a map or a NAME=value list as {name, value} entries at their own places; a map * names the instance', () => {
    const compose = { services: { api: { environment: ['A=1', 'B', 'C=x=y'] }, db: { environment: { P: 'v' } } } };
    const entries = expandTargets(compose, '/services/*/environment/*=');
    expect(entries.map((t) => [t.pointer, t.container, t.value])).toEqual([
      ['/services/api/environment/0', 'api', { name: 'A', value: '1' }],
      ['/services/api/environment/1', 'api', { name: 'B' }],
      ['/services/api/environment/2', 'api', { name: 'C', value: 'x=y' }],
      ['/services/db/environment/P', 'db', { name: 'P', value: 'v' }],
    ]);
    expect(resolveInstancePath(entries[3]!, '/value')).toBe('/services/db/environment/P');
    expect(resolveInstancePath(entries[0]!, '/name')).toBe('/services/api/environment/0');
  });
});
