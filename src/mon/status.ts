// `sepia status` / `ceph -s` and `df` views, computed from the OSDMap and the OSDs' PG reports.
import type { OsdMap } from './maps/osdmap.js';
import type { OsdPgStats, PgStat } from '../proto/messages.js';
import { mapPg } from './maps/osdmap.js';

export interface ClusterStatus {
  fsid: string;
  health: { status: 'HEALTH_OK' | 'HEALTH_WARN' | 'HEALTH_ERR'; checks: string[] };
  monmap: { num_mons: number; epoch: number };
  osdmap: { epoch: number; num_osds: number; num_up_osds: number; num_in_osds: number };
  pgmap: {
    num_pools: number;
    num_pgs: number;
    num_objects: number;
    data_bytes: number;
    bytes_used: number;
    bytes_avail: number;
    bytes_total: number;
    pgs_by_state: Array<{ state_name: string; count: number }>;
    /** Object copies missing somewhere, out of objects × pool size (Ceph's "objects degraded"). */
    degraded_objects: number;
    degraded_total: number;
    /** Objects recovered or backfilled per second, summed over the OSDs' last reports. */
    recovering_objects_per_sec: number;
    scrub_errors: number;
    inconsistent_pgs: number;
  };
}

export interface PoolDf {
  name: string;
  id: number;
  objects: number;
  bytes: number;
  copies: number;
  degraded: number;
  rdOps: number;
  rdBytes: number;
  wrOps: number;
  wrBytes: number;
}

/** The state a PG should report, judged from the map alone when its primary has not reported. */
function pgStateFromMap(map: OsdMap, poolSize: number, minSize: number, acting: readonly number[]): string {
  const live = acting.filter((o) => o >= 0).length;
  if (live === 0) return 'stale+undersized+degraded+peered';
  if (live < minSize) return 'undersized+degraded+peered';
  if (live < poolSize) return 'active+undersized+degraded';
  void map;
  return 'active+clean';
}

export function computePgStates(map: OsdMap, reports: ReadonlyMap<number, OsdPgStats>): Map<string, PgStat> {
  const byPg = new Map<string, PgStat>();
  for (const report of reports.values()) {
    for (const pg of report.pgs) byPg.set(`${pg.pool}.${pg.ps}`, pg);
  }
  const out = new Map<string, PgStat>();
  for (const pool of map.pools) {
    for (let ps = 0; ps < pool.pgNum; ps++) {
      const key = `${pool.id}.${ps}`;
      const mapping = mapPg(map, pool, ps);
      const reported = byPg.get(key);
      const fromMap = pgStateFromMap(map, pool.size, pool.minSize, mapping.acting);
      // A report from a former primary is stale once the map moved the PG elsewhere.
      const reporterIsPrimary = reported !== undefined && reports.get(mapping.actingPrimary)?.pgs.includes(reported) === true;
      // Like Ceph, a PG whose primary has not reported on it yet is 'unknown'.
      const state = fromMap !== 'active+clean' ? fromMap : reporterIsPrimary ? reported.state : 'unknown';
      const fresh = reporterIsPrimary ? reported : undefined;
      out.set(key, {
        pool: pool.id,
        ps,
        state,
        objects: reported?.objects ?? 0,
        bytes: reported?.bytes ?? 0,
        lastUpdate: reported?.lastUpdate ?? 0,
        scrubErrors: fresh?.scrubErrors ?? 0,
        degradedObjects: fresh?.degradedObjects ?? 0,
        ...(fresh !== undefined ? { reportedEpoch: reports.get(mapping.actingPrimary)?.epoch ?? 0 } : {}),
        ...(reported?.lastScrubStamp !== undefined ? { lastScrubStamp: reported.lastScrubStamp } : {}),
        ...(reported?.lastDeepScrubStamp !== undefined ? { lastDeepScrubStamp: reported.lastDeepScrubStamp } : {}),
      });
    }
  }
  return out;
}

/** A clean PG may also carry scrub flags (scrubbing, inconsistent) after 'active+clean'. */
function isClean(state: string): boolean {
  return state === 'active+clean' || state.startsWith('active+clean+');
}

