// Vocabulary of peering and recovery: versions, log entries, the per-OSD summary of one PG copy.
// Plain data only (it crosses the wire inside peering messages and is persisted in pg meta).

/** Ceph's eversion_t: (epoch of the primary that wrote it, per-PG version). Ordered lexicographically. */
export interface Eversion {
  readonly epoch: number;
  readonly version: number;
}

export const EVERSION_ZERO: Eversion = { epoch: 0, version: 0 };

export function compareEversion(a: Eversion, b: Eversion): number {
  return a.epoch - b.epoch || a.version - b.version;
}

/** One PG log entry. Versions are consecutive within a PG; (version, epoch) identifies an entry. */
export interface LogEntry {
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

/** Stable identity of an object inside its PG (namespace, oid, locator). */
export type ObjectName = string;

export function objectNameOf(e: { readonly oid: string; readonly namespace: string; readonly locator?: string }): ObjectName {
  return `${e.namespace}\0${e.oid}\0${e.locator ?? ''}`;
}

export function parseObjectName(name: ObjectName): { namespace: string; oid: string; locator: string } {
  const [namespace = '', oid = '', locator = ''] = name.split('\0');
  return { namespace, oid, locator };
}

/**
 * What one OSD knows about its copy of a PG (Ceph's pg_info_t, reduced). Persisted in pg meta
 * with every transaction, so it is exactly as durable as the objects it describes.
 */
export interface PgInfo {
  /** Newest log entry this copy has (0,0 when it never saw a write). */
  readonly lastUpdate: Eversion;
  /** Entries with version > logTail are retained; older ones were trimmed. */
  readonly logTail: number;
  /**
   * Epoch of the last peering that activated this copy (Ceph's info.last_epoch_started). It is
   * set before the interval is known to have gone active, so on a copy still being backfilled it
   * proves nothing and peering ignores it.
   */
  readonly lastEpochStarted: number;
  /**
   * Newest interval this copy took part in writes of (Ceph's history.last_epoch_started): a
   * write is made only once every member activated, and every member records it with the write.
   * Counts even on a copy mid-backfill: its interval did go active.
   */
  readonly lastEpochActive: number;
  /** Objects whose content here lags behind this copy's own log (recovery not finished). */
  readonly missing: readonly ObjectName[];
  /** True while a backfill into this copy is unfinished: its objects cannot be trusted. */
  readonly backfilling: boolean;
}

export const EMPTY_PG_INFO: PgInfo = { lastUpdate: EVERSION_ZERO, logTail: 0, lastEpochStarted: 0, lastEpochActive: 0, missing: [], backfilling: false };
