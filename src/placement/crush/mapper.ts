// crush_do_rule: the mapping from a placement seed x to an ordered list of devices, following
// Ceph's mapper (spec/placement.md §5–6) so that results agree with Ceph bit for bit.
//
// The plain-data CrushMap is compiled once into typed arrays (cached per map object) and every
// mapping reuses preallocated scratch vectors: the hot path does integer hashing, table lookups
// and comparisons only, with no allocation besides the returned result.

import { invariant } from '../../core/assert.js';
import { crushHash32_2, crushHash32_3, crushHash32_3Items, crushHash32_4 } from '../hash.js';
import { simdHash4 } from '../hash-simd.js';
import { straw2LnTable } from './ln.js';
import {
  BucketAlg,
  CRUSH_ITEM_NONE,
  CRUSH_ITEM_UNDEF,
  type CrushMap,
  RuleOp,
  WEIGHT_ONE,
  maxDevices as mapMaxDevices,
} from './types.js';

/** Largest result a rule may be asked for; bounds the scratch vectors. */
export const CRUSH_RESULT_MAX_LIMIT = 1024;

interface RtBucket {
  id: number;
  type: number;
  alg: number;
  size: number;
  items: Int32Array;
  /** Items padded with zeros to a multiple of four, for the four-lane hash. */
  items4: Int32Array;
  /** Item weights as doubles: straw2 divides by them. */
  weights: Float64Array;
  /** Prefix sums of item weights, for list buckets. */
  sumWeights: Float64Array;
  /** Scratch permutation for uniform buckets and the legacy local fallback. */
  perm: Int32Array;
}

interface RtRule {
  ops: Int32Array;
  arg1: Int32Array;
  arg2: Int32Array;
  /** Set when the rule fits firstnStraw2 (see fastRule); null sends it through the general path. */
  fast: FastRule | null;
}

/** `take <bucket>; choose[leaf] firstn <n> type <t>; emit` under jewel tunables, straw2 only. */
interface FastRule {
  take: number;
  numrep: number;
  type: number;
  leaf: boolean;
}

/** Compiled, read-only view of a CrushMap plus reusable scratch space. */
export interface CrushRuntime {
  readonly maxDevices: number;
  readonly maxBuckets: number;
  readonly buckets: ReadonlyArray<RtBucket | undefined>;
  readonly rules: ReadonlyArray<RtRule | undefined>;
  readonly chooseLocalTries: number;
  readonly chooseLocalFallbackTries: number;
  readonly chooseTotalTries: number;
  readonly chooseleafDescendOnce: number;
  readonly chooseleafVaryR: number;
  readonly chooseleafStable: number;
  scratchA: Int32Array;
  scratchB: Int32Array;
  scratchC: Int32Array;
}

const runtimes = new WeakMap<CrushMap, CrushRuntime>();

/** The compiled form of a map, built on first use and cached for the map object's lifetime. */
export function crushRuntime(map: CrushMap): CrushRuntime {
  const cached = runtimes.get(map);
  if (cached !== undefined) return cached;
  const rt = compileRuntime(map);
  runtimes.set(map, rt);
  return rt;
}

function padToFour(items: readonly number[]): Int32Array {
  const out = new Int32Array(Math.max(4, Math.ceil(items.length / 4) * 4));
  out.set(items);
  return out;
}

function compileRuntime(map: CrushMap): CrushRuntime {
  let maxBuckets = 0;
  for (const b of map.buckets) {
    invariant(b.id < 0, `bucket ${b.name} has non-negative id ${b.id}`);
    maxBuckets = Math.max(maxBuckets, -1 - b.id + 1);
  }
  const buckets: Array<RtBucket | undefined> = new Array<RtBucket | undefined>(maxBuckets).fill(undefined);
  for (const b of map.buckets) {
    invariant(b.items.length === b.weights.length, `bucket ${b.name}: items and weights differ in length`);
    const size = b.items.length;
    const sumWeights = new Float64Array(size);
    let sum = 0;
    for (let i = 0; i < size; i++) {
      sum += b.weights[i]!;
      sumWeights[i] = sum;
    }
    buckets[-1 - b.id] = {
      id: b.id,
      type: b.type,
      alg: b.alg,
      size,
      items: Int32Array.from(b.items),
      items4: padToFour(b.items),
      weights: Float64Array.from(b.weights),
      sumWeights,
      perm: new Int32Array(Math.max(size, 1)),
    };
  }
  let maxRules = 0;
  for (const r of map.rules) maxRules = Math.max(maxRules, r.id + 1);
  const rules: Array<RtRule | undefined> = new Array<RtRule | undefined>(maxRules).fill(undefined);
  for (const r of map.rules) {
    rules[r.id] = {
      ops: Int32Array.from(r.steps, (s) => s.op),
      arg1: Int32Array.from(r.steps, (s) => s.arg1),
      arg2: Int32Array.from(r.steps, (s) => s.arg2),
      fast: fastRule(map, r.steps, buckets),
    };
  }
  const t = map.tunables;
  return {
    maxDevices: mapMaxDevices(map),
    maxBuckets,
    buckets,
    rules,
    chooseLocalTries: t.chooseLocalTries,
    chooseLocalFallbackTries: t.chooseLocalFallbackTries,
    chooseTotalTries: t.chooseTotalTries,
    chooseleafDescendOnce: t.chooseleafDescendOnce,
    chooseleafVaryR: t.chooseleafVaryR,
    chooseleafStable: t.chooseleafStable,
    scratchA: new Int32Array(16),
    scratchB: new Int32Array(16),
    scratchC: new Int32Array(16),
  };
}

