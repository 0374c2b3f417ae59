import path from 'node:path';
import { parseConfigText } from '../parse/documents.js';
import { resolveIn, type KustomizeFiles } from './files.js';
import { isMap } from './provenance.js';

/** The file names kustomize reads as a folder's kustomization. */
export const KUSTOMIZATION_NAMES: ReadonlySet<string> = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

/** A file kustomize reads as a kustomization (the listing of a run includes the extensionless `Kustomization` for this). */
export function isKustomizationFile(file: string): boolean {
  // The last segment of a repository path (always `/`-separated): asked of every file of a run.
  return KUSTOMIZATION_NAMES.has(file.slice(file.lastIndexOf('/') + 1));
}

/** The folders of a snapshot that hold a kustomization, each with its kustomization file (the first name kustomize tries). */
export function kustomizationDirs(paths: readonly string[]): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const p of paths) {
    if (!isKustomizationFile(p)) continue;
    const dir = path.posix.dirname(p) === '.' ? '' : path.posix.dirname(p);
    if (!dirs.has(dir)) dirs.set(dir, p);
  }
  return dirs;
}

/**
 * The kustomizations to render: every folder of `dirs` (see kustomizationDirs) that no other
 * kustomization includes (through resources, bases or components) and that is not a Component.
 * A kustomization that cannot be read is still a target, so its render reports why.
 */
export async function findLeafKustomizations(dirs: ReadonlyMap<string, string>, files: KustomizeFiles): Promise<string[]> {
  const included = new Set<string>();
  const components = new Set<string>();
  for (const [dir, file] of dirs) {
    const bytes = await files.read(file);
    if (bytes === null) continue;
    const parsed = parseConfigText(file, new TextDecoder().decode(bytes), undefined, { asWritten: true });
    const data = parsed.documents[0]?.data;
    if (!isMap(data)) continue;
    if (data.kind === 'Component') components.add(dir);
    for (const field of ['resources', 'bases', 'components']) {
      const entries = data[field];
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        if (typeof entry !== 'string') continue;
        const target = resolveIn(dir, entry);
        if (target !== null && dirs.has(target)) included.add(target);
      }
    }
  }
  return [...dirs.keys()].filter((d) => !included.has(d) && !components.has(d)).sort();
}
