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
      out.set(key, {
        pool: pool.id,
        ps,
        state,
        objects: reported?.objects ?? 0,
        bytes: reported?.bytes ?? 0,
        lastUpdate: reported?.lastUpdate ?? 0,
      });
    }
  }
  return out;
}

export function computeStatus(map: OsdMap, reports: ReadonlyMap<number, OsdPgStats>): ClusterStatus {
  const pgs = computePgStates(map, reports);
  const byState = new Map<string, number>();
  let objects = 0;
  let dataBytes = 0;
  for (const pg of pgs.values()) {
    byState.set(pg.state, (byState.get(pg.state) ?? 0) + 1);
    objects += pg.objects;
    dataBytes += pg.bytes;
  }
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
  const notClean = [...pgs.values()].filter((p) => p.state !== 'active+clean').length;
  const inactive = [...pgs.values()].filter((p) => !p.state.startsWith('active')).length;
  if (inactive > 0) checks.push(`Reduced data availability: ${inactive} pgs inactive`);
  else if (notClean > 0) checks.push(`Degraded data redundancy: ${notClean} pgs degraded`);
  if (map.osds.length === 0) checks.push('no osds');
  return {
    fsid: map.fsid,
    health: { status: checks.length === 0 ? 'HEALTH_OK' : 'HEALTH_WARN', checks },
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
