// Virtual time. One scheduler owns an event queue ordered by (time, seeded tie-break, sequence);
// between two events it lets every promise chain run to quiescence (one macrotask turn, more
// while real file-system requests are pending), so virtual time advances only when the code under
// test has nothing left to do "now". Each daemon gets its own NodeClock view, so a crash can
// cancel exactly that daemon's timers.

import { invariant } from '../src/core/assert.js';
import type { Clock, Timer } from '../src/io/clock.js';
import type { Rng } from './rng.js';
import type { Trace } from './trace.js';

/** Virtual wall time of t=0: a fixed instant, so object mtimes replay too. */
const WALL_BASE_MS = Date.UTC(2030, 0, 1);
/** Bounded settling: a daemon stuck in real I/O longer than this many turns is a harness bug. */
const SETTLE_TURNS_MAX = 200_000;
/** Bounded queue: more pending events than this means a timer storm. */
const EVENTS_PENDING_MAX = 1_000_000;

interface SimEvent {
  readonly at_ms: number;
  readonly tie: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

function before(a: SimEvent, b: SimEvent): boolean {
  if (a.at_ms !== b.at_ms) return a.at_ms < b.at_ms;
  if (a.tie !== b.tie) return a.tie < b.tie;
  return a.seq < b.seq;
}

/** Real I/O the simulated code may have started (e.g. a statfs): settle until it completes. */
function realIoPending(): boolean {
  return process.getActiveResourcesInfo().some((r) => r.startsWith('FSReq') || r === 'FileHandleCloseReq' || r === 'GetAddrInfoReqWrap');
}

export class Scheduler {
  private now = 0;
  private seq = 0;
  private readonly heap: SimEvent[] = [];
  private executed = 0;
  /** Exceptions thrown by event callbacks: in a real process each would be an uncaught crash. */
  readonly uncaught: string[] = [];

  constructor(
    private readonly rng: Rng,
    readonly trace: Trace,
  ) {}

  get now_ms(): number {
    return this.now;
  }

  get wall_ms(): number {
    return WALL_BASE_MS + this.now;
  }

  get eventsExecuted(): number {
    return this.executed;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Runs `fn` delay_ms from now (never in the past). */
  schedule(delay_ms: number, fn: () => void): Timer {
    invariant(Number.isFinite(delay_ms), `delay ${delay_ms}`);
    invariant(this.heap.length < EVENTS_PENDING_MAX, 'pending events within limit');
    const event: SimEvent = { at_ms: this.now + Math.max(0, delay_ms), tie: this.rng.u32(), seq: this.seq++, fn, cancelled: false };
    this.push(event);
    return {
      cancel: () => {
        event.cancelled = true;
      },
    };
  }

  /** Lets every microtask and promise chain started so far finish. */
  async settle(): Promise<void> {
    for (let turn = 0; turn < SETTLE_TURNS_MAX; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!realIoPending()) return;
    }
    invariant(false, 'simulated code is stuck in real I/O');
  }

  /**
   * Runs events until `done()` holds (checked after each settled event), the next event lies
   * beyond deadline_ms, or maxEvents ran. Returns whether `done()` held.
   */
  async runUntil(done: () => boolean, deadline_ms: number, maxEvents = 5_000_000): Promise<boolean> {
    await this.settle();
    for (let n = 0; n < maxEvents; n++) {
      if (done()) return true;
      const next = this.pop();
      if (next === undefined) return done();
      if (next.at_ms > deadline_ms) {
        this.push(next);
        this.now = Math.max(this.now, deadline_ms);
        return done();
      }
      invariant(next.at_ms >= this.now, 'time never runs backwards');
      this.now = next.at_ms;
      this.executed++;
      try {
        next.fn();
      } catch (error) {
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        this.trace.add(this.now, `uncaught exception in event: ${text.split('\n')[0] ?? ''}`);
        if (this.uncaught.length < 100) this.uncaught.push(text);
      }
      await this.settle();
    }
    return done();
  }

  private push(event: SimEvent): void {
    const h = this.heap;
    h.push(event);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i] as SimEvent, h[parent] as SimEvent)) break;
      [h[i], h[parent]] = [h[parent] as SimEvent, h[i] as SimEvent];
      i = parent;
    }
  }

  /** Next live event (cancelled ones are discarded on the way). */
  private pop(): SimEvent | undefined {
    const h = this.heap;
    while (h.length > 0) {
      const top = h[0] as SimEvent;
      const last = h.pop() as SimEvent;
      if (h.length > 0) {
        h[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && before(h[l] as SimEvent, h[m] as SimEvent)) m = l;
          if (r < h.length && before(h[r] as SimEvent, h[m] as SimEvent)) m = r;
          if (m === i) break;
          [h[i], h[m]] = [h[m] as SimEvent, h[i] as SimEvent];
          i = m;
        }
      }
      if (!top.cancelled) return top;
    }
    return undefined;
  }
}

/**
 * One daemon's clock: the Clock port plus the transport's startTimer. kill() cancels every timer
 * it owns and makes later ones inert, as a dead process runs no callbacks.
 */
export class NodeClock implements Clock {
  private readonly timers = new Set<Timer>();
  private dead = false;

  constructor(
    private readonly sched: Scheduler,
    readonly name: string,
  ) {}

  get alive(): boolean {
    return !this.dead;
  }

  monotonic_ms(): number {
    return this.sched.now_ms;
  }

  wall(): { sec: number; nsec: number } {
    const ms = this.sched.wall_ms;
    const whole = Math.floor(ms);
    return { sec: Math.floor(whole / 1000), nsec: (whole % 1000) * 1_000_000 + Math.round((ms - whole) * 1_000_000) };
  }

  after(delay_ms: number, fn: () => void): Timer {
    if (this.dead) return { cancel: () => undefined };
    const holder: { timer: Timer | undefined } = { timer: undefined };
    const timer = this.sched.schedule(delay_ms, () => {
      if (holder.timer) this.timers.delete(holder.timer);
      if (!this.dead) fn();
    });
    const own: Timer = {
      cancel: () => {
        timer.cancel();
        this.timers.delete(own);
      },
    };
    holder.timer = own;
    this.timers.add(own);
    return own;
  }

  every(interval_ms: number, fn: () => void): Timer {
    invariant(interval_ms > 0, `interval ${interval_ms}`);
    let current: Timer | undefined;
    let stopped = false;
    const arm = (): void => {
      current = this.after(interval_ms, () => {
        if (stopped) return;
        arm();
        fn();
      });
    };
    arm();
    return {
      cancel: () => {
        stopped = true;
        current?.cancel();
      },
    };
  }

  startTimer(delay_ms: number, fn: () => void): Timer {
    return this.after(delay_ms, fn);
  }

  kill(): void {
    this.dead = true;
    for (const t of [...this.timers]) t.cancel();
    this.timers.clear();
  }
}
