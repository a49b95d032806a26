import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/files.js';
import { fileSizeBytes, makeTempDir, removeDir } from '../../io/fs.js';
import type { KvObjectStore } from './kv-object-store.js';
import { LMDB_BYTES_IN_FLIGHT_MAX, openLmdbStore } from './lmdb-store.js';
import type { ObjectStore } from './object-store.js';
import { EXTENT, okey, storeContract } from './store-contract.js';

const root = makeTempDir('sepia-lmdb-store-');
after(() => removeDir(root));
let seq = 0;
const paths = new WeakMap<ObjectStore, string>();

function fresh(extentSizeBytes: number = EXTENT): { store: KvObjectStore; path: string } {
  seq += 1;
  const path = join(root, `s${seq}`);
  const store = openLmdbStore({ path, extentSizeBytes });
  paths.set(store, path);
  return { store, path };
}

storeContract('lmdb', {
  open: () => fresh().store,
  async reopen(store: ObjectStore): Promise<ObjectStore> {
    const path = paths.get(store);
    assert.ok(path !== undefined);
    await store.close();
    const s = openLmdbStore({ path });
    paths.set(s, path);
    return s;
  },
});

const MTIME = { sec: 1, nsec: 0 };

test('64 applies in flight at once resolve after one shared flush, not one flush each', async () => {
  const { store } = fresh();
  await store.apply({ objects: [] });
  const flushesBefore = store.flushCount;
  const acks: Array<Promise<void>> = [];
  for (let i = 0; i < 64; i += 1) {
    acks.push(
      store.apply({
        objects: [{ key: okey(`c${i}`), steps: [{ t: 'write', offset: 0, data: Buffer.alloc(4096, i) }], meta: { size: 4096, mtime: MTIME, userVersion: 1 } }],
      }),
    );
    // Visible synchronously, before any flush.
    assert.deepEqual(store.view(okey(`c${i}`)).readData(0, 1), Buffer.from([i]));
  }
  await Promise.all(acks);
  const used = store.flushCount - flushesBefore;
  // One or two log writes carry all 64; on a loaded machine the 50 ms apply timer can also fire
  // before the last ack and add an lmdb flush or two. One flush per commit would be 64.
  assert.ok(used >= 1 && used <= 4, `64 txns used ${used} flushes`);
  await store.close();
});

test('a 256 MiB data set grows the map past a small initial size and reads back', async () => {
  seq += 1;
  const path = join(root, `s${seq}`);
  let store = openLmdbStore({ path, mapSizeBytes: 16 * 1024 * 1024 });
  const objectBytes = 4 * 1024 * 1024;
  const chunk = Buffer.alloc(objectBytes);
  for (let round = 0; round < 8; round += 1) {
    const acks: Array<Promise<void>> = [];
    for (let j = 0; j < 8; j += 1) {
      const i = round * 8 + j;
      chunk.fill(i + 1);
      acks.push(store.apply({ objects: [{ key: okey(`big${i}`), steps: [{ t: 'write', offset: 0, data: chunk }], meta: { size: objectBytes, mtime: MTIME, userVersion: 1 } }] }));
    }
    await Promise.all(acks);
  }
  assert.deepEqual(store.statfs(), { usedBytes: 64 * objectBytes, objects: 64 });
  // Overwriting 4 KiB inside 4 MiB objects, many times, rewrites single extents: the file barely grows.
  const sizeBefore = fileSizeBytes(join(path, 'data.mdb'));
  for (let r = 0; r < 200; r += 1) {
    await store.apply({ objects: [{ key: okey(`big${r % 64}`), steps: [{ t: 'write', offset: (r * 4096) % objectBytes, data: Buffer.alloc(4096, 0xee) }], meta: { size: objectBytes, mtime: MTIME, userVersion: 2 } }] });
  }
  const sizeAfter = fileSizeBytes(join(path, 'data.mdb'));
  assert.ok(sizeAfter - sizeBefore < 32 * 1024 * 1024, `file grew by ${sizeAfter - sizeBefore} bytes`);
  await store.close();
  store = openLmdbStore({ path });
  const v = store.view(okey('big63'));
  assert.equal(v.readData(objectBytes - 10, 10).every((b) => b === 64), true);
  assert.equal(store.view(okey('big0')).readData(0, 4096).every((b) => b === 0xee), true);
  await store.close();
});

test('reopening with a different extent size is refused', async () => {
  const { store, path } = fresh(8192);
  await store.close();
  assert.throws(() => openLmdbStore({ path, extentSizeBytes: 4096 }), { code: 'EINVAL' });
});

