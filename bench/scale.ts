// Scale: does the cost of one operation stay flat as the work grows? Three figures, each split
// by progress so a trend is visible (first tenth against last tenth):
//   1. N objects of 1 KiB written (~64 in flight) and listed, on a fresh 3-OSD local cluster;
//   2. one object with M omap keys: batched set, paged listing, point gets;
//   3. a 1,000-OSD OSDMap: mapping every PG of a 4,096-PG pool, PGs moved by one OSD out, and
//      the cost of committing and publishing one epoch (full map vs its incremental).
// A benchmark, not a test: prints JSON and a Markdown table to stdout, progress to stderr, and
// writes nothing outside a temporary directory it removes.
//
//   node dist/bench/scale.js [--quick] [--objects N] [--omap-keys N]
//   node dist/bench/scale.js --osdmap-only [--quick]     (figure 3 alone)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { pack } from 'msgpackr';
import { startLocalCluster, stopLocalCluster } from '../src/cli/local-cluster.js';
import { Rados } from '../src/client/rados.js';
import type { IoCtx } from '../src/client/ioctx.js';
import { emptyOsdMap, osdBoot, createPool, osdSetWeight, mapPg, poolByName, type OsdMap } from '../src/mon/maps/osdmap.js';
import { MonStore } from '../src/mon/store.js';
import { encodeMessage, chunksBytes, FrameKind } from '../src/codec/frame.js';
import { MSG, type OsdMapMessage } from '../src/proto/messages.js';
import { diffOsdMap } from '../src/mon/maps/osdmap-incremental.js';
import { listen } from '../src/msg/messenger.js';
import type { StreamSocket, StreamTransport } from '../src/io/tcp.js';

export interface ScaleOptions {
  readonly quick: boolean;
  readonly objects?: number;
  readonly omapKeys?: number;
}

export interface ScaleResult {
  readonly node: string;
  readonly objects: number;
  readonly omapKeys: number;
  readonly objectWrite: {
    readonly inFlight: number;
    readonly total_s: number;
    readonly opsPerSec: number;
    /** ops/s within each tenth of the run, in order. */
    readonly opsPerSecByDecile: number[];
  };
  /** Full listings of the pool at increasing fill. */
  readonly listing: Array<{ fill: number; objects: number; seconds: number; objectsPerSec: number }>;
  readonly omap: {
    readonly batchKeys: number;
    readonly setKeysPerSec: number;
    readonly setKeysPerSecByDecile: number[];
    readonly list: {
      readonly pageKeys: number;
      readonly keysPerSec: number;
      readonly pageLatency_ms_first10pct: { p50: number; p99: number };
      readonly pageLatency_ms_last10pct: { p50: number; p99: number };
    };
    /** One random key per op, issued one at a time. */
    readonly pointGet: Array<{ fill: number; keysPresent: number; samples: number; p50_ms: number; p99_ms: number }>;
  };
  readonly osdmap1000: OsdMapScale;
}

export interface OsdMapScale {
  readonly osds: number;
  readonly hosts: number;
  readonly pgs: number;
  readonly build_ms: number;
  readonly mapAllPgs_ms: number;
  readonly mapAllPgsWarm_ms: number;
  readonly pgsMovedOneOsdOut: number;
  readonly pgsExpectedToMove: number;
  readonly fullMapBytes: number;
  readonly fullMapFrameBytes: number;
  readonly incrementalBytes: number;
  readonly encodeFullMap_ms: number;
  readonly commitLmdb_ms_p50: number;
  readonly subscribers: number;
  readonly publish_ms: number;
  /** The same with the epoch's incremental (what the monitor sends). */
  readonly publishInc_ms: number;
}

const MiB_1 = 1024;
const IN_FLIGHT = 64;
const OMAP_BATCH = 1000;
const OMAP_PAGE = 1000;
const POINT_GETS = 1000;

/** Deterministic generator so two runs probe the same keys (xorshift32). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function pcts(samples: number[]): { p50: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: round3(quantile(s, 0.5)), p99: round3(quantile(s, 0.99)) };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function objName(i: number): string {
  return `obj-${i.toString().padStart(8, '0')}`;
}

function omapKey(i: number): string {
  return `key-${i.toString().padStart(8, '0')}`;
}

/** Decile boundaries: the counts at which each tenth of `total` completes. */
function decileMarks(total: number): number[] {
  return Array.from({ length: 10 }, (_, d) => Math.round(((d + 1) * total) / 10));
}

