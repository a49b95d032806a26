// The OSD op engine: runs one compound op (all sub-ops against one object, in order) on a
// scratch overlay of the stored object and returns the results plus the primitive steps the
// store applies atomically. Pure: no I/O, no clock (the op's mtime comes in the context).
// Behaviour follows spec/objects.md §2-§4, §6, §7 and §9, including Ceph's quirks (ZERO munged
// into TRUNCATE, truncate of a missing object succeeding, cmpext returning -(4095 + i)).

import { ERRNO, RadosError, neg } from '../../core/errors.js';
import { compareKeys, sortKeys } from './bytes.js';
import { checksumChunk, checksumValueBytes, isChecksumType } from './checksum.js';
import { isWriteOp } from './prechecks.js';
import { Scratch } from './scratch.js';
import {
  CMP_MODE,
  CMP_OP,
  OPERATION_FLAG,
  OP_FLAG,
  type ObjectView,
  type OpContext,
  type OpOutcome,
  type SubOp,
  type SubOpOut,
  type SubOpResult,
  type Timespec,
  type ExecTrace,
} from './types.js';

/** 2^64: the largest number a u64 sent as a JS number can round to (2^64-1 does). */
const U64_MAX_AS_NUMBER = 2 ** 64;
/** Ceph's MAX_ERRNO: cmpext reports a mismatch at index i as -(MAX_ERRNO + i). */
const MAX_ERRNO = 4095;

/**
 * The scratch object as object classes see it (Ceph's cls_cxx_* host calls): synchronous, this
 * object only, same semantics as the matching sub-ops. Failures throw RadosError with the errno.
 */
export interface ScratchObject {
  exists(): boolean;
  /** ENOENT when missing. */
  stat(): { size: number; mtime: Timespec };
  /** The object's user_version before this op (0 if it did not exist). */
  version(): number;
  /** length 0 = to the end; a missing object reads as empty. */
  read(offset: number, length: number): Buffer;
  write(offset: number, data: Buffer): void;
  writeFull(data: Buffer): void;
  append(data: Buffer): void;
  truncate(size: number): void;
  zero(offset: number, length: number): void;
  create(exclusive: boolean): void;
  remove(): void;
  /** ENOENT when the object is missing, ENODATA when the attribute is. */
  getXattr(name: string): Buffer;
  getXattrs(): Array<[string, Buffer]>;
  setXattr(name: string, value: Buffer): void;
  rmXattr(name: string): void;
  omapGetHeader(): Buffer;
  omapSetHeader(value: Buffer): void;
  /** undefined when the key (or the object) does not exist. */
  omapGet(key: string): Buffer | undefined;
  omapGetKeys(startAfter: string, max: number): { keys: string[]; more: boolean };
  omapGetVals(startAfter: string, prefix: string, max: number): { entries: Array<[string, Buffer]>; more: boolean };
  omapGetValsByKeys(keys: readonly string[]): Array<[string, Buffer]>;
  omapSet(entries: ReadonlyArray<readonly [string, Buffer]>): void;
  omapRmKeys(keys: readonly string[]): void;
  omapRmRange(begin: string, end: string): void;
  omapClear(): void;
}

export type CopyFromOp = Extract<SubOp, { op: 'copy_from' }>;

export interface OpHooks {
  /** Runs a class method against the scratch object; its ret becomes the sub-op's prval. */
  exec?: (cls: string, method: string, input: Buffer, obj: ScratchObject) => Promise<{ ret: number; out: Buffer; trace?: ExecTrace }>;
  /** The source object of a copy_from, or undefined when it does not exist. */
  copySource?: (op: CopyFromOp) => ObjectView | undefined;
  /** Whether a class method is registered with the WR flag (default: true, as for cls_lua). */
  classIsWrite?: (cls: string, method: string) => boolean;
}

// ---- argument checks (undecodable or out-of-range arguments are EINVAL, §9) ----------------

function isU64(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= U64_MAX_AS_NUMBER;
}
function isU32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;
}
function isBuf(b: unknown): b is Buffer {
  return Buffer.isBuffer(b);
}
function isStr(s: unknown): s is string {
  return typeof s === 'string';
}
function isStrList(v: unknown): v is readonly string[] {
  return Array.isArray(v) && v.every(isStr);
}
function isEntryList(v: unknown): v is ReadonlyArray<readonly [string, Buffer]> {
  return Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && isStr(e[0]) && isBuf(e[1]));
}