test('a store made with 4 KiB lmdb pages (before 16 KiB became the default) reopens with its objects', async () => {
  seq += 1;
  const path = join(root, `s${seq}`);
  let store = openLmdbStore({ path, pageSizeBytes: 4096 });
  const data = Buffer.alloc(200_000, 7);
  await store.apply({
    objects: [{ key: okey('old'), steps: [{ t: 'write', offset: 0, data }], meta: { size: data.length, mtime: MTIME, userVersion: 1 } }],
  });
  await store.close();
  store = openLmdbStore({ path });
  assert.deepEqual(store.view(okey('old')).readData(0, data.length), data);
  await store.apply({
    objects: [{ key: okey('new'), steps: [{ t: 'write', offset: 0, data: Buffer.from('n') }], meta: { size: 1, mtime: MTIME, userVersion: 1 } }],
  });
  await store.close();
  store = openLmdbStore({ path });
  assert.deepEqual(store.view(okey('new')).readData(0, 1), Buffer.from('n'));
  assert.deepEqual(store.view(okey('old')).readData(0, data.length), data);
  await store.close();
});

test('small commits (WAL) and large ones (straight to lmdb) are acknowledged in commit order and all survive a reopen', async () => {
  const { store, path } = fresh();
  const order: string[] = [];
  const acks: Array<Promise<void>> = [];
  const sizes = [100, 300_000, 100, 100, 2_000_000, 100];
  sizes.forEach((size, i) => {
    const p = store.apply({
      objects: [{ key: okey(`o${i}`), steps: [{ t: 'write', offset: 0, data: Buffer.alloc(size, i + 1) }], meta: { size, mtime: MTIME, userVersion: 1 } }],
    });
    acks.push(p.then(() => void order.push(`o${i}`)));
  });
  await Promise.all(acks);
  assert.deepEqual(order, sizes.map((_, i) => `o${i}`));
  await store.close();
  const reopened = openLmdbStore({ path });
  sizes.forEach((size, i) => {
    const data = reopened.view(okey(`o${i}`)).readData(0, size);
    assert.equal(data.length, size);
    assert.ok(data.every((b) => b === i + 1), `o${i} intact`);
  });
  await reopened.close();
});

test('large commits issued at once go to lmdb in transactions of bounded size, in order, readable before they land and intact after a reopen', async () => {
  const { store, path } = fresh();
  const size = 4 * 1024 * 1024;
  const count = 12;
  const order: number[] = [];
  const acks: Array<Promise<void>> = [];
  for (let i = 0; i < count; i += 1) {
    const p = store.apply({
      objects: [{ key: okey(`big${i}`), steps: [{ t: 'write', offset: 0, data: Buffer.alloc(size, i + 1) }], meta: { size, mtime: MTIME, userVersion: 1 } }],
    });
    acks.push(p.then(() => void order.push(i)));
    assert.equal(store.view(okey(`big${i}`)).readData(size - 1, 1)[0], i + 1);
  }
  await Promise.all(acks);
  assert.deepEqual(order, [...Array(count).keys()]);
  const largest = store.peakValueBytesInFlight ?? Number.POSITIVE_INFINITY;
  // A commit starts only while fewer than the cap's bytes are in flight.
  assert.ok(largest < LMDB_BYTES_IN_FLIGHT_MAX + size, `${largest} bytes of values were in lmdb transactions at once`);
  await store.close();
  const reopened = openLmdbStore({ path });
  for (let i = 0; i < count; i += 1) {
    const data = reopened.view(okey(`big${i}`)).readData(0, size);
    assert.ok(data.length === size && data.every((b) => b === i + 1), `big${i} intact`);
  }
  await reopened.close();
});

test('readDataParts returns readData\'s bytes (holes, partial extents, pending writes), and released chunks are reused without changing later reads', async () => {
  const { store } = fresh(4096);
  const obj = okey('parts');
  const a = Buffer.alloc(10_000, 0xa1);
  const b = Buffer.alloc(5_000, 0xb2);
  // Bytes 0..10k, a hole up to 20k, then 20k..25k: the last write is still pending when read.
  await store.apply({ objects: [{ key: obj, steps: [{ t: 'write', offset: 0, data: a }], meta: { size: 10_000, mtime: MTIME, userVersion: 1 } }] });
  const pending = store.apply({ objects: [{ key: obj, steps: [{ t: 'write', offset: 20_000, data: b }], meta: { size: 25_000, mtime: MTIME, userVersion: 2 } }] });
  const ranges: Array<[number, number]> = [[0, 25_000], [1, 24_998], [4095, 2], [9_000, 12_000], [12_000, 100], [24_999, 10], [30_000, 5]];
  for (const [offset, length] of ranges) {
    const view = store.view(obj);
    const parts = view.readDataParts?.(offset, length) ?? [];
    assert.deepEqual(Buffer.concat(parts), view.readData(offset, length), `[${offset}, +${length})`);
    store.releaseReadParts(parts);
  }
  await pending;
  // Chunks given back and taken again hold the new read's bytes only.
  const first = store.view(obj).readDataParts?.(0, 4096) ?? [];
  assert.ok(first.every((p) => p.every((x) => x === 0xa1)));
  store.releaseReadParts(first);
  const again = store.view(obj).readDataParts?.(20_000, 4096) ?? [];
  assert.deepEqual(Buffer.concat(again), Buffer.alloc(4096, 0xb2));
  await store.close();
});

