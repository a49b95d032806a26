// Incremental OSD maps, as Ceph's OSDMap::Incremental: what changed from one epoch to the next.
// The monitor publishes one of these per epoch instead of the whole map: marking one OSD down in a
// 1,000-OSD map changes a ~100-byte entry of a 137 KB map, and every daemon and client receives
// each epoch. A receiver applies it to its map of exactly the previous epoch; one that missed an
// epoch (or has no map yet) asks the monitor for the full map instead.
//
// The diff is generic over OsdMap's fields, so a field added later travels without changes here:
//   - `pools` and `osds` (arrays ordered by id) as the entries added or changed, and the ids gone;
//   - `pgTemp` (a record) as the keys set and the keys removed;
//   - every other field whole, when it differs (the CRUSH map after an edit, poolMax, ...).

import { invariant } from '../../core/assert.js';
import type { OsdInfo, OsdMap, PoolInfo } from './osdmap.js';

interface ById<T> {
  /** New or changed entries, ascending by id. */
  readonly upsert: readonly T[];
  /** Ids removed, ascending. */
  readonly remove: readonly number[];
}

export interface OsdMapIncremental {
  readonly fsid: string;
  /** The epoch this produces; it applies only to a map at `epoch - 1`. */
  readonly epoch: number;
  readonly pools?: ById<PoolInfo>;
  readonly osds?: ById<OsdInfo>;
  readonly pgTemp?: { readonly set: Readonly<Record<string, readonly number[]>>; readonly remove: readonly string[] };
  /** Every other top-level field that changed, whole. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

const KEYED_FIELDS = new Set(['pools', 'osds', 'pgTemp', 'epoch', 'fsid']);

/** Structural equality of JSON-like values (what a map is made of); an undefined field is an absent one. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i += 1) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.byteLength !== b.byteLength) return false;
    return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) if (!sameValue(ra[k], rb[k])) return false;
  return true;
}

function diffById<T extends { readonly id: number }>(prev: readonly T[], next: readonly T[]): ById<T> | undefined {
  const before = new Map(prev.map((e) => [e.id, e]));
  const upsert: T[] = [];
  for (const e of next) {
    const old = before.get(e.id);
    if (old === undefined || (old !== e && !sameValue(old, e))) upsert.push(e);
    before.delete(e.id);
  }
  const remove = [...before.keys()].sort((x, y) => x - y);
  if (upsert.length === 0 && remove.length === 0) return undefined;
  upsert.sort((x, y) => x.id - y.id);
  return { upsert, remove };
}

function applyById<T extends { readonly id: number }>(entries: readonly T[], change: ById<T> | undefined): readonly T[] {
  if (change === undefined) return entries;
  const byId = new Map(entries.map((e) => [e.id, e]));
  for (const id of change.remove) byId.delete(id);
  for (const e of change.upsert) byId.set(e.id, e);
  return [...byId.values()].sort((x, y) => x.id - y.id);
}

/**
 * What turns `prev` into `next` (consecutive epochs of one cluster). Undefined when an incremental
 * cannot express it exactly (an array not ordered by id): the caller sends the full map.
 */
export function diffOsdMap(prev: OsdMap, next: OsdMap): OsdMapIncremental | undefined {
  invariant(next.epoch === prev.epoch + 1 && next.fsid === prev.fsid, 'an incremental joins consecutive epochs of one cluster');
  const pools = diffById(prev.pools, next.pools);
  const osds = diffById(prev.osds, next.osds);
  const set: Record<string, readonly number[]> = {};
  let setCount = 0;
  for (const [k, v] of Object.entries(next.pgTemp)) {
    if (!sameValue(prev.pgTemp[k], v)) {
      set[k] = v;
      setCount += 1;
    }
  }
  const remove = Object.keys(prev.pgTemp).filter((k) => next.pgTemp[k] === undefined);
  const fields: Record<string, unknown> = {};
  let fieldCount = 0;
  const prevFields = prev as unknown as Record<string, unknown>;
  const nextFields = next as unknown as Record<string, unknown>;
  for (const k of new Set([...Object.keys(prevFields), ...Object.keys(nextFields)])) {
    if (KEYED_FIELDS.has(k) || sameValue(prevFields[k], nextFields[k])) continue;
    // An absent field is sent as null: msgpack would drop an undefined.
    fields[k] = nextFields[k] ?? null;
    fieldCount += 1;
  }
  const inc: OsdMapIncremental = {
    fsid: next.fsid,
    epoch: next.epoch,
    ...(pools ? { pools } : {}),
    ...(osds ? { osds } : {}),
    ...(setCount > 0 || remove.length > 0 ? { pgTemp: { set, remove } } : {}),
    ...(fieldCount > 0 ? { fields } : {}),
  };
  // Exactness is checked, not assumed: a map the incremental does not reproduce goes out whole.
  return sameValue(applyOsdMapIncremental(prev, inc), next) ? inc : undefined;
}

/** `map` at `inc.epoch`; the caller has checked that `map` is at `inc.epoch - 1` of the same cluster. */
export function applyOsdMapIncremental(map: OsdMap, inc: OsdMapIncremental): OsdMap {
  invariant(inc.epoch === map.epoch + 1 && inc.fsid === map.fsid, 'an incremental applies to the epoch before it');
  let pgTemp = map.pgTemp;
  if (inc.pgTemp !== undefined) {
    const merged: Record<string, readonly number[]> = { ...map.pgTemp };
    for (const k of inc.pgTemp.remove) delete merged[k];
    for (const [k, v] of Object.entries(inc.pgTemp.set)) merged[k] = v;
    pgTemp = merged;
  }
  const out: Record<string, unknown> = {
    ...map,
    epoch: inc.epoch,
    pools: applyById(map.pools, inc.pools),
    osds: applyById(map.osds, inc.osds),
    pgTemp,
  };
  for (const [k, v] of Object.entries(inc.fields ?? {})) {
    if (KEYED_FIELDS.has(k)) continue;
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out as unknown as OsdMap;
}

function isIdList(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x));
}