/** Ceph's check_offset_and_length against osd_max_object_size. */
function tooBig(offset: number, length: number, max: number): boolean {
  return offset >= max || length > max || offset + length > max;
}

const ok = (out?: SubOpOut): SubOpResult => (out === undefined ? { ret: 0 } : { ret: 0, out });
const err = (errno: number): SubOpResult => ({ ret: -Math.abs(errno) });
const EINVAL = err(ERRNO.EINVAL);
const ENOENT = err(ERRNO.ENOENT);
const EFBIG = err(ERRNO.EFBIG);

/** Ceph's strtoull(…, 10) as used by cmpxattr U64 mode: leading space, sign, digits, saturating. */
function parseStoredU64(value: Buffer): bigint {
  const s = value.toString('latin1');
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i] ?? '')) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  let n = 0n;
  let saturated = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10n + BigInt(c - 48);
    if (n > 0xffff_ffff_ffff_ffffn) saturated = true;
  }
  if (saturated) return 0xffff_ffff_ffff_ffffn;
  return negative ? BigInt.asUintN(64, -n) : n;
}

function cmpHolds(cmp: number, c: number): boolean | undefined {
  switch (cmp) {
    case CMP_OP.EQ: return c === 0;
    case CMP_OP.NE: return c !== 0;
    case CMP_OP.GT: return c > 0;
    case CMP_OP.GTE: return c >= 0;
    case CMP_OP.LT: return c < 0;
    case CMP_OP.LTE: return c <= 0;
    default: return undefined;
  }
}

/** Size of a sub-op's output as Ceph encodes it; RETURNVEC caps this per sub-op. */
export function encodedOutputBytes(out: SubOpOut | undefined): number {
  if (out === undefined) return 0;
  switch (out.kind) {
    case 'data': return out.data.length;
    case 'dataParts': return out.length;
    case 'stat': return 16;
    case 'xattrs': return 4 + out.xattrs.reduce((n, [k, v]) => n + 8 + Buffer.byteLength(k) + v.length, 0);
    case 'keys': return 5 + out.keys.reduce((n, k) => n + 4 + Buffer.byteLength(k), 0);
    case 'vals': return 5 + out.entries.reduce((n, [k, v]) => n + 8 + Buffer.byteLength(k) + v.length, 0);
    case 'extents': return 8 + 16 * out.extents.length + out.data.length;
    case 'checksums': return 4 + out.checksums.reduce((n, c) => n + c.length, 0);
  }
}

// ---- one sub-op ----------------------------------------------------------------------------

interface RunEnv {
  readonly ctx: OpContext;
  /** user_version of the object before the op (0 when it did not exist). */
  readonly startVersion: number;
  readonly hooks: OpHooks;
}

function writeAt(s: Scratch, offset: number, data: Buffer, env: RunEnv): SubOpResult {
  if (tooBig(offset, data.length, env.ctx.limits.maxObjectSizeBytes)) return EFBIG;
  const created = s.ensureExists();
  if (data.length > 0) s.write(offset, data);
  else if (offset > s.size) s.truncate(offset);
  else if (!created) s.touch();
  return ok();
}

function listOmap(
  s: Scratch,
  env: RunEnv,
  startAfter: string,
  prefix: string,
  max: number,
  withValues: boolean,
): { entries: Array<[string, Buffer]>; more: boolean } {
  const limits = env.ctx.limits;
  const count = Math.min(max, limits.maxOmapEntriesPerRequest);
  const entries: Array<[string, Buffer]> = [];
  if (!s.exists) return { entries, more: false };
  const fromPrefix = compareKeys(prefix, startAfter) > 0;
  let bytes = 0;
  // Bounded by `count` + 1 matching keys, or by the first key outside the prefix.
  for (const [k, v] of s.omapEntries(fromPrefix ? prefix : startAfter, fromPrefix)) {
    if (!k.startsWith(prefix)) break;
    if (entries.length >= count || bytes >= limits.maxOmapBytesPerRequest) return { entries, more: true };
    entries.push([k, v]);
    bytes += 4 + Buffer.byteLength(k) + (withValues ? 4 + v.length : 0);
  }
  return { entries, more: false };
}