export function computeStatus(map: OsdMap, reports: ReadonlyMap<number, OsdPgStats>, recoveringPerSec = 0): ClusterStatus {
  const pgs = computePgStates(map, reports);
  const byState = new Map<string, number>();
  let objects = 0;
  let dataBytes = 0;
  let degraded = 0;
  let copies = 0;
  let scrubErrors = 0;
  let inconsistent = 0;
  const poolSize = new Map(map.pools.map((p) => [p.id, p.size]));
  for (const pg of pgs.values()) {
    byState.set(pg.state, (byState.get(pg.state) ?? 0) + 1);
    objects += pg.objects;
    dataBytes += pg.bytes;
    degraded += pg.degradedObjects ?? 0;
    copies += pg.objects * (poolSize.get(pg.pool) ?? 1);
    scrubErrors += pg.scrubErrors ?? 0;
    if (pg.state.includes('inconsistent')) inconsistent++;
  }
  degraded = Math.min(degraded, copies);
  let used = 0;
  let avail = 0;
  let total = 0;
  for (const r of reports.values()) {
    if (!map.osds.find((o) => o.id === r.id)?.up) continue;
    used += r.store.usedBytes;
    avail += r.store.availBytes;
    total += r.store.totalBytes;
  }
  const up = map.osds.filter((o) => o.up).length;
  const inn = map.osds.filter((o) => o.weight > 0).length;
  const checks: string[] = [];
  const down = map.osds.length - up;
  if (down > 0) checks.push(`${down} osds down`);
  const notClean = [...pgs.values()].filter((p) => !isClean(p.state)).length;
  const inactive = [...pgs.values()].filter((p) => !p.state.startsWith('active')).length;
  if (inactive > 0) checks.push(`Reduced data availability: ${inactive} pgs inactive`);
  else if (notClean > 0) {
    const objs = degraded > 0 ? `${degraded}/${copies} objects degraded (${((100 * degraded) / Math.max(1, copies)).toFixed(3)}%), ` : '';
    checks.push(`Degraded data redundancy: ${objs}${notClean} pgs degraded`);
  }
  if (map.osds.length === 0) checks.push('no osds');
  const errors: string[] = [];
  if (scrubErrors > 0) errors.push(`${scrubErrors} scrub errors`);
  if (inconsistent > 0) errors.push(`Possible data damage: ${inconsistent} pg${inconsistent === 1 ? '' : 's'} inconsistent`);
  return {
    fsid: map.fsid,
    health: { status: errors.length > 0 ? 'HEALTH_ERR' : checks.length === 0 ? 'HEALTH_OK' : 'HEALTH_WARN', checks: [...errors, ...checks] },
    monmap: { num_mons: 1, epoch: 1 },
    osdmap: { epoch: map.epoch, num_osds: map.osds.length, num_up_osds: up, num_in_osds: inn },
    pgmap: {
      num_pools: map.pools.length,
      num_pgs: pgs.size,
      num_objects: objects,
      data_bytes: dataBytes,
      bytes_used: used,
      bytes_avail: avail,
      bytes_total: total,
      pgs_by_state: [...byState.entries()].map(([state_name, count]) => ({ state_name, count })).sort((a, b) => b.count - a.count),
      degraded_objects: degraded,
      degraded_total: copies,
      recovering_objects_per_sec: recoveringPerSec,
      scrub_errors: scrubErrors,
      inconsistent_pgs: inconsistent,
    },
  };
}

export function computeDf(map: OsdMap, reports: ReadonlyMap<number, OsdPgStats>): PoolDf[] {
  const pgs = computePgStates(map, reports);
  const io = new Map<number, { rdOps: number; rdBytes: number; wrOps: number; wrBytes: number }>();
  for (const r of reports.values()) {
    for (const p of r.poolIo) {
      const cur = io.get(p.pool) ?? { rdOps: 0, rdBytes: 0, wrOps: 0, wrBytes: 0 };
      io.set(p.pool, { rdOps: cur.rdOps + p.rdOps, rdBytes: cur.rdBytes + p.rdBytes, wrOps: cur.wrOps + p.wrOps, wrBytes: cur.wrBytes + p.wrBytes });
    }
  }
  return map.pools
    .map((pool) => {
      let objects = 0;
      let bytes = 0;
      let degraded = 0;
      for (const pg of pgs.values()) {
        if (pg.pool !== pool.id) continue;
        objects += pg.objects;
        bytes += pg.bytes;
        if (pg.state.includes('degraded')) degraded += pg.objects;
      }
      const poolIo = io.get(pool.id) ?? { rdOps: 0, rdBytes: 0, wrOps: 0, wrBytes: 0 };
      return { name: pool.name, id: pool.id, objects, bytes, copies: objects * pool.size, degraded, ...poolIo };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
