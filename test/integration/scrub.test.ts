// Issue 5 item 6: scrub compares the copies of a PG. A replica corrupted behind the cluster's back
// (its store edited offline) is invisible to a metadata scrub when only data changed, found by a
// deep scrub, reported in status and pg dump, and repaired from the authoritative copy.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TestCluster } from './harness.js';
import { dumpStore } from './recovery-check.js';
import { openLmdbStore } from '../../src/osd/store/lmdb-store.js';
import { locateObject, pgIdString, poolByName, type OsdMap } from '../../src/mon/maps/osdmap.js';
import type { Rados } from '../../src/client/rados.js';
import type { ClusterStatus } from '../../src/mon/status.js';
import type { TxnStep } from '../../src/osd/ops/types.js';
import { formatStatus } from '../../src/cli/status-format.js';

const PG_NUM = 8;
const POLL_MS = 50;
const WAIT_POLLS_MAX = 600;

interface PgRow {
  pgid: string;
  state: string;
  scrubErrors?: number;
  lastScrubStamp?: string;
  lastDeepScrubStamp?: string;
}

interface Inconsistent {
  inconsistents: Array<{
    object: { name: string };
    union_shard_errors: string[];
    selected_object_info: { osd: number };
    shards: Array<{ osd: number; errors: string[] }>;
  }>;
}

async function pgRow(rados: Rados, pgid: string): Promise<PgRow> {
  const rows = (await rados.monCommand({ prefix: 'pg dump' })).out as PgRow[];
  const row = rows.find((r) => r.pgid === pgid);
  assert.ok(row, `pg ${pgid} is in pg dump`);
  return row;
}

/** Runs `pg <verb>` and waits until the primary reports the scrub finished. */
async function scrub(rados: Rados, verb: 'scrub' | 'deep-scrub' | 'repair', pgid: string): Promise<PgRow> {
  const before = (await pgRow(rados, pgid)).lastScrubStamp;
  const reply = await rados.monCommandRaw({ prefix: `pg ${verb}`, pgid });
  assert.equal(reply.ret, 0, reply.outs);
  assert.match(reply.outs, new RegExp(`^instructing pg ${pgid.replace('.', '\\.')} on osd\\.\\d+ to ${verb}$`));
  for (let i = 0; i < WAIT_POLLS_MAX; i++) {
    const row = await pgRow(rados, pgid);
    if (row.lastScrubStamp !== undefined && row.lastScrubStamp !== before && !row.state.includes('scrubbing')) return row;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`pg ${pgid} ${verb} did not finish`);
}

