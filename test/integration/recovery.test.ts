// Issue 5: an OSD that was down while writes continued comes back with stale data; peering and
// log-based recovery must bring it level before it serves anything, and no acknowledged write
// may be lost. Checked through the client and, offline, store by store.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster } from './harness.js';
import { assertReplicasConverged, type ExpectedObject } from './recovery-check.js';
import type { Rados } from '../../src/client/rados.js';

const PG_NUM = 8;
const CONF = {
  osd_pool_default_pg_num: PG_NUM,
  osd_heartbeat_interval: 0.5,
  osd_heartbeat_grace: 3,
  mon_osd_down_out_interval: 600,
};

describe('recovery after an OSD misses writes', () => {
  let cluster: TestCluster;
  let rados: Rados;

  before(async () => {
    cluster = await TestCluster.start({ extraConf: CONF });
    rados = await cluster.connect();
    await rados.createPool('rec');
  });

  after(async () => {
    await cluster?.destroy();
  });

  test('a SIGKILLed OSD that missed overwrites, creates and removes converges exactly with its peers', async () => {
    const io = rados.ioctx('rec');
    const expected = new Map<string, ExpectedObject | undefined>();
    const put = async (name: string, data: string): Promise<void> => {
      await io.writeFull(name, Buffer.from(data));
      await io.setXattr(name, 'user.tag', Buffer.from(`tag ${data}`));
      await io.omapSet(name, new Map([[`k-${data.length % 5}`, Buffer.from(data)]]));
      const prev = expected.get(name);
      const omap = new Map(prev?.omap ?? []);
      omap.set(`k-${data.length % 5}`, Buffer.from(data));
      expected.set(name, { data: Buffer.from(data), xattrs: new Map([['user.tag', Buffer.from(`tag ${data}`)]]), omap });
    };
    for (let i = 0; i < 60; i++) await put(`obj-${i}`, `first ${i}`);

    await cluster.kill('osd.2');
    // With osd.2 gone the PGs re-peer on osd.0 and osd.1 and keep taking writes.
    for (let i = 0; i < 30; i++) await put(`obj-${i}`, `second ${i} ${'x'.repeat(i)}`);
    for (let i = 30; i < 45; i++) {
      await io.remove(`obj-${i}`);
      expected.set(`obj-${i}`, undefined);
    }
    for (let i = 60; i < 90; i++) await put(`obj-${i}`, `new while down ${i}`);
    await io.append('obj-1', Buffer.from('+tail'));
    const one = expected.get('obj-1');
    assert.ok(one);
    one.data = Buffer.concat([one.data, Buffer.from('+tail')]);

    cluster.startDaemon('osd', '2');
    await cluster.waitHealthy();

    for (const [name, exp] of expected) {
      if (exp === undefined) {
        await assert.rejects(io.read(name), { code: 'ENOENT' }, `${name} stays removed`);
        continue;
      }
      assert.deepEqual(await io.read(name), exp.data, `${name} reads its newest data`);
      assert.deepEqual(await io.getXattr(name, 'user.tag'), exp.xattrs.get('user.tag'));
    }
    const pool = rados.osdMap.pools.find((p) => p.name === 'rec');
    assert.ok(pool);
    await rados.close();
    await cluster.stop();
    await assertReplicasConverged(cluster.dataDir, [0, 1, 2], pool.id, PG_NUM, expected);
    await cluster.restart();
    rados = await cluster.connect();
  });
});
