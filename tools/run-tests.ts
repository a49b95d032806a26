// Runs every compiled *.test.js under dist/ with node's built-in test runner, so CI reads the
// runner's own closing lines. `--only PATTERN` narrows to files whose path contains PATTERN.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const DIST = new URL('..', import.meta.url).pathname;
const MAX_DEPTH = 12;

function findTests(dir: string, depth: number, out: string[]): void {
  if (depth > MAX_DEPTH) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, depth + 1, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
}

const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
const files: string[] = [];
for (const top of ['src', 'test', 'sim', 'tools', 'examples']) {
  try {
    findTests(join(DIST, top), 0, files);
  } catch {
    // a layer without tests yet
  }
}
const selected = files.filter((f) => only === undefined || relative(DIST, f).includes(only)).sort();
if (selected.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...selected], { stdio: 'inherit' });
process.exit(result.status ?? 1);
