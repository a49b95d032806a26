// Scrub's judgement, pure: given every acting member's scrub map of one PG, find the objects whose
// copies disagree, say which members differ in which fields, and pick the copy a repair spreads.
import { invariant } from '../../core/assert.js';
import type { ObjectName } from './types.js';

/** One object as a member's scrub map describes it (digests are crc32c, computed by the OSD). */
export interface ScrubObject {
  readonly name: ObjectName;
  readonly size: number;
  readonly userVersion: number;
  readonly mtime: { readonly sec: number; readonly nsec: number };
  readonly attrsDigest: number;
  readonly omapDigest: number;
  readonly omapHeaderDigest: number;
  /** Present only in a deep scrub's map. */
  readonly dataDigest?: number;
}

/** A member's scrub map of a PG. */
export interface ScrubMap {
  readonly osd: number;
  readonly objects: readonly ScrubObject[];
}

export type ScrubField = 'missing' | 'size' | 'user_version' | 'mtime' | 'attrs_digest' | 'omap_digest' | 'omap_header_digest' | 'data_digest';

export interface ScrubShardError {
  readonly osd: number;
  /** Fields in which this member's copy differs from the authoritative one. */
  readonly errors: readonly ScrubField[];
}

export interface ScrubInconsistency {
  readonly name: ObjectName;
  /** The member whose copy a repair spreads. */
  readonly authoritative: number;
  /** Union of every differing member's errors. */
  readonly errors: readonly ScrubField[];
  readonly shards: readonly ScrubShardError[];
}

/** Objects compared per PG (the maps are held in memory). */
export const SCRUB_OBJECTS_MAX = 1_000_000;

/** The fields in which `b` differs from `a`; an absent copy differs only in 'missing'. */
export function diffScrubObjects(a: ScrubObject | undefined, b: ScrubObject | undefined, deep: boolean): ScrubField[] {
  if (a === undefined || b === undefined) return a === b ? [] : ['missing'];
  const out: ScrubField[] = [];
  if (a.size !== b.size) out.push('size');
  if (a.userVersion !== b.userVersion) out.push('user_version');
  if (a.mtime.sec !== b.mtime.sec || a.mtime.nsec !== b.mtime.nsec) out.push('mtime');
  if (a.attrsDigest !== b.attrsDigest) out.push('attrs_digest');
  if (a.omapHeaderDigest !== b.omapHeaderDigest) out.push('omap_header_digest');
  if (a.omapDigest !== b.omapDigest) out.push('omap_digest');
  if (deep && a.dataDigest !== b.dataDigest) out.push('data_digest');
  return out;
}

/**
 * Compares the members' maps. The primary's copy is authoritative unless a strict majority of
 * the members agrees on another version of the object (then the primary is the odd one out).
 */
export function compareScrubMaps(primary: number, maps: readonly ScrubMap[], deep: boolean): ScrubInconsistency[] {
  invariant(maps.some((m) => m.osd === primary), 'the primary scrubs its own copy too');
  const byOsd = new Map<number, Map<ObjectName, ScrubObject>>();
  const names = new Set<ObjectName>();
  for (const m of maps) {
    invariant(m.objects.length <= SCRUB_OBJECTS_MAX, `osd.${m.osd} listed at most ${SCRUB_OBJECTS_MAX} objects`);
    const objects = new Map<ObjectName, ScrubObject>();
    for (const o of m.objects) {
      objects.set(o.name, o);
      names.add(o.name);
    }
    byOsd.set(m.osd, objects);
  }
  const osds = maps.map((m) => m.osd);
  const out: ScrubInconsistency[] = [];
  for (const name of [...names].sort()) {
    const copy = (osd: number): ScrubObject | undefined => byOsd.get(osd)?.get(name);
    // Group members whose copies agree with each other.
    const groups: number[][] = [];
    for (const osd of osds) {
      const group = groups.find((g) => g[0] !== undefined && diffScrubObjects(copy(g[0]), copy(osd), deep).length === 0);
      if (group) group.push(osd);
      else groups.push([osd]);
    }
    if (groups.length === 1) continue;
    const primaryGroup = groups.find((g) => g.includes(primary));
    invariant(primaryGroup !== undefined, 'the primary is in one group');
    let authGroup = primaryGroup;
    for (const g of groups) if (g.length * 2 > osds.length && g.length > authGroup.length) authGroup = g;
    const authoritative = authGroup.includes(primary) ? primary : authGroup[0];
    invariant(authoritative !== undefined, 'the authoritative group is not empty');
    const shards: ScrubShardError[] = [];
    const errors = new Set<ScrubField>();
    for (const osd of osds) {
      const e = diffScrubObjects(copy(authoritative), copy(osd), deep);
      if (e.length === 0) continue;
      shards.push({ osd, errors: e });
      for (const f of e) errors.add(f);
    }
    out.push({ name, authoritative, errors: [...errors], shards });
  }
  return out;
}
