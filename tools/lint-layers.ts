// Layering lint (DESIGN.md §2): dependencies point down, pure layers stay pure, only src/io
// touches sockets, files, timers and randomness, and there are no import cycles.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const SRC = join(ROOT, 'src');

/** Layer of a file: its first folder under src/, or the two-level folder for mon/ and osd/. */
function layerOf(rel: string): string {
  const parts = rel.split('/');
  if ((parts[0] === 'mon' || parts[0] === 'osd' || parts[0] === 'cls') && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return parts[0] ?? '';
}

/** Which layers each layer may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  codec: ['core'],
  io: ['core', 'codec'],
  msg: ['core', 'codec', 'io'],
  placement: ['core', 'codec'],
  'mon/maps': ['core', 'codec', 'placement'],
  'mon/consensus': ['core', 'codec'],
  proto: ['core', 'codec', 'placement', 'mon/maps', 'osd/ops'],
  mon: ['core', 'codec', 'io', 'msg', 'proto', 'placement', 'mon/maps', 'mon/consensus'],
  'osd/ops': ['core', 'codec'],
  'osd/pg': ['core', 'codec', 'placement', 'osd/ops'],
  'osd/store': ['core', 'codec', 'io', 'osd/ops'],
  'osd/replication': ['core', 'codec', 'proto', 'osd/ops', 'osd/pg', 'osd/store'],
  'osd/watch': ['core', 'codec'],
  'cls/lua': ['core', 'codec', 'osd/ops'],
  'cls/builtin': ['core', 'codec', 'osd/ops'],
  cls: ['core', 'codec', 'osd/ops', 'cls/lua', 'cls/builtin'],
  osd: ['core', 'codec', 'io', 'msg', 'proto', 'placement', 'mon/maps', 'osd/ops', 'osd/pg', 'osd/store', 'osd/replication', 'osd/watch', 'cls', 'cls/lua', 'cls/builtin'],
  client: ['core', 'codec', 'io', 'msg', 'proto', 'placement', 'mon/maps', 'osd/ops'],
  cli: ['core', 'codec', 'io', 'msg', 'proto', 'placement', 'mon/maps', 'mon', 'osd/ops', 'osd/store', 'osd', 'client', 'cls'],
  'index.ts': ['core', 'client', 'osd/ops', 'placement'],
};

/** Layers that must stay free of I/O and nondeterminism (the simulator drives them). */
const PURE = new Set(['core', 'codec', 'placement', 'mon/maps', 'mon/consensus', 'osd/ops', 'osd/pg', 'osd/watch']);
const IO_MODULES = /^node:(net|fs|fs\/promises|dgram|child_process|http|https|timers|timers\/promises)$/;
const IO_GLOBALS = /\b(Date\.now|Math\.random|setTimeout|setInterval|setImmediate|performance\.now|crypto\.randomBytes)\s*\(/;
const IO_LAYERS_EXTRA = new Set(['io', 'cli', 'cls/lua']); // may touch the outside world directly

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
}

const files: string[] = [];
walk(SRC, files);
const problems: string[] = [];
const graph = new Map<string, string[]>();

for (const file of files) {
  const rel = relative(SRC, file);
  const layer = layerOf(rel);
  const text = readFileSync(file, 'utf8');
  const edges: string[] = [];
  const importRe = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? '';
    // Type-only imports vanish at run time: they may not cross layers, but they make no cycle.
    const typeOnly = /^(?:import|export)\s+type\s/.test(m[0]);
    if (spec.startsWith('.')) {
      const target = relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
      if (target.startsWith('..')) {
        problems.push(`${rel}: imports ${spec}, outside src/ (src never imports sim/ or test/)`);
        continue;
      }
      if (!typeOnly) edges.push(target);
      const targetLayer = layerOf(target);
      if (targetLayer !== layer && !(ALLOWED[layer] ?? []).includes(targetLayer)) {
        problems.push(`${rel}: layer '${layer}' may not import layer '${targetLayer}' (${spec})`);
      }
    } else if (IO_MODULES.test(spec) && !IO_LAYERS_EXTRA.has(layer)) {
      problems.push(`${rel}: only src/io may import ${spec}`);
    } else if (PURE.has(layer) && spec.startsWith('node:') && !/^node:(buffer|crypto|util|assert)$/.test(spec)) {
      problems.push(`${rel}: pure layer '${layer}' imports ${spec}`);
    }
  }
  if (PURE.has(layer)) {
    const code = text.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    const hit = IO_GLOBALS.exec(code);
    if (hit) problems.push(`${rel}: pure layer '${layer}' calls ${hit[1]} (inject a Clock/Rng instead)`);
  }
  graph.set(rel, edges);
}

// Cycle check over files (DFS with colours).
const colour = new Map<string, number>();
const stack: string[] = [];
function visit(node: string): void {
  colour.set(node, 1);
  stack.push(node);
  for (const next of graph.get(node) ?? []) {
    if (!graph.has(next)) continue;
    const c = colour.get(next) ?? 0;
    if (c === 1) problems.push(`import cycle: ${[...stack.slice(stack.indexOf(next)), next].join(' -> ')}`);
    else if (c === 0) visit(next);
  }
  stack.pop();
  colour.set(node, 2);
}
for (const node of graph.keys()) if ((colour.get(node) ?? 0) === 0) visit(node);

if (problems.length > 0) {
  for (const p of problems) console.error(`lint-layers: ${p}`);
  console.error(`lint-layers: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`lint-layers: ${files.length} files, layering and purity rules hold`);