/**
 * Recognises the rule shape every replicated pool uses by default, under the tunables for which
 * choose_firstn collapses to a short loop: no local retries or fallback, stable and vary_r = 1,
 * descend_once (one leaf attempt per descent), and only straw2 buckets.
 */
function fastRule(map: CrushMap, steps: CrushMap['rules'][number]['steps'], buckets: ReadonlyArray<RtBucket | undefined>): FastRule | null {
  const t = map.tunables;
  if (t.chooseLocalTries !== 0 || t.chooseLocalFallbackTries !== 0 || t.chooseleafStable !== 1) return null;
  if (t.chooseleafVaryR !== 1 || t.chooseleafDescendOnce === 0) return null;
  if (!map.buckets.every((b) => b.alg === BucketAlg.straw2)) return null;
  if (steps.length !== 3) return null;
  const [take, choose, emit] = steps as [typeof steps[0], typeof steps[0], typeof steps[0]];
  if (take.op !== RuleOp.take || emit.op !== RuleOp.emit) return null;
  if (choose.op !== RuleOp.chooseFirstn && choose.op !== RuleOp.chooseleafFirstn) return null;
  if (take.arg1 >= 0 || buckets[-1 - take.arg1] === undefined) return null;
  return { take: take.arg1, numrep: choose.arg1, type: choose.arg2, leaf: choose.op === RuleOp.chooseleafFirstn };
}

// ---------------------------------------------------------------------------------------------
// Bucket choice

const LN = straw2LnTable();

/** Scratch for one bucket's item hashes; a choice consumes it before any nested choice runs. */
let drawScratch = new Int32Array(64);

/**
 * straw2: every item draws ln(u)/weight from its hash u, the highest draw wins (first on ties).
 * The hashes come four at a time from the SIMD module when the runtime has one, else three at a
 * time from the interleaved scalar code; both equal crush_hash32_rjenkins1_3.
 */
function straw2Choose(b: RtBucket, x: number, r: number): number {
  const size = b.size;
  const weights = b.weights;
  let high = 0;
  let highDraw = -Infinity;
  if (simdHash4 !== null) {
    const h4 = simdHash4.h4;
    const lanes = simdHash4.out;
    const items4 = b.items4;
    for (let i = 0; i < size; i += 4) {
      h4(x, r, items4[i]!, items4[i + 1]!, items4[i + 2]!, items4[i + 3]!);
      const n = size - i < 4 ? size - i : 4;
      for (let k = 0; k < n; k++) {
        const w = weights[i + k]!;
        // A zero weight draws Ceph's S64_MIN: never chosen unless every item has weight zero.
        // |LN[u]| < 2^49, so the double quotient truncates to the same integer as C's s64 division.
        const draw = w !== 0 ? Math.trunc(LN[lanes[k]! & 0xffff]! / w) : -Infinity;
        if (i + k === 0 || draw > highDraw) {
          high = i + k;
          highDraw = draw;
        }
      }
    }
    return b.items[high]!;
  }
  if (drawScratch.length < size) drawScratch = new Int32Array(size);
  const hashes = drawScratch;
  crushHash32_3Items(x, r, b.items, size, hashes);
  for (let i = 0; i < size; i++) {
    const w = weights[i]!;
    const draw = w !== 0 ? Math.trunc(LN[hashes[i]! & 0xffff]! / w) : -Infinity;
    if (i === 0 || draw > highDraw) {
      high = i;
      highDraw = draw;
    }
  }
  return b.items[high]!;
}

