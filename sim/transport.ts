// SimTransport: the StreamTransport port on a virtual network. A connection is a pair of
// in-order byte pipes whose deliveries are events on the virtual clock, with seeded latency.
// TCP never loses or reorders bytes inside a stream, so neither does this: loss is a connection
// reset (in-flight bytes in each direction either arrive before the reset or are gone), and
// duplication/reordering arise the way they do on real networks, when a client resends on a new
// connection while the old one's bytes are still on their way. Faults are data, applied by the
// injector: resets, delay spikes, partitions (symmetric or one-way: bytes across the cut stall,
// then the connection resets) and clogging (very slow delivery to/from a host for a while).

import { invariant } from '../src/core/assert.js';
import { ERRNO } from '../src/core/errors.js';
import type { StreamServer, StreamSocket, StreamSocketEvents, StreamTransport } from '../src/io/tcp.js';
import type { Timer } from '../src/io/clock.js';
import type { NodeClock, Scheduler } from './clock.js';
import type { Rng } from './rng.js';

/** Bounds: every queue here has one. */
const CONNECTIONS_MAX = 100_000;
const STALLED_ITEMS_MAX = 100_000;
const FIRST_LISTEN_PORT = 6800;
const FIRST_EPHEMERAL_PORT = 40000;
/** Items of one pipe arrive at least this far apart, so they can never swap places. */
const PIPE_ORDER_EPSILON_MS = 1e-6;

type Item =
  | { readonly kind: 'syn' }
  | { readonly kind: 'synack' }
  | { readonly kind: 'data'; readonly bytes: Buffer }
  | { readonly kind: 'fin' }
  | { readonly kind: 'rst'; readonly errno: number };

interface Pipe {
  /** Arrival time of the last item scheduled: later items never overtake it. */
  last_ms: number;
  /** Bumped to discard every item scheduled but not yet arrived. */
  epoch: number;
  /** Items held back by a partition, in order. */
  stalled: Item[];
  stallTimer: Timer | undefined;
}

export interface NetworkConfig {
  /** Base one-way latency of a host pair is drawn from this range (ms). */
  readonly latency_ms: readonly [number, number];
  /** Extra per-item jitter, uniform in [0, jitter_ms]. */
  readonly jitter_ms: number;
  /** A write is split into two deliveries with this probability (exercises frame reassembly). */
  readonly splitChance: number;
  /** A connection whose bytes stall behind a partition resets after a time in this range (ms). */
  readonly stallReset_ms: readonly [number, number];
}

export const DEFAULT_NETWORK: NetworkConfig = {
  latency_ms: [0.2, 2],
  jitter_ms: 0.5,
  splitChance: 0.2,
  stallReset_ms: [1500, 4000],
};

function socketError(errno: number, code: string, message: string): Error {
  // tcp.ts's socketErrno reads `errno` (negative, as Node reports it).
  return Object.assign(new Error(message), { code, errno: -errno });
}

class SimSocket implements StreamSocket {
  events: StreamSocketEvents | undefined;
  open = false;
  closed = false;
  /** The owning process died: no callback may run any more. */
  dead = false;
  paused = false;
  held: Buffer[] = [];
  connectTimer: Timer | undefined;

  constructor(
    readonly conn: SimConnection,
    readonly side: 0 | 1,
    readonly host: string,
    readonly remote: string,
  ) {}

  get queued_bytes(): number {
    return 0;
  }

  write(chunks: readonly Buffer[], done?: (error?: Error | null) => void): void {
    invariant(chunks.length > 0, 'write of no chunks');
    if (this.closed || this.dead) {
      if (done) queueMicrotask(() => done(new Error('socket destroyed')));
      return;
    }
    this.conn.net.sendData(this.conn, this.side, Buffer.concat(chunks));
    if (done) queueMicrotask(() => done(null));
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.conn.net.scheduleResume(this);
  }

  destroy(): void {
    if (this.closed) return;
    this.conn.net.destroyEnd(this);
  }
}

class SimConnection {
  readonly ends: [SimSocket, SimSocket];
  readonly pipes: [Pipe, Pipe];
  readonly port: number;

