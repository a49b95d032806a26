// The object store over an ordered key-value medium. One StoreTxn becomes one atomic KV commit:
// the whole txn is first planned into a write layer (every read, check and encoding happens
// here, so nothing can fail half-way through the commit), then handed to the medium at once.
// This sidesteps lmdb's "a throwing transaction callback keeps the puts it made" caveat.
//
// Data lives in fixed-size extents keyed by (nid, extent number). An extent value may be
// shorter than the extent size; missing bytes and missing extents read as zeros. No byte beyond
// an object's size is ever stored, so growing an object (truncate up) needs no writes.

import { invariant, unreachable } from '../../core/assert.js';
import { RadosError } from '../../core/errors.js';
import type { ObjectMeta, ObjectView, TxnStep } from '../ops/types.js';
import {
  LMDB_KEY_MAX_BYTES,
  dataKey,
  decodeDataExtent,
  decodeOmapEntry,
  decodeOnodeKey,
  decodePg,
  decodePglogVersion,
  encodeHashedOmapValue,
  isHashedOnodeKey,
  metaKey,
  nidPrefix,
  omapKey,
  onodeKey,
  pgMetaKey,
  pgMetaPoolPrefix,
  pgMetaPrefix,
  pgPrefix,
  pglogKey,
  poolPrefix,
  prefixEnd,
  storeMetaKey,
  type Db,
} from './keys.js';
import { LayeredReader, WriteLayer, type Kv, type KvReader } from './kv.js';
import { STORE_LIMITS, type ObjectKey, type ObjectMutation, type ObjectStore, type StoreTxn } from './object-store.js';
import { cloneOnode, decodeOnode, encodeOnode, packr, type Onode } from './onode.js';
import { ReadChunkPool } from './read-chunks.js';

const STORE_FORMAT = 1;
const EMPTY = Buffer.alloc(0);
/** Reply buffers kept for reuse between reads (ReadChunkPool). */
const READ_CHUNKS_KEPT_BYTES = 64 * 1024 * 1024;
/**
 * Read pieces up to this size (a 4 KiB read) take chunks of exactly this size from a pool of
 * their own. A fresh Buffer per small read was a malloc and a free per op (glibc consolidating
 * its fast bins on each 4 KiB request) and external memory that forced V8 collections.
 */
const SMALL_READ_CHUNK_BYTES = 4096;
const SMALL_READ_CHUNKS_KEPT_BYTES = 8 * 1024 * 1024;
/** extent numbers are u32 */
const EXTENTS_MAX = 0x1_0000_0000;
/** listPgs visits one key per PG per table; more PGs than this on one OSD is a bug. */
const PGS_PER_OSD_MAX = 1_000_000;

export interface KvStoreOptions {
  /** Extent size for a new store; an existing store keeps the size it was created with. */
  readonly extentSizeBytes?: number;
}

interface Counters {
  nidNext: number;
  usedBytes: number;
  objects: number;
}

/** Mutable state while one txn is planned. */
interface Plan {
  readonly layer: WriteLayer;
  readonly reader: KvReader;
  readonly counters: Counters;
}

function isAllZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i += 1) if (b[i] !== 0) return false;
  return true;
}

function checkRange(offset: number, length: number, what: string): void {
  invariant(Number.isSafeInteger(offset) && offset >= 0, () => `${what}: offset is a non-negative safe integer`);
  invariant(Number.isSafeInteger(length) && length >= 0, () => `${what}: length is a non-negative safe integer`);
  invariant(Number.isSafeInteger(offset + length), () => `${what}: end is a safe integer`);
}

/** Reads clip to the object size, so a huge length (a u64 from the wire) is harmless. */
function checkReadRange(offset: number, length: number, what: string): void {
  invariant(Number.isFinite(offset) && offset >= 0 && Number.isFinite(length) && length >= 0, () => `${what}: offset and length are non-negative`);
}

export class KvObjectStore implements ObjectStore {
  readonly extentSizeBytes: number;
  private readonly counters: Counters;
  private closed = false;
  /** Up to 64 MiB of extent-sized reply buffers kept between reads (16 × 4 MiB in flight). */
  private readonly readChunks: ReadChunkPool;
  /** Up to 8 MiB of 4 KiB reply buffers kept between small reads. */
  private readonly smallReadChunks = new ReadChunkPool(SMALL_READ_CHUNK_BYTES, SMALL_READ_CHUNKS_KEPT_BYTES / SMALL_READ_CHUNK_BYTES);

