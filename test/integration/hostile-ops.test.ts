// "Bad input" proof: a client that speaks the wire protocol directly (no client-library checks)
// sends every sub-op type with hostile numbers and malformed bodies to the OSDs. The cluster
// must answer every request, stay up, and leave every previously stored object exactly as it was.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster } from './harness.js';
import { connect, type Connection } from '../../src/msg/index.js';
import { MSG, type OsdOpReply } from '../../src/proto/messages.js';
import { locateObject, mapPg, type OsdMap } from '../../src/mon/maps/osdmap.js';
import { parseHostPort } from '../../src/core/config.js';
import { RadosError, type IoCtx, type Rados } from '../../src/index.js';

/** Numbers a hostile client may put in any numeric field (2^64-1 arrives as the number 2^64). */
const HOSTILE_NUMBERS: readonly unknown[] = [
  0, -1, 2 ** 64 - 1, 2 ** 64, 2 ** 63, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 2 ** 32, 2 ** 31, 2 ** 31 - 1, NaN, Infinity,
  -Infinity, 1.5, -0,
];
/** Values of the wrong type for any field. */
const WRONG_TYPES: readonly unknown[] = ['7', null, true, {}, [], [1, 2], Buffer.from('x'), { length: 3 }];
const MISSING = Symbol('missing');

/** One sane instance of every sub-op type the engine knows. */
function templates(srcPool: number): Array<Record<string, unknown>> {
  const buf = (s: string): Buffer => Buffer.from(s);
  return [
    { op: 'create', exclusive: false },
    { op: 'write', offset: 0, length: 3, data: buf('abc') },
    { op: 'writefull', data: buf('abc') },
    { op: 'append', data: buf('abc') },
    { op: 'writesame', offset: 0, length: 6, data: buf('ab') },
    { op: 'read', offset: 0, length: 0 },
    { op: 'sparse_read', offset: 0, length: 0 },
    { op: 'stat' },
    { op: 'truncate', size: 3 },
    { op: 'zero', offset: 0, length: 1 },
    { op: 'remove' },
    { op: 'set_alloc_hint', objectSize: 4096, writeSize: 4096, hintFlags: 0 },
    { op: 'cmpext', offset: 0, data: buf('a') },
    { op: 'checksum', type: 0, init: Buffer.alloc(8), offset: 0, length: 0, chunkSize: 0 },
    { op: 'assert_exists' },
    { op: 'assert_version', version: 1 },
    { op: 'setxattr', name: 'a', value: buf('v') },
    { op: 'getxattr', name: 'a' },
    { op: 'getxattrs' },
    { op: 'rmxattr', name: 'a' },
    { op: 'cmpxattr', name: 'a', cmp: 1, mode: 1, value: buf('v') },
    { op: 'omap_set', entries: [['k', buf('v')]] },
    { op: 'omap_set_header', value: buf('h') },
    { op: 'omap_get_header' },
    { op: 'omap_get_keys', startAfter: '', max: 10 },
    { op: 'omap_get_vals', startAfter: '', prefix: '', max: 10 },
    { op: 'omap_get_vals_by_keys', keys: ['k'] },
    { op: 'omap_rm_keys', keys: ['k'] },
    { op: 'omap_rm_range', begin: 'a', end: 'z' },
    { op: 'omap_clear' },
    { op: 'omap_cmp', assertions: [['k', buf('v'), 1]] },
    { op: 'exec', cls: 'hello', method: 'say_hello', input: buf('x') },
    { op: 'copy_from', srcPool, srcNamespace: '', srcOid: 'hostile-src', srcLocator: '', srcVersion: 0 },
  ];
}

/** Values no numeric field may accept: negative, fractional, not finite, or not a number at all. */
function invalidNumber(value: unknown): boolean {
  return typeof value !== 'number' || Number.isNaN(value) || !Number.isFinite(value) || !Number.isInteger(value) || value < 0;
}

/**
 * Every variant of one sub-op: each field set to each hostile number, wrong type, or removed.
 * `mustFail` marks the variants whose numeric field holds something that is not a u64.
 */
function variants(template: Record<string, unknown>): Array<{ op: Record<string, unknown>; mustFail: boolean }> {
  const out: Array<{ op: Record<string, unknown>; mustFail: boolean }> = [{ op: template, mustFail: false }];
  const fields = [...Object.keys(template).filter((k) => k !== 'op'), 'flags'];
  for (const field of fields) {
    const numeric = field === 'flags' || typeof template[field] === 'number';
    for (const value of [...HOSTILE_NUMBERS, ...WRONG_TYPES, MISSING]) {
      const v: Record<string, unknown> = { ...template };
      if (value === MISSING) delete v[field];
      else v[field] = value;
      const missingOk = value === MISSING && field === 'flags';
      out.push({ op: v, mustFail: numeric && !missingOk && (value === MISSING || invalidNumber(value)) });
    }
  }
  return out;
}

