// The lmdb medium: one environment, five named tables (keys.ts), binary keys and values.
//
// Why not transactionSync: in lmdb-js 3.5 every synchronous transaction fsyncs inside its commit
// on the calling thread (measured ~1.6k txn/s, with or without the "async flush" flag), which
// is one fsync per txn on the event loop. Instead each commit is one `batch()` block: lmdb-js
// writes it atomically on its writer thread, puts every block queued in the same event turn into
// one lmdb transaction, and (overlappingSync, the Linux default) flushes that transaction off
// the main thread; `separateFlushed` gives each block's flush promise. lmdb-js's async
// `transaction(callback)` was not usable here: its callback is never run on this machine.
//
// Until lmdb reports a block committed, its writes sit in an in-memory overlay that every read
// consults first, so a commit is visible as soon as commit() returns. Each overlay slot is
// dropped when its own commit lands, unless a newer write has replaced it.
//
// lmdb's map grows by itself when full (tested with a 256 MiB data set in lmdb-store.test.ts);
// `mapSizeBytes` only sets the initial map.

import { open, type Database, type RootDatabase } from 'lmdb';
import { invariant } from '../../core/assert.js';
import { RadosError } from '../../core/errors.js';
import { DBS, type Db } from './keys.js';
import { LayeredReader, WriteLayer, type Kv, type KvReader, type KvWrite, type LayerSlot } from './kv.js';
import { KvObjectStore } from './kv-object-store.js';

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

class LmdbKv implements Kv {
  private readonly overlay = new WriteLayer();
  private readonly reader: LayeredReader;
  private failure: unknown = undefined;
  private lastFlush: PromiseLike<boolean> | undefined;
  private flushes = 0;

  constructor(
    private readonly root: RootDatabase,
    private readonly dbs: Record<Db, BinaryDb>,
  ) {
    this.reader = new LayeredReader(this.overlay, new LmdbReader(dbs));
  }

  get flushCount(): number {
    return this.flushes;
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

  commit(writes: readonly KvWrite[]): Promise<void> {
    this.checkHealthy();
    const slots: LayerSlot[] = writes.map((w) => this.overlay.put(w.db, w.key, w.value));
    const committed = this.root.batch(() => {
      for (const w of writes) {
        if (w.value === null) void this.dbs[w.db].remove(w.key);
        else void this.dbs[w.db].put(w.key, w.value);
      }
    }) as Promise<boolean> & { flushed?: PromiseLike<boolean> };
    const flushed = committed.flushed;
    invariant(flushed !== undefined, 'lmdb opened with separateFlushed gives a flushed promise');
    if (flushed !== this.lastFlush) {
      this.lastFlush = flushed;
      this.flushes += 1;
    }
    const visible = committed.then(
      () => {
        for (let i = 0; i < writes.length; i += 1) {
          const w = writes[i] as KvWrite;
          this.overlay.dropIfSame(w.db, w.key, slots[i] as LayerSlot);
        }
      },
      (error: unknown) => {
        // The overlay now holds writes lmdb refused: reads can no longer be trusted.
        this.failure = error;
        throw error;
      },
    );
    return Promise.all([visible, flushed]).then(
      () => undefined,
      (error: unknown) => {
        throw RadosError.from('EIO', 'object store commit failed', { cause: error });
      },
    );
  }

  async close(): Promise<void> {
    await this.root.flushed;
    await this.root.close();
  }

  /** Writes not yet visible in lmdb itself (for tests). */
  get pendingWrites(): number {
    return this.overlay.size;
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

export function openLmdbStore(opts: LmdbStoreOptions): LmdbObjectStore {
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
    return new KvObjectStore(new LmdbKv(root, dbs), opts.extentSizeBytes === undefined ? {} : { extentSizeBytes: opts.extentSizeBytes });
  } catch (error) {
    void root.close();
    throw error;
  }
}