  constructor(
    private readonly kv: Kv,
    opts: KvStoreOptions = {},
  ) {
    const format = this.readPacked(storeMetaKey('format')) as { v: number; extentSizeBytes: number } | undefined;
    if (format === undefined) {
      const extent = opts.extentSizeBytes ?? STORE_LIMITS.extentSizeBytesDefault;
      invariant(Number.isInteger(extent) && extent >= 512 && extent <= 16 * 1024 * 1024, 'extent size in [512 B, 16 MiB]');
      this.extentSizeBytes = extent;
      // Not awaited: the first apply or close() waits for it, like any other commit.
      // A failed commit poisons the medium (every later call throws), so nothing is lost here.
      kv.commit([{ db: 'meta', key: storeMetaKey('format'), value: packr.pack({ v: STORE_FORMAT, extentSizeBytes: extent }) }]).catch(
        () => undefined,
      );
    } else {
      invariant(format.v === STORE_FORMAT, `store format ${STORE_FORMAT}`);
      if (opts.extentSizeBytes !== undefined && opts.extentSizeBytes !== format.extentSizeBytes) {
        throw RadosError.from('EINVAL', `object store was created with ${format.extentSizeBytes}-byte extents, not ${opts.extentSizeBytes}`);
      }
      this.extentSizeBytes = format.extentSizeBytes;
    }
    this.readChunks = new ReadChunkPool(this.extentSizeBytes, Math.max(1, Math.floor(READ_CHUNKS_KEPT_BYTES / this.extentSizeBytes)));
    const stat = this.readPacked(storeMetaKey('statfs')) as { usedBytes: number; objects: number } | undefined;
    const nid = this.readPacked(storeMetaKey('nid')) as number | undefined;
    this.counters = { nidNext: nid ?? 1, usedBytes: stat?.usedBytes ?? 0, objects: stat?.objects ?? 0 };
  }

  view(key: ObjectKey): ObjectView {
    this.checkOpen();
    const encoded = onodeKey(key).key;
    const raw = this.kv.get('onode', encoded);
    return new KvObjectView(this.kv, this.extentSizeBytes, raw === undefined ? undefined : decodeOnode(raw), this.readChunks, this.smallReadChunks);
  }

  /** Gives back the buffers of a view's readDataParts once nothing reads them any more. */
  releaseReadParts(parts: readonly Buffer[]): void {
    for (const part of parts) if (!this.readChunks.give(part)) this.smallReadChunks.give(part);
  }

  /** Frees reply buffers that no read needed since the last call. */
  trimReadBuffers(): void {
    this.readChunks.trim();
    this.smallReadChunks.trim();
  }

  apply(txn: StoreTxn): Promise<void> {
    this.checkOpen();
    const layer = new WriteLayer();
    const plan: Plan = { layer, reader: new LayeredReader(layer, this.kv), counters: { ...this.counters } };
    for (const mutation of txn.objects) this.planObject(plan, mutation);
    for (const trim of txn.pgLogTrim ?? []) {
      const start = pgPrefix(trim.pool, trim.ps);
      const end = pglogKey(trim.pool, trim.ps, trim.toVersion + 1);
      for (const k of [...this.scanKeys(plan.reader, 'pglog', start, end)]) layer.put('pglog', k, null);
    }
    for (const e of txn.pgLog ?? []) layer.put('pglog', pglogKey(e.pool, e.ps, e.version), packr.pack(e.entry));
    for (const m of txn.pgMeta ?? []) layer.put('meta', pgMetaKey(m.pool, m.ps), packr.pack(m.value));
    for (const m of txn.meta ?? []) layer.put('meta', metaKey(m.key), packr.pack(m.value));
    this.planCounters(plan);
    return this.commit(plan);
  }

  listObjects(pool: number, ps: number, cursor: ObjectKey | undefined, max: number): ObjectKey[] {
    this.checkOpen();
    invariant(Number.isInteger(max) && max >= 0, 'listObjects: max is a non-negative integer');
    const prefix = pgPrefix(pool, ps);
    let start = prefix;
    if (cursor !== undefined) {
      invariant(cursor.pool === pool && cursor.ps === ps, 'listObjects: cursor is in the listed PG');
      start = onodeKey(cursor).key;
    }
    const out: ObjectKey[] = [];
    if (max === 0) return out;
    for (const key of this.scanKeys(this.kv, 'onode', start, prefixEnd(prefix))) {
      if (cursor !== undefined && key.equals(start)) continue;
      out.push(this.objectKeyOf(key));
      if (out.length >= max) break;
    }
    return out;
  }

