// The client library against a real cluster: the object API, typed errors, bad input, and a
// malformed frame that must close only its own connection.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { once } from 'node:events';
import { TestCluster } from './harness.js';
import { RadosError, ReadOp, WriteOp, type Rados, type IoCtx } from '../../src/index.js';
import { ALL_NSPACES } from '../../src/client/ioctx.js';
import { lockExclusive, getLockInfo } from '../../src/client/lock.js';
import { locateObject } from '../../src/mon/maps/osdmap.js';
import { readFileSync } from 'node:fs';
import { Config, parseConf, parseHostPort } from '../../src/core/config.js';

async function rejectsWith(p: Promise<unknown>, code: string, errno: number): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(RadosError.is(err), `expected RadosError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.errno, errno);
    return true;
  });
}

describe('client library on a real local cluster', () => {
  let cluster: TestCluster;
  let rados: Rados;
  let io: IoCtx;

  before(async () => {
    cluster = await TestCluster.start({ extraConf: { osd_max_object_size: 1048576, osd_cls_lua_timeout_ms: 3000 } });
    rados = await cluster.connect();
    await rados.createPool('api');
    io = rados.ioctx('api');
  });

  after(async () => {
    await cluster?.destroy();
  });

  test('writeFull, write, append, read and stat round-trip bytes', async () => {
    await io.writeFull('a', Buffer.from('hello'));
    await io.append('a', ' world');
    await io.write('a', Buffer.from('J'), 0);
    assert.equal((await io.read('a')).toString(), 'Jello world');
    assert.equal((await io.read('a', { offset: 6, length: 3 })).toString(), 'wor');
    const st = await io.stat('a');
    assert.equal(st.size, 11);
    assert.ok(Math.abs(st.mtime.getTime() - Date.now()) < 60_000);
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    await io.writeFull('bin', all);
    assert.deepEqual(await io.read('bin'), all);
  });

  test('concurrent large reads each return their own object\'s bytes while the OSDs reuse reply buffers', async () => {
    const size = 1024 * 1024;
    const content = (i: number, round: number): Buffer => {
      const b = Buffer.allocUnsafe(size);
      for (let j = 0; j < size; j += 4) b.writeUInt32LE(((i + 1) * 2654435761 + j * 40503 + round * 97) >>> 0, j);
      return b;
    };
    const n = 24;
    for (let i = 0; i < n; i++) await io.writeFull(`big${i}`, content(i, 0));
    for (let round = 1; round <= 3; round++) {
      // Reads of every object at once, whole and partial, while half of the objects are rewritten.
      const reads = [];
      for (let i = 0; i < n; i++) {
        reads.push(io.read(`big${i}`, { length: size }).then((got) => ({ i, got, offset: 0 })));
        reads.push(io.read(`big${i}`, { offset: 65_531, length: 200_003 }).then((got) => ({ i, got, offset: 65_531 })));
      }
      const writes = [];
      for (let i = 0; i < n; i += 2) writes.push(io.writeFull(`big${i}`, content(i, round)));
      const results = await Promise.all(reads);
      await Promise.all(writes);
      for (const { i, got, offset } of results) {
        // An object being rewritten reads as either its old or its new bytes, never a mix of objects.
        const candidates = i % 2 === 0 ? [content(i, round - 1), content(i, round)] : [content(i, 0)];
        assert.ok(candidates.some((c) => c.subarray(offset, offset + got.length).equals(got)), `big${i} at ${offset}: ${got.length} bytes match none of its versions`);
      }
    }
  });

  test('readInto fills the caller\'s buffer and counts bytes as rados_read does', async () => {
    const size = 1024 * 1024;
    const data = Buffer.allocUnsafe(size);
    for (let j = 0; j < size; j += 4) data.writeUInt32LE((j * 2654435761) >>> 0, j);
    await io.writeFull('into', data);
    await io.writeFull('into-small', 'tiny');
    const whole = Buffer.alloc(size);
    assert.equal(await io.readInto('into', whole), size);
    assert.ok(whole.equals(data));
    // Near the end: a short count, and the rest of the buffer untouched.
    const tail = Buffer.alloc(300_000, 0xee);
    assert.equal(await io.readInto('into', tail, { offset: size - 100_000 }), 100_000);
    assert.ok(tail.subarray(0, 100_000).equals(data.subarray(size - 100_000)));
    assert.ok(tail.subarray(100_000).every((b) => b === 0xee));
    // A small reply arrives in a buffer of its own and is copied in.
    const small = Buffer.alloc(16, 0xee);
    assert.equal(await io.readInto('into-small', small), 4);
    assert.equal(small.subarray(0, 4).toString(), 'tiny');
    assert.equal(await io.readInto('into', Buffer.alloc(10), { offset: size + 5 }), 0);
    await rejectsWith(io.readInto('into-missing', Buffer.alloc(10)), 'ENOENT', 2);
    // As rados_read: length 0 reads the whole object, which does not fit an empty buffer.
    await rejectsWith(io.readInto('into-small', Buffer.alloc(0)), 'ERANGE', 34);
    // Many at once into buffers of their own, each reused across rounds.
    const slots = Array.from({ length: 8 }, () => Buffer.alloc(65_536 * 3));
    for (let round = 0; round < 3; round++) {
      const counts = await Promise.all(slots.map((slot, i) => io.readInto('into', slot, { offset: (i + round) * 65_536 })));
      slots.forEach((slot, i) => {
        assert.equal(counts[i], slot.length);
        const at = (i + round) * 65_536;
        assert.ok(slot.equals(data.subarray(at, at + slot.length)), `slot ${i} round ${round}`);
      });
    }
  });

  test('xattrs and omap behave as in Ceph, with ENODATA for a missing attribute', async () => {
    await io.setXattr('x', 'user.color', 'blue');
    assert.equal((await io.getXattr('x', 'user.color')).toString(), 'blue');
    await rejectsWith(io.getXattr('x', 'user.nosuch'), 'ENODATA', 61);
    assert.deepEqual([...(await io.getXattrs('x')).keys()], ['user.color']);
    await io.rmXattr('x', 'user.color');
    assert.equal((await io.getXattrs('x')).size, 0);

    await io.omapSet('x', { k1: 'v1', k2: 'v2', k3: 'v3' });
    await io.omapSetHeader('x', 'hdr');
    assert.equal((await io.omapGetHeader('x')).toString(), 'hdr');
    const page = await io.omapGetVals('x', { max: 2 });
    assert.deepEqual([...page.entries.keys()], ['k1', 'k2']);
    assert.equal(page.more, true);
    const rest = await io.omapGetKeys('x', { startAfter: 'k2' });
    assert.deepEqual(rest, { keys: ['k3'], more: false });
    await io.omapRmKeys('x', ['k1']);
    assert.deepEqual([...(await io.omapGetValsByKeys('x', ['k1', 'k2'])).keys()], ['k2']);
    await io.omapClear('x');
    assert.equal((await io.omapGetVals('x')).entries.size, 0);
  });

  test('a compound write op is atomic: a failing guard applies nothing', async () => {
    await io.writeFull('atomic', 'abc');
    await rejectsWith(io.operate('atomic', new WriteOp().append('def').create(true)), 'EEXIST', 17);
    assert.equal((await io.read('atomic')).toString(), 'abc');
    const r = await io.operate('atomic', new WriteOp().append('def').truncate(2).append('Z'));
    assert.equal(r.ret, 0);
    assert.equal((await io.read('atomic')).toString(), 'abZ');
    const q = await io.operate('atomic', new ReadOp().read(0, 0).stat());
    assert.equal(q.results[0]?.out?.kind, 'data');
    assert.ok(q.version > 0);
  });

  test('missing objects and pools are ENOENT, removals too', async () => {
    await rejectsWith(io.stat('missing'), 'ENOENT', 2);
    await rejectsWith(io.read('missing'), 'ENOENT', 2);
    await rejectsWith(io.remove('missing'), 'ENOENT', 2);
    assert.throws(() => rados.ioctx('nosuchpool'), (e: unknown) => RadosError.is(e) && e.code === 'ENOENT');
    await io.writeFull('gone', 'x');
    await io.remove('gone');
    await rejectsWith(io.stat('gone'), 'ENOENT', 2);
  });

  test('bad input gets a clear error and the daemons keep serving', async () => {
    await rejectsWith(io.writeFull('n'.repeat(2049), 'x'), 'ENAMETOOLONG', 36);
    await io.writeFull('n'.repeat(2048), 'ok');
    assert.equal((await io.read('n'.repeat(2048))).toString(), 'ok');
    await rejectsWith(io.writeFull('', 'x'), 'EINVAL', 22);
    await rejectsWith(io.write('big', Buffer.from('x'), 1048576), 'EFBIG', 27);
    await rejectsWith(io.truncate('a', 1048576), 'EFBIG', 27);
    await rejectsWith(io.setNamespace('s'.repeat(257)).writeFull('ns', 'x'), 'ENAMETOOLONG', 36);
    io.setNamespace('');
    await rejectsWith(rados.createPool('api'), 'EEXIST', 17);
    assert.equal((await io.read('a')).toString(), 'Jello world');
  });

  test('createPool makes the pool with the pg count and size it was given, and a write to it succeeds', async () => {
    await rados.createPool('shaped', { pgNum: 4, size: 2 });
    const map = (await rados.monCommand({ prefix: 'osd dump' })).out as { pools: Array<{ name: string; pgNum: number; size: number }> };
    const pool = map.pools.find((p) => p.name === 'shaped');
    assert.deepEqual({ pgNum: pool?.pgNum, size: pool?.size }, { pgNum: 4, size: 2 });
    await rados.ioctx('shaped').writeFull('o', 'x');
    assert.equal((await rados.ioctx('shaped').read('o')).toString(), 'x');
    await rejectsWith(rados.createPool('shaped', { size: 2 }), 'EEXIST', 17);
  });

  test('namespaces separate objects and ALL_NSPACES lists every namespace', async () => {
    await rados.createPool('nsp');
    const a = rados.ioctx('nsp');
    await a.writeFull('same', 'default');
    a.setNamespace('tenant');
    await a.writeFull('same', 'tenant');
    assert.equal((await a.read('same')).toString(), 'tenant');
    a.setNamespace('');
    assert.equal((await a.read('same')).toString(), 'default');
    const names: string[] = [];
    for await (const o of a.listObjects()) names.push(`${o.namespace}/${o.name}`);
    assert.deepEqual(names, ['/same']);
    a.setNamespace(ALL_NSPACES);
    const all: string[] = [];
    for await (const o of a.listObjects()) all.push(`${o.namespace}/${o.name}`);
    assert.deepEqual(all.sort(), ['/same', 'tenant/same']);
  });

  test('object classes run inside the OSD: hello, lock and a Lua script', async () => {
    await io.writeFull('cls', 'data');
    const hello = await io.exec('cls', 'hello', 'say_hello', 'sepia');
    assert.equal(hello.out.toString(), 'Hello, sepia!');
    await rejectsWith(io.exec('cls', 'nosuchclass', 'm'), 'EOPNOTSUPP', 95);
    await lockExclusive(io, 'cls', 'l1', 'cookie-a');
    const info = await getLockInfo(io, 'cls', 'l1');
    assert.equal(info.type, 'exclusive');
    assert.equal(info.lockers[0]?.cookie, 'cookie-a');
    assert.match(info.lockers[0]?.name ?? '', new RegExp(`^client\\.${rados.getInstanceId()}$`));
    const script = [
      'function greet(input, output)',
      '  local size = objclass.stat()',
      '  output:append("read " .. objclass.read(0, size):str() .. " for " .. input:str())',
      'end',
      'objclass.register(greet)',
    ].join('\n');
    const r = await io.exec('cls', 'lua', 'eval_json', JSON.stringify({ script, handler: 'greet', input: 'you' }));
    assert.equal(r.out.toString(), 'read data for you');
    const w = await io.exec('cls', 'lua', 'eval_json', JSON.stringify({ script: 'function w(i, o) objclass.write(0, 2, i) end objclass.register(w)', handler: 'w', input: 'DA' }));
    assert.equal(w.ret, 0);
    assert.equal((await io.read('cls')).toString(), 'DAta');
    await rejectsWith(
      io.exec('cls', 'lua', 'eval_json', JSON.stringify({ script: 'function bad(i, o) objclass.write(0, 1, i) error("boom") end objclass.register(bad)', handler: 'bad', input: 'X' })),
      'EIO',
      5,
    );
    assert.equal((await io.read('cls')).toString(), 'DAta');
  });

  test('a runaway Lua script fails with ETIMEDOUT, applies nothing, and the OSDs keep serving meanwhile', async () => {
    await io.writeFull('runaway', 'before');
    const runaway = io
      .exec('runaway', 'lua', 'eval_json', JSON.stringify({ script: 'function spin(i, o) objclass.write_full(i) while true do end end objclass.register(spin)', handler: 'spin', input: 'after' }))
      .then(
        () => ({ code: 'none', at: Date.now() }),
        (e: unknown) => ({ code: RadosError.is(e) ? e.code : String(e), at: Date.now() }),
      );
    // Ops on objects of other PGs complete while the script spins (ops within one PG are
    // ordered, as in Ceph, so the runaway's own PG waits for it).
    const pool = rados.osdMap.pools.find((p) => p.name === 'api');
    assert.ok(pool);
    const runawayPg = locateObject(rados.osdMap, pool, 'runaway', '', '').ps;
    const names = Array.from({ length: 60 }, (_, i) => `bystander-${i}`)
      .filter((n) => locateObject(rados.osdMap, pool, n, '', '').ps !== runawayPg)
      .slice(0, 20);
    let served = 0;
    let lastServedAt = 0;
    for (const [i, name] of names.entries()) {
      await io.writeFull(name, `b${i}`);
      assert.equal((await io.read(name)).toString(), `b${i}`);
      served++;
      lastServedAt = Date.now();
    }
    const r = await runaway;
    assert.equal(r.code, 'ETIMEDOUT');
    assert.equal(served, 20);
    assert.ok(lastServedAt < r.at, 'bystanders were served before the runaway call ended');
    assert.equal((await io.read('runaway')).toString(), 'before');
  });

  test('an aborted signal or a deadline rejects the call with a RadosError', async () => {
    const ac = new AbortController();
    ac.abort();
    await rejectsWith(io.read('a', { signal: ac.signal }), 'ECANCELED', 125);
    // A deadline that has passed: wait for the timer's abort event so the read cannot win the race.
    const expired = AbortSignal.timeout(0);
    await once(expired, 'abort');
    await rejectsWith(io.read('a', { signal: expired }), 'ETIMEDOUT', 110);
    const listing = io.listObjects({ signal: ac.signal });
    await assert.rejects(listing.next(), (e: unknown) => RadosError.is(e) && e.code === 'ECANCELED');
  });

  test('a malformed frame on the monitor and on an OSD port closes only that connection', async () => {
    const conf = new Config(parseConf(readFileSync(cluster.confPath, 'utf8')), { type: 'client', id: 'admin' });
    const monAddr = parseHostPort(conf.get('mon_host'), 0);
    const osdAddr = parseHostPort(rados.osdMap.osds[0]?.addr ?? '', 0);
    for (const target of [monAddr, osdAddr]) {
      const closed = await new Promise<boolean>((resolve) => {
        const sock = netConnect(target.port, target.host, () => {
          sock.write(Buffer.concat([Buffer.from('GARBAGE!'), Buffer.alloc(64, 0xff)]));
        });
        sock.on('error', () => undefined);
        sock.on('close', () => resolve(true));
        sock.setTimeout(10_000, () => {
          sock.destroy();
          resolve(false);
        });
      });
      assert.equal(closed, true, `${target.host}:${target.port} closed the bad connection`);
    }
    await io.writeFull('after-garbage', 'still serving');
    assert.equal((await io.read('after-garbage')).toString(), 'still serving');
    assert.equal((await rados.listPools()).includes('api'), true);
  });

  test('deleting a pool is refused unless mon_allow_pool_delete is true', async () => {
    await rejectsWith(rados.deletePool('nsp'), 'EPERM', 1);
    await rados.monCommand({ prefix: 'config set', name: 'mon_allow_pool_delete', value: 'true' });
    await rados.deletePool('nsp');
    assert.equal((await rados.listPools()).includes('nsp'), false);
    await rejectsWith(rados.deletePool('nsp'), 'ENOENT', 2);
  });
});
