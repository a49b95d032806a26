// PG → up and acting sets: CRUSH output filtered by the OSDMap's view of which OSDs exist and
// are up, then primary affinity, then pg_temp/primary_temp overrides (spec/placement.md §8).

import { crushHash32_2 } from './hash.js';
import { crushDoRule } from './crush/mapper.js';
import { CRUSH_ITEM_NONE, type CrushMap, WEIGHT_ONE } from './crush/types.js';
import { placementSeed, type PoolPlacement } from './pool.js';

export interface PgMappingInput {
  map: CrushMap;
  pool: PoolPlacement;
  /** PG seed, 0..pool.pgNum-1. */
  ps: number;
  osdUp: (id: number) => boolean;
  /** Per-OSD reweight, 16.16: 0x10000 in, 0 out. Its length is max_osd. */
  osdWeights: ArrayLike<number>;
  /** Whether an OSD id exists in the OSDMap; defaults to id < osdWeights.length. */
  osdExists?: (id: number) => boolean;
  /** Per-OSD primary affinity, 16.16 (default 0x10000 for all). */
  primaryAffinity?: ArrayLike<number>;
  pgTemp?: number[];
  primaryTemp?: number;
}

export interface PgMapping {
  up: number[];
  upPrimary: number;
  acting: number[];
  actingPrimary: number;
}

function firstValid(osds: readonly number[]): number {
  for (const o of osds) if (o !== CRUSH_ITEM_NONE) return o;
  return -1;
}

/** The raw CRUSH result for a PG, nonexistent OSDs already removed (or holed for EC). */
export function pgToRawOsds(input: PgMappingInput): number[] {
  const { map, pool, ps, osdWeights } = input;
  const exists = input.osdExists ?? ((id: number) => id >= 0 && id < osdWeights.length);
  const pps = placementSeed(pool, ps);
  const raw = crushDoRule(map, pool.crushRule, pps, pool.size, osdWeights);
  const out: number[] = [];
  for (const o of raw) {
    if (o !== CRUSH_ITEM_NONE && exists(o)) out.push(o);
    else if (pool.erasure === true) out.push(CRUSH_ITEM_NONE);
  }
  return out;
}

/** Ceph's `_pg_to_up_acting_osds` without upmaps. */
export function pgToUpActing(input: PgMappingInput): PgMapping {
  const { pool, osdWeights } = input;
  const exists = input.osdExists ?? ((id: number) => id >= 0 && id < osdWeights.length);
  const canShift = pool.erasure !== true;
  const raw = pgToRawOsds(input);

  const up: number[] = [];
  for (const o of raw) {
    if (o !== CRUSH_ITEM_NONE && exists(o) && input.osdUp(o)) up.push(o);
    else if (!canShift) up.push(CRUSH_ITEM_NONE);
  }
  let upPrimary = firstValid(up);
  if (input.primaryAffinity !== undefined) {
    upPrimary = applyPrimaryAffinity(input.primaryAffinity, placementSeed(pool, input.ps), up, upPrimary, canShift);
  }

  const temp: number[] = [];
  for (const o of input.pgTemp ?? []) {
    if (!exists(o) || !input.osdUp(o)) {
      if (!canShift) temp.push(CRUSH_ITEM_NONE);
    } else {
      temp.push(o);
    }
  }
  let tempPrimary = -1;
  if (input.primaryTemp !== undefined) tempPrimary = input.primaryTemp;
  else tempPrimary = firstValid(temp);

  if (temp.length === 0) {
    return { up, upPrimary, acting: [...up], actingPrimary: tempPrimary !== -1 ? tempPrimary : upPrimary };
  }
  return { up, upPrimary, acting: temp, actingPrimary: tempPrimary };
}

/**
 * Primary affinity: an OSD with affinity a < 1 accepts primacy only for a hash-chosen fraction
 * of PGs. For replicated pools the chosen primary moves to the front of the up set.
 */
function applyPrimaryAffinity(affinity: ArrayLike<number>, pps: number, up: number[], current: number, canShift: boolean): number {
  const aff = (o: number): number => (o < affinity.length ? affinity[o]! : WEIGHT_ONE);
  if (!up.some((o) => o !== CRUSH_ITEM_NONE && aff(o) !== WEIGHT_ONE)) return current;
  let pos = -1;
  for (let i = 0; i < up.length; i++) {
    const o = up[i]!;
    if (o === CRUSH_ITEM_NONE) continue;
    const a = aff(o);
    if (a < WEIGHT_ONE && crushHash32_2(pps, o) >>> 16 >= a) {
      // Declined; remember it as a fallback only if nothing accepts.
      if (pos < 0) pos = i;
      continue;
    }
    pos = i;
    break;
  }
  if (pos < 0) return current;
  const primary = up[pos]!;
  if (canShift && pos > 0) {
    up.splice(pos, 1);
    up.unshift(primary);
  }
  return primary;
}