function isById(v: unknown): boolean {
  if (v === undefined) return true;
  if (typeof v !== 'object' || v === null) return false;
  const c = v as { upsert?: unknown; remove?: unknown };
  return (
    Array.isArray(c.upsert) &&
    c.upsert.every((e) => typeof e === 'object' && e !== null && Number.isSafeInteger((e as { id?: unknown }).id)) &&
    isIdList(c.remove)
  );
}

/** The shape of an incremental received from the wire (what applying it relies on). */
export function isOsdMapIncremental(v: unknown): v is OsdMapIncremental {
  if (typeof v !== 'object' || v === null) return false;
  const inc = v as Record<string, unknown>;
  if (typeof inc['fsid'] !== 'string' || !Number.isSafeInteger(inc['epoch'])) return false;
  if (!isById(inc['pools']) || !isById(inc['osds'])) return false;
  const pg = inc['pgTemp'];
  if (pg !== undefined) {
    if (typeof pg !== 'object' || pg === null) return false;
    const p = pg as { set?: unknown; remove?: unknown };
    if (typeof p.set !== 'object' || p.set === null || !Array.isArray(p.remove) || !p.remove.every((k) => typeof k === 'string')) return false;
    if (!Object.values(p.set).every(isIdList)) return false;
  }
  const fields = inc['fields'];
  return fields === undefined || (typeof fields === 'object' && fields !== null && !Array.isArray(fields));
}

/** What a receiver does with a published epoch (see receivedMap). */
export type ReceivedMap =
  | { readonly t: 'map'; readonly map: OsdMap }
  | { readonly t: 'old' }
  | { readonly t: 'fetch'; readonly malformed: boolean };

/**
 * The one rule for every receiver of published epochs: a full map is taken as is; an incremental
 * applies to the map of exactly the epoch before it, is ignored when the receiver is already at
 * or past its epoch, and otherwise (a missed epoch, no map yet, another cluster, or a malformed
 * incremental) the receiver fetches the full map instead.
 */
export function receivedMap(current: OsdMap | undefined, msg: { readonly map?: OsdMap | undefined; readonly inc?: unknown }): ReceivedMap {
  if (msg.map !== undefined) return { t: 'map', map: msg.map };
  if (!isOsdMapIncremental(msg.inc)) return { t: 'fetch', malformed: true };
  if (current !== undefined && msg.inc.epoch <= current.epoch) return { t: 'old' };
  if (current !== undefined && msg.inc.epoch === current.epoch + 1 && msg.inc.fsid === current.fsid) {
    return { t: 'map', map: applyOsdMapIncremental(current, msg.inc) };
  }
  return { t: 'fetch', malformed: false };
}
