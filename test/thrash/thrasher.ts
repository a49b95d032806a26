// Thrashing a real local cluster: the simulator's seeded workload and expected-state model run
// against real daemons on 127.0.0.1 while a thrasher SIGKILLs one OSD at a time, restarts it and
// waits for active+clean. Ops that fail while an OSD dies are "may or may not have happened" in
// the model; reads are checked as they return. At the end the cluster is healed, every object is
// read back, the daemons are stopped, and every OSD's store is compared offline.
//
// With size 3 / min_size 2 at most one OSD is ever down, so every acknowledged write must survive.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestCluster } from '../integration/harness.js';
import { spawnDaemon } from '../../src/cli/local-cluster.js';
import { Rados } from '../../src/client/rados.js';
import type { IoCtx } from '../../src/client/ioctx.js';
import { ReadOp } from '../../src/client/ops.js';
import { ERRNO, RadosError } from '../../src/core/errors.js';
import { invariant } from '../../src/core/assert.js';
import { delay } from '../../src/io/clock.js';
import { Model, type ObjState, type WriteKind, type WriteOutcome } from '../../sim/model.js';
import { Rng } from '../../sim/rng.js';
import { Workload } from '../../sim/workload.js';
import { osdDump, waitSettled } from './cluster-watch.js';
import { compareReplicas, compareWithModel, readStore, type StoreObject } from './store-check.js';

export interface ThrashOptions {
  readonly seed: number;
  /** How long the thrasher keeps killing OSDs (cluster start and final checks come on top). */
  readonly thrash_ms: number;
  readonly numOsds: number;
  readonly pgNum: number;
  /** Objects the workload touches (M) and ops it keeps in flight (N). */
  readonly objects: number;
  readonly concurrency: number;
  readonly maxWriteBytes: number;
  /** How long a killed OSD stays down before its restart. */
  readonly downMin_ms: number;
  readonly downMax_ms: number;
  /** Time with every OSD up between one recovery and the next kill. */
  readonly pauseMin_ms: number;
  readonly pauseMax_ms: number;
  /** Chance that a restarted OSD is killed again while it is still recovering. */
  readonly rekillChance: number;
  readonly recoveryTimeout_ms: number;
  /** Client op timeout: an op stuck longer ends as an unknown outcome. */
  readonly opTimeout_s: number;
  readonly extraConf: Readonly<Record<string, string | number | boolean>>;
  /** Stop thrashing at the first violation, so the event log ends where things went wrong. */
  readonly stopOnViolation: boolean;
  /** Keep the cluster directory (daemon logs, stores, events.log) when something failed. */
  readonly keepOnFailure: boolean;
  readonly progress?: (line: string) => void;
}

export const THRASH_DEFAULTS: Omit<ThrashOptions, 'seed' | 'thrash_ms'> = {
  numOsds: 3,
  pgNum: 8,
  objects: 24,
  concurrency: 8,
  maxWriteBytes: 1024,
  downMin_ms: 200,
  downMax_ms: 4_000,
  pauseMin_ms: 500,
  pauseMax_ms: 3_000,
  rekillChance: 0.2,
  recoveryTimeout_ms: 60_000,
  opTimeout_s: 30,
  extraConf: { osd_heartbeat_interval: 0.5, osd_heartbeat_grace: 3, mon_osd_down_out_interval: 600 },
  stopOnViolation: true,
  keepOnFailure: false,
};

export interface KillRecord {
  readonly osd: number;
  readonly down_ms: number;
  /** Killed again while recovering from the first kill. */
  readonly rekilled: boolean;
  /** Last restart → active+clean. */
  readonly recovery_ms: number;
  /** First kill → active+clean. */
  readonly killToClean_ms: number;
}

export interface ThrashSummary {
  readonly seed: number;
  readonly thrash_s: number;
  readonly ops: number;
  readonly acknowledged: number;
  readonly unknownOutcomes: number;
  readonly kills: number;
  readonly maxRecovery_ms: number;
  readonly meanRecovery_ms: number;
  readonly maxKillToClean_ms: number;
  /** Objects checked at the end (the rest had too many unknown outcomes to pin down). */
  readonly objectsChecked: number;
  readonly ambiguousObjects: number;
  /** Objects whose final content (read back, or in any replica's store) the model does not allow. */
  readonly lost: number;
  readonly violations: number;
}

