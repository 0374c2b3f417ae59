import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { cleanup, commit, makeRepo, tempDir } from '../helpers/repo.js';
import { runCliLimited } from './helpers.js';

afterAll(cleanup);

/**
 * Names every JavaScript object inherits. A lookup table written as an object literal answers for
 * them (`table[kind]` is Object itself for kind "constructor"): a document of kind constructor made
 * `drift` stop with an internal error (exit 70). Every name a user writes is one of them here: kinds,
 * label values, container, env and service names, program words, rule ids in waivers, roles.
 */
const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

function manifests(n: string): string {
  return `apiVersion: v1
kind: ${n}
metadata:
  name: odd
  namespace: apps
spec:
  scaleTargetRef: { kind: Deployment, name: web }
  selector: { app: "${n}" }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: hpa, namespace: apps }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: "${n}", name: web }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
  annotations:
    aiops-guard.io/ignore.${n}: "a reason"
spec:
  replicas: 2
  selector: { matchLabels: { app: "${n}" } }
  template:
    metadata: { labels: { app: "${n}" } }
    spec:
      serviceAccountName: "${n}"
      containers:
        - name: "${n}"
          image: "${n}:1.0"
          command: ["${n}", "-u", "user:pw", "-p", "x", "-a", "y"]
          args: ["sh", "-c", "${n} -a z && env ${n}=1 ${n} --header 'Authorization: Bearer t'"]
          env: [{ name: "${n}", value: "${n}" }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: apps }
spec:
  type: LoadBalancer
  selector: { app: "${n}" }
  ports: [{ port: 80 }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: rb, namespace: apps }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: "${n}" }
subjects: [{ kind: ServiceAccount, name: "${n}", namespace: apps }]
`;
}

function compose(n: string): string {
  return `services:
  ${n}:
    image: "${n}:1.0"
    command: "${n} -a secret-ish --${n} x"
    environment:
      ${n}: "${n}"
    labels:
      ${n}: "${n}"
`;
}

function kustomization(n: string): Record<string, string> {
  return {
    'k/kustomization.yaml': `resources: [r.yaml]\nnamePrefix: p-\nlabels:\n  - pairs: { app: "${n}" }\npatches:\n  - patch: |-\n      apiVersion: v1\n      kind: ${n}\n      metadata: { name: x }\n      spec: { a: 1 }\n`,
    'k/r.yaml': `apiVersion: v1\nkind: ${n}\nmetadata: { name: x }\nspec: { a: 2, b: 3 }\n`,
  };
}

/** A live snapshot of the same objects, as `kubectl get -o json` lists them. */
function snapshot(n: string): string {
  const items = [
    { apiVersion: 'v1', kind: n, metadata: { name: 'odd', namespace: 'apps' }, spec: { a: 1 } },
    { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'hpa', namespace: 'apps' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: n, name: 'web' } } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'apps', labels: { [n]: n } }, spec: { replicas: 3, template: { spec: { containers: [{ name: n, image: `${n}:1.0` }] } } } },
  ];
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

describe('names JavaScript objects inherit are names like any other', () => {
  for (const n of NAMES) {
    test(`${n}: check, check of a kustomize target, drift and rollback finish with a verdict, never an internal error`, () => {
      const dir = makeRepo({ 'apps/odd.yaml': manifests(n), 'docker-compose.yml': compose(n), ...kustomization(n) });
      commit(dir, { 'apps/odd.yaml': manifests(n).replace('replicas: 2', 'replicas: 3') }, 'scale');
      const live = path.join(tempDir(), 'live.json');
      writeFileSync(live, snapshot(n));
      const runs = [
        ['check', '--no-cache', '-f', 'json'],
        ['check', '--no-cache', '-f', 'json', '--target', 'k'],
        ['drift', '--no-cache', '-f', 'json', '--live', live],
        ['rollback', '--no-cache', '-f', 'json'],
      ];
      for (const args of runs) {
        const r = runCliLimited(args, { cwd: dir });
        const verdict = { args: args.join(' '), code: r.code, internal: /internal error|\n\s+at /.test(r.stderr) };
        expect(verdict).toEqual({ args: args.join(' '), code: expect.any(Number), internal: false });
        expect([0, 1, 2, 3]).toContain(r.code);
        expect(() => JSON.parse(r.stdout)).not.toThrow();
      }
    });
  }
});
