// The in-memory medium, for the deterministic simulator. The object logic is the lmdb store's
// own (kv-object-store.ts); only the medium differs. A MemoryDisk outlives the stores opened on
// it, the way a directory outlives a process:
//
//   - By default a commit is durable at once (its promise is already settled).
//   - With { holdFlushes: true } commits are visible but not durable until the simulator calls
//     disk.flush(); disk.crash() then drops every commit made since the last flush, kills the
//     open store (further calls throw ESHUTDOWN, pending durability promises never settle, as a
//     dead process never acks), and a later openMemoryStore(disk) sees only the durable state.
//
// No timers and no randomness: everything happens when the caller calls.

import { invariant } from '../../core/assert.js';
import { RadosError } from '../../core/errors.js';
import { DBS, type Db } from './keys.js';
import type { Kv, KvWrite } from './kv.js';
import { KvObjectStore, type KvStoreOptions } from './kv-object-store.js';
import type { ObjectStore } from './object-store.js';
import { SortedMap, keyToString, stringToKey } from './sorted-map.js';

/** Bounds the undo log of a disk whose owner never flushes. */
const UNFLUSHED_COMMITS_MAX = 1_000_000;

interface UndoRecord {
  readonly undo: Array<{ db: Db; key: string; old: Buffer | undefined }>;
  readonly durable: { resolve: () => void };
}

export class MemoryDisk {
  readonly holdFlushes: boolean;
  private readonly tables = new Map<Db, SortedMap<Buffer>>(DBS.map((db) => [db, new SortedMap<Buffer>()]));
  private unflushed: UndoRecord[] = [];
  private generation = 0;
  private flushes = 0;

  constructor(opts: { holdFlushes?: boolean } = {}) {
    this.holdFlushes = opts.holdFlushes ?? false;
  }

  /** Makes every commit so far durable and settles their promises. */
  flush(): void {
    const done = this.unflushed;
    this.unflushed = [];
    if (done.length > 0) this.flushes += 1;
    for (const r of done) r.durable.resolve();
  }

  /** Loses every commit since the last flush and kills the store currently open on this disk. */
  crash(): void {
    for (let i = this.unflushed.length - 1; i >= 0; i -= 1) {
      const record = this.unflushed[i] as UndoRecord;
      for (let j = record.undo.length - 1; j >= 0; j -= 1) {
        const u = record.undo[j] as UndoRecord['undo'][number];
        const table = this.table(u.db);
        if (u.old === undefined) table.delete(u.key);
        else table.set(u.key, u.old);
      }
    }
    this.unflushed = [];
    this.generation += 1;
  }

  /** Commits not yet durable. */
  get unflushedCommits(): number {
    return this.unflushed.length;
  }

  /** @internal used by MemoryKv */
  table(db: Db): SortedMap<Buffer> {
    const t = this.tables.get(db);
    invariant(t !== undefined, `memory disk has table ${db}`);
    return t;
  }

  /** @internal */
  get currentGeneration(): number {
    return this.generation;
  }

  /** @internal */
  get flushTotal(): number {
    return this.flushes;
  }

  /** @internal */
  record(undo: UndoRecord['undo']): Promise<void> {
    if (!this.holdFlushes) {
      this.flushes += 1;
      return Promise.resolve();
    }
    invariant(this.unflushed.length < UNFLUSHED_COMMITS_MAX, 'memory disk: unflushed commits within limit');
    let resolve!: () => void;
    const p = new Promise<void>((r) => {
      resolve = r;
    });
    this.unflushed.push({ undo, durable: { resolve } });
    return p;
  }
}

class MemoryKv implements Kv {
  private readonly generation: number;
  private closed = false;

  constructor(private readonly disk: MemoryDisk) {
    this.generation = disk.currentGeneration;
  }

  get flushCount(): number {
    return this.disk.flushTotal;
  }

  get(db: Db, key: Buffer): Buffer | undefined {
    const v = this.live().table(db).get(keyToString(key));
    return v === undefined ? undefined : Buffer.from(v);
  }

  getTransient(db: Db, key: Buffer): Buffer | undefined {
    return this.live().table(db).get(keyToString(key));
  }

  *scan(db: Db, start: Buffer, end: Buffer | undefined): Generator<[Buffer, Buffer]> {
    const table = this.live().table(db);
    // Snapshot the keys first: the caller may commit while it still holds this iterator.
    const entries = [...table.range(keyToString(start), end === undefined ? undefined : keyToString(end))];
    for (const [k, v] of entries) yield [stringToKey(k), Buffer.from(v)];
  }

  commit(writes: readonly KvWrite[]): Promise<void> {
    const disk = this.live();
    const undo: Array<{ db: Db; key: string; old: Buffer | undefined }> = [];
    for (const w of writes) {
      const table = disk.table(w.db);
      const key = keyToString(w.key);
      undo.push({ db: w.db, key, old: table.get(key) });
      // Stored buffers are never handed out (get copies), so they need no further copy here
      // beyond making sure the caller cannot mutate them.
      if (w.value === null) table.delete(key);
      else table.set(key, Buffer.from(w.value));
    }
    return disk.record(undo);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private live(): MemoryDisk {
    if (this.closed || this.disk.currentGeneration !== this.generation) {
      throw RadosError.from('ESHUTDOWN', 'memory object store is closed or its disk crashed');
    }
    return this.disk;
  }
}

export interface MemoryObjectStore extends ObjectStore {
  readonly disk: MemoryDisk;
  /** Same as disk.crash(): drops un-flushed commits and kills this store. */
  crash(): void;
  readonly flushCount: number;
}

export function openMemoryStore(disk: MemoryDisk = new MemoryDisk(), opts: KvStoreOptions = {}): MemoryObjectStore {
  const store = new KvObjectStore(new MemoryKv(disk), opts);
  return Object.assign(store, {
    disk,
    crash: (): void => disk.crash(),
  }) as MemoryObjectStore;
}