  listPgs(): Array<{ pool: number; ps: number }> {
    this.checkOpen();
    const seen = new Map<string, { pool: number; ps: number }>();
    const skipScan = (db: Db, base: Buffer, prefixBytes: number): void => {
      let start: Buffer | undefined = base;
      const end = prefixEnd(base);
      for (let i = 0; start !== undefined; i += 1) {
        invariant(i < PGS_PER_OSD_MAX, 'listPgs: PG count within limit');
        const first: Buffer | undefined = this.firstKey(db, start, end);
        if (first === undefined) return;
        const pg = decodePg(first, prefixBytes);
        seen.set(`${pg.pool}.${pg.ps}`, pg);
        const next = prefixEnd(first.subarray(0, prefixBytes + 8));
        start = next !== undefined && (end === undefined || Buffer.compare(next, end) < 0) ? next : undefined;
      }
    };
    skipScan('onode', EMPTY, 0);
    skipScan('pglog', EMPTY, 0);
    skipScan('meta', pgMetaPrefix(), 1);
    return [...seen.values()].sort((a, b) => a.pool - b.pool || a.ps - b.ps);
  }

  readPgLog(pool: number, ps: number, afterVersion: number, max: number): Array<{ version: number; entry: unknown }> {
    this.checkOpen();
    invariant(Number.isInteger(max) && max >= 0, 'readPgLog: max is a non-negative integer');
    const prefix = pgPrefix(pool, ps);
    const start = afterVersion < 0 ? prefix : pglogKey(pool, ps, afterVersion + 1);
    const out: Array<{ version: number; entry: unknown }> = [];
    if (max === 0) return out;
    for (const [k, v] of this.kv.scan('pglog', start, prefixEnd(prefix))) {
      out.push({ version: decodePglogVersion(k), entry: packr.unpack(v) });
      if (out.length >= max) break;
    }
    return out;
  }

  getPgMeta(pool: number, ps: number): unknown {
    this.checkOpen();
    return this.readPacked(pgMetaKey(pool, ps));
  }

  getMeta(key: string): unknown {
    this.checkOpen();
    return this.readPacked(metaKey(key));
  }

  async removePool(pool: number): Promise<void> {
    this.checkOpen();
    const prefix = poolPrefix(pool);
    // Each round removes what it sees; the loop ends when a scan finds nothing left.
    for (;;) {
      const keys: ObjectKey[] = [];
      for (const k of this.scanKeys(this.kv, 'onode', prefix, prefixEnd(prefix))) {
        keys.push(this.objectKeyOf(k));
        if (keys.length >= STORE_LIMITS.removePoolObjectsPerTxn) break;
      }
      if (keys.length === 0) break;
      await this.apply({ objects: keys.map((key) => ({ key, steps: [{ t: 'remove' }], meta: undefined })) });
    }
    for (const [db, base] of [['pglog', prefix], ['meta', pgMetaPoolPrefix(pool)]] as const) {
      for (;;) {
        const layer = new WriteLayer();
        let n = 0;
        for (const k of this.scanKeys(this.kv, db, base, prefixEnd(base))) {
          layer.put(db, k, null);
          n += 1;
          if (n >= STORE_LIMITS.removePoolRecordsPerTxn) break;
        }
        if (n === 0) break;
        await this.commit({ layer, reader: new LayeredReader(layer, this.kv), counters: { ...this.counters } });
      }
    }
  }

  statfs(): { usedBytes: number; objects: number } {
    return { usedBytes: this.counters.usedBytes, objects: this.counters.objects };
  }

  /** Flush requests made to the medium so far (group-commit evidence). */
  get flushCount(): number {
    return this.kv.flushCount;
  }

  /** Most value bytes handed to the medium and not yet durable at one time (bounded-memory evidence). */
  get peakValueBytesInFlight(): number | undefined {
    return this.kv.peakValueBytesInFlight;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.kv.close();
  }

  // ---- planning ------------------------------------------------------------------------------