function listChoose(b: RtBucket, x: number, r: number): number {
  for (let i = b.size - 1; i >= 0; i--) {
    const h = crushHash32_4(x, b.items[i]!, r, b.id) & 0xffff;
    // h < 2^16 and sum < 2^32: the product is exact in a double.
    const w = Math.floor((h * b.sumWeights[i]!) / 0x10000);
    if (w < b.weights[i]!) return b.items[i]!;
  }
  return b.items[0]!;
}

/**
 * Uniform-bucket permutation choice. Ceph caches the partial permutation per x; recomputing it
 * from scratch gives the same result without per-map mutable state beyond a scratch vector.
 */
function permChoose(b: RtBucket, x: number, r: number): number {
  const size = b.size;
  const pr = (r >>> 0) % size;
  if (pr === 0) {
    const s = crushHash32_3(x, b.id, 0) % size;
    return b.items[s]!;
  }
  const perm = b.perm;
  for (let i = 0; i < size; i++) perm[i] = i;
  for (let p = 0; p <= pr; p++) {
    if (p < size - 1) {
      const i = crushHash32_3(x, b.id, p) % (size - p);
      if (i !== 0) {
        const t = perm[p + i]!;
        perm[p + i] = perm[p]!;
        perm[p] = t;
      }
    }
  }
  return b.items[perm[pr]!]!;
}

function bucketChoose(b: RtBucket, x: number, r: number): number {
  switch (b.alg) {
    case BucketAlg.straw2:
      return straw2Choose(b, x, r);
    case BucketAlg.uniform:
      return permChoose(b, x, r);
    case BucketAlg.list:
      return listChoose(b, x, r);
    default:
      // tree and straw (v1) are refused when a map is compiled from text; a map built by hand
      // with them still maps deterministically, as a permutation choice.
      return permChoose(b, x, r);
  }
}

/** Reweight test: a per-(x, device) coin flip weighted by the device's 16.16 reweight. */
function isOut(weights: ArrayLike<number>, item: number, x: number): boolean {
  if (item >= weights.length) return true;
  const w = weights[item]!;
  if (w >= WEIGHT_ONE) return false;
  if (w === 0) return true;
  return (crushHash32_2(x, item) & 0xffff) >= w;
}

// ---------------------------------------------------------------------------------------------
// choose_firstn / choose_indep

function chooseFirstn(
  rt: CrushRuntime,
  bucket: RtBucket,
  weights: ArrayLike<number>,
  x: number,
  numrep: number,
  type: number,
  out: Int32Array,
  outOff: number,
  outposIn: number,
  outSize: number,
  tries: number,
  recurseTries: number,
  localRetries: number,
  localFallbackRetries: number,
  recurseToLeaf: boolean,
  varyR: number,
  stable: number,
  out2: Int32Array | null,
  out2Off: number,
  parentR: number,
): number {
  let outpos = outposIn;
  let count = outSize;
  let item = 0;
  // Each rep's retries are bounded by `tries` descents; each descent by the map's depth (a
  // bucket graph is acyclic) plus the local retry budget.
  for (let rep = stable !== 0 ? 0 : outpos; rep < numrep && count > 0; rep++) {
    let ftotal = 0;
    let skipRep = false;
    let retryDescent: boolean;
    do {
      retryDescent = false;
      let inb = bucket;
      let flocal = 0;
      let retryBucket: boolean;
      do {
        retryBucket = false;
        let collide = false;
        let reject = false;
        const r = rep + parentR + ftotal;
        let itemtype = 0;
        if (inb.size === 0) {
          reject = true;
        } else {
          if (localFallbackRetries > 0 && flocal >= inb.size >> 1 && flocal > localFallbackRetries) {
            item = permChoose(inb, x, r);
          } else {
            item = bucketChoose(inb, x, r);
          }
          if (item >= rt.maxDevices) {
            skipRep = true;
            break;
          }
          let next: RtBucket | undefined;
          if (item < 0) {
            next = rt.buckets[-1 - item];
            itemtype = next === undefined ? -1 : next.type;
          }
          if (itemtype !== type) {
            if (item >= 0 || next === undefined) {
              skipRep = true;
              break;
            }
            inb = next;
            retryBucket = true;
            continue;
          }
          for (let i = 0; i < outpos; i++) {
            if (out[outOff + i] === item) {
              collide = true;
              break;
            }
          }
          if (!collide && recurseToLeaf) {
            if (item < 0) {
              const subR = varyR !== 0 ? r >> (varyR - 1) : 0;
              const got = chooseFirstn(
                rt, next!, weights, x, stable !== 0 ? 1 : outpos + 1, 0,
                out2!, out2Off, outpos, count,
                recurseTries, 0, localRetries, localFallbackRetries,
                false, varyR, stable, null, 0, subR,
              );
              if (got <= outpos) reject = true;
            } else {
              out2![out2Off + outpos] = item;
            }
          }
          if (!reject && !collide && itemtype === 0) reject = isOut(weights, item, x);
        }
        if (reject || collide) {
          ftotal++;
          flocal++;
          if (collide && flocal <= localRetries) retryBucket = true;
          else if (localFallbackRetries > 0 && flocal <= inb.size + localFallbackRetries) retryBucket = true;
          else if (ftotal < tries) retryDescent = true;
          else skipRep = true;
        }
      } while (retryBucket);
    } while (retryDescent);
    if (skipRep) continue;
    out[outOff + outpos] = item;
    outpos++;
    count--;
  }
  return outpos;
}

