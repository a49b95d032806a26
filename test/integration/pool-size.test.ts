// Issue 5 item 5: changing a pool's size and taking an OSD out or back in re-peer every affected
// PG and re-replicate its objects, until each acting set holds `size` identical copies. Checked
// through the monitor (every PG reports active+clean at the new epoch) and offline, store by store.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TestCluster } from './harness.js';
import { openLmdbStore } from '../../src/osd/store/lmdb-store.js';
import { readObjectCopy } from '../../src/osd/object-copy.js';
import { locateObject, mapPg, poolByName, type OsdMap } from '../../src/mon/maps/osdmap.js';
import type { Rados } from '../../src/client/rados.js';

const PG_NUM = 8;
const POLL_MS = 50;
const WAIT_POLLS_MAX = 1200;
const CONF = { osd_pool_default_pg_num: PG_NUM, osd_pool_default_size: 3, mon_osd_down_out_interval: 600 };

interface PgRow {
  pgid: string;
  pool: number;
  state: string;
  reportedEpoch?: number;
}

async function osdMap(rados: Rados): Promise<OsdMap> {
  return (await rados.monCommand({ prefix: 'osd dump' })).out as OsdMap;
}

/** Waits until every PG of the pool reports active+clean from a primary at the current epoch or later. */
async function waitClean(rados: Rados, poolId: number): Promise<{ map: OsdMap; seen: Set<string> }> {
  const map = await osdMap(rados);
  const seen = new Set<string>();
  for (let i = 0; i < WAIT_POLLS_MAX; i++) {
    const rows = ((await rados.monCommand({ prefix: 'pg dump' })).out as PgRow[]).filter((r) => r.pool === poolId);
    for (const r of rows) seen.add(r.state);
    if (rows.length === PG_NUM && rows.every((r) => r.state === 'active+clean' && (r.reportedEpoch ?? 0) >= map.epoch)) {
      return { map: await osdMap(rados), seen };
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`pool ${poolId} is not clean at epoch ${map.epoch}: saw ${[...seen].join(', ')}`);
}

/** One PG's objects on one OSD's store: name → rendered content. */
async function pgContents(dataDir: string, osd: number, pool: number, ps: number): Promise<Map<string, string>> {
  const store = openLmdbStore({ path: join(dataDir, `osd.${osd}`, 'store.lmdb') });
  const out = new Map<string, string>();
  try {
    let cursor: Parameters<typeof store.listObjects>[2];
    for (let page = 0; page < 1000; page++) {
      const batch = store.listObjects(pool, ps, cursor, 256);
      for (const k of batch) {
        const c = readObjectCopy(store, k);
        out.set(k.oid, `v${c.meta?.userVersion} ${c.data.toString()} ${c.xattrs.map(([n, v]) => `${n}=${v.toString()}`).join(',')}`);
      }
      if (batch.length < 256) break;
      cursor = batch[batch.length - 1];
    }
  } finally {
    await store.close();
  }
  return out;
}

describe('pool size changes and OSDs going out and in', () => {
  let cluster: TestCluster;
  let rados: Rados;
  const expected = new Map<string, string>();
  let round = 0;

  before(async () => {
    cluster = await TestCluster.start({ numOsds: 4, extraConf: CONF });
    rados = await cluster.connect();
    await rados.createPool('sized');
  });

  after(async () => {
    await cluster?.destroy();
  });

  const writeRound = async (): Promise<void> => {
    round++;
    const io = rados.ioctx('sized');
    for (let i = 0; i < 24; i++) {
      // Every round rewrites a third of the objects and adds a few.
      if (round > 1 && i % 3 !== round % 3 && i < 20) continue;
      const name = `obj-${i + (i >= 20 ? round * 4 : 0)}`;
      const data = `round ${round} ${name}`;
      await io.writeFull(name, Buffer.from(data));
      await io.setXattr(name, 'user.round', Buffer.from(String(round)));
      expected.set(name, data);
    }
  };

  /** Stops the cluster and checks that each PG's acting set holds `size` identical, complete copies. */
  const verifyOffline = async (map: OsdMap, size: number): Promise<void> => {
    const pool = poolByName(map, 'sized');
    assert.ok(pool);
    assert.equal(pool.size, size);
    await rados.close();
    await cluster.stop();
    for (let ps = 0; ps < PG_NUM; ps++) {
      const acting: readonly number[] = mapPg(map, pool, ps).acting;
      assert.equal(acting.length, size, `pg ${pool.id}.${ps.toString(16)} has ${size} acting members`);
      const want: Array<[string, string]> = [...expected.entries()].filter(([name]) => locateObject(map, pool, name, '', '').ps === ps);
      const copies: Array<Map<string, string>> = [];
      for (const osd of acting) copies.push(await pgContents(cluster.dataDir, osd, pool.id, ps));
      for (const [i, copy] of copies.entries()) {
        assert.deepEqual([...copy.keys()].sort(), want.map(([n]) => n).sort(), `osd.${acting[i]} holds pg ${ps.toString(16)}'s objects`);
        for (const [name, data] of want) assert.ok(copy.get(name)?.includes(` ${data} `), `osd.${acting[i]} holds the newest ${name}`);
        assert.deepEqual(copy, copies[0], `osd.${acting[i]} and osd.${acting[0]} agree on pg ${ps.toString(16)}`);
      }
    }
    await cluster.restart();
    rados = await cluster.connect();
  };

  test('shrinking and growing the pool size re-replicates to exactly size copies', async () => {
    await writeRound();
    const poolId = poolByName(await osdMap(rados), 'sized')?.id;
    assert.ok(poolId !== undefined);
    const set = async (size: number): Promise<void> => {
      const reply = await rados.monCommandRaw({ prefix: 'osd pool set', pool: 'sized', var: 'size', val: String(size) });
      assert.equal(reply.ret, 0, reply.outs);
    };
    await set(2);
    await writeRound();
    await verifyOffline((await waitClean(rados, poolId)).map, 2);
    await set(3);
    await writeRound();
    // Checked offline by the next test, which starts from this state.
    const grown = await waitClean(rados, poolId);
    assert.equal(poolByName(grown.map, 'sized')?.size, 3);
  });

  test('an OSD marked out has its PGs backfilled elsewhere, and gets them back when marked in', async () => {
    const poolId = poolByName(await osdMap(rados), 'sized')?.id;
    assert.ok(poolId !== undefined);
    const out = await rados.monCommandRaw({ prefix: 'osd out', ids: [3] });
    assert.equal(out.ret, 0, out.outs);
    await writeRound();
    const afterOut = await waitClean(rados, poolId);
    for (let ps = 0; ps < PG_NUM; ps++) {
      const pool = poolByName(afterOut.map, 'sized');
      assert.ok(pool);
      assert.ok(!mapPg(afterOut.map, pool, ps).acting.includes(3), 'an out OSD is in no acting set');
    }
    await verifyOffline(afterOut.map, 3);
    const back = await rados.monCommandRaw({ prefix: 'osd in', ids: [3] });
    assert.equal(back.ret, 0, back.outs);
    await writeRound();
    await verifyOffline((await waitClean(rados, poolId)).map, 3);
  });
});
