// Watching a real cluster settle, from the monitor's point of view. "active+clean" in one `pg
// dump` is not enough after a restart: the monitor keeps each primary's last report until the
// next one (every second), so a report written before the kill can still say clean. A PG counts
// as settled only once every PG stays active+clean while the OSDMap epoch stands still for
// longer than one report interval, and a restarted OSD is up in its new incarnation.
import { delay } from '../../src/io/clock.js';
import type { Rados } from '../../src/client/rados.js';
import type { OsdMap } from '../../src/mon/maps/osdmap.js';

const POLL_MS = 100;
/** Longer than the OSDs' 1 s stats interval, so every primary has reported on the final map. */
export const STABLE_MS = 1_500;

export interface SettleGoal {
  /** Every OSD that must be up. */
  readonly up?: readonly number[];
  /** OSDs that must be up in an incarnation that booted after `afterEpoch` (restarted ones). */
  readonly rebooted?: { readonly ids: readonly number[]; readonly afterEpoch: number };
  /** OSDs that must be marked down (and, with `out`, out) before the cluster counts as settled. */
  readonly down?: readonly number[];
  readonly out?: readonly number[];
  /** Only this pool's PGs are judged (default: all). */
  readonly poolId?: number;
}

export interface Settled {
  /** performance.now() when the stable, clean stretch began: the moment recovery finished. */
  readonly clean_at_ms: number;
  readonly epoch: number;
}

export interface PgRow {
  readonly pgid: string;
  readonly pool: number;
  readonly state: string;
  readonly objects: number;
  readonly bytes: number;
}

export async function osdDump(rados: Rados): Promise<OsdMap> {
  return (await rados.monCommand({ prefix: 'osd dump' })).out as OsdMap;
}

export async function pgDump(rados: Rados): Promise<PgRow[]> {
  return (await rados.monCommand({ prefix: 'pg dump' })).out as PgRow[];
}

/** Why the cluster is not where `goal` wants it, or undefined once it is. */
function unmet(map: OsdMap, pgs: readonly PgRow[], goal: SettleGoal): string | undefined {
  for (const id of goal.up ?? []) {
    const o = map.osds.find((x) => x.id === id);
    if (o === undefined || !o.up) return `osd.${id} is not up`;
  }
  for (const id of goal.rebooted?.ids ?? []) {
    const o = map.osds.find((x) => x.id === id);
    if (o === undefined || !o.up || o.upFrom <= (goal.rebooted?.afterEpoch ?? 0)) return `osd.${id} has not rebooted yet (up_from ${o?.upFrom ?? '-'})`;
  }
  for (const id of goal.down ?? []) {
    if (map.osds.find((x) => x.id === id)?.up !== false) return `osd.${id} is not marked down`;
  }
  for (const id of goal.out ?? []) {
    if (map.osds.find((x) => x.id === id)?.weight !== 0) return `osd.${id} is not marked out`;
  }
  const mine = pgs.filter((p) => goal.poolId === undefined || p.pool === goal.poolId);
  if (mine.length === 0) return 'no PGs listed';
  const unclean = mine.filter((p) => p.state !== 'active+clean');
  if (unclean.length > 0) return `${unclean.length} PGs not clean (${unclean.slice(0, 4).map((p) => `${p.pgid}:${p.state}`).join(' ')})`;
  return undefined;
}

/**
 * Resolves when `goal` holds and has held, with an unchanged epoch, for STABLE_MS; rejects with
 * the last reason after `timeout_ms`. `alive` is polled too, so a daemon that died while we wait
 * fails the wait at once instead of at the timeout.
 */
export async function waitSettled(
  rados: Rados,
  goal: SettleGoal,
  timeout_ms: number,
  alive: () => string | undefined = () => undefined,
): Promise<Settled> {
  const deadline_ms = performance.now() + timeout_ms;
  let streak: { epoch: number; since_ms: number } | undefined;
  let last = 'no answer from the monitor yet';
  // Bounded by the deadline; the counter only guards against a clock that stands still.
  for (let i = 0; i < 1_000_000 && performance.now() < deadline_ms; i++) {
    const dead = alive();
    if (dead !== undefined) throw new Error(`waiting for the cluster to settle: ${dead}`);
    try {
      const now_ms = performance.now();
      const map = await osdDump(rados);
      const why = unmet(map, await pgDump(rados), goal);
      if (why !== undefined) {
        streak = undefined;
        last = why;
      } else if (streak === undefined || streak.epoch !== map.epoch) {
        streak = { epoch: map.epoch, since_ms: now_ms };
        last = `clean at epoch ${map.epoch}, waiting for it to hold`;
      } else if (performance.now() - streak.since_ms >= STABLE_MS) {
        return { clean_at_ms: streak.since_ms, epoch: map.epoch };
      }
    } catch (error) {
      streak = undefined;
      last = `monitor command failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    await delay(POLL_MS);
  }
  throw new Error(`cluster did not settle within ${timeout_ms} ms: ${last}`);
}