async function listAll(io: IoCtx): Promise<{ objects: number; seconds: number }> {
  const t0 = performance.now();
  let n = 0;
  for await (const _ of io.listObjects({ pageSize: 1024 })) n++;
  return { objects: n, seconds: (performance.now() - t0) / 1000 };
}

async function benchObjects(io: IoCtx, total: number): Promise<{ write: ScaleResult['objectWrite']; listing: ScaleResult['listing'] }> {
  const data = Buffer.alloc(MiB_1, 'x');
  const marks = decileMarks(total);
  // Listing at these fills pauses writing; the pause is excluded from the write rate.
  const listAt = new Set([marks[0]!, marks[4]!]);
  const listing: ScaleResult['listing'] = [];
  const byDecile: number[] = [];
  let nextIdx = 0;
  let done = 0;
  let decile = 0;
  let paused_ms = 0;
  let decileStart = performance.now();
  let decileStartCount = 0;
  const t0 = performance.now();
  let gate: Promise<void> | undefined;
  const onDone = async (): Promise<void> => {
    done++;
    if (done !== marks[decile]) return;
    const now = performance.now();
    byDecile.push(Math.round((done - decileStartCount) / ((now - decileStart) / 1000)));
    log(`objects: ${done}/${total} written, decile ${decile + 1} at ${byDecile[decile]} ops/s`);
    decile++;
    decileStartCount = done;
    if (listAt.has(done)) {
      // Other workers may still have ops in flight; they finish before the listing begins.
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      while (inFlight > 0) await new Promise((r) => setImmediate(r));
      const l = await listAll(io);
      listing.push({ fill: done / total, objects: l.objects, seconds: round3(l.seconds), objectsPerSec: Math.round(l.objects / l.seconds) });
      log(`objects: listed ${l.objects} in ${l.seconds.toFixed(1)} s`);
      paused_ms += performance.now() - now;
      gate = undefined;
      release();
    }
    decileStart = performance.now();
  };
  let inFlight = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      // Bounded by `total`: every pass claims one index.
      for (;;) {
        while (gate) await gate;
        const i = nextIdx++;
        if (i >= total) return;
        inFlight++;
        await io.writeFull(objName(i), data);
        inFlight--;
        await onDone();
      }
    }),
  );
  const total_s = (performance.now() - t0 - paused_ms) / 1000;
  const l = await listAll(io);
  listing.push({ fill: 1, objects: l.objects, seconds: round3(l.seconds), objectsPerSec: Math.round(l.objects / l.seconds) });
  log(`objects: listed ${l.objects} in ${l.seconds.toFixed(1)} s`);
  return {
    write: { inFlight: IN_FLIGHT, total_s: round3(total_s), opsPerSec: Math.round(total / total_s), opsPerSecByDecile: byDecile },
    listing,
  };
}

async function pointGets(io: IoCtx, oid: string, keysPresent: number, fill: number, seed: number): Promise<ScaleResult['omap']['pointGet'][number]> {
  const r = rng(seed);
  const lat: number[] = [];
  for (let i = 0; i < POINT_GETS; i++) {
    const k = omapKey(Math.floor(r() * keysPresent));
    const t = performance.now();
    const got = await io.omapGetValsByKeys(oid, [k]);
    lat.push(performance.now() - t);
    if (got.size !== 1) throw new Error(`omap point get: ${k} missing`);
  }
  const p = pcts(lat);
  return { fill, keysPresent, samples: lat.length, p50_ms: p.p50, p99_ms: p.p99 };
}

