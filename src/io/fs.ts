// Scratch directories for tests and benchmarks of on-disk components (the object store).
// Lives in io/ because only io/ may touch node:fs.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty directory under the OS temp dir, named `<prefix>XXXXXX`. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Removes a directory tree; a missing path is not an error. */
export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Size in bytes of one file (e.g. lmdb's data.mdb, to check it does not bloat). */
export function fileSizeBytes(path: string): number {
  return statSync(path).size;
}
