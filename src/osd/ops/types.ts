// The compound-op vocabulary shared by the client (which builds ops), the wire (which carries
// them) and the OSD op engine (which executes them). Plain data only: every value here must
// survive a msgpack round trip (numbers, strings, booleans, Buffers, arrays, plain objects).

/** Seconds + nanoseconds since the Unix epoch (Ceph's utime_t). */
export interface Timespec {
  readonly sec: number;
  readonly nsec: number;
}

/** Per-sub-op flags (librados LIBRADOS_OP_FLAG_*). */
export const OP_FLAG = {
  EXCL: 0x1,
  FAILOK: 0x2,
  FADVISE_RANDOM: 0x4,
  FADVISE_SEQUENTIAL: 0x8,
  FADVISE_WILLNEED: 0x10,
  FADVISE_DONTNEED: 0x20,
  FADVISE_NOCACHE: 0x40,
} as const;

/** Whole-operation flags (librados LIBRADOS_OPERATION_*). */
export const OPERATION_FLAG = {
  NOFLAG: 0,
  BALANCE_READS: 1,
  LOCALIZE_READS: 2,
  ORDER_READS_WRITES: 4,
  IGNORE_CACHE: 8,
  SKIPRWLOCKS: 16,
  IGNORE_OVERLAY: 32,
  FULL_TRY: 64,
  FULL_FORCE: 128,
  IGNORE_REDIRECT: 256,
  ORDERSNAP: 512,
  RETURNVEC: 1024,
} as const;

/** cmpxattr / omap_cmp comparison operators (CEPH_OSD_CMPXATTR_OP_*). */
export const CMP_OP = { NOP: 0, EQ: 1, NE: 2, GT: 3, GTE: 4, LT: 5, LTE: 6 } as const;
/** cmpxattr modes (CEPH_OSD_CMPXATTR_MODE_*). */
export const CMP_MODE = { STRING: 1, U64: 2 } as const;
/** checksum types (CEPH_OSD_CHECKSUM_OP_TYPE_*). */
export const CHECKSUM_TYPE = { XXHASH32: 0, XXHASH64: 1, CRC32C: 2 } as const;

/**
 * One sub-op of a compound operation. Lengths and offsets are non-negative integers; values
 * above Number.MAX_SAFE_INTEGER (a u64 such as 2^64-1 sent by a hostile client) are carried as
 * numbers too and must be range-checked before any allocation.
 * `flags` holds OP_FLAG bits (FAILOK, EXCL, fadvise).
 */
export type SubOp = (
  | { readonly op: 'create'; readonly exclusive: boolean }
  | { readonly op: 'write'; readonly offset: number; readonly length: number; readonly data: Buffer }
  | { readonly op: 'writefull'; readonly data: Buffer }
  | { readonly op: 'append'; readonly data: Buffer }
  | { readonly op: 'writesame'; readonly offset: number; readonly length: number; readonly data: Buffer }
  | { readonly op: 'read'; readonly offset: number; readonly length: number }
  | { readonly op: 'sparse_read'; readonly offset: number; readonly length: number }
  | { readonly op: 'stat' }
  | { readonly op: 'truncate'; readonly size: number }
  | { readonly op: 'zero'; readonly offset: number; readonly length: number }
  | { readonly op: 'remove' }
  | { readonly op: 'set_alloc_hint'; readonly objectSize: number; readonly writeSize: number; readonly hintFlags: number }
  | { readonly op: 'cmpext'; readonly offset: number; readonly data: Buffer }
  | {
      readonly op: 'checksum';
      readonly type: number;
      readonly init: Buffer;
      readonly offset: number;
      readonly length: number;
      readonly chunkSize: number;
    }
  | { readonly op: 'assert_exists' }
  | { readonly op: 'assert_version'; readonly version: number }
  | { readonly op: 'setxattr'; readonly name: string; readonly value: Buffer }
  | { readonly op: 'getxattr'; readonly name: string }
  | { readonly op: 'getxattrs' }
  | { readonly op: 'rmxattr'; readonly name: string }
  | { readonly op: 'cmpxattr'; readonly name: string; readonly cmp: number; readonly mode: number; readonly value: Buffer }
  | { readonly op: 'omap_set'; readonly entries: ReadonlyArray<readonly [string, Buffer]> }
  | { readonly op: 'omap_set_header'; readonly value: Buffer }
  | { readonly op: 'omap_get_header' }
  | { readonly op: 'omap_get_keys'; readonly startAfter: string; readonly max: number }
  | { readonly op: 'omap_get_vals'; readonly startAfter: string; readonly prefix: string; readonly max: number }
  | { readonly op: 'omap_get_vals_by_keys'; readonly keys: readonly string[] }
  | { readonly op: 'omap_rm_keys'; readonly keys: readonly string[] }
  | { readonly op: 'omap_rm_range'; readonly begin: string; readonly end: string }
  | { readonly op: 'omap_clear' }
  | { readonly op: 'omap_cmp'; readonly assertions: ReadonlyArray<readonly [string, Buffer, number]> }
  | { readonly op: 'exec'; readonly cls: string; readonly method: string; readonly input: Buffer }
  | {
      /** Filled by the primary OSD before execution: the source object's state, read from its PG. */
      readonly op: 'copy_from';
      readonly srcPool: number;
      readonly srcNamespace: string;
      readonly srcOid: string;
      readonly srcLocator: string;
      readonly srcVersion: number;
    }
) & { readonly flags?: number };

