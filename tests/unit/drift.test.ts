import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, test } from '@jest/globals';
import { diffObjects, diffResources } from '../../src/drift/diff.js';
import { driftKey } from '../../src/drift/identity.js';
import { createDriftLocator } from '../../src/drift/locate.js';
import { createMasker } from '../../src/drift/mask.js';
import { parseQuantity, quantitiesEqual } from '../../src/drift/quantity.js';
import { loadSnapshot } from '../../src/drift/snapshot.js';
import { inLiveVersion } from '../../src/drift/versions.js';
import { parseConfigText } from '../../src/parse/documents.js';
import { cleanup, tempDir } from '../helpers/repo.js';

afterAll(cleanup);

describe('quantities', () => {
  test('compare by value', () => {
    expect(quantitiesEqual('1000m', '1')).toBe(true);
    expect(quantitiesEqual('0.5', '500m')).toBe(true);
    expect(quantitiesEqual('1Gi', '1024Mi')).toBe(true);
    expect(quantitiesEqual(1, '1')).toBe(true);
    expect(quantitiesEqual('1e3', '1k')).toBe(true);
    expect(quantitiesEqual('1G', '1Gi')).toBe(false);
    expect(quantitiesEqual('abc', 'abc')).toBe(false);
    expect(parseQuantity('128Mi')).toBe(134217728);
  });
});

describe('diff: only what git sets, the way Kubernetes reads it', () => {
  const deploy = (c: object, extra: object = {}) => ({ spec: { template: { spec: { containers: [c] } } }, ...extra });

  test('fields only in live (server defaults, status) are not drift', () => {
    const desired = { metadata: { name: 'a' }, spec: { replicas: 2 } };
    const live = { metadata: { name: 'a', uid: 'u', resourceVersion: '9', managedFields: [] }, spec: { replicas: 2, strategy: { type: 'RollingUpdate' }, revisionHistoryLimit: 10 }, status: { replicas: 2 } };
    expect(diffObjects(desired, live, undefined)).toEqual([]);
  });

  test('a changed value is reported with its pointer, desired and live', () => {
    expect(diffObjects({ spec: { replicas: 2 } }, { spec: { replicas: 5 } }, undefined)).toEqual([{ pointer: '/spec/replicas', desired: 2, live: 5 }]);
  });

  test('keyed lists pair by key, not position; plain lists compare in order', () => {
    const desired = { spec: { containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:1' }], args: ['--a', '--b'] } };
    const live = { spec: { containers: [{ name: 'sidecar', image: 'envoy' }, { name: 'b', image: 'y:1' }, { name: 'a', image: 'x:2' }], args: ['--b', '--a'] } };
    expect(diffObjects(desired, live, undefined)).toEqual([
      { pointer: '/spec/containers/0/image', desired: 'x:1', live: 'x:2' },
      { pointer: '/spec/args/0', desired: '--a', live: '--b' },
      { pointer: '/spec/args/1', desired: '--b', live: '--a' },
    ]);
  });

  test('env by name, volumeMounts by mountPath, container ports by port+protocol with TCP by default, Service ports by port', () => {
    const desired = deploy({ name: 'c', env: [{ name: 'A', value: '1' }], volumeMounts: [{ mountPath: '/data', name: 'd' }], ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }] });
    const live = deploy({ name: 'c', env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }], volumeMounts: [{ mountPath: '/data', name: 'd', readOnly: false }], ports: [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 80, protocol: 'TCP' }] });
    expect(diffObjects(desired, live, undefined)).toEqual([]);
    expect(diffObjects({ spec: { ports: [{ port: 443, targetPort: 8443 }] } }, { spec: { ports: [{ port: 443, protocol: 'TCP', targetPort: 8443 }] } }, undefined)).toEqual([]);
    expect(diffObjects(desired, deploy({ name: 'c' }), undefined).map((c) => c.pointer)).toEqual([
      '/spec/template/spec/containers/0/env',
      '/spec/template/spec/containers/0/volumeMounts',
      '/spec/template/spec/containers/0/ports',
    ]);
  });

  test('quantities by value; port numbers and numeric strings differ', () => {
    const d = deploy({ name: 'c', resources: { limits: { cpu: '1', memory: '1Gi' } }, ports: [{ containerPort: 80, name: 'http' }] });
    const l = deploy({ name: 'c', resources: { limits: { cpu: '1000m', memory: '1024Mi' } }, ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }] });
    expect(diffObjects(d, l, undefined)).toEqual([]);
    expect(diffObjects({ spec: { ports: [{ port: 80, targetPort: 8080 }] } }, { spec: { ports: [{ port: 80, targetPort: '8080' }] } }, undefined)).toEqual([
      { pointer: '/spec/ports/0/targetPort', desired: 8080, live: '8080' },
    ]);
  });

  test('null, "", [], {}, false and absent compare equal where Kubernetes treats them as unset', () => {
    const desired = { metadata: { creationTimestamp: null, annotations: {} }, spec: { hostNetwork: false, tolerations: [], nodeName: '', template: {} } };
    expect(diffObjects(desired, { metadata: {}, spec: {} }, undefined)).toEqual([]);
    expect(diffObjects({ spec: { nodeName: '' } }, { spec: { nodeName: 'n1' } }, undefined)).toEqual([{ pointer: '/spec/nodeName', desired: '', live: 'n1' }]);
  });

  test('three-way: a field applied from git and since removed from git is drift; without last-applied it is not', () => {
    const desired = { spec: { replicas: 2 } };
    const live = { spec: { replicas: 2, paused: true, minReadySeconds: 5 } };
    const lastApplied = { spec: { replicas: 2, paused: true } };
    expect(diffObjects(desired, live, lastApplied)).toEqual([{ pointer: '/spec/paused', desired: undefined, live: true, note: 'removed-in-git' }]);
    expect(diffObjects(desired, live, undefined)).toEqual([]);
    const d2 = deploy({ name: 'c', env: [{ name: 'A', value: '1' }] });
    const l2 = deploy({ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'DEBUG', value: '1' }] });
    const applied2 = deploy({ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'DEBUG', value: '1' }] });
    expect(diffObjects(d2, l2, applied2)).toEqual([
      { pointer: '/spec/template/spec/containers/0/env/[name=DEBUG]', desired: undefined, live: { name: 'DEBUG', value: '1' }, note: 'removed-in-git' },
    ]);
  });
});

