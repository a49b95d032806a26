// The ordered key-value port under the object store. Two media implement it: lmdb (lmdb-store.ts)
// and memory (memory-store.ts). Everything above it (planning a txn, views, listings) is shared,
// so the simulator exercises the same code paths as a real OSD.

import { invariant } from '../../core/assert.js';
import type { Db } from './keys.js';
import { SortedMap, keyToString, stringToKey } from './sorted-map.js';

/** One write of a commit: value null deletes the key. */
export interface KvWrite {
  readonly db: Db;
  readonly key: Buffer;
  readonly value: Buffer | null;
}

export interface KvReader {
  /** A copy the caller owns, or undefined. */
  get(db: Db, key: Buffer): Buffer | undefined;
  /**
   * The value for immediate use only: it may be a shared buffer that the next read overwrites
   * (lmdb's getBinaryFast). Callers copy what they need before any other store call.
   */
  getTransient(db: Db, key: Buffer): Buffer | undefined;
  /** Entries with start <= key < end (end undefined: no bound), ascending; keys and values are copies. */
  scan(db: Db, start: Buffer, end: Buffer | undefined): Iterable<[Buffer, Buffer]>;
  /**
   * Optional: reads the keys' pages into memory on another thread (a medium whose reads can
   * wait for the disk). Resolves when done or when it stops waiting; never rejects.
   */
  prefetch?(db: Db, keys: readonly Buffer[]): Promise<void>;
}

export interface Kv extends KvReader {
  /**
   * Commits the writes atomically. Visible to reads when this returns; the promise resolves once
   * they are durable, sharing one flush with every commit of the same period.
   */
  commit(writes: readonly KvWrite[]): Promise<void>;
  /** Number of flushes requested from the medium so far (group-commit evidence for tests). */
  readonly flushCount: number;
  /** Most value bytes handed to the medium and not yet durable at one time (evidence for tests), if tracked. */
  readonly peakValueBytesInFlight?: number;
  close(): Promise<void>;
}

/**
 * Pending writes over a lower reader: later layers win, null marks a deletion. Used for the
 * writes a txn has planned so far and for lmdb's committed-but-not-yet-visible writes.
 */
export interface LayerSlot {
  readonly value: Buffer | null;
  /** The key as written, so listing the layer needs no conversion back from its string form. */
  readonly key: Buffer;
}

export class WriteLayer {
  private readonly maps = new Map<Db, SortedMap<LayerSlot>>();

  /** Returns the slot, whose identity tells later whether a newer write replaced it. */
  put(db: Db, key: Buffer, value: Buffer | null): LayerSlot {
    let map = this.maps.get(db);
    if (map === undefined) {
      map = new SortedMap<LayerSlot>();
      this.maps.set(db, map);
    }
    const slot: LayerSlot = { value, key };
    map.set(keyToString(key), slot);
    return slot;
  }

  /** undefined: not in this layer; null: deleted in this layer. */
  lookup(db: Db, key: Buffer): Buffer | null | undefined {
    return this.maps.get(db)?.get(keyToString(key))?.value;
  }

  /** Removes a key only if it still holds `slot` (a newer write keeps its own). */
  dropIfSame(db: Db, key: Buffer, slot: LayerSlot): void {
    const map = this.maps.get(db);
    if (map === undefined) return;
    const s = keyToString(key);
    if (map.get(s) === slot) map.delete(s);
  }

  get size(): number {
    let n = 0;
    for (const map of this.maps.values()) n += map.size;
    return n;
  }

  *range(db: Db, start: Buffer, end: Buffer | undefined): Generator<[Buffer, Buffer | null]> {
    const map = this.maps.get(db);
    if (map === undefined) return;
    for (const [k, slot] of map.range(keyToString(start), end === undefined ? undefined : keyToString(end))) {
      yield [stringToKey(k), slot.value];
    }
  }

  /** The latest write of each key, with the keys as given to put() (nothing writes into a key once built). */
  writes(): KvWrite[] {
    const out: KvWrite[] = [];
    for (const [db, map] of this.maps) {
      for (const [, slot] of map.range('', undefined)) out.push({ db, key: slot.key, value: slot.value });
    }
    return out;
  }
}

/**
 * Merges a pending layer over a lower ordered scan: equal keys take the layer's entry, deleted
 * entries are skipped. Both inputs must be ascending; the output is ascending.
 */
export function* mergeScan(
  upper: Iterable<[Buffer, Buffer | null]>,
  lower: Iterable<[Buffer, Buffer]>,
): Generator<[Buffer, Buffer]> {
  const u = upper[Symbol.iterator]();
  const l = lower[Symbol.iterator]();
  let un = u.next();
  let ln = l.next();
  try {
    while (!un.done || !ln.done) {
      if (un.done) {
        yield ln.value as [Buffer, Buffer];
        ln = l.next();
        continue;
      }
      const [uk, uv] = un.value;
      const cmp = ln.done ? -1 : Buffer.compare(uk, ln.value[0]);
      if (cmp <= 0) {
        if (uv !== null) yield [uk, Buffer.from(uv)];
        if (cmp === 0) ln = l.next();
        un = u.next();
      } else {
        yield ln.value as [Buffer, Buffer];
        ln = l.next();
      }
    }
  } finally {
    // Closing the lower iterator releases lmdb's cursor when a consumer stops early.
    u.return?.();
    l.return?.();
  }
}

/** A reader that sees `layer` over `lower`. */
export class LayeredReader implements KvReader {
  constructor(
    private readonly layer: WriteLayer,
    private readonly lower: KvReader,
  ) {}

  get(db: Db, key: Buffer): Buffer | undefined {
    const hit = this.layer.lookup(db, key);
    if (hit === null) return undefined;
    if (hit !== undefined) return Buffer.from(hit);
    return this.lower.get(db, key);
  }

  getTransient(db: Db, key: Buffer): Buffer | undefined {
    const hit = this.layer.lookup(db, key);
    if (hit === null) return undefined;
    if (hit !== undefined) return hit;
    return this.lower.getTransient(db, key);
  }

  scan(db: Db, start: Buffer, end: Buffer | undefined): Iterable<[Buffer, Buffer]> {
    invariant(end === undefined || Buffer.compare(start, end) <= 0, 'scan: start <= end');
    return mergeScan(this.layer.range(db, start, end), this.lower.scan(db, start, end));
  }
}