/** Every sub-op except exec: synchronous, validates fully before touching the scratch. */
function runSync(s: Scratch, op: SubOp, env: RunEnv): SubOpResult {
  const limits = env.ctx.limits;
  const maxSize = limits.maxObjectSizeBytes;
  switch (op.op) {
    case 'create': {
      if (typeof op.exclusive !== 'boolean') return EINVAL;
      const exclusive = op.exclusive || ((op.flags ?? 0) & OP_FLAG.EXCL) !== 0;
      if (s.exists && exclusive) return err(ERRNO.EEXIST);
      if (!s.ensureExists()) s.touch();
      return ok();
    }
    case 'write':
      if (!isU64(op.offset) || !isU64(op.length) || !isBuf(op.data)) return EINVAL;
      if (op.length !== op.data.length) return EINVAL;
      return writeAt(s, op.offset, op.data, env);
    case 'writefull': {
      if (!isBuf(op.data)) return EINVAL;
      if (tooBig(0, op.data.length, maxSize)) return EFBIG;
      s.ensureExists();
      if (op.data.length < s.size) s.truncate(op.data.length);
      if (op.data.length > 0) s.write(0, op.data);
      return ok();
    }
    case 'append':
      if (!isBuf(op.data)) return EINVAL;
      return writeAt(s, s.size, op.data, env);
    case 'writesame': {
      if (!isU64(op.offset) || !isU64(op.length) || !isBuf(op.data)) return EINVAL;
      if (op.length === 0) return ok();
      if (op.data.length === 0 || op.length % op.data.length !== 0) return EINVAL;
      // Range-check before expanding the pattern, so a hostile length never allocates.
      if (tooBig(op.offset, op.length, maxSize)) return EFBIG;
      const filled = Buffer.alloc(op.length, op.data);
      return writeAt(s, op.offset, filled, env);
    }
    case 'read': {
      const length = readLength(s, op);
      return length === undefined ? EINVAL : ok({ kind: 'data', data: s.readData(op.offset, length) });
    }
    case 'sparse_read': {
      if (!isU64(op.offset) || !isU64(op.length)) return EINVAL;
      if (!s.exists) return ENOENT;
      const length = op.length === 0 ? s.size : op.length;
      const extents = s.dataExtents(op.offset, length);
      const data = Buffer.concat(extents.map(([o, l]) => s.readData(o, l)));
      return ok({ kind: 'extents', extents, data });
    }
    case 'stat':
      if (!s.exists) return ENOENT;
      return ok({ kind: 'stat', size: s.size, mtime: s.mtime });
    case 'truncate':
      if (!isU64(op.size)) return EINVAL;
      // Checked before the size limit: truncate(128 MiB) of a missing object succeeds.
      if (!s.exists) return ok();
      if (tooBig(op.size, 0, maxSize)) return EFBIG;
      s.truncate(op.size);
      return ok();
    case 'zero': {
      if (!isU64(op.offset) || !isU64(op.length)) return EINVAL;
      if (op.length === 0) return EINVAL;
      const { offset, length } = op;
      // Ceph munges a ZERO reaching the end of the object into a TRUNCATE (or a no-op).
      if (s.exists && offset < maxSize && length <= maxSize && offset + length >= s.size) {
        if (offset >= s.size) return ok();
        if (tooBig(offset, length, maxSize)) return EFBIG;
        s.truncate(offset);
        return ok();
      }
      if (tooBig(offset, length, maxSize)) return EFBIG;
      if (!s.exists) return ok();
      s.zero(offset, length);
      return ok();
    }
    case 'remove':
      if (!s.exists) return ENOENT;
      s.remove();
      return ok();
    case 'set_alloc_hint':
      if (!isU64(op.objectSize) || !isU64(op.writeSize) || !isU32(op.hintFlags)) return EINVAL;
      if (!s.ensureExists()) s.touch();
      return ok();
    case 'cmpext': {
      if (!isU64(op.offset) || !isBuf(op.data)) return EINVAL;
      const stored = s.readData(op.offset, op.data.length);
      for (let i = 0; i < op.data.length; i++) {
        if (op.data[i] !== (stored[i] ?? 0)) return { ret: -(MAX_ERRNO + i) };
      }
      return ok();
    }
    case 'checksum': {
      if (!isU32(op.type) || !isBuf(op.init) || !isU64(op.offset) || !isU64(op.length) || !isU32(op.chunkSize)) {
        return EINVAL;
      }
      const chunk = op.chunkSize;
      let length = op.length;
      if (chunk > 0 && (length === 0 || length % chunk !== 0)) return EINVAL;
      if (op.offset === 0 && length === 0) length = s.size;
      else if (op.offset >= s.size) return ok({ kind: 'checksums', checksums: [] });
      else if (op.offset + length > s.size) {
        length = s.size - op.offset;
        if (chunk > 0 && length % chunk !== 0) return EINVAL;
      }
      if (!isChecksumType(op.type)) return EINVAL;
      if (op.init.length < checksumValueBytes(op.type)) return EINVAL;
      const data = s.readData(op.offset, length);
      const step = chunk > 0 ? chunk : data.length;
      const checksums: Buffer[] = [];
      for (let at = 0; step > 0 && at + step <= data.length; at += step) {
        checksums.push(checksumChunk(op.type, op.init, data.subarray(at, at + step)));
      }
      return ok({ kind: 'checksums', checksums });
    }
    case 'assert_exists':
      return s.exists ? ok() : ENOENT;
    case 'assert_version':
      if (!isU64(op.version) || op.version === 0) return EINVAL;
      if (op.version < env.startVersion) return err(ERRNO.ERANGE);
      if (op.version > env.startVersion) return err(ERRNO.EOVERFLOW);
      return ok();
    case 'setxattr':
      if (!isStr(op.name) || !isBuf(op.value)) return EINVAL;
      if (limits.maxAttrSizeBytes > 0 && op.value.length > limits.maxAttrSizeBytes) return EFBIG;
      if (Buffer.byteLength(op.name) > limits.maxAttrNameLen) return err(ERRNO.ENAMETOOLONG);
      s.ensureExists();
      s.setXattr(op.name, op.value);
      return ok();
    case 'getxattr': {
      if (!isStr(op.name)) return EINVAL;
      if (!s.exists) return ENOENT;
      const value = s.getXattr(op.name);
      return value === undefined ? err(ERRNO.ENODATA) : ok({ kind: 'data', data: value });
    }
    case 'getxattrs':
      if (!s.exists) return ENOENT;
      return ok({ kind: 'xattrs', xattrs: s.xattrs() });
    case 'rmxattr':
      if (!isStr(op.name)) return EINVAL;
      if (!s.exists) return ENOENT;
      s.rmXattr(op.name);
      return ok();
    case 'cmpxattr': {
      if (!isStr(op.name) || !isU32(op.cmp) || !isU32(op.mode) || !isBuf(op.value)) return EINVAL;
      if (!s.exists) return ENOENT;
      const stored = s.getXattr(op.name) ?? Buffer.alloc(0);
      let c: number;
      if (op.mode === CMP_MODE.STRING) c = Buffer.compare(op.value, stored);
      else if (op.mode === CMP_MODE.U64) {
        if (op.value.length < 8) return EINVAL;
        const given = op.value.readBigUInt64LE(0);
        const have = parseStoredU64(stored);
        c = given === have ? 0 : given < have ? -1 : 1;
      } else return EINVAL;
      const holds = cmpHolds(op.cmp, c);
      if (holds === undefined) return EINVAL;
      // Ceph reports a true comparison as 1, which becomes a read op's overall result.
      return holds ? { ret: 1 } : err(ERRNO.ECANCELED);
    }
    case 'omap_set':
      if (!isEntryList(op.entries)) return EINVAL;
      s.ensureExists();
      s.omapSet(op.entries);
      return ok();
    case 'omap_set_header':
      if (!isBuf(op.value)) return EINVAL;
      s.ensureExists();
      s.omapSetHeader(op.value);
      return ok();
    case 'omap_get_header':
      return ok({ kind: 'data', data: s.exists ? s.omapHeader() : Buffer.alloc(0) });
    case 'omap_get_keys': {
      if (!isStr(op.startAfter) || !isU64(op.max)) return EINVAL;
      const { entries, more } = listOmap(s, env, op.startAfter, '', op.max, false);
      return ok({ kind: 'keys', keys: entries.map(([k]) => k), more });
    }
    case 'omap_get_vals': {
      if (!isStr(op.startAfter) || !isStr(op.prefix) || !isU64(op.max)) return EINVAL;
      const { entries, more } = listOmap(s, env, op.startAfter, op.prefix, op.max, true);
      return ok({ kind: 'vals', entries, more });
    }
    case 'omap_get_vals_by_keys': {
      if (!isStrList(op.keys)) return EINVAL;
      const entries: Array<[string, Buffer]> = [];
      if (s.exists) {
        for (const k of sortKeys(new Set(op.keys))) {
          const v = s.omapGet(k);
          if (v !== undefined) entries.push([k, v]);
        }
      }
      return ok({ kind: 'vals', entries, more: false });
    }
    case 'omap_rm_keys':
      if (!isStrList(op.keys)) return EINVAL;
      if (!s.exists) return ENOENT;
      s.omapRm(op.keys);
      return ok();
    case 'omap_rm_range':
      if (!isStr(op.begin) || !isStr(op.end)) return EINVAL;
      if (!s.exists) return ENOENT;
      s.omapRmRange(op.begin, op.end);
      return ok();
    case 'omap_clear':
      if (!s.exists) return ENOENT;
      if (s.hasOmap()) s.omapClear();
      return ok();
    case 'omap_cmp': {
      if (!s.exists) return ENOENT;
      const list = op.assertions as unknown;
      if (!Array.isArray(list)) return EINVAL;
      // Ceph decodes the assertions into a map: sorted by key, a repeated key keeps its last value.
      const byKey = new Map<string, readonly [Buffer, number]>();
      for (const a of list as unknown[]) {
        if (!Array.isArray(a) || a.length !== 3 || !isStr(a[0]) || !isBuf(a[1]) || !isU32(a[2])) return EINVAL;
        byKey.set(a[0], [a[1], a[2]]);
      }
      for (const key of sortKeys(byKey.keys())) {
        const [given, cmp] = byKey.get(key) ?? [Buffer.alloc(0), 0];
        const stored = s.omapGet(key) ?? Buffer.alloc(0);
        if (cmp !== CMP_OP.EQ && cmp !== CMP_OP.LT && cmp !== CMP_OP.GT) return EINVAL;
        // Orientation is stored OP given (the opposite of cmpxattr).
        if (cmpHolds(cmp, Buffer.compare(stored, given)) !== true) return err(ERRNO.ECANCELED);
      }
      return ok();
    }
    case 'copy_from':
      return copyFrom(s, op, env);
    case 'exec':
      // exec is asynchronous; the caller handles it. Reached only from a class calling back in.
      return err(ERRNO.EOPNOTSUPP);
    default: {
      const unknownOp: never = op;
      void unknownOp;
      return err(ERRNO.EOPNOTSUPP);
    }
  }
}