  private planObject(plan: Plan, m: ObjectMutation): void {
    const { key: okey, hashed } = onodeKey(m.key);
    const priorRaw = plan.reader.get('onode', okey);
    const prior = priorRaw === undefined ? undefined : decodeOnode(priorRaw);
    let cur = prior === undefined ? undefined : cloneOnode(prior);
    const fresh = (): Onode => {
      const nid = plan.counters.nidNext;
      plan.counters.nidNext += 1;
      return {
        nid,
        size: 0,
        mtime: { sec: 0, nsec: 0 },
        userVersion: 0,
        xattrs: new Map(),
        omapHeader: EMPTY,
        name: hashed ? { ...m.key } : undefined,
      };
    };
    for (const step of m.steps) {
      if (step.t === 'remove') {
        if (cur !== undefined) this.dropContents(plan, cur);
        cur = undefined;
        continue;
      }
      cur ??= fresh();
      this.planStep(plan, cur, step);
    }
    if (m.meta === undefined) {
      invariant(cur === undefined, () => `txn leaves ${m.key.oid} present but its meta says absent`);
      if (prior !== undefined) {
        plan.layer.put('onode', okey, null);
        plan.counters.objects -= 1;
        plan.counters.usedBytes -= prior.size;
      }
      return;
    }
    cur ??= fresh();
    this.checkMeta(m.meta, cur, m.key.oid);
    cur.mtime = { sec: m.meta.mtime.sec, nsec: m.meta.mtime.nsec };
    cur.userVersion = m.meta.userVersion;
    plan.layer.put('onode', okey, encodeOnode(cur));
    plan.counters.objects += prior === undefined ? 1 : 0;
    plan.counters.usedBytes += cur.size - (prior?.size ?? 0);
  }

  private checkMeta(meta: ObjectMeta, cur: Onode, oid: string): void {
    invariant(meta.size === cur.size, () => `meta size ${meta.size} of ${oid} matches the size its steps produce (${cur.size})`);
    invariant(Number.isSafeInteger(meta.userVersion) && meta.userVersion >= 0, 'userVersion is a non-negative safe integer');
    invariant(Number.isSafeInteger(meta.mtime.sec) && Number.isInteger(meta.mtime.nsec), 'mtime is integral');
  }

  private planStep(plan: Plan, cur: Onode, step: Exclude<TxnStep, { t: 'remove' }>): void {
    switch (step.t) {
      case 'create':
        return;
      case 'write':
        this.writeData(plan, cur, step.offset, step.data);
        return;
      case 'zero':
        this.zeroData(plan, cur, step.offset, step.length);
        return;
      case 'truncate':
        this.truncateData(plan, cur, step.size);
        return;
      case 'setxattr':
        cur.xattrs.set(step.name, Buffer.from(step.value));
        return;
      case 'rmxattr':
        cur.xattrs.delete(step.name);
        return;
      case 'omap_set':
        for (const [k, v] of step.entries) {
          const { key, hashed } = omapKey(cur.nid, k);
          plan.layer.put('omap', key, hashed ? encodeHashedOmapValue(k, v) : Buffer.from(v));
        }
        return;
      case 'omap_rm':
        for (const k of step.keys) plan.layer.put('omap', omapKey(cur.nid, k).key, null);
        return;
      case 'omap_rm_range': {
        const start = omapKey(cur.nid, step.begin).key;
        const end = omapKey(cur.nid, step.end).key;
        if (Buffer.compare(start, end) >= 0) return;
        for (const k of [...this.scanKeys(plan.reader, 'omap', start, end)]) plan.layer.put('omap', k, null);
        return;
      }
      case 'omap_clear':
        this.dropOmap(plan, cur.nid);
        cur.omapHeader = EMPTY;
        return;
      case 'omap_set_header':
        cur.omapHeader = Buffer.from(step.value);
        return;
      default:
        unreachable(step, 'unknown txn step');
    }
  }

  private extentRange(offset: number, end: number): { first: number; last: number } {
    const first = Math.floor(offset / this.extentSizeBytes);
    const last = Math.floor((end - 1) / this.extentSizeBytes);
    invariant(last < EXTENTS_MAX, 'extent number fits u32');
    return { first, last };
  }

