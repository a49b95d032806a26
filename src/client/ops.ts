// ReadOp / WriteOp: librados' ObjectReadOperation / ObjectWriteOperation as typed builders.
// Each builder accumulates SubOps; `io.operate(oid, op)` sends them as one atomic compound op.
import { OP_FLAG, CMP_OP, CMP_MODE, type SubOp } from '../osd/ops/types.js';

export { OP_FLAG, CMP_OP, CMP_MODE };

abstract class OpBuilder<Self> {
  protected readonly list: SubOp[] = [];
  /** OPERATION_FLAG bits for the whole op (e.g. RETURNVEC). */
  operationFlags = 0;

  get ops(): readonly SubOp[] {
    return this.list;
  }

  get length(): number {
    return this.list.length;
  }

  protected push(op: SubOp): Self {
    this.list.push(op);
    return this as unknown as Self;
  }

  /** Sets per-op flags (FAILOK, fadvise...) on the last added sub-op, as librados' set_op_flags2. */
  setOpFlags(flags: number): Self {
    const last = this.list.pop();
    if (last === undefined) throw new RangeError('setOpFlags needs a sub-op to apply to');
    this.list.push({ ...last, flags: (last.flags ?? 0) | flags });
    return this as unknown as Self;
  }

  /** Marks the last added sub-op FAILOK: its failure is reported in its result, not the op's. */
  failOk(): Self {
    return this.setOpFlags(OP_FLAG.FAILOK);
  }

  setFlags(flags: number): Self {
    this.operationFlags |= flags;
    return this as unknown as Self;
  }

  assertExists(): Self {
    return this.push({ op: 'assert_exists' });
  }
  assertVersion(version: number): Self {
    return this.push({ op: 'assert_version', version });
  }
  cmpXattr(name: string, cmp: number, value: Buffer | string | number | bigint): Self {
    if (typeof value === 'number' || typeof value === 'bigint') {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(value));
      return this.push({ op: 'cmpxattr', name, cmp, mode: CMP_MODE.U64, value: b });
    }
    return this.push({ op: 'cmpxattr', name, cmp, mode: CMP_MODE.STRING, value: toBuf(value) });
  }
  cmpExt(offset: number, data: Buffer | string): Self {
    return this.push({ op: 'cmpext', offset, data: toBuf(data) });
  }
  omapCmp(assertions: ReadonlyArray<readonly [string, Buffer | string, number]>): Self {
    return this.push({ op: 'omap_cmp', assertions: assertions.map(([k, v, c]) => [k, toBuf(v), c] as const) });
  }
  exec(cls: string, method: string, input: Buffer | string = Buffer.alloc(0)): Self {
    return this.push({ op: 'exec', cls, method, input: toBuf(input) });
  }
}

export class ReadOp extends OpBuilder<ReadOp> {
  read(offset = 0, length = 0): ReadOp {
    return this.push({ op: 'read', offset, length });
  }
  sparseRead(offset: number, length: number): ReadOp {
    return this.push({ op: 'sparse_read', offset, length });
  }
  stat(): ReadOp {
    return this.push({ op: 'stat' });
  }
  getXattr(name: string): ReadOp {
    return this.push({ op: 'getxattr', name });
  }
  getXattrs(): ReadOp {
    return this.push({ op: 'getxattrs' });
  }
  omapGetHeader(): ReadOp {
    return this.push({ op: 'omap_get_header' });
  }
  omapGetKeys(opts: { startAfter?: string; max?: number } = {}): ReadOp {
    return this.push({ op: 'omap_get_keys', startAfter: opts.startAfter ?? '', max: opts.max ?? 1024 });
  }
  omapGetVals(opts: { startAfter?: string; prefix?: string; max?: number } = {}): ReadOp {
    return this.push({ op: 'omap_get_vals', startAfter: opts.startAfter ?? '', prefix: opts.prefix ?? '', max: opts.max ?? 1024 });
  }
  omapGetValsByKeys(keys: readonly string[]): ReadOp {
    return this.push({ op: 'omap_get_vals_by_keys', keys });
  }
  checksum(type: number, init: Buffer, offset: number, length: number, chunkSize = 0): ReadOp {
    return this.push({ op: 'checksum', type, init, offset, length, chunkSize });
  }
}

export class WriteOp extends OpBuilder<WriteOp> {
  create(exclusive: boolean): WriteOp {
    return this.push({ op: 'create', exclusive });
  }
  write(data: Buffer | string, offset = 0): WriteOp {
    const b = toBuf(data);
    return this.push({ op: 'write', offset, length: b.length, data: b });
  }
  writeFull(data: Buffer | string): WriteOp {
    return this.push({ op: 'writefull', data: toBuf(data) });
  }
  append(data: Buffer | string): WriteOp {
    return this.push({ op: 'append', data: toBuf(data) });
  }
  writeSame(data: Buffer | string, length: number, offset = 0): WriteOp {
    return this.push({ op: 'writesame', offset, length, data: toBuf(data) });
  }
  truncate(size: number): WriteOp {
    return this.push({ op: 'truncate', size });
  }
  zero(offset: number, length: number): WriteOp {
    return this.push({ op: 'zero', offset, length });
  }
  remove(): WriteOp {
    return this.push({ op: 'remove' });
  }
  setAllocHint(objectSize: number, writeSize: number, hintFlags = 0): WriteOp {
    return this.push({ op: 'set_alloc_hint', objectSize, writeSize, hintFlags });
  }
  setXattr(name: string, value: Buffer | string): WriteOp {
    return this.push({ op: 'setxattr', name, value: toBuf(value) });
  }
  rmXattr(name: string): WriteOp {
    return this.push({ op: 'rmxattr', name });
  }
  omapSet(entries: ReadonlyMap<string, Buffer | string> | Record<string, Buffer | string>): WriteOp {
    const list = entries instanceof Map ? [...entries.entries()] : Object.entries(entries);
    return this.push({ op: 'omap_set', entries: list.map(([k, v]) => [k, toBuf(v)] as const) });
  }
  omapSetHeader(value: Buffer | string): WriteOp {
    return this.push({ op: 'omap_set_header', value: toBuf(value) });
  }
  omapRmKeys(keys: readonly string[]): WriteOp {
    return this.push({ op: 'omap_rm_keys', keys });
  }
  omapRmRange(begin: string, end: string): WriteOp {
    return this.push({ op: 'omap_rm_range', begin, end });
  }
  omapClear(): WriteOp {
    return this.push({ op: 'omap_clear' });
  }
  copyFrom(src: { pool: number; oid: string; namespace?: string; locator?: string; version?: number }): WriteOp {
    return this.push({
      op: 'copy_from',
      srcPool: src.pool,
      srcOid: src.oid,
      srcNamespace: src.namespace ?? '',
      srcLocator: src.locator ?? '',
      srcVersion: src.version ?? 0,
    });
  }
  /** Read-class sub-ops are allowed in write ops too (Ceph permits reads inside a write op). */
  read(offset = 0, length = 0): WriteOp {
    return this.push({ op: 'read', offset, length });
  }
  stat(): WriteOp {
    return this.push({ op: 'stat' });
  }
}

export function toBuf(v: Buffer | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}
