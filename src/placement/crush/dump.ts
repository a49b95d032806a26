// `ceph osd crush dump`: the map as Ceph's JSON (devices, types, buckets with raw 16.16 weights,
// rules with named steps, tunables). Field names follow Ceph's CrushWrapper::dump.

import { type CrushMap, type CrushRuleStep, RuleOp, TUNABLES_PROFILES, bucketWeight } from './types.js';

const ALG_NAMES: Record<number, string> = { 1: 'uniform', 2: 'list', 3: 'tree', 4: 'straw', 5: 'straw2' };

const STEP_NAMES: Record<number, string> = {
  [RuleOp.noop]: 'noop',
  [RuleOp.take]: 'take',
  [RuleOp.chooseFirstn]: 'choose_firstn',
  [RuleOp.chooseIndep]: 'choose_indep',
  [RuleOp.emit]: 'emit',
  [RuleOp.chooseleafFirstn]: 'chooseleaf_firstn',
  [RuleOp.chooseleafIndep]: 'chooseleaf_indep',
  [RuleOp.setChooseTries]: 'set_choose_tries',
  [RuleOp.setChooseleafTries]: 'set_chooseleaf_tries',
  [RuleOp.setChooseLocalTries]: 'set_choose_local_tries',
  [RuleOp.setChooseLocalFallbackTries]: 'set_choose_local_fallback_tries',
  [RuleOp.setChooseleafVaryR]: 'set_chooseleaf_vary_r',
  [RuleOp.setChooseleafStable]: 'set_chooseleaf_stable',
};

function tunablesProfile(map: CrushMap): string {
  const t = map.tunables;
  for (const name of ['jewel', 'hammer', 'firefly', 'bobtail', 'argonaut'] as const) {
    const p = TUNABLES_PROFILES[name];
    if (
      p.chooseLocalTries === t.chooseLocalTries &&
      p.chooseLocalFallbackTries === t.chooseLocalFallbackTries &&
      p.chooseTotalTries === t.chooseTotalTries &&
      p.chooseleafDescendOnce === t.chooseleafDescendOnce &&
      p.chooseleafVaryR === t.chooseleafVaryR &&
      p.chooseleafStable === t.chooseleafStable
    ) {
      return name;
    }
  }
  return 'unknown';
}

export function crushDumpJson(map: CrushMap): Record<string, unknown> {
  const typeName = (id: number): string => map.types.find((t) => t.id === id)?.name ?? String(id);
  const itemName = (id: number): string =>
    (id >= 0 ? map.devices.find((d) => d.id === id)?.name : map.buckets.find((b) => b.id === id)?.name) ?? String(id);
  const step = (s: CrushRuleStep): Record<string, unknown> => {
    const op = STEP_NAMES[s.op] ?? String(s.op);
    switch (s.op) {
      case RuleOp.take:
        return { op, item: s.arg1, item_name: itemName(s.arg1) };
      case RuleOp.chooseFirstn:
      case RuleOp.chooseIndep:
      case RuleOp.chooseleafFirstn:
      case RuleOp.chooseleafIndep:
        return { op, num: s.arg1, type: typeName(s.arg2) };
      case RuleOp.emit:
      case RuleOp.noop:
        return { op };
      default:
        return { op, num: s.arg1 };
    }
  };
  const t = map.tunables;
  const profile = tunablesProfile(map);
  return {
    devices: [...map.devices]
      .sort((a, b) => a.id - b.id)
      .map((d) => ({ id: d.id, name: d.name, ...(d.deviceClass !== undefined ? { class: d.deviceClass } : {}) })),
    types: [...map.types].sort((a, b) => a.id - b.id).map((x) => ({ type_id: x.id, name: x.name })),
    buckets: [...map.buckets]
      .sort((a, b) => b.id - a.id)
      .map((b) => ({
        id: b.id,
        name: b.name,
        type_id: b.type,
        type_name: typeName(b.type),
        weight: bucketWeight(b),
        alg: ALG_NAMES[b.alg] ?? String(b.alg),
        hash: b.hash === 0 ? 'rjenkins1' : String(b.hash),
        items: b.items.map((id, pos) => ({ id, weight: b.weights[pos] ?? 0, pos })),
      })),
    rules: [...map.rules]
      .sort((a, b) => a.id - b.id)
      .map((r) => ({
        rule_id: r.id,
        rule_name: r.name,
        ruleset: r.id,
        type: r.type,
        min_size: r.minSize,
        max_size: r.maxSize,
        steps: r.steps.map(step),
      })),
    tunables: {
      choose_local_tries: t.chooseLocalTries,
      choose_local_fallback_tries: t.chooseLocalFallbackTries,
      choose_total_tries: t.chooseTotalTries,
      chooseleaf_descend_once: t.chooseleafDescendOnce,
      chooseleaf_vary_r: t.chooseleafVaryR,
      chooseleaf_stable: t.chooseleafStable,
      straw_calc_version: t.strawCalcVersion,
      allowed_bucket_algs: t.allowedBucketAlgs,
      profile,
      optimal_tunables: profile === 'jewel' ? 1 : 0,
      legacy_tunables: profile === 'argonaut' ? 1 : 0,
    },
    choose_args: {},
  };
}
