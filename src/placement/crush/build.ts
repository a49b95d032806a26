// Constructing CRUSH maps: the default Ceph-like map the monitor starts with, crushtool's
// layered `--build`, and weight edits that return a new map (maps are immutable values).

import { invariant } from '../../core/assert.js';
import { RadosError } from '../../core/errors.js';
import {
  BucketAlg,
  type BucketAlgName,
  type CrushBucket,
  type CrushMap,
  type CrushRule,
  DEFAULT_TYPE_NAMES,
  RuleOp,
  RuleType,
  TUNABLES_PROFILES,
  WEIGHT_ONE,
  bucketWeight,
} from './types.js';

/** Upper bound on OSDs in one map; far beyond a test cluster, small enough to bound loops. */
export const CRUSH_MAX_DEVICES = 1 << 20;

/** A float weight (1.0 = 1 TiB by convention) in 16.16, truncated like Ceph's float → int. */
export function weightToFixed(weight: number): number {
  invariant(Number.isFinite(weight) && weight >= 0, `weight ${weight} must be finite and non-negative`);
  return Math.trunc(Math.fround(Math.fround(weight) * WEIGHT_ONE)) >>> 0;
}

function simpleRule(id: number, name: string, rootId: number, leafType: number): CrushRule {
  return {
    id,
    name,
    type: RuleType.replicated,
    minSize: 1,
    maxSize: 10,
    steps: [
      { op: RuleOp.take, arg1: rootId, arg2: 0 },
      leafType > 0
        ? { op: RuleOp.chooseleafFirstn, arg1: 0, arg2: leafType }
        : { op: RuleOp.chooseFirstn, arg1: 0, arg2: 0 },
      { op: RuleOp.emit, arg1: 0, arg2: 0 },
    ],
  };
}

/**
 * The map a fresh Ceph cluster would have: root "default" (id -1), one straw2 host bucket per
 * distinct host in order of first appearance, rule 0 "replicated_rule" spreading replicas over
 * hosts (or over OSDs for single-host clusters), jewel/optimal tunables.
 */
export function buildSimpleCrushMap(opts: {
  osds: Array<{ id: number; host: string; weight: number }>;
  chooseleafType: 'host' | 'osd';
}): CrushMap {
  invariant(opts.osds.length <= CRUSH_MAX_DEVICES, 'too many OSDs');
  const hostType = 1;
  const rootType = 11;
  const seen = new Set<number>();
  const hosts = new Map<string, CrushBucket>();
  let nextId = -2;
  for (const osd of opts.osds) {
    invariant(Number.isInteger(osd.id) && osd.id >= 0, `OSD id ${osd.id} must be a non-negative integer`);
    invariant(!seen.has(osd.id), `OSD id ${osd.id} listed twice`);
    seen.add(osd.id);
    let host = hosts.get(osd.host);
    if (host === undefined) {
      host = { id: nextId--, name: osd.host, type: hostType, alg: BucketAlg.straw2, hash: 0, items: [], weights: [] };
      hosts.set(osd.host, host);
    }
    host.items.push(osd.id);
    host.weights.push(weightToFixed(osd.weight));
  }
  const hostBuckets = [...hosts.values()];
  const root: CrushBucket = {
    id: -1,
    name: 'default',
    type: rootType,
    alg: BucketAlg.straw2,
    hash: 0,
    items: hostBuckets.map((h) => h.id),
    weights: hostBuckets.map((h) => bucketWeight(h)),
  };
  const devices = [...opts.osds].sort((a, b) => a.id - b.id).map((o) => ({ id: o.id, name: `osd.${o.id}` }));
  return {
    tunables: { ...TUNABLES_PROFILES.jewel },
    devices,
    types: DEFAULT_TYPE_NAMES.map((name, id) => ({ id, name })),
    buckets: [root, ...hostBuckets],
    rules: [simpleRule(0, 'replicated_rule', -1, opts.chooseleafType === 'host' ? hostType : 0)],
  };
}

