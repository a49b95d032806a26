// Issue 5, failure detection: a hung OSD (SIGSTOP: its sessions stay open, so only missed
// heartbeats reveal it) is reported by its peers and marked down, then out after
// mon_osd_down_out_interval; its PGs move to the remaining OSDs and are backfilled to three copies.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster } from './harness.js';
import { assertReplicasConverged, type ExpectedObject } from './recovery-check.js';
import { delay } from '../../src/io/clock.js';
import type { Rados } from '../../src/client/rados.js';
import type { OsdMap } from '../../src/mon/maps/osdmap.js';
import type { ClusterStatus } from '../../src/mon/status.js';

const PG_NUM = 8;
const POLL_MS = 100;
const POLLS_MAX = 600;

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < POLLS_MAX; i++) {
    if (await check()) return;
    await delay(POLL_MS);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('heartbeat failure detection', () => {
  let cluster: TestCluster;
  let rados: Rados;

  before(async () => {
    cluster = await TestCluster.start({
      numOsds: 4,
      extraConf: { osd_pool_default_pg_num: PG_NUM, osd_heartbeat_interval: 0.3, osd_heartbeat_grace: 1.5, mon_osd_down_out_interval: 3 },
    });
    rados = await cluster.connect();
    await rados.createPool('hb');
  });

  after(async () => {
    await cluster?.destroy();
  });

  test('a SIGSTOPped OSD is marked down by its peers, then out, and its data is re-replicated', async () => {
    const io = rados.ioctx('hb');
    const expected = new Map<string, ExpectedObject | undefined>();
    const put = async (name: string, data: string): Promise<void> => {
      await io.writeFull(name, Buffer.from(data));
      expected.set(name, { data: Buffer.from(data), xattrs: new Map(), omap: new Map() });
    };
    for (let i = 0; i < 40; i++) await put(`obj-${i}`, `before ${i}`);
    const osdMap = async (): Promise<OsdMap> => (await rados.monCommand({ prefix: 'osd dump' })).out as OsdMap;

    process.kill(cluster.pidOf('osd.3'), 'SIGSTOP');
    await waitFor('osd.3 down', async () => (await osdMap()).osds.find((o) => o.id === 3)?.up === false);
    // Writes continue on the other OSDs while osd.3 is down but still in.
    for (let i = 40; i < 60; i++) await put(`obj-${i}`, `while down ${i}`);
    await waitFor('osd.3 out', async () => (await osdMap()).osds.find((o) => o.id === 3)?.weight === 0);
    for (let i = 0; i < 10; i++) await put(`obj-${i}`, `while out ${i}`);
    await waitFor('every PG active+clean on osd.0-2', async () => {
      const status = (await rados.monCommand({ prefix: 'status' })).out as ClusterStatus;
      return status.pgmap.pgs_by_state.every((s) => s.state_name === 'active+clean');
    });
    for (const [name, exp] of expected) assert.deepEqual(await io.read(name), exp?.data, `${name} reads its newest data`);

    const pool = rados.osdMap.pools.find((p) => p.name === 'hb');
    assert.ok(pool);
    await rados.close();
    await cluster.kill('osd.3');
    await cluster.stop();
    // With osd.3 out, every PG maps to osd.0, 1 and 2: three identical full copies.
    await assertReplicasConverged(cluster.dataDir, [0, 1, 2], pool.id, PG_NUM, expected);
  });
});