async function benchOmap(io: IoCtx, total: number): Promise<ScaleResult['omap']> {
  const oid = 'big-omap';
  const value = Buffer.alloc(64, 'v');
  const batches = Math.ceil(total / OMAP_BATCH);
  const marks = decileMarks(batches);
  const byDecile: number[] = [];
  const pointGet: ScaleResult['omap']['pointGet'] = [];
  let paused_ms = 0;
  const t0 = performance.now();
  let decileStart = t0;
  let decileKeys = 0;
  let decile = 0;
  // One object's writes are serialised in its PG, so the batches go one at a time.
  for (let b = 0; b < batches; b++) {
    const entries = new Map<string, Buffer>();
    for (let i = b * OMAP_BATCH; i < Math.min(total, (b + 1) * OMAP_BATCH); i++) entries.set(omapKey(i), value);
    await io.omapSet(oid, entries);
    decileKeys += entries.size;
    if (b + 1 === marks[decile]) {
      const now = performance.now();
      byDecile.push(Math.round(decileKeys / ((now - decileStart) / 1000)));
      log(`omap: ${Math.min(total, (b + 1) * OMAP_BATCH)}/${total} keys set, decile ${decile + 1} at ${byDecile[decile]} keys/s`);
      if (decile === 0) {
        pointGet.push(await pointGets(io, oid, Math.min(total, (b + 1) * OMAP_BATCH), 0.1, 7));
        paused_ms += performance.now() - now;
      }
      decile++;
      decileKeys = 0;
      decileStart = performance.now();
    }
  }
  const set_s = (performance.now() - t0 - paused_ms) / 1000;
  pointGet.push(await pointGets(io, oid, total, 1, 7));

  const pageLat: number[] = [];
  let listed = 0;
  let startAfter = '';
  const tl = performance.now();
  // Bounded: each page advances startAfter past at least one key, or ends the loop.
  for (;;) {
    const t = performance.now();
    const { entries, more } = await io.omapGetVals(oid, { startAfter, max: OMAP_PAGE });
    pageLat.push(performance.now() - t);
    for (const k of entries.keys()) startAfter = k;
    listed += entries.size;
    if (!more || entries.size === 0) break;
  }
  const list_s = (performance.now() - tl) / 1000;
  if (listed !== total) throw new Error(`omap listing returned ${listed} keys, expected ${total}`);
  const tenth = Math.max(1, Math.floor(pageLat.length / 10));
  log(`omap: listed ${listed} keys in ${list_s.toFixed(1)} s`);
  return {
    batchKeys: OMAP_BATCH,
    setKeysPerSec: Math.round(total / set_s),
    setKeysPerSecByDecile: byDecile,
    list: {
      pageKeys: OMAP_PAGE,
      keysPerSec: Math.round(listed / list_s),
      pageLatency_ms_first10pct: pcts(pageLat.slice(0, tenth)),
      pageLatency_ms_last10pct: pcts(pageLat.slice(-tenth)),
    },
    pointGet,
  };
}

/**
 * Monitor.publish's loop over K connected subscribers, timed: one body, K Connection.send calls.
 * The subscribers' sockets take the frames and drop them, so this is the monitor's CPU cost of
 * one epoch, without the kernel's socket writes.
 */
async function timePublish(body: OsdMapMessage, subscribers: number): Promise<number> {
  let bytes = 0;
  const socket = (): StreamSocket => ({
    remote: 'subscriber:0',
    queued_bytes: 0,
    write: (chunks, done) => {
      for (const c of chunks) bytes += c.length;
      done?.();
    },
    pause: () => undefined,
    resume: () => undefined,
    destroy: () => undefined,
  });
  let accept: ((s: StreamSocket) => unknown) | undefined;
  const transport: StreamTransport = {
    listen: (_host, _port, onAccept) => {
      accept = onAccept;
      return Promise.resolve({ port: 1, close: () => Promise.resolve() });
    },
    connect: () => {
      throw new Error('publish bench: subscribers dial the monitor, not the other way');
    },
    startTimer: (delay_ms, fn) => {
      const t = setTimeout(fn, delay_ms);
      return { cancel: () => clearTimeout(t) };
    },
  };
  // The monitor's subscribers are connections accepted by its one listener.
  const listener = await listen({ host: 'monitor', port: 1, transport, handler: {} });
  try {
    for (let k = 0; k < subscribers; k++) accept?.(socket());
    await new Promise<void>((resolve) => setImmediate(resolve));
    const conns = listener.connections();
    if (conns.length !== subscribers) throw new Error(`publish bench: ${conns.length} of ${subscribers} subscribers connected`);
    bytes = 0;
    const t0 = performance.now();
    for (const conn of conns) conn.send(MSG.OSDMAP, body);
    const publish_ms = performance.now() - t0;
    const frameBytes = chunksBytes(encodeMessage(FrameKind.oneway, 0, MSG.OSDMAP, body));
    if (bytes !== frameBytes * subscribers) throw new Error(`publish bench: ${bytes} bytes reached the sockets, not ${subscribers} frames`);
    return publish_ms;
  } finally {
    await listener.close();
  }
}

/**
 * The 1,000-OSD map is built the way the monitor builds it: each OSD boots (placed under its host
 * bucket by osdBoot), then one pool is created. Publishing is timed as the monitor does it today:
 * commit the full map to the lmdb MonStore (durable), then publish it as Monitor.publish does:
 * one body object handed to every subscriber's Connection.send (the connection encodes a oneway
 * body once and shares the frame), as the full map and as the epoch's incremental
 * (osdmap-incremental.ts), which is what the monitor sends.
 */
