/**
 * The import graph of the production code (src, commands, charts, store), read with a real
 * TypeScript parser: no file cycles, and data walks one way (connector → sync → store →
 * metrics → chart/view → delivery). Type-only imports count: a type import is still a
 * dependency a reader has to follow.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSync } from 'oxc-parser';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TREES = ['src', 'commands', 'charts', 'store'];

/** [from, to] path prefixes (relative to the repo root) that must never import each other. */
const FORBIDDEN: { from: string; to: string; why: string }[] = [
  { from: 'src/jobs/', to: 'src/cli/', why: 'jobs run without the CLI; share code through src/ modules, not cli/' },
  { from: 'src/sync/', to: 'src/connectors/', why: 'the engine reads connectors only through src/sync/connector.ts' },
  { from: 'store/', to: 'src/connectors/', why: 'row types live in src/model/' },
  { from: 'src/metrics/', to: 'src/connectors/', why: 'row types live in src/model/' },
  { from: 'src/model/', to: 'src/connectors/', why: 'the model is shared by every layer and imports none of them' },
  { from: 'src/model/', to: 'store/', why: 'the model is shared by every layer and imports none of them' },
  { from: 'store/', to: 'commands/', why: 'data walks one way' },
  { from: 'src/delivery/', to: 'commands/', why: 'delivery is below the slash commands' },
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

const MODULE_NODES = new Set(['ImportDeclaration', 'ExportNamedDeclaration', 'ExportAllDeclaration', 'ImportExpression', 'TSImportType']);

/** Every module specifier a file names: imports, re-exports, import() and import('…').Type. */
function specifiers(file: string, text: string): string[] {
  const { program, errors } = parseSync(file, text);
  if (errors.length) throw new Error(`${file}: ${errors[0]?.message}`);
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const n = node as { type?: string; source?: { value?: unknown } };
    if (n.type && MODULE_NODES.has(n.type) && typeof n.source?.value === 'string') found.push(n.source.value);
    for (const value of Object.values(node)) if (value && typeof value === 'object') walk(value);
  };
  walk(program);
  return found;
}

/** Project-relative path of the .ts file a relative specifier names, or null for packages. */
function resolve(fromFile: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const abs = path.resolve(path.dirname(fromFile), spec);
  for (const candidate of [abs.replace(/\.js$/, '.ts'), abs, `${abs}.ts`, path.join(abs, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return path.relative(ROOT, candidate).split(path.sep).join('/');
  }
  return path.relative(ROOT, abs).split(path.sep).join('/');
}

function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const tree of TREES) {
    for (const file of sourceFiles(path.join(ROOT, tree))) {
      const key = path.relative(ROOT, file).split(path.sep).join('/');
      const deps = new Set<string>();
      for (const spec of specifiers(file, readFileSync(file, 'utf8'))) {
        const target = resolve(file, spec);
        if (target && target !== key) deps.add(target);
      }
      graph.set(key, deps);
    }
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan), each sorted. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, idx.get(w) ?? 0));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('import graph', () => {
  const graph = importGraph();

  it('covers the whole production tree', () => {
    for (const tree of TREES) expect([...graph.keys()].filter((f) => f.startsWith(`${tree}/`)).length, tree).toBeGreaterThan(3);
    // Spot checks that edges (including type-only and import('…') types) are seen.
    expect(graph.get('src/sync/engine.ts')).toContain('src/sync/connector.ts');
    expect(graph.get('store/deals.ts')).toContain('src/model/rows.ts');
    expect(graph.get('src/jobs/scheduler.ts')).toContain('src/jobs/context.ts');
  });

  it('every relative import names a file that exists', () => {
    const missing = [...graph].flatMap(([from, deps]) => [...deps].filter((d) => !existsSync(path.join(ROOT, d))).map((d) => `${from} → ${d}`));
    expect(missing).toEqual([]);
  });

  it('has no file cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('imports follow the data', () => {
    const violations: string[] = [];
    for (const [from, deps] of graph) {
      for (const to of deps) {
        for (const rule of FORBIDDEN) {
          if (from.startsWith(rule.from) && to.startsWith(rule.to)) violations.push(`${from} → ${to}: ${rule.why}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find a cycle, and only the files on it', () => {
    const g = new Map<string, Set<string>>([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a', 'd'])],
      ['d', new Set()],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
  });

  it('see type-only imports, re-exports, dynamic imports and import types', () => {
    const text = [
      "import type { A } from './a.js';",
      "export { b } from './b.js';",
      "export * from './c.js';",
      "const d = await import('./d.js');",
      "let e: import('./e.js').E;",
    ].join('\n');
    expect(specifiers('x.ts', text)).toEqual(['./a.js', './b.js', './c.js', './d.js', './e.js']);
  });
});