describe('live-only fields', () => {
  test('server defaults are not worth a second look; anything else live added is', () => {
    const desired = { spec: { template: { spec: { containers: [{ name: 'c', image: 'x:1', securityContext: { runAsNonRoot: true } }] } } } };
    const defaults = {
      metadata: { uid: 'u', managedFields: [] },
      spec: {
        type: 'ClusterIP',
        revisionHistoryLimit: 10,
        template: { spec: { dnsPolicy: 'ClusterFirst', securityContext: {}, containers: [{ name: 'c', image: 'x:1', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', securityContext: { runAsNonRoot: true } }] } },
      },
      status: { replicas: 1 },
    };
    expect(diffResources(desired, defaults, undefined)).toEqual({ changes: [], liveOnly: [], injected: [] });
    const edited = structuredClone(defaults);
    Object.assign(edited.spec.template.spec.containers[0]!.securityContext, { privileged: true });
    (edited.spec as { type: string }).type = 'LoadBalancer';
    edited.spec.template.spec.containers.push({ name: 'debug', image: 'busybox' } as never);
    expect(diffResources(desired, edited, undefined)).toEqual({
      changes: [],
      liveOnly: ['/spec/template/spec/containers/0/securityContext/privileged', '/spec/template/spec/containers/[name=debug]', '/spec/type'],
      injected: [],
    });
  });
});

describe('identity and masks', () => {
  test('group without version, default namespace, cluster-scoped kinds', () => {
    expect(driftKey({ group: 'apps', kind: 'Deployment', namespace: null, name: 'a' }, 'prod')).toBe('apps/Deployment/prod/a');
    expect(driftKey({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespace: 'x', name: 'r' }, 'prod')).toBe('rbac.authorization.k8s.io/ClusterRole//r');
  });

  test('equal values get equal masks, different values different masks, never the value', () => {
    const mask = createMasker();
    expect(mask('s3cret')).toBe(mask('s3cret'));
    expect(mask('s3cret')).not.toBe(mask('s3cret2'));
    expect(mask('s3cret')).toMatch(/^<secret [0-9a-f]{8}>$/);
    expect(createMasker()('s3cret')).not.toBe(mask('s3cret'));
  });
});

describe('snapshots', () => {
  const dir = tempDir();
  const obj = (kind: string, name: string, ns = 'a') => ({ apiVersion: 'v1', kind, metadata: { name, namespace: ns } });
  const write = (name: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
    return name;
  };

  test('a kubectl List, {items}, multi-document YAML, a folder, stdin', async () => {
    write('list.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [obj('ConfigMap', 'x'), obj('Service', 'y')] }));
    write('dir/items.json', JSON.stringify({ items: [obj('Secret', 's')] }));
    write('dir/sub/multi.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: m, namespace: a }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: nn, namespace: a }\n');
    expect((await loadSnapshot('list.json', dir)).objects.map((o) => o.id.name)).toEqual(['x', 'y']);
    expect((await loadSnapshot('dir', dir)).objects.map((o) => o.id.name)).toEqual(['s', 'm', 'nn']);
    const stdin = Readable.from([JSON.stringify(obj('Pod', 'p'))]);
    expect((await loadSnapshot('-', dir, stdin)).objects.map((o) => o.id.kind)).toEqual(['Pod']);
  });

  test('objects without a name are reported, not crashed on', async () => {
    write('noname.json', JSON.stringify({ items: [obj('ConfigMap', 'x'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }] }));
    const s = await loadSnapshot('noname.json', dir);
    expect(s.objects.length).toBe(1);
    expect(s.errors).toEqual([{ code: 'snapshot-object-without-name', file: 'noname.json', line: null, message: 'noname.json#items/1: ConfigMap without metadata.name; skipped' }]);
  });

  test('truncated, empty, not a snapshot, missing', async () => {
    write('trunc.json', '{\n  "items": [\n    {"apiVersion": "v1", "kind": "Con');
    await expect(loadSnapshot('trunc.json', dir)).rejects.toMatchObject({ exitCode: 65, message: expect.stringMatching(/^trunc\.json:3:\d+: live snapshot is not valid JSON/) });
    write('empty.json', '\n');
    await expect(loadSnapshot('empty.json', dir)).rejects.toMatchObject({ exitCode: 65, message: 'empty.json: live snapshot is empty' });
    write('pkg.json', '{"name": "not-a-snapshot", "version": "1.0.0"}');
    await expect(loadSnapshot('pkg.json', dir)).rejects.toMatchObject({ exitCode: 65, message: 'pkg.json: not a live snapshot: it holds no Kubernetes objects (apiVersion, kind, metadata)' });
    await expect(loadSnapshot('nope.json', dir)).rejects.toMatchObject({ exitCode: 66, message: 'live snapshot not found: nope.json' });
  });
});

/** The last-applied annotation exactly as `kubectl apply` writes it (annotations emptied of itself, sorted keys, newline). */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const applyJson = (obj: object) => JSON.stringify(obj) + '\n';

describe('three-way drift as kubectl apply records it', () => {
  const git = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { replicas: 2, template: { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
  };
  const applied = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { annotations: {}, creationTimestamp: null, labels: { app: 'web' }, name: 'web', namespace: 'default' },
    spec: { replicas: 2, template: { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ image: 'web:1', name: 'web' }] } } },
  };
  const live = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      annotations: { 'deployment.kubernetes.io/revision': '3', [LAST_APPLIED]: applyJson(applied) },
      creationTimestamp: '2026-11-20T09:14:03Z',
      generation: 3,
      labels: { app: 'web' },
      name: 'web',
      namespace: 'default',
      resourceVersion: '48213',
      uid: '7c1f4821-52b1-4f7e-9a0e-2d6b1c0f3e11',
      managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: {} }],
    },
    spec: {
      progressDeadlineSeconds: 600,
      replicas: 2,
      revisionHistoryLimit: 10,
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: {
          containers: [{ image: 'web:1', imagePullPolicy: 'IfNotPresent', name: 'web', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: { observedGeneration: 3, replicas: 2 },
  };

  test('"annotations": {} in last-applied removes nothing: the server and controller annotations are not drift', () => {
    expect(diffObjects(git, live, applied)).toEqual([]);
  });

  test('last-applied is followed into maps: only the keys it states count as removed from git', () => {
    const appliedWithTier = { ...applied, metadata: { ...applied.metadata, labels: { app: 'web', tier: 'frontend' } } };
    const gitNoLabels = { ...git, metadata: { name: 'web' } };
    const liveTier = { ...live, metadata: { ...live.metadata, labels: { app: 'web', tier: 'frontend', 'pod-template-hash': '5d8f7c' } } };
    expect(diffObjects(gitNoLabels, liveTier, appliedWithTier)).toEqual([
      { pointer: '/metadata/labels/app', desired: undefined, live: 'web', note: 'removed-in-git' },
      { pointer: '/metadata/labels/tier', desired: undefined, live: 'frontend', note: 'removed-in-git' },
    ]);
  });

  test('server-set fields are never drift, whatever git says: creationTimestamp null or copied, uid, revision annotation', () => {
    const copied = {
      ...git,
      metadata: { ...git.metadata, creationTimestamp: null, uid: 'old-uid', annotations: { 'deployment.kubernetes.io/revision': '1' } },
      status: { replicas: 1 },
    };
    expect(diffObjects(copied, live, applied)).toEqual([]);
  });

  test('namespace is identity and apiVersion within a group is not drift', () => {
    expect(diffObjects({ ...git, metadata: { ...git.metadata, namespace: 'shop' } }, live, applied)).toEqual([]);
    expect(diffObjects({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', spec: { maxReplicas: 5 } }, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', spec: { maxReplicas: 5, targetCPUUtilizationPercentage: 80 } }, undefined)).toEqual([]);
  });

  test('a map git sets and live lacks is reported at its fields, not as one opaque parent', () => {
    const hardened = structuredClone(git) as typeof git & { spec: { template: { spec: { securityContext?: object } } } };
    hardened.spec.template.spec.securityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
    expect(diffObjects(hardened, live, applied)).toEqual([
      { pointer: '/spec/template/spec/securityContext/runAsNonRoot', desired: true, live: undefined },
      { pointer: '/spec/template/spec/securityContext/seccompProfile/type', desired: 'RuntimeDefault', live: undefined },
    ]);
  });
});

describe('live-only items of keyed lists', () => {
  const pod = (containers: object[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ml' }, spec: { containers } });
  const app = { name: 'app', image: 'app:1' };
  const istio = { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.22.3', securityContext: { runAsUser: 1337, runAsNonRoot: true } };

  test('an injected sidecar is not a live-only field; it is named, never indexed', () => {
    const r = diffResources(pod([app]), pod([app, istio]), undefined);
    expect(r.changes).toEqual([]);
    expect(r.liveOnly).toEqual([]);
    expect((r as { injected?: string[] }).injected).toEqual(['/spec/containers/[name=istio-proxy]']);
  });

  test('strict mode reports every live-only field, by key; without it they are listed, not drift', () => {
    const desired = pod([{ ...app, env: [{ name: 'A', value: '1' }] }]);
    const edited = pod([{ ...app, env: [{ name: 'A', value: '1' }, { name: 'DEBUG', value: '1' }], imagePullPolicy: 'IfNotPresent', stdin: true }]);
    expect(diffResources(desired, edited, undefined).changes).toEqual([]);
    const strict = (diffResources as (d: unknown, l: unknown, a: unknown, o: object) => { changes: unknown[] })(desired, edited, undefined, { strict: true });
    expect(strict.changes).toEqual([
      { pointer: '/spec/containers/0/env/[name=DEBUG]', desired: undefined, live: { name: 'DEBUG', value: '1' }, note: 'live-only' },
      { pointer: '/spec/containers/0/stdin', desired: undefined, live: true, note: 'live-only' },
    ]);
    // kubectl annotate after kubectl apply: last-applied says "annotations": {}, which removes nothing and hides nothing.
    const applied = { apiVersion: 'v1', kind: 'Pod', metadata: { annotations: {}, name: 'p', namespace: 'ml' }, spec: { containers: [app] } };
    const annotated = { ...pod([app]), metadata: { name: 'p', namespace: 'ml', annotations: { owner: 'alice', [LAST_APPLIED]: applyJson(applied) } } };
    expect((diffResources as (d: unknown, l: unknown, a: unknown, o: object) => { changes: unknown[] })(pod([app]), annotated, applied, { strict: true }).changes).toEqual([
      { pointer: '/metadata/annotations/owner', desired: undefined, live: 'alice', note: 'live-only' },
    ]);
  });
});

describe('server defaults stay out of strict mode', () => {
  const strict = (desired: unknown, live: unknown) => (diffResources as (d: unknown, l: unknown, a: unknown, o: object) => { changes: unknown[] })(desired, live, undefined, { strict: true }).changes;

  test('probe, service account, Service, Namespace and Secret defaults the API server writes (as kubectl get -o json shows them)', () => {
    const probe = { httpGet: { path: '/healthz', port: 8080 } };
    const deploy = (spec: object, probeLive: object = probe) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'ml' }, spec: { template: { spec: { serviceAccountName: 'api', containers: [{ name: 'api', image: 'api:1', readinessProbe: probeLive }], ...spec } } } });
    const liveProbe = { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, failureThreshold: 3, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 };
    expect(strict(deploy({}), deploy({ serviceAccount: 'api' }, liveProbe))).toEqual([]);
    // A probe made laxer by hand is not a default.
    expect(strict(deploy({}), deploy({}, { ...liveProbe, failureThreshold: 30 }))).toEqual([{ pointer: '/spec/template/spec/containers/0/readinessProbe/failureThreshold', desired: undefined, live: 30, note: 'live-only' }]);
    const svc = (extra: object, port: object = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'ml' }, spec: { type: 'LoadBalancer', selector: { app: 'api' }, ports: [{ name: 'http', port: 80, ...port }], ...extra } });
    expect(strict(svc({}), svc({ allocateLoadBalancerNodePorts: true, externalTrafficPolicy: 'Cluster' }, { nodePort: 31234 }))).toEqual([]);
    expect(strict(svc({}), svc({ externalTrafficPolicy: 'Local' }))).toEqual([{ pointer: '/spec/externalTrafficPolicy', desired: undefined, live: 'Local', note: 'live-only' }]);
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } };
    expect(strict(ns, { ...ns, spec: { finalizers: ['kubernetes'] } })).toEqual([]);
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ml' }, data: { k: 'dg==' } };
    expect(strict(secret, { ...secret, type: 'Opaque' })).toEqual([]);
  });

  test('a StatefulSet\'s volume claim templates come back as whole PVC objects: apiVersion, kind and status.phase Pending', () => {
    const claim = { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } } } };
    const sts = (claims: object[]) => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'ollama', namespace: 'ml' }, spec: { serviceName: 'ollama', volumeClaimTemplates: claims } });
    const live = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', creationTimestamp: null }, spec: { ...claim.spec, volumeMode: 'Filesystem' }, status: { phase: 'Pending' } };
    expect(strict(sts([claim]), sts([live]))).toEqual([]);
    // A storage class set by hand is not a default.
    expect(strict(sts([claim]), sts([{ ...live, spec: { ...live.spec, storageClassName: 'fast' } }]))).toEqual([
      { pointer: '/spec/volumeClaimTemplates/0/spec/storageClassName', desired: undefined, live: 'fast', note: 'live-only' },
    ]);
  });
});

