/**
 * Generates the benchmark corpus: a git repository of Kubernetes manifests with a mix of
 * kinds and some bad documents. Deterministic: same input, same files.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface CorpusSpec {
  files: number;
  docsPerFile: number;
}

function deployment(i: number, kind: string, bad: boolean): string {
  const podSpec = `      serviceAccountName: app-${i}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: ${1000 + (i % 50)}
        seccompProfile: { type: RuntimeDefault }
      containers:
        - name: app-${i}
          image: registry.example.com/team-${i % 17}/app-${i}:${bad ? 'latest' : `1.${i % 30}.${i % 7}@sha256:${String(i).padStart(64, '0')}`}
          args: ["--port", "8080", "--workers", "${1 + (i % 8)}"]
          ports:
            - containerPort: 8080
              name: http
          env:
            - name: LOG_LEVEL
              value: info
            - name: ${bad ? 'DB_PASSWORD' : 'DB_HOST'}
              value: ${bad ? 'hunter2-not-real' : `db-${i}.svc`}
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: "1", memory: 256Mi }
          securityContext:
            allowPrivilegeEscalation: false
            privileged: ${bad && i % 3 === 0 ? 'yes' : 'false'}
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          livenessProbe:
            httpGet: { path: /healthz, port: http }
          readinessProbe:
            httpGet: { path: /ready, port: http }
      volumes:
        - name: config
          configMap: { name: app-${i} }`;
  const apiVersion = kind === 'Job' ? 'batch/v1' : 'apps/v1';
  return `apiVersion: ${apiVersion}
kind: ${kind}
metadata:
  name: app-${i}
  namespace: team-${i % 17}
  labels:
    app.kubernetes.io/name: app-${i}
    app.kubernetes.io/part-of: platform
spec:
${kind === 'Job' ? '' : `  replicas: ${1 + (i % 3)}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: app-${i}\n`}  template:
    metadata:
      labels:
        app.kubernetes.io/name: app-${i}
    spec:
${kind === 'Job' ? '      restartPolicy: Never\n' : ''}${podSpec}
`;
}

function service(i: number): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: app-${i}
  namespace: team-${i % 17}
spec:
  selector:
    app.kubernetes.io/name: app-${i}
  ports:
    - name: http
      port: 80
      targetPort: http
`;
}

function configMap(i: number): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-${i}
  namespace: team-${i % 17}
data:
  LOG_FORMAT: json
  FEATURE_FLAGS: "a,b,c"
  settings.yaml: |
    server:
      port: 8080
      timeout: 30s
`;
}

function ingress(i: number, bad: boolean): string {
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app-${i}
  namespace: team-${i % 17}
spec:
  ingressClassName: nginx
${bad ? '' : `  tls:\n    - hosts: [app-${i}.example.com]\n      secretName: app-${i}-tls\n`}  rules:
    - host: app-${i}.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: { name: app-${i}, port: { number: 80 } }
`;
}

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'];

/** Writes the corpus and commits it; returns the number of documents. */
/** Path of corpus file number `f`. */
export const corpusPath = (f: number) => `team-${f % 17}/app-${f}/manifests.yaml`;

/** The text of corpus file number `f`; `withBad` puts in the usual one-in-ten bad workloads and ingresses. */
export function corpusFile(f: number, docsPerFile: number, withBad: boolean): string {
  const parts: string[] = [];
  for (let d = 0; d < docsPerFile; d++) {
    const i = f * docsPerFile + d;
    const bad = withBad && (i % 20 === 5 || i % 20 === 9);
    const pick = i % 5;
    parts.push(pick < 2 ? deployment(i, WORKLOADS[i % WORKLOADS.length]!, bad) : pick === 2 ? service(i) : pick === 3 ? configMap(i) : ingress(i, bad));
  }
  return parts.join('---\n');
}

export function generateCorpus(dir: string, spec: CorpusSpec): number {
  for (let f = 0; f < spec.files; f++) {
    const rel = corpusPath(f);
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), corpusFile(f, spec.docsPerFile, true));
  }
  const docs = spec.files * spec.docsPerFile;
  const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@example.com' };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  execFileSync('git', ['add', '-A'], { cwd: dir, env });
  execFileSync('git', ['commit', '-q', '-m', 'corpus'], { cwd: dir, env });
  return docs;
}

