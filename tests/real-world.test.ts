import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import type { Report } from '../src/report/types.js';
import { PACKAGE_ROOT } from '../src/rules/load.js';
import { cleanup, makeRepo, runCli } from './helpers/repo.js';
import { readdirSync, readFileSync } from 'node:fs';

afterAll(cleanup);

/**
 * The packs on manifests written in the style of popular charts. Every finding here was
 * reviewed by eye (see fixtures/real-world/README.md); a change to this list is a change in
 * what users see on real repositories, and must be reviewed again.
 */
test('findings on chart-style manifests are exactly the reviewed ones', () => {
  const dir = path.join(PACKAGE_ROOT, 'fixtures', 'real-world');
  const files = Object.fromEntries(readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
  const repo = makeRepo(files);
  const r = runCli(['check', '-f', 'json', '--fail-on', 'info'], { cwd: repo });
  const report = JSON.parse(r.stdout) as Report;
  expect(report.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`)).toEqual([
    // No service sets no-new-privileges or a read-only root: low findings on each of the four.
    'docker-compose.yml:3:3 compose-no-new-privileges',
    'docker-compose.yml:3:3 compose-read-only',
    'docker-compose.yml:16:3 compose-no-new-privileges',
    'docker-compose.yml:16:3 compose-read-only',
    // open-webui:main is rebuilt from every commit to main: a moving alias, as latest is.
    'docker-compose.yml:17:12 compose-image-latest',
    'docker-compose.yml:25:3 compose-no-new-privileges',
    'docker-compose.yml:25:3 compose-read-only',
    // Published on all interfaces: anyone on the network reaches the vector store.
    'docker-compose.yml:28:9 compose-database-port-exposed',
    'docker-compose.yml:31:3 compose-no-new-privileges',
    'docker-compose.yml:31:3 compose-read-only',
    'docker-compose.yml:35:26 compose-env-literal-secret',
    // The controller needs to read TLS secrets and to be a LoadBalancer: true findings to waive with a reason.
    'ingress-nginx.yaml:15:5 k8s-rbac-secrets-access',
    // ...and the binding is what grants it (relation: the ClusterRole lists secrets cluster-wide).
    'ingress-nginx.yaml:44:9 rel-binding-grants-secrets',
    'ingress-nginx.yaml:56:9 k8s-service-exposed',
    'ingress-nginx.yaml:78:5 k8s-automount-sa-token',
    // No NetworkPolicy in any of these namespaces (node-exporter runs on the host network, where policies do not apply).
    'ingress-nginx.yaml:78:5 rel-netpol-no-default-deny',
    'ingress-nginx.yaml:103:37 k8s-readonly-root-fs',
    'ingress-nginx.yaml:123:11 k8s-missing-cpu-limit',
    'ingress-nginx.yaml:123:11 k8s-missing-memory-limit',
    // The predictor is a pod spec like a Deployment's: nothing in it turns off the service account token or names an
    // account, and its model container sets no securityContext (whatever a ServingRuntime adds is not in git).
    'kserve-predictor.yaml:10:3 k8s-automount-sa-token',
    'kserve-predictor.yaml:10:3 k8s-default-service-account',
    'kserve-predictor.yaml:10:3 rel-netpol-no-default-deny',
    'kserve-predictor.yaml:10:3 rel-netpol-unselected-ai-workload',
    'kserve-predictor.yaml:13:5 k8s-capabilities-not-dropped',
    'kserve-predictor.yaml:13:5 k8s-privilege-escalation',
    'kserve-predictor.yaml:13:5 k8s-readonly-root-fs',
    'kserve-predictor.yaml:13:5 k8s-run-as-root',
    'kserve-predictor.yaml:13:5 k8s-seccomp-profile',
    // hf:// without :<commit>: each new pod downloads whatever the hub's main branch holds then.
    'kserve-predictor.yaml:19:19 ai-hf-storage-uri-unpinned',
    // The chart's ServiceAccount is in another file of the chart, not in this repository.
    'prometheus-node-exporter.yaml:26:27 rel-service-account-missing',
    'prometheus-node-exporter.yaml:28:11 k8s-missing-cpu-limit',
    'prometheus-node-exporter.yaml:28:11 k8s-missing-memory-limit',
    'prometheus-node-exporter.yaml:28:11 k8s-missing-requests',
    'prometheus-node-exporter.yaml:28:11 k8s-seccomp-profile',
    'prometheus-node-exporter.yaml:29:18 k8s-image-not-pinned',
    'prometheus-node-exporter.yaml:37:11 k8s-capabilities-not-dropped',
    'prometheus-node-exporter.yaml:37:11 k8s-privilege-escalation',
    // node-exporter shares the host network and PID namespace and reads /proc, /sys and / by design.
    'prometheus-node-exporter.yaml:54:20 k8s-host-namespaces',
    'prometheus-node-exporter.yaml:55:16 k8s-host-namespaces',
    'prometheus-node-exporter.yaml:62:11 k8s-hostpath-volume',
    'prometheus-node-exporter.yaml:64:11 k8s-hostpath-volume',
    'prometheus-node-exporter.yaml:67:29 k8s-hostpath-sensitive',
    // A hardened vLLM deployment: no NetworkPolicy selects the model server, its ServiceAccount is not in the repository, and the tag-not-digest note.
    'vllm.yaml:16:5 rel-netpol-no-default-deny',
    'vllm.yaml:16:5 rel-netpol-unselected-ai-workload',
    'vllm.yaml:17:27 rel-service-account-missing',
    'vllm.yaml:26:18 k8s-image-not-pinned',
  ]);
  expect(report.summary.files).toBe(5);
  expect(report.summary.documents).toBe(11);
});
