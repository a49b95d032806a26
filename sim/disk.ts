// Simulated media. SimDisk is the OSD store's MemoryDisk with a seeded flush latency: commits are
// visible at once and durable only when the scheduled flush runs, so a crash in between loses
// them (as a power cut loses what was not fsync'd). SimMonDisk is the same idea for the monitor's
// map store. Both outlive the daemon objects opened on them, as a directory outlives a process.

import { invariant } from '../src/core/assert.js';
import { RadosError } from '../src/core/errors.js';
import { MemoryDisk } from '../src/osd/store/index.js';
import type { Timer } from '../src/io/clock.js';
import type { MonMapStore } from '../src/mon/monitor.js';
import type { OsdMap } from '../src/mon/maps/osdmap.js';
import type { Scheduler } from './clock.js';
import type { Rng } from './rng.js';

/** Epochs kept by the simulated monitor store (the lmdb one keeps 500). */
const MON_KEEP_EPOCHS = 500;

export class SimDisk extends MemoryDisk {
  private flushTimer: Timer | undefined;

  constructor(
    private readonly sched: Scheduler,
    private readonly rng: Rng,
    private readonly flush_ms: readonly [number, number],
  ) {
    super({ holdFlushes: true });
  }

  override record(undo: Parameters<MemoryDisk['record']>[0]): Promise<void> {
    const durable = super.record(undo);
    if (this.flushTimer === undefined) {
      const after_ms = this.flush_ms[0] + this.rng.float() * (this.flush_ms[1] - this.flush_ms[0]);
      this.flushTimer = this.sched.schedule(after_ms, () => {
        this.flushTimer = undefined;
        this.flush();
      });
    }
    return durable;
  }

  override crash(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    super.crash();
  }
}

interface MonState {
  last: number;
  readonly maps: Map<number, OsdMap>;
  readonly counters: Map<string, number>;
  readonly values: Map<string, unknown>;
}

/** The monitor's disk: committed state plus writes waiting for their flush. */
export class SimMonDisk {
  private durable: MonState = { last: 0, maps: new Map(), counters: new Map(), values: new Map() };
  private generation = 0;
  private pending: Array<{ apply: (s: MonState) => void; resolve: () => void }> = [];
  private flushTimer: Timer | undefined;

  constructor(
    private readonly sched: Scheduler,
    private readonly rng: Rng,
    private readonly flush_ms: readonly [number, number],
  ) {}

  /** Opens the store for a (re)started monitor; it sees only what was durable plus its own writes. */
  open(): MonMapStore {
    const gen = ++this.generation;
    const view: MonState = clone(this.durable);
    const live = (): MonState => {
      if (gen !== this.generation) throw RadosError.from('ESHUTDOWN', 'monitor store is closed or its disk crashed');
      return view;
    };
    const write = (apply: (s: MonState) => void): Promise<void> => {
      apply(live());
      return this.enqueue(apply);
    };
    return {
      lastCommitted: () => live().last,
      loadMap: (epoch) => live().maps.get(epoch),
      getCounter: (name) => live().counters.get(name) ?? 0,
      setCounter: (name, value) => write((s) => s.counters.set(name, value)),
      getValue: (key) => live().values.get(key),
      setValue: (key, value) => write((s) => s.values.set(key, value)),
      commitMap: (map) => {
        const s = live();
        invariant(map.epoch === s.last + 1 || s.last === 0, 'epochs are committed in order');
        return write((st) => {
          st.maps.set(map.epoch, map);
          st.last = map.epoch;
          st.maps.delete(map.epoch - MON_KEEP_EPOCHS);
        });
      },
      close: async () => undefined,
    };
  }

  /** Loses unflushed writes; the open store dies (its pending promises never settle). */
  crash(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    this.pending = [];
    this.generation++;
  }

  private enqueue(apply: (s: MonState) => void): Promise<void> {
    return new Promise<void>((resolve) => {
      this.pending.push({ apply, resolve });
      if (this.flushTimer !== undefined) return;
      const after_ms = this.flush_ms[0] + this.rng.float() * (this.flush_ms[1] - this.flush_ms[0]);
      this.flushTimer = this.sched.schedule(after_ms, () => {
        this.flushTimer = undefined;
        const done = this.pending;
        this.pending = [];
        for (const p of done) p.apply(this.durable);
        for (const p of done) p.resolve();
      });
    });
  }
}

function clone(s: MonState): MonState {
  return { last: s.last, maps: new Map(s.maps), counters: new Map(s.counters), values: new Map(s.values) };
}
