// Files for write-ahead logs: durable positional writes, directory listing and sync, recycling.
// The store's WAL (osd/store/wal.ts) keeps its format and queueing; the system calls live here.

import { closeSync, constants, fsyncSync, openSync, readFileSync, readdirSync, renameSync, unlink, writev } from 'node:fs';

/** Opens (creating if needed) for writes that are durable when they return (O_DSYNC). */
export function openDurableWriter(path: string): number {
  return openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_DSYNC, 0o644);
}

/** One gathered write at `position`; `done` gets the byte count, or the error. */
export function writeGatheredAt(fd: number, buffers: readonly Buffer[], position: number, done: (error: Error | null, written: number) => void): void {
  writev(fd, buffers as Buffer[], position, (error, written) => done(error, written));
}

export function closeFile(fd: number): void {
  closeSync(fd);
}

/** Names in `dir`; an absent directory has none. */
export function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export function readWholeFile(path: string): Buffer {
  return readFileSync(path);
}

export function renameFile(from: string, to: string): void {
  renameSync(from, to);
}

/** Removes without waiting (freeing a large file's extents can take tens of milliseconds). */
export function removeFileInBackground(path: string): void {
  unlink(path, () => undefined);
}

/** Makes `dir`'s entries (creations, renames, removals) durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
