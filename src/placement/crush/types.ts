// The CRUSH map as plain data: what the monitor stores, the text compiler produces and the mapper
// reads. Treat a CrushMap as immutable once built: the mapper caches a compiled form per map
// object, so edits must produce a new map (see withBucketItemWeight and friends in build.ts).

/** Bucket algorithms, with Ceph's codes. */
export const BucketAlg = {
  uniform: 1,
  list: 2,
  tree: 3,
  straw: 4,
  straw2: 5,
} as const;
export type BucketAlgName = keyof typeof BucketAlg;
export type BucketAlgCode = (typeof BucketAlg)[BucketAlgName];

/** Rule step opcodes, with Ceph's codes. */
export const RuleOp = {
  noop: 0,
  take: 1,
  chooseFirstn: 2,
  chooseIndep: 3,
  emit: 4,
  chooseleafFirstn: 6,
  chooseleafIndep: 7,
  setChooseTries: 8,
  setChooseleafTries: 9,
  setChooseLocalTries: 10,
  setChooseLocalFallbackTries: 11,
  setChooseleafVaryR: 12,
  setChooseleafStable: 13,
} as const;
export type RuleOpCode = (typeof RuleOp)[keyof typeof RuleOp];

/** Rule (pool) types. */
export const RuleType = { replicated: 1, erasure: 3 } as const;

/** Hole in an indep (erasure) result: no OSD could be placed in that position. */
export const CRUSH_ITEM_NONE = 0x7fffffff;
/** Internal marker of an indep slot not yet decided. */
export const CRUSH_ITEM_UNDEF = 0x7ffffffe;

/** 1.0 in CRUSH's 16.16 fixed point. */
export const WEIGHT_ONE = 0x10000;

export interface CrushTunables {
  chooseLocalTries: number;
  chooseLocalFallbackTries: number;
  chooseTotalTries: number;
  chooseleafDescendOnce: number;
  chooseleafVaryR: number;
  chooseleafStable: number;
  strawCalcVersion: number;
  allowedBucketAlgs: number;
}

export interface CrushDevice {
  id: number;
  name: string;
  deviceClass?: string;
}

export interface CrushType {
  id: number;
  name: string;
}

export interface CrushBucket {
  /** Negative; the bucket's slot is -1 - id. */
  id: number;
  name: string;
  type: number;
  alg: BucketAlgCode;
  /** Hash function id; 0 (rjenkins1) is the only one that exists. */
  hash: number;
  /** Child ids: devices (>= 0) or buckets (< 0), in position order. */
  items: number[];
  /** 16.16 fixed-point weight per item, parallel to items. */
  weights: number[];
  /** Shadow-tree ids per device class, kept only so the text form round-trips. */
  classIds?: Array<{ deviceClass: string; id: number }>;
}

export interface CrushRuleStep {
  op: RuleOpCode;
  arg1: number;
  arg2: number;
}

export interface CrushRule {
  id: number;
  name: string;
  /** 1 replicated, 3 erasure. */
  type: number;
  minSize: number;
  maxSize: number;
  steps: CrushRuleStep[];
}

export interface CrushMap {
  tunables: CrushTunables;
  devices: CrushDevice[];
  types: CrushType[];
  buckets: CrushBucket[];
  rules: CrushRule[];
}

/** Ceph's tunables profiles (spec/placement.md §4.1). */
export const TUNABLES_PROFILES: Record<'legacy' | 'argonaut' | 'bobtail' | 'firefly' | 'hammer' | 'jewel' | 'optimal' | 'default', CrushTunables> = (() => {
  const legacy: CrushTunables = {
    chooseLocalTries: 2,
    chooseLocalFallbackTries: 5,
    chooseTotalTries: 19,
    chooseleafDescendOnce: 0,
    chooseleafVaryR: 0,
    chooseleafStable: 0,
    strawCalcVersion: 0,
    allowedBucketAlgs: LEGACY_ALLOWED_BUCKET_ALGS(),
  };
  const bobtail = { ...legacy, chooseLocalTries: 0, chooseLocalFallbackTries: 0, chooseTotalTries: 50, chooseleafDescendOnce: 1 };
  const firefly = { ...bobtail, chooseleafVaryR: 1 };
  const hammer = { ...firefly, allowedBucketAlgs: ALL_ALLOWED_BUCKET_ALGS() };
  const jewel = { ...hammer, chooseleafStable: 1, strawCalcVersion: 1 };
  return { legacy, argonaut: legacy, bobtail, firefly, hammer, jewel, optimal: jewel, default: jewel };
})();

/** uniform, list and straw: what pre-hammer clients understand. */
function LEGACY_ALLOWED_BUCKET_ALGS(): number {
  return (1 << BucketAlg.uniform) | (1 << BucketAlg.list) | (1 << BucketAlg.straw);
}
function ALL_ALLOWED_BUCKET_ALGS(): number {
  return LEGACY_ALLOWED_BUCKET_ALGS() | (1 << BucketAlg.straw2);
}
export const CRUSH_LEGACY_ALLOWED_BUCKET_ALGS = LEGACY_ALLOWED_BUCKET_ALGS();

/** Default type names of a fresh Ceph map (osd 0 .. root 11). */
export const DEFAULT_TYPE_NAMES = [
  'osd', 'host', 'chassis', 'rack', 'row', 'pdu', 'pod', 'room', 'datacenter', 'zone', 'region', 'root',
] as const;

export function bucketWeight(bucket: CrushBucket): number {
  let sum = 0;
  for (const w of bucket.weights) sum += w;
  return sum >>> 0;
}

/** One past the highest device id mentioned by the map (Ceph's max_devices). */
export function maxDevices(map: CrushMap): number {
  let max = 0;
  for (const d of map.devices) max = Math.max(max, d.id + 1);
  for (const b of map.buckets) for (const item of b.items) if (item >= 0) max = Math.max(max, item + 1);
  return max;
}
