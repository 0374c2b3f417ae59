import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

const SRC = path.resolve(process.cwd(), 'src');

/** Every module of src/ and the modules it imports (static, type-only and dynamic imports alike). */
function importGraph(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(SRC);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const specs = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms), ...text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1]!);
    const deps = specs.map((s) => path.join(path.dirname(f), s).replace(/\.js$/, '.ts')).filter((t) => fs.existsSync(t));
    graph.set(path.relative(SRC, f), deps.map((d) => path.relative(SRC, d)));
  }
  return graph;
}

/** Strongly connected components with more than one module (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('architecture', () => {
  it('has no import cycles in src/ (static, type-only or dynamic)', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('check/pipeline.ts')).toContain('check/worker.ts');
    expect(cycles(graph)).toEqual([]);
  });

  it('imports packages statically only when every run needs them (the CLI is one bundle: a static import loads on every run)', () => {
    const statics = new Map<string, string[]>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) {
          // Value imports of a package (not `import type`, not node: builtins, not our own modules).
          for (const m of fs.readFileSync(p, 'utf8').matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^'.][^']*)'/gms)) {
            if (m[1]!.startsWith('node:')) continue;
            statics.set(m[1]!, [...(statics.get(m[1]!) ?? []), path.relative(SRC, p)]);
          }
        }
      }
    };
    walk(SRC);
    // commander parses every command line; picomatch matches the file globs of every check.
    expect([...statics.keys()].sort()).toEqual(['commander', 'picomatch']);
  });

  it('finds a cycle when there is one', () => {
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']], ['c.ts', ['a.ts']]]))).toEqual([['a.ts', 'b.ts']]);
  });
});