  private writeData(plan: Plan, cur: Onode, offset: number, data: Buffer): void {
    checkRange(offset, data.length, 'write');
    if (data.length === 0) return;
    const E = this.extentSizeBytes;
    const end = offset + data.length;
    const { first, last } = this.extentRange(offset, end);
    for (let e = first; e <= last; e += 1) {
      const base = e * E;
      const from = Math.max(offset, base) - base;
      const to = Math.min(end, base + E) - base;
      const src = data.subarray(base + from - offset, base + to - offset);
      const key = dataKey(cur.nid, e);
      let next: Buffer;
      // A whole-extent write keeps a view of the caller's bytes: TxnStep data is immutable by
      // contract (it comes from a decoded frame), and lmdb copies it into its own pages anyway.
      if (from === 0 && to === E) next = src;
      else {
        const old = plan.reader.getTransient('data', key) ?? EMPTY;
        next = Buffer.alloc(Math.max(old.length, to));
        old.copy(next, 0);
        src.copy(next, from);
      }
      plan.layer.put('data', key, next);
    }
    cur.size = Math.max(cur.size, end);
  }

  private zeroData(plan: Plan, cur: Onode, offset: number, length: number): void {
    checkRange(offset, length, 'zero');
    invariant(offset + length <= cur.size, 'zero stays inside the object size');
    if (length === 0) return;
    const E = this.extentSizeBytes;
    const end = offset + length;
    const { first, last } = this.extentRange(offset, end);
    for (let e = first; e <= last; e += 1) {
      const base = e * E;
      const from = Math.max(offset, base) - base;
      const to = Math.min(end, base + E) - base;
      const key = dataKey(cur.nid, e);
      const old = plan.reader.get('data', key);
      if (old === undefined || from >= old.length) continue;
      // Bytes past a stored extent's end read as zeros, so zeroing a tail just shortens it.
      const next = to >= old.length ? old.subarray(0, from) : old.fill(0, from, to);
      plan.layer.put('data', key, next.length === 0 || isAllZero(next) ? null : Buffer.from(next));
    }
  }

  private truncateData(plan: Plan, cur: Onode, size: number): void {
    invariant(Number.isSafeInteger(size) && size >= 0, 'truncate size is a non-negative safe integer');
    if (size < cur.size) {
      const E = this.extentSizeBytes;
      const firstDropped = Math.ceil(size / E);
      invariant(firstDropped <= EXTENTS_MAX, 'truncate extent fits');
      const start = firstDropped < EXTENTS_MAX ? dataKey(cur.nid, firstDropped) : prefixEnd(nidPrefix(cur.nid));
      const stop = prefixEnd(nidPrefix(cur.nid));
      if (start !== undefined) {
        for (const k of [...this.scanKeys(plan.reader, 'data', start, stop)]) plan.layer.put('data', k, null);
      }
      const keep = size % E;
      if (keep !== 0) {
        const key = dataKey(cur.nid, Math.floor(size / E));
        const old = plan.reader.get('data', key);
        if (old !== undefined && old.length > keep) {
          const next = old.subarray(0, keep);
          plan.layer.put('data', key, isAllZero(next) ? null : Buffer.from(next));
        }
      }
    }
    cur.size = size;
  }

  private dropOmap(plan: Plan, nid: number): void {
    const prefix = nidPrefix(nid);
    for (const k of [...this.scanKeys(plan.reader, 'omap', prefix, prefixEnd(prefix))]) plan.layer.put('omap', k, null);
  }

  private dropContents(plan: Plan, cur: Onode): void {
    const prefix = nidPrefix(cur.nid);
    for (const k of [...this.scanKeys(plan.reader, 'data', prefix, prefixEnd(prefix))]) plan.layer.put('data', k, null);
    this.dropOmap(plan, cur.nid);
  }

  private planCounters(plan: Plan): void {
    const c = plan.counters;
    invariant(c.objects >= 0 && c.usedBytes >= 0, 'statfs counters stay non-negative');
    if (c.nidNext !== this.counters.nidNext) plan.layer.put('meta', storeMetaKey('nid'), packr.pack(c.nidNext));
    if (c.objects !== this.counters.objects || c.usedBytes !== this.counters.usedBytes) {
      plan.layer.put('meta', storeMetaKey('statfs'), packr.pack({ usedBytes: c.usedBytes, objects: c.objects }));
    }
  }

