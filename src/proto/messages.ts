// Wire protocol: the message types and body shapes exchanged between clients, monitors and OSDs.
// The messenger (src/msg) frames them; this file is the contract each side codes against.

import { OP_WIRE_TYPE, REPOP_WIRE_TYPE } from '../codec/op-wire.js';
import type { OsdMap } from '../mon/maps/osdmap.js';
import type { OsdMapIncremental } from '../mon/maps/osdmap-incremental.js';
import type { ClassMap } from '../mon/maps/classmap.js';
import type { SubOp, SubOpResult, Timespec, TxnStep, ObjectMeta } from '../osd/ops/types.js';

/** Message type names (the messenger carries the name in each frame's metadata). */
export const MSG = {
  // client/daemon → monitor
  MON_HELLO: 'mon.hello',
  MON_SUBSCRIBE: 'mon.subscribe',
  MON_COMMAND: 'mon.command',
  MON_GET_MAP: 'mon.get_map',
  OSD_BOOT: 'osd.boot',
  OSD_PG_STATS: 'osd.pg_stats',
  OSD_STOPPING: 'osd.stopping',
  // monitor → subscribers (oneway)
  OSDMAP: 'osdmap',
  /** Monitor → each booted OSD, after every ClassMap change: a request (ClassMapMessage), acked with the OSD's epoch. */
  CLASSMAP: 'classmap',
  // client → OSD
  /** Its plain reads and writes travel in a compact layout (src/codec/op-wire.ts). */
  OSD_OP: OP_WIRE_TYPE,
  OSD_PGLS: 'osd.pgls',
  // OSD → OSD
  /** Its data-only changes travel in a compact layout (src/codec/op-wire.ts). */
  OSD_REPOP: REPOP_WIRE_TYPE,
  /** Peering: a primary asks for a copy's info and log (reply OsdPgInfoReply). */
  OSD_PG_QUERY: 'osd.pg_query',
  /** Peering: the primary tells a member to adopt the authoritative log and go active. */
  OSD_PG_ACTIVATE: 'osd.pg_activate',
  /** Recovery: a whole object (or its absence) copied from the primary to a member. */
  OSD_PG_PUSH: 'osd.pg_push',
  /** Recovery: the primary fetches a whole object it lacks from a member. */
  OSD_PG_PULL: 'osd.pg_pull',
  /** Backfill: one page of a member's object listing with each object's metadata. */
  OSD_PG_SCAN: 'osd.pg_scan',
  /** Backfill: the target's copy is complete now. */
  OSD_PG_BACKFILLED: 'osd.pg_backfilled',
  /** Heartbeat between OSDs that share PGs. */
  OSD_PING: 'osd.ping',
  /** Scrub: a primary asks a member for its scrub map of a PG (OsdPgScrubMap → OsdPgScrubMapReply). */
  OSD_PG_SCRUB_MAP: 'osd.pg_scrub_map',
  // monitor → OSD (requests on the OSD's monitor session)
  /** `pg scrub|deep-scrub|repair`: the PG's primary starts it and acks at once (OsdPgScrubRequest). */
  OSD_PG_SCRUB: 'osd.pg_scrub',
  /** `pg list-inconsistent-obj`: the primary's findings of its last scrub (OsdPgListInconsistent). */
  OSD_PG_LIST_INCONSISTENT: 'osd.pg_list_inconsistent',
  // OSD → monitor
  /** A peer missed its heartbeats for longer than osd_heartbeat_grace. */
  OSD_FAILURE: 'osd.failure',
} as const;

/** Registered object classes; the OSD replies `{ epoch }` (the ClassMap epoch it now holds). */
export interface ClassMapMessage {
  readonly map: ClassMap;
}

export interface MonHello {
  readonly entityType: 'client' | 'osd';
  /** OSD id, or -1 for clients (the monitor assigns a global id). */
  readonly id: number;
}
export interface MonHelloReply {
  readonly globalId: number;
  readonly fsid: string;
}

export interface MonSubscribe {
  /** Send the current map if newer than this epoch, then push every new epoch. */
  readonly sinceEpoch: number;
}

