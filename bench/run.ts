/**
 * Runs benchmarks: `npm run bench` runs every bench/<name>/main.ts in turn;
 * `npm run bench -- registry serving` runs the named ones. Each benchmark
 * prints ratios against a baseline it measures in the same run and writes
 * its figures to bench/results/<name>.json.
 */
import { readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'main.ts')))
  .map((d) => d.name);
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark: ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : available) {
  console.log(`\n== bench/${name} ==`);
  const result = spawnSync(process.execPath, [join(root, name, 'main.ts')], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
