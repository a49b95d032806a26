// Registered Lua classes on a real cluster: `sepia cls register` from a file, calls through
// io.exec and lua({ className }) with RD/WR semantics, traces, versions, ls/info/rm, an OSD that
// boots after a registration, and a monitor restart.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestCluster } from './harness.js';
import { RadosError } from '../../src/core/errors.js';
import type { Rados } from '../../src/client/rados.js';
import type { IoCtx } from '../../src/client/ioctx.js';
import { WriteOp } from '../../src/client/ops.js';
import { lua, LuaCallError } from '../../src/client/lua.js';
import { locateObject, poolByName } from '../../src/mon/maps/osdmap.js';

const SEPIA = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const KV_V1 = `
function get(input, output)
  objclass.log("get", input:str())
  output:append(objclass.read(0, 0):str())
end
function put(input, output)
  objclass.write_full(input)
end
function fail(input, output)
  objclass.log("about to fail")
  error("deliberate")
end
objclass.register(get, "rd")
objclass.register(put, "wr")
objclass.register(fail)
`;

const KV_V2 = `
function get(input, output)
  output:append("v2:" .. objclass.read(0, 0):str())
end
objclass.register(get, "rd")
`;

const rejectsWith = (code: string) => (e: unknown): boolean => RadosError.is(e) && e.code === code;