/** Stored omap keys copied per omap_set step, so a huge source never becomes one giant step. */
const COPY_OMAP_BATCH_KEYS = 1024;

function copyFrom(s: Scratch, op: CopyFromOp, env: RunEnv): SubOpResult {
  if (!isU64(op.srcPool) || !isStr(op.srcNamespace) || !isStr(op.srcOid) || !isStr(op.srcLocator) || !isU64(op.srcVersion)) {
    return EINVAL;
  }
  const t = env.ctx.target;
  if (t !== undefined && t.pool === op.srcPool && t.namespace === op.srcNamespace && t.oid === op.srcOid && t.locator === op.srcLocator) {
    return EINVAL;
  }
  if (env.hooks.copySource === undefined) return err(ERRNO.EOPNOTSUPP);
  const src = env.hooks.copySource(op);
  const meta = src?.meta;
  if (src === undefined || meta === undefined) return ENOENT;
  if (op.srcVersion !== 0) {
    if (op.srcVersion < meta.userVersion) return err(ERRNO.ERANGE);
    if (op.srcVersion > meta.userVersion) return err(ERRNO.EOVERFLOW);
  }
  if (meta.size > env.ctx.limits.maxObjectSizeBytes) return EFBIG;
  if (s.exists) s.remove();
  s.ensureExists();
  for (const [offset, length] of src.dataExtents(0, meta.size)) {
    const data = src.readData(offset, length);
    if (data.length > 0) s.write(offset, data);
  }
  if (s.size !== meta.size) s.truncate(meta.size);
  for (const [name, value] of src.xattrs()) s.setXattr(name, value);
  const header = src.omapHeader();
  if (header.length > 0) s.omapSetHeader(header);
  // omapRange is exclusive of its start, so the empty key needs its own lookup.
  const emptyKey = src.omapGet('');
  if (emptyKey !== undefined) s.omapSet([['', emptyKey]]);
  let cursor = '';
  // Bounded by the source's key count: each batch advances past its last key.
  for (;;) {
    const batch = src.omapRange(cursor, COPY_OMAP_BATCH_KEYS);
    if (batch.length > 0) s.omapSet(batch);
    const last = batch[batch.length - 1];
    if (batch.length < COPY_OMAP_BATCH_KEYS || last === undefined) break;
    cursor = last[0];
  }
  return ok();
}