function chooseIndep(
  rt: CrushRuntime,
  bucket: RtBucket,
  weights: ArrayLike<number>,
  x: number,
  leftIn: number,
  numrep: number,
  type: number,
  out: Int32Array,
  outOff: number,
  outpos: number,
  tries: number,
  recurseTries: number,
  recurseToLeaf: boolean,
  out2: Int32Array | null,
  out2Off: number,
  parentR: number,
): void {
  let left = leftIn;
  const endpos = outpos + left;
  for (let rep = outpos; rep < endpos; rep++) {
    out[outOff + rep] = CRUSH_ITEM_UNDEF;
    if (out2 !== null) out2[out2Off + rep] = CRUSH_ITEM_UNDEF;
  }
  for (let ftotal = 0; left > 0 && ftotal < tries; ftotal++) {
    for (let rep = outpos; rep < endpos; rep++) {
      if (out[outOff + rep] !== CRUSH_ITEM_UNDEF) continue;
      let inb = bucket;
      // One descent per slot per round; the bucket graph is acyclic so this loop ends.
      for (;;) {
        let r = rep + parentR;
        if (inb.alg === BucketAlg.uniform && inb.size % numrep === 0) r += (numrep + 1) * ftotal;
        else r += numrep * ftotal;
        if (inb.size === 0) break;
        const item = bucketChoose(inb, x, r);
        if (item >= rt.maxDevices) {
          out[outOff + rep] = CRUSH_ITEM_NONE;
          if (out2 !== null) out2[out2Off + rep] = CRUSH_ITEM_NONE;
          left--;
          break;
        }
        let itemtype = 0;
        let next: RtBucket | undefined;
        if (item < 0) {
          next = rt.buckets[-1 - item];
          itemtype = next === undefined ? -1 : next.type;
        }
        if (itemtype !== type) {
          if (item >= 0 || next === undefined) {
            out[outOff + rep] = CRUSH_ITEM_NONE;
            if (out2 !== null) out2[out2Off + rep] = CRUSH_ITEM_NONE;
            left--;
            break;
          }
          inb = next;
          continue;
        }
        let collide = false;
        for (let i = outpos; i < endpos; i++) {
          if (out[outOff + i] === item) {
            collide = true;
            break;
          }
        }
        if (collide) break;
        if (recurseToLeaf) {
          if (item < 0) {
            chooseIndep(rt, next!, weights, x, 1, numrep, 0, out2!, out2Off, rep, recurseTries, 0, false, null, 0, r);
            if (out2![out2Off + rep] === CRUSH_ITEM_NONE) break;
          } else {
            out2![out2Off + rep] = item;
          }
        }
        if (itemtype === 0 && isOut(weights, item, x)) break;
        out[outOff + rep] = item;
        left--;
        break;
      }
    }
  }
  for (let rep = outpos; rep < endpos; rep++) {
    if (out[outOff + rep] === CRUSH_ITEM_UNDEF) out[outOff + rep] = CRUSH_ITEM_NONE;
    if (out2 !== null && out2[out2Off + rep] === CRUSH_ITEM_UNDEF) out2[out2Off + rep] = CRUSH_ITEM_NONE;
  }
}