describe('registered classes on a real cluster', () => {
  let cluster: TestCluster;
  let rados: Rados;
  let io: IoCtx;

  const sepia = (...args: string[]): Promise<{ out: string; err: string; rc: number }> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [SEPIA, '-c', cluster.confPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (rc) => resolve({ out, err, rc: rc ?? -1 }));
    });

  const file = (name: string, text: string): string => {
    const path = join(cluster.dir, name);
    writeFileSync(path, text);
    return path;
  };

  before(async () => {
    cluster = await TestCluster.start();
    rados = await cluster.connect();
    await rados.createPool('clsp');
    io = rados.ioctx('clsp');
  });

  after(async () => {
    await cluster?.destroy();
  });

  test('register from a file, then ls and info show version, flags, sha256 and size', async () => {
    const reg = await sepia('cls', 'register', 'kv', '--file', file('kv1.lua', KV_V1));
    assert.deepEqual([reg.rc, reg.err], [0, 'registered class kv version 1\n']);
    const ls = await sepia('cls', 'ls');
    assert.equal(ls.rc, 0);
    assert.match(ls.out, /^NAME +VERSION +SIZE +REGISTERED +METHODS\nkv +1 +\d+ +\S+ +fail\(rdwr\) get\(rd\) put\(wr\)\n$/);
    const info = await sepia('--format', 'json', 'cls', 'info', 'kv');
    const c = JSON.parse(info.out) as Record<string, unknown>;
    assert.equal(c['version'], 1);
    assert.equal(c['sha256'], createHash('sha256').update(KV_V1).digest('hex'));
    assert.equal(c['size_bytes'], Buffer.byteLength(KV_V1));
    assert.deepEqual(c['methods'], [{ name: 'fail', flags: 'rdwr' }, { name: 'get', flags: 'rd' }, { name: 'put', flags: 'wr' }]);
    const plain = await sepia('cls', 'info', 'kv');
    assert.match(plain.out, /^name: kv\nversion: 1\nsha256: [0-9a-f]{64}\nsize: \d+ bytes\nregistered: \S+\nmethods:\n  fail rdwr\n  get rd\n  put wr\n$/);
  });

  test('a script that does not compile is refused with the Lua message', async () => {
    const bad = await sepia('cls', 'register', 'broken', '--file', file('bad.lua', 'function ('));
    assert.equal(bad.rc, 22);
    assert.match(bad.err, /^Error EINVAL: class script failed: .*expected/);
    assert.equal((await sepia('cls', 'info', 'broken')).rc, 2);
  });

  test('a WR method writes and bumps the version; an RD method reads without a bump', async () => {
    const w1 = await io.operate('kvobj', new WriteOp().exec('kv', 'put', Buffer.from('hello')));
    const r1 = await io.operate('kvobj', new WriteOp().exec('kv', 'get', Buffer.alloc(0)));
    const got = r1.results[0]?.out;
    assert.equal(got?.kind === 'data' ? got.data.toString() : '', 'hello');
    assert.equal(r1.version, w1.version);
    const w2 = await io.operate('kvobj', new WriteOp().exec('kv', 'put', Buffer.from('again')));
    assert.ok(w2.version > w1.version);
    assert.equal((await io.read('kvobj')).toString(), 'again');
    assert.equal((await io.exec('kvobj', 'kv', 'get')).out.toString(), 'again');
    assert.equal((await lua(io, 'kvobj', { className: 'kv', handler: 'get' })).out.toString(), 'again');
  });

  test('an RD method on a missing object is ENOENT; an unknown method is EOPNOTSUPP', async () => {
    await assert.rejects(io.exec('nosuch', 'kv', 'get'), rejectsWith('ENOENT'));
    await assert.rejects(lua(io, 'nosuch', { className: 'kv', handler: 'get' }), rejectsWith('ENOENT'));
    await assert.rejects(io.exec('kvobj', 'kv', 'nomethod'), rejectsWith('EOPNOTSUPP'));
    await assert.rejects(io.exec('kvobj', 'noclass', 'get'), rejectsWith('EOPNOTSUPP'));
    await assert.rejects(io.stat('nosuch'), rejectsWith('ENOENT'));
  });

  test('with trace the log lines come back, and on failure the Lua error and traceback', async () => {
    const r = await lua(io, 'kvobj', { className: 'kv', handler: 'get', input: 'q', trace: true });
    assert.deepEqual(r.log, ['get q']);
    assert.equal(r.out.toString(), 'again');
    await assert.rejects(lua(io, 'kvobj', { className: 'kv', handler: 'fail', trace: true }), (e: unknown) => {
      assert.ok(e instanceof LuaCallError);
      assert.equal(e.code, 'EIO');
      assert.match(e.luaError?.message ?? '', /deliberate/);
      assert.match(e.luaError?.traceback ?? '', /stack traceback/);
      assert.deepEqual(e.log, ['about to fail']);
      return true;
    });
  });

  test('a higher version replaces the class; a lower one is refused', async () => {
    const reg = await sepia('cls', 'register', 'kv', '--file', file('kv2.lua', KV_V2), '--version', '3');
    assert.deepEqual([reg.rc, reg.err], [0, 'registered class kv version 3\n']);
    assert.equal((await io.exec('kvobj', 'kv', 'get')).out.toString(), 'v2:again');
    await assert.rejects(io.exec('kvobj', 'kv', 'put', 'x'), rejectsWith('EOPNOTSUPP'));
    const older = await sepia('cls', 'register', 'kv', '--file', file('kv1b.lua', KV_V1), '--version', '2');
    assert.equal(older.rc, 17);
    assert.match((await sepia('cls', 'info', 'kv')).out, /^version: 3$/m);
  });

  test('an OSD started after a registration gets the ClassMap at boot', async () => {
    const victim = 2;
    await cluster.kill(`osd.${victim}`);
    const reg = await sepia('cls', 'register', 'late', '--file', file('late.lua', 'function hi(i, o) o:append("hi from late") end objclass.register(hi, "rd")'));
    assert.equal(reg.rc, 0);
    cluster.startDaemon('osd', String(victim));
    await cluster.waitHealthy();
    const map = (await rados.monCommand({ prefix: 'osd dump' })).out as Parameters<typeof locateObject>[0];
    const pool = poolByName(map, 'clsp');
    assert.ok(pool);
    let oid = '';
    for (let i = 0; i < 1000 && oid === ''; i++) {
      if (locateObject(map, pool, `late-${i}`, '', '').mapping.actingPrimary === victim) oid = `late-${i}`;
    }
    assert.notEqual(oid, '');
    await io.writeFull(oid, Buffer.from('x'));
    assert.equal((await io.exec(oid, 'late', 'hi')).out.toString(), 'hi from late');
  });

  test('the ClassMap survives a monitor restart, and rm makes calls EOPNOTSUPP', async () => {
    await cluster.kill('mon.a');
    await cluster.restart();
    assert.match((await sepia('cls', 'info', 'kv')).out, /^version: 3$/m);
    const rm = await sepia('cls', 'rm', 'late');
    assert.deepEqual([rm.rc, rm.err], [0, 'removed class late\n']);
    await assert.rejects(io.exec('kvobj', 'late', 'hi'), rejectsWith('EOPNOTSUPP'));
    assert.equal((await sepia('cls', 'rm', 'late')).rc, 2);
    const ls = await sepia('--format', 'json', 'cls', 'ls');
    assert.deepEqual((JSON.parse(ls.out) as Array<{ name: string }>).map((c) => c.name), ['kv']);
  });
});
