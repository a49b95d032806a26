// A bounded pool of Lua worker threads for the OSD. The main thread never blocks: it forwards
// calls, answers the workers' host calls from the op's ClsObjectHost as they arrive, and kills
// a worker that overruns its deadline (a long C-level call that the count hook cannot see).

import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { ERRNO } from '../../core/errors.js';
import { invariant } from '../../core/assert.js';
import { dispatchHostCall, type ClsObjectHost, type HostReply } from './host.js';
import {
  INLINE_REPLY_MAX_BYTES, SIGNAL_BUFFER_BYTES, SIGNAL_HEADER_BYTES, SIGNAL_REPLIED,
  SIG_INLINE_LEN, SIG_INLINE_RET, SIG_INLINE_SEQ, SIG_STATE,
  type CallMessage, type DoneMessage, type HostRequestMessage, type ReadyMessage, type WorkerInit,
} from './protocol.js';
import type { LuaRequest } from './request.js';
import { MAGICK_DEFAULT_MAX_PIXELS } from './magick-protocol.js';
import type { LuaBudgets, LuaCallResult } from './vm.js';

export type { LuaCallResult } from './vm.js';

/** Sepia config names and defaults (Ceph has no limits here; these are Sepia's). */
export const LUA_POOL_DEFAULTS = {
  /** osd_cls_lua_max_instructions: Lua VM instructions per call (about 1-4 s of pure Lua). */
  maxInstructions: 100_000_000,
  /** osd_cls_lua_max_memory_bytes: Lua heap a call may add to its VM. */
  maxMemoryBytes: 64 * 1024 * 1024,
  /** osd_cls_lua_timeout_ms: wall-clock deadline per call, host calls included. */
  timeout_ms: 5_000,
  /** osd_cls_lua_max_workers: worker threads (each holds one Lua VM). */
  maxWorkers: 2,
  /** osd_cls_lua_max_queued: calls waiting for a worker before EAGAIN. */
  maxQueued: 256,
  /** osd_cls_lua_max_image_pixels: `magick` source and result images above this are EFBIG. */
  maxImagePixels: MAGICK_DEFAULT_MAX_PIXELS,
} as const;

export const LUA_POOL_CONFIG_NAMES = {
  maxInstructions: 'osd_cls_lua_max_instructions',
  maxMemoryBytes: 'osd_cls_lua_max_memory_bytes',
  timeout_ms: 'osd_cls_lua_timeout_ms',
  maxWorkers: 'osd_cls_lua_max_workers',
  maxQueued: 'osd_cls_lua_max_queued',
  maxImagePixels: 'osd_cls_lua_max_image_pixels',
} as const;

/** Timer port, injectable so a simulator can drive the backstop on virtual time. */
export interface PoolTimers {
  set(fn: () => void, delay_ms: number): unknown;
  clear(handle: unknown): void;
}

export interface LuaPoolOptions {
  readonly maxWorkers: number;
  readonly maxInstructions: number;
  readonly maxMemoryBytes: number;
  readonly timeout_ms: number;
  readonly maxQueued?: number;
  readonly maxImagePixels?: number;
  /** Extra time the VM gets to stop itself before its worker is terminated. */
  readonly backstopGrace_ms?: number;
  readonly maxCachedScripts?: number;
  readonly timers?: PoolTimers;
}

const DEFAULT_BACKSTOP_GRACE_MS = 500;
const DEFAULT_MAX_CACHED_SCRIPTS = 64;
/** JS heap of a worker; the Lua heap lives in WebAssembly memory and is capped separately. */
const WORKER_MAX_OLD_GENERATION_MB = 256;