/**
 * choose_firstn specialised for FastRule maps, giving the same result as chooseFirstn with those
 * tunables: each replica descends from `take` with r = rep + failures; a chooseleaf gets exactly
 * one leaf descent with the same r (vary_r = 1, descend_once), and any collision, out device or
 * dead end restarts the replica from the top, at most chooseTotalTries + 1 times.
 * Writes the chosen items to `out` (and leaves to `leaves`), returns how many.
 */
function firstnStraw2(
  rt: CrushRuntime,
  fr: FastRule,
  x: number,
  resultMax: number,
  weights: ArrayLike<number>,
  out: Int32Array,
  leaves: Int32Array,
): number {
  const numrep = fr.numrep > 0 ? fr.numrep : fr.numrep + resultMax;
  const type = fr.type;
  const take = rt.buckets[-1 - fr.take]!;
  const tries = rt.chooseTotalTries + 1;
  const maxDevices = rt.maxDevices;
  const buckets = rt.buckets;
  let outpos = 0;
  for (let rep = 0; rep < numrep && outpos < resultMax; rep++) {
    for (let ftotal = 0; ftotal < tries; ftotal++) {
      const r = rep + ftotal;
      // Descend to an item of the wanted type; each step goes one level down an acyclic graph.
      let inb = take;
      let item = 0;
      let itemtype = 0;
      let next: RtBucket | undefined;
      let skipRep = false;
      for (;;) {
        item = straw2Choose(inb, x, r);
        if (item >= maxDevices) {
          skipRep = true;
          break;
        }
        itemtype = 0;
        next = undefined;
        if (item < 0) {
          next = buckets[-1 - item];
          itemtype = next === undefined ? -1 : next.type;
        }
        if (itemtype === type) break;
        if (item >= 0 || next === undefined) {
          skipRep = true;
          break;
        }
        inb = next;
      }
      if (skipRep) break;
      let reject = false;
      for (let i = 0; i < outpos; i++) {
        if (out[i] === item) {
          reject = true;
          break;
        }
      }
      if (!reject && fr.leaf) {
        if (item < 0) {
          // The single leaf descent, same r, colliding only with leaves already chosen.
          let lb = next!;
          let leaf = 0;
          for (;;) {
            leaf = straw2Choose(lb, x, r);
            if (leaf >= maxDevices) {
              reject = true;
              break;
            }
            if (leaf >= 0) break;
            const nb = buckets[-1 - leaf];
            if (nb === undefined) {
              reject = true;
              break;
            }
            if (nb.type === 0) break;
            lb = nb;
          }
          if (!reject) {
            for (let i = 0; i < outpos; i++) {
              if (leaves[i] === leaf) {
                reject = true;
                break;
              }
            }
          }
          if (!reject && leaf >= 0 && isOut(weights, leaf, x)) reject = true;
          if (!reject) leaves[outpos] = leaf;
        } else {
          leaves[outpos] = item;
        }
      }
      if (!reject && itemtype === 0) reject = isOut(weights, item, x);
      if (!reject) {
        out[outpos++] = item;
        break;
      }
    }
  }
  return outpos;
}

// ---------------------------------------------------------------------------------------------
// crush_do_rule

function ensureScratch(rt: CrushRuntime, resultMax: number): void {
  if (rt.scratchA.length >= resultMax) return;
  let n = rt.scratchA.length;
  while (n < resultMax) n *= 2;
  rt.scratchA = new Int32Array(n);
  rt.scratchB = new Int32Array(n);
  rt.scratchC = new Int32Array(n);
}

/**
 * Runs rule `ruleId` for input x into `result`, returning how many entries were written.
 * Never throws for an unsatisfiable rule: the result is simply shorter (firstn) or holds
 * CRUSH_ITEM_NONE (indep). A rule id that does not exist yields 0 entries, as in Ceph.
 */
