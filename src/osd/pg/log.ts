// Pure PG log arithmetic: where two copies' histories agree, and which objects one copy must
// receive to match the authoritative one.
import { invariant } from '../../core/assert.js';
import { objectNameOf, type LogEntry, type ObjectName, type PgInfo } from './types.js';

/** A copy's log as peering sees it: info plus the retained entries (ascending, consecutive). */
export interface PeerLog {
  readonly info: PgInfo;
  readonly entries: readonly LogEntry[];
}

export function checkLog(log: PeerLog): void {
  const { info, entries } = log;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    invariant(e !== undefined && e.version === info.logTail + i + 1, 'log entries are consecutive from the tail');
  }
  const last = entries[entries.length - 1];
  invariant(
    last === undefined ? info.lastUpdate.version === info.logTail : last.version === info.lastUpdate.version && last.epoch === info.lastUpdate.epoch,
    'the newest entry is last_update',
  );
}

function entryAt(log: PeerLog, version: number): LogEntry | undefined {
  const e = log.entries[version - log.info.logTail - 1];
  invariant(e === undefined || e.version === version, 'entries are indexed by version');
  return e;
}

/**
 * The newest version at which `peer` and `auth` hold the same entry (0 when both start empty),
 * or undefined when their retained logs do not overlap far enough to tell: then only a backfill
 * can bring `peer` level with `auth`.
 */
export function commonPoint(auth: PeerLog, peer: PeerLog): number | undefined {
  if (peer.info.lastUpdate.version === 0) return auth.info.logTail === 0 ? 0 : undefined;
  // Two logs that were never trimmed agree at least on the empty state before version 1.
  const untrimmed = auth.info.logTail === 0 && peer.info.logTail === 0;
  const top = Math.min(peer.info.lastUpdate.version, auth.info.lastUpdate.version);
  const bottom = Math.max(peer.info.logTail, auth.info.logTail) + 1;
  // Bounded: the scan walks retained entries only (at most the shorter log's length).
  for (let v = top; v >= bottom; v--) {
    const a = entryAt(auth, v);
    const p = entryAt(peer, v);
    if (a !== undefined && p !== undefined && a.epoch === p.epoch) return v;
  }
  return untrimmed ? 0 : undefined;
}

/**
 * Objects whose state on `peer` may differ from the authoritative state: touched by an
 * authoritative entry after the common point, by one of the peer's own divergent entries, or
 * already missing there. Undefined when the peer needs a backfill.
 */
export function missingFor(auth: PeerLog, peer: PeerLog): Set<ObjectName> | undefined {
  if (peer.info.backfilling) return undefined;
  const cp = commonPoint(auth, peer);
  if (cp === undefined) return undefined;
  const out = new Set<ObjectName>(peer.info.missing);
  for (const e of auth.entries) if (e.version > cp) out.add(objectNameOf(e));
  for (const e of peer.entries) if (e.version > cp) out.add(objectNameOf(e));
  return out;
}