export interface BuildLayer {
  name: string;
  alg: string;
  /** Items per bucket; 0 puts everything left into one bucket named after the layer. */
  size: number;
}

/** crushtool's `--build --num_osds N name alg size ...`: layer i becomes type i. */
export function buildLayeredCrushMap(numOsds: number, layers: BuildLayer[]): CrushMap {
  invariant(Number.isInteger(numOsds) && numOsds >= 0 && numOsds <= CRUSH_MAX_DEVICES, `num_osds ${numOsds} out of range`);
  if (layers.length === 0) throw RadosError.from('EINVAL', 'crushtool --build: must specify at least one layer');
  const buckets: CrushBucket[] = [];
  let lowerItems: number[] = [];
  let lowerWeights: number[] = [];
  for (let i = 0; i < numOsds; i++) {
    lowerItems.push(i);
    lowerWeights.push(WEIGHT_ONE);
  }
  let nextId = -1;
  const types = [{ id: 0, name: 'osd' }];
  layers.forEach((layer, index) => {
    const type = index + 1;
    types.push({ id: type, name: layer.name });
    if (!(layer.alg in BucketAlg)) {
      throw RadosError.from('EINVAL', `unknown bucket type '${layer.alg}'`);
    }
    const alg = BucketAlg[layer.alg as BucketAlgName];
    const curItems: number[] = [];
    const curWeights: number[] = [];
    let pos = 0;
    let n = 0;
    // Each pass consumes at least one lower item, so this ends after lowerItems.length passes.
    while (pos < lowerItems.length) {
      const items: number[] = [];
      const weights: number[] = [];
      for (let j = 0; (j < layer.size || layer.size === 0) && pos < lowerItems.length; j++) {
        items.push(lowerItems[pos]!);
        weights.push(lowerWeights[pos]!);
        pos++;
      }
      const bucket: CrushBucket = {
        id: nextId--,
        name: layer.size !== 0 ? `${layer.name}${n}` : layer.name,
        type,
        alg,
        hash: 0,
        items,
        weights,
      };
      buckets.push(bucket);
      curItems.push(bucket.id);
      curWeights.push(bucketWeight(bucket));
      n++;
    }
    lowerItems = curItems;
    lowerWeights = curWeights;
  });
  const last = layers[layers.length - 1]!;
  const rootName = last.size === 0 ? last.name : `${last.name}0`;
  const root = buckets.find((b) => b.name === rootName);
  const rules: CrushRule[] = [];
  // osd_crush_chooseleaf_type defaults to 1: the first layer is the failure domain.
  if (root !== undefined) rules.push(simpleRule(0, 'replicated_rule', root.id, 1));
  return {
    tunables: { ...TUNABLES_PROFILES.jewel },
    devices: Array.from({ length: numOsds }, (_, id) => ({ id, name: `osd.${id}` })),
    types,
    buckets,
    rules,
  };
}

/**
 * A copy of the map with item `id`'s CRUSH weight set to `weight16` (16.16) in every bucket
 * holding it, and every ancestor bucket's entry updated to its new total.
 */
export function withItemWeight(map: CrushMap, id: number, weight16: number): CrushMap {
  invariant(Number.isInteger(weight16) && weight16 >= 0, `weight ${weight16} must be a non-negative integer`);
  const buckets = map.buckets.map((b) => ({ ...b, items: [...b.items], weights: [...b.weights] }));
  const byId = new Map(buckets.map((b) => [b.id, b]));
  let changed = new Map<number, number>([[id, weight16]]);
  // Each round moves one level up; a bucket graph has at most buckets.length levels.
  for (let depth = 0; changed.size > 0 && depth <= buckets.length; depth++) {
    const next = new Map<number, number>();
    for (const b of buckets) {
      let touched = false;
      for (let i = 0; i < b.items.length; i++) {
        const w = changed.get(b.items[i]!);
        if (w !== undefined) {
          b.weights[i] = w;
          touched = true;
        }
      }
      if (touched) next.set(b.id, bucketWeight(byId.get(b.id)!));
    }
    changed = next;
  }
  return { ...map, buckets };
}