/** A monitor command, Ceph style: { prefix: 'osd pool create', pool: 'p', pg_num: 8, ... }. */
export interface MonCommand {
  readonly prefix: string;
  readonly [arg: string]: unknown;
}
export interface MonCommandReply {
  /** 0 or negative errno. */
  readonly ret: number;
  /** Status text (Ceph's "outs"). */
  readonly outs: string;
  /** Structured result (JSON-able), when the command has one. */
  readonly out?: unknown;
}

export interface OsdBoot {
  readonly id: number;
  readonly addr: string;
  readonly host: string;
  readonly uuid: string;
}

export interface PgStat {
  readonly pool: number;
  readonly ps: number;
  readonly state: string;
  readonly objects: number;
  readonly bytes: number;
  readonly lastUpdate: number;
  /** Errors the last scrub found and no repair has fixed yet (absent: 0). */
  readonly scrubErrors?: number;
  /** Object copies missing on some member (recovery, backfill, absent members). */
  readonly degradedObjects?: number;
  readonly lastScrubStamp?: string;
  readonly lastDeepScrubStamp?: string;
  /** Set by the monitor in `pg dump`: the map epoch of the primary's report this row comes from. */
  readonly reportedEpoch?: number;
}
export interface OsdPgStats {
  readonly id: number;
  readonly epoch: number;
  readonly pgs: readonly PgStat[];
  readonly store: { readonly usedBytes: number; readonly objects: number; readonly totalBytes: number; readonly availBytes: number };
  readonly poolIo: ReadonlyArray<{ pool: number; rdOps: number; rdBytes: number; wrOps: number; wrBytes: number }>;
  /** Objects this OSD has recovered or backfilled since it started (the monitor derives a rate). */
  readonly recoveredObjects?: number;
}

export interface OsdOpRequest {
  readonly pool: number;
  readonly namespace: string;
  readonly oid: string;
  readonly locator: string;
  readonly ops: readonly SubOp[];
  /** OPERATION_FLAG bits. */
  readonly flags: number;
  readonly mtime: Timespec;
  /** The client's map epoch when it targeted this OSD. */
  readonly epoch: number;
  /** (client global id, tid): unique per logical op, kept across resends for duplicate detection. */
  readonly reqid: readonly [number, number];
}

export interface OsdOpReply {
  readonly ret: number;
  readonly version: number;
  readonly results: readonly SubOpResult[];
  /** Set when the OSD is not the primary for this PG at its epoch: retry with a map ≥ this epoch. */
  readonly retryEpoch?: number;
}

export interface OsdPglsRequest {
  readonly pool: number;
  readonly ps: number;
  /** Opaque cursor returned by a previous reply, or undefined to start. */
  readonly cursor: unknown;
  readonly max: number;
  /** Namespace filter; ALL_NSPACES ("\x01") lists every namespace. */
  readonly namespace: string;
  readonly epoch: number;
}
export interface OsdPglsReply {
  readonly entries: ReadonlyArray<{ readonly namespace: string; readonly oid: string; readonly locator: string }>;
  /** undefined when this PG is exhausted. */
  readonly cursor: unknown;
  readonly retryEpoch?: number;
}

/** Primary → replica: apply this transaction for one object in PG (pool, ps). */
export interface OsdRepop {
  readonly pool: number;
  readonly ps: number;
  readonly epoch: number;
  readonly key: { readonly hash: number; readonly namespace: string; readonly oid: string; readonly locator: string };
  readonly steps: readonly TxnStep[];
  readonly meta: ObjectMeta | undefined;
  readonly logEntry: PgLogEntry;
}

export interface PgLogEntry {
  readonly version: number;
  readonly epoch: number;
  readonly reqid: readonly [number, number];
  readonly oid: string;
  readonly namespace: string;
  /** Absent in entries written before recovery existed: read as ''. */
  readonly locator?: string;
  readonly op: 'modify' | 'delete' | 'error';
  readonly userVersion: number;
  readonly ret: number;
}

/**
 * A published epoch: the whole map, or (normally) what changed since the epoch before it. A
 * receiver whose map is not at `inc.epoch - 1` asks the monitor for the full map (MON_GET_MAP).
 */
export type OsdMapMessage = { readonly map: OsdMap; readonly inc?: undefined } | { readonly inc: OsdMapIncremental; readonly map?: undefined };

