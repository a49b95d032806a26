// Issue 3's durability proof: acknowledged writes survive SIGKILL of one OSD and then of the
// whole cluster, and an acknowledged write is on every replica's store.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TestCluster } from './harness.js';
import { openLmdbStore } from '../../src/osd/store/lmdb-store.js';
import { objectToPg } from '../../src/placement/index.js';
import type { Rados } from '../../src/client/rados.js';
import type { ObjectView } from '../../src/osd/ops/types.js';

const OBJECTS = 1000;
const CONCURRENCY = 32;

function body(i: number): Buffer {
  return Buffer.from(`object ${i} `.repeat(1 + (i % 50)));
}

async function inParallel(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        await fn(i);
      }
    }),
  );
}

describe('durability on a real local cluster', () => {
  let cluster: TestCluster;
  let rados: Rados;

  before(async () => {
    cluster = await TestCluster.start();
    rados = await cluster.connect();
    await rados.createPool('dur');
  });

  after(async () => {
    await cluster?.destroy();
  });

  test('1,000 objects with xattrs and omap survive SIGKILL of one OSD and then of the whole cluster', async () => {
    const io = rados.ioctx('dur');
    await inParallel(OBJECTS, CONCURRENCY, async (i) => {
      await io.writeFull(`obj-${i}`, body(i));
      await io.setXattr(`obj-${i}`, 'user.i', String(i));
      await io.omapSet(`obj-${i}`, { k: `v${i}`, [`key-${i % 7}`]: Buffer.from([i & 0xff, 0, 255]) });
    });
    await rados.close();

    await cluster.kill('osd.1');
    for (const name of ['osd.0', 'osd.2', 'mon.a']) await cluster.kill(name);
    await cluster.restart();

    rados = await cluster.connect();
    const io2 = rados.ioctx('dur');
    await inParallel(OBJECTS, CONCURRENCY, async (i) => {
      assert.deepEqual(await io2.read(`obj-${i}`), body(i), `data of obj-${i}`);
      assert.equal((await io2.getXattr(`obj-${i}`, 'user.i')).toString(), String(i));
      const { entries } = await io2.omapGetVals(`obj-${i}`);
      assert.equal(entries.get('k')?.toString(), `v${i}`);
      assert.deepEqual(entries.get(`key-${i % 7}`), Buffer.from([i & 0xff, 0, 255]));
    });
    let listed = 0;
    for await (const o of io2.listObjects()) {
      assert.match(o.name, /^obj-\d+$/);
      listed++;
    }
    assert.equal(listed, OBJECTS);
  });

  test('an acknowledged write is on all three OSD stores when read offline', async () => {
    const io = rados.ioctx('dur');
    const names = Array.from({ length: 20 }, (_, i) => `offline-${i}`);
    for (const n of names) await io.writeFull(n, Buffer.from(`payload of ${n}`));
    const pool = rados.osdMap.pools.find((p) => p.name === 'dur');
    assert.ok(pool);
    await rados.close();
    await cluster.stop();

    for (const osd of [0, 1, 2]) {
      const store = openLmdbStore({ path: join(cluster.dataDir, `osd.${osd}`, 'store.lmdb') });
      try {
        for (const n of names) {
          const { ps, hash } = objectToPg(pool, n, '', '');
          const view: ObjectView = store.view({ pool: pool.id, ps, hash, namespace: '', oid: n, locator: '' });
          assert.ok(view.meta, `${n} exists on osd.${osd}`);
          assert.equal(view.readData(0, view.meta.size).toString(), `payload of ${n}`);
        }
      } finally {
        await store.close();
      }
    }
    await cluster.restart();
    rados = await cluster.connect();
    assert.equal((await rados.ioctx('dur').read('offline-3')).toString(), 'payload of offline-3');
  });
});