export async function benchOsdMap1000(opts: { quick: boolean }): Promise<OsdMapScale> {
  const OSDS = 1000;
  const PER_HOST = 20;
  const PGS = 4096;
  const SUBSCRIBERS = opts.quick ? 100 : 1000;
  const stamp = '2026-01-01T00:00:00.000Z';
  const tb = performance.now();
  let map: OsdMap = emptyOsdMap('00000000-0000-4000-8000-000000000000', stamp, 'host');
  for (let id = 0; id < OSDS; id++) {
    map = osdBoot(map, stamp, { id, addr: `10.0.${Math.floor(id / 250)}.${id % 250}:6800`, host: `host${Math.floor(id / PER_HOST)}`, uuid: `uuid-${id}` });
  }
  map = createPool(map, stamp, { name: 'big', pgNum: PGS, size: 3, minSize: 2 });
  const build_ms = performance.now() - tb;
  const pool = poolByName(map, 'big')!;

  const up = (m: OsdMap): number[][] => Array.from({ length: PGS }, (_, ps) => mapPg(m, pool, ps).up);
  const tm = performance.now();
  const before = up(map);
  const mapAllPgs_ms = performance.now() - tm;
  const tw = performance.now();
  up(map);
  const mapAllPgsWarm_ms = performance.now() - tw;

  const victim = 123;
  const outMap = osdSetWeight(map, stamp, victim, 0);
  const after = up(outMap);
  let moved = 0;
  let expected = 0;
  for (let ps = 0; ps < PGS; ps++) {
    const a = before[ps]!;
    const b = after[ps]!;
    if (a.includes(victim)) expected++;
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) moved++;
  }

  const full = pack(outMap);
  const inc = diffOsdMap(map, outMap);
  if (inc === undefined) throw new Error('no incremental for one OSD out');
  const incremental = pack(inc);
  const te = performance.now();
  const frame = encodeMessage(FrameKind.oneway, 0, MSG.OSDMAP, { map: outMap });
  const encodeFullMap_ms = performance.now() - te;

  const dir = mkdtempSync(join(tmpdir(), 'sepia-scale-mon-'));
  const store = new MonStore(join(dir, 'store.lmdb'));
  const commits: number[] = [];
  let publish_ms = 0;
  let publishInc_ms = 0;
  try {
    let m = map;
    await store.commitMap({ ...m });
    const EPOCHS = opts.quick ? 10 : 50;
    for (let e = 0; e < EPOCHS; e++) {
      m = osdSetWeight(m, stamp, e % OSDS, e % 2 === 0 ? 0 : 0x10000);
      const tc = performance.now();
      await store.commitMap(m);
      commits.push(performance.now() - tc);
    }
    publish_ms = await timePublish({ map: m }, SUBSCRIBERS);
    const prev = m;
    m = osdSetWeight(m, stamp, 7, 0);
    const last = diffOsdMap(prev, m);
    if (last === undefined) throw new Error('no incremental for one OSD out');
    publishInc_ms = await timePublish({ inc: last }, SUBSCRIBERS);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  commits.sort((a, b) => a - b);
  return {
    osds: OSDS,
    hosts: OSDS / PER_HOST,
    pgs: PGS,
    build_ms: Math.round(build_ms),
    mapAllPgs_ms: round3(mapAllPgs_ms),
    mapAllPgsWarm_ms: round3(mapAllPgsWarm_ms),
    pgsMovedOneOsdOut: moved,
    pgsExpectedToMove: expected,
    fullMapBytes: full.length,
    fullMapFrameBytes: chunksBytes(frame),
    incrementalBytes: incremental.length,
    encodeFullMap_ms: round3(encodeFullMap_ms),
    commitLmdb_ms_p50: round3(quantile(commits, 0.5)),
    subscribers: SUBSCRIBERS,
    publish_ms: round3(publish_ms),
    publishInc_ms: round3(publishInc_ms),
  };
}