/**
 * Writes a live snapshot of the corpus as `kubectl get -o json` would: every document with
 * server-set fields and defaults, and `driftPercent` of them changed in the cluster.
 */
export function generateSnapshot(dir: string, out: string, driftPercent: number): { objects: number; drifted: number } {
  const items: unknown[] = [];
  let drifted = 0;
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.yaml'));
  for (const f of files.sort((a, b) => (path.join(a.parentPath, a.name) < path.join(b.parentPath, b.name) ? -1 : 1))) {
    for (const doc of parseAllDocuments(readFileSync(path.join(f.parentPath, f.name), 'utf8'), { version: '1.1' })) {
      // The generator pokes at arbitrary manifest shapes; typing them would add nothing here.
      const o = doc.toJS() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      const n = items.length;
      o.metadata = { ...o.metadata, uid: `uid-${n}`, resourceVersion: String(100000 + n), generation: 2, creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [{ manager: 'argocd', operation: 'Apply' }] };
      const pod = o.spec?.template?.spec;
      if (pod) {
        pod.dnsPolicy = 'ClusterFirst';
        pod.restartPolicy ??= 'Always';
        for (const c of pod.containers) {
          c.terminationMessagePath = '/dev/termination-log';
          c.imagePullPolicy ??= 'IfNotPresent';
          for (const p of c.ports ?? []) p.protocol = 'TCP';
        }
        o.status = { replicas: o.spec.replicas ?? 1, readyReplicas: o.spec.replicas ?? 1 };
      }
      if (o.kind === 'Service') Object.assign(o.spec, { clusterIP: `10.96.${n % 250}.${n % 200}`, type: 'ClusterIP', sessionAffinity: 'None' });
      if (n % Math.round(100 / driftPercent) === 3) {
        drifted++;
        if (o.kind === 'ConfigMap') o.data.LOG_FORMAT = 'text';
        else if (o.spec && 'replicas' in o.spec) o.spec.replicas += 2;
        else if (o.kind === 'Service') o.spec.ports[0].port = 8080;
        else o.metadata.labels = { ...o.metadata.labels, 'app.kubernetes.io/part-of': 'hand-edited' };
      }
      items.push(o);
    }
  }
  writeFileSync(out, JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items }));
  return { objects: items.length, drifted };
}

/**
 * Writes a history with `git fast-import` (fast, and no work tree needed): a clean corpus of
 * `files` files, then `commits` commits each changing 1-3 files, one of which, `badAt` commits
 * before the last, makes a workload privileged for good. The work tree is then checked out.
 */
export function generateHistory(dir: string, spec: { files: number; docsPerFile: number; commits: number; badAt: number }): { badCommit: number } {
  const chunks: string[] = [];
  const blob = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const commitHeader = (n: number, message: string) =>
    `commit refs/heads/main\nauthor bench <b@example.com> ${1767225600 + n * 60} +0000\ncommitter bench <b@example.com> ${1767225600 + n * 60} +0000\n${blob(message)}`;
  chunks.push(commitHeader(0, 'corpus'));
  for (let f = 0; f < spec.files; f++) chunks.push(`M 100644 inline ${corpusPath(f)}\n${blob(corpusFile(f, spec.docsPerFile, false))}`);
  const badCommit = spec.commits - spec.badAt;
  const badFile = 7;
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let n = 1; n <= spec.commits; n++) {
    const touched = new Set<number>();
    const count = 1 + (next() % 3);
    while (touched.size < count) {
      const f = next() % spec.files;
      if (f !== badFile) touched.add(f);
    }
    if (n === badCommit) touched.add(badFile);
    chunks.push(commitHeader(n, n === badCommit ? `debug: run app-${badFile} privileged` : `bump ${[...touched].map((f) => `app-${f}`).join(', ')}`));
    for (const f of touched) {
      let text = corpusFile(f, spec.docsPerFile, false).replace(/replicas: (\d+)/, `replicas: ${1 + (n % 5)}`);
      if (f === badFile) text = text.replace('privileged: false', 'privileged: true');
      chunks.push(`M 100644 inline ${corpusPath(f)}\n${blob(text)}`);
    }
  }
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: chunks.join(''), maxBuffer: 1 << 30 });
  execFileSync('git', ['checkout', '-q', '-f', 'main'], { cwd: dir });
  return { badCommit };
}