test('a 4 KiB read answers from a small pooled buffer: a read in flight keeps its bytes, and a released buffer serves the next small read', async () => {
  const { store } = fresh();
  const put = (name: string, fill: number) =>
    store.apply({ objects: [{ key: okey(name), steps: [{ t: 'write', offset: 0, data: Buffer.alloc(4096, fill) }], meta: { size: 4096, mtime: MTIME, userVersion: 1 } }] });
  await Promise.all([put('x', 0x11), put('y', 0x22)]);
  const x = store.view(okey('x')).readDataParts?.(0, 4096) ?? [];
  const y = store.view(okey('y')).readDataParts?.(0, 4096) ?? [];
  assert.equal(x.length, 1);
  assert.ok(x[0]?.length === 4096 && x[0].every((b) => b === 0x11), 'x is intact while y is read');
  assert.ok(y[0]?.length === 4096 && y[0].every((b) => b === 0x22));
  store.releaseReadParts(x);
  store.releaseReadParts(y);
  // 100 more read-and-release rounds reuse the same two chunks: no buffer per read.
  const chunks = new Set<string>();
  const slabs = new Set<ArrayBufferLike>();
  const where = (b: Buffer): void => {
    slabs.add(b.buffer);
    chunks.add(String(b.byteOffset));
  };
  where(x[0]);
  where(y[0]);
  for (let i = 0; i < 100; i += 1) {
    const parts = store.view(okey(i % 2 === 0 ? 'x' : 'y')).readDataParts?.(0, 4096) ?? [];
    const part = parts[0];
    assert.ok(part !== undefined && part.every((b) => b === (i % 2 === 0 ? 0x11 : 0x22)), `round ${i} reads its own object`);
    where(part);
    store.releaseReadParts(parts);
  }
  assert.equal(slabs.size, 1);
  assert.equal(chunks.size, 2);
  await store.close();
});

test('commits that rewrite the same meta keys, applied to lmdb in one transaction, leave each key\'s last value before and after a reopen', async () => {
  const { store, path } = fresh();
  const acks: Array<Promise<void>> = [];
  for (let i = 0; i < 200; i += 1) {
    acks.push(store.apply({ objects: [], meta: [{ key: 'counter', value: i }], pgMeta: [{ pool: 1, ps: i % 3, value: { last: i } }] }));
  }
  await Promise.all(acks);
  assert.equal(store.getMeta('counter'), 199);
  await store.close();
  const reopened = openLmdbStore({ path });
  assert.equal(reopened.getMeta('counter'), 199);
  assert.deepEqual([0, 1, 2].map((ps) => reopened.getPgMeta(1, ps)), [{ last: 198 }, { last: 199 }, { last: 197 }]);
  await reopened.close();
});

test('prefetchData brings a large range in through lmdb\'s thread and leaves what reads return unchanged; small, absent and out-of-range reads need none', { timeout: 20_000 }, async () => {
  const { store } = fresh();
  const size = 1024 * 1024 + 100;
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) data[i] = (i * 7) & 0xff;
  await store.apply({ objects: [{ key: okey('big'), steps: [{ t: 'write', offset: 0, data }], meta: { size, mtime: MTIME, userVersion: 1 } }] });
  const view = store.view(okey('big'));
  assert.ok(view.prefetchData !== undefined);
  await view.prefetchData(0, size);
  await view.prefetchData(100_000, 600_000);
  await view.prefetchData(0, 4096); // under the threshold: nothing to fetch
  await view.prefetchData(size, 1024 * 1024); // past the end
  await store.view(okey('absent')).prefetchData?.(0, 1024 * 1024);
  assert.deepEqual(view.readData(0, size), data);
  assert.deepEqual(Buffer.concat(view.readDataParts?.(100_000, 600_000) ?? []), data.subarray(100_000, 700_000));
  await store.close();
});

test('with the write-ahead log off, every commit is its own lmdb transaction and survives a reopen', async () => {
  seq += 1;
  const path = join(root, `s${seq}`);
  const store = openLmdbStore({ path, writeAheadLog: false });
  await store.apply({ objects: [{ key: okey('a'), steps: [{ t: 'write', offset: 0, data: Buffer.from('hello') }], meta: { size: 5, mtime: MTIME, userVersion: 1 } }] });
  await store.close();
  const reopened = openLmdbStore({ path });
  assert.deepEqual(reopened.view(okey('a')).readData(0, 5), Buffer.from('hello'));
  await reopened.close();
});

test('a data file that is not an lmdb environment is refused with EIO (lmdb itself would crash the process)', () => {
  seq += 1;
  const path = join(root, `s${seq}.lmdb`);
  writeFileAtomic(path, Buffer.alloc(64 * 1024, 0x5a));
  assert.throws(() => openLmdbStore({ path }), { code: 'EIO', message: /not an lmdb object store/ });
});
