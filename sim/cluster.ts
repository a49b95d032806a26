// The harness: one monitor, N OSDs and clients in this process, on the simulated network, disks
// and clock. The daemons are the real ones (src/mon/monitor.ts, src/osd/daemon.ts), unchanged.
// A crash is a process death: the daemon's timers are cancelled, its sockets go silent (peers see
// resets), its disk loses what was not flushed; a restart builds a fresh daemon object on what
// the disk kept.

import { invariant } from '../src/core/assert.js';
import { Config, parseConf } from '../src/core/config.js';
import type { Logger, LogLevel } from '../src/io/log.js';
import { Monitor } from '../src/mon/monitor.js';
import { Osd } from '../src/osd/daemon.js';
import { openMemoryStore, type MemoryObjectStore } from '../src/osd/store/index.js';
import { Rados } from '../src/client/rados.js';
import { NodeClock, Scheduler } from './clock.js';
import { SimDisk, SimMonDisk } from './disk.js';
import { Rng } from './rng.js';
import { SimNetwork, DEFAULT_NETWORK, type NetworkConfig } from './transport.js';
import type { Trace } from './trace.js';

export interface ClusterConfig {
  readonly osds: number;
  readonly pgNum: number;
  readonly poolSize: number;
  readonly minSize: number;
  /** Flush latency range of every disk (ms). */
  readonly flush_ms: readonly [number, number];
  readonly network: NetworkConfig;
}

export const DEFAULT_CLUSTER: ClusterConfig = {
  osds: 3,
  pgNum: 8,
  poolSize: 3,
  minSize: 2,
  flush_ms: [0.5, 4],
  network: DEFAULT_NETWORK,
};

export const MON_HOST = 'mon';
export const MON_PORT = 6789;
const FSID = '5e9a0000-0000-4000-8000-00000000cafe';
/** No real directory: the OSD's statfs of it fails fast and reports zero capacity. */
const DATA_ROOT = '/nonexistent-sepia-sim';

export function osdHost(id: number): string {
  return `osd${id}`;
}

function simLogger(name: string, sched: Scheduler, trace: Trace): Logger {
  const log = (level: LogLevel, msg: string): void => trace.log(sched.now_ms, `${name} ${level} ${msg}`);
  return {
    debug: (m) => log('debug', m),
    info: (m) => log('info', m),
    warn: (m) => log('warn', m),
    error: (m) => log('error', m),
    log,
    close: async () => undefined,
  };
}

interface OsdNode {
  readonly id: number;
  readonly disk: SimDisk;
  incarnation: number;
  daemon: Osd | undefined;
  store: MemoryObjectStore | undefined;
  clock: NodeClock | undefined;
  /** Set once start() resolved for the current incarnation. */
  booted: boolean;
}

interface MonNode {
  readonly disk: SimMonDisk;
  incarnation: number;
  daemon: Monitor | undefined;
  clock: NodeClock | undefined;
  started: boolean;
}

export class SimCluster {
  readonly sched: Scheduler;
  readonly net: SimNetwork;
  private readonly sections: ReturnType<typeof parseConf>;
  readonly osds: OsdNode[] = [];
  readonly mon: MonNode;
  private readonly clients: Array<{ rados: Rados; clock: NodeClock }> = [];
  private clientSeq = 0;
  /** Async failures inside daemons (start errors); a healthy run has none it did not cause. */
  readonly daemonErrors: string[] = [];

  constructor(
    readonly rng: Rng,
    readonly trace: Trace,
    readonly config: ClusterConfig = DEFAULT_CLUSTER,
  ) {
    this.sched = new Scheduler(rng.fork('scheduler'), trace);
    this.net = new SimNetwork(this.sched, rng.fork('network'), config.network);
    this.sections = parseConf(
      [
        '[global]',
        `fsid = ${FSID}`,
        `mon_host = ${MON_HOST}:${MON_PORT}`,
        `osd_pool_default_size = ${config.poolSize}`,
        `osd_pool_default_min_size = ${config.minSize}`,
        `osd_pool_default_pg_num = ${config.pgNum}`,
        'mon_allow_pool_delete = true',
        'log_level = debug',
        '',
      ].join('\n'),
    );
    const diskRng = rng.fork('disks');
    this.mon = { disk: new SimMonDisk(this.sched, diskRng.fork('mon'), config.flush_ms), incarnation: 0, daemon: undefined, clock: undefined, started: false };
    for (let id = 0; id < config.osds; id++) {
      this.osds.push({
        id,
        disk: new SimDisk(this.sched, diskRng.fork(`osd${id}`), config.flush_ms),
        incarnation: 0,
        daemon: undefined,
        store: undefined,
        clock: undefined,
        booted: false,
      });
    }
  }

  private note(line: string): void {
    this.trace.add(this.sched.now_ms, line);
  }

