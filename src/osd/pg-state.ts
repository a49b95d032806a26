// In-memory state of one placement group on this OSD: ordering of ops, versions, counters, the
// retained PG log (which doubles as the duplicate-request detector), what peering persisted,
// and the peering machine when this OSD is the PG's primary.
import { invariant } from '../core/assert.js';
import type { PgLogEntry } from '../proto/messages.js';
import { PgPeering, type PeerLog, type PgInfo, type ScrubInconsistency } from './pg/index.js';

/** Requests remembered for duplicate detection (Ceph keeps osd_min_pg_log_entries = 250..3000). */
export const PG_LOG_KEEP = 3000;
/** The store trims every this many versions, so up to PG_LOG_KEEP + this entries are retained. */
export const LOG_TRIM_EVERY = 500;

export interface PgPersisted {
  readonly lastUpdate: number;
  readonly lastUserVersion: number;
  readonly objects: number;
  readonly bytes: number;
  /** Added with peering; absent in older stores. */
  readonly lastUpdateEpoch?: number;
  readonly logTail?: number;
  readonly lastEpochStarted?: number;
  readonly lastEpochActive?: number;
  readonly missing?: readonly string[];
  readonly backfilling?: boolean;
}

/**
 * A copy of `s` that holds only its own characters. Strings decoded from a message are often
 * slices of one string holding the whole message (msgpackr decodes a message's strings at once),
 * so an oid kept in the log would keep that whole string alive: 10 MiB of message text per 42k
 * entries in a heap snapshot of an OSD.
 */
function ownString(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8'); // V8 never slices under 13 chars
}

/** The entry as the log keeps it: own strings, one object shape for every entry. */
function retained(e: PgLogEntry): PgLogEntry {
  return {
    version: e.version,
    epoch: e.epoch,
    reqid: [e.reqid[0], e.reqid[1]],
    oid: ownString(e.oid),
    namespace: ownString(e.namespace),
    locator: ownString(e.locator ?? ''),
    op: e.op,
    userVersion: e.userVersion,
    ret: e.ret,
  };
}

interface RequestResult {
  readonly ret: number;
  readonly version: number;
}

/** Results by request id (client, tid), keeping the newest `max`: a Map evicts in insertion order. */
class RequestResults {
  private readonly byReqid = new Map<string, RequestResult>();
  constructor(private readonly max: number) {}

  get(reqid: readonly [number, number]): RequestResult | undefined {
    return this.byReqid.get(`${reqid[0]}:${reqid[1]}`);
  }

  set(reqid: readonly [number, number], result: RequestResult): void {
    this.byReqid.set(`${reqid[0]}:${reqid[1]}`, result);
    while (this.byReqid.size > this.max) {
      const oldest = this.byReqid.keys().next();
      if (oldest.done === true) break;
      this.byReqid.delete(oldest.value);
    }
  }

  clear(): void {
    this.byReqid.clear();
  }
}

export class PgState {
  lastUpdate = 0;
  lastUpdateEpoch = 0;
  lastUserVersion = 0;
  objects = 0;
  bytes = 0;
  logTail = 0;
  lastEpochStarted = 0;
  /** Newest interval whose writes this copy took part in (see PgInfo.lastEpochActive). */
  lastEpochActive = 0;
  backfilling = false;
  /** Objects whose content here lags behind this copy's log (persisted). */
  readonly missing = new Set<string>();
  /** Newest peering epoch seen from any primary: older repops and pushes are refused. */
  peeredEpoch = 0;
  /** Identity of the current interval (acting, primary, members' up_from) as last seen. */
  intervalKey = '';
  peering: PgPeering | undefined;
  /** Primary only, not persisted: what the last scrub found that no repair has fixed. */
  inconsistencies: readonly ScrubInconsistency[] = [];
  scrubbing: '' | 'scrub' | 'deep' = '';
  lastScrubStamp = '';
  lastDeepScrubStamp = '';
  /** Woken whenever the peering state or the map changes (ops waiting for `active`). */
  private activeWaiters: Array<() => void> = [];
  private log: PgLogEntry[] = [];
  /** Tail of the per-PG op chain: ops execute one after another, in arrival order. */
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  /** object key → commit promise of the latest write not yet durable on every replica. */
  readonly inflight = new Map<string, Promise<void>>();
  private readonly recent = new RequestResults(PG_LOG_KEEP);
  /**
   * Results this primary gave to write ops that left no log entry (they failed, or changed
   * nothing). A request sent on a connection that then dropped can still arrive after the
   * client's resend was answered: without this, a `remove` answered ENOENT on resend ran again
   * when its original arrived, deleting an object written (and acknowledged) in between. Ceph
   * logs such results as error entries; here they are kept by the primary that returned them
   * (the original cannot outlive that primary's process: it travels on a connection to it).
   */
  private readonly unlogged = new RequestResults(PG_LOG_KEEP);

  constructor(
    readonly pool: number,
    readonly ps: number,
  ) {}