// ---- the class host view -------------------------------------------------------------------

function must(r: SubOpResult, what: string): SubOpOut | undefined {
  if (r.ret < 0) throw new RadosError(-r.ret, `cls ${what}`);
  return r.out;
}

/** How many bytes a `read` asks for (0: to the end), or undefined when offset or length is not a u64. */
function readLength(s: Scratch, op: Extract<SubOp, { op: 'read' }>): number | undefined {
  if (!isU64(op.offset) || !isU64(op.length)) return undefined;
  return op.length === 0 ? s.size : op.length;
}

/** `read` answered with the store's own buffers (OpContext.gatherReads). */
function readParts(s: Scratch, op: Extract<SubOp, { op: 'read' }>): SubOpResult {
  const length = readLength(s, op);
  if (length === undefined) return EINVAL;
  const parts = s.readDataParts(op.offset, length);
  let total = 0;
  for (const part of parts) total += part.length;
  return ok({ kind: 'dataParts', parts, length: total });
}

function clsObject(s: Scratch, env: RunEnv): ScratchObject {
  const run = (op: SubOp): SubOpOut | undefined => must(runSync(s, op, env), op.op);
  const data = (out: SubOpOut | undefined): Buffer => (out?.kind === 'data' ? out.data : Buffer.alloc(0));
  return {
    exists: () => s.exists,
    stat: () => {
      const out = run({ op: 'stat' });
      return out?.kind === 'stat' ? { size: out.size, mtime: out.mtime } : { size: 0, mtime: { sec: 0, nsec: 0 } };
    },
    version: () => env.startVersion,
    read: (offset, length) => data(run({ op: 'read', offset, length })),
    write: (offset, buf) => void run({ op: 'write', offset, length: buf.length, data: buf }),
    writeFull: (buf) => void run({ op: 'writefull', data: buf }),
    append: (buf) => void run({ op: 'append', data: buf }),
    truncate: (size) => void run({ op: 'truncate', size }),
    zero: (offset, length) => void run({ op: 'zero', offset, length }),
    create: (exclusive) => void run({ op: 'create', exclusive }),
    remove: () => void run({ op: 'remove' }),
    getXattr: (name) => data(run({ op: 'getxattr', name })),
    getXattrs: () => {
      const out = run({ op: 'getxattrs' });
      return out?.kind === 'xattrs' ? out.xattrs.map(([k, v]) => [k, v]) : [];
    },
    setXattr: (name, value) => void run({ op: 'setxattr', name, value }),
    rmXattr: (name) => void run({ op: 'rmxattr', name }),
    omapGetHeader: () => data(run({ op: 'omap_get_header' })),
    omapSetHeader: (value) => void run({ op: 'omap_set_header', value }),
    omapGet: (key) => (s.exists && isStr(key) ? s.omapGet(key) : undefined),
    omapGetKeys: (startAfter, max) => {
      const out = run({ op: 'omap_get_keys', startAfter, max });
      return out?.kind === 'keys' ? { keys: [...out.keys], more: out.more } : { keys: [], more: false };
    },
    omapGetVals: (startAfter, prefix, max) => {
      const out = run({ op: 'omap_get_vals', startAfter, prefix, max });
      return out?.kind === 'vals' ? { entries: out.entries.map(([k, v]) => [k, v]), more: out.more } : { entries: [], more: false };
    },
    omapGetValsByKeys: (keys) => {
      const out = run({ op: 'omap_get_vals_by_keys', keys });
      return out?.kind === 'vals' ? out.entries.map(([k, v]) => [k, v]) : [];
    },
    omapSet: (entries) => void run({ op: 'omap_set', entries }),
    omapRmKeys: (keys) => void run({ op: 'omap_rm_keys', keys }),
    omapRmRange: (begin, end) => void run({ op: 'omap_rm_range', begin, end }),
    omapClear: () => void run({ op: 'omap_clear' }),
  };
}

