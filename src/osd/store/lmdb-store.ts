// The lmdb medium: one environment, five named tables (keys.ts), binary keys and values, and a
// write-ahead log (wal.ts) that makes small commits durable before lmdb holds them.
//
// Why not transactionSync: in lmdb-js 3.5 every synchronous transaction fsyncs inside its commit
// on the calling thread (measured ~1.6k txn/s, with or without the "async flush" flag), which
// is one fsync per txn on the event loop. Instead lmdb receives `batch()` blocks: lmdb-js writes
// each atomically on its writer thread and (overlappingSync, the Linux default) flushes it off
// the main thread; `separateFlushed` gives each block's flush promise. lmdb-js's async
// `transaction(callback)` was not usable here: its callback is never run on this machine.
//
// Until lmdb reports a block committed, its writes sit in an in-memory overlay that every read
// consults first, so a commit is visible as soon as commit() returns. Each overlay slot is
// dropped when its own block lands, unless a newer write has replaced it.
//
// lmdb's map grows by itself when full (tested with a 256 MiB data set in lmdb-store.test.ts);
// `mapSizeBytes` only sets the initial map.

import { open, type Database, type RootDatabase } from 'lmdb';
import { join } from 'node:path';
import { invariant } from '../../core/assert.js';
import { readFilePrefix } from '../../io/files.js';
import { RadosError } from '../../core/errors.js';
import { DBS, storeMetaKey, type Db } from './keys.js';
import { LayeredReader, WriteLayer, type Kv, type KvReader, type KvWrite, type LayerSlot } from './kv.js';
import { keyToString } from './sorted-map.js';
import { KvObjectStore } from './kv-object-store.js';
import { WalWriter, encodeWalRecord, readSeq, readWal, removeWal, writeSeq, type WalRecord } from './wal.js';

const MAP_SIZE_BYTES_DEFAULT = 1024 * 1024 * 1024;

type BinaryDb = Database<Buffer, Buffer>;

/** Direct reads from lmdb, without the overlay. */
class LmdbReader implements KvReader {
  constructor(private readonly dbs: Record<Db, BinaryDb>) {}

  get(db: Db, key: Buffer): Buffer | undefined {
    return this.dbs[db].getBinary(key);
  }

  getTransient(db: Db, key: Buffer): Buffer | undefined {
    const shared = this.dbs[db].getBinaryFast(key);
    // The reusable buffer overrides `length` while its typed-array extent stays larger, which
    // Buffer.copy and TypedArray.set do not honour: hand out an honest view (no copy).
    return shared === undefined ? undefined : shared.subarray(0, shared.length);
  }

  *scan(db: Db, start: Buffer, end: Buffer | undefined): Generator<[Buffer, Buffer]> {
    const range = this.dbs[db].getRange(end === undefined ? { start } : { start, end });
    // lmdb-js returns fresh key and value buffers per entry for binary tables.
    for (const { key, value } of range) yield [key, value];
  }
}

/**
 * A prefetch that has not finished by then is no longer waited for (lmdb-js logs a failed
 * prefetch and never calls back). The read that follows is correct either way.
 */
const PREFETCH_WAIT_MAX_MS = 1000;

/** A commit with at least this many value bytes skips the WAL: lmdb writes its data once. */
const WAL_RECORD_MAX_BYTES = 64 * 1024;
/** WAL'd commits reach lmdb after this long, or sooner when enough have piled up. */
const APPLY_INTERVAL_MS = 50;
const APPLY_BATCH_BYTES = 8 * 1024 * 1024;
const APPLY_BATCH_COMMITS = 4096;
/** Commits wait (backpressure) while this many lmdb transactions are still being written. */
const APPLIES_IN_FLIGHT_MAX = 2;
/**
 * Value bytes in lmdb transactions not yet committed. lmdb copies every value of a transaction
 * into pages it mallocs, and glibc keeps the freed heap: with 16 4 MiB writes merged into one
 * transaction the OSDs' malloc heaps stayed at 73–106 MiB after a 4 MiB write run. Direct
 * commits wait in `pending` (readable through the overlay) while this much is in flight, and
 * pending commits are applied in transactions of at most this many bytes (or one commit).
 */
