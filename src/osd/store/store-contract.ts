// The behaviour every ObjectStore must have, as one test suite run against each implementation
// (memory-store.test.ts, lmdb-store.test.ts). Not a test file itself: it only registers tests.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ObjectMeta, Timespec, TxnStep } from '../ops/types.js';
import type { ObjectKey, ObjectStore } from './object-store.js';

export interface ContractHarness {
  /** A fresh empty store with 4 KiB extents (small, so multi-extent cases stay cheap). */
  open(): ObjectStore;
  /** Closes `store` and opens the same medium again (persistence across restarts). */
  reopen(store: ObjectStore): Promise<ObjectStore>;
}

export const EXTENT = 4096;
const T0: Timespec = { sec: 1_700_000_000, nsec: 5 };

export function okey(oid: string, extra: Partial<ObjectKey> = {}): ObjectKey {
  return { pool: 1, ps: 0, hash: 0x1234, namespace: '', oid, locator: '', ...extra };
}

function meta(size: number, userVersion = 1): ObjectMeta {
  return { size, mtime: T0, userVersion };
}

/** Applies steps to one object, deriving the expected size the way the op engine would. */
async function put(store: ObjectStore, key: ObjectKey, steps: TxnStep[], size: number | undefined, userVersion = 1): Promise<void> {
  await store.apply({ objects: [{ key, steps, meta: size === undefined ? undefined : meta(size, userVersion) }] });
}

function pattern(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) b[i] = (i * 31 + seed * 7 + 1) % 251;
  return b;
}