async function runExec(s: Scratch, op: Extract<SubOp, { op: 'exec' }>, env: RunEnv): Promise<SubOpResult> {
  if (!isStr(op.cls) || !isStr(op.method) || !isBuf(op.input)) return EINVAL;
  const exec = env.hooks.exec;
  if (exec === undefined) return err(ERRNO.EOPNOTSUPP);
  const stepsBefore = s.steps.length;
  let reply: { ret: number; out: Buffer; trace?: ExecTrace };
  try {
    reply = await exec(op.cls, op.method, op.input, clsObject(s, env));
  } catch (e) {
    // A host call failing inside the method and not caught by it fails the method.
    if (RadosError.is(e)) return err(e.errno);
    throw e;
  }
  const classIsWrite = env.hooks.classIsWrite ?? (() => true);
  if (s.steps.length > stepsBefore && !classIsWrite(op.cls, op.method)) return err(ERRNO.EIO);
  const ret = Number.isInteger(reply.ret) ? reply.ret : -ERRNO.EIO;
  const out: SubOpOut = { kind: 'data', data: isBuf(reply.out) ? reply.out : Buffer.alloc(0) };
  return reply.trace === undefined ? { ret, out } : { ret, out, trace: reply.trace };
}

// ---- the compound op -----------------------------------------------------------------------

