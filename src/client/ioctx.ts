// IoCtx: object I/O on one pool (and namespace / locator key), as librados' IoCtx.
// Every method is one compound op; failures reject with RadosError naming the op and object.
import { RadosError, ERRNO } from '../core/errors.js';
import { invariant } from '../core/assert.js';
import { ALL_NSPACES } from '../proto/messages.js';
import { CHECKSUM_TYPE, type SubOpOut, type SubOpResult, type Timespec } from '../osd/ops/types.js';
import { ReadOp, WriteOp, toBuf } from './ops.js';
import type { PoolStat, Rados } from './rados.js';

export { ALL_NSPACES };

/** librados refuses these client-side, before contacting the cluster. */
const MAX_WRITE_LEN = 2147483647; // UINT_MAX/2 → E2BIG
const MAX_READ_LEN = 2147483647; // INT_MAX → EDOM

export interface OpOptions {
  readonly signal?: AbortSignal;
}

/**
 * A compound op that failed as a whole. Besides the errno it carries what librados leaves in the
 * prvals: per-sub-op results (the failing sub-op holds the negative value, e.g. cmpext's
 * -(4095 + i)) and the version the OSD reported (a lower bound after ENOENT).
 */
export class OperateError extends RadosError {
  constructor(
    errno: number,
    message: string,
    readonly results: readonly SubOpResult[],
    readonly version: number,
  ) {
    super(errno, message);
  }
}

/** Ceph's MAX_ERRNO: a cmpext mismatch at index i is reported as -(4095 + i). */
const MAX_ERRNO = 4095;

/** The index of the first mismatching byte of a failed cmpext (its errno is 4095 + index). */
export function cmpExtMismatchIndex(err: unknown): number | undefined {
  return RadosError.is(err) && err.errno >= MAX_ERRNO ? err.errno - MAX_ERRNO : undefined;
}

export type ChecksumName = 'xxhash32' | 'xxhash64' | 'crc32c';

export interface ChecksumOptions {
  /** Seed (default 0; Ceph callers of crc32c usually pass 0xffffffff). */
  readonly init?: number | bigint;
  /** offset 0 and length 0 = the whole object. */
  readonly offset?: number;
  readonly length?: number;
  /** > 0: one checksum per chunk (length must be a multiple). */
  readonly chunkSize?: number;
  readonly signal?: AbortSignal;
}

export interface CopySource {
  /** Pool name or id. */
  readonly pool: string | number;
  readonly oid: string;
  readonly namespace?: string;
  readonly locator?: string;
  /** Expected user_version of the source (0 = any). */
  readonly version?: number;
}

export interface OperateResult {
  /** Overall return value (≥ 0). */
  readonly ret: number;
  /** The object's user_version after the op. */
  readonly version: number;
  /** Per-sub-op results (librados prval + output), in sub-op order. */
  readonly results: readonly SubOpResult[];
}

export interface ObjectStat {
  readonly size: number;
  readonly mtime: Date;
  readonly mtimeSpec: Timespec;
}

/** librados stat2: the mtime with nanosecond precision. */
export interface ObjectStat2 {
  readonly size: number;
  readonly mtime: Timespec;
  /** mtime as nanoseconds since the epoch. */
  readonly mtimeNs: bigint;
}

export interface SparseReadResult {
  /** Allocated extents as [offset, length], ascending. */
  readonly extents: ReadonlyArray<readonly [number, number]>;
  /** The extents' bytes, concatenated. */
  readonly data: Buffer;
}

export interface ListPage {
  readonly entries: readonly ListedObject[];
  /** Cursor for the next page; undefined when the listing is complete. */
  readonly next: string | undefined;
}

export interface ListedObject {
  readonly name: string;
  readonly namespace: string;
  readonly locator: string;
}

export class IoCtx {
  private namespace = '';
  private locator = '';
  private lastVersion = 0;
  private assertVersionNext: number | undefined;

  constructor(
    private readonly rados: Rados,
    readonly poolId: number,
    readonly poolName: string,
  ) {}

  setNamespace(ns: string): this {
    this.namespace = ns;
    return this;
  }
  getNamespace(): string {
    return this.namespace;
  }
  setLocatorKey(key: string): this {
    this.locator = key;
    return this;
  }
  /** The user_version reported by the last completed op on this IoCtx (librados get_last_version). */
  getLastVersion(): number {
    return this.lastVersion;
  }
  /** Makes the next op carry assert_version(v) (librados set_assert_version). */
  setAssertVersion(version: number): this {
    this.assertVersionNext = version;
    return this;
  }

