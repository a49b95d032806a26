// File helpers for daemons and the CLI: config files, pid files, data directories.
import { closeSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { readFile, writeFile, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RadosError } from '../core/errors.js';
import { Config, parseConf } from '../core/config.js';

export { existsSync, readFile, writeFile };

export function ensureDir(path: string): void {
  mkdirSync(path, { recursive: true });
}

/** Writes atomically (temp file + rename) so a crash never leaves a half-written file. */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  ensureDir(dirname(path));
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function removePath(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Loads sepia.conf for one entity; ENOENT if the file is missing (Ceph's global_init wording is the CLI's job). */
export function loadConfig(
  path: string,
  entity: { type: 'mon' | 'osd' | 'client'; id: string },
  overrides: ReadonlyMap<string, string> = new Map(),
): Config {
  const text = readTextIfExists(path);
  if (text === undefined) throw RadosError.from('ENOENT', `unable to open config file ${path}`);
  return new Config(parseConf(text), entity, overrides);
}

/** Filesystem capacity under a path, for `df` and status. */
export async function diskUsage(path: string): Promise<{ totalBytes: number; availBytes: number }> {
  const s = await statfs(path);
  return { totalBytes: s.blocks * s.bsize, availBytes: s.bavail * s.bsize };
}

/** The first `bytes` bytes of a regular file (fewer if it is shorter); undefined if there is none. */
export function readFilePrefix(path: string, bytes: number): Buffer | undefined {
  let fd: number;
  try {
    if (!statSync(path).isFile()) return undefined;
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}
