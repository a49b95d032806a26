import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryDisk, openMemoryStore, type MemoryObjectStore } from './memory-store.js';
import type { ObjectStore } from './object-store.js';
import { EXTENT, okey, storeContract } from './store-contract.js';

const disks = new WeakMap<ObjectStore, MemoryDisk>();

storeContract('memory', {
  open(): ObjectStore {
    const disk = new MemoryDisk();
    const s = openMemoryStore(disk, { extentSizeBytes: EXTENT });
    disks.set(s, disk);
    return s;
  },
  async reopen(store: ObjectStore): Promise<ObjectStore> {
    const disk = disks.get(store);
    assert.ok(disk !== undefined);
    await store.close();
    const s = openMemoryStore(disk);
    disks.set(s, disk);
    return s;
  },
});

function write(s: MemoryObjectStore, oid: string, data: string): Promise<void> {
  return s.apply({
    objects: [{ key: okey(oid), steps: [{ t: 'write', offset: 0, data: Buffer.from(data) }], meta: { size: data.length, mtime: { sec: 1, nsec: 0 }, userVersion: 1 } }],
  });
}

test('with held flushes, commits are visible at once but durable only after disk.flush()', async () => {
  const disk = new MemoryDisk({ holdFlushes: true });
  const s = openMemoryStore(disk);
  const settled: number[] = [];
  const acks = [0, 1, 2].map((i) => write(s, `o${i}`, `v${i}`).then(() => settled.push(i)));
  assert.deepEqual(s.view(okey('o1')).readData(0, 10), Buffer.from('v1'));
  await Promise.resolve();
  assert.deepEqual(settled, []);
  assert.equal(disk.unflushedCommits, 4); // the format record and three txns
  disk.flush();
  await Promise.all(acks);
  assert.deepEqual(settled, [0, 1, 2]);
  assert.equal(disk.unflushedCommits, 0);
});

test('a crash loses exactly the commits made since the last flush and kills the open store', async () => {
  const disk = new MemoryDisk({ holdFlushes: true });
  const s = openMemoryStore(disk);
  const durable = write(s, 'kept', 'old');
  disk.flush();
  await durable;
  void write(s, 'kept', 'new');
  void write(s, 'lost', 'gone');
  s.crash();
  assert.throws(() => s.view(okey('kept')), { code: 'ESHUTDOWN' });
  const again = openMemoryStore(disk);
  assert.deepEqual(again.view(okey('kept')).readData(0, 10), Buffer.from('old'));
  assert.equal(again.view(okey('lost')).meta, undefined);
  assert.deepEqual(again.statfs(), { usedBytes: 3, objects: 1 });
});