export const LMDB_BYTES_IN_FLIGHT_MAX = 16 * 1024 * 1024;

interface PendingCommit {
  readonly seq: number;
  readonly writes: readonly KvWrite[];
  readonly slots: LayerSlot[];
  readonly valueBytes: number;
  /** Direct commits (not in the WAL) are durable once the transaction that takes them is. */
  readonly applied: { resolve(): void; reject(error: unknown): void } | undefined;
}

export function walAppliedKey(): Buffer {
  return storeMetaKey('walApplied');
}

function encodeSeq(seq: number): Buffer {
  const b = Buffer.alloc(8);
  writeSeq(b, seq, 0);
  return b;
}

function decodeSeq(b: Buffer | undefined): number {
  if (b === undefined) return 0;
  invariant(b.length === 8, 'wal applied seq is a u64');
  return readSeq(b, 0);
}

/**
 * Commit sequencing. Every commit gets the next sequence number. A small commit is appended to
 * the WAL and acknowledged when that append is durable; a large one (or any, with the WAL off)
 * goes straight into an lmdb transaction together with every pending small commit before it,
 * and is acknowledged when lmdb has flushed it. Each lmdb transaction also records the highest
 * sequence it holds ('S walApplied'), so replay applies exactly the WAL records lmdb lacks.
 *
 * Acknowledgements are chained in sequence order, so the durable state is always a prefix of
 * the commits: replay stops at the first missing sequence number (a large commit lost in a crash
 * was never acknowledged, and neither was anything after it).
 */
class LmdbKv implements Kv {
  private readonly overlay = new WriteLayer();
  private readonly reader: LayeredReader;
  private failure: unknown = undefined;
  private lastFlush: PromiseLike<boolean> | undefined;
  private flushes = 0;
  private seq: number;
  private pending: PendingCommit[] = [];
  private pendingBytes = 0;
  /** Direct commits in `pending`: each waits for a transaction to take it. */
  private pendingDirect = 0;
  private bytesInFlight = 0;
  peakValueBytesInFlight = 0;
  private applyTimer: NodeJS.Timeout | undefined;
  private readonly appliesInFlight: Array<Promise<void>> = [];
  private lastAck: Promise<void> = Promise.resolve();

  constructor(
    private readonly root: RootDatabase,
    private readonly dbs: Record<Db, BinaryDb>,
    private readonly wal: WalWriter | undefined,
    lastSeq: number,
  ) {
    this.reader = new LayeredReader(this.overlay, new LmdbReader(dbs));
    this.seq = lastSeq;
  }

  get flushCount(): number {
    return this.flushes + (this.wal?.flushCount ?? 0);
  }

  get(db: Db, key: Buffer): Buffer | undefined {
    this.checkHealthy();
    return this.reader.get(db, key);
  }

  getTransient(db: Db, key: Buffer): Buffer | undefined {
    this.checkHealthy();
    return this.reader.getTransient(db, key);
  }

  scan(db: Db, start: Buffer, end: Buffer | undefined): Iterable<[Buffer, Buffer]> {
    this.checkHealthy();
    return this.reader.scan(db, start, end);
  }