  private commit(plan: Plan): Promise<void> {
    const writes = plan.layer.writes();
    for (const w of writes) invariant(w.key.length <= LMDB_KEY_MAX_BYTES, () => `${w.db} key of ${w.key.length} bytes fits lmdb`);
    const durable = this.kv.commit(writes);
    Object.assign(this.counters, plan.counters);
    return durable;
  }

  // ---- reading helpers -----------------------------------------------------------------------

  private *scanKeys(reader: KvReader, db: Db, start: Buffer, end: Buffer | undefined): Generator<Buffer> {
    for (const [k] of reader.scan(db, start, end)) yield k;
  }

  private firstKey(db: Db, start: Buffer, end: Buffer | undefined): Buffer | undefined {
    for (const k of this.scanKeys(this.kv, db, start, end)) return k;
    return undefined;
  }

  private objectKeyOf(onodeKeyBytes: Buffer): ObjectKey {
    if (!isHashedOnodeKey(onodeKeyBytes)) return decodeOnodeKey(onodeKeyBytes);
    const raw = this.kv.get('onode', onodeKeyBytes);
    invariant(raw !== undefined, 'listed onode exists');
    const name = decodeOnode(raw).name;
    invariant(name !== undefined, 'a digested onode key has its full name in the value');
    return name;
  }

  private readPacked(key: Buffer): unknown {
    const raw = this.kv.get('meta', key);
    return raw === undefined ? undefined : packr.unpack(raw);
  }

  private checkOpen(): void {
    if (this.closed) throw RadosError.from('ESHUTDOWN', 'object store is closed');
  }
}

/** A view reads the onode once, then data and omap from the store as it is when asked. */
class KvObjectView implements ObjectView {
  readonly meta: ObjectMeta | undefined;

  constructor(
    private readonly kv: KvReader,
    private readonly extentSizeBytes: number,
    private readonly onode: Onode | undefined,
    private readonly readChunks: ReadChunkPool,
    private readonly smallReadChunks: ReadChunkPool,
  ) {
    this.meta = onode === undefined ? undefined : { size: onode.size, mtime: { ...onode.mtime }, userVersion: onode.userVersion };
  }

  readData(offset: number, length: number): Buffer {
    checkReadRange(offset, length, 'readData');
    const end = this.readEnd(offset, length);
    if (offset >= end) return Buffer.alloc(0);
    // Unzeroed: every byte is either copied from an extent or explicitly zeroed as a hole.
    const out = Buffer.allocUnsafe(end - offset);
    this.visitRange(
      offset,
      end,
      // Uint8Array.set, not Buffer.copy: lmdb's reusable buffer reports a shortened `length`
      // that Buffer.copy's bounds arithmetic does not honour.
      (from, bytes) => out.set(bytes, from - offset),
      (from, to) => out.fill(0, from - offset, to - offset),
    );
    return out;
  }

  /**
   * readData's bytes without joining them: each stored extent is copied into a pooled chunk (a
   * piece over 4 KiB and under a quarter of an extent into a Buffer of its own), and each hole
   * is one zeroed Buffer. Give the parts back with KvObjectStore.releaseReadParts once their
   * bytes are sent; until then nothing else writes to them.
   */
  readDataParts(offset: number, length: number): Buffer[] {
    checkReadRange(offset, length, 'readDataParts');
    const end = this.readEnd(offset, length);
    const parts: Buffer[] = [];
    if (offset >= end) return parts;
    this.visitRange(
      offset,
      end,
      (_from, bytes) => {
        // A small piece must not hold a whole extent-sized chunk (64 KiB per 4 KiB read): up to
        // 4 KiB it takes a small chunk, and between that and a quarter extent a Buffer of its own.
        const small = bytes.length <= SMALL_READ_CHUNK_BYTES;
        if (!small && bytes.length < this.extentSizeBytes / 4) {
          parts.push(Buffer.from(bytes));
          return;
        }
        const chunk = small ? this.smallReadChunks.take() : this.readChunks.take();
        invariant(chunk.length >= bytes.length, 'a read chunk holds an extent');
        chunk.set(bytes, 0);
        parts.push(chunk.subarray(0, bytes.length));
      },
      (from, to) => parts.push(Buffer.alloc(to - from)),
    );
    return parts;
  }