export function crushDoRuleInto(
  rt: CrushRuntime,
  ruleId: number,
  x: number,
  resultMax: number,
  weights: ArrayLike<number>,
  result: Int32Array,
): number {
  invariant(resultMax >= 0 && resultMax <= CRUSH_RESULT_MAX_LIMIT, `result_max ${resultMax} out of range`);
  invariant(result.length >= resultMax, 'result vector shorter than result_max');
  const rule = ruleId >= 0 ? rt.rules[ruleId] : undefined;
  if (rule === undefined) return 0;
  ensureScratch(rt, resultMax);
  if (rule.fast !== null) {
    const leaves = rt.scratchC;
    const n = firstnStraw2(rt, rule.fast, x | 0, resultMax, weights, rt.scratchB, leaves);
    const chosen = rule.fast.leaf ? leaves : rt.scratchB;
    for (let i = 0; i < n; i++) result[i] = chosen[i]!;
    return n;
  }
  let w = rt.scratchA;
  let o = rt.scratchB;
  const c = rt.scratchC;
  let wsize = 0;
  let resultLen = 0;
  let chooseTries = rt.chooseTotalTries + 1;
  let chooseLeafTries = 0;
  let localRetries = rt.chooseLocalTries;
  let localFallbackRetries = rt.chooseLocalFallbackTries;
  let varyR = rt.chooseleafVaryR;
  let stable = rt.chooseleafStable;
  const x32 = x | 0;
  const steps = rule.ops.length;
  for (let step = 0; step < steps; step++) {
    const op = rule.ops[step]!;
    const arg1 = rule.arg1[step]!;
    const arg2 = rule.arg2[step]!;
    switch (op) {
      case RuleOp.take:
        if ((arg1 >= 0 && arg1 < rt.maxDevices) || (arg1 < 0 && -1 - arg1 < rt.maxBuckets && rt.buckets[-1 - arg1] !== undefined)) {
          w[0] = arg1;
          wsize = 1;
        }
        break;
      case RuleOp.setChooseTries:
        if (arg1 > 0) chooseTries = arg1;
        break;
      case RuleOp.setChooseleafTries:
        if (arg1 > 0) chooseLeafTries = arg1;
        break;
      case RuleOp.setChooseLocalTries:
        if (arg1 >= 0) localRetries = arg1;
        break;
      case RuleOp.setChooseLocalFallbackTries:
        if (arg1 >= 0) localFallbackRetries = arg1;
        break;
      case RuleOp.setChooseleafVaryR:
        if (arg1 >= 0) varyR = arg1;
        break;
      case RuleOp.setChooseleafStable:
        if (arg1 >= 0) stable = arg1;
        break;
      case RuleOp.chooseFirstn:
      case RuleOp.chooseleafFirstn:
      case RuleOp.chooseIndep:
      case RuleOp.chooseleafIndep: {
        if (wsize === 0) break;
        const firstn = op === RuleOp.chooseFirstn || op === RuleOp.chooseleafFirstn;
        const recurseToLeaf = op === RuleOp.chooseleafFirstn || op === RuleOp.chooseleafIndep;
        let osize = 0;
        for (let i = 0; i < wsize; i++) {
          let numrep = arg1;
          if (numrep <= 0) {
            numrep += resultMax;
            if (numrep <= 0) continue;
          }
          const bno = -1 - w[i]!;
          if (bno < 0 || bno >= rt.maxBuckets) continue;
          const b = rt.buckets[bno];
          if (b === undefined) continue;
          if (firstn) {
            const recurseTries = chooseLeafTries !== 0 ? chooseLeafTries : rt.chooseleafDescendOnce !== 0 ? 1 : chooseTries;
            osize += chooseFirstn(
              rt, b, weights, x32, numrep, arg2, o, osize, 0, resultMax - osize,
              chooseTries, recurseTries, localRetries, localFallbackRetries,
              recurseToLeaf, varyR, stable, c, osize, 0,
            );
          } else {
            const outSize = numrep < resultMax - osize ? numrep : resultMax - osize;
            chooseIndep(
              rt, b, weights, x32, outSize, numrep, arg2, o, osize, 0,
              chooseTries, chooseLeafTries !== 0 ? chooseLeafTries : 1, recurseToLeaf, c, osize, 0,
            );
            osize += outSize;
          }
        }
        if (recurseToLeaf) for (let i = 0; i < osize; i++) o[i] = c[i]!;
        const tmp = o;
        o = w;
        w = tmp;
        wsize = osize;
        break;
      }
      case RuleOp.emit:
        for (let i = 0; i < wsize && resultLen < resultMax; i++) result[resultLen++] = w[i]!;
        wsize = 0;
        break;
      default:
        break;
    }
  }
  return resultLen;
}

/** Convenience form of crushDoRuleInto returning a fresh array. */
export function crushDoRule(map: CrushMap, ruleId: number, x: number, numRep: number, weights: ArrayLike<number>): number[] {
  const rt = crushRuntime(map);
  const out = new Int32Array(Math.max(numRep, 0));
  const n = crushDoRuleInto(rt, ruleId, x, Math.max(numRep, 0), weights, out);
  return Array.from(out.subarray(0, n));
}
