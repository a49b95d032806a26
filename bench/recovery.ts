// Recovery speed after an OSD dies, on real daemons, next to this disk's sequential write rate.
// (a) 3 OSDs, size 3: kill one, rewrite every object while it is down, restart it, and time
//     restart → active+clean; MB/s = bytes it had to catch up on / that time.
// (b) 4 OSDs, size 3, mon_osd_down_out_interval 5 s: kill one for good and time kill → down →
//     out → active+clean, while its PGs are re-replicated onto the other three; MB/s = bytes of
//     the PGs that lost a copy / (out → clean).
// With only 3 OSDs, marking one out cannot make PGs clean again (size 3 needs 3 OSDs), hence (b).
// Runnable directly: `node dist/bench/recovery.js [--quick]` prints JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TestCluster } from '../test/integration/harness.js';
import { osdDump, pgDump, waitSettled } from '../test/thrash/cluster-watch.js';
import type { Rados } from '../src/client/rados.js';
import { mapPg } from '../src/mon/maps/osdmap.js';
import { delay } from '../src/io/clock.js';
import { directWriteMBps } from './limits.js';

export interface RecoveryBenchResult {
  readonly objects: number;
  readonly objectBytes: number;
  /** Client writes of the preload, 3 replicas each (MB/s of client payload). */
  readonly preloadMBps: number;
  readonly restart: {
    readonly osds: 3;
    readonly bytesWrittenWhileDown: number;
    readonly down_ms: number;
    readonly restartToClean_ms: number;
    readonly recoveryMBps: number;
  };
  readonly outAndReplicate: {
    readonly osds: 4;
    readonly downOutInterval_s: number;
    readonly killToDown_ms: number;
    readonly killToOut_ms: number;
    readonly killToClean_ms: number;
    readonly outToClean_ms: number;
    readonly bytesReplicated: number;
    readonly recoveryMBps: number;
  };
  readonly disk: { readonly sequentialWriteMBps: number };
}

const OBJECT_BYTES = 64 * 1024;
const WRITE_CONCURRENCY = 16;
const POOL = 'recovery';
const PG_NUM = 32;
const DOWN_OUT_INTERVAL_S = 5;
const SETTLE_TIMEOUT_MS = 600_000;
const POLL_MS = 50;
const POLLS_MAX = 20_000;
const MB = 1_000_000;
const CONF = { log_level: 'warn', osd_pool_default_pg_num: PG_NUM, osd_heartbeat_interval: 0.5, osd_heartbeat_grace: 3 };

/** Writes `count` objects of OBJECT_BYTES, WRITE_CONCURRENCY at a time; returns the seconds taken. */
async function writeObjects(rados: Rados, count: number, fill: number): Promise<number> {
  const io = rados.ioctx(POOL);
  const start_ms = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITE_CONCURRENCY }, async () => {
      // Each iteration writes one object; bounded by `count`.
      while (next < count) {
        const i = next++;
        const data = Buffer.alloc(OBJECT_BYTES, (i + fill) & 0xff);
        data.writeUInt32LE(i, 0);
        await io.writeFull(`obj-${i}`, data);
      }
    }),
  );
  return (performance.now() - start_ms) / 1000;
}