export interface ThrashResult {
  readonly summary: ThrashSummary;
  readonly violations: readonly string[];
  readonly kills: readonly KillRecord[];
  /** The last EVENTS_MAX lines: thrasher events (kills, restarts, recoveries) and workload ops. */
  readonly events: readonly string[];
  /** Every thrasher event of the run, without the ops. */
  readonly milestones: readonly string[];
  /** Where the cluster was kept for inspection, when it was. */
  readonly keptDir?: string;
}

const POOL = 'thrash';
/** Workload ops per batch; the loop starts the next batch as soon as one drains. */
const BATCH_PER_WORKER = 8;
/** Lines kept in the event ring (about a minute of ops at full speed). */
const EVENTS_MAX = 20_000;
/** Thrasher lines kept for the whole run (a 24-hour run has ~30,000 cycles of ~3 lines: enough for hours). */
const MILESTONES_MAX = 50_000;
const FINAL_READ_ATTEMPTS = 10;
const FINAL_READ_RETRY_MS = 500;
const OMAP_LIST_MAX = 1000;
const KILL_WAIT_POLLS = 400;
const KILL_POLL_MS = 25;
const LOG_TAIL_LINES = 30;

/** The model, counting acknowledged writes on the way through. */
class CountingModel extends Model {
  acknowledged = 0;

  override onWrite(name: string, w: WriteKind, outcome: WriteOutcome): string | undefined {
    if (outcome.kind === 'ok') this.acknowledged++;
    return super.onWrite(name, w, outcome);
  }
}

/**
 * Every op as a line in a bounded ring; thrasher milestones also in a list of their own, so a
 * long run's kill history survives the ring.
 */
class EventLog {
  private readonly lines: string[] = [];
  readonly milestones: string[] = [];
  private readonly start_ms = performance.now();

  add(line: string, milestone = false): string {
    const stamped = `[${((performance.now() - this.start_ms) / 1000).toFixed(3)}s] ${line}`;
    this.lines.push(stamped);
    if (this.lines.length > EVENTS_MAX) this.lines.splice(0, this.lines.length - EVENTS_MAX);
    if (milestone && this.milestones.length < MILESTONES_MAX) this.milestones.push(stamped);
    return stamped;
  }

  all(): string[] {
    return [...this.lines];
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function killPid(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < KILL_WAIT_POLLS; i++) {
    if (!pidAlive(pid)) return;
    await delay(KILL_POLL_MS);
  }
  throw new Error(`pid ${pid} survived SIGKILL for ${KILL_WAIT_POLLS * KILL_POLL_MS} ms`);
}

function logTail(cluster: TestCluster, name: string): string {
  const out: string[] = [];
  for (const file of [`${name}.log`, `${name}.out`]) {
    const path = join(cluster.dataDir, 'log', file);
    if (!existsSync(path)) continue;
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES);
    out.push(`--- ${path}`, ...lines);
  }
  return out.join('\n');
}

/** One object's whole state as the client sees it; ENOENT → absent. Throws other RadosErrors. */
async function readState(io: IoCtx, name: string): Promise<{ state: ObjState; version: number | undefined; sizeMismatch?: string }> {
  try {
    const r = await io.operate(name, new ReadOp().stat().read(0, 0).getXattrs().omapGetVals({ max: OMAP_LIST_MAX }));
    const [stat, data, xattrs, vals] = r.results.map((x) => x.out);
    const bytes = data?.kind === 'data' ? Buffer.from(data.data) : Buffer.alloc(0);
    const state: ObjState = {
      exists: true,
      data: bytes,
      xattrs: new Map(xattrs?.kind === 'xattrs' ? xattrs.xattrs.map(([k, v]) => [k, Buffer.from(v)] as const) : []),
      omap: new Map(vals?.kind === 'vals' ? vals.entries.map(([k, v]) => [k, Buffer.from(v)] as const) : []),
    };
    const sizeMismatch = stat?.kind === 'stat' && stat.size !== bytes.length ? `stat size ${stat.size} but ${bytes.length} data bytes` : undefined;
    return { state, version: r.version, ...(sizeMismatch !== undefined ? { sizeMismatch } : {}) };
  } catch (error) {
    if (RadosError.is(error) && error.errno === ERRNO.ENOENT) {
      return { state: { exists: false, data: Buffer.alloc(0), xattrs: new Map(), omap: new Map() }, version: undefined };
    }
    throw error;
  }
}