describe('snapshot formats and limits', () => {
  const dir = tempDir();
  const cm = (name: string, ns = 'a') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { k: 'v' } });
  const write = (name: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
    return name;
  };

  test('sniffed by content: a .yaml of JSON documents separated by --- is YAML; a .json holding YAML is YAML', async () => {
    write('docs.yaml', `${JSON.stringify(cm('x'))}\n---\n${JSON.stringify(cm('y'))}\n`);
    expect((await loadSnapshot('docs.yaml', dir)).objects.map((o) => o.id.name)).toEqual(['x', 'y']);
    write('yaml.json', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: z\n  namespace: a\n');
    expect((await loadSnapshot('yaml.json', dir)).objects.map((o) => o.id.name)).toEqual(['z']);
  });

  test('an empty List or a folder without objects is "the snapshot has no objects" (65), never "everything missing"', async () => {
    write('empty-list.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [], metadata: { resourceVersion: '' } }));
    await expect(loadSnapshot('empty-list.json', dir)).rejects.toMatchObject({ exitCode: 65, message: 'empty-list.json: the snapshot has no objects' });
    mkdirSync(path.join(dir, 'nothing'), { recursive: true });
    await expect(loadSnapshot('nothing', dir)).rejects.toMatchObject({ exitCode: 65, message: expect.stringMatching(/^nothing: the snapshot has no objects/) });
  });

  test('a List inside a List is unwrapped; items that is not a list is 65', async () => {
    write('nested.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'List', items: [cm('inner')] }, cm('outer')] }));
    expect((await loadSnapshot('nested.json', dir)).objects.map((o) => o.id.name)).toEqual(['inner', 'outer']);
    write('items-map.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: { a: cm('x') } }));
    await expect(loadSnapshot('items-map.json', dir)).rejects.toMatchObject({ exitCode: 65, message: 'items-map.json: "items" of a List is not a list' });
  });

  test('limits: 10,000-deep JSON, a self-referencing anchor, a device, an oversized file are 65 with a message', async () => {
    const deep = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","namespace":"a"},"data":${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}}`;
    write('deep.json', deep);
    await expect(loadSnapshot('deep.json', dir)).rejects.toMatchObject({ exitCode: 65, message: 'deep.json: live snapshot nests deeper than 200 levels (or a YAML anchor refers to itself)' });
    write('anchor.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loop, namespace: a}\ndata: &a {b: *a}\n');
    await expect(loadSnapshot('anchor.yaml', dir)).rejects.toMatchObject({ exitCode: 65, message: 'anchor.yaml:1:1: live snapshot is not valid YAML: document 1 cannot be expanded: an anchor contains an alias of itself, so it never ends' });
    await expect(loadSnapshot('/dev/zero', dir)).rejects.toMatchObject({ exitCode: 65, message: 'live snapshot /dev/zero is not a file (a device or special file)' });
    // A sparse file: 300 MB long, no disk used.
    const big = path.join(dir, 'big.json');
    writeFileSync(big, '');
    truncateSync(big, 300 * 1024 * 1024);
    await expect(loadSnapshot('big.json', dir)).rejects.toMatchObject({ exitCode: 65, message: 'big.json: live snapshot is 300 MB, over the 256 MB limit' });
  });
});

describe('positions of changed fields', () => {
  test('a document of a multi-document file is located on its own, at the same lines and columns as a parse of the whole file', () => {
    const dir = tempDir();
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: a, namespace: x}',
      'data:',
      '  k: v',
      '---',
      '# the second one',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: web',
      '          image: "web:1"',
      '          env: [{name: A, value: "1"}]',
      '--- {apiVersion: v1, kind: Service, metadata: {name: s}, spec: {ports: [{port: 80}]}}',
      '',
    ].join('\n');
    writeFileSync(path.join(dir, 'multi.yaml'), text);
    const parsed = parseConfigText('multi.yaml', text);
    const locatorFor = createDriftLocator(dir, true);
    const pointers = ['', '/data/k', '/spec/template/spec/containers/0/image', '/spec/template/spec/containers/0/env/0/value', '/spec/template/spec/containers/[name=istio-proxy]/image', '/spec/ports/0/port', '/metadata/name'];
    for (const doc of parsed.documents) {
      const locate = locatorFor(doc);
      for (const p of pointers) expect({ doc: doc.index, p, at: locate(p) }).toEqual({ doc: doc.index, p, at: doc.locate(p) });
    }
    // A file changed since it was read: the document's own locate answers.
    const docs = parseConfigText('multi.yaml', text).documents;
    writeFileSync(path.join(dir, 'multi.yaml'), text.replace('"web:1"', '"web:2"'));
    expect(createDriftLocator(dir, true)(docs[1]!)('/spec/template/spec/containers/0/image')).toEqual(docs[1]!.locate('/spec/template/spec/containers/0/image'));
  });
});

