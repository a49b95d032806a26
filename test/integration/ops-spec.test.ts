// spec/objects.md end to end: every table row and every "[obs 16.2]" example, run through the
// client library (and `sepia rados`) against one real local cluster. The op engine's unit tests
// make the same assertions in-process; here versions, mtimes, placement, limits from sepia.conf
// and the wire all take part.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { xxh64 } from '@node-rs/xxhash';
import { TestCluster } from './harness.js';
import {
  ALL_NSPACES,
  CMP_OP,
  OPERATION_FLAG,
  OP_FLAG,
  OperateError,
  RadosError,
  ReadOp,
  WriteOp,
  cmpExtMismatchIndex,
  type IoCtx,
  type Rados,
  type SubOp,
} from '../../src/index.js';
import { locateObject } from '../../src/mon/maps/osdmap.js';
import { runRados, RADOS_USAGE } from '../../src/cli/rados-cmd.js';
import { memoryIo } from '../../src/cli/cli-io.js';

/** osd_max_object_size for this cluster (sepia.conf), standing in for Ceph's 128 MiB. */
const M = 1048576;
const OMAP_CAP = 10;

async function rejectsWith(p: Promise<unknown>, code: string, errno?: number): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(RadosError.is(err), `expected RadosError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (errno !== undefined) assert.equal(err.errno, errno);
    return true;
  });
}

/** A WriteOp that can carry a sub-op the typed builders would never produce. */
class RawWriteOp extends WriteOp {
  raw(op: SubOp): this {
    this.push(op);
    return this;
  }
}

async function exists(io: IoCtx, oid: string): Promise<boolean> {
  try {
    await io.stat(oid);
    return true;
  } catch (err) {
    if (RadosError.is(err) && err.code === 'ENOENT') return false;
    throw err;
  }
}

describe('spec/objects.md through the client on a real cluster', () => {
  let cluster: TestCluster;
  let rados: Rados;
  let io: IoCtx;
  let n = 0;
  /** A fresh object name per use, so tests never depend on each other. */
  const fresh = (tag: string): string => `${tag}-${++n}`;

  before(async () => {
    cluster = await TestCluster.start({
      extraConf: { osd_max_object_size: M, osd_max_write_size: 1, osd_max_omap_entries_per_request: OMAP_CAP },
    });
    rados = await cluster.connect();
    await rados.createPool('spec', { pgNum: 8 });
    await rados.createPool('spec2', { pgNum: 4 });
    io = rados.ioctx('spec');
  });

  after(async () => {
    await cluster?.destroy();
  });

  describe('§1 object model and pre-checks', () => {
    test('names of 2048 bytes work, 2049 is ENAMETOOLONG and an empty name is EINVAL', async () => {
      await io.writeFull('n'.repeat(2048), 'ok');
      assert.equal((await io.read('n'.repeat(2048))).toString(), 'ok');
      await rejectsWith(io.writeFull('n'.repeat(2049), 'x'), 'ENAMETOOLONG', 36);
      await rejectsWith(io.writeFull('', 'x'), 'EINVAL', 22);
    });

    test('a namespace of 256 bytes works, 257 is ENAMETOOLONG; a 2049-byte locator is ENAMETOOLONG', async () => {
      const a = rados.ioctx('spec').setNamespace('s'.repeat(256));
      await a.writeFull('o', 'ns');
      await rejectsWith(rados.ioctx('spec').setNamespace('s'.repeat(257)).writeFull('o', 'x'), 'ENAMETOOLONG', 36);
      await rejectsWith(rados.ioctx('spec').setLocatorKey('l'.repeat(2049)).writeFull('o', 'x'), 'ENAMETOOLONG', 36);
    });

    test('equal names in different namespaces are different objects', async () => {
      const oid = fresh('same');
      const a = rados.ioctx('spec');
      const b = rados.ioctx('spec').setNamespace('tenant');
      await a.writeFull(oid, 'default');
      await b.writeFull(oid, 'tenant');
      assert.equal((await a.read(oid)).toString(), 'default');
      assert.equal((await b.read(oid)).toString(), 'tenant');
      await a.remove(oid);
      assert.equal((await b.read(oid)).toString(), 'tenant');
    });

    test('mtime is the client clock at the time of the op', async () => {
      const oid = fresh('mtime');
      const before_ms = Date.now();
      await io.writeFull(oid, 'x');
      const after_ms = Date.now();
      const st = await io.stat2(oid);
      const mtime_ms = Number(st.mtimeNs / 1_000_000n);
      assert.ok(mtime_ms >= before_ms && mtime_ms <= after_ms, `${mtime_ms} within [${before_ms}, ${after_ms}]`);
      assert.equal((await io.stat(oid)).mtimeSpec.sec, st.mtime.sec);
    });

    test('a read-only op on a missing object is ENOENT as a whole (pre-check 5)', async () => {
      const oid = fresh('missing');
      await rejectsWith(io.omapGetVals(oid), 'ENOENT');
      await rejectsWith(io.omapGetHeader(oid), 'ENOENT');
      await rejectsWith(io.getXattrs(oid), 'ENOENT');
      await rejectsWith(io.operate(oid, new ReadOp().omapGetKeys().omapGetValsByKeys(['a'])), 'ENOENT');
    });

    test('every kind of creating op creates the object', async () => {
      const makers: Array<(oid: string) => Promise<unknown>> = [
        (o) => io.write(o, 'a'),
        (o) => io.writeFull(o, ''),
        (o) => io.append(o, 'a'),
        (o) => io.create(o),
        (o) => io.setXattr(o, 'a', 'b'),
        (o) => io.omapSet(o, { k: 'v' }),
        (o) => io.omapSetHeader(o, 'h'),
        (o) => io.setAllocHint(o, 4096, 4096),
        (o) => io.write(o, '', 0),
      ];
      for (const make of makers) {
        const oid = fresh('maker');
        await make(oid);
        assert.equal(await exists(io, oid), true);
      }
    });
  });

  describe('§1 limits from sepia.conf and client-side checks', () => {
    test('osd_max_object_size: one byte at M-1 is fine, at M it is EFBIG', async () => {
      const oid = fresh('limit');
      await io.write(oid, 'x', M - 1);
      assert.equal((await io.stat(oid)).size, M);
      await rejectsWith(io.write(fresh('limit'), 'x', M), 'EFBIG', 27);
      await rejectsWith(io.write(fresh('limit'), 'xy', M - 1), 'EFBIG', 27);
      await rejectsWith(io.writeSame(fresh('limit'), 'ab', 4, M - 2), 'EFBIG', 27);
    });

    test('osd_max_write_size of 1 MB turns a 2 MiB write into EMSGSIZE', async () => {
      const oid = fresh('msgsize');
      await rejectsWith(io.writeFull(oid, Buffer.alloc(2 * M)), 'EMSGSIZE', 90);
      assert.equal(await exists(io, oid), false);
    });

    test('client side: write length over 2^31-1 is E2BIG, read length over 2^31-1 is EDOM, nothing is sent', async () => {
      const huge = Buffer.alloc(1);
      Object.defineProperty(huge, 'length', { value: 2 ** 31 });
      const oid = fresh('client');
      await rejectsWith(io.write(oid, huge), 'E2BIG', 7);
      await rejectsWith(io.writeFull(oid, huge), 'E2BIG', 7);
      await rejectsWith(io.append(oid, huge), 'E2BIG', 7);
      await rejectsWith(io.writeSame(oid, 'a', 2 ** 31), 'E2BIG', 7);
      await rejectsWith(io.read(oid, { length: 2 ** 31 }), 'EDOM', 33);
      assert.equal(await exists(io, oid), false);
    });

    test('an empty op returns 0 without contacting the cluster', async () => {
      const other = await cluster.connect();
      const closedIo = other.ioctx('spec');
      await other.close();
      assert.deepEqual(await closedIo.operate('x', new WriteOp()), { ret: 0, version: 0, results: [] });
      assert.deepEqual(await closedIo.operate('x', new ReadOp()), { ret: 0, version: 0, results: [] });
    });
  });

  describe('§2 data operations', () => {
    test('create(exclusive) makes an empty object, EEXIST when it exists; non-exclusive leaves it unchanged', async () => {
      const oid = fresh('create');
      await io.create(oid, { exclusive: true });
      assert.equal((await io.stat(oid)).size, 0);
      await rejectsWith(io.create(oid, { exclusive: true }), 'EEXIST', 17);
      await io.writeFull(oid, 'keep');
      await io.create(oid, { exclusive: false });
      assert.equal((await io.read(oid)).toString(), 'keep');
    });

    test('write fills the gap with zeros and grows the size to max(size, off+len)', async () => {
      const oid = fresh('write');
      await io.write(oid, 'ab', 0);
      await io.write(oid, 'cd', 5);
      assert.deepEqual(await io.read(oid), Buffer.from('ab\0\0\0cd'));
      await io.write(oid, 'X', 1);
      assert.deepEqual(await io.read(oid), Buffer.from('aX\0\0\0cd'));
      assert.equal((await io.stat(oid)).size, 7);
    });

    test('[obs 16.2] a zero-length write past the end extends the object, inside it changes nothing', async () => {
      const oid = fresh('zlw');
      await io.writeFull(oid, '0123456789');
      await io.write(oid, '', 50);
      assert.equal((await io.stat(oid)).size, 50);
      const oid2 = fresh('zlw');
      await io.writeFull(oid2, '0123456789');
      await io.write(oid2, '', 5);
      assert.equal((await io.read(oid2)).toString(), '0123456789');
    });

    test('a write whose declared length differs from its payload is EINVAL', async () => {
      const oid = fresh('badlen');
      await rejectsWith(io.operate(oid, new RawWriteOp().raw({ op: 'write', offset: 0, length: 5, data: Buffer.from('abc') })), 'EINVAL', 22);
      assert.equal(await exists(io, oid), false);
    });

    test('write_full replaces the data (possibly with nothing) and keeps xattrs and omap', async () => {
      const oid = fresh('wf');
      await io.writeFull(oid, 'long content');
      await io.setXattr(oid, 'a', '1');
      await io.omapSet(oid, { k: 'v' });
      await io.writeFull(oid, 'short');
      assert.equal((await io.read(oid)).toString(), 'short');
      await io.writeFull(oid, '');
      assert.equal((await io.stat(oid)).size, 0);
      assert.equal((await io.getXattr(oid, 'a')).toString(), '1');
      assert.equal((await io.omapGetValsByKeys(oid, ['k'])).get('k')?.toString(), 'v');
    });

    test('append writes at the current size and creates a missing object', async () => {
      const oid = fresh('append');
      await io.append(oid, 'abc');
      await io.append(oid, 'def');
      assert.equal((await io.read(oid)).toString(), 'abcdef');
    });

    test('[obs 16.2] writesame: 9 bytes of a 3-byte pattern work, 10 is EINVAL, length 0 is a no-op that creates nothing', async () => {
      const oid = fresh('ws');
      await io.writeSame(oid, 'abc', 9, 2);
      assert.deepEqual(await io.read(oid), Buffer.from('\0\0abcabcabc'));
      await rejectsWith(io.writeSame(fresh('ws'), 'abc', 10), 'EINVAL', 22);
      await rejectsWith(io.writeSame(fresh('ws'), '', 3), 'EINVAL', 22);
      const none = fresh('ws');
      await io.writeSame(none, 'abc', 0);
      assert.equal(await exists(io, none), false);
    });

    test('[obs 16.2] read: length 0 reads to the end, at or after EOF is empty, a missing object is ENOENT, prval 0', async () => {
      const oid = fresh('read');
      await io.writeFull(oid, '0123456789');
      assert.equal((await io.read(oid, { offset: 3 })).toString(), '3456789');
      assert.equal((await io.read(oid, { offset: 8, length: 100 })).toString(), '89');
      assert.equal((await io.read(oid, { offset: 10, length: 5 })).length, 0);
      assert.equal((await io.read(oid, { offset: 50 })).length, 0);
      await rejectsWith(io.read(fresh('read')), 'ENOENT', 2);
      const r = await io.operate(oid, new ReadOp().read(0, 2));
      assert.equal(r.results[0]?.ret, 0);
      assert.equal(r.ret, 0);
    });

    test('sparse_read returns the allocated extents and their bytes; ENOENT when missing', async () => {
      const oid = fresh('sparse');
      await io.write(oid, 'abc', 0);
      await io.write(oid, 'xyz', 600_000);
      const r = await io.sparseRead(oid);
      assert.ok(r.extents.length >= 1);
      const total = r.extents.reduce((s, [, len]) => s + len, 0);
      assert.equal(r.data.length, total);
      // Every written byte lies inside a reported extent, with its value.
      const full = await io.read(oid);
      for (const at of [0, 1, 2, 600_000, 600_002]) {
        const ext = r.extents.find(([off, len]) => at >= off && at < off + len);
        assert.ok(ext, `byte ${at} is in an extent`);
      }
      let cursor = 0;
      for (const [off, len] of r.extents) {
        assert.deepEqual(r.data.subarray(cursor, cursor + len), full.subarray(off, off + len));
        cursor += len;
      }
      await rejectsWith(io.sparseRead(fresh('sparse')), 'ENOENT', 2);
    });

    test('stat returns size and mtime; ENOENT when missing', async () => {
      const oid = fresh('stat');
      await io.writeFull(oid, 'hello');
      const st = await io.stat(oid);
      assert.equal(st.size, 5);
      assert.ok(st.mtime instanceof Date);
      await rejectsWith(io.stat(fresh('stat')), 'ENOENT', 2);
    });

    test('[obs 16.2] truncate grows with zeros and shrinks; on a missing object it succeeds and creates nothing, even at M', async () => {
      const oid = fresh('trunc');
      await io.writeFull(oid, 'abcdef');
      await io.truncate(oid, 3);
      assert.equal((await io.read(oid)).toString(), 'abc');
      await io.truncate(oid, 5);
      assert.deepEqual(await io.read(oid), Buffer.from('abc\0\0'));
      const none = fresh('trunc');
      await io.truncate(none, 10);
      await io.truncate(none, M);
      assert.equal(await exists(io, none), false);
      await rejectsWith(io.truncate(oid, M), 'EFBIG', 27);
      await io.truncate(oid, M - 1);
      assert.equal((await io.stat(oid)).size, M - 1);
    });

    test('[obs 16.2] zero: (5,100) shrinks to 5, (5,5) then no-op, (2,3) zero-fills, (20,5) changes nothing', async () => {
      const a = fresh('zero');
      await io.writeFull(a, '0123456789');
      await io.zero(a, 5, 100);
      assert.equal((await io.read(a)).toString(), '01234');
      await io.zero(a, 5, 5);
      assert.equal((await io.stat(a)).size, 5);
      const b = fresh('zero');
      await io.writeFull(b, '0123456789');
      await io.zero(b, 2, 3);
      assert.deepEqual(await io.read(b), Buffer.from('01\0\0\0' + '56789'));
      await io.zero(b, 20, 5);
      assert.deepEqual(await io.read(b), Buffer.from('01\0\0\0' + '56789'));
    });

    test('[obs 16.2] zero at the size limit: (M,1) on a missing object is EFBIG, (M-1,2) on a 1-byte object is 0, on an M-byte object EFBIG', async () => {
      await rejectsWith(io.zero(fresh('zero'), M, 1), 'EFBIG', 27);
      const small = fresh('zero');
      await io.writeFull(small, 'x');
      await io.zero(small, M - 1, 2);
      assert.equal((await io.read(small)).toString(), 'x');
      const big = fresh('zero');
      await io.write(big, 'y', M - 1);
      await rejectsWith(io.zero(big, M - 1, 2), 'EFBIG', 27);
      const missing = fresh('zero');
      await io.zero(missing, 0, 10);
      assert.equal(await exists(io, missing), false);
    });

    test('remove deletes data, xattrs, omap and header; a missing object is ENOENT', async () => {
      const oid = fresh('rm');
      await io.writeFull(oid, 'data');
      await io.setXattr(oid, 'a', '1');
      await io.omapSet(oid, { k: 'v' });
      await io.omapSetHeader(oid, 'h');
      await io.remove(oid);
      await rejectsWith(io.stat(oid), 'ENOENT', 2);
      await rejectsWith(io.remove(oid), 'ENOENT', 2);
      await io.create(oid);
      assert.equal((await io.getXattrs(oid)).size, 0);
      assert.equal((await io.omapGetVals(oid)).entries.size, 0);
      assert.equal((await io.omapGetHeader(oid)).length, 0);
    });

    test('[obs 16.2] set_alloc_hint creates an empty object', async () => {
      const oid = fresh('hint');
      await io.setAllocHint(oid, 4 * M, 4096, { flags: 1 | 16 });
      assert.equal((await io.stat(oid)).size, 0);
    });

    test('[obs 16.2] cmpext: equal is 0, a mismatch at index 2 is -4097 in the error and in the result', async () => {
      const oid = fresh('cmpext');
      await io.writeFull(oid, 'abcdef');
      await io.cmpExt(oid, 1, 'bcd');
      await io.cmpExt(oid, 4, Buffer.from('ef\0\0'));
      await assert.rejects(io.cmpExt(oid, 0, 'abXd'), (err: unknown) => {
        assert.ok(err instanceof OperateError);
        assert.equal(err.errno, 4097);
        assert.equal(cmpExtMismatchIndex(err), 2);
        assert.equal(err.results[0]?.ret, -4097);
        return true;
      });
      const r = await io.operate(oid, new ReadOp().cmpExt(3, 'dXf').failOk().read(0, 1));
      assert.equal(r.results[0]?.ret, -4096);
      assert.equal(r.results[1]?.out?.kind === 'data' ? r.results[1].out.data.toString() : '', 'a');
      await rejectsWith(io.cmpExt(fresh('cmpext'), 0, 'a'), 'ENOENT', 2);
    });

    test('[obs 16.2] checksum: crc32c seed 0xffffffff of "hello world" is 0x366b9a55, xxhash32 of "hello" is 0xfb0077f9', async () => {
      const oid = fresh('csum');
      await io.writeFull(oid, 'hello world');
      assert.deepEqual(await io.checksum(oid, 'crc32c', { init: 0xffffffff }), [0x366b9a55]);
      assert.deepEqual(await io.checksum(oid, 'xxhash32', { length: 5 }), [0xfb0077f9]);
      assert.deepEqual(await io.checksum(oid, 'xxhash64', { init: 7n }), [BigInt.asUintN(64, xxh64(Buffer.from('hello world'), 7n))]);
    });

    test('checksum per chunk, clipped at EOF, and EINVAL for a bad chunk or length', async () => {
      const oid = fresh('csum');
      await io.writeFull(oid, 'aaaabbbbcc');
      const [a, bb] = await io.checksum(oid, 'xxhash32', { offset: 0, length: 8, chunkSize: 4 });
      assert.equal(a, (await io.checksum(oid, 'xxhash32', { offset: 0, length: 4 }))[0]);
      assert.notEqual(a, bb);
      assert.deepEqual(await io.checksum(oid, 'xxhash32', { offset: 8, length: 100 }), await io.checksum(oid, 'xxhash32', { offset: 8, length: 2 }));
      assert.deepEqual(await io.checksum(oid, 'crc32c', { offset: 50, length: 4 }), []);
      await rejectsWith(io.checksum(oid, 'crc32c', { length: 0, chunkSize: 4 }), 'EINVAL', 22);
      await rejectsWith(io.checksum(oid, 'crc32c', { length: 6, chunkSize: 4 }), 'EINVAL', 22);
      await rejectsWith(io.checksum(fresh('csum'), 'crc32c'), 'ENOENT', 2);
    });

    test('[obs 16.2] copy_from copies data, xattrs, omap and header across pools; missing source ENOENT, onto itself EINVAL', async () => {
      const src = fresh('copysrc');
      await io.writeFull(src, 'copied bytes');
      await io.setXattr(src, 'user.a', 'A');
      await io.omapSet(src, { k1: 'v1', k2: 'v2' });
      await io.omapSetHeader(src, 'hdr');
      const dstIo = rados.ioctx('spec2');
      await dstIo.writeFull('dst', 'old content that is longer');
      await dstIo.setXattr('dst', 'old', 'gone');
      await dstIo.copyFrom('dst', { pool: 'spec', oid: src });
      assert.equal((await dstIo.read('dst')).toString(), 'copied bytes');
      assert.deepEqual([...(await dstIo.getXattrs('dst')).entries()].map(([k, v]) => [k, v.toString()]), [['user.a', 'A']]);
      assert.deepEqual([...(await dstIo.omapGetVals('dst')).entries.keys()], ['k1', 'k2']);
      assert.equal((await dstIo.omapGetHeader('dst')).toString(), 'hdr');
      await rejectsWith(dstIo.copyFrom('dst2', { pool: io.poolId, oid: fresh('nosuch') }), 'ENOENT', 2);
      await rejectsWith(io.copyFrom(src, { pool: 'spec', oid: src }), 'EINVAL', 22);
    });

    test('copy_from checks the source version and follows the source namespace and locator', async () => {
      const src = fresh('copyver');
      await io.writeFull(src, 'v');
      const v = io.getLastVersion();
      await rejectsWith(io.copyFrom(fresh('copydst'), { pool: 'spec', oid: src, version: v + 1 }), 'EOVERFLOW', 75);
      await io.writeFull(src, 'v2');
      await rejectsWith(io.copyFrom(fresh('copydst'), { pool: 'spec', oid: src, version: v }), 'ERANGE', 34);
      const nsIo = rados.ioctx('spec').setNamespace('cns').setLocatorKey('cloc');
      await nsIo.writeFull('inns', 'namespaced');
      const dst = fresh('copydst');
      await io.copyFrom(dst, { pool: 'spec', oid: 'inns', namespace: 'cns', locator: 'cloc' });
      assert.equal((await io.read(dst)).toString(), 'namespaced');
    });

    test('[obs 16.2] assert_exists is ENOENT on a missing object and lets a write through on an existing one', async () => {
      const oid = fresh('ae');
      await rejectsWith(io.operate(oid, new WriteOp().assertExists().writeFull('x')), 'ENOENT', 2);
      assert.equal(await exists(io, oid), false);
      await io.create(oid);
      await io.operate(oid, new WriteOp().assertExists().writeFull('x'));
      assert.equal((await io.read(oid)).toString(), 'x');
    });

    test('[obs 16.2] assert_version: 0 is EINVAL, older ERANGE, newer EOVERFLOW, equal passes', async () => {
      const oid = fresh('av');
      await io.writeFull(oid, 'x');
      const v = io.getLastVersion();
      await rejectsWith(io.operate(oid, new ReadOp().assertVersion(0).read()), 'EINVAL', 22);
      await rejectsWith(io.operate(oid, new ReadOp().assertVersion(v - 1).read()), 'ERANGE', 34);
      await rejectsWith(io.operate(oid, new ReadOp().assertVersion(v + 1).read()), 'EOVERFLOW', 75);
      await io.operate(oid, new WriteOp().assertVersion(v).writeFull('y'));
      assert.equal((await io.read(oid)).toString(), 'y');
    });

    test('set_assert_version guards only the next op on the ioctx', async () => {
      const oid = fresh('sav');
      await io.writeFull(oid, 'x');
      const v = io.getLastVersion();
      io.setAssertVersion(v + 5);
      await rejectsWith(io.writeFull(oid, 'no'), 'EOVERFLOW', 75);
      await io.writeFull(oid, 'yes');
      assert.equal((await io.read(oid)).toString(), 'yes');
      io.setAssertVersion(io.getLastVersion());
      const r = await io.operate(oid, new ReadOp().read());
      assert.equal(r.results.length, 1);
    });
  });

  describe('§3 xattrs', () => {
    test('setxattr creates the object; names of 100 bytes work and 101 is ENAMETOOLONG', async () => {
      const oid = fresh('xa');
      await io.setXattr(oid, 'a'.repeat(100), 'v');
      assert.equal((await io.stat(oid)).size, 0);
      await rejectsWith(io.setXattr(oid, 'a'.repeat(101), 'v'), 'ENAMETOOLONG', 36);
    });

    test('[obs 16.2] getxattr of a missing attribute is ENODATA, of a missing object ENOENT; getxattrs lists all', async () => {
      const oid = fresh('xa');
      await io.setXattr(oid, 'b', '2');
      await io.setXattr(oid, 'a', Buffer.from([0, 255]));
      await rejectsWith(io.getXattr(oid, 'nosuch'), 'ENODATA', 61);
      await rejectsWith(io.getXattr(fresh('xa'), 'a'), 'ENOENT', 2);
      assert.deepEqual(await io.getXattrs(oid), new Map([['a', Buffer.from([0, 255])], ['b', Buffer.from('2')]]));
    });

    test('[obs 16.2] rmxattr of a missing attribute succeeds, of a missing object is ENOENT', async () => {
      const oid = fresh('xa');
      await io.setXattr(oid, 'a', '1');
      await io.rmXattr(oid, 'nosuch');
      await io.rmXattr(oid, 'a');
      assert.equal((await io.getXattrs(oid)).size, 0);
      await rejectsWith(io.rmXattr(fresh('xa'), 'a'), 'ENOENT', 2);
    });

    test('[obs 16.2] cmpxattr STRING mode compares client "50" OP stored "100": GT, GTE, NE hold', async () => {
      const oid = fresh('cx');
      await io.setXattr(oid, 'size', '100');
      for (const op of [CMP_OP.GT, CMP_OP.GTE, CMP_OP.NE]) await io.cmpXattr(oid, 'size', op, '50');
      for (const op of [CMP_OP.EQ, CMP_OP.LT, CMP_OP.LTE]) await rejectsWith(io.cmpXattr(oid, 'size', op, '50'), 'ECANCELED', 125);
    });

    test('[obs 16.2] cmpxattr U64 mode parses the stored decimal text: 50 LT, LTE, NE 100 hold', async () => {
      const oid = fresh('cx');
      await io.setXattr(oid, 'size', '100');
      for (const op of [CMP_OP.LT, CMP_OP.LTE, CMP_OP.NE]) await io.cmpXattr(oid, 'size', op, 50);
      for (const op of [CMP_OP.EQ, CMP_OP.GT, CMP_OP.GTE]) await rejectsWith(io.cmpXattr(oid, 'size', op, 50n), 'ECANCELED', 125);
    });

    test('[obs 16.2] cmpxattr: a missing attribute is "" or 0, a missing object ENOENT, an unknown op EINVAL', async () => {
      const oid = fresh('cx');
      await io.create(oid);
      await io.cmpXattr(oid, 'nosuch', CMP_OP.EQ, '');
      await io.cmpXattr(oid, 'nosuch', CMP_OP.EQ, 0);
      await rejectsWith(io.cmpXattr(fresh('cx'), 'a', CMP_OP.EQ, ''), 'ENOENT', 2);
      await rejectsWith(io.cmpXattr(oid, 'a', 7, ''), 'EINVAL', 22);
    });

    test('[obs 16.2] a read op that ends with a successful cmpxattr returns 1, one ending with a read returns 0', async () => {
      const oid = fresh('cx');
      await io.setXattr(oid, 'a', 'x');
      assert.equal((await io.operate(oid, new ReadOp().cmpXattr('a', CMP_OP.EQ, 'x'))).ret, 1);
      assert.equal((await io.operate(oid, new ReadOp().cmpXattr('a', CMP_OP.EQ, 'x').read())).ret, 0);
      assert.equal((await io.operate(oid, new ReadOp().read().cmpXattr('a', CMP_OP.EQ, 'x'))).ret, 1);
      await rejectsWith(io.operate(oid, new WriteOp().cmpXattr('a', CMP_OP.EQ, 'y').writeFull('no')), 'ECANCELED', 125);
      assert.equal((await io.read(oid)).length, 0);
    });
  });

  describe('§4 omap', () => {
    test('omap_set and omap_set_header create the object; an object without omap lists empty', async () => {
      const a = fresh('om');
      await io.omapSet(a, { k: 'v' });
      assert.equal(await exists(io, a), true);
      const b = fresh('om');
      await io.omapSetHeader(b, 'h');
      assert.equal((await io.omapGetHeader(b)).toString(), 'h');
      const c = fresh('om');
      await io.writeFull(c, 'data');
      assert.deepEqual(await io.omapGetVals(c), { entries: new Map(), more: false });
      assert.deepEqual(await io.omapGetKeys(c), { keys: [], more: false });
      assert.equal((await io.omapGetHeader(c)).length, 0);
    });

    test('osd_max_omap_entries_per_request caps a listing and sets more exactly when keys remain', async () => {
      const oid = fresh('omcap');
      const all = new Map<string, string>();
      for (let i = 0; i < 15; i++) all.set(`k${String(i).padStart(2, '0')}`, `v${i}`);
      await io.omapSet(oid, all);
      const first = await io.omapGetVals(oid, { max: 2000 });
      assert.equal(first.entries.size, OMAP_CAP);
      assert.equal(first.more, true);
      const tail = await io.omapGetKeys(oid, { startAfter: 'k09', max: 10 });
      assert.deepEqual(tail, { keys: ['k10', 'k11', 'k12', 'k13', 'k14'], more: false });
      const exact = await io.omapGetKeys(oid, { startAfter: 'k04', max: 10 });
      assert.equal(exact.keys.length, 10);
      assert.equal(exact.more, false);
      const paged: string[] = [];
      for await (const [k] of io.omapIterate(oid, { pageSize: 4 })) paged.push(k);
      assert.deepEqual(paged, [...all.keys()]);
    });

    test('[obs 16.2] omap_get_vals2 prefix: start at the first key with the prefix when it sorts after start_after', async () => {
      const oid = fresh('ompre');
      const m = new Map<string, string>();
      for (const k of ['a1', 'k00', 'k01', 'k10', 'k11', 'k12', 'k20', 'z']) m.set(k, k);
      await io.omapSet(oid, m);
      assert.deepEqual([...(await io.omapGetVals(oid, { prefix: 'k1' })).entries.keys()], ['k10', 'k11', 'k12']);
      const r = await io.omapGetVals(oid, { startAfter: 'a', prefix: 'k1', max: 2 });
      assert.deepEqual([...r.entries.keys()], ['k10', 'k11']);
      assert.equal(r.more, true);
      const after = await io.omapGetVals(oid, { startAfter: 'k10', prefix: 'k1' });
      assert.deepEqual([...after.entries.keys()], ['k11', 'k12']);
      assert.equal(after.more, false);
    });

    test('omap_get_vals_by_keys returns only the keys that exist', async () => {
      const oid = fresh('omk');
      await io.omapSet(oid, { a: '1', b: '2' });
      assert.deepEqual([...(await io.omapGetValsByKeys(oid, ['b', 'nosuch', 'a'])).keys()], ['a', 'b']);
    });

    test('[obs 16.2] omap_rm_keys ignores absent keys; rm_keys, rm_range and clear on a missing object are ENOENT', async () => {
      const oid = fresh('omrm');
      await io.omapSet(oid, { a: '1', b: '2', c: '3', d: '4' });
      await io.omapRmKeys(oid, ['a', 'nosuch']);
      await io.omapRmRange(oid, 'b', 'd');
      assert.deepEqual([...(await io.omapGetVals(oid)).entries.keys()], ['d']);
      await io.omapSetHeader(oid, 'h');
      await io.omapClear(oid);
      assert.deepEqual(await io.omapGetVals(oid), { entries: new Map(), more: false });
      assert.equal((await io.omapGetHeader(oid)).length, 0);
      const none = fresh('omrm');
      await rejectsWith(io.omapRmKeys(none, ['a']), 'ENOENT', 2);
      await rejectsWith(io.omapRmRange(none, 'a', 'b'), 'ENOENT', 2);
      await rejectsWith(io.omapClear(none), 'ENOENT', 2);
      assert.equal(await exists(io, none), false);
    });

    test('[obs 16.2] omap_cmp compares stored OP given: stored "b" GT "a" holds, EQ/LT cancel, NE/GTE are EINVAL', async () => {
      const oid = fresh('omcmp');
      await io.omapSet(oid, { k: 'b' });
      await io.omapCmp(oid, [['k', 'a', CMP_OP.GT]]);
      await rejectsWith(io.omapCmp(oid, [['k', 'a', CMP_OP.EQ]]), 'ECANCELED', 125);
      await rejectsWith(io.omapCmp(oid, [['k', 'a', CMP_OP.LT]]), 'ECANCELED', 125);
      await rejectsWith(io.omapCmp(oid, [['k', 'a', CMP_OP.NE]]), 'EINVAL', 22);
      await rejectsWith(io.omapCmp(oid, [['k', 'a', CMP_OP.GTE]]), 'EINVAL', 22);
      await io.omapCmp(oid, [['missing', '', CMP_OP.EQ]]);
      await rejectsWith(io.omapCmp(fresh('omcmp'), [['k', 'a', CMP_OP.EQ]]), 'ENOENT', 2);
      await rejectsWith(io.operate(oid, new WriteOp().omapCmp([['k', 'z', CMP_OP.GT]]).omapSet({ k: 'changed' })), 'ECANCELED', 125);
      assert.equal((await io.omapGetValsByKeys(oid, ['k'])).get('k')?.toString(), 'b');
    });
  });

  describe('§5 listing, namespaces and locators', () => {
    let lst: IoCtx;
    const names = Array.from({ length: 40 }, (_, i) => `obj-${i}`);

    before(async () => {
      await rados.createPool('lst', { pgNum: 8 });
      lst = rados.ioctx('lst');
      for (const name of names) await lst.writeFull(name, name);
      const ns = rados.ioctx('lst').setNamespace('ns1');
      await ns.writeFull('obj-0', 'in ns1');
      await ns.writeFull('only-ns1', 'x');
    });

    test('listing goes PG by PG in PG order and returns exactly the namespace\'s objects', async () => {
      const listed: string[] = [];
      for await (const o of lst.listObjects({ pageSize: 5 })) {
        assert.equal(o.namespace, '');
        listed.push(o.name);
      }
      assert.deepEqual([...listed].sort(), [...names].sort());
      const pool = rados.osdMap.pools.find((p) => p.name === 'lst');
      assert.ok(pool);
      const pgs = listed.map((name) => locateObject(rados.osdMap, pool, name, '', '').ps);
      assert.deepEqual(pgs, [...pgs].sort((a, b) => a - b));
      assert.ok(new Set(pgs).size > 1, 'objects span several PGs');
    });

    test('[obs 16.2] ALL_NSPACES ("\\x01") lists every namespace and each entry carries its namespace', async () => {
      const all = rados.ioctx('lst').setNamespace(ALL_NSPACES);
      const seen: string[] = [];
      for await (const o of all.listObjects()) seen.push(`${o.namespace}/${o.name}`);
      assert.deepEqual(seen.sort(), [...names.map((x) => `/${x}`), 'ns1/obj-0', 'ns1/only-ns1'].sort());
      const ns1: string[] = [];
      for await (const o of rados.ioctx('lst').setNamespace('ns1').listObjects()) ns1.push(o.name);
      assert.deepEqual(ns1.sort(), ['obj-0', 'only-ns1']);
    });

    test('serialisable cursors page across PGs without duplicates or misses', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await lst.listObjectsPage(cursor, 3);
        assert.ok(page.entries.length <= 3);
        seen.push(...page.entries.map((e) => e.name));
        // A cursor survives a trip through text and a new IoCtx.
        cursor = page.next === undefined ? undefined : JSON.parse(JSON.stringify(page.next)) as string;
        pages++;
      } while (cursor !== undefined && pages < 100);
      assert.deepEqual([...seen].sort(), [...names].sort());
      assert.equal(new Set(seen).size, seen.length);
      const half = await lst.listObjectsPage(undefined, 17);
      assert.ok(half.next !== undefined);
      const rest: string[] = [];
      for await (const o of rados.ioctx('lst').listObjects({ cursor: half.next })) rest.push(o.name);
      assert.deepEqual([...half.entries.map((e) => e.name), ...rest].sort(), [...names].sort());
      await rejectsWith(lst.listObjectsPage('not a cursor', 5), 'EINVAL', 22);
    });

    test('an empty pool lists nothing', async () => {
      await rados.createPool('empty', { pgNum: 4 });
      const got: unknown[] = [];
      for await (const o of rados.ioctx('empty').listObjects()) got.push(o);
      assert.deepEqual(got, []);
      assert.deepEqual(await rados.ioctx('empty').listObjectsPage(undefined, 10), { entries: [], next: undefined });
    });

    test('[obs 16.2] a locator co-locates objects and the object is only reachable with the same locator', async () => {
      const loc = rados.ioctx('lst').setLocatorKey('anchor');
      await loc.writeFull('loc-a', 'A');
      await loc.writeFull('loc-b', 'B');
      const pool = rados.osdMap.pools.find((p) => p.name === 'lst');
      assert.ok(pool);
      assert.equal(locateObject(rados.osdMap, pool, 'loc-a', '', 'anchor').ps, locateObject(rados.osdMap, pool, 'loc-b', '', 'anchor').ps);
      assert.equal(locateObject(rados.osdMap, pool, 'loc-a', '', 'anchor').ps, locateObject(rados.osdMap, pool, 'anchor', '', '').ps);
      await rejectsWith(lst.read('loc-a'), 'ENOENT', 2);
      assert.equal((await loc.read('loc-a')).toString(), 'A');
      const listed: Array<[string, string]> = [];
      for await (const o of lst.listObjects()) if (o.name.startsWith('loc-')) listed.push([o.name, o.locator]);
      assert.deepEqual(listed.sort(), [['loc-a', 'anchor'], ['loc-b', 'anchor']]);
      await loc.remove('loc-a');
      await loc.remove('loc-b');
    });

    test('poolStats reports the pool\'s objects', async () => {
      const st = await lst.poolStats();
      assert.equal(st.name, 'lst');
      assert.equal(st.id, lst.poolId);
    });
  });

  describe('§6 compound operations', () => {
    test('[obs 16.2] create(excl) twice in one op is EEXIST and creates nothing', async () => {
      const oid = fresh('cmp');
      await rejectsWith(io.operate(oid, new WriteOp().create(true).create(true)), 'EEXIST', 17);
      assert.equal(await exists(io, oid), false);
    });

    test('[obs 16.2] create + remove on a missing object is 0 and leaves it absent', async () => {
      const oid = fresh('cmp');
      assert.equal((await io.operate(oid, new WriteOp().create(false).remove())).ret, 0);
      assert.equal(await exists(io, oid), false);
    });

    test('[obs 16.2] remove + write_full on an existing object leaves the new data', async () => {
      const oid = fresh('cmp');
      await io.writeFull(oid, 'old');
      await io.setXattr(oid, 'a', '1');
      await io.operate(oid, new WriteOp().remove().writeFull('new'));
      assert.equal((await io.read(oid)).toString(), 'new');
      assert.equal((await io.getXattrs(oid)).size, 0);
    });

    test('[obs 16.2] append "def", truncate 2, append "Z" on "abc" gives "abZ"; later sub-ops see earlier ones', async () => {
      const oid = fresh('cmp');
      await io.writeFull(oid, 'abc');
      await io.operate(oid, new WriteOp().append('def').truncate(2).append('Z'));
      assert.equal((await io.read(oid)).toString(), 'abZ');
      const r = await io.operate(oid, new WriteOp().append('!').read(0, 0).setFlags(OPERATION_FLAG.RETURNVEC));
      assert.equal(r.results[1]?.out?.kind === 'data' ? r.results[1].out.data.toString() : '', 'abZ!');
    });

    test('[obs 16.2] remove with FAILOK then create(false) on a missing object: 0, the object exists, prval ENOENT', async () => {
      const oid = fresh('cmp');
      const r = await io.operate(oid, new WriteOp().remove().setOpFlags(OP_FLAG.FAILOK).create(false));
      assert.equal(r.ret, 0);
      assert.equal(r.results[0]?.ret, -2);
      assert.equal((await io.stat(oid)).size, 0);
    });

    test('first failure aborts and applies nothing, even after successful sub-ops', async () => {
      const oid = fresh('cmp');
      await io.writeFull(oid, 'keep');
      await assert.rejects(io.operate(oid, new WriteOp().writeFull('lost').setXattr('x', 'y').create(true).append('never')), (err: unknown) => {
        assert.ok(err instanceof OperateError);
        assert.equal(err.code, 'EEXIST');
        assert.equal(err.results[2]?.ret, -17);
        return true;
      });
      assert.equal((await io.read(oid)).toString(), 'keep');
      assert.equal((await io.getXattrs(oid)).size, 0);
      const missing = fresh('cmp');
      await rejectsWith(io.operate(missing, new WriteOp().writeFull('x').setXattr('a', 'b').assertVersion(1_000_000)), 'EOVERFLOW', 75);
      assert.equal(await exists(io, missing), false);
    });

    test('sub-ops of a write op on a missing object: stat, getxattrs-class and omap removals are ENOENT, read is empty', async () => {
      const a = fresh('wm');
      await rejectsWith(io.operate(a, new WriteOp().stat().create(false)), 'ENOENT', 2);
      await rejectsWith(io.operate(a, new WriteOp().rmXattr('x').create(false)), 'ENOENT', 2);
      await rejectsWith(io.operate(a, new WriteOp().omapRmRange('a', 'b').create(false)), 'ENOENT', 2);
      assert.equal(await exists(io, a), false);
      const r = await io.operate(a, new WriteOp().read(0, 0).writeFull('x').setFlags(OPERATION_FLAG.RETURNVEC));
      assert.equal(r.results[0]?.out?.kind === 'data' ? r.results[0].out.data.length : -1, 0);
      assert.equal((await io.read(a)).toString(), 'x');
    });

    test('[obs 16.2] a successful write op returns 0 without output, but an exec keeps its positive prval', async () => {
      const oid = fresh('wr');
      await io.create(oid);
      const r = await io.operate(oid, new WriteOp().exec('hello', 'writes_dont_return_data'));
      assert.equal(r.ret, 0);
      assert.equal(r.results[0]?.ret, 42);
      assert.equal(r.results[0]?.out, undefined);
      const v = await io.operate(oid, new WriteOp().exec('hello', 'writes_dont_return_data').setFlags(OPERATION_FLAG.RETURNVEC));
      assert.equal(v.ret, 42);
      assert.equal(v.results[0]?.out?.kind === 'data' ? v.results[0].out.data.toString() : '', 'you will never see this');
    });

    test('[obs 16.2] a write-class op that changes nothing is answered like a read: 7 and "abc"', async () => {
      const oid = fresh('wr');
      await io.writeFull(oid, 'x');
      const before = io.getLastVersion();
      const script = 'function f(input, output) output:append("abc") return 7 end objclass.register(f)';
      const r = await io.exec(oid, 'lua', 'eval_json', JSON.stringify({ script, handler: 'f', input: '' }));
      assert.deepEqual([r.ret, r.out.toString()], [7, 'abc']);
      assert.equal(io.getLastVersion(), before);
    });

    test('RETURNVEC: an output of exactly 64 bytes is returned, 65 fails with EOVERFLOW and applies nothing', async () => {
      const oid = fresh('rv');
      await io.writeFull(oid, 'a'.repeat(65));
      const ok = await io.operate(oid, new WriteOp().setXattr('t', '1').read(0, 64).setFlags(OPERATION_FLAG.RETURNVEC));
      assert.equal(ok.results[1]?.out?.kind === 'data' ? ok.results[1].out.data.length : -1, 64);
      await rejectsWith(io.operate(oid, new WriteOp().writeFull('b'.repeat(65)).read(0, 65).setFlags(OPERATION_FLAG.RETURNVEC)), 'EOVERFLOW', 75);
      assert.equal((await io.read(oid)).toString(), 'a'.repeat(65));
      assert.equal((await io.stat(oid)).size, 65);
    });

    test('[obs 16.2] two reads in one read op return their data in sub-op order', async () => {
      const oid = fresh('rr');
      await io.writeFull(oid, 'abcdef');
      const r = await io.operate(oid, new ReadOp().read(4, 2).stat().read(0, 2).getXattrs());
      const out = r.results.map((x) => x.out?.kind);
      assert.deepEqual(out, ['data', 'stat', 'data', 'xattrs']);
      assert.deepEqual(r.results.map((x) => x.ret), [0, 0, 0, 0]);
      assert.equal(r.results[0]?.out?.kind === 'data' ? r.results[0].out.data.toString() : '', 'ef');
    });
  });

  describe('§7 versions', () => {
    test('[obs 16.2] versions are PG-wide: they strictly increase and a read reports without changing them', async () => {
      const co = rados.ioctx('spec').setLocatorKey(fresh('pg'));
      await co.writeFull('v1', 'a');
      const v1 = co.getLastVersion();
      await co.writeFull('v2', 'a');
      const v2 = co.getLastVersion();
      await co.writeFull('v1', 'b');
      const v3 = co.getLastVersion();
      assert.ok(v1 > 0 && v2 > v1 && v3 > v2, `${v1} < ${v2} < ${v3}`);
      await co.read('v2');
      assert.equal(co.getLastVersion(), v2);
      await co.read('v1');
      assert.equal(co.getLastVersion(), v3);
      await co.read('v1');
      assert.equal(co.getLastVersion(), v3);
    });

    test('[obs 16.2] after ENOENT the reported version is a lower bound: at least the PG\'s last version', async () => {
      const co = rados.ioctx('spec').setLocatorKey(fresh('pg'));
      await co.writeFull('w', 'a');
      const v = co.getLastVersion();
      await rejectsWith(co.stat('absent'), 'ENOENT', 2);
      assert.ok(co.getLastVersion() >= v, `${co.getLastVersion()} >= ${v}`);
      await rejectsWith(co.remove('absent'), 'ENOENT', 2);
      assert.ok(co.getLastVersion() >= v);
    });

    test('an op result carries the version and failed ops do not advance the object', async () => {
      const oid = fresh('ver');
      const r = await io.operate(oid, new WriteOp().writeFull('x'));
      assert.equal(r.version, io.getLastVersion());
      await rejectsWith(io.operate(oid, new WriteOp().create(true)), 'EEXIST');
      const q = await io.operate(oid, new ReadOp().stat());
      assert.equal(q.version, r.version);
    });
  });

  describe('sepia rados commands print what Ceph prints', () => {
    let dir: string;
    const cli = async (...args: string[]): Promise<{ out: string; err: string; rc: number }> => {
      const mem = memoryIo();
      const rc = await runRados(['-c', cluster.confPath, ...args], mem);
      return { out: mem.out(), err: mem.err(), rc };
    };

    before(async () => {
      dir = cluster.dir;
      writeFileSync(join(dir, 'abc.txt'), 'abc');
      writeFileSync(join(dir, 'empty.txt'), '');
      await rados.createPool('cli', { pgNum: 4 });
      await rados.createPool('cli2', { pgNum: 4 });
    });

    test('ls of an empty pool prints nothing, and [] with --format json', async () => {
      assert.deepEqual(await cli('-p', 'cli', 'ls'), { out: '', err: '', rc: 0 });
      assert.deepEqual(await cli('-p', 'cli', 'ls', '--format', 'json'), { out: '[]', err: '', rc: 0 });
      assert.deepEqual(await cli('-p', 'cli', 'ls', '--format', 'json-pretty'), { out: '[]\n', err: '', rc: 0 });
    });

    test('create, create again, append and truncate behave as Ceph', async () => {
      assert.deepEqual(await cli('-p', 'cli', 'create', 'o'), { out: '', err: '', rc: 0 });
      assert.deepEqual(await cli('-p', 'cli', 'create', 'o'), { out: '', err: 'error creating cli/o: (17) File exists\n', rc: 1 });
      assert.equal((await cli('-p', 'cli', 'append', 'o', join(dir, 'abc.txt'))).rc, 0);
      assert.equal((await cli('-p', 'cli', 'append', 'o', join(dir, 'abc.txt'))).rc, 0);
      assert.equal((await rados.ioctx('cli').read('o')).toString(), 'abcabc');
      assert.deepEqual(await cli('-p', 'cli', 'truncate', 'o', '2'), { out: '', err: '', rc: 0 });
      assert.equal((await rados.ioctx('cli').read('o')).toString(), 'ab');
      assert.deepEqual(await cli('-p', 'cli', 'truncate', 'o', String(M)), {
        out: '',
        err: `error truncating oid o to ${M}: (27) File too large\nerror 27: (27) File too large\n`,
        rc: 1,
      });
      assert.deepEqual(await cli('-p', 'cli', 'truncate', 'o', '-1'), { out: '', err: `error, cannot truncate to negative value\n${RADOS_USAGE}`, rc: 1 });
    });

    test('put --offset of an empty file replaces the object and makes a hole up to the offset', async () => {
      await rados.ioctx('cli').writeFull('holey', 'abc');
      assert.equal((await cli('-p', 'cli', 'put', 'holey', join(dir, 'empty.txt'), '--offset', '5')).rc, 0);
      assert.deepEqual(await rados.ioctx('cli').read('holey'), Buffer.alloc(5));
    });

    test('cp copies within a pool and with --target-pool, refusing to copy onto itself', async () => {
      await rados.ioctx('cli').writeFull('src', 'copy me');
      await rados.ioctx('cli').setXattr('src', 'user.k', 'v');
      assert.deepEqual(await cli('-p', 'cli', 'cp', 'src', 'dst'), { out: '', err: '', rc: 0 });
      assert.equal((await rados.ioctx('cli').read('dst')).toString(), 'copy me');
      assert.deepEqual(await cli('-p', 'cli', 'cp', 'src'), { out: '', err: 'cannot copy object into itself\n', rc: 1 });
      assert.deepEqual(await cli('-p', 'cli', 'cp', 'src', '--target-pool', 'cli2'), { out: '', err: '', rc: 0 });
      assert.equal((await rados.ioctx('cli2').getXattr('src', 'user.k')).toString(), 'v');
      assert.deepEqual(await cli('-p', 'cli', 'cp', 'nosuch', 'x'), { out: '', err: 'error copying cli/nosuch => cli/x: (2) No such file or directory\n', rc: 1 });
    });

    test('stat prints whole seconds and stat2 the microseconds of the client mtime; --format json changes neither', async () => {
      await rados.ioctx('cli').writeFull('st', 'abcd');
      const st2 = await rados.ioctx('cli').stat2('st');
      const s = await cli('-p', 'cli', 'stat', 'st');
      assert.match(s.out, /^cli\/st mtime \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000[+-]\d{4}, size 4\n$/);
      const s2 = await cli('-p', 'cli', 'stat2', 'st');
      const micros = String(Math.floor(st2.mtime.nsec / 1000)).padStart(6, '0');
      assert.match(s2.out, new RegExp(`^cli/st mtime \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.${micros}[+-]\\d{4}, size 4\\n$`));
      assert.deepEqual(await cli('-p', 'cli', 'stat', 'st', '--format', 'json'), s);
    });

    test('listomapvals hexdumps binary values and non-printable keys; rmomapkey, clearomap and the header work', async () => {
      const c = rados.ioctx('cli');
      await c.omapSet('om', new Map<string, Buffer>([['k\x01', Buffer.from([0, 1, 2])], ['plain', Buffer.from('v')]]));
      const r = await cli('-p', 'cli', 'listomapvals', 'om');
      assert.equal(
        r.out,
        'key (2 bytes):\n00000000  6b 01                                             |k.|\n00000002\n\n' +
          'value (3 bytes) :\n00000000  00 01 02                                          |...|\n00000003\n\n' +
          'plain\nvalue (1 bytes) :\n00000000  76                                                |v|\n00000001\n\n',
      );
      assert.deepEqual(await cli('-p', 'cli', 'listomapkeys', 'om', '--format', 'json'), { out: 'k\x01\nplain\n', err: '', rc: 0 });
      assert.deepEqual(await cli('-p', 'cli', 'rmomapkey', 'om', 'plain'), { out: '', err: '', rc: 0 });
      assert.deepEqual(await cli('-p', 'cli', 'setomapheader', 'om', 'hdr'), { out: '', err: '', rc: 0 });
      assert.deepEqual(await cli('-p', 'cli', 'getomapheader', 'om'), {
        out: 'header (3 bytes) :\n00000000  68 64 72                                          |hdr|\n00000003\n\n',
        err: '',
        rc: 0,
      });
      assert.deepEqual(await cli('-p', 'cli', 'clearomap', 'om'), { out: '', err: '', rc: 0 });
      assert.deepEqual(await cli('-p', 'cli', 'listomapvals', 'om'), { out: '', err: '', rc: 0 });
      assert.deepEqual(await cli('-p', 'cli', 'clearomap', 'nosuch'), { out: '', err: 'error clearing omap keys cli/nosuch/(2) No such file or directory\n', rc: 1 });
    });

    test('-N selects a namespace, --all lists "ns<TAB>name", --object-locator addresses located objects', async () => {
      assert.equal((await cli('-p', 'cli2', '-N', 'nsx', 'put', 'inns', join(dir, 'abc.txt'))).rc, 0);
      assert.equal((await cli('-p', 'cli2', '--object-locator', 'L', 'put', 'located', join(dir, 'abc.txt'))).rc, 0);
      assert.deepEqual(await cli('-p', 'cli2', '--namespace', 'nsx', 'ls'), { out: 'inns\n', err: '', rc: 0 });
      const all = await cli('-p', 'cli2', 'ls', '--all');
      assert.deepEqual(all.out.split('\n').filter((l) => l !== '').sort(), ['\tlocated\tL', '\tsrc', 'nsx\tinns']);
      assert.equal((await cli('-p', 'cli2', 'get', 'located', '-')).rc, 1);
      assert.match((await cli('-p', 'cli2', '--object-locator', 'L', 'stat', 'located')).out, /^cli2\/located mtime .*, size 3\n$/);
      assert.equal((await cli('-p', 'cli2', '--object-locator', 'L', 'get', 'located', '-')).out, 'abc');
      const json = await cli('-p', 'cli2', 'ls', '--all', '--format', 'json');
      const parsed = JSON.parse(json.out) as Array<Record<string, string>>;
      assert.deepEqual(parsed.sort((a, b) => (a['name'] ?? '').localeCompare(b['name'] ?? '')), [
        { namespace: 'nsx', name: 'inns' },
        { namespace: '', name: 'located', locator: 'L' },
        { namespace: '', name: 'src' },
      ]);
      assert.equal(json.out.endsWith(']'), true);
      assert.deepEqual(await cli('-p', 'cli2', '-N', 'nsx', 'ls', '--format', 'json'), { out: '[{"namespace":"nsx","name":"inns"}]', err: '', rc: 0 });
    });

    test('rm removes several objects and stops at the first missing one', async () => {
      const c = rados.ioctx('cli');
      for (const o of ['r1', 'r2', 'r3']) await c.writeFull(o, 'x');
      assert.deepEqual(await cli('-p', 'cli', 'rm', 'r1', 'r2'), { out: '', err: '', rc: 0 });
      assert.deepEqual(await cli('-p', 'cli', 'rm', 'nosuch', 'r3'), { out: '', err: 'error removing cli>nosuch: (2) No such file or directory\n', rc: 1 });
      assert.equal(await exists(c, 'r3'), true);
      assert.deepEqual(await cli('-p', 'cli', '-N', 'q', 'rm', 'gone'), { out: '', err: 'error removing cli>q/gone: (2) No such file or directory\n', rc: 1 });
    });

    test('lspools ignores --format as Ceph does; df --format json has Ceph\'s fields', async () => {
      const plain = await cli('lspools');
      assert.deepEqual(await cli('lspools', '--format', 'json'), plain);
      assert.ok(plain.out.split('\n').includes('cli'));
      const df = await cli('-p', 'cli', 'df', '--format', 'json');
      assert.equal(df.rc, 0);
      assert.equal(df.out.endsWith('}'), true);
      const parsed = JSON.parse(df.out) as { pools: Array<Record<string, unknown>> } & Record<string, unknown>;
      assert.deepEqual(Object.keys(parsed), ['pools', 'total_objects', 'total_used', 'total_avail', 'total_space']);
      assert.deepEqual(Object.keys(parsed.pools[0] ?? {}), [
        'name', 'id', 'size_bytes', 'size_kb', 'num_objects', 'num_object_clones', 'num_object_copies', 'num_objects_missing_on_primary',
        'num_objects_unfound', 'num_objects_degraded', 'read_ops', 'read_bytes', 'write_ops', 'write_bytes', 'compress_bytes_used', 'compress_under_bytes',
      ]);
      assert.equal(parsed.pools[0]?.['name'], 'cli');
      assert.equal((parsed.pools[0]?.['read_bytes'] as number) % 1024, 0);
    });

    test('an unknown --format is refused before connecting, with Ceph\'s text and status', async () => {
      assert.deepEqual(await cli('-p', 'cli', 'ls', '--format', 'yaml'), { out: '', err: 'unrecognized format: yaml\n', rc: 234 });
    });
  });
});