  /** `log` may hold entries beyond lastUpdate (left by a rewind); they are ignored. */
  load(p: PgPersisted | undefined, log: ReadonlyArray<{ entry: unknown }>): void {
    if (p) {
      this.lastUpdate = p.lastUpdate;
      this.lastUserVersion = p.lastUserVersion;
      this.objects = p.objects;
      this.bytes = p.bytes;
      this.lastUpdateEpoch = p.lastUpdateEpoch ?? 0;
      this.lastEpochStarted = p.lastEpochStarted ?? 0;
      this.lastEpochActive = p.lastEpochActive ?? 0;
      this.backfilling = p.backfilling ?? false;
      for (const m of p.missing ?? []) this.missing.add(m);
      this.peeredEpoch = this.lastEpochStarted;
    }
    // Keep the newest consecutive run of entries ending at lastUpdate.
    const entries = log.map((l) => l.entry as PgLogEntry).filter((e) => e.version <= this.lastUpdate);
    let start = entries.length;
    while (start > 0) {
      const e = entries[start - 1];
      const expected = this.lastUpdate - (entries.length - start);
      if (e === undefined || e.version !== expected) break;
      start--;
    }
    this.log = entries.slice(start).map(retained);
    this.logTail = this.lastUpdate - this.log.length;
    const last = this.log[this.log.length - 1];
    if (last !== undefined && p?.lastUpdateEpoch === undefined) this.lastUpdateEpoch = last.epoch;
    for (const e of this.log) this.remember(e);
  }

  persisted(): PgPersisted {
    return {
      lastUpdate: this.lastUpdate,
      lastUserVersion: this.lastUserVersion,
      objects: this.objects,
      bytes: this.bytes,
      lastUpdateEpoch: this.lastUpdateEpoch,
      logTail: this.logTail,
      lastEpochStarted: this.lastEpochStarted,
      lastEpochActive: this.lastEpochActive,
      missing: [...this.missing],
      backfilling: this.backfilling,
    };
  }

  info(): PgInfo {
    return {
      lastUpdate: { epoch: this.lastUpdateEpoch, version: this.lastUpdate },
      logTail: this.logTail,
      lastEpochStarted: this.lastEpochStarted,
      lastEpochActive: this.lastEpochActive,
      missing: [...this.missing],
      backfilling: this.backfilling,
    };
  }

  peerLog(): PeerLog {
    return { info: this.info(), entries: this.log };
  }

  /** Appends the next entry (a write applied here) and trims the in-memory log like the store. */
  append(entry: PgLogEntry): void {
    invariant(entry.version === this.lastUpdate + 1, () => `log entry v${entry.version} follows v${this.lastUpdate}`);
    this.log.push(retained(entry));
    this.lastUpdate = entry.version;
    this.lastUpdateEpoch = entry.epoch;
    this.lastUserVersion = Math.max(this.lastUserVersion, entry.userVersion);
    this.remember(entry);
  }

  /** Trims entries with version <= toVersion (mirrors the store's pgLogTrim). */
  trim(toVersion: number): void {
    if (toVersion <= this.logTail) return;
    const drop = Math.min(this.log.length, toVersion - this.logTail);
    this.log.splice(0, drop);
    this.logTail += drop;
  }

  /** Peering's rewind-and-adopt: keep entries through `keepThrough` (-1: none), then append. */
  adopt(keepThrough: number, entries: readonly PgLogEntry[], logTail: number): void {
    if (keepThrough < 0) {
      this.log = [];
      this.logTail = logTail;
      this.lastUpdate = logTail;
    } else {
      invariant(keepThrough >= this.logTail && keepThrough <= this.lastUpdate, 'the common point is inside the retained log');
      this.log.length = keepThrough - this.logTail;
      this.lastUpdate = keepThrough;
    }
    const last = this.log[this.log.length - 1];
    this.lastUpdateEpoch = last?.epoch ?? (keepThrough < 0 ? 0 : this.lastUpdateEpoch);
    // Rolled-back (divergent) entries must no longer answer resends as if they had happened.
    this.recent.clear();
    for (const e of this.log) this.remember(e);
    for (const e of entries) this.append(e);
  }

  remember(entry: PgLogEntry): void {
    this.recent.set(entry.reqid, { ret: entry.ret, version: entry.userVersion });
  }

  lookupDuplicate(reqid: readonly [number, number]): RequestResult | undefined {
    return this.recent.get(reqid) ?? this.unlogged.get(reqid);
  }

  /** A write op answered without a log entry; bounded like the log's own duplicate window. */
  rememberUnlogged(reqid: readonly [number, number], ret: number, version: number): void {
    this.unlogged.set(reqid, { ret, version });
  }

  /** Resolves at the next peering-state or map change (or never, if none comes: callers bound it). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.activeWaiters.push(resolve));
  }

  wake(): void {
    const waiters = this.activeWaiters;
    this.activeWaiters = [];
    for (const w of waiters) w();
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