const defaultTimers: PoolTimers = {
  set: (fn, delay_ms) => globalThis.setTimeout(fn, delay_ms),
  clear: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

interface Pending {
  readonly id: number;
  readonly req: LuaRequest;
  readonly host: ClsObjectHost;
  readonly resolve: (result: LuaCallResult) => void;
}

interface Active extends Pending {
  /** The backstop; undefined until the worker has booted (boot time is not the call's time). */
  timer: unknown;
}

interface Slot {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly signal: Int32Array;
  readonly inline: Uint8Array;
  active: Active | undefined;
  gone: boolean;
  /** The worker has created its VM; until then a call's deadline has not started. */
  ready: boolean;
  readonly exited: Promise<void>;
}

/** A reply the worker can read from the shared buffer (see protocol.ts). */
function fitsInline(reply: HostReply): boolean {
  // ret travels in an Int32 word; object versions (current_version) can be larger.
  return (reply.ret | 0) === reply.ret && reply.message === undefined && reply.entries === undefined
    && reply.keys === undefined && reply.stat === undefined
    && (reply.data === undefined || reply.data.length <= INLINE_REPLY_MAX_BYTES);
}

function failure(errno: number, message: string): LuaCallResult {
  return { ret: -errno, out: Buffer.alloc(0), log: [], error: { message } };
}

export class LuaPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Pending[] = [];
  private readonly budgets: LuaBudgets;
  private readonly maxQueued: number;
  private readonly grace_ms: number;
  private readonly timers: PoolTimers;
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: LuaPoolOptions) {
    invariant(Number.isInteger(opts.maxWorkers) && opts.maxWorkers >= 1, 'maxWorkers >= 1');
    invariant(opts.maxInstructions > 0 && opts.maxMemoryBytes > 0 && opts.timeout_ms > 0, 'lua budgets must be positive');
    this.budgets = {
      maxInstructions: opts.maxInstructions,
      maxMemoryBytes: opts.maxMemoryBytes,
      timeout_ms: opts.timeout_ms,
      maxImagePixels: opts.maxImagePixels ?? LUA_POOL_DEFAULTS.maxImagePixels,
    };
    this.maxQueued = opts.maxQueued ?? LUA_POOL_DEFAULTS.maxQueued;
    this.grace_ms = opts.backstopGrace_ms ?? DEFAULT_BACKSTOP_GRACE_MS;
    this.timers = opts.timers ?? defaultTimers;
  }

  /** Worker threads alive now (at most maxWorkers). */
  get workerCount(): number {
    return this.slots.size;
  }

  /**
   * Runs one request against `host`. Never rejects for script behaviour: ret < 0 carries the
   * errno (EAGAIN when the queue is full, ESHUTDOWN after close, ETIMEDOUT/ENOMEM for limits).
   * Once the promise settles, the worker can no longer reach `host`.
   */
  call(req: LuaRequest, host: ClsObjectHost): Promise<LuaCallResult> {
    if (this.closed) return Promise.resolve(failure(ERRNO.ESHUTDOWN, 'lua pool is closed'));
    return new Promise((resolve) => {
      const pending: Pending = { id: this.nextId++, req, host, resolve };
      const slot = this.idleSlot();
      if (slot !== undefined) {
        this.start(slot, pending);
      } else if (this.queue.length >= this.maxQueued) {
        resolve(failure(ERRNO.EAGAIN, `lua pool queue is full (${this.maxQueued} calls)`));
      } else {
        this.queue.push(pending);
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.resolve(failure(ERRNO.ESHUTDOWN, 'lua pool closed'));
    const exits: Array<Promise<void>> = [];
    for (const slot of this.slots) {
      this.settle(slot, failure(ERRNO.ESHUTDOWN, 'lua pool closed'));
      exits.push(slot.exited);
      void slot.worker.terminate();
    }
    await Promise.all(exits);
  }

  private idleSlot(): Slot | undefined {
    for (const slot of this.slots) if (slot.active === undefined && !slot.gone) return slot;
    return this.slots.size < this.opts.maxWorkers ? this.spawn() : undefined;
  }

  private spawn(): Slot {
    const channel = new MessageChannel();
    const signalBuffer = new SharedArrayBuffer(SIGNAL_BUFFER_BYTES);
    const init: WorkerInit = {
      hostPort: channel.port2,
      signal: signalBuffer,
      maxCachedScripts: this.opts.maxCachedScripts ?? DEFAULT_MAX_CACHED_SCRIPTS,
    };
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: init,
      transferList: [channel.port2],
      resourceLimits: { maxOldGenerationSizeMb: WORKER_MAX_OLD_GENERATION_MB },
    });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const slot: Slot = {
      worker, port: channel.port1, active: undefined, gone: false, ready: false, exited,
      signal: new Int32Array(signalBuffer, 0, SIGNAL_HEADER_BYTES / Int32Array.BYTES_PER_ELEMENT),
      inline: new Uint8Array(signalBuffer, SIGNAL_HEADER_BYTES, INLINE_REPLY_MAX_BYTES),
    };
    this.slots.add(slot);
    // Idle workers must not keep the OSD process alive; an active call's timer does.
    worker.unref();
    channel.port1.unref();
    channel.port1.on('message', (msg: HostRequestMessage) => this.answerHost(slot, msg));
    worker.on('message', (msg: DoneMessage | ReadyMessage) => {
      if (msg.type === 'ready') this.onReady(slot);
      else this.onDone(slot, msg);
    });
    worker.on('error', (err: Error) => {
      const oom = (err as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.settle(slot, failure(oom ? ERRNO.ENOMEM : ERRNO.EFAULT, `lua worker failed: ${err.message}`));
    });
    worker.on('exit', () => this.retire(slot, failure(ERRNO.EFAULT, 'lua worker exited')));
    return slot;
  }

  /**
   * A new worker has its VM. Only now does the backstop of a call already sent to it start: a
   * worker that boots slowly (a loaded machine compiling wasm) must not eat its call's deadline.
   */
  private onReady(slot: Slot): void {
    slot.ready = true;
    const active = slot.active;
    if (active !== undefined && active.timer === undefined) {
      active.timer = this.timers.set(() => this.backstop(slot, active.id), this.opts.timeout_ms + this.grace_ms);
    }
  }

  private start(slot: Slot, pending: Pending): void {
    invariant(slot.active === undefined && !slot.gone, 'start on a busy or dead worker');
    const timer = slot.ready ? this.timers.set(() => this.backstop(slot, pending.id), this.opts.timeout_ms + this.grace_ms) : undefined;
    slot.active = { ...pending, timer };
    const { script, handler, input, trace } = pending.req;
    const msg: CallMessage = { type: 'call', id: pending.id, script, handler, input, trace: trace === true, budgets: this.budgets };
    slot.worker.postMessage(msg);
  }

  /** Main-thread side of the bridge: answer now, then wake the blocked worker. */
  private answerHost(slot: Slot, msg: HostRequestMessage): void {
    const active = slot.active;
    const reply: HostReply = active !== undefined && active.id === msg.id
      ? dispatchHostCall(active.host, msg.call)
      : { ret: -ERRNO.ETIMEDOUT, message: 'host call after its lua call ended' };
    if (fitsInline(reply)) {
      const data = reply.data;
      if (data !== undefined) slot.inline.set(data);
      Atomics.store(slot.signal, SIG_INLINE_RET, reply.ret);
      Atomics.store(slot.signal, SIG_INLINE_LEN, data === undefined ? -1 : data.length);
      Atomics.store(slot.signal, SIG_INLINE_SEQ, msg.seq);
    } else {
      slot.port.postMessage({ seq: msg.seq, reply });
    }
    Atomics.store(slot.signal, SIG_STATE, SIGNAL_REPLIED);
    Atomics.notify(slot.signal, SIG_STATE);
  }

  private onDone(slot: Slot, msg: DoneMessage): void {
    if (slot.active?.id !== msg.id) return;
    const out = Buffer.from(msg.out.buffer, msg.out.byteOffset, msg.out.byteLength);
    const base = { ret: msg.ret, out, log: msg.log };
    this.settle(slot, msg.error === undefined ? base : { ...base, error: msg.error });
    if (msg.fatal) slot.gone = true;
    this.pump();
  }

  private backstop(slot: Slot, id: number): void {
    if (slot.active?.id !== id) return;
    this.settle(slot, failure(ERRNO.ETIMEDOUT, `lua call exceeded ${this.opts.timeout_ms} ms; worker terminated`));
    slot.gone = true;
    void slot.worker.terminate();
  }

  private settle(slot: Slot, result: LuaCallResult): void {
    const active = slot.active;
    if (active === undefined) return;
    slot.active = undefined;
    if (active.timer !== undefined) this.timers.clear(active.timer);
    active.resolve(result);
  }

  private retire(slot: Slot, result: LuaCallResult): void {
    this.settle(slot, result);
    slot.gone = true;
    slot.port.close();
    this.slots.delete(slot);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.queue.length > 0) {
      const slot = this.idleSlot();
      if (slot === undefined) return;
      const next = this.queue.shift();
      invariant(next !== undefined, 'queue underflow');
      this.start(slot, next);
    }
  }
}