export async function benchScale(opts: ScaleOptions): Promise<ScaleResult> {
  const objects = opts.objects ?? (opts.quick ? 20_000 : 1_000_000);
  const omapKeys = opts.omapKeys ?? (opts.quick ? 20_000 : 1_000_000);
  const osdmap1000 = await benchOsdMap1000({ quick: opts.quick });
  log(`osdmap: ${JSON.stringify(osdmap1000)}`);
  const dir = mkdtempSync(join(tmpdir(), 'sepia-scale-'));
  const confPath = join(dir, 'sepia.conf');
  try {
    await startLocalCluster({ dataDir: join(dir, 'data'), confPath, numOsds: 3, monPort: 0, extraConf: { log_level: 'warn' } });
    const rados = await Rados.connect({ conf: confPath });
    try {
      await rados.createPool('scale', { size: 3 });
      const io = rados.ioctx('scale');
      const { write, listing } = await benchObjects(io, objects);
      const omap = await benchOmap(io, omapKeys);
      return { node: process.version, objects, omapKeys, objectWrite: write, listing, omap, osdmap1000 };
    } finally {
      await rados.close();
    }
  } finally {
    await stopLocalCluster(confPath).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function scaleMarkdown(r: ScaleResult): string {
  const rows: Array<[string, string]> = [];
  const w = r.objectWrite;
  rows.push([`1 KiB writeFull, ${r.objects} objects, ${w.inFlight} in flight`, `${w.opsPerSec} ops/s`]);
  rows.push(['  ops/s by decile (1st..10th)', w.opsPerSecByDecile.join(' / ')]);
  for (const l of r.listing) rows.push([`listObjects at ${Math.round(l.fill * 100)}% fill (${l.objects} objects)`, `${l.objectsPerSec} objects/s`]);
  const o = r.omap;
  rows.push([`omap set, ${r.omapKeys} keys on one object, ${o.batchKeys} keys/op`, `${o.setKeysPerSec} keys/s`]);
  rows.push(['  keys/s by decile (1st..10th)', o.setKeysPerSecByDecile.join(' / ')]);
  rows.push([`omap paged listing, ${o.list.pageKeys} keys/page`, `${o.list.keysPerSec} keys/s`]);
  rows.push(['  page latency, first 10% of key space (p50 / p99)', `${o.list.pageLatency_ms_first10pct.p50} / ${o.list.pageLatency_ms_first10pct.p99} ms`]);
  rows.push(['  page latency, last 10% of key space (p50 / p99)', `${o.list.pageLatency_ms_last10pct.p50} / ${o.list.pageLatency_ms_last10pct.p99} ms`]);
  for (const g of o.pointGet) rows.push([`omap point get at ${Math.round(g.fill * 100)}% fill (${g.keysPresent} keys; p50 / p99)`, `${g.p50_ms} / ${g.p99_ms} ms`]);
  const m = r.osdmap1000;
  rows.push([`1,000-OSD map (${m.hosts} hosts × ${m.osds / m.hosts}): build by ${m.osds} osdBoot + createPool`, `${m.build_ms} ms`]);
  rows.push([`  mapPg for all ${m.pgs} PGs (cold / cached)`, `${m.mapAllPgs_ms} / ${m.mapAllPgsWarm_ms} ms`]);
  rows.push(['  PGs whose up set changed when one OSD is marked out (PGs that held it)', `${m.pgsMovedOneOsdOut} (${m.pgsExpectedToMove})`]);
  rows.push(['  full OsdMap, msgpack / as an OSDMAP frame', `${m.fullMapBytes} / ${m.fullMapFrameBytes} bytes`]);
  rows.push(['  incremental for one OSD out (msgpack)', `${m.incrementalBytes} bytes`]);
  rows.push(['  encode one OSDMAP frame', `${m.encodeFullMap_ms} ms`]);
  rows.push(['  commit one epoch to the lmdb MonStore (p50)', `${m.commitLmdb_ms_p50} ms`]);
  rows.push([`  publish one epoch to ${m.subscribers} subscribers as the full map / as the incremental`, `${m.publish_ms} / ${m.publishInc_ms} ms`]);
  return ['| figure | value |', '| --- | ---: |', ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join('\n');
}

function argNumber(args: readonly string[], flag: string): number | undefined {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const n = Number(args[i + 1]);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer`);
  return n;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  if (args.includes('--osdmap-only')) {
    // Figure 3 alone (no cluster): the 1,000-OSD map rows in a few seconds.
    console.log(JSON.stringify(await benchOsdMap1000({ quick: args.includes('--quick') }), null, 2));
    process.exit(0);
  }
  const objects = argNumber(args, '--objects');
  const omapKeys = argNumber(args, '--omap-keys');
  const result = await benchScale({
    quick: args.includes('--quick'),
    ...(objects !== undefined ? { objects } : {}),
    ...(omapKeys !== undefined ? { omapKeys } : {}),
  });
  console.log(JSON.stringify(result, null, 2));
  console.log();
  console.log(scaleMarkdown(result));
}
