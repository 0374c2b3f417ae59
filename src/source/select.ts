import path from 'node:path';
import picomatch from 'picomatch';
import { UsageError } from '../errors.js';

const CONFIG_EXTENSIONS = ['.yaml', '.yml', '.json'];
const DEFAULT_INCLUDE = ['**/*.yaml', '**/*.yml', '**/*.json'];
/** Not Kubernetes or compose configs, and often not strict JSON (comments in tsconfig). */
const DEFAULT_EXCLUDE = [
  '**/node_modules/**',
  '**/package-lock.json',
  '**/tsconfig*.json',
  '**/jsconfig*.json',
  '**/.vscode/**',
  '**/.devcontainer/**',
  '**/.devcontainer.json',
  // Tools' own settings that their tools read as JSON with comments (Renovate reads renovate.json as JSONC).
  '**/renovate.json',
  '**/.renovaterc.json',
  '**/.eslintrc.json',
  '**/biome.json',
  '**/deno.json',
  '**/turbo.json',
  '**/.markdownlint.json',
  // The tool's own files: its config and baseline are not manifests.
  '**/.aiopsrc',
  '**/.aiopsrc.json',
  '**/.aiopsrc.yaml',
  '**/.aiopsrc.yml',
  '**/.aiops-guard-baseline.json',
  // Rule cases of a user pack (`<pack>/cases/<rule-id>/pass*` and `fail*`, see `rules test`):
  // deliberately bad manifests that test the rules, not configs of the repository.
  '**/cases/*/pass*',
  '**/cases/*/fail*',
  '**/cases/*/pass*/**',
  '**/cases/*/fail*/**',
];

export interface Selection {
  /** Should this file be read? */
  wanted(rel: string): boolean;
  /** Can anything under this folder be wanted? Prunes the walk. */
  wantDir(rel: string): boolean;
  /** Path arguments that matched nothing (after the walk). */
  unmatched(): string[];
}

/** Turns path arguments (relative to `base`) into repository-relative paths. */
export function toRepoPaths(repoDir: string, base: string, args: readonly string[]): string[] {
  return args.map((arg) => {
    const rel = path.relative(repoDir, path.resolve(base, arg)).split(path.sep).join('/');
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new UsageError(`path "${arg}" is outside the repository ${repoDir}`, 'give paths inside the repository, or point -C at the repository that holds them');
    }
    return rel === '' ? '.' : rel;
  });
}

/**
 * A picomatch matcher for a list of globs that first asks a cheaper question: a glob made of literal
 * text, `*`, `?` and `/` only matches a path that contains its longest literal piece. When no glob of
 * the list can match that way, the answer is no without running the list's regular expressions (every
 * file and folder of the walk is asked, and the default exclude list holds fifteen). Any other glob
 * (braces, classes, extglobs, escapes, negation) always goes to picomatch.
 */
export function globMatcher(globs: readonly string[], options: picomatch.PicomatchOptions): (rel: string) => boolean {
  const match = picomatch([...globs], options);
  const needles: string[] = [];
  for (const glob of globs) {
    if (/[^\w.\-/*?~ ]/.test(glob)) return match;
    // `.` and `..` pieces are steps (picomatch drops a leading `./`), not text the path holds.
    const longest = glob.split(/[*?/]/).reduce((a, b) => (b.length > a.length && b !== '.' && b !== '..' ? b : a), '');
    if (longest === '') return match;
    needles.push(longest);
  }
  return (rel) => needles.some((n) => rel.includes(n)) && match(rel);
}

const hasConfigExtension = (rel: string) => CONFIG_EXTENSIONS.some((e) => rel.endsWith(e));

/** Decides which files are checked: include/exclude globs, then path arguments. */
export function createSelection(opts: { include?: readonly string[]; exclude?: readonly string[]; paths?: readonly string[] }): Selection {
  const include = globMatcher(opts.include?.length ? opts.include : DEFAULT_INCLUDE, { dot: true });
  const exclude = globMatcher([...DEFAULT_EXCLUDE, ...(opts.exclude ?? [])], { dot: true });
  const paths = (opts.paths ?? []).filter((p) => p !== '.');
  const wholeRepo = paths.length === 0 || (opts.paths ?? []).includes('.');
  const seen = new Set<string>();

  const underArg = (rel: string): string | null => {
    for (const p of paths) if (rel === p || rel.startsWith(p + '/')) return p;
    return null;
  };

  return {
    wanted(rel) {
      if (!wholeRepo) {
        const arg = underArg(rel);
        if (!arg) return false;
        seen.add(arg);
        // A file named on the command line is checked even if the globs would skip it.
        if (arg === rel) return hasConfigExtension(rel);
      }
      return include(rel) && !exclude(rel);
    },
    wantDir(rel) {
      if (exclude(`${rel}/\u0000`)) return false;
      if (wholeRepo) return true;
      for (const p of paths) {
        if (rel === p) seen.add(p);
        if (rel === p || rel.startsWith(p + '/') || p.startsWith(rel + '/')) return true;
      }
      return false;
    },
    unmatched: () => (wholeRepo ? [] : paths.filter((p) => !seen.has(p))),
  };
}