  prefetchData(offset: number, length: number): Promise<void> {
    const end = this.readEnd(offset, length);
    const o = this.onode;
    if (this.kv.prefetch === undefined || o === undefined || end - offset < STORE_LIMITS.prefetchMinBytes) return Promise.resolve();
    const E = this.extentSizeBytes;
    const keys: Buffer[] = [];
    for (let e = Math.floor(offset / E); e * E < end; e += 1) keys.push(dataKey(o.nid, e));
    return this.kv.prefetch('data', keys);
  }

  /** Where a read of [offset, offset+length) ends: clipped to the object (offset when absent). */
  private readEnd(offset: number, length: number): number {
    return this.onode === undefined ? offset : Math.min(this.onode.size, offset + length);
  }

  /**
   * Walks [offset, end) in order: `stored` gets each stored extent's covered bytes (possibly
   * lmdb's shared read buffer, valid only until the next read: copy them out), `hole` each gap.
   */
  private visitRange(offset: number, end: number, stored: (from: number, bytes: Buffer) => void, hole: (from: number, to: number) => void): void {
    const o = this.onode;
    invariant(o !== undefined && end <= o.size, 'a visited range lies inside an existing object');
    const E = this.extentSizeBytes;
    let filled = offset;
    for (let e = Math.floor(offset / E); e * E < end; e += 1) {
      const base = e * E;
      const extent = this.kv.getTransient('data', dataKey(o.nid, e));
      if (extent === undefined) continue;
      invariant(extent.length <= E && base + extent.length <= o.size, 'stored extent lies inside extent and object');
      const from = Math.max(offset, base);
      const to = Math.min(end, base + extent.length);
      if (to <= from) continue;
      if (from > filled) hole(filled, from);
      stored(from, extent.subarray(from - base, to - base));
      filled = to;
    }
    if (filled < end) hole(filled, end);
  }

  dataExtents(offset: number, length: number): Array<[number, number]> {
    checkReadRange(offset, length, 'dataExtents');
    const o = this.onode;
    if (o === undefined) return [];
    const end = Math.min(o.size, offset + length);
    if (offset >= end) return [];
    const E = this.extentSizeBytes;
    const out: Array<[number, number]> = [];
    const start = dataKey(o.nid, Math.floor(offset / E));
    const stop = prefixEnd(nidPrefix(o.nid));
    for (const [k, v] of this.kv.scan('data', start, stop)) {
      const base = decodeDataExtent(k) * E;
      if (base >= end) break;
      const from = Math.max(offset, base);
      const to = Math.min(end, base + v.length);
      if (to <= from) continue;
      const last = out.at(-1);
      if (last !== undefined && last[0] + last[1] === from) last[1] += to - from;
      else out.push([from, to - from]);
    }
    return out;
  }

  getXattr(name: string): Buffer | undefined {
    const v = this.onode?.xattrs.get(name);
    return v === undefined ? undefined : Buffer.from(v);
  }

  xattrs(): Array<[string, Buffer]> {
    // Stored sorted by UTF-8 bytes (encodeOnode); the Map keeps that order.
    return [...(this.onode?.xattrs ?? new Map<string, Buffer>()).entries()].map(([k, v]) => [k, Buffer.from(v)]);
  }

  omapHeader(): Buffer {
    return Buffer.from(this.onode?.omapHeader ?? EMPTY);
  }

  omapGet(key: string): Buffer | undefined {
    const o = this.onode;
    if (o === undefined) return undefined;
    const { key: stored } = omapKey(o.nid, key);
    const raw = this.kv.get('omap', stored);
    if (raw === undefined) return undefined;
    const [fullKey, value] = decodeOmapEntry(stored, raw);
    return fullKey === key ? value : undefined;
  }

  omapRange(startAfter: string, limit: number): Array<[string, Buffer]> {
    invariant(Number.isInteger(limit) && limit >= 0, 'omapRange: limit is a non-negative integer');
    const o = this.onode;
    const out: Array<[string, Buffer]> = [];
    if (o === undefined || limit === 0) return out;
    const prefix = nidPrefix(o.nid);
    const start = startAfter === '' ? prefix : omapKey(o.nid, startAfter).key;
    for (const [k, v] of this.kv.scan('omap', start, prefixEnd(prefix))) {
      const entry = decodeOmapEntry(k, v);
      if (startAfter !== '' && (k.equals(start) || entry[0] === startAfter)) continue;
      out.push(entry);
      if (out.length >= limit) break;
    }
    return out;
  }
}