  constructor(
    readonly net: SimNetwork,
    readonly id: number,
    client: { host: string; port: number },
    server: { host: string; port: number },
  ) {
    this.port = server.port;
    this.ends = [
      new SimSocket(this, 0, client.host, `${server.host}:${server.port}`),
      new SimSocket(this, 1, server.host, `${client.host}:${client.port}`),
    ];
    const pipe = (): Pipe => ({ last_ms: 0, epoch: 0, stalled: [], stallTimer: undefined });
    this.pipes = [pipe(), pipe()];
  }

  get label(): string {
    return `c${this.id} ${this.ends[0].host}>${this.ends[1].host}`;
  }

  get finished(): boolean {
    return this.ends[0].closed && this.ends[1].closed;
  }
}

interface ListenerEntry {
  readonly onAccept: (socket: StreamSocket) => StreamSocketEvents;
  readonly gen: number;
}

export class SimNetwork {
  private readonly listeners = new Map<string, ListenerEntry>();
  private readonly nextPort = new Map<string, number>();
  private readonly conns = new Set<SimConnection>();
  private readonly baseLatency = new Map<string, number>();
  private readonly blocked = new Set<string>();
  private readonly clogged = new Map<string, { until_ms: number; extra_ms: number }>();
  private readonly hostGen = new Map<string, number>();
  private readonly alive = new Set<string>();
  private connSeq = 0;

  constructor(
    private readonly sched: Scheduler,
    private readonly rng: Rng,
    private readonly config: NetworkConfig = DEFAULT_NETWORK,
  ) {}

  private trace(line: string): void {
    this.sched.trace.add(this.sched.now_ms, line);
  }

  // -------------------------------------------------------------------------------------------
  // Hosts (one per daemon process)

  /** A transport for a (re)started process on `host`; it dies with kill(host). */
  transportFor(host: string, clock: NodeClock): StreamTransport {
    const gen = (this.hostGen.get(host) ?? 0) + 1;
    this.hostGen.set(host, gen);
    this.alive.add(host);
    const live = (): boolean => this.alive.has(host) && this.hostGen.get(host) === gen;
    return {
      listen: (bindHost, port, onAccept) => {
        invariant(bindHost === host, `${host} listens on its own address, not ${bindHost}`);
        if (!live()) return new Promise<StreamServer>(() => undefined); // a dead process never returns
        return Promise.resolve(this.listen(host, port, onAccept, gen));
      },
      connect: (toHost, port, events, timeout_ms) => {
        if (!live()) {
          const inert = new SimConnection(this, 0, { host, port: 0 }, { host: toHost, port });
          inert.ends[0].dead = true;
          return inert.ends[0];
        }
        return this.connect(host, toHost, port, events, timeout_ms, clock);
      },
      startTimer: (delay_ms, fn) => clock.startTimer(delay_ms, fn),
    };
  }

  isAlive(host: string): boolean {
    return this.alive.has(host);
  }

  /**
   * The process on `host` died: its listeners vanish, its sockets run no more callbacks, and
   * every peer sees its connection reset after whatever the dead host already sent arrives.
   */
  kill(host: string): void {
    this.alive.delete(host);
    for (const [key, entry] of this.listeners) {
      if (key.startsWith(`${host}:`) && entry.gen === this.hostGen.get(host)) this.listeners.delete(key);
    }
    for (const conn of [...this.conns]) {
      for (const end of conn.ends) {
        if (end.host !== host) continue;
        end.dead = true;
        end.connectTimer?.cancel();
        if (!end.closed) {
          end.closed = true;
          const into = conn.pipes[end.side === 0 ? 1 : 0];
          into.epoch++;
          into.stalled = [];
        }
        const peer = conn.ends[end.side === 0 ? 1 : 0];
        if (!peer.closed) this.push(conn, end.side, { kind: 'rst', errno: ERRNO.ECONNRESET });
      }
      this.forgetIfFinished(conn);
    }
    this.trace(`host ${host} killed`);
  }

  // -------------------------------------------------------------------------------------------
  // Sockets