export function storeContract(name: string, h: ContractHarness): void {
  describe(`${name}: object store contract`, () => {
    test('a created object exists with size 0 and the given meta', async () => {
      const s = h.open();
      assert.equal(s.view(okey('a')).meta, undefined);
      await put(s, okey('a'), [{ t: 'create' }], 0, 7);
      assert.deepEqual(s.view(okey('a')).meta, { size: 0, mtime: T0, userVersion: 7 });
      assert.deepEqual(s.view(okey('a')).readData(0, 100), Buffer.alloc(0));
      await s.close();
    });

    test('writes across extents read back exactly, and holes read as zeros', async () => {
      const s = h.open();
      const data = pattern(3 * EXTENT + 100, 1);
      await put(s, okey('w'), [{ t: 'write', offset: 10_000, data }], 10_000 + data.length);
      const v = s.view(okey('w'));
      assert.equal(v.meta?.size, 10_000 + data.length);
      assert.deepEqual(v.readData(0, 10_000), Buffer.alloc(10_000));
      assert.deepEqual(v.readData(10_000, data.length), data);
      assert.deepEqual(v.readData(9_990, 20), Buffer.concat([Buffer.alloc(10), data.subarray(0, 10)]));
      // Reads clip to the object size, even with an absurd length.
      assert.equal(v.readData(10_000, Number.MAX_SAFE_INTEGER).length, data.length);
      assert.deepEqual(v.readData(1e9, 10), Buffer.alloc(0));
      // Allocation is per extent: the extent holding offset 10,000 is allocated from its start.
      assert.deepEqual(v.dataExtents(0, 1e12), [[2 * EXTENT, 10_000 + data.length - 2 * EXTENT]]);
      assert.deepEqual(v.dataExtents(10_000, 10), [[10_000, 10]]);
      await s.close();
    });

    test('a 4 KiB overwrite inside a large object changes only those bytes', async () => {
      const s = h.open();
      const base = pattern(20 * EXTENT, 2);
      await put(s, okey('o'), [{ t: 'write', offset: 0, data: base }], base.length);
      const patch = pattern(4096, 3);
      await put(s, okey('o'), [{ t: 'write', offset: 5000, data: patch }], base.length, 2);
      const expect = Buffer.from(base);
      patch.copy(expect, 5000);
      assert.deepEqual(s.view(okey('o')).readData(0, base.length), expect);
      await s.close();
    });

    test('sparse writes report their allocated extents clipped to the object size', async () => {
      const s = h.open();
      const k = okey('sparse');
      await put(s, k, [
        { t: 'write', offset: 0, data: pattern(100, 1) },
        { t: 'write', offset: 3 * EXTENT + 10, data: pattern(50, 2) },
      ], 3 * EXTENT + 60);
      const v = s.view(k);
      assert.deepEqual(v.dataExtents(0, 1e9), [[0, 100], [3 * EXTENT + 10 - 10, 60]]);
      assert.deepEqual(v.dataExtents(50, 10), [[50, 10]]);
      assert.deepEqual(v.dataExtents(200, EXTENT), []);
      await s.close();
    });

    test('truncate down drops data; truncate back up reads zeros, not old bytes', async () => {
      const s = h.open();
      const k = okey('t');
      const data = pattern(5 * EXTENT, 4);
      await put(s, k, [{ t: 'write', offset: 0, data }], data.length);
      await put(s, k, [{ t: 'truncate', size: EXTENT + 7 }], EXTENT + 7, 2);
      assert.deepEqual(s.view(k).readData(0, 1e9), data.subarray(0, EXTENT + 7));
      await put(s, k, [{ t: 'truncate', size: 5 * EXTENT }], 5 * EXTENT, 3);
      const v = s.view(k);
      assert.deepEqual(v.readData(0, 1e9), Buffer.concat([data.subarray(0, EXTENT + 7), Buffer.alloc(4 * EXTENT - 7)]));
      assert.deepEqual(v.dataExtents(0, 1e9), [[0, EXTENT + 7]]);
      // Down and up again inside one txn.
      await put(s, k, [{ t: 'truncate', size: 3 }, { t: 'truncate', size: 10 }], 10, 4);
      assert.deepEqual(s.view(k).readData(0, 100), Buffer.concat([data.subarray(0, 3), Buffer.alloc(7)]));
      await s.close();
    });

    test('zero keeps the size, reads zeros and frees extents that become empty', async () => {
      const s = h.open();
      const k = okey('z');
      const data = pattern(4 * EXTENT, 5);
      await put(s, k, [{ t: 'write', offset: 0, data }], data.length);
      await put(s, k, [{ t: 'zero', offset: 100, length: 2 * EXTENT }], data.length, 2);
      const v = s.view(k);
      assert.equal(v.meta?.size, data.length);
      const expect = Buffer.from(data);
      expect.fill(0, 100, 100 + 2 * EXTENT);
      assert.deepEqual(v.readData(0, 1e9), expect);
      // Extent 1 is entirely zero now, so it is no longer allocated.
      assert.deepEqual(v.dataExtents(0, 1e9), [[0, 100], [2 * EXTENT, 2 * EXTENT]]);
      await put(s, k, [{ t: 'zero', offset: 0, length: data.length }], data.length, 3);
      assert.deepEqual(s.view(k).dataExtents(0, 1e9), []);
      assert.deepEqual(s.view(k).readData(0, 1e9), Buffer.alloc(data.length));
      await s.close();
    });

    test('xattrs are set, replaced, removed and listed in byte order', async () => {
      const s = h.open();
      const k = okey('x');
      await put(s, k, [
        { t: 'setxattr', name: 'b', value: Buffer.from('2') },
        { t: 'setxattr', name: 'a', value: Buffer.from('1') },
        { t: 'setxattr', name: 'é', value: Buffer.alloc(0) },
        { t: 'setxattr', name: 'c', value: Buffer.from('3') },
      ], 0);
      await put(s, k, [{ t: 'setxattr', name: 'a', value: Buffer.from('one') }, { t: 'rmxattr', name: 'c' }], 0, 2);
      const v = s.view(k);
      assert.deepEqual(v.getXattr('a'), Buffer.from('one'));
      assert.equal(v.getXattr('c'), undefined);
      assert.deepEqual(v.getXattr('é'), Buffer.alloc(0));
      assert.deepEqual(v.xattrs().map(([n]) => n), ['a', 'b', 'é']);
      await s.close();
    });

    test('omap keys list in bytewise UTF-8 order, including non-ASCII and astral characters', async () => {
      const s = h.open();
      const k = okey('m');
      const keys = ['b', 'a', 'B', '', 'é', '€', '\uff21', '\u{1d11e}', 'a\u0000b', 'aa'];
      await put(s, k, [{ t: 'omap_set', entries: keys.map((x, i) => [x, Buffer.from(`v${i}`)] as const) }], 0);
      const byUtf8 = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      const v = s.view(k);
      assert.deepEqual(v.omapRange('', 100).map(([x]) => x), byUtf8);
      // '\uff21' sorts before the astral U+1D11E in UTF-8, although not in UTF-16.
      assert.ok(byUtf8.indexOf('\uff21') < byUtf8.indexOf('\u{1d11e}'));
      assert.deepEqual(v.omapRange('a', 2).map(([x]) => x), byUtf8.slice(byUtf8.indexOf('a') + 1, byUtf8.indexOf('a') + 3));
      assert.deepEqual(v.omapGet('€'), Buffer.from(`v${keys.indexOf('€')}`));
      assert.equal(v.omapGet('zz'), undefined);
      await s.close();
    });

    test('omap rm, rm_range, header and clear change exactly what they name', async () => {
      const s = h.open();
      const k = okey('m2');
      const entries = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => [x, Buffer.from(x.toUpperCase())] as const);
      await put(s, k, [{ t: 'omap_set', entries }, { t: 'omap_set_header', value: Buffer.from('hdr') }], 0);
      await put(s, k, [{ t: 'omap_rm', keys: ['a', 'nope'] }, { t: 'omap_rm_range', begin: 'c', end: 'e' }], 0, 2);
      let v = s.view(k);
      assert.deepEqual(v.omapRange('', 10), [['b', Buffer.from('B')], ['e', Buffer.from('E')], ['f', Buffer.from('F')]]);
      assert.deepEqual(v.omapHeader(), Buffer.from('hdr'));
      await put(s, k, [{ t: 'omap_clear' }, { t: 'omap_set', entries: [['z', Buffer.from('Z')]] }], 0, 3);
      v = s.view(k);
      assert.deepEqual(v.omapRange('', 10), [['z', Buffer.from('Z')]]);
      assert.deepEqual(v.omapHeader(), Buffer.alloc(0));
      await s.close();
    });

    test('1,000-byte omap keys keep byte order; 3,000-byte keys are stored and retrievable', async () => {
      const s = h.open();
      const k = okey('longomap');
      const keys = ['c', 'a', 'b'].map((ch) => ch.repeat(1000));
      keys.push('a'.repeat(999) + 'b', 'a'.repeat(1000) + 'a');
      const huge = 'h'.repeat(3000);
      const huge2 = 'h'.repeat(2999) + 'i';
      await put(s, k, [{ t: 'omap_set', entries: [...keys, huge, huge2].map((x) => [x, Buffer.from(x.slice(-3))] as const) }], 0);
      const v = s.view(k);
      const listed = v.omapRange('', 100).map(([x]) => x);
      const short = listed.filter((x) => x.length <= 1000 + 1);
      assert.deepEqual(short, [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      assert.ok(listed.includes(huge) && listed.includes(huge2));
      // A long key still sorts after the shorter keys it extends and before larger prefixes.
      assert.ok(listed.indexOf(huge) > listed.indexOf('c'.repeat(1000)));
      assert.deepEqual(v.omapGet(huge), Buffer.from('hhh'));
      assert.deepEqual(v.omapGet(huge2), Buffer.from('hhi'));
      assert.equal(v.omapGet('h'.repeat(3001)), undefined);
      await put(s, k, [{ t: 'omap_rm', keys: [huge] }], 0, 2);
      assert.equal(s.view(k).omapGet(huge), undefined);
      assert.deepEqual(s.view(k).omapGet(huge2), Buffer.from('hhi'));
      await s.close();
    });

    test('remove then re-create in one txn leaves only the new object state', async () => {
      const s = h.open();
      const k = okey('rr');
      await put(s, k, [
        { t: 'write', offset: 0, data: pattern(3 * EXTENT, 1) },
        { t: 'setxattr', name: 'old', value: Buffer.from('x') },
        { t: 'omap_set', entries: [['old', Buffer.from('x')]] },
        { t: 'omap_set_header', value: Buffer.from('h') },
      ], 3 * EXTENT);
      await put(s, k, [
        { t: 'remove' },
        { t: 'create' },
        { t: 'write', offset: 10, data: Buffer.from('new') },
        { t: 'omap_set', entries: [['new', Buffer.from('y')]] },
      ], 13, 2);
      const v = s.view(k);
      assert.deepEqual(v.readData(0, 100), Buffer.concat([Buffer.alloc(10), Buffer.from('new')]));
      assert.deepEqual(v.dataExtents(0, 100), [[0, 13]]);
      assert.deepEqual(v.xattrs(), []);
      assert.deepEqual(v.omapRange('', 10), [['new', Buffer.from('y')]]);
      assert.deepEqual(v.omapHeader(), Buffer.alloc(0));
      await put(s, k, [{ t: 'remove' }], undefined);
      assert.equal(s.view(k).meta, undefined);
      assert.deepEqual(s.view(k).omapRange('', 10), []);
      assert.deepEqual(s.statfs(), { usedBytes: 0, objects: 0 });
      await s.close();
    });

    test('a 2,048-byte name with a 256-byte namespace and 2,048-byte locator works end to end', async () => {
      const s = h.open();
      const big = okey('o'.repeat(2047) + '1', { namespace: 'n'.repeat(256), locator: 'l'.repeat(2048) });
      const twin = okey('o'.repeat(2047) + '2', { namespace: 'n'.repeat(256), locator: 'l'.repeat(2048) });
      await put(s, big, [{ t: 'write', offset: 0, data: Buffer.from('one') }, { t: 'omap_set', entries: [['k', Buffer.from('1')]] }], 3);
      await put(s, twin, [{ t: 'write', offset: 0, data: Buffer.from('two!') }], 4);
      assert.deepEqual(s.view(big).readData(0, 10), Buffer.from('one'));
      assert.deepEqual(s.view(twin).readData(0, 10), Buffer.from('two!'));
      assert.deepEqual(s.view(big).omapGet('k'), Buffer.from('1'));
      const listed = s.listObjects(1, 0, undefined, 10);
      assert.equal(listed.length, 2);
      assert.deepEqual(new Set(listed.map((x) => x.oid)), new Set([big.oid, twin.oid]));
      assert.deepEqual(listed.find((x) => x.oid === big.oid), big);
      assert.deepEqual(s.listObjects(1, 0, listed[0], 10), [listed[1]]);
      await put(s, big, [{ t: 'remove' }], undefined);
      assert.equal(s.view(big).meta, undefined);
      assert.deepEqual(s.listObjects(1, 0, undefined, 10).map((x) => x.oid), [twin.oid]);
      await s.close();
    });

    test('listing walks one PG in (hash, namespace, oid, locator) order with exclusive cursors', async () => {
      const s = h.open();
      const keys = [
        okey('b', { hash: 5 }),
        okey('a', { hash: 5 }),
        okey('a', { hash: 5, namespace: 'ns' }),
        okey('z', { hash: 1 }),
        okey('a', { hash: 0xffffffff }),
        okey('a', { hash: 5, locator: 'loc' }),
        okey('a\u0000', { hash: 5 }),
        okey('other-pg', { ps: 1 }),
        okey('other-pool', { pool: 2 }),
      ];
      await s.apply({ objects: keys.map((key) => ({ key, steps: [{ t: 'create' }], meta: meta(0) })) });
      const expected = [keys[3], keys[1], keys[5], keys[6], keys[0], keys[2], keys[4]];
      assert.deepEqual(s.listObjects(1, 0, undefined, 100), expected);
      const paged: ObjectKey[] = [];
      let cursor: ObjectKey | undefined;
      for (let i = 0; i < 10; i += 1) {
        const page = s.listObjects(1, 0, cursor, 2);
        if (page.length === 0) break;
        paged.push(...page);
        cursor = page.at(-1);
      }
      assert.deepEqual(paged, expected);
      assert.deepEqual(s.listObjects(1, 1, undefined, 100), [keys[7]]);
      assert.deepEqual(s.listObjects(1, 0, undefined, 0), []);
      await s.close();
    });

    test('pg log entries append, read after a version, and trim up to a version', async () => {
      const s = h.open();
      await s.apply({
        objects: [],
        pgLog: [1, 2, 3, 4, 5].map((version) => ({ pool: 1, ps: 3, version, entry: { op: 'write', version, blob: Buffer.from([version]) } })),
      });
      await s.apply({ objects: [], pgLog: [{ pool: 1, ps: 4, version: 1, entry: 'other' }] });
      assert.deepEqual(s.readPgLog(1, 3, 0, 100).map((e) => e.version), [1, 2, 3, 4, 5]);
      assert.deepEqual(s.readPgLog(1, 3, 2, 2), [
        { version: 3, entry: { op: 'write', version: 3, blob: Buffer.from([3]) } },
        { version: 4, entry: { op: 'write', version: 4, blob: Buffer.from([4]) } },
      ]);
      await s.apply({ objects: [], pgLogTrim: [{ pool: 1, ps: 3, toVersion: 3 }], pgLog: [{ pool: 1, ps: 3, version: 6, entry: 6 }] });
      assert.deepEqual(s.readPgLog(1, 3, 0, 100).map((e) => e.version), [4, 5, 6]);
      assert.deepEqual(s.readPgLog(1, 4, 0, 100), [{ version: 1, entry: 'other' }]);
      await s.close();
    });

    test('pg metadata and store metadata are replaced and read back', async () => {
      const s = h.open();
      assert.equal(s.getPgMeta(1, 2), undefined);
      assert.equal(s.getMeta('superblock'), undefined);
      await s.apply({ objects: [], pgMeta: [{ pool: 1, ps: 2, value: { lastUpdate: 3 } }], meta: [{ key: 'superblock', value: { osd: 4, fsid: 'f' } }] });
      await s.apply({ objects: [], pgMeta: [{ pool: 1, ps: 2, value: { lastUpdate: 9 } }] });
      assert.deepEqual(s.getPgMeta(1, 2), { lastUpdate: 9 });
      assert.deepEqual(s.getMeta('superblock'), { osd: 4, fsid: 'f' });
      await s.close();
    });

    test('listPgs reports every PG holding objects, log entries or metadata', async () => {
      const s = h.open();
      await s.apply({
        objects: [{ key: okey('a', { pool: 3, ps: 7 }), steps: [{ t: 'create' }], meta: meta(0) }],
        pgLog: [{ pool: 1, ps: 9, version: 1, entry: 1 }],
        pgMeta: [{ pool: 2, ps: 0, value: 1 }, { pool: 3, ps: 7, value: 2 }],
      });
      assert.deepEqual(s.listPgs(), [{ pool: 1, ps: 9 }, { pool: 2, ps: 0 }, { pool: 3, ps: 7 }]);
      await s.close();
    });

    test('removePool drops the pool objects, logs and metadata and nothing else', async () => {
      const s = h.open();
      const objects = [];
      for (let i = 0; i < 150; i += 1) {
        objects.push({
          key: okey(`o${i}`, { pool: 5, ps: i % 4, hash: i }),
          steps: [{ t: 'write', offset: 0, data: Buffer.from('data') }, { t: 'omap_set', entries: [['k', Buffer.from('v')]] }] as TxnStep[],
          meta: meta(4),
        });
      }
      objects.push({ key: okey('keep', { pool: 6 }), steps: [{ t: 'write', offset: 0, data: Buffer.from('x') }] as TxnStep[], meta: meta(1) });
      await s.apply({
        objects,
        pgLog: [{ pool: 5, ps: 1, version: 1, entry: 1 }, { pool: 6, ps: 0, version: 1, entry: 1 }],
        pgMeta: [{ pool: 5, ps: 1, value: 1 }, { pool: 6, ps: 0, value: 1 }],
      });
      assert.deepEqual(s.statfs(), { usedBytes: 150 * 4 + 1, objects: 151 });
      await s.removePool(5);
      assert.deepEqual(s.listPgs(), [{ pool: 6, ps: 0 }]);
      assert.deepEqual(s.statfs(), { usedBytes: 1, objects: 1 });
      assert.equal(s.view(okey('o1', { pool: 5, ps: 1, hash: 1 })).meta, undefined);
      assert.deepEqual(s.view(okey('keep', { pool: 6 })).readData(0, 10), Buffer.from('x'));
      assert.deepEqual(s.readPgLog(6, 0, 0, 10).length, 1);
      await s.close();
    });

    test('statfs counts objects and their sizes', async () => {
      const s = h.open();
      await put(s, okey('a'), [{ t: 'write', offset: 0, data: Buffer.alloc(100, 1) }], 100);
      await put(s, okey('b'), [{ t: 'truncate', size: 5000 }], 5000);
      assert.deepEqual(s.statfs(), { usedBytes: 5100, objects: 2 });
      await put(s, okey('a'), [{ t: 'truncate', size: 10 }], 10, 2);
      assert.deepEqual(s.statfs(), { usedBytes: 5010, objects: 2 });
      await s.close();
    });

    test('several objects in one txn commit together, and views never change under the caller', async () => {
      const s = h.open();
      await s.apply({
        objects: [
          { key: okey('p'), steps: [{ t: 'write', offset: 0, data: Buffer.from('p1') }, { t: 'setxattr', name: 'x', value: Buffer.from('1') }], meta: meta(2) },
          { key: okey('q'), steps: [{ t: 'write', offset: 0, data: Buffer.from('q1') }], meta: meta(2) },
        ],
      });
      const before = s.view(okey('p'));
      const data = before.readData(0, 10);
      const x = before.getXattr('x');
      data.fill(0);
      x?.fill(0);
      await put(s, okey('p'), [{ t: 'write', offset: 0, data: Buffer.from('P2') }, { t: 'setxattr', name: 'x', value: Buffer.from('2') }], 2, 2);
      assert.deepEqual(s.view(okey('p')).readData(0, 10), Buffer.from('P2'));
      assert.deepEqual(s.view(okey('q')).readData(0, 10), Buffer.from('q1'));
      assert.deepEqual(s.view(okey('p')).getXattr('x'), Buffer.from('2'));
      await s.close();
    });

    test('a txn whose meta contradicts its steps is refused and changes nothing', async () => {
      const s = h.open();
      await put(s, okey('good'), [{ t: 'write', offset: 0, data: Buffer.from('keep') }], 4);
      assert.throws(
        () =>
          s.apply({
            objects: [
              { key: okey('good'), steps: [{ t: 'write', offset: 0, data: Buffer.from('XXXX') }], meta: meta(4, 2) },
              { key: okey('bad'), steps: [{ t: 'write', offset: 0, data: Buffer.from('abc') }], meta: meta(99) },
            ],
          }),
        /invariant violated/,
      );
      assert.deepEqual(s.view(okey('good')).readData(0, 10), Buffer.from('keep'));
      assert.equal(s.view(okey('bad')).meta, undefined);
      assert.throws(() => s.apply({ objects: [{ key: okey('good'), steps: [], meta: undefined }] }), /invariant violated/);
      assert.ok(s.view(okey('good')).meta !== undefined);
      await s.close();
    });

    test('everything applied is still there after closing and reopening', async () => {
      let s = h.open();
      const k = okey('persist', { namespace: 'ns', locator: 'l' });
      const long = okey('p'.repeat(2048), { namespace: 'n'.repeat(256), locator: 'l'.repeat(2048) });
      await s.apply({
        objects: [
          {
            key: k,
            steps: [
              { t: 'write', offset: EXTENT - 2, data: Buffer.from('span') },
              { t: 'setxattr', name: 'a', value: Buffer.from('b') },
              { t: 'omap_set', entries: [['x'.repeat(2500), Buffer.from('long')], ['y', Buffer.from('short')]] },
              { t: 'omap_set_header', value: Buffer.from('H') },
            ],
            meta: meta(EXTENT + 2, 4),
          },
          { key: long, steps: [{ t: 'create' }], meta: meta(0) },
        ],
        pgLog: [{ pool: 1, ps: 0, version: 1, entry: { v: 1 } }],
        pgMeta: [{ pool: 1, ps: 0, value: 'info' }],
        meta: [{ key: 'superblock', value: { osd: 1 } }],
      });
      s = await h.reopen(s);
      const v = s.view(k);
      assert.deepEqual(v.meta, meta(EXTENT + 2, 4));
      assert.deepEqual(v.readData(EXTENT - 2, 4), Buffer.from('span'));
      assert.deepEqual(v.getXattr('a'), Buffer.from('b'));
      assert.deepEqual(v.omapRange('', 10), [['x'.repeat(2500), Buffer.from('long')], ['y', Buffer.from('short')]]);
      assert.deepEqual(v.omapHeader(), Buffer.from('H'));
      assert.deepEqual(s.listObjects(1, 0, undefined, 10).length, 2);
      assert.deepEqual(s.readPgLog(1, 0, 0, 10), [{ version: 1, entry: { v: 1 } }]);
      assert.equal(s.getPgMeta(1, 0), 'info');
      assert.deepEqual(s.getMeta('superblock'), { osd: 1 });
      assert.deepEqual(s.statfs(), { usedBytes: EXTENT + 2, objects: 2 });
      // A new object after reopen does not reuse the data of an existing one.
      await put(s, okey('fresh'), [{ t: 'create' }], 0);
      assert.deepEqual(s.view(okey('fresh')).omapRange('', 10), []);
      assert.deepEqual(s.view(k).omapRange('', 10).length, 2);
      await s.close();
    });

    test('a txn is visible to views as soon as apply() returns, before it is durable', async () => {
      const s = h.open();
      const durable = s.apply({ objects: [{ key: okey('now'), steps: [{ t: 'write', offset: 0, data: Buffer.from('seen') }], meta: meta(4) }] });
      assert.deepEqual(s.view(okey('now')).readData(0, 10), Buffer.from('seen'));
      assert.deepEqual(s.listObjects(1, 0, undefined, 10).map((x) => x.oid), ['now']);
      const second = s.apply({ objects: [{ key: okey('now'), steps: [{ t: 'write', offset: 4, data: Buffer.from('!') }], meta: meta(5, 2) }] });
      assert.deepEqual(s.view(okey('now')).readData(0, 10), Buffer.from('seen!'));
      await Promise.all([durable, second]);
      assert.deepEqual(s.view(okey('now')).readData(0, 10), Buffer.from('seen!'));
      await s.close();
    });
  });
}
