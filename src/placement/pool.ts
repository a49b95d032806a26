// Object → PG: the object-name hash, ceph_stable_mod, and the placement seed fed to CRUSH
// (spec/placement.md §1–2).

import { invariant } from '../core/assert.js';
import { crushHash32_2, strHashRjenkins, utf8 } from './hash.js';

/** Pool fields placement needs. */
export interface PoolPlacement {
  id: number;
  size: number;
  pgNum: number;
  pgpNum: number;
  crushRule: number;
  hashpspool: boolean;
  /** Erasure-coded pools keep positions (holes instead of shifting); default replicated. */
  erasure?: boolean;
}

/** Largest pg_num a pool may have (mon_max_pool_pg_num). */
export const PG_NUM_MAX = 65536;

/**
 * `ceph_stable_mod`: x mod b for a growing b such that raising b only ever splits buckets.
 * `bmask` is 2^k - 1 with 2^(k-1) < b <= 2^k.
 */
export function stableMod(x: number, b: number, bmask: number): number {
  const low = (x & bmask) >>> 0;
  return low < b ? low : (x & (bmask >>> 1)) >>> 0;
}

/** `calc_pg_masks`: (1 << bitlen(n - 1)) - 1; n = 1 gives 0. */
export function pgMask(n: number): number {
  invariant(Number.isInteger(n) && n >= 1 && n <= PG_NUM_MAX, `pg count ${n} out of range`);
  const bits = 32 - Math.clz32(n - 1);
  return bits === 32 ? 0xffffffff : (1 << bits) - 1;
}

/**
 * The bytes hashed for an object: the locator key if non-empty, else the name, prefixed by
 * namespace + 0x1F when a namespace is set.
 */
export function objectHashKey(oid: string, namespace: string, locator: string): Uint8Array {
  const key = utf8(locator.length > 0 ? locator : oid);
  if (namespace.length === 0) return key;
  const ns = utf8(namespace);
  const out = new Uint8Array(ns.length + 1 + key.length);
  out.set(ns, 0);
  out[ns.length] = 0x1f;
  out.set(key, ns.length + 1);
  return out;
}

/** Object → PG seed (`ps`, 0..pgNum-1) and the raw 32-bit hash it came from. */
export function objectToPg(pool: PoolPlacement, oid: string, namespace: string, locator: string): { ps: number; hash: number } {
  const hash = strHashRjenkins(objectHashKey(oid, namespace, locator));
  return { ps: rawHashToPs(pool, hash), hash };
}

/** `raw_pg_to_pg`: a raw hash folded onto the pool's pg_num. */
export function rawHashToPs(pool: PoolPlacement, hash: number): number {
  return stableMod(hash, pool.pgNum, pgMask(pool.pgNum));
}

/**
 * `raw_pg_to_pps`: the CRUSH input x for a PG. PGs that agree under pgp_num share a placement;
 * HASHPSPOOL mixes the pool id in so that pools do not overlay each other PG by PG.
 */
export function placementSeed(pool: PoolPlacement, ps: number): number {
  const folded = stableMod(ps, pool.pgpNum, pgMask(pool.pgpNum));
  if (pool.hashpspool) return crushHash32_2(folded, pool.id);
  return (folded + pool.id) >>> 0;
}

/** PG id as Ceph prints it: "<pool>.<ps in hex>". */
export function pgIdString(poolId: number, ps: number): string {
  return `${poolId}.${ps.toString(16)}`;
}