  /**
   * lmdb's reads are page faults on its map, taken by whichever thread reads. A page that is
   * not in the page cache then stops the event loop, and every op of the OSD with it, for a
   * disk read (this VM's kernel drops idle file pages on its own). lmdb-js's prefetch touches
   * the pages on its own thread first.
   */
  prefetch(db: Db, keys: readonly Buffer[]): Promise<void> {
    if (keys.length === 0 || this.failure !== undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, PREFETCH_WAIT_MAX_MS);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      try {
        void this.dbs[db].prefetch([...keys], done);
      } catch {
        done();
      }
    });
  }

  commit(writes: readonly KvWrite[]): Promise<void> {
    this.checkHealthy();
    this.seq += 1;
    const seq = this.seq;
    const slots: LayerSlot[] = writes.map((w) => this.overlay.put(w.db, w.key, w.value));
    let valueBytes = 0;
    for (const w of writes) valueBytes += w.value === null ? 0 : w.value.length;
    this.pendingBytes += valueBytes;
    let durable: Promise<unknown>;
    if (this.wal === undefined || valueBytes >= WAL_RECORD_MAX_BYTES) {
      durable = new Promise<void>((resolve, reject) => {
        this.pending.push({ seq, writes, slots, valueBytes, applied: { resolve, reject } });
      });
      this.pendingDirect += 1;
      this.pump();
    } else {
      this.pending.push({ seq, writes, slots, valueBytes, applied: undefined });
      const logged = this.wal.append(seq, encodeWalRecord(seq, writes));
      const oldest = this.appliesInFlight[0];
      durable = this.appliesInFlight.length >= APPLIES_IN_FLIGHT_MAX && oldest !== undefined ? Promise.all([logged, oldest]) : logged;
      this.scheduleApply();
    }
    const ack = Promise.all([this.lastAck, durable]).then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= error;
        throw RadosError.from('EIO', 'object store commit failed', { cause: error });
      },
    );
    this.lastAck = ack;
    return ack;
  }

  async close(): Promise<void> {
    while (this.pending.length > 0) await this.applyPending(Number.POSITIVE_INFINITY).catch(() => undefined);
    await this.lastAck.catch(() => undefined);
    await this.root.flushed;
    if (this.wal !== undefined) {
      await this.wal.close();
      // lmdb holds everything now: the next open has nothing to replay.
      if (this.failure === undefined) this.wal.removeAll();
    }
    await this.root.close();
  }

  /** Writes not yet visible in lmdb itself (for tests). */
  get pendingWrites(): number {
    return this.overlay.size;
  }

  private scheduleApply(): void {
    if (this.pending.length === 0) return;
    if (this.pendingBytes >= APPLY_BATCH_BYTES || this.pending.length >= APPLY_BATCH_COMMITS) {
      this.pump();
      return;
    }
    this.applyTimer ??= setTimeout(() => {
      this.applyTimer = undefined;
      this.pump();
    }, APPLY_INTERVAL_MS);
  }

  /** Starts transactions for pending commits while fewer than LMDB_BYTES_IN_FLIGHT_MAX are in flight. */
  private pump(): void {
    for (let started = 0; this.pending.length > 0; started += 1) {
      invariant(started <= APPLY_BATCH_COMMITS, 'pump takes at least one commit per transaction');
      if (this.bytesInFlight >= LMDB_BYTES_IN_FLIGHT_MAX && this.appliesInFlight.length > 0) return;
      void this.applyPending(LMDB_BYTES_IN_FLIGHT_MAX - this.bytesInFlight).catch(() => undefined);
    }
  }

  /**
   * Writes the oldest pending commits, at least one and at most `maxBytes` of values, into one
   * lmdb transaction; resolves when lmdb has flushed it. Commits apply in sequence order, so
   * walApplied only ever names a prefix.
   */
  private applyPending(maxBytes: number): Promise<void> {
    if (this.applyTimer !== undefined) {
      clearTimeout(this.applyTimer);
      this.applyTimer = undefined;
    }
    let take = 0;
    let batchBytes = 0;
    for (const c of this.pending) {
      if (take > 0 && batchBytes + c.valueBytes > maxBytes) break;
      batchBytes += c.valueBytes;
      take += 1;
    }
    const batch = this.pending.splice(0, take);
    this.pendingBytes -= batchBytes;
    this.bytesInFlight += batchBytes;
    this.peakValueBytesInFlight = Math.max(this.peakValueBytesInFlight, this.bytesInFlight);
    let direct = 0;
    for (const c of batch) if (c.applied !== undefined) direct += 1;
    this.pendingDirect -= direct;
    invariant(this.pendingBytes >= 0 && this.pendingDirect >= 0, 'pending counters stay non-negative');
    const last = batch[batch.length - 1];
    invariant(last !== undefined, 'applyPending has commits to apply');
    const committed = this.root.batch(() => {
      // One transaction keeps only the last write of each key, so a 'meta' key rewritten by many
      // of the batch's commits (each PG's info, the store's nid and statfs: 3 of the 6 writes of
      // a 4 KiB object write) is put once. Other tables' keys rarely repeat within a batch.
      const meta = new Map<string, KvWrite>();
      for (const c of batch) {
        for (const w of c.writes) {
          if (w.db === 'meta') meta.set(keyToString(w.key), w);
          else this.write(w);
        }
      }
      for (const w of meta.values()) this.write(w);
      void this.dbs.meta.put(walAppliedKey(), encodeSeq(last.seq));
    }) as Promise<boolean> & { flushed?: PromiseLike<boolean> };
    const flushed = committed.flushed;
    invariant(flushed !== undefined, 'lmdb opened with separateFlushed gives a flushed promise');
    if (flushed !== this.lastFlush) {
      this.lastFlush = flushed;
      this.flushes += 1;
    }
    const visible = committed.then(
      () => {
        for (const c of batch) {
          for (let i = 0; i < c.writes.length; i += 1) {
            const w = c.writes[i] as KvWrite;
            this.overlay.dropIfSame(w.db, w.key, c.slots[i] as LayerSlot);
          }
        }
      },
      (error: unknown) => {
        // The overlay now holds writes lmdb refused: reads can no longer be trusted.
        this.failure ??= error;
        throw error;
      },
    );
    const done = Promise.all([visible, flushed]).then(() => {
      this.wal?.trim(last.seq);
    });
    this.appliesInFlight.push(done);
    const settle = (error: unknown): void => {
      const at = this.appliesInFlight.indexOf(done);
      if (at >= 0) this.appliesInFlight.splice(at, 1);
      this.bytesInFlight -= batchBytes;
      invariant(this.bytesInFlight >= 0, 'bytes in flight stay non-negative');
      for (const c of batch) {
        if (c.applied === undefined) continue;
        if (error === undefined) c.applied.resolve();
        else c.applied.reject(error);
      }
      // Direct commits that waited for room go now; logged ones keep their batching.
      if (this.pendingDirect > 0) this.pump();
      else this.scheduleApply();
    };
    done.then(() => settle(undefined), (error: unknown) => settle(error ?? new Error('lmdb transaction failed')));
    return done;
  }

  /** Queues one write into the lmdb transaction being built (inside root.batch). */
  private write(w: KvWrite): void {
    if (w.value === null) void this.dbs[w.db].remove(w.key);
    else void this.dbs[w.db].put(w.key, w.value);
  }

  private checkHealthy(): void {
    if (this.failure !== undefined) throw RadosError.from('EIO', 'object store failed a commit earlier', { cause: this.failure });
  }
}