function neverMasked(ret: number): boolean {
  return ret === -ERRNO.EAGAIN || ret === -ERRNO.EINPROGRESS;
}

/**
 * Executes a compound op. Nothing in the returned `steps` may be applied unless `ret >= 0`;
 * `steps` is empty for reads, failures and write ops that changed nothing.
 * `results` has one entry per sub-op; sub-ops never reached report `{ ret: 0 }`.
 */
export async function executeOps(
  view: ObjectView,
  ops: readonly SubOp[],
  ctx: OpContext,
  hooks: OpHooks = {},
): Promise<OpOutcome> {
  const startMeta = view.meta;
  const startVersion = startMeta?.userVersion ?? 0;
  const readVersion = startMeta?.userVersion ?? ctx.pgLastUserVersion;
  const results: SubOpResult[] = ops.map(() => ({ ret: 0 }));
  const failed = (ret: number): OpOutcome => ({ ret, results, steps: [], meta: startMeta, version: readVersion });

  if (ops.length === 0) return failed(0);
  // Pre-check 5: an op without any write-class sub-op needs an existing object.
  const writeClass = isWriteOp(ops, hooks.classIsWrite);
  if (!writeClass && startMeta === undefined) return failed(neg('ENOENT'));

  const env: RunEnv = { ctx, startVersion, hooks };
  const s = new Scratch(view);
  let result = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op === undefined) return failed(neg('EINVAL'));
    const flagsValid = isU32(op.flags ?? 0);
    // Malformed flags cannot ask for FAILOK either.
    const flags = flagsValid ? (op.flags ?? 0) : 0;
    const r = !flagsValid
      ? EINVAL
      : op.op === 'exec'
        ? await runExec(s, op, env)
        : op.op === 'read' && ctx.gatherReads === true
          ? readParts(s, op)
          : runSync(s, op, env);
    results[i] = r;
    result = r.ret;
    if (result < 0 && (flags & OP_FLAG.FAILOK) !== 0 && !neverMasked(result)) result = 0;
    if (result < 0) return failed(result);
  }

  // A write-class op that changed nothing is answered like a read.
  if (s.steps.length === 0) return { ret: result, results, steps: [], meta: startMeta, version: readVersion };

  const version = Math.max(ctx.pgLastUserVersion, startVersion) + 1;
  if ((ctx.operationFlags & OPERATION_FLAG.RETURNVEC) !== 0) {
    let overflow = false;
    for (let i = 0; i < results.length; i++) {
      const r = results[i];
      if (r !== undefined && encodedOutputBytes(r.out) > ctx.limits.maxWriteOpReplyLenBytes) {
        results[i] = { ret: neg('EOVERFLOW') };
        overflow = true;
      }
    }
    if (overflow) return failed(neg('EOVERFLOW'));
  } else {
    // Legacy write reply: overall 0 and no output data; prvals (e.g. an exec's 7) are kept.
    for (let i = 0; i < results.length; i++) {
      const trace = results[i]?.trace;
      results[i] = trace === undefined ? { ret: results[i]?.ret ?? 0 } : { ret: results[i]?.ret ?? 0, trace };
    }
    result = 0;
  }
  const meta = s.exists ? { size: s.size, mtime: ctx.mtime, userVersion: version } : undefined;
  return { ret: result, results, steps: s.steps, meta, version };
}