function rand(rng: Rng, lo: number, hi: number): number {
  return rng.between(Math.round(lo), Math.round(Math.max(lo, hi)));
}

interface CycleContext {
  readonly cluster: TestCluster;
  readonly rados: Rados;
  readonly poolId: number;
  readonly osds: readonly number[];
  /** Expected-running OSD pids, kept current across kills and restarts. */
  readonly pids: Map<number, number>;
  readonly rng: Rng;
  readonly opts: ThrashOptions;
  readonly say: (line: string) => void;
  readonly deadDaemon: () => string | undefined;
}

/** One cycle: SIGKILL `victim`, keep it down a while, restart it (maybe twice), wait for clean. */
async function killAndRestart(ctx: CycleContext, victim: number): Promise<KillRecord> {
  const { cluster, rng, opts, pids } = ctx;
  const victimPid = pids.get(victim);
  invariant(victimPid !== undefined, `osd.${victim} has a pid`);
  const epochBefore = (await osdDump(ctx.rados)).epoch;
  const down_ms = rand(rng, opts.downMin_ms, opts.downMax_ms);
  const killedAt_ms = performance.now();
  pids.delete(victim);
  await killPid(victimPid);
  ctx.say(`kill osd.${victim} (pid ${victimPid}) at epoch ${epochBefore}, down for ${down_ms} ms`);
  await delay(down_ms);
  let restartedAt_ms = performance.now();
  let pid = spawnDaemon(cluster.confPath, 'osd', String(victim));
  pids.set(victim, pid);
  ctx.say(`restart osd.${victim} (pid ${pid})`);
  const rekilled = rng.chance(opts.rekillChance);
  if (rekilled) {
    // Killed again mid-recovery: still at most one OSD down, but now one that was catching up.
    await delay(rand(rng, 100, 1_500));
    pids.delete(victim);
    await killPid(pid);
    ctx.say(`kill osd.${victim} again (pid ${pid}) while it recovers`);
    await delay(rand(rng, opts.downMin_ms, opts.downMax_ms / 2));
    restartedAt_ms = performance.now();
    pid = spawnDaemon(cluster.confPath, 'osd', String(victim));
    pids.set(victim, pid);
    ctx.say(`restart osd.${victim} (pid ${pid})`);
  }
  const goal = { up: ctx.osds, rebooted: { ids: [victim], afterEpoch: epochBefore }, poolId: ctx.poolId };
  const settled = await waitSettled(ctx.rados, goal, opts.recoveryTimeout_ms, ctx.deadDaemon);
  return {
    osd: victim,
    down_ms,
    rekilled,
    recovery_ms: Math.max(0, Math.round(settled.clean_at_ms - restartedAt_ms)),
    killToClean_ms: Math.round(settled.clean_at_ms - killedAt_ms),
  };
}

/**
 * Reads every object once after the cluster healed; each read must be a state the model allows,
 * and pins the object to it. Returns each object's one expected state (undefined: ambiguous).
 */
async function readBack(
  io: IoCtx,
  model: Model,
  objects: number,
  violate: (line: string) => void,
  lostNames: Set<string>,
): Promise<Map<string, ObjState | undefined>> {
  const expected = new Map<string, ObjState | undefined>();
  for (let i = 0; i < objects; i++) {
    const name = `obj${i}`;
    let last: unknown;
    let done = false;
    for (let attempt = 0; attempt < FINAL_READ_ATTEMPTS && !done; attempt++) {
      try {
        const r = await readState(io, name);
        if (r.sizeMismatch !== undefined) violate(`final read of ${name}: ${r.sizeMismatch}`);
        const v = model.onRead(name, r.state, r.version);
        if (v !== undefined) {
          violate(`final read: ${v}`);
          lostNames.add(name);
        }
        done = true;
      } catch (error) {
        last = error;
        await delay(FINAL_READ_RETRY_MS);
      }
    }
    if (!done) {
      violate(`final read of ${name} failed ${FINAL_READ_ATTEMPTS} times: ${last instanceof Error ? last.message : String(last)}`);
      lostNames.add(name);
    }
    expected.set(name, model.certain(name));
  }
  return expected;
}

