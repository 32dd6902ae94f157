// The TypeScript modules form no import cycle (type-only imports count: they couple the modules all the same),
// and no comment points at a document outside the repository.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcRoot = path.join(repoRoot, 'src');

function filesUnder(dir, extensions) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full, extensions));
    else if (extensions.some((ext) => entry.name.endsWith(ext))) out.push(full);
  }
  return out;
}

/** The static imports and re-exports of a module (`import ... from`, `import type`, `export ... from`), resolved. */
export function importsOf(file, source) {
  const specifiers = [];
  const pattern = /^\s*(?:import|export)\s[^;'"]*?\sfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(pattern)) specifiers.push(m[1] ?? m[2]);
  return specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')));
}

/** Strongly connected components of more than one module, or a module importing itself (Tarjan). */
export function importCycles(graph) {
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const visit = (v) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), indices.get(w)));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return cycles;
}

test('the cycle finder finds a two-module cycle, a self-import and type-only imports, and passes a chain', () => {
  const a = '/x/a.ts';
  const b = '/x/b.ts';
  const c = '/x/c.ts';
  assert.deepEqual(importsOf(a, "import type { B } from './b.js';\nexport { C } from './c.js';\nimport 'node:fs';"), [
    b,
    c,
  ]);
  assert.deepEqual(
    importCycles(
      new Map([
        [a, [b]],
        [b, [a]],
        [c, []],
      ]),
    ),
    [[a, b]],
  );
  assert.deepEqual(importCycles(new Map([[a, [a]]])), [[a]]);
  assert.deepEqual(
    importCycles(
      new Map([
        [a, [b]],
        [b, [c]],
        [c, []],
      ]),
    ),
    [],
  );
});

test('src/ has no import cycle, type-only imports included', () => {
  const graph = new Map();
  for (const file of filesUnder(srcRoot, ['.ts'])) graph.set(file, importsOf(file, fs.readFileSync(file, 'utf8')));
  assert.ok(graph.size > 50, `found only ${graph.size} modules under src/`);
  const cycles = importCycles(graph).map((c) => c.map((f) => path.relative(srcRoot, f)).join(' <-> '));
  assert.deepEqual(cycles, []);
});

test('no source file cites SPEC.md, which is not in the repository', () => {
  const files = ['src', 'native', 'test', 'bench'].flatMap((dir) =>
    filesUnder(path.join(repoRoot, dir), ['.ts', '.js', '.mjs', '.cc', '.h', '.cu', '.cuh']),
  );
  const citing = files.filter(
    (f) => f !== fileURLToPath(import.meta.url) && /SPEC\.md/.test(fs.readFileSync(f, 'utf8')),
  );
  assert.deepEqual(
    citing.map((f) => path.relative(repoRoot, f)),
    [],
  );
});
