// `sepia start | stop | status` as a user runs them: separate processes, a fresh directory,
// a second start that reuses the cluster, and a clean stop/start that keeps every object.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rados } from '../../src/client/rados.js';
import { DAEMON_NODE_ARGS, listDaemons } from '../../src/cli/local-cluster.js';

const SEPIA = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('local cluster lifecycle through the sepia command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sepia-life-'));
  const conf = join(dir, 'sepia.conf');
  const sepia = (...args: string[]) => spawnSync(process.execPath, [SEPIA, '-c', conf, ...args], { encoding: 'utf8', cwd: dir });

  after(() => {
    for (const d of existsSync(conf) ? listDaemons(conf) : []) if (d.running && d.pid) process.kill(d.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('start creates sepia.conf and the data directory, then prints a healthy status', () => {
    const r = sepia('start', '--data-dir', join(dir, 'sepia-data'), '--mon-port', '0');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /health: HEALTH_OK/);
    assert.match(r.stdout, /osd: 3 osds: 3 up, 3 in/);
    assert.ok(existsSync(join(dir, 'sepia-data', 'mon.a')));
    assert.match(readFileSync(conf, 'utf8'), /osd_pool_default_size = 3/);
    assert.equal(listDaemons(conf).filter((d) => d.running).length, 4);
  });

  test('a second start reuses the running cluster', () => {
    const before = listDaemons(conf).map((d) => d.pid).sort();
    const r = sepia('start');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(listDaemons(conf).map((d) => d.pid).sort(), before);
  });

  test('daemons run with one malloc arena, a fixed mmap threshold and a small V8 nursery (memory figures depend on all three)', () => {
    const daemons = listDaemons(conf).filter((d) => d.running && d.pid);
    assert.equal(daemons.length, 4);
    for (const d of daemons) {
      const env = readFileSync(`/proc/${d.pid}/environ`, 'latin1').split('\0');
      assert.ok(env.includes(`MALLOC_ARENA_MAX=${process.env['MALLOC_ARENA_MAX'] ?? '1'}`), d.name);
      assert.ok(env.includes(`MALLOC_MMAP_THRESHOLD_=${process.env['MALLOC_MMAP_THRESHOLD_'] ?? '131072'}`), d.name);
      const argv = readFileSync(`/proc/${d.pid}/cmdline`, 'latin1').split('\0');
      for (const flag of DAEMON_NODE_ARGS) assert.ok(argv.includes(flag), `${d.name} runs node with ${flag}`);
    }
  });

  test('stop then start brings the same cluster back with every object intact', async () => {
    let rados = await Rados.connect({ conf });
    await rados.createPool('keep');
    const fsid = rados.getFsid();
    for (let i = 0; i < 50; i++) await rados.ioctx('keep').writeFull(`k${i}`, `value ${i}`);
    await rados.close();

    const stop = sepia('stop');
    assert.equal(stop.status, 0, stop.stderr);
    assert.match(stop.stdout, /stopped osd\.0, osd\.1, osd\.2, mon\.a/);
    assert.equal(listDaemons(conf).filter((d) => d.running).length, 0);

    const start = sepia('start');
    assert.equal(start.status, 0, start.stderr);
    rados = await Rados.connect({ conf });
    try {
      assert.equal(rados.getFsid(), fsid);
      for (let i = 0; i < 50; i++) assert.equal((await rados.ioctx('keep').read(`k${i}`)).toString(), `value ${i}`);
      const status = sepia('--format', 'json', 'status');
      const s = JSON.parse(status.stdout) as { pgmap: { num_objects: number; num_pools: number } };
      assert.equal(s.pgmap.num_pools, 1);
      assert.equal(s.pgmap.num_objects, 50);
    } finally {
      await rados.close();
    }
    assert.equal(sepia('stop').status, 0);
  });

  test('every command has --help', () => {
    for (const args of [['--help'], ['start', '--help'], ['stop', '--help'], ['status', '--help'], ['osd', 'pool', 'create', '--help']]) {
      const r = sepia(...args);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /Usage: sepia/);
    }
  });
});
