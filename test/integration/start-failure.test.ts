// A daemon that cannot start is reported at once by `sepia start`, with its own words.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listDaemons } from '../../src/cli/local-cluster.js';

const SEPIA = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sepia-startfail-'));
const conf = join(dir, 'sepia.conf');
const sepia = (...args: string[]) => spawnSync(process.execPath, [SEPIA, '-c', conf, ...args], { encoding: 'utf8', cwd: dir });

after(() => {
  for (const d of existsSync(conf) ? listDaemons(conf) : []) if (d.running && d.pid) process.kill(d.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('start fails at once, naming the OSD that exited and quoting its output, when a store cannot be opened', () => {
  const data = join(dir, 'sepia-data');
  assert.equal(sepia('start', '--data-dir', data, '--mon-port', '0').status, 0);
  assert.equal(sepia('stop').status, 0);
  // Not an lmdb file any more: osd.1 refuses to open it and exits.
  writeFileSync(join(data, 'osd.1', 'store.lmdb'), Buffer.alloc(64 * 1024, 0x5a));
  const started = Date.now();
  const r = sepia('start');
  const elapsed_ms = Date.now() - started;
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /osd\.1 exited during startup \(exit code 1\)/);
  assert.match(r.stderr, /osd\.1\.out/);
  assert.match(r.stderr, /is not an lmdb object store/);
  // The start timeout is 60 s; a dead daemon is noticed within a few polls.
  assert.ok(elapsed_ms < 30_000, `start took ${elapsed_ms} ms to report the dead OSD`);
  assert.equal(sepia('stop').status, 0);
});