/** Namespace value that lists every namespace (librados LIBRADOS_ALL_NSPACES). */
export const ALL_NSPACES = '\x01';

/** Same shape as src/osd/pg PgInfo (proto may not import the PG layer). */
export interface PgInfoWire {
  readonly lastUpdate: { readonly epoch: number; readonly version: number };
  readonly logTail: number;
  readonly lastEpochStarted: number;
  readonly lastEpochActive: number;
  readonly missing: readonly string[];
  readonly backfilling: boolean;
}

export interface OsdPgQuery {
  readonly pool: number;
  readonly ps: number;
  readonly epoch: number;
}
export interface OsdPgInfoReply {
  readonly info: PgInfoWire;
  /** Retained log entries, ascending, consecutive from info.logTail + 1. */
  readonly entries: readonly PgLogEntry[];
}

export interface OsdPgActivate {
  readonly pool: number;
  readonly ps: number;
  readonly epoch: number;
  /** Keep own entries up to this version (-1: none), then append `entries`. */
  readonly keepThrough: number;
  readonly entries: readonly PgLogEntry[];
  readonly logTail: number;
  readonly missing: readonly string[];
  readonly backfill: boolean;
}

/** A whole object as recovery copies it; `meta` undefined means "absent: remove it". */
export interface ObjectCopy {
  readonly key: { readonly hash: number; readonly namespace: string; readonly oid: string; readonly locator: string };
  readonly meta: ObjectMeta | undefined;
  readonly data: Buffer;
  readonly xattrs: ReadonlyArray<readonly [string, Buffer]>;
  readonly header: Buffer;
  readonly omap: ReadonlyArray<readonly [string, Buffer]>;
}

export interface OsdPgPush {
  readonly pool: number;
  readonly ps: number;
  readonly epoch: number;
  readonly object: ObjectCopy;
}
export interface OsdPgPull {
  readonly pool: number;
  readonly ps: number;
  readonly epoch: number;
  readonly key: ObjectCopy['key'];
}
export interface OsdPgPullReply {
  readonly object: ObjectCopy;
}

export interface OsdPgScan {
  readonly pool: number;
  readonly ps: number;
  readonly epoch: number;
  /** Opaque cursor from the previous page, or undefined to start. */
  readonly cursor: unknown;
  readonly max: number;
}
export interface OsdPgScanReply {
  readonly objects: ReadonlyArray<{ readonly key: ObjectCopy['key']; readonly meta: ObjectMeta | undefined }>;
  /** undefined when the listing is complete. */
  readonly cursor: unknown;
}

export interface OsdPing {
  readonly from: number;
  readonly epoch: number;
}

export interface OsdFailureReport {
  readonly target: number;
  readonly reporter: number;
  readonly epoch: number;
  /** How long the target has been silent, in milliseconds. */
  readonly silent_ms: number;
}

/** Same shape as src/osd/pg ScrubObject. */
export interface ScrubObjectWire {
  readonly name: string;
  readonly size: number;
  readonly userVersion: number;
  readonly mtime: { readonly sec: number; readonly nsec: number };
  readonly attrsDigest: number;
  readonly omapDigest: number;
  readonly omapHeaderDigest: number;
  readonly dataDigest?: number;
}

export interface OsdPgScrubMap {
  readonly pool: number;
  readonly ps: number;
  readonly epoch: number;
  readonly deep: boolean;
}
export interface OsdPgScrubMapReply {
  readonly objects: readonly ScrubObjectWire[];
}

export interface OsdPgScrubRequest {
  readonly pool: number;
  readonly ps: number;
  readonly deep: boolean;
  readonly repair: boolean;
}

export interface OsdPgListInconsistent {
  readonly pool: number;
  readonly ps: number;
}
/** Like `rados list-inconsistent-obj`, simplified. */
export interface OsdPgListInconsistentReply {
  readonly epoch: number;
  readonly inconsistents: ReadonlyArray<{
    readonly object: { readonly name: string; readonly nspace: string; readonly locator: string };
    readonly errors: readonly string[];
    readonly union_shard_errors: readonly string[];
    readonly selected_object_info: { readonly osd: number };
    readonly shards: ReadonlyArray<{ readonly osd: number; readonly primary: boolean; readonly errors: readonly string[] }>;
  }>;
}