interface Keeper {
  readonly oid: string;
  readonly data: Buffer;
  readonly xattrs: Map<string, Buffer>;
  readonly omap: Map<string, Buffer>;
  readonly header: Buffer;
}

describe('hostile OSD_OP requests on the raw messenger', () => {
  let cluster: TestCluster;
  let rados: Rados;
  let io: IoCtx;
  const conns = new Map<number, Connection>();
  const keepers: Keeper[] = [];
  let tid = 0;

  before(async () => {
    cluster = await TestCluster.start();
    rados = await cluster.connect();
    await rados.createPool('hostile', { pgNum: 8 });
    io = rados.ioctx('hostile');
    for (let i = 0; i < 16; i++) {
      const data = Buffer.alloc(1 + i * 997);
      for (let j = 0; j < data.length; j++) data[j] = (j * 31 + i) & 0xff;
      const k: Keeper = {
        oid: `keep-${i}`,
        data,
        xattrs: new Map([[`x${i}`, Buffer.from(`xv${i}`)]]),
        omap: new Map([[`k${i}`, Buffer.from([i, 0, 255])], ['shared', Buffer.from('s')]]),
        header: Buffer.from(`hdr${i}`),
      };
      await io.writeFull(k.oid, k.data);
      await io.setXattr(k.oid, [...k.xattrs.keys()][0] ?? '', [...k.xattrs.values()][0] ?? Buffer.alloc(0));
      await io.omapSet(k.oid, k.omap);
      await io.omapSetHeader(k.oid, k.header);
      keepers.push(k);
    }
    await io.writeFull('hostile-src', 'copy source');
  });

  after(async () => {
    for (const c of conns.values()) c.close();
    await cluster?.destroy();
  });

  const connFor = (map: OsdMap, id: number): Connection => {
    const existing = conns.get(id);
    if (existing && !existing.closed) return existing;
    const osd = map.osds.find((o) => o.id === id);
    assert.ok(osd, `osd.${id} is in the map`);
    const { host, port } = parseHostPort(osd.addr, 0);
    const conn = connect({ host, port, reconnect: false });
    conns.set(id, conn);
    return conn;
  };

  /** Sends one raw request to the primary of `oid`; returns the reply or the RadosError. */
  const send = async (oid: string, body: Record<string, unknown> | unknown, target = oid): Promise<OsdOpReply | RadosError> => {
    const map = rados.osdMap;
    const pool = map.pools.find((p) => p.name === 'hostile');
    assert.ok(pool);
    const primary = locateObject(map, pool, target, '', '').mapping.actingPrimary;
    try {
      return await connFor(map, primary).request<OsdOpReply>(MSG.OSD_OP, body, { timeout_ms: 20_000 });
    } catch (err) {
      if (RadosError.is(err) && err.code !== 'ETIMEDOUT') return err;
      throw err;
    }
  };

  const request = (oid: string, ops: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    pool: io.poolId,
    namespace: '',
    oid,
    locator: '',
    ops,
    flags: 0,
    mtime: { sec: Math.floor(Date.now() / 1000), nsec: 0 },
    epoch: rados.osdMap.epoch,
    reqid: [424242, ++tid],
    ...extra,
  });

  const assertAnswered = (r: OsdOpReply | RadosError, what: string): void => {
    if (RadosError.is(r)) {
      // A malformed body may be refused as a whole; the connection must stay usable.
      assert.ok(r.errno > 0, what);
      return;
    }
    assert.equal(typeof r.ret, 'number', what);
    assert.ok(Number.isInteger(r.ret), what);
    assert.ok(Array.isArray(r.results), what);
  };

  test('a ZERO sub-op with length 0 is EINVAL', async () => {
    await io.writeFull('hostile-zero', 'abc');
    const r = await send('hostile-zero', request('hostile-zero', [{ op: 'zero', offset: 0, length: 0 }]));
    assert.ok(!RadosError.is(r));
    assert.equal(r.ret, -22);
    assert.equal((await io.read('hostile-zero')).toString(), 'abc');
  });

  test('every sub-op type with hostile numbers, wrong types and missing fields gets an answer', async () => {
    const PARALLEL = 32;
    const all: Array<{ oid: string; ops: unknown[]; what: string; mustFail: boolean }> = [];
    let i = 0;
    for (const template of templates(io.poolId)) {
      for (const { op: v, mustFail } of variants(template)) {
        const oid = `hostile-${i++ % 64}`;
        const what = `${String(template['op'])} ${JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x))}`;
        all.push({ oid, ops: [v], what, mustFail });
        // The same sub-op after a sane one and with FAILOK, so failure paths inside compound ops run too.
        if (v['flags'] === undefined) all.push({ oid, ops: [{ op: 'create', exclusive: false }, { ...v, flags: 2 }], what: `create+FAILOK ${what}`, mustFail: false });
      }
    }
    assert.ok(all.length > 2000, `${all.length} requests`);
    const errors: string[] = [];
    for (let at = 0; at < all.length; at += PARALLEL) {
      const batch = all.slice(at, at + PARALLEL);
      const replies = await Promise.all(batch.map((b) => send(b.oid, request(b.oid, b.ops))));
      replies.forEach((r, j) => {
        const b = batch[j];
        assert.ok(b);
        assertAnswered(r, b.what);
        if (RadosError.is(r)) errors.push(`${b.what}: ${r.message}`);
        else if (b.mustFail) assert.ok(r.ret === -22 || r.ret === -2, `${b.what} → ${r.ret}`);
      });
    }
    // A well-formed request with a bad sub-op is answered with an errno, never refused as a whole.
    assert.deepEqual(errors, []);
  });

  test('maximal offsets and lengths are refused or clipped without allocating', async () => {
    const max = 2 ** 64 - 1;
    const big = [
      { op: 'write', offset: max, length: 1, data: Buffer.from('x') },
      { op: 'writesame', offset: 0, length: max, data: Buffer.from('ab') },
      { op: 'writesame', offset: 0, length: 2 ** 40, data: Buffer.from('a') },
      { op: 'read', offset: 0, length: max },
      { op: 'read', offset: max, length: max },
      { op: 'sparse_read', offset: 0, length: max },
      { op: 'truncate', size: max },
      { op: 'zero', offset: 0, length: max },
      { op: 'checksum', type: 2, init: Buffer.alloc(4), offset: 0, length: max, chunkSize: 1 },
      { op: 'cmpext', offset: max, data: Buffer.from('a') },
      { op: 'omap_get_vals', startAfter: '', prefix: '', max },
      { op: 'set_alloc_hint', objectSize: max, writeSize: max, hintFlags: 0xffffffff },
    ];
    await io.writeFull('hostile-big', 'abc');
    for (const op of big) {
      const r = await send('hostile-big', request('hostile-big', [op]));
      assertAnswered(r, op.op);
      if (!RadosError.is(r) && op.op === 'write') assert.equal(r.ret, -27);
      if (!RadosError.is(r) && op.op === 'truncate') assert.equal(r.ret, -27);
    }
    const st = await io.stat('hostile-big');
    assert.ok(st.size <= 128 * 1024 * 1024);
  });

  test('malformed request bodies are refused and the connection keeps working', async () => {
    const oid = 'hostile-body';
    const bodies: unknown[] = [
      null,
      'op',
      42,
      [],
      {},
      Buffer.from('xx'),
      request(oid, 'not a list'),
      request(oid, [null]),
      request(oid, [42]),
      request(oid, [[]]),
      request(oid, [{}]),
      request(oid, [{ op: 42 }]),
      request(oid, [{ op: 'nosuch' }]),
      request(oid, [{ op: '__proto__' }]),
      request(oid, [{ op: 'constructor' }]),
      request(oid, Array.from({ length: 1025 }, () => ({ op: 'stat' }))),
      request(oid, [{ op: 'stat' }], { oid: Buffer.from('x') }),
      request(oid, [{ op: 'stat' }], { oid: 42 }),
      request(oid, [{ op: 'stat' }], { pool: -1 }),
      request(oid, [{ op: 'stat' }], { pool: NaN }),
      request(oid, [{ op: 'stat' }], { pool: 2 ** 64 }),
      request(oid, [{ op: 'stat' }], { pool: 987654 }),
      request(oid, [{ op: 'stat' }], { namespace: null }),
      request(oid, [{ op: 'stat' }], { locator: 7 }),
      request(oid, [{ op: 'stat' }], { flags: -1 }),
      request(oid, [{ op: 'stat' }], { flags: 2 ** 64 }),
      request(oid, [{ op: 'stat' }], { mtime: null }),
      request(oid, [{ op: 'stat' }], { mtime: { sec: -1, nsec: NaN } }),
      request(oid, [{ op: 'stat' }], { epoch: -1 }),
      request(oid, [{ op: 'stat' }], { epoch: NaN }),
      request(oid, [{ op: 'stat' }], { reqid: null }),
      request(oid, [{ op: 'stat' }], { reqid: [1] }),
      request(oid, [{ op: 'stat' }], { reqid: [NaN, Infinity] }),
      request(oid, [{ op: 'write', offset: 0, length: 1, data: Buffer.from('x') }], { oid: '' }),
      request(oid, [{ op: 'write', offset: 0, length: 1, data: Buffer.from('x') }], { oid: 'o'.repeat(5000) }),
      request(oid, [{ op: 'write', offset: 0, length: 1, data: Buffer.from('x') }], { namespace: 'n'.repeat(300) }),
      request(oid, [{ op: 'omap_set', entries: [['k', 'not a buffer']] }]),
      request(oid, [{ op: 'omap_set', entries: [['k']] }]),
      request(oid, [{ op: 'omap_set', entries: 'x' }]),
      request(oid, [{ op: 'omap_cmp', assertions: [['k', Buffer.from('v')]] }]),
      request(oid, [{ op: 'omap_rm_keys', keys: [1, 2] }]),
      request(oid, [{ op: 'omap_get_vals_by_keys', keys: 'k' }]),
      request(oid, [{ op: 'exec', cls: 'lua', method: 'eval_json', input: Buffer.from('{not json') }]),
      request(oid, [{ op: 'exec', cls: 'nosuch', method: 'nosuch', input: Buffer.alloc(0) }]),
      request(oid, [{ op: 'copy_from', srcPool: io.poolId, srcNamespace: '', srcOid: oid, srcLocator: '', srcVersion: 0 }]),
      request(oid, [{ op: 'copy_from', srcPool: 987654, srcNamespace: '', srcOid: 'x', srcLocator: '', srcVersion: 0 }]),
      request(oid, [{ op: 'copy_from', srcPool: io.poolId, srcNamespace: 7, srcOid: ['x'], srcLocator: null, srcVersion: 0 }]),
    ];
    for (const body of bodies) {
      const what = JSON.stringify(body)?.slice(0, 160) ?? String(body);
      const r = await send(oid, body);
      // Each one is answered with an errno (never a dropped connection or a success).
      assert.ok(!RadosError.is(r), `${what} → ${RadosError.is(r) ? r.message : ''}`);
      assert.ok(r.ret < 0, `${what} → ${r.ret}`);
    }
    const sane = await send(oid, request(oid, [{ op: 'writefull', data: Buffer.from('still fine') }]));
    assert.ok(!RadosError.is(sane));
    assert.equal(sane.ret, 0);
  });

  test('listing requests with forged cursors and bad numbers are answered and change nothing', async () => {
    const map = rados.osdMap;
    const pool = map.pools.find((p) => p.name === 'hostile');
    assert.ok(pool);
    const cursors: unknown[] = [
      null, 7, 'x', [], {}, Buffer.from('x'),
      { pool: pool.id, ps: 1, hash: 0, namespace: '', oid: 'a', locator: '' },
      { pool: 987654, ps: 0, hash: 0, namespace: '', oid: 'a', locator: '' },
      { pool: pool.id, ps: 0, hash: NaN, namespace: 5, oid: null, locator: [] },
      { pool: pool.id, ps: 0, hash: 2 ** 64, namespace: '', oid: 'z'.repeat(3000), locator: '' },
    ];
    // PG 0's primary, so the cursor is really used rather than answered with "retry elsewhere".
    const conn = connFor(map, mapPg(map, pool, 0).actingPrimary);
    for (const cursor of cursors) {
      for (const extra of [{}, { max: -1 }, { max: 2 ** 64 }, { ps: 2 ** 40 }, { namespace: 7 }]) {
        const body = { pool: pool.id, ps: 0, cursor, max: 10, namespace: '', epoch: map.epoch, ...extra };
        try {
          await conn.request(MSG.OSD_PGLS, body, { timeout_ms: 20_000 });
        } catch (err) {
          assert.ok(RadosError.is(err) && err.code !== 'ETIMEDOUT' && err.code !== 'ENOTCONN', String(err));
        }
      }
    }
  });

  test('afterwards every daemon is up and every stored object is intact', async () => {
    for (const name of ['mon.a', 'osd.0', 'osd.1', 'osd.2']) {
      const pid = cluster.pidOf(name);
      assert.doesNotThrow(() => process.kill(pid, 0), `${name} is running`);
    }
    for (const k of keepers) {
      assert.deepEqual(await io.read(k.oid), k.data, k.oid);
      assert.deepEqual(await io.getXattrs(k.oid), k.xattrs, k.oid);
      const vals = await io.omapGetVals(k.oid);
      assert.deepEqual(vals.entries, new Map([...k.omap.entries()].sort(([a], [b]) => (a < b ? -1 : 1))), k.oid);
      assert.deepEqual(await io.omapGetHeader(k.oid), k.header, k.oid);
    }
    const listed: string[] = [];
    for await (const o of io.listObjects()) if (o.name.startsWith('keep-')) listed.push(o.name);
    assert.deepEqual(listed.sort(), keepers.map((k) => k.oid).sort());
    await io.writeFull('after', 'serving');
    assert.equal((await io.read('after')).toString(), 'serving');
  });
});