describe('what the API server keeps and resets, as kubectl apply leaves objects', () => {
  const deployment = (pod: object, container: object = {}, spec: object = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'ml' },
    spec: { selector: { matchLabels: { app: 'api' } }, ...spec, template: { metadata: { labels: { app: 'api' } }, spec: { ...pod, containers: [{ name: 'api', image: 'repo/api:1.0', ...container }] } } },
  });

  test('false in a pointer field is kept by the API server: live without it is drift (escalation allowed, the token mounted)', () => {
    const git = deployment({ automountServiceAccountToken: false }, { securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true } });
    const live = deployment({}, { securityContext: { runAsNonRoot: true } });
    expect(diffObjects(git, live, undefined)).toEqual([
      { pointer: '/spec/template/spec/automountServiceAccountToken', desired: false, live: undefined },
      { pointer: '/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', desired: false, live: undefined },
    ]);
    // A whole securityContext gone: its false fields too.
    expect(diffObjects(deployment({}, { securityContext: { allowPrivilegeEscalation: false } }), deployment({}), undefined)).toEqual([
      { pointer: '/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', desired: false, live: undefined },
    ]);
    // Go's omitted zero values stay unset: hostNetwork: false, a volume mount's readOnly: false never come back.
    expect(diffObjects(deployment({ hostNetwork: false }, { stdin: false, volumeMounts: [{ name: 'd', mountPath: '/d', readOnly: false }] }), deployment({}, { volumeMounts: [{ name: 'd', mountPath: '/d' }] }), undefined)).toEqual([]);
    expect(diffObjects(git, git, undefined)).toEqual([]);
  });

  test('a server default the old git overrode and git has since removed: apply resets it, so live still holding it is drift', () => {
    // Shaped as the API server returns the old manifest after kubectl apply (last-applied as kubectl writes it).
    const old = deployment({ terminationGracePeriodSeconds: 300, dnsPolicy: 'Default' }, { imagePullPolicy: 'Always' }, { replicas: 4, strategy: { type: 'Recreate' } });
    const live = deployment(
      { terminationGracePeriodSeconds: 300, dnsPolicy: 'Default', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {} },
      { imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} },
      { replicas: 4, strategy: { type: 'Recreate' }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
    );
    const removed = (pointer: string, value: unknown) => ({ pointer, desired: undefined, live: value, note: 'removed-in-git' });
    expect(diffObjects(deployment({}), live, old)).toEqual([
      removed('/spec/template/spec/containers/0/imagePullPolicy', 'Always'),
      removed('/spec/template/spec/terminationGracePeriodSeconds', 300),
      removed('/spec/template/spec/dnsPolicy', 'Default'),
      removed('/spec/replicas', 4),
      removed('/spec/strategy', { type: 'Recreate' }),
    ]);
    // Live already at the defaults (a :latest image pulls Always): nothing changes when apply removes them.
    const atDefaults = deployment(
      { terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst' },
      { image: 'repo/api:latest', imagePullPolicy: 'Always' },
      { replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } },
    );
    expect(diffObjects(deployment({}, { image: 'repo/api:latest' }), atDefaults, old)).toEqual([]);
    // A custom resource is stored as written: its fields have no such default (as before).
    expect(diffObjects({ ...deployment({}), apiVersion: 'ray.io/v1', kind: 'RayCluster' }, { ...live, apiVersion: 'ray.io/v1', kind: 'RayCluster' }, { ...old, apiVersion: 'ray.io/v1', kind: 'RayCluster' })).toEqual([]);
  });

  test('quantities the API server writes in canonical form: LimitRange limits and HPA metric targets', () => {
    const limits = (l: object) => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', ...l }] } });
    expect(diffObjects(limits({ default: { cpu: 0.5, memory: '1Gi' }, defaultRequest: { cpu: 0.25 }, max: { cpu: 2 } }), limits({ default: { cpu: '500m', memory: '1Gi' }, defaultRequest: { cpu: '250m' }, max: { cpu: '2' } }), undefined)).toEqual([]);
    const git = { spec: { metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1.5Gi' } } }, { type: 'Pods', pods: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: 0.5 } } }] } };
    const live = { spec: { metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1536Mi' } } }, { type: 'Pods', pods: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '500m' } } }] } };
    expect(diffObjects(git, live, undefined)).toEqual([]);
    expect(diffObjects(git, { spec: { metrics: [live.spec.metrics[0], { ...live.spec.metrics[1], pods: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '2' } } }] } }, undefined)).toEqual([
      { pointer: '/spec/metrics/1/pods/target/averageValue', desired: 0.5, live: '2' },
    ]);
  });

  test('a NetworkPolicy port without a port number (every port of a protocol) pairs by position', () => {
    const np = (ports: object[]) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: {}, ingress: [{ ports }] } });
    expect(diffObjects(np([{ protocol: 'TCP' }]), np([{ protocol: 'TCP' }]), undefined)).toEqual([]);
    expect(diffObjects(np([{ protocol: 'UDP' }]), np([{ protocol: 'TCP' }]), undefined)).toEqual([{ pointer: '/spec/ingress/0/ports/0/protocol', desired: 'UDP', live: 'TCP' }]);
  });

  test('Argo CD\'s tracking label, which it writes into what it applies, is neither removed from git nor a hand edit', () => {
    const git = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ml', labels: { team: 'ml' } }, data: { a: '1' } };
    const tracked = { ...git, metadata: { ...git.metadata, labels: { team: 'ml', 'app.kubernetes.io/instance': 'ml-apps' } } };
    expect(diffResources(git, tracked, tracked, { strict: true })).toEqual({ changes: [], liveOnly: [], injected: [] });
    const unlabelled = { ...git, metadata: { name: 'c', namespace: 'ml' } };
    expect(diffResources(unlabelled, { ...unlabelled, metadata: { ...unlabelled.metadata, labels: { 'app.kubernetes.io/instance': 'ml-apps' } } }, { ...unlabelled, metadata: { ...unlabelled.metadata, labels: { 'app.kubernetes.io/instance': 'ml-apps' } } }).changes).toEqual([]);
    // Set in git (a Helm chart's own label), it is compared.
    expect(diffObjects(tracked, { ...tracked, metadata: { ...tracked.metadata, labels: { team: 'ml', 'app.kubernetes.io/instance': 'other' } } }, undefined)).toEqual([
      { pointer: '/metadata/labels/app.kubernetes.io~1instance', desired: 'ml-apps', live: 'other' },
    ]);
  });

  test('an HPA applied as autoscaling/v1 is read back as autoscaling/v2: the CPU target is the same object', () => {
    const v1 = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'ml' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 } };
    const v2 = (utilization: number) => ({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'ml' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: utilization } } }] },
    });
    expect(diffObjects(inLiveVersion(v1, v2(70)), v2(70), v1)).toEqual([]);
    expect(diffObjects(inLiveVersion(v1, v2(95)), v2(95), v1)).toEqual([{ pointer: '/spec/metrics/0/resource/target/averageUtilization', desired: 70, live: 95 }]);
    // Without a target, v2 defaults to 80%.
    const { targetCPUUtilizationPercentage: _t, ...noTarget } = v1.spec;
    expect(diffObjects(inLiveVersion({ ...v1, spec: noTarget }, v2(80)), v2(80), undefined)).toEqual([]);
    // Read as v1, nothing is converted.
    expect(inLiveVersion(v1, v1)).toBe(v1);
  });

  test('strict mode: Job, CronJob, HPA, NetworkPolicy, claim and LimitRange defaults are not hand edits', () => {
    const strict = (desired: unknown, live: unknown) => diffResources(desired, live, undefined, { strict: true }).changes;
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ml' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'j', image: 'j:1' }] } } } };
    const uid = '5f1c2d4e-0000-4000-8000-000000000001';
    const liveJob = {
      ...job,
      spec: {
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        completions: 1,
        parallelism: 1,
        podReplacementPolicy: 'TerminatingOrFailed',
        manualSelector: false,
        suspend: false,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
        template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'j', 'controller-uid': uid, 'job-name': 'j' } }, spec: job.spec.template.spec },
      },
    };
    expect(strict(job, liveJob)).toEqual([]);
    expect(strict(job, { ...liveJob, spec: { ...liveJob.spec, backoffLimit: 100 } })).toEqual([{ pointer: '/spec/backoffLimit', desired: undefined, live: 100, note: 'live-only' }]);
    const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'ml' }, spec: { schedule: '0 * * * *', jobTemplate: { spec: job.spec } } };
    expect(strict(cron, { ...cron, spec: { ...cron.spec, concurrencyPolicy: 'Allow', failedJobsHistoryLimit: 1, successfulJobsHistoryLimit: 3, suspend: false, jobTemplate: { spec: { ...job.spec, backoffLimit: 6 } } } })).toEqual([]);
    const np = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n', namespace: 'ml' }, spec: { podSelector: {}, ingress: [{}] } };
    expect(strict(np, { ...np, spec: { ...np.spec, policyTypes: ['Ingress'] } })).toEqual([]);
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'ml' }, spec: { maxReplicas: 3 } };
    expect(strict(hpa, { ...hpa, spec: { ...hpa.spec, minReplicas: 1 } })).toEqual([]);
    const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'p', namespace: 'ml' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    expect(strict(pvc, { ...pvc, spec: { ...pvc.spec, storageClassName: 'standard', volumeName: 'pvc-5f1c2d4e', volumeMode: 'Filesystem' } })).toEqual([]);
    const lr = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l', namespace: 'ml' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '512Mi' } }] } };
    expect(strict(lr, { ...lr, spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '500m', memory: '512Mi' } }] } })).toEqual([]);
  });
});