  /** Sends a compound op; rejects with RadosError when the op fails as a whole. */
  async operate(oid: string, op: ReadOp | WriteOp, opts: OpOptions = {}): Promise<OperateResult> {
    return this.operateInto(oid, op, opts, undefined);
  }

  /** operate(), with a buffer the reply's read data may be received into (see readInto). */
  private async operateInto(oid: string, op: ReadOp | WriteOp, opts: OpOptions, rxBuffer: Buffer | undefined): Promise<OperateResult> {
    if (op.length === 0) return { ret: 0, version: this.lastVersion, results: [] };
    if (this.namespace === ALL_NSPACES) throw RadosError.from('EINVAL', `op on ${oid}: namespace ALL_NSPACES is for listing only`);
    let ops = op.ops;
    if (this.assertVersionNext !== undefined) {
      ops = [{ op: 'assert_version', version: this.assertVersionNext }, ...ops];
      this.assertVersionNext = undefined;
    }
    const reply = await this.rados.objecter.op(
      { pool: this.poolId, namespace: this.namespace, oid, locator: this.locator },
      ops,
      op.operationFlags,
      opts.signal,
      rxBuffer,
    );
    this.lastVersion = reply.version;
    // Results of an injected assert_version are internal.
    const results = ops.length > op.ops.length ? reply.results.slice(1) : reply.results;
    if (reply.ret < 0) throw new OperateError(-reply.ret, `${describe(op)} ${this.poolName}/${oid}`, results, reply.version);
    return { ret: reply.ret, version: reply.version, results };
  }

  private async one(oid: string, op: ReadOp | WriteOp, opts: OpOptions): Promise<SubOpOut | undefined> {
    const r = await this.operate(oid, op, opts);
    return r.results[0]?.out;
  }