/** With every daemon stopped: all stores identical, and each one what the model expects. */
async function offlineCheck(
  dataDir: string,
  osds: readonly number[],
  poolId: number,
  expected: ReadonlyMap<string, ObjState | undefined>,
  violate: (line: string) => void,
  lostNames: Set<string>,
): Promise<void> {
  const stores = new Map<number, Map<string, StoreObject>>();
  for (const id of osds) stores.set(id, await readStore(dataDir, id, poolId));
  for (const p of compareReplicas(stores)) violate(p);
  for (const [id, store] of stores) {
    for (const { name, problem } of compareWithModel(id, store, expected)) {
      violate(problem);
      lostNames.add(name);
    }
  }
}

/** Runs one thrash: start a cluster, load + kill/restart cycles, heal, check, destroy. */
export async function runThrash(options: Partial<ThrashOptions> & Pick<ThrashOptions, 'seed' | 'thrash_ms'>): Promise<ThrashResult> {
  const opts: ThrashOptions = { ...THRASH_DEFAULTS, ...options, extraConf: { ...THRASH_DEFAULTS.extraConf, ...(options.extraConf ?? {}) } };
  invariant(opts.numOsds >= 3, 'thrashing keeps size 3 / min_size 2, so it needs at least 3 OSDs');
  invariant(opts.downMin_ms <= opts.downMax_ms && opts.pauseMin_ms <= opts.pauseMax_ms, 'time ranges are ordered');
  const rng = new Rng(opts.seed);
  const thrashRng = rng.fork('thrasher');
  const events = new EventLog();
  const violations: string[] = [];
  const kills: KillRecord[] = [];
  const model = new CountingModel();
  const lostNames = new Set<string>();
  const say = (line: string): void => {
    const stamped = events.add(line, true);
    opts.progress?.(stamped);
  };
  const violate = (line: string): void => {
    violations.push(line);
    say(`VIOLATION: ${line}`);
  };

  const cluster = await TestCluster.start({
    numOsds: opts.numOsds,
    extraConf: { osd_pool_default_pg_num: opts.pgNum, osd_pool_default_size: 3, osd_pool_default_min_size: 2, ...opts.extraConf },
  });
  let rados: Rados | undefined;
  let workload: Workload | undefined;
  let objectsChecked = 0;
  // The pid of every OSD we expect to be running, so a daemon that dies on its own is noticed.
  const pids = new Map<number, number>();
  const thrashStart_ms = performance.now();
  let thrashEnd_ms = thrashStart_ms;
  try {
    say(`cluster up in ${cluster.dir}, seed ${opts.seed}`);
    const osds = Array.from({ length: opts.numOsds }, (_, i) => i);
    for (const id of osds) pids.set(id, cluster.pidOf(`osd.${id}`));
    const deadDaemon = (): string | undefined => {
      for (const [id, pid] of pids) {
        if (!pidAlive(pid)) return `osd.${id} (pid ${pid}) exited on its own\n${logTail(cluster, `osd.${id}`)}`;
      }
      return undefined;
    };

    rados = await Rados.connect({ conf: cluster.confPath, options: { client_mount_timeout: '30', rados_osd_op_timeout: String(opts.opTimeout_s) } });
    await rados.createPool(POOL, { pgNum: opts.pgNum, size: 3 });
    const poolId = await rados.poolLookup(POOL);
    await waitSettled(rados, { poolId }, opts.recoveryTimeout_ms);
    const io = rados.ioctx(POOL);

    const wl = new Workload(io, rng.fork('workload'), model, (line) => events.add(line), {
      objects: opts.objects,
      concurrency: opts.concurrency,
      maxWriteBytes: opts.maxWriteBytes,
    });
    workload = wl;
    let stopping = false;
    let seenViolations = 0;
    const drainViolations = (): void => {
      for (; seenViolations < wl.violations.length; seenViolations++) violate(`workload: ${wl.violations[seenViolations] ?? ''}`);
    };
    const load = (async (): Promise<void> => {
      // One batch per iteration; ends when the thrasher says stop.
      while (!stopping) {
        await wl.run(opts.concurrency * BATCH_PER_WORKER);
        drainViolations();
      }
    })().catch((error: unknown) => violate(`workload crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));

    const thrashDeadline_ms = thrashStart_ms + opts.thrash_ms;
    const cycleCtx: CycleContext = {
      cluster,
      rados,
      poolId,
      osds,
      pids,
      rng: thrashRng,
      opts,
      say: (line) => say(`${line}; ${wl.completed} ops so far`),
      deadDaemon,
    };
    // One kill cycle per iteration; bounded by the deadline (each cycle takes at least pauseMin_ms).
    for (let cycle = 0; cycle < 100_000 && performance.now() < thrashDeadline_ms; cycle++) {
      if (opts.stopOnViolation && violations.length > 0) break;
      await delay(rand(thrashRng, opts.pauseMin_ms, opts.pauseMax_ms));
      if (performance.now() >= thrashDeadline_ms) break;
      const victim = thrashRng.pick(osds);
      try {
        const record = await killAndRestart(cycleCtx, victim);
        kills.push(record);
        say(
          `active+clean: osd.${victim} recovered in ${record.recovery_ms} ms (kill → clean ${record.killToClean_ms} ms); ` +
            `ops ${wl.completed}, acknowledged ${model.acknowledged}, unknown ${wl.unknownOutcomes}`,
        );
      } catch (error) {
        violate(`after restarting osd.${victim}: ${error instanceof Error ? error.message : String(error)}`);
        break;
      }
      drainViolations();
    }
    thrashEnd_ms = performance.now();
    stopping = true;
    await load;
    drainViolations();
    say(`thrash done: ${kills.length} kills, ${wl.completed} ops; healing`);

    // Heal: whatever is not running (a daemon that died on its own) is started again.
    for (const id of osds) {
      const pid = pids.get(id);
      if (pid !== undefined && pidAlive(pid)) continue;
      pids.set(id, spawnDaemon(cluster.confPath, 'osd', String(id)));
      say(`heal: start osd.${id}`);
    }
    await waitSettled(rados, { up: osds, poolId }, opts.recoveryTimeout_ms, deadDaemon);
    say('healed: active+clean; reading every object back');

    // Every object once more, through the client: the newest acknowledged content must be there.
    const expected = await readBack(io, model, opts.objects, violate, lostNames);
    objectsChecked = [...expected.values()].filter((st) => st !== undefined).length;

    await rados.close();
    rados = undefined;
    await cluster.stop();
    say('daemons stopped; comparing stores offline');
    await offlineCheck(cluster.dataDir, osds, poolId, expected, violate, lostNames);
  } catch (error) {
    violate(`thrash run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    await rados?.close().catch(() => undefined);
    // A daemon we spawned that never wrote its pid file is invisible to stop()/destroy().
    if ([...pids.values()].some(pidAlive)) await cluster.stop().catch(() => undefined);
    for (const pid of pids.values()) if (pidAlive(pid)) await killPid(pid).catch(() => undefined);
  }

  const recoveryTimes = kills.map((k) => k.recovery_ms);
  const summary: ThrashSummary = {
    seed: opts.seed,
    thrash_s: Math.round((thrashEnd_ms - thrashStart_ms) / 1000),
    ops: workload?.completed ?? 0,
    acknowledged: model.acknowledged,
    unknownOutcomes: workload?.unknownOutcomes ?? 0,
    kills: kills.length,
    maxRecovery_ms: recoveryTimes.length === 0 ? 0 : Math.max(...recoveryTimes),
    meanRecovery_ms: recoveryTimes.length === 0 ? 0 : Math.round(recoveryTimes.reduce((a, b) => a + b, 0) / recoveryTimes.length),
    maxKillToClean_ms: kills.length === 0 ? 0 : Math.max(...kills.map((k) => k.killToClean_ms)),
    objectsChecked,
    ambiguousObjects: model.ambiguousObjects,
    lost: lostNames.size,
    violations: violations.length,
  };
  let keptDir: string | undefined;
  if (violations.length > 0 && opts.keepOnFailure) {
    keptDir = cluster.dir;
    writeFileSync(join(cluster.dir, 'thrasher.log'), `${events.milestones.join('\n')}\n`);
    writeFileSync(join(cluster.dir, 'events.log'), `${events.all().join('\n')}\n`);
    // Daemons are left stopped but the directory (stores, logs, conf) stays for inspection.
    await cluster.stop().catch(() => undefined);
  } else {
    await cluster.destroy();
  }
  return { summary, violations, kills, events: events.all(), milestones: events.milestones, ...(keptDir !== undefined ? { keptDir } : {}) };
}