export interface LmdbStoreOptions {
  readonly path: string;
  /** Initial map size; lmdb grows it when full. */
  readonly mapSizeBytes?: number;
  /** Data extent size of a new store (default 64 KiB); an existing store keeps its own. */
  readonly extentSizeBytes?: number;
  /** lmdb page size of a new store (default 16 KiB); an existing store keeps its own. */
  readonly pageSizeBytes?: number;
  /**
   * Small commits are made durable in a write-ahead log and reach lmdb in batches (default
   * true). Off: every commit is its own lmdb transaction, acknowledged when lmdb has flushed it.
   */
  readonly writeAheadLog?: boolean;
}

/**
 * Why 16 KiB pages, not the OS's 4 KiB: lmdb keeps its free pages in one sorted list that every
 * commit merges into, so its cost grows with the number of free pages. After a 4 MiB-object run
 * and its cleanup (~7 GB freed per OSD) 4 KiB pages made 4 KiB writes spend a quarter of the
 * machine in mdb_midl_insert/search (1,800 -> 1,050 IOPS); 16 KiB pages make that list 4x
 * shorter, and a 64 KiB extent 4 pages instead of 17.
 */
const PAGE_SIZE_BYTES_DEFAULT = 16 * 1024;

export type LmdbObjectStore = KvObjectStore;