export type SubOpName = SubOp['op'];

/** Output of one sub-op (librados prval + out buffer, typed). */
export type SubOpOut =
  | { readonly kind: 'data'; readonly data: Buffer }
  /**
   * A plain read's bytes as the store's own buffers, in order (OpContext.gatherReads). Never on
   * the wire: the OSD sends the parts as one 'data' payload without joining them.
   */
  | { readonly kind: 'dataParts'; readonly parts: readonly Buffer[]; readonly length: number }
  | { readonly kind: 'stat'; readonly size: number; readonly mtime: Timespec }
  | { readonly kind: 'xattrs'; readonly xattrs: ReadonlyArray<readonly [string, Buffer]> }
  | { readonly kind: 'keys'; readonly keys: readonly string[]; readonly more: boolean }
  | { readonly kind: 'vals'; readonly entries: ReadonlyArray<readonly [string, Buffer]>; readonly more: boolean }
  | { readonly kind: 'extents'; readonly extents: ReadonlyArray<readonly [number, number]>; readonly data: Buffer }
  | { readonly kind: 'checksums'; readonly checksums: readonly Buffer[] };

/** What a class call reports beyond its output when the request asked for it (Sepia extension). */
export interface ExecTrace {
  readonly log: readonly string[];
  readonly error?: { readonly message: string; readonly traceback?: string };
}

export interface SubOpResult {
  /** prval: 0 or positive on success, negative errno on failure. */
  readonly ret: number;
  readonly out?: SubOpOut;
  /** exec only, when asked for: kept even where a write reply drops `out`. */
  readonly trace?: ExecTrace;
}

/**
 * A primitive change to one object, produced by the op engine and applied in order by the store
 * inside one durable transaction. The list as a whole is atomic.
 */
export type TxnStep =
  /** Ensure the object exists (an empty one if missing); on an existing object a no-op "touch". */
  | { readonly t: 'create' }
  /** Object gone entirely: data, xattrs, omap, header. A later step may re-create it. */
  | { readonly t: 'remove' }
  | { readonly t: 'write'; readonly offset: number; readonly data: Buffer }
  /** Zero-fill [offset, offset+length) inside the current size; size unchanged. */
  | { readonly t: 'zero'; readonly offset: number; readonly length: number }
  | { readonly t: 'truncate'; readonly size: number }
  | { readonly t: 'setxattr'; readonly name: string; readonly value: Buffer }
  | { readonly t: 'rmxattr'; readonly name: string }
  | { readonly t: 'omap_set'; readonly entries: ReadonlyArray<readonly [string, Buffer]> }
  | { readonly t: 'omap_rm'; readonly keys: readonly string[] }
  | { readonly t: 'omap_rm_range'; readonly begin: string; readonly end: string }
  /** Removes every omap key and the omap header. */
  | { readonly t: 'omap_clear' }
  | { readonly t: 'omap_set_header'; readonly value: Buffer };