  private listen(host: string, port: number, onAccept: ListenerEntry['onAccept'], gen: number): StreamServer {
    let bound = port;
    if (bound === 0) {
      bound = this.nextPort.get(host) ?? FIRST_LISTEN_PORT;
      this.nextPort.set(host, bound + 1);
    }
    const key = `${host}:${bound}`;
    const existing = this.listeners.get(key);
    invariant(existing === undefined || existing.gen !== gen, `${key} bound twice by one process`);
    const entry: ListenerEntry = { onAccept, gen };
    this.listeners.set(key, entry);
    this.trace(`listen ${key}`);
    return {
      port: bound,
      close: () => {
        if (this.listeners.get(key) === entry) this.listeners.delete(key);
        return Promise.resolve();
      },
    };
  }

  private connect(
    fromHost: string,
    toHost: string,
    port: number,
    events: StreamSocketEvents,
    timeout_ms: number,
    clock: NodeClock,
  ): StreamSocket {
    invariant(this.conns.size < CONNECTIONS_MAX, 'connections within limit');
    const ephemeral = this.nextPort.get(`${fromHost}/ephemeral`) ?? FIRST_EPHEMERAL_PORT;
    this.nextPort.set(`${fromHost}/ephemeral`, ephemeral + 1);
    const conn = new SimConnection(this, ++this.connSeq, { host: fromHost, port: ephemeral }, { host: toHost, port });
    this.conns.add(conn);
    const client = conn.ends[0];
    client.events = events;
    client.connectTimer = clock.after(timeout_ms, () => {
      client.connectTimer = undefined;
      if (client.open || client.closed) return;
      this.trace(`${conn.label}:${port} connect timed out`);
      this.reset(conn, [false, false], ERRNO.ETIMEDOUT);
    });
    this.trace(`${conn.label}:${port} connect`);
    this.push(conn, 0, { kind: 'syn' });
    return client;
  }

  sendData(conn: SimConnection, from: 0 | 1, bytes: Buffer): void {
    if (bytes.length > 1 && this.rng.chance(this.config.splitChance)) {
      const cut = this.rng.between(1, bytes.length - 1);
      this.push(conn, from, { kind: 'data', bytes: bytes.subarray(0, cut) });
      this.push(conn, from, { kind: 'data', bytes: bytes.subarray(cut) });
    } else {
      this.push(conn, from, { kind: 'data', bytes });
    }
  }

  /** Local close: our onClose soon, the peer's after the bytes already sent (a FIN). */
  destroyEnd(end: SimSocket): void {
    const conn = end.conn;
    end.closed = true;
    end.connectTimer?.cancel();
    const into = conn.pipes[end.side === 0 ? 1 : 0];
    into.epoch++;
    into.stalled = [];
    this.push(conn, end.side, { kind: 'fin' });
    queueMicrotask(() => {
      if (!end.dead) end.events?.onClose(undefined);
    });
    this.forgetIfFinished(conn);
  }

  scheduleResume(end: SimSocket): void {
    this.sched.schedule(0, () => {
      // Deliver what arrived while paused, in order, until paused again.
      while (end.held.length > 0 && !end.paused && !end.closed && !end.dead) {
        const bytes = end.held.shift() as Buffer;
        end.events?.onData(bytes);
      }
    });
  }

  /** Queues an item on the pipe leaving side `from`; it stalls while the path is cut. */
  private push(conn: SimConnection, from: 0 | 1, item: Item): void {
    const pipe = conn.pipes[from];
    const src = conn.ends[from].host;
    const dst = conn.ends[from === 0 ? 1 : 0].host;
    if (pipe.stalled.length > 0 || this.blocked.has(`${src}>${dst}`)) {
      invariant(pipe.stalled.length < STALLED_ITEMS_MAX, 'stalled items within limit');
      pipe.stalled.push(item);
      if (pipe.stallTimer === undefined) {
        const after_ms = this.rng.between(this.config.stallReset_ms[0], this.config.stallReset_ms[1]);
        pipe.stallTimer = this.sched.schedule(after_ms, () => {
          pipe.stallTimer = undefined;
          if (pipe.stalled.length === 0) return;
          this.trace(`${conn.label} stalled behind a partition: reset`);
          this.reset(conn, [false, false], ERRNO.ETIMEDOUT);
        });
      }
      return;
    }
    this.schedule(conn, from, item);
  }

