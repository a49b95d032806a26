import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, emptyOsdMap, mapPg, osdBoot, type OsdMap } from './maps/osdmap.js';
import { computePgStates, computeStatus } from './status.js';
import { formatStatus } from '../cli/status-format.js';
import type { OsdPgStats, PgStat } from '../proto/messages.js';

const NOW = '2026-01-01T00:00:00.000Z';
const PG_NUM = 4;

function cluster(): OsdMap {
  let m = emptyOsdMap('fsid-1', NOW, 'osd');
  for (const id of [0, 1, 2]) m = osdBoot(m, NOW, { id, addr: `127.0.0.1:${6800 + id}`, host: 'localhost', uuid: `u${id}` });
  return createPool(m, NOW, { name: 'p', pgNum: PG_NUM, size: 3, minSize: 2 });
}

/** Reports from each PG's primary; `edit` adjusts the stat of PG ps. */
function reports(map: OsdMap, edit: (ps: number, s: PgStat) => PgStat): Map<number, OsdPgStats> {
  const pool = map.pools[0];
  assert.ok(pool);
  const out = new Map<number, OsdPgStats>();
  for (let ps = 0; ps < PG_NUM; ps++) {
    const primary = mapPg(map, pool, ps).actingPrimary;
    const r = out.get(primary) ?? { id: primary, epoch: map.epoch, pgs: [], store: { usedBytes: 0, objects: 0, totalBytes: 0, availBytes: 0 }, poolIo: [] };
    out.set(primary, { ...r, pgs: [...r.pgs, edit(ps, { pool: pool.id, ps, state: 'active+clean', objects: 10, bytes: 100, lastUpdate: 10 })] });
  }
  return out;
}

describe('cluster status', () => {
  test('recovering PGs report degraded objects and the recovery rate', () => {
    const map = cluster();
    const r = reports(map, (ps, s) => (ps === 0 ? { ...s, state: 'active+recovering+degraded', degradedObjects: 6 } : s));
    const status = computeStatus(map, r, 12);
    assert.equal(status.health.status, 'HEALTH_WARN');
    assert.deepEqual(status.health.checks, ['Degraded data redundancy: 6/120 objects degraded (5.000%), 1 pgs degraded']);
    const text = formatStatus(status);
    assert.match(text, /pgs: {5}6\/120 objects degraded \(5\.000%\)\n {13}3 active\+clean\n {13}1 active\+recovering\+degraded\n/);
    assert.match(text, /io:\n {4}recovery: 12 objects\/s\n/);
  });

  test('an inconsistent PG makes the cluster HEALTH_ERR but is not counted as degraded', () => {
    const map = cluster();
    const r = reports(map, (ps, s) => (ps === 1 ? { ...s, state: 'active+clean+inconsistent', scrubErrors: 2 } : s));
    const status = computeStatus(map, r);
    assert.equal(status.health.status, 'HEALTH_ERR');
    assert.deepEqual(status.health.checks, ['2 scrub errors', 'Possible data damage: 1 pg inconsistent']);
    assert.equal(status.pgmap.scrub_errors, 2);
    assert.doesNotMatch(formatStatus(status), /io:/);
  });

  test('pg dump rows carry the epoch of the primary report they come from', () => {
    const map = cluster();
    const rows = [...computePgStates(map, reports(map, (_ps, s) => s)).values()];
    assert.ok(rows.every((row) => row.reportedEpoch === map.epoch));
  });
});
