/**
 * Fails when the relative imports under src/ form a cycle (CONVENTIONS 13:
 * layering is checked, not hoped for). ESLint's import plugins need a native
 * resolver this project does not install, and a walk over `import … from './x.ts'`
 * is all the check needs: every import here is relative with an explicit
 * extension. Type-only imports (`import type`) are erased when Node runs the
 * code and are left out, as ESLint's no-cycle rule leaves them out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return sources(path);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [path] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+['"](\.{1,2}\/[^'"]+\.ts)['"]|^\s*import\s+['"](\.{1,2}\/[^'"]+\.ts)['"]|import\(\s*['"](\.{1,2}\/[^'"]+\.ts)['"]\s*\)/gm;

const graph = new Map<string, string[]>();
for (const file of sources(src)) {
  const text = readFileSync(file, 'utf8');
  const deps = [...text.matchAll(IMPORT)].map((m) => resolve(dirname(file), m[1] ?? m[2] ?? m[3]));
  graph.set(file, deps.filter((d) => d.startsWith(src)));
}

// Depth-first search with colours; the first back edge found is reported as a cycle.
const state = new Map<string, 'open' | 'done'>();
const stack: string[] = [];
const cycles: string[][] = [];
function visit(file: string): void {
  state.set(file, 'open');
  stack.push(file);
  for (const dep of graph.get(file) ?? []) {
    if (state.get(dep) === 'open') cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
    else if (!state.has(dep)) visit(dep);
  }
  stack.pop();
  state.set(file, 'done');
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);

if (cycles.length > 0) {
  for (const cycle of cycles) console.error(`import cycle: ${cycle.map((f) => relative(root, f)).join(' → ')}`);
  process.exit(1);
}
console.log(`no import cycles in ${graph.size} files`);