  private schedule(conn: SimConnection, from: 0 | 1, item: Item): void {
    const pipe = conn.pipes[from];
    const src = conn.ends[from].host;
    const dst = conn.ends[from === 0 ? 1 : 0].host;
    const now = this.sched.now_ms;
    let latency = this.latency(src, dst) + this.rng.float() * this.config.jitter_ms;
    for (const host of [src, dst]) {
      const clog = this.clogged.get(host);
      if (clog !== undefined && clog.until_ms > now) latency += clog.extra_ms * (0.5 + this.rng.float());
    }
    // Strictly after the previous item: equal times would be ordered by the seeded tie-break.
    const at = Math.max(pipe.last_ms + PIPE_ORDER_EPSILON_MS, now + latency);
    pipe.last_ms = at;
    const epoch = pipe.epoch;
    this.sched.schedule(at - now, () => {
      if (pipe.epoch !== epoch) return;
      this.arrive(conn, from === 0 ? 1 : 0, item);
    });
  }

  private latency(src: string, dst: string): number {
    const key = `${src}>${dst}`;
    let base = this.baseLatency.get(key);
    if (base === undefined) {
      const [lo, hi] = this.config.latency_ms;
      base = lo + this.rng.float() * (hi - lo);
      this.baseLatency.set(key, base);
    }
    return base;
  }

  private arrive(conn: SimConnection, to: 0 | 1, item: Item): void {
    const end = conn.ends[to];
    switch (item.kind) {
      case 'syn': {
        if (end.closed) return;
        const listener = this.alive.has(end.host) ? this.listeners.get(`${end.host}:${conn.port}`) : undefined;
        if (listener === undefined) {
          this.trace(`${conn.label} refused`);
          end.closed = true;
          this.push(conn, 1, { kind: 'rst', errno: ERRNO.ECONNREFUSED });
          return;
        }
        end.open = true;
        this.trace(`${conn.label} accepted`);
        end.events = listener.onAccept(end);
        this.push(conn, 1, { kind: 'synack' });
        return;
      }
      case 'synack':
        if (end.closed || end.dead) return;
        end.connectTimer?.cancel();
        end.connectTimer = undefined;
        end.open = true;
        this.trace(`${conn.label} connected`);
        end.events?.onConnect();
        return;
      case 'data':
        if (end.closed || end.dead) return;
        this.trace(`${conn.label} ${to === 1 ? '>' : '<'} ${item.bytes.length}`);
        if (end.paused) end.held.push(item.bytes);
        else end.events?.onData(item.bytes);
        return;
      case 'fin':
        this.closeEnd(end, undefined, 'fin');
        return;
      case 'rst':
        this.closeEnd(
          end,
          item.errno === ERRNO.ECONNREFUSED
            ? socketError(ERRNO.ECONNREFUSED, 'ECONNREFUSED', `connect to ${end.remote} refused`)
            : socketError(item.errno, item.errno === ERRNO.ETIMEDOUT ? 'ETIMEDOUT' : 'ECONNRESET', `connection to ${end.remote} reset`),
          'rst',
        );
        return;
      default: {
        const never: never = item;
        invariant(false, `item ${String(never)}`);
      }
    }
  }

  private closeEnd(end: SimSocket, error: Error | undefined, why: string): void {
    if (end.closed) return;
    end.closed = true;
    end.connectTimer?.cancel();
    this.trace(`${end.conn.label} ${end.side === 0 ? 'client' : 'server'} end closed (${why})`);
    if (!end.dead) end.events?.onClose(error);
    this.forgetIfFinished(end.conn);
  }

  private forgetIfFinished(conn: SimConnection): void {
    if (!conn.finished) return;
    for (const pipe of conn.pipes) pipe.stallTimer?.cancel();
    this.conns.delete(conn);
  }