/** Object metadata as the store keeps it (the onode). */
export interface ObjectMeta {
  readonly size: number;
  readonly mtime: Timespec;
  readonly userVersion: number;
}

/**
 * Read-only, synchronous view of one stored object (lmdb reads are synchronous, which keeps the
 * op engine a pure function). Omap access is by range so a 1,000,000-key object is never loaded
 * whole.
 */
export interface ObjectView {
  /** undefined when the object does not exist. */
  readonly meta: ObjectMeta | undefined;
  /** Bytes [offset, offset+length) clipped to the object size; holes read as zeros. The caller owns the Buffer. */
  readData(offset: number, length: number): Buffer;
  /**
   * The same bytes as a list of Buffers that are not copied into one (holes as zero Buffers).
   * The caller must not write to them. Views without it are read with readData.
   */
  readDataParts?(offset: number, length: number): Buffer[];
  /**
   * Brings the stored bytes of a large range into memory off the event loop, so a read of them
   * right after does not stop the OSD on disk reads. Advisory: it never fails, and a read
   * without it is just as correct.
   */
  prefetchData?(offset: number, length: number): Promise<void>;
  /** Allocated extents intersecting [offset, offset+length): [offset, length] pairs, ascending. */
  dataExtents(offset: number, length: number): Array<[number, number]>;
  getXattr(name: string): Buffer | undefined;
  xattrs(): Array<[string, Buffer]>;
  omapHeader(): Buffer;
  omapGet(key: string): Buffer | undefined;
  /** Keys in bytewise (UTF-8) order, strictly after `startAfter` ('' = from the start), at most `limit`. */
  omapRange(startAfter: string, limit: number): Array<[string, Buffer]>;
}

/** Where an object lives; lets the engine refuse a copy_from onto itself. */
export interface ObjectTarget {
  readonly pool: number;
  readonly namespace: string;
  readonly oid: string;
  readonly locator: string;
}

/** Everything the engine needs besides the object: limits, the op's mtime, the PG's version. */
export interface OpContext {
  readonly mtime: Timespec;
  /** The object the op addresses (optional; without it copy_from cannot detect a self-copy). */
  readonly target?: ObjectTarget;
  readonly operationFlags: number;
  /** The PG's last_user_version before this op (the new version is max(this, object's) + 1). */
  readonly pgLastUserVersion: number;
  readonly limits: OpLimits;
  /** Top-level `read` sub-ops answer with 'dataParts' (the OSD's client path sets it). */
  readonly gatherReads?: boolean;
}

export interface OpLimits {
  readonly maxObjectSizeBytes: number;
  readonly maxAttrNameLen: number;
  readonly maxAttrSizeBytes: number;
  readonly maxOmapEntriesPerRequest: number;
  readonly maxOmapBytesPerRequest: number;
  readonly maxWriteOpReplyLenBytes: number;
}

export const DEFAULT_OP_LIMITS: OpLimits = {
  maxObjectSizeBytes: 128 * 1024 * 1024,
  maxAttrNameLen: 100,
  maxAttrSizeBytes: 0,
  maxOmapEntriesPerRequest: 1024,
  maxOmapBytesPerRequest: 1024 * 1024 * 1024,
  maxWriteOpReplyLenBytes: 64,
};

/** What the engine returns for one compound op. Nothing in `steps` is applied unless ret >= 0. */
export interface OpOutcome {
  /** Overall return value (Ceph's rules: last positive sub-op result for reads, 0 for writes...). */
  readonly ret: number;
  readonly results: readonly SubOpResult[];
  /** Primitive changes, in order; empty for reads and for failed ops. */
  readonly steps: readonly TxnStep[];
  /** Metadata after the op (undefined: object absent afterwards); meaningful when steps.length > 0. */
  readonly meta: ObjectMeta | undefined;
  /** user_version to report to the client (new version after a write, current after a read). */
  readonly version: number;
}
