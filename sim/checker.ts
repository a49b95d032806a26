// End-of-run checks that look past the client: the cluster must return to active+clean, and
// every acting replica of every PG must hold exactly the same objects (read straight from each
// OSD's memory store, so a replica the client never reads cannot hide).

import type { Rados } from '../src/client/rados.js';
import { mapPg, poolByName } from '../src/mon/maps/osdmap.js';
import type { ObjectKey, ObjectStore } from '../src/osd/store/index.js';
import { LivenessError, type SimCluster } from './cluster.js';

/** Objects listed per store call while comparing replicas. */
const LIST_BATCH = 256;
/** Omap entries read per object while comparing (the workload keeps far fewer). */
const OMAP_MAX = 100_000;
const POLL_MS = 200;
/** The map must stay unchanged this long before the cluster counts as settled. */
const STABLE_MS = 500;

/**
 * Polls the monitor's `pg dump` until every PG of `pool` is active+clean and the OSDMap epoch
 * has not moved for STABLE_MS (a map change still in flight would start new peering).
 */
export async function waitActiveClean(cluster: SimCluster, rados: Rados, pool: string, deadline_ms: number): Promise<void> {
  let last = 'no report yet';
  let stableSince = { epoch: -1, at_ms: 0 };
  for (let i = 0; i < 1_000_000 && cluster.sched.now_ms < deadline_ms; i++) {
    const epoch = cluster.monitor?.osdMap.epoch ?? -1;
    if (epoch !== stableSince.epoch) stableSince = { epoch, at_ms: cluster.sched.now_ms };
    if (cluster.allUp()) {
      try {
        const poolId = await rados.poolLookup(pool);
        const reply = await rados.monCommand({ prefix: 'pg dump' });
        const pgs = (reply.out as Array<{ pool: number; state: string; pgid: string }>).filter((p) => p.pool === poolId);
        const unclean = pgs.filter((p) => p.state !== 'active+clean');
        if (pgs.length > 0 && unclean.length === 0 && cluster.sched.now_ms - stableSince.at_ms >= STABLE_MS) return;
        last = unclean.map((p) => `${p.pgid}:${p.state}`).join(' ') || 'no PGs listed';
      } catch (error) {
        last = `pg dump failed: ${String(error)}`;
      }
    } else {
      last = 'not every daemon is up';
    }
    await cluster.sleep(POLL_MS);
  }
  throw new LivenessError(`cluster not active+clean by t=${deadline_ms} ms (virtual): ${last}`);
}

function keyString(k: ObjectKey): string {
  return `${k.namespace}/${k.oid}${k.locator !== '' ? `@${k.locator}` : ''}`;
}

/** A replica's full content of one object, as comparable text. */
function objectText(store: ObjectStore, key: ObjectKey): string {
  const view = store.view(key);
  const meta = view.meta;
  if (meta === undefined) return 'absent';
  const data = view.readData(0, meta.size).toString('hex');
  const xattrs = view.xattrs().map(([k, v]) => `${k}=${v.toString('hex')}`).join(',');
  const omap = view.omapRange('', OMAP_MAX).map(([k, v]) => `${k}=${v.toString('hex')}`).join(',');
  return `size=${meta.size} uv=${meta.userVersion} data=${data} xattrs{${xattrs}} header=${view.omapHeader().toString('hex')} omap{${omap}}`;
}

function pgContent(store: ObjectStore, pool: number, ps: number): Map<string, string> {
  const out = new Map<string, string>();
  let cursor: ObjectKey | undefined;
  for (let batch = 0; batch < 100_000; batch++) {
    const keys = store.listObjects(pool, ps, cursor, LIST_BATCH);
    for (const k of keys) out.set(keyString(k), objectText(store, k));
    if (keys.length < LIST_BATCH) break;
    cursor = keys[keys.length - 1];
  }
  return out;
}

/** Every acting replica of every PG of `pool` holds the same objects with the same content. */
export function checkReplicas(cluster: SimCluster, pool: string): string[] {
  const problems: string[] = [];
  const mon = cluster.monitor;
  if (mon === undefined) return ['replica check: the monitor is not running'];
  const map = mon.osdMap;
  const info = poolByName(map, pool);
  if (info === undefined) return [`replica check: pool ${pool} is missing from the map`];
  for (let ps = 0; ps < info.pgNum; ps++) {
    const acting = mapPg(map, info, ps).acting.filter((id) => id >= 0);
    const pgid = `${info.id}.${ps.toString(16)}`;
    if (acting.length < info.size) problems.push(`pg ${pgid}: acting [${acting.join(',')}] is smaller than size ${info.size}`);
    const contents: Array<{ id: number; content: Map<string, string> }> = [];
    for (const id of acting) {
      const store = cluster.osds[id]?.store;
      if (store === undefined) {
        problems.push(`pg ${pgid}: acting osd.${id} is not running`);
        continue;
      }
      contents.push({ id, content: pgContent(store, info.id, ps) });
    }
    const first = contents[0];
    if (first === undefined) continue;
    for (const other of contents.slice(1)) {
      const names = new Set([...first.content.keys(), ...other.content.keys()]);
      for (const name of [...names].sort()) {
        const a = first.content.get(name) ?? 'absent';
        const b = other.content.get(name) ?? 'absent';
        if (a !== b) {
          problems.push(`pg ${pgid} object ${name}: osd.${first.id} has ${clip(a)} but osd.${other.id} has ${clip(b)}`);
        }
      }
    }
  }
  return problems;
}

function clip(s: string): string {
  return s.length <= 160 ? s : `${s.slice(0, 160)}…`;
}