describe('scrub, deep-scrub and repair', () => {
  let cluster: TestCluster;
  let rados: Rados;

  before(async () => {
    cluster = await TestCluster.start({ extraConf: { osd_pool_default_pg_num: PG_NUM } });
    rados = await cluster.connect();
    await rados.createPool('scrubbed');
  });

  after(async () => {
    await cluster?.destroy();
  });

  test('a deep scrub finds a replica whose data was corrupted, and repair restores it', async () => {
    const io = rados.ioctx('scrubbed');
    for (let i = 0; i < 20; i++) {
      await io.writeFull(`obj-${i}`, Buffer.from(`payload ${i} `.repeat(10)));
      await io.setXattr(`obj-${i}`, 'user.tag', Buffer.from(`tag ${i}`));
      await io.omapSet(`obj-${i}`, new Map([['k', Buffer.from(`v ${i}`)]]));
    }
    const map = (await rados.monCommand({ prefix: 'osd dump' })).out as OsdMap;
    const pool = poolByName(map, 'scrubbed');
    assert.ok(pool);
    // obj-0 gets corrupted data on a replica; obj-1 a corrupted xattr on its primary, unless both
    // share a PG, in which case a later object is chosen for the xattr.
    const locate = (oid: string) => locateObject(map, pool, oid, '', '');
    const dataVictim = locate('obj-0');
    const attrName = [...Array(20).keys()].map((i) => `obj-${i}`).find((oid) => locate(oid).ps !== dataVictim.ps);
    assert.ok(attrName);
    const attrVictim = locate(attrName);
    const dataPg = pgIdString(pool.id, dataVictim.ps);
    const attrPg = pgIdString(pool.id, attrVictim.ps);
    const replica = dataVictim.mapping.acting[1];
    const attrPrimary = attrVictim.mapping.actingPrimary;
    assert.ok(replica !== undefined);

    await rados.close();
    await cluster.stop();
    const corrupt = async (osd: number, loc: typeof dataVictim, oid: string, steps: TxnStep[]): Promise<void> => {
      const store = openLmdbStore({ path: join(cluster.dataDir, `osd.${osd}`, 'store.lmdb') });
      try {
        const key = { pool: pool.id, ps: loc.ps, hash: loc.hash, namespace: '', oid, locator: '' };
        const meta = store.view(key).meta;
        assert.ok(meta, `${oid} exists on osd.${osd}`);
        await store.apply({ objects: [{ key, steps, meta }] });
      } finally {
        await store.close();
      }
    };
    // Same size, same metadata: only the bytes differ.
    await corrupt(replica, dataVictim, 'obj-0', [{ t: 'write', offset: 0, data: Buffer.from('PAYLOAD') }]);
    await corrupt(attrPrimary, attrVictim, attrName, [{ t: 'setxattr', name: 'user.tag', value: Buffer.from('rotten') }]);
    await cluster.restart();
    rados = await cluster.connect();

    const shallow = await scrub(rados, 'scrub', dataPg);
    assert.equal(shallow.scrubErrors ?? 0, 0, 'a metadata scrub cannot see changed bytes');
    assert.equal(shallow.state, 'active+clean');

    const deep = await scrub(rados, 'deep-scrub', dataPg);
    assert.equal(deep.scrubErrors, 1);
    assert.equal(deep.state, 'active+clean+inconsistent');
    const status = (await rados.monCommand({ prefix: 'status' })).out as ClusterStatus;
    assert.equal(status.health.status, 'HEALTH_ERR');
    assert.ok(status.health.checks.includes('1 scrub errors'), JSON.stringify(status.health));
    assert.ok(status.health.checks.includes('Possible data damage: 1 pg inconsistent'));
    assert.match(formatStatus(status), /1 active\+clean\+inconsistent/);
    const listed = (await rados.monCommandRaw({ prefix: 'pg list-inconsistent-obj', pgid: dataPg })).out as Inconsistent;
    assert.deepEqual(
      listed.inconsistents.map((x) => ({ name: x.object.name, errors: x.union_shard_errors, auth: x.selected_object_info.osd, shards: x.shards.map((s) => [s.osd, s.errors]) })),
      [{ name: 'obj-0', errors: ['data_digest'], auth: dataVictim.mapping.actingPrimary, shards: [[replica, ['data_digest']]] }],
    );

    const repaired = await scrub(rados, 'repair', dataPg);
    assert.equal(repaired.scrubErrors ?? 0, 0);
    assert.equal(repaired.state, 'active+clean');
    const again = await scrub(rados, 'deep-scrub', dataPg);
    assert.equal(again.scrubErrors ?? 0, 0, 'the repaired PG deep-scrubs clean');

    // The primary's own copy is the odd one out: the two agreeing replicas win, metadata scrub sees it.
    const attrScrub = await scrub(rados, 'scrub', attrPg);
    assert.equal(attrScrub.scrubErrors, 1);
    const attrListed = (await rados.monCommandRaw({ prefix: 'pg list-inconsistent-obj', pgid: attrPg })).out as Inconsistent;
    assert.equal(attrListed.inconsistents[0]?.object.name, attrName);
    assert.deepEqual(attrListed.inconsistents[0]?.shards, [{ osd: attrPrimary, primary: true, errors: ['attrs_digest'] }]);
    assert.notEqual(attrListed.inconsistents[0]?.selected_object_info.osd, attrPrimary);
    await scrub(rados, 'repair', attrPg);
    assert.equal((await scrub(rados, 'deep-scrub', attrPg)).scrubErrors ?? 0, 0);
    assert.deepEqual(await rados.ioctx('scrubbed').getXattr(attrName, 'user.tag'), Buffer.from(`tag ${attrName.slice(4)}`));
    assert.equal(((await rados.monCommand({ prefix: 'status' })).out as ClusterStatus).health.status, 'HEALTH_OK');

    await rados.close();
    await cluster.stop();
    const dumps = [];
    for (const osd of [0, 1, 2]) dumps.push(await dumpStore(cluster.dataDir, osd, pool.id, PG_NUM));
    assert.deepEqual(dumps[1], dumps[0], 'osd.1 holds what osd.0 holds');
    assert.deepEqual(dumps[2], dumps[0], 'osd.2 holds what osd.0 holds');
    assert.equal(dumps[0]?.size, 20);
  });
});
