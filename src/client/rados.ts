// Rados: a connection to a Sepia cluster (librados' Rados). Holds the monitor session, the
// current OSDMap (pushed by the monitor) and the objecter that sends ops to OSDs.
import { RadosError, ERRNO, type ErrnoName } from '../core/errors.js';
import { Config, parseConf, parseHostPort } from '../core/config.js';
import { connect, type Connection } from '../msg/index.js';
import { readTextIfExists } from '../io/files.js';
import { realClock, timeoutSignal, type Clock } from '../io/clock.js';
import type { StreamTransport } from '../io/tcp.js';
import type { OsdMap } from '../mon/maps/osdmap.js';
import { receivedMap } from '../mon/maps/osdmap-incremental.js';
import { MSG, type MonCommandReply, type MonHelloReply, type OsdMapMessage } from '../proto/messages.js';
import { Objecter } from './objecter.js';
import { IoCtx } from './ioctx.js';

export interface ConnectOptions {
  /** Path of sepia.conf (default: $SEPIA_CONF, else ./sepia.conf). */
  readonly conf?: string;
  /** Monitor address host:port; overrides the conf file's mon_host. */
  readonly monHost?: string;
  /** Entity name, e.g. "client.admin". */
  readonly name?: string;
  /** Extra options, as on a command line (`--osd_op_timeout 5`). */
  readonly options?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Byte-stream transport (default TCP; the simulator passes its own). */
  readonly transport?: StreamTransport;
  /** Time source for timeouts, back-off and op mtimes (default real time; the simulator's is virtual). */
  readonly clock?: Clock;
}

export interface PoolStat {
  readonly name: string;
  readonly id: number;
  readonly numBytes: number;
  readonly numKb: number;
  readonly numObjects: number;
  readonly numObjectClones: number;
  readonly numObjectCopies: number;
  readonly numObjectsDegraded: number;
  readonly rdOps: number;
  readonly rdBytes: number;
  readonly wrOps: number;
  readonly wrBytes: number;
}

export function defaultConfPath(): string {
  return process.env['SEPIA_CONF'] ?? './sepia.conf';
}

export class Rados {
  private map!: OsdMap;
  private fetchingFullMap = false;
  private globalId = 0;
  private readonly mapWaiters = new Set<{ epoch: number; resolve: () => void }>();
  private objecterInstance!: Objecter;
  private closed = false;

  private constructor(
    private readonly config: Config,
    private readonly mon: Connection,
    private readonly transport: StreamTransport | undefined,
    private readonly clock: Clock,
  ) {}

