// IoCtx: object I/O on one pool (and namespace / locator key), as librados' IoCtx.
// Every method is one compound op; failures reject with RadosError naming the op and object.
import { RadosError, ERRNO } from '../core/errors.js';
import { invariant } from '../core/assert.js';
import { ALL_NSPACES } from '../proto/messages.js';
import type { SubOpOut, SubOpResult, Timespec } from '../osd/ops/types.js';
import { ReadOp, WriteOp, toBuf } from './ops.js';
import type { Rados } from './rados.js';

export { ALL_NSPACES };

/** librados refuses these client-side, before contacting the cluster. */
const MAX_WRITE_LEN = 2147483647; // UINT_MAX/2 → E2BIG
const MAX_READ_LEN = 2147483647; // INT_MAX → EDOM

export interface OpOptions {
  readonly signal?: AbortSignal;
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
    );
    this.lastVersion = reply.version;
    if (reply.ret < 0) throw new RadosError(-reply.ret, `${describe(op)} ${this.poolName}/${oid}`);
    // Results of an injected assert_version are internal.
    const results = ops.length > op.ops.length ? reply.results.slice(1) : reply.results;
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
  async writeSame(oid: string, data: Buffer | string, length: number, offset = 0, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new WriteOp().writeSame(data, length, offset), opts);
  }
  /** Reads [offset, offset+length); length 0 or absent reads to the end of the object. */
  async read(oid: string, range: { offset?: number; length?: number } & OpOptions = {}): Promise<Buffer> {
    const length = range.length ?? 0;
    if (length > MAX_READ_LEN) throw RadosError.from('EDOM', `read ${oid}`);
    const out = await this.one(oid, new ReadOp().read(range.offset ?? 0, length), range);
    return out?.kind === 'data' ? out.data : Buffer.alloc(0);
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
  async setAllocHint(oid: string, objectSize: number, writeSize: number, opts: OpOptions = {}): Promise<void> {
    await this.operate(oid, new WriteOp().setAllocHint(objectSize, writeSize), opts);
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

  /** Every object of the pool (in this IoCtx's namespace, or all with ALL_NSPACES), PG by PG. */
  async *listObjects(opts: OpOptions & { pageSize?: number } = {}): AsyncGenerator<ListedObject> {
    const pool = this.rados.objecter.pool(this.poolId);
    const pageSize = opts.pageSize ?? 1024;
    for (let ps = 0; ps < pool.pgNum; ps++) {
      let cursor: unknown = undefined;
      for (;;) {
        const reply = await this.rados.objecter.pgls(this.poolId, ps, cursor, pageSize, this.namespace, opts.signal);
        for (const e of reply.entries) yield { name: e.oid, namespace: e.namespace, locator: e.locator };
        if (reply.cursor === undefined) break;
        cursor = reply.cursor;
      }
    }
  }
}

function describe(op: ReadOp | WriteOp): string {
  const first = op.ops[0]?.op ?? 'op';
  return op.ops.length === 1 ? first : `${first}+${op.ops.length - 1}`;
}

export { ERRNO };