  async write(oid: string, data: Buffer | string, offset = 0, opts: OpOptions = {}): Promise<void> {
    const b = toBuf(data);
    if (b.length > MAX_WRITE_LEN) throw RadosError.from('E2BIG', `write ${oid}`);
    await this.operate(oid, new WriteOp().write(b, offset), opts);
  }
  async writeFull(oid: string, data: Buffer | string, opts: OpOptions = {}): Promise<void> {
    const b = toBuf(data);
    if (b.length > MAX_WRITE_LEN) throw RadosError.from('E2BIG', `write_full ${oid}`);
    await this.operate(oid, new WriteOp().writeFull(b), opts);
  }
  async append(oid: string, data: Buffer | string, opts: OpOptions = {}): Promise<void> {
    const b = toBuf(data);
    if (b.length > MAX_WRITE_LEN) throw RadosError.from('E2BIG', `append ${oid}`);
    await this.operate(oid, new WriteOp().append(b), opts);
  }
  /** Repeats `data` over `length` bytes at `offset` (length a multiple of the pattern length). */
  async writeSame(oid: string, data: Buffer | string, length: number, offset = 0, opts: OpOptions = {}): Promise<void> {
    const b = toBuf(data);
    if (b.length > MAX_WRITE_LEN || length > MAX_WRITE_LEN) throw RadosError.from('E2BIG', `writesame ${oid}`);
    await this.operate(oid, new WriteOp().writeSame(b, length, offset), opts);
  }
  /** Reads [offset, offset+length); length 0 or absent reads to the end of the object. */
  async read(oid: string, range: { offset?: number; length?: number } & OpOptions = {}): Promise<Buffer> {
    const length = range.length ?? 0;
    if (length > MAX_READ_LEN) throw RadosError.from('EDOM', `read ${oid}`);
    const out = await this.one(oid, new ReadOp().read(range.offset ?? 0, length), range);
    return out?.kind === 'data' ? out.data : Buffer.alloc(0);
  }
  /**
   * Reads up to `buffer.length` bytes at `offset` into `buffer` and resolves to the number of
   * bytes read (fewer at the end of the object), like librados' rados_read(). A big read is
   * received straight from the socket into `buffer`: no allocation and no copy per read, so a
   * caller that reuses its buffers reads at the speed of the network. The buffer is the
   * connection's until the call settles (one call per buffer at a time); once it has settled,
   * even by an abort, nothing writes to it again. ERANGE if the OSD returned more than fits (as
   * rados_read does for a zero-length buffer and a non-empty object).
   */
  async readInto(oid: string, buffer: Buffer, opts: { offset?: number } & OpOptions = {}): Promise<number> {
    if (buffer.length > MAX_READ_LEN) throw RadosError.from('EDOM', `read ${oid}`);
    const reply = await this.operateInto(oid, new ReadOp().read(opts.offset ?? 0, buffer.length), opts, buffer);
    const out = reply.results[0]?.out;
    if (out?.kind !== 'data') return 0;
    const data = out.data;
    if (data.length > buffer.length) throw RadosError.from('ERANGE', `read ${this.poolName}/${oid}: ${data.length} bytes for a ${buffer.length}-byte buffer`);
    // Small replies (and any the connection could not place) arrive in buffers of their own.
    if (data.buffer !== buffer.buffer || data.byteOffset !== buffer.byteOffset) data.copy(buffer, 0);
    return data.length;
  }
  /** Allocated extents in [offset, offset+length) and their bytes; length 0 = to the end. */
  async sparseRead(oid: string, range: { offset?: number; length?: number } & OpOptions = {}): Promise<SparseReadResult> {
    const length = range.length ?? 0;
    if (length > MAX_READ_LEN) throw RadosError.from('EDOM', `sparse_read ${oid}`);
    const out = await this.one(oid, new ReadOp().sparseRead(range.offset ?? 0, length), range);
    invariant(out?.kind === 'extents', 'sparse_read returns extents');
    return { extents: out.extents, data: out.data };
  }
  async stat2(oid: string, opts: OpOptions = {}): Promise<ObjectStat2> {
    const out = await this.one(oid, new ReadOp().stat(), opts);
    invariant(out?.kind === 'stat', 'stat returns size and mtime');
    return { size: out.size, mtime: out.mtime, mtimeNs: BigInt(out.mtime.sec) * 1_000_000_000n + BigInt(out.mtime.nsec) };
  }
  async stat(oid: string, opts: OpOptions = {}): Promise<ObjectStat> {
    const out = await this.one(oid, new ReadOp().stat(), opts);
    invariant(out?.kind === 'stat', 'stat returns size and mtime');
    return { size: out.size, mtime: new Date(out.mtime.sec * 1000 + Math.floor(out.mtime.nsec / 1e6)), mtimeSpec: out.mtime };
  }
  async truncate(oid: string, size: number, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new WriteOp().truncate(size), opts);
  }
  async zero(oid: string, offset: number, length: number, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new WriteOp().zero(offset, length), opts);
  }
  async remove(oid: string, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new WriteOp().remove(), opts);
  }
  async create(oid: string, opts: { exclusive?: boolean } & OpOptions = {}): Promise<void> {
    await this.operate(oid, new WriteOp().create(opts.exclusive ?? true), opts);
  }
  async setAllocHint(oid: string, objectSize: number, writeSize: number, opts: OpOptions & { flags?: number } = {}): Promise<void> {
    await this.operate(oid, new WriteOp().setAllocHint(objectSize, writeSize, opts.flags ?? 0), opts);
  }

  /**
   * Compares the object's bytes at `offset` with `data` (bytes past the end count as zero).
   * A mismatch at index i rejects with errno 4095 + i (see cmpExtMismatchIndex).
   */
  async cmpExt(oid: string, offset: number, data: Buffer | string, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new ReadOp().cmpExt(offset, data), opts);
  }

  /**
   * Checksums of a range (offset 0 + length 0 = whole object): one value, or one per chunk.
   * xxhash64 values are bigints, the 32-bit ones numbers.
   */
  async checksum(oid: string, type: 'xxhash64', opts?: ChecksumOptions): Promise<bigint[]>;
  async checksum(oid: string, type: 'xxhash32' | 'crc32c', opts?: ChecksumOptions): Promise<number[]>;
  async checksum(oid: string, type: ChecksumName, opts: ChecksumOptions = {}): Promise<number[] | bigint[]> {
    const code = type === 'xxhash32' ? CHECKSUM_TYPE.XXHASH32 : type === 'xxhash64' ? CHECKSUM_TYPE.XXHASH64 : CHECKSUM_TYPE.CRC32C;
    const wide = code === CHECKSUM_TYPE.XXHASH64;
    const init = Buffer.alloc(wide ? 8 : 4);
    const seed = BigInt(opts.init ?? 0);
    if (wide) init.writeBigUInt64LE(BigInt.asUintN(64, seed));
    else init.writeUInt32LE(Number(BigInt.asUintN(32, seed)));
    const length = opts.length ?? 0;
    if (length > MAX_READ_LEN) throw RadosError.from('EDOM', `checksum ${oid}`);
    const out = await this.one(oid, new ReadOp().checksum(code, init, opts.offset ?? 0, length, opts.chunkSize ?? 0), opts);
    invariant(out?.kind === 'checksums', 'checksum returns checksum values');
    return wide ? out.checksums.map((b) => b.readBigUInt64LE(0)) : out.checksums.map((b) => b.readUInt32LE(0));
  }

  /** Replaces `oid` with a copy of another object (data, xattrs, omap, header), possibly in another pool. */
  async copyFrom(oid: string, src: CopySource, opts: OpOptions = {}): Promise<void> {
    const pool = typeof src.pool === 'number' ? src.pool : await this.rados.poolLookup(src.pool);
    await this.operate(
      oid,
      new WriteOp().copyFrom({
        pool,
        oid: src.oid,
        namespace: src.namespace ?? this.namespace,
        locator: src.locator ?? '',
        ...(src.version !== undefined ? { version: src.version } : {}),
      }),
      opts,
    );
  }

  /** Guard: resolves when `value OP stored` holds, rejects with ECANCELED when it does not (U64 mode for numbers). */
  async cmpXattr(oid: string, name: string, cmp: number, value: Buffer | string | number | bigint, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new ReadOp().cmpXattr(name, cmp, value), opts);
  }

  /** Guard: resolves when `stored OP given` holds for every key (EQ, LT, GT only), else ECANCELED. */
  async omapCmp(oid: string, assertions: ReadonlyArray<readonly [string, Buffer | string, number]>, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new ReadOp().omapCmp(assertions), opts);
  }

  async setXattr(oid: string, name: string, value: Buffer | string, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new WriteOp().setXattr(name, value), opts);
  }
  async getXattr(oid: string, name: string, opts: OpOptions = {}): Promise<Buffer> {
    const out = await this.one(oid, new ReadOp().getXattr(name), opts);
    return out?.kind === 'data' ? out.data : Buffer.alloc(0);
  }
  async getXattrs(oid: string, opts: OpOptions = {}): Promise<Map<string, Buffer>> {
    const out = await this.one(oid, new ReadOp().getXattrs(), opts);
    return new Map(out?.kind === 'xattrs' ? out.xattrs.map(([k, v]) => [k, v] as [string, Buffer]) : []);
  }
  async rmXattr(oid: string, name: string, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new WriteOp().rmXattr(name), opts);
  }

  async omapSet(oid: string, entries: ReadonlyMap<string, Buffer | string> | Record<string, Buffer | string>, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new WriteOp().omapSet(entries), opts);
  }
  async omapSetHeader(oid: string, value: Buffer | string, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new WriteOp().omapSetHeader(value), opts);
  }
  async omapGetHeader(oid: string, opts: OpOptions = {}): Promise<Buffer> {
    const out = await this.one(oid, new ReadOp().omapGetHeader(), opts);
    return out?.kind === 'data' ? out.data : Buffer.alloc(0);
  }
  async omapGetVals(
    oid: string,
    q: { startAfter?: string; prefix?: string; max?: number } & OpOptions = {},
  ): Promise<{ entries: Map<string, Buffer>; more: boolean }> {
    const out = await this.one(oid, new ReadOp().omapGetVals(q), q);
    if (out?.kind !== 'vals') return { entries: new Map(), more: false };
    return { entries: new Map(out.entries.map(([k, v]) => [k, v] as [string, Buffer])), more: out.more };
  }
  async omapGetKeys(oid: string, q: { startAfter?: string; max?: number } & OpOptions = {}): Promise<{ keys: string[]; more: boolean }> {
    const out = await this.one(oid, new ReadOp().omapGetKeys(q), q);
    return out?.kind === 'keys' ? { keys: [...out.keys], more: out.more } : { keys: [], more: false };
  }
  async omapGetValsByKeys(oid: string, keys: readonly string[], opts: OpOptions = {}): Promise<Map<string, Buffer>> {
    const out = await this.one(oid, new ReadOp().omapGetValsByKeys(keys), opts);
    return new Map(out?.kind === 'vals' ? out.entries.map(([k, v]) => [k, v] as [string, Buffer]) : []);
  }
  /** Every omap entry, paging with start_after while the OSD says there is more. */
  async *omapIterate(oid: string, q: { prefix?: string; pageSize?: number } & OpOptions = {}): AsyncGenerator<[string, Buffer]> {
    let startAfter = '';
    for (;;) {
      const { entries, more } = await this.omapGetVals(oid, { startAfter, max: q.pageSize ?? 1024, ...(q.prefix ? { prefix: q.prefix } : {}), ...(q.signal ? { signal: q.signal } : {}) });
      for (const e of entries) {
        startAfter = e[0];
        yield e;
      }
      if (!more || entries.size === 0) return;
    }
  }
  async omapRmKeys(oid: string, keys: readonly string[], opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new WriteOp().omapRmKeys(keys), opts);
  }
  async omapRmRange(oid: string, begin: string, end: string, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new WriteOp().omapRmRange(begin, end), opts);
  }
  async omapClear(oid: string, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new WriteOp().omapClear(), opts);
  }

  /** Calls an object class method; `ret` is the method's return value, `out` its output. */
  async exec(oid: string, cls: string, method: string, input: Buffer | string = Buffer.alloc(0), opts: OpOptions = {}): Promise<{ ret: number; out: Buffer }> {
    const op = new WriteOp().exec(cls, method, input);
    const r = await this.operate(oid, op, opts);
    const first = r.results[0];
    return { ret: first?.ret ?? r.ret, out: first?.out?.kind === 'data' ? first.out.data : Buffer.alloc(0) };
  }

  /**
   * Every object of the pool (in this IoCtx's namespace, or all with ALL_NSPACES), PG by PG in
   * PG order, within a PG in the store's hash order. `cursor` (from listObjectsPage) resumes.
   */
  async *listObjects(opts: OpOptions & { pageSize?: number; cursor?: string } = {}): AsyncGenerator<ListedObject> {
    const pageSize = opts.pageSize ?? 1024;
    let cursor: string | undefined = opts.cursor;
    // Bounded: every page either advances within a PG or moves to the next PG.
    for (;;) {
      const page = await this.listObjectsPage(cursor, pageSize, opts);
      yield* page.entries;
      if (page.next === undefined) return;
      cursor = page.next;
    }
  }

  /**
   * One page of at most `max` listed objects starting at `cursor` (undefined = the beginning).
   * The returned `next` is an opaque, serialisable string (librados' cursor to_str).
   */
  async listObjectsPage(cursor: string | undefined, max: number, opts: OpOptions = {}): Promise<ListPage> {
    invariant(Number.isInteger(max) && max > 0, 'listObjectsPage: max is a positive integer');
    const pool = this.rados.objecter.pool(this.poolId);
    let { ps, store } = cursor === undefined ? { ps: 0, store: undefined } : decodeListCursor(cursor);
    const entries: ListedObject[] = [];
    while (ps < pool.pgNum && entries.length < max) {
      const reply = await this.rados.objecter.pgls(this.poolId, ps, store, max - entries.length, this.namespace, opts.signal);
      for (const e of reply.entries) entries.push({ name: e.oid, namespace: e.namespace, locator: e.locator });
      if (reply.cursor === undefined) {
        ps++;
        store = undefined;
      } else {
        store = reply.cursor;
      }
    }
    return { entries, next: ps < pool.pgNum ? encodeListCursor(ps, store) : undefined };
  }

  /** This pool's statistics (librados pool stats). */
  async poolStats(): Promise<PoolStat> {
    const [stat] = await this.rados.poolStats([this.poolName]);
    if (stat === undefined) throw RadosError.from('ENOENT', `pool ${this.poolName}`);
    return stat;
  }
}

/** Listing cursors are the PG index plus the OSD's own position in that PG, as base64url JSON. */
function encodeListCursor(ps: number, store: unknown): string {
  return Buffer.from(JSON.stringify({ v: 1, ps, store: store ?? null }), 'utf8').toString('base64url');
}

function decodeListCursor(cursor: string): { ps: number; store: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw RadosError.from('EINVAL', 'malformed listing cursor');
  }
  if (typeof parsed !== 'object' || parsed === null || !('ps' in parsed) || !('store' in parsed)) {
    throw RadosError.from('EINVAL', 'malformed listing cursor');
  }
  const { ps, store } = parsed as { ps: unknown; store: unknown };
  if (typeof ps !== 'number' || !Number.isSafeInteger(ps) || ps < 0) throw RadosError.from('EINVAL', 'malformed listing cursor');
  return { ps, store: store ?? undefined };
}

function describe(op: ReadOp | WriteOp): string {
  const first = op.ops[0]?.op ?? 'op';
  return op.ops.length === 1 ? first : `${first}+${op.ops.length - 1}`;
}

export { ERRNO };