  /** Connects to the monitor, registers, and waits for the first OSDMap. */
  static async connect(opts: ConnectOptions = {}): Promise<Rados> {
    const overrides = new Map(Object.entries(opts.options ?? {}));
    if (opts.monHost !== undefined) overrides.set('mon_host', opts.monHost);
    let sections: ReturnType<typeof parseConf> = [];
    const path = opts.conf ?? (opts.monHost === undefined ? defaultConfPath() : undefined);
    if (path !== undefined) {
      const text = readTextIfExists(path);
      if (text === undefined) throw RadosError.from('ENOENT', `unable to open config file ${path}`);
      sections = parseConf(text);
    }
    const id = (opts.name ?? 'client.admin').replace(/^client\./, '');
    const config = new Config(sections, { type: 'client', id }, overrides);
    const { host, port } = parseHostPort(config.get('mon_host'), 6789);
    let rados: Rados | undefined;
    let ready!: () => void;
    let failed!: (err: unknown) => void;
    const connected = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    // A handshake that fails after the caller gave up (timeout, abort) has no one to tell.
    connected.catch(() => undefined);
    const mon = connect({
      host,
      port,
      reconnect: true,
      ...(opts.transport ? { transport: opts.transport } : {}),
      handler: {
        onConnect: (conn) => {
          void rados?.handshake(conn).then(ready, failed);
        },
        onMessage: (type, body) => {
          if (type === MSG.OSDMAP) rados?.handleMapMessage(body as OsdMapMessage);
        },
      },
    });
    rados = new Rados(config, mon, opts.transport, opts.clock ?? realClock);
    const mount_ms = config.get('client_mount_timeout') * 1000;
    const timeout = timeoutSignal(mount_ms, opts.clock ?? realClock);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout.signal]) : timeout.signal;
    try {
      // onConnect may have fired before `rados` was assigned: handshake explicitly if so.
      if (!mon.closed) void rados.handshake(mon).then(ready, failed);
      await abortable(connected, signal);
    } catch (err) {
      mon.close();
      if (opts.signal?.aborted === true) throw RadosError.from('ECANCELED', `connecting to monitor ${host}:${port}: cancelled`, { cause: err });
      if (signal.aborted) throw RadosError.from('ETIMEDOUT', `connecting to monitor ${host}:${port}`, { cause: err });
      throw err;
    } finally {
      timeout.cancel();
    }
    return rados;
  }

  private handshaking: Promise<void> | undefined;

  private handshake(conn: Connection): Promise<void> {
    if (this.handshaking) return this.handshaking;
    const run = async (): Promise<void> => {
      const hello = await conn.request<MonHelloReply>(MSG.MON_HELLO, { entityType: 'client', id: -1 });
      if (this.globalId === 0) this.globalId = hello.globalId;
      const sub = await conn.request<{ map?: OsdMap }>(MSG.MON_SUBSCRIBE, { sinceEpoch: this.map?.epoch ?? 0 });
      if (sub.map) this.handleMap(sub.map);
      if (!this.objecterInstance) {
        this.objecterInstance = new Objecter({
          globalId: this.globalId,
          getMap: () => this.map,
          waitForMap: (epoch, signal) => this.waitForMap(epoch, signal),
          opTimeout_ms: this.config.get('rados_osd_op_timeout') * 1000,
          maxInflightBytes: this.config.get('objecter_inflight_op_bytes'),
          maxInflightOps: this.config.get('objecter_inflight_ops'),
          now: () => this.clock.wall(),
          clock: this.clock,
          ...(this.transport ? { transport: this.transport } : {}),
        });
      }
    };
    this.handshaking = run().finally(() => {
      this.handshaking = undefined;
    });
    return this.handshaking;
  }

  /** A published epoch, taken as receivedMap says. */
  private handleMapMessage(msg: OsdMapMessage): void {
    const next = receivedMap(this.map as OsdMap | undefined, msg);
    if (next.t === 'map') return this.handleMap(next.map);
    if (next.t === 'old') return;
    // One fetch at a time: the incrementals that arrive meanwhile are older than its answer.
    if (this.fetchingFullMap) return;
    this.fetchingFullMap = true;
    this.refreshMap()
      .catch(() => undefined)
      .finally(() => {
        this.fetchingFullMap = false;
      });
  }

  private handleMap(map: OsdMap): void {
    if (this.map && map.epoch <= this.map.epoch) return;
    this.map = map;
    for (const w of this.mapWaiters) {
      if (map.epoch > w.epoch) {
        this.mapWaiters.delete(w);
        w.resolve();
      }
    }
  }

  /** Resolves once a map newer than `epoch` is known (asks the monitor; bounded wait). */
  async waitForMap(epoch: number, signal?: AbortSignal): Promise<void> {
    if (this.map.epoch > epoch) return;
    const WAIT_MS = 1000;
    const waiter = { epoch, resolve: (): void => undefined };
    const arrived = new Promise<void>((resolve) => {
      waiter.resolve = resolve;
    });
    this.mapWaiters.add(waiter);
    const nap = sleep(WAIT_MS, this.clock);
    try {
      void this.mon
        .request<{ map: OsdMap }>(MSG.MON_GET_MAP, {}, { timeout_ms: WAIT_MS })
        .then((r) => this.handleMap(r.map))
        .catch(() => undefined);
      await abortable(Promise.race([arrived, nap.done]), signal);
    } finally {
      nap.cancel();
      this.mapWaiters.delete(waiter);
    }
  }

  get osdMap(): OsdMap {
    return this.map;
  }

  get objecter(): Objecter {
    return this.objecterInstance;
  }

  /** This client's global id (client.N), as librados' get_instance_id(). */
  getInstanceId(): number {
    return this.globalId;
  }

  getFsid(): string {
    return this.map.fsid;
  }

  /** Sends a monitor command; rejects with RadosError when the command fails. */
  async monCommand(cmd: Record<string, unknown> & { prefix: string }, opts: { signal?: AbortSignal } = {}): Promise<MonCommandReply> {
    const timeout_ms = this.config.get('rados_mon_op_timeout') * 1000;
    const reply = await this.mon.request<MonCommandReply>(MSG.MON_COMMAND, cmd, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(timeout_ms > 0 ? { timeout_ms } : {}),
    });
    if (reply.ret < 0) throw new RadosError(-reply.ret, reply.outs !== '' ? reply.outs : cmd.prefix);
    return reply;
  }

  /** Like monCommand but returns failures as values (for the CLI, which prints Ceph's texts). */
  async monCommandRaw(cmd: Record<string, unknown> & { prefix: string }): Promise<MonCommandReply> {
    return this.mon.request<MonCommandReply>(MSG.MON_COMMAND, cmd);
  }

  private async refreshMap(): Promise<void> {
    const { map } = await this.mon.request<{ map: OsdMap }>(MSG.MON_GET_MAP, {});
    this.handleMap(map);
  }

  async createPool(name: string, opts: { pgNum?: number; size?: number; signal?: AbortSignal } = {}): Promise<void> {
    await this.monCommand(
      { prefix: 'osd pool create exclusive', pool: name, ...(opts.pgNum ? { pg_num: opts.pgNum } : {}), ...(opts.size ? { size: opts.size } : {}) },
      opts.signal ? { signal: opts.signal } : {},
    );
    await this.refreshMap();
  }

  async deletePool(name: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    await this.monCommand(
      { prefix: 'osd pool rm', pool: name, pool2: name, yes_i_really_really_mean_it: true, strict: true },
      opts.signal ? { signal: opts.signal } : {},
    );
    await this.refreshMap();
  }

  async listPools(): Promise<string[]> {
    await this.refreshMap();
    return this.map.pools.map((p) => p.name);
  }

  async poolLookup(name: string): Promise<number> {
    const pool = this.map.pools.find((p) => p.name === name) ?? (await this.refreshMap(), this.map.pools.find((p) => p.name === name));
    if (!pool) throw RadosError.from('ENOENT', `pool '${name}'`);
    return pool.id;
  }

  async poolStats(names?: readonly string[]): Promise<PoolStat[]> {
    const reply = await this.monCommand({ prefix: 'df' });
    const out = reply.out as { pools: Array<{ name: string; id: number; objects: number; bytes: number; copies: number; degraded: number; rdOps: number; rdBytes: number; wrOps: number; wrBytes: number }> };
    return out.pools
      .filter((p) => names === undefined || names.includes(p.name))
      .map((p) => ({
        name: p.name,
        id: p.id,
        numBytes: p.bytes,
        numKb: Math.ceil(p.bytes / 1024),
        numObjects: p.objects,
        numObjectClones: 0,
        numObjectCopies: p.copies,
        numObjectsDegraded: p.degraded,
        rdOps: p.rdOps,
        rdBytes: p.rdBytes,
        wrOps: p.wrOps,
        wrBytes: p.wrBytes,
      }));
  }

  /** An I/O context on a pool (by name). Throws ENOENT for an unknown pool. */
  ioctx(pool: string): IoCtx {
    const info = this.map.pools.find((p) => p.name === pool);
    if (!info) throw RadosError.from('ENOENT', `error opening pool ${pool}`);
    return new IoCtx(this, info.id, pool);
  }

  /** Like ioctx() but asks the monitor first, so a pool created by another client is found. */
  async openIoCtx(pool: string): Promise<IoCtx> {
    if (!this.map.pools.some((p) => p.name === pool)) await this.refreshMap();
    return this.ioctx(pool);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.objecterInstance?.close();
    this.mon.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A cancellable sleep, so a wait that ended early leaves no timer behind (real or virtual). */
function sleep(ms: number, clock: Clock): { done: Promise<void>; cancel(): void } {
  let timer: { cancel(): void } | undefined;
  const done = new Promise<void>((resolve) => {
    timer = clock.after(ms, resolve);
  });
  return { done, cancel: () => timer?.cancel() };
}

function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export function errnoOf(name: ErrnoName): number {
  return ERRNO[name];
}
