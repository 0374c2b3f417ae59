/**
 * The kustomize bench corpus: a base of 100 files × 5 objects (the check corpus's files) and a prod
 * overlay over it (namespace, name prefix, labels into selectors, an annotation patch on every
 * Deployment, a JSON 6902 patch, replicas); and beside it, the same 500 rendered objects written as
 * plain files, to compare rendering + checking with checking what the render produces.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { KustomizeFiles } from '../src/kustomize/files.js';
import { renderKustomization } from '../src/kustomize/render.js';
import { corpusFile } from './generate.js';

const FILES = 100;
const DOCS_PER_FILE = 5;

function commitAll(dir: string): void {
  const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@example.com' };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  execFileSync('git', ['add', '-A'], { cwd: dir, env });
  execFileSync('git', ['commit', '-q', '-m', 'corpus'], { cwd: dir, env });
}

function write(dir: string, rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
}

/** Writes the overlay tree into `overlayDir` and the rendered objects as plain files into `plainDir`; returns the number of objects. */
export async function generateOverlayCorpus(overlayDir: string, plainDir: string): Promise<number> {
  const resources: string[] = [];
  for (let f = 0; f < FILES; f++) {
    const rel = `app-${f}.yaml`;
    write(overlayDir, `apps/base/${rel}`, corpusFile(f, DOCS_PER_FILE, true));
    resources.push(rel);
  }
  write(overlayDir, 'apps/base/kustomization.yaml', `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((r) => `  - ${r}\n`).join('')}`);
  write(
    overlayDir,
    'apps/overlays/prod/kustomization.yaml',
    `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: prod
namePrefix: prod-
commonLabels:
  env: prod
commonAnnotations:
  owner: platform
resources:
  - ../../base
patches:
  - path: rollout.yaml
    target:
      kind: Deployment
  - target:
      kind: Service
    patch: |-
      - op: add
        path: /spec/sessionAffinity
        value: ClientIP
replicas:
  - name: app-0
    count: 3
`,
  );
  write(
    overlayDir,
    'apps/overlays/prod/rollout.yaml',
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: any
  annotations:
    rollout: canary
spec:
  revisionHistoryLimit: 5
`,
  );
  commitAll(overlayDir);

  const files: KustomizeFiles = {
    read: async (file) => (existsSync(path.join(overlayDir, file)) && statSync(path.join(overlayDir, file)).isFile() ? readFileSync(path.join(overlayDir, file)) : null),
    isDirectory: (dir) => existsSync(path.join(overlayDir, dir)) && statSync(path.join(overlayDir, dir)).isDirectory(),
  };
  const render = await renderKustomization('apps/overlays/prod', files);
  if (render.errors.length) throw new Error(`the bench overlay does not render: ${render.errors.map((e) => e.message).join('; ')}`);
  for (let f = 0; f < render.objects.length; f += DOCS_PER_FILE) {
    const docs = render.objects.slice(f, f + DOCS_PER_FILE).map((o) => stringify(o.data));
    write(plainDir, `rendered/part-${f / DOCS_PER_FILE}.yaml`, docs.join('---\n'));
  }
  commitAll(plainDir);
  return render.objects.length;
}