  /** Resolves after delay_ms of virtual time (while something drives the scheduler). */
  sleep(delay_ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sched.schedule(delay_ms, resolve);
    });
  }

  /**
   * Drives the simulation until `task` settles. Returns its value; throws its error, or a
   * liveness failure when virtual time passes deadline_ms first.
   */
  async drive<T>(task: Promise<T>, what: string, deadline_ms: number): Promise<T> {
    type Outcome = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };
    const holder: { outcome: Outcome | undefined } = { outcome: undefined };
    task.then(
      (value) => {
        holder.outcome = { ok: true, value };
      },
      (error: unknown) => {
        holder.outcome = { ok: false, error };
      },
    );
    await this.sched.runUntil(() => holder.outcome !== undefined, deadline_ms);
    const outcome = holder.outcome as Outcome | undefined;
    if (outcome === undefined) throw new LivenessError(`${what}: not finished by t=${deadline_ms} ms (virtual)`);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  // -------------------------------------------------------------------------------------------
  // Monitor

  startMon(): void {
    const node = this.mon;
    invariant(node.daemon === undefined, 'monitor is not running');
    node.incarnation++;
    const clock = new NodeClock(this.sched, `mon#${node.incarnation}`);
    const monitor = new Monitor({
      config: new Config(this.sections, { type: 'mon', id: 'a' }),
      dataDir: `${DATA_ROOT}/mon`,
      host: MON_HOST,
      port: MON_PORT,
      log: simLogger(`mon#${node.incarnation}`, this.sched, this.trace),
      now: () => new Date(this.sched.wall_ms).toISOString(),
      transport: this.net.transportFor(MON_HOST, clock),
      store: node.disk.open(),
      clock,
    });
    node.daemon = monitor;
    node.clock = clock;
    node.started = false;
    const incarnation = node.incarnation;
    this.note(`start mon#${incarnation}`);
    monitor.start().then(
      () => {
        if (node.incarnation === incarnation) node.started = true;
      },
      (err: unknown) => {
        if (node.incarnation === incarnation) this.daemonErrors.push(`mon start: ${String(err)}`);
      },
    );
  }

  crashMon(): void {
    const node = this.mon;
    if (node.daemon === undefined) return;
    this.note(`crash mon#${node.incarnation}`);
    node.clock?.kill();
    this.net.kill(MON_HOST);
    node.disk.crash();
    node.daemon = undefined;
    node.clock = undefined;
    node.started = false;
  }

  get monitor(): Monitor | undefined {
    return this.mon.started ? this.mon.daemon : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // OSDs

  startOsd(id: number): void {
    const node = this.osds[id];
    invariant(node !== undefined && node.daemon === undefined, `osd.${id} is not running`);
    node.incarnation++;
    const clock = new NodeClock(this.sched, `osd.${id}#${node.incarnation}`);
    const store = openMemoryStore(node.disk);
    const osd = new Osd({
      id,
      config: new Config(this.sections, { type: 'osd', id: String(id) }, new Map([['public_addr', osdHost(id)]])),
      store,
      dataDir: `${DATA_ROOT}/osd.${id}`,
      log: simLogger(`osd.${id}#${node.incarnation}`, this.sched, this.trace),
      clock,
      transport: this.net.transportFor(osdHost(id), clock),
      uuid: () => `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
      host: `host${id}`,
    });
    node.daemon = osd;
    node.store = store;
    node.clock = clock;
    node.booted = false;
    const incarnation = node.incarnation;
    this.note(`start osd.${id}#${incarnation}`);
    osd.start().then(
      () => {
        if (node.incarnation === incarnation) node.booted = true;
      },
      (err: unknown) => {
        if (node.incarnation === incarnation) this.daemonErrors.push(`osd.${id} start: ${String(err)}`);
      },
    );
  }

  /** Process death: timers stop, sockets reset, unflushed store writes are lost. */
  crashOsd(id: number): void {
    const node = this.osds[id];
    invariant(node !== undefined, `osd.${id} exists`);
    if (node.daemon === undefined) return;
    this.note(`crash osd.${id}#${node.incarnation} (unflushed commits lost: ${node.disk.unflushedCommits})`);
    node.clock?.kill();
    this.net.kill(osdHost(id));
    node.disk.crash();
    node.daemon = undefined;
    node.store = undefined;
    node.clock = undefined;
    node.booted = false;
  }

  osdRunning(id: number): boolean {
    return this.osds[id]?.daemon !== undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Clients

  async connectClient(): Promise<Rados> {
    const n = this.clientSeq++;
    const host = `client${n}`;
    const clock = new NodeClock(this.sched, host);
    const rados = await Rados.connect({
      monHost: `${MON_HOST}:${MON_PORT}`,
      transport: this.net.transportFor(host, clock),
      clock,
      options: { client_mount_timeout: '600', rados_mon_op_timeout: '0', rados_osd_op_timeout: '0' },
    });
    this.clients.push({ rados, clock });
    return rados;
  }

  // -------------------------------------------------------------------------------------------
  // Cluster-wide conditions

  /** The monitor is serving and every OSD is running, booted and marked up in its map. */
  allUp(): boolean {
    const mon = this.monitor;
    if (mon === undefined) return false;
    const map = mon.osdMap;
    return this.osds.every((n) => n.booted && map.osds.some((o) => o.id === n.id && o.up));
  }

  async waitAllUp(deadline_ms: number): Promise<void> {
    for (let i = 0; i < 100_000 && this.sched.now_ms < deadline_ms; i++) {
      if (this.allUp()) return;
      await this.sleep(50);
    }
    if (!this.allUp()) throw new LivenessError(`not every OSD was up by t=${deadline_ms} ms (virtual)`);
  }

  /** Restarts whatever is down and lifts every network fault. */
  healAll(): void {
    this.net.healAll();
    if (this.mon.daemon === undefined) this.startMon();
    for (const n of this.osds) if (n.daemon === undefined) this.startOsd(n.id);
  }

  /** Stops timers of every live process so nothing keeps scheduling after the run. */
  shutdown(): void {
    for (const c of this.clients) c.clock.kill();
    for (const n of this.osds) n.clock?.kill();
    this.mon.clock?.kill();
  }
}

export class LivenessError extends Error {
  override readonly name = 'LivenessError';
}