  /**
   * Resets a connection. keep[i]: bytes already travelling toward side i still arrive before
   * the reset does; otherwise they are lost and side i learns of the reset at once.
   */
  private reset(conn: SimConnection, keep: readonly [boolean, boolean], errno: number): void {
    for (const side of [0, 1] as const) {
      const end = conn.ends[side];
      if (end.closed) continue;
      const from = side === 0 ? 1 : 0;
      const into = conn.pipes[from];
      if (keep[side] && into.stalled.length === 0) {
        this.push(conn, from, { kind: 'rst', errno });
      } else {
        into.epoch++;
        into.stalled = [];
        into.stallTimer?.cancel();
        into.stallTimer = undefined;
        this.sched.schedule(this.rng.float(), () =>
          this.closeEnd(end, socketError(errno, errno === ERRNO.ETIMEDOUT ? 'ETIMEDOUT' : 'ECONNRESET', `connection to ${end.remote} reset`), 'reset'),
        );
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Faults

  private established(filter: (a: string, b: string) => boolean): SimConnection[] {
    return [...this.conns].filter(
      (c) => c.ends[0].open && !c.ends[0].closed && !c.ends[1].closed && filter(c.ends[0].host, c.ends[1].host),
    );
  }

  /** Resets one established connection between hosts accepted by `filter`; false if none. */
  resetOne(filter: (a: string, b: string) => boolean): boolean {
    const candidates = this.established(filter);
    if (candidates.length === 0) return false;
    const conn = this.rng.pick(candidates);
    const keep: [boolean, boolean] = [this.rng.chance(0.5), this.rng.chance(0.5)];
    this.trace(`fault reset ${conn.label} keep=${keep.map(Number).join('')}`);
    this.reset(conn, keep, ERRNO.ECONNRESET);
    return true;
  }

  /** Holds back one direction of one connection for extra_ms (later bytes queue behind). */
  delayOne(filter: (a: string, b: string) => boolean, extra_ms: number): boolean {
    const candidates = this.established(filter);
    if (candidates.length === 0) return false;
    const conn = this.rng.pick(candidates);
    const dir = this.rng.int(2) as 0 | 1;
    const pipe = conn.pipes[dir];
    pipe.last_ms = Math.max(pipe.last_ms, this.sched.now_ms + extra_ms);
    this.trace(`fault delay ${conn.label} dir=${dir} +${extra_ms.toFixed(1)}ms`);
    return true;
  }

  /** Cuts traffic from every host in `from` to every host in `to` (and back unless oneWay). */
  partition(from: readonly string[], to: readonly string[], oneWay: boolean): void {
    for (const a of from) {
      for (const b of to) {
        if (a === b) continue;
        this.blocked.add(`${a}>${b}`);
        if (!oneWay) this.blocked.add(`${b}>${a}`);
      }
    }
    this.trace(`fault partition [${from.join(',')}] ${oneWay ? '->' : '<->'} [${to.join(',')}]`);
  }

  /** Removes every cut; bytes that stalled behind one go out again, in order. */
  healPartitions(): void {
    if (this.blocked.size === 0) return;
    this.blocked.clear();
    this.trace('heal partitions');
    for (const conn of [...this.conns]) {
      for (const from of [0, 1] as const) {
        const pipe = conn.pipes[from];
        if (pipe.stalled.length === 0) continue;
        pipe.stallTimer?.cancel();
        pipe.stallTimer = undefined;
        const items = pipe.stalled;
        pipe.stalled = [];
        for (const item of items) this.schedule(conn, from, item);
      }
    }
  }

  /** Everything to or from `host` crawls (extra_ms more per delivery) for duration_ms. */
  clog(host: string, duration_ms: number, extra_ms: number): void {
    this.clogged.set(host, { until_ms: this.sched.now_ms + duration_ms, extra_ms });
    this.trace(`fault clog ${host} ${duration_ms.toFixed(0)}ms +${extra_ms.toFixed(0)}ms`);
  }

  healAll(): void {
    this.healPartitions();
    this.clogged.clear();
  }

  get openConnections(): number {
    return this.conns.size;
  }
}
