// In-memory state of one placement group on this OSD: ordering of ops, versions, counters and
// the recent request ids used to answer a resent op without applying it twice.
import { invariant } from '../core/assert.js';
import type { PgLogEntry } from '../proto/messages.js';

/** Requests remembered for duplicate detection (Ceph keeps osd_min_pg_log_entries = 250..3000). */
export const PG_LOG_KEEP = 3000;

export interface PgPersisted {
  readonly lastUpdate: number;
  readonly lastUserVersion: number;
  readonly objects: number;
  readonly bytes: number;
}

export class PgState {
  lastUpdate = 0;
  lastUserVersion = 0;
  objects = 0;
  bytes = 0;
  /** Tail of the per-PG op chain: ops execute one after another, in arrival order. */
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  /** object key → commit promise of the latest write not yet durable on every replica. */
  readonly inflight = new Map<string, Promise<void>>();
  private readonly recent = new Map<string, { ret: number; version: number }>();
  private readonly recentOrder: string[] = [];

  constructor(
    readonly pool: number,
    readonly ps: number,
  ) {}

  load(p: PgPersisted | undefined, log: ReadonlyArray<{ entry: unknown }>): void {
    if (p) {
      this.lastUpdate = p.lastUpdate;
      this.lastUserVersion = p.lastUserVersion;
      this.objects = p.objects;
      this.bytes = p.bytes;
    }
    for (const { entry } of log) this.remember(entry as PgLogEntry);
  }

  persisted(): PgPersisted {
    return { lastUpdate: this.lastUpdate, lastUserVersion: this.lastUserVersion, objects: this.objects, bytes: this.bytes };
  }

  remember(entry: PgLogEntry): void {
    const key = `${entry.reqid[0]}:${entry.reqid[1]}`;
    if (!this.recent.has(key)) this.recentOrder.push(key);
    this.recent.set(key, { ret: entry.ret, version: entry.userVersion });
    while (this.recentOrder.length > PG_LOG_KEEP) {
      const old = this.recentOrder.shift();
      if (old !== undefined) this.recent.delete(old);
    }
  }

  lookupDuplicate(reqid: readonly [number, number]): { ret: number; version: number } | undefined {
    return this.recent.get(`${reqid[0]}:${reqid[1]}`);
  }

  /** Runs `fn` after every op queued before it; bounded so a flood cannot grow memory without limit. */
  enqueue<T>(maxQueued: number, fn: () => Promise<T>): Promise<T> {
    invariant(this.queued >= 0, 'queue depth is never negative');
    if (this.queued >= maxQueued) return Promise.reject(new Error('EAGAIN: PG queue full'));
    this.queued++;
    const run = this.tail.then(fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run.finally(() => {
      this.queued--;
    });
  }
}
