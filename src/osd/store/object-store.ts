// The OSD's local object store: the contract shared by the lmdb store (real daemons) and the
// in-memory store (deterministic simulator). Both are built on one implementation over a small
// ordered key-value port (kv-object-store.ts), so their behaviour differs only in the medium.

import type { ObjectMeta, ObjectView, TxnStep } from '../ops/types.js';

/** Identity of one object. `hash` (u32) orders listings inside a PG; `ps` is the PG seed. */
export interface ObjectKey {
  readonly pool: number;
  readonly ps: number;
  readonly hash: number;
  readonly namespace: string;
  readonly oid: string;
  readonly locator: string;
}

/** One object's change: primitive steps applied in order, then `meta` (undefined = absent). */
export interface ObjectMutation {
  readonly key: ObjectKey;
  readonly steps: readonly TxnStep[];
  readonly meta: ObjectMeta | undefined;
}

export interface StoreTxn {
  readonly objects: readonly ObjectMutation[];
  /** PG log entries to append, and PG metadata to replace, in the same atomic commit. */
  readonly pgLog?: ReadonlyArray<{ readonly pool: number; readonly ps: number; readonly version: number; readonly entry: unknown }>;
  /** Removes log entries with version <= toVersion. */
  readonly pgLogTrim?: ReadonlyArray<{ readonly pool: number; readonly ps: number; readonly toVersion: number }>;
  readonly pgMeta?: ReadonlyArray<{ readonly pool: number; readonly ps: number; readonly value: unknown }>;
  readonly meta?: ReadonlyArray<{ readonly key: string; readonly value: unknown }>;
}

export interface ObjectStore {
  /**
   * Synchronous read view of one object as of the last applied txn. Every Buffer a view returns
   * is owned by the caller (a copy): it stays valid and unchanged after later writes.
   */
  view(key: ObjectKey): ObjectView;
  /** Gives back the buffers a view's readDataParts returned, once their bytes have been sent. */
  releaseReadParts?(parts: readonly Buffer[]): void;
  /** Frees kept reply buffers that no read needed since the last call (called every second). */
  trimReadBuffers?(): void;
  /**
   * Applies the txn atomically and synchronously: when apply() returns, later view() calls see it.
   * The returned promise resolves when the txn is durable on disk (fsync'd); many txns applied in the
   * same period share one flush (group commit). Never one fsync per txn.
   */
  apply(txn: StoreTxn): Promise<void>;
  /** Objects of one PG in (hash, namespace, oid, locator) order, after `cursor` (exclusive), at most `max`. */
  listObjects(pool: number, ps: number, cursor: ObjectKey | undefined, max: number): ObjectKey[];
  /** PGs that hold objects, log entries or metadata, ascending by (pool, ps). */
  listPgs(): Array<{ pool: number; ps: number }>;
  /** Log entries with version > afterVersion, ascending, at most `max`. */
  readPgLog(pool: number, ps: number, afterVersion: number, max: number): Array<{ version: number; entry: unknown }>;
  getPgMeta(pool: number, ps: number): unknown;
  /** Superblock and other OSD-wide records. */
  getMeta(key: string): unknown;
  /** Drops every object, log entry and metadata record of a pool, in bounded transactions. */
  removePool(pool: number): Promise<void>;
  /** usedBytes = stored data extent bytes + omap key and value bytes. */
  statfs(): { usedBytes: number; objects: number };
  /** Waits for every applied txn to be durable, then releases the medium. */
  close(): Promise<void>;
}

/** Limits of the store's key encodings (see keys.ts for why these numbers). */
export const STORE_LIMITS = {
  /** Data extent size used when the caller gives none. */
  extentSizeBytesDefault: 64 * 1024,
  /** Object names are exactly ordered up to this many encoded bytes; longer ones get a digest. */
  objectKeyInlineMaxBytes: 1900,
  /** Omap keys are stored in exact bytewise order up to this many UTF-8 bytes. */
  omapKeyInlineMaxBytes: 1900,
  /** Objects removed per transaction by removePool (each removal may carry a large omap). */
  removePoolObjectsPerTxn: 64,
  /** Log and metadata records removed per transaction by removePool. */
  removePoolRecordsPerTxn: 4096,
  /**
   * Reads of at least this many bytes are prefetched first (ObjectView.prefetchData): for a
   * small read the thread hop costs more than it can save.
   */
  prefetchMinBytes: 256 * 1024,
} as const;