/** lmdb's meta pages start with this magic (after a page header of 16 or 24 bytes). */
const LMDB_MAGIC = 0xbeefc0de;
const LMDB_MAGIC_SEARCH_BYTES = 64;

/**
 * Refuses a data file that is not an lmdb environment: lmdb-js crashes the process (SIGSEGV)
 * on one instead of returning an error.
 */
function checkLmdbFile(path: string): void {
  const file = readFilePrefix(path, LMDB_MAGIC_SEARCH_BYTES) ?? readFilePrefix(join(path, 'data.mdb'), LMDB_MAGIC_SEARCH_BYTES);
  if (file === undefined || file.length === 0) return;
  for (let at = 0; at + 4 <= file.length; at += 4) if (file.readUInt32LE(at) === LMDB_MAGIC) return;
  throw RadosError.from('EIO', `${path} is not an lmdb object store (no lmdb meta page); it is damaged or something else`);
}

export function openLmdbStore(opts: LmdbStoreOptions): LmdbObjectStore {
  checkLmdbFile(opts.path);
  const root = open({
    path: opts.path,
    mapSize: opts.mapSizeBytes ?? MAP_SIZE_BYTES_DEFAULT,
    maxDbs: DBS.length + 2,
    separateFlushed: true,
    overlappingSync: true,
    pageSize: opts.pageSizeBytes ?? PAGE_SIZE_BYTES_DEFAULT,
    keyEncoding: 'binary',
    encoding: 'binary',
  });
  const dbs = {} as Record<Db, BinaryDb>;
  for (const name of DBS) {
    dbs[name] = root.openDB<Buffer, Buffer>({ name, keyEncoding: 'binary', encoding: 'binary' });
  }
  try {
    const walDir = `${opts.path}.wal`;
    const lastSeq = replayWal(root, dbs, walDir);
    const wal = opts.writeAheadLog === false ? undefined : new WalWriter(walDir, lastSeq + 1);
    return new KvObjectStore(new LmdbKv(root, dbs, wal, lastSeq), opts.extentSizeBytes === undefined ? {} : { extentSizeBytes: opts.extentSizeBytes });
  } catch (error) {
    void root.close();
    throw error;
  }
}

/**
 * Brings lmdb up to date with the WAL: applies, in one durable transaction, the records after
 * the last sequence lmdb holds, up to the first gap, then deletes the segments. Returns the last
 * sequence lmdb now holds.
 */
function replayWal(root: RootDatabase, dbs: Record<Db, BinaryDb>, walDir: string): number {
  let applied = decodeSeq(dbs.meta.getBinary(walAppliedKey()));
  const replay: WalRecord[] = [];
  for (const r of readWal(walDir)) {
    if (r.seq <= applied) continue;
    if (r.seq !== applied + 1) break;
    replay.push(r);
    applied = r.seq;
  }
  if (replay.length > 0) {
    root.transactionSync(() => {
      for (const r of replay) {
        for (const w of r.writes) {
          if (w.value === null) dbs[w.db].removeSync(w.key);
          else dbs[w.db].putSync(w.key, w.value);
        }
      }
      dbs.meta.putSync(walAppliedKey(), encodeSeq(applied));
    });
  }
  removeWal(walDir);
  return applied;
}