/** Polls the map until `check` holds; returns performance.now() at that moment. */
async function waitMap(rados: Rados, what: string, check: (map: Awaited<ReturnType<typeof osdDump>>) => boolean): Promise<number> {
  for (let i = 0; i < POLLS_MAX; i++) {
    if (check(await osdDump(rados))) return performance.now();
    await delay(POLL_MS);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function withCluster<T>(numOsds: number, extraConf: Record<string, string | number | boolean>, body: (c: TestCluster, r: Rados) => Promise<T>): Promise<T> {
  const cluster = await TestCluster.start({ numOsds, extraConf: { ...CONF, ...extraConf } });
  try {
    const rados = await cluster.connect();
    await rados.createPool(POOL, { pgNum: PG_NUM, size: 3 });
    await waitSettled(rados, { poolId: await rados.poolLookup(POOL) }, SETTLE_TIMEOUT_MS);
    return await body(cluster, rados);
  } finally {
    await cluster.destroy();
  }
}

async function restartCase(objects: number): Promise<{ preloadMBps: number; result: RecoveryBenchResult['restart'] }> {
  return withCluster(3, { mon_osd_down_out_interval: 600 }, async (cluster, rados) => {
    const poolId = await rados.poolLookup(POOL);
    const preload_s = await writeObjects(rados, objects, 0);
    const epochBefore = (await osdDump(rados)).epoch;
    const killed_ms = performance.now();
    await cluster.kill('osd.2');
    await waitMap(rados, 'osd.2 marked down', (m) => m.osds.find((o) => o.id === 2)?.up === false);
    await writeObjects(rados, objects, 1);
    const restarted_ms = performance.now();
    cluster.startDaemon('osd', '2');
    const settled = await waitSettled(rados, { up: [0, 1, 2], rebooted: { ids: [2], afterEpoch: epochBefore }, poolId }, SETTLE_TIMEOUT_MS);
    const restartToClean_ms = settled.clean_at_ms - restarted_ms;
    const bytes = objects * OBJECT_BYTES;
    return {
      preloadMBps: Number((bytes / MB / preload_s).toFixed(1)),
      result: {
        osds: 3,
        bytesWrittenWhileDown: bytes,
        down_ms: Math.round(restarted_ms - killed_ms),
        restartToClean_ms: Math.round(restartToClean_ms),
        recoveryMBps: Number((bytes / MB / (restartToClean_ms / 1000)).toFixed(1)),
      },
    };
  });
}

async function outCase(objects: number): Promise<RecoveryBenchResult['outAndReplicate']> {
  return withCluster(4, { mon_osd_down_out_interval: DOWN_OUT_INTERVAL_S }, async (cluster, rados) => {
    const poolId = await rados.poolLookup(POOL);
    await writeObjects(rados, objects, 0);
    // The victim's share: every PG that keeps a copy on it needs one new full copy elsewhere.
    await waitSettled(rados, { poolId }, SETTLE_TIMEOUT_MS);
    const victim = 3;
    const map = await osdDump(rados);
    const pool = map.pools.find((p) => p.id === poolId);
    if (pool === undefined) throw new Error(`pool ${POOL} vanished`);
    let bytesReplicated = 0;
    for (const pg of await pgDump(rados)) {
      if (pg.pool !== poolId) continue;
      const ps = Number.parseInt(pg.pgid.split('.')[1] ?? '', 16);
      if (mapPg(map, pool, ps).acting.includes(victim)) bytesReplicated += pg.bytes;
    }
    const killed_ms = performance.now();
    await cluster.kill(`osd.${victim}`);
    const down_ms = await waitMap(rados, `osd.${victim} marked down`, (m) => m.osds.find((o) => o.id === victim)?.up === false);
    const out_ms = await waitMap(rados, `osd.${victim} marked out`, (m) => m.osds.find((o) => o.id === victim)?.weight === 0);
    const settled = await waitSettled(rados, { down: [victim], out: [victim], poolId }, SETTLE_TIMEOUT_MS);
    const outToClean_ms = settled.clean_at_ms - out_ms;
    return {
      osds: 4,
      downOutInterval_s: DOWN_OUT_INTERVAL_S,
      killToDown_ms: Math.round(down_ms - killed_ms),
      killToOut_ms: Math.round(out_ms - killed_ms),
      killToClean_ms: Math.round(settled.clean_at_ms - killed_ms),
      outToClean_ms: Math.round(outToClean_ms),
      bytesReplicated,
      recoveryMBps: Number((bytesReplicated / MB / (Math.max(1, outToClean_ms) / 1000)).toFixed(1)),
    };
  });
}

export async function benchRecovery(opts: { quick: boolean }): Promise<RecoveryBenchResult> {
  const objects = opts.quick ? 500 : 10_000;
  // Measured where the clusters keep their data (the OS temp directory), before they start.
  const diskDir = mkdtempSync(join(tmpdir(), 'sepia-bench-disk-'));
  let sequentialWriteMBps: number;
  try {
    sequentialWriteMBps = directWriteMBps(diskDir, opts.quick ? 64 : 512);
  } finally {
    rmSync(diskDir, { recursive: true, force: true });
  }
  const restart = await restartCase(objects);
  const outAndReplicate = await outCase(objects);
  return {
    objects,
    objectBytes: OBJECT_BYTES,
    preloadMBps: restart.preloadMBps,
    restart: restart.result,
    outAndReplicate,
    disk: { sequentialWriteMBps: Number(sequentialWriteMBps.toFixed(1)) },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await benchRecovery({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify(result, null, 2));
}
