// Edits of the cluster's CRUSH map, as `ceph osd crush ...` performs them: pure functions from a
// map to a new map plus Ceph's status text. The monitor wraps the new map in the next OSDMap
// epoch; nothing here rebuilds the hierarchy, so an operator's buckets and weights survive.
//
// Semantics follow Ceph's CrushWrapper: a location is a {type name → bucket name} set; inserting
// an item walks the location from the lowest type up, creating missing buckets and linking the
// chain into the first bucket that already exists; weights propagate to every ancestor as a
// difference, so hand-tuned bucket weights elsewhere are left alone.

import { invariant } from '../../core/assert.js';
import { RadosError } from '../../core/errors.js';
import {
  BucketAlg,
  type CrushBucket,
  type CrushMap,
  WEIGHT_ONE,
  bucketWeight,
  formatGeneral,
} from '../../placement/index.js';

/** The outcome of one edit: the new map (the same object when nothing changed) and Ceph's text. */
export interface CrushEdit {
  readonly crush: CrushMap;
  readonly changed: boolean;
  readonly message: string;
}

/** {type name → bucket name}, e.g. {root: 'default', host: 'node1'}. */
export type CrushLocation = Readonly<Record<string, string>>;

/** Far beyond any real hierarchy; bounds every walk over buckets and ancestors. */
const MAX_BUCKETS = 65_536;
const NAME_MAX = 256;

/** Ceph's is_valid_crush_name: letters, digits, '-', '_' and '.', not empty. */
export function isValidCrushName(name: string): boolean {
  return name.length > 0 && name.length <= NAME_MAX && /^[A-Za-z0-9_.-]+$/.test(name);
}

/** Parses `type=name` arguments like Ceph's parse_loc_map; a later repeat of a type wins. */
export function parseCrushLocation(args: readonly string[]): CrushLocation {
  const loc: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0 || eq === arg.length - 1) throw RadosError.from('EINVAL', `invalid crush location '${arg}'`);
    loc[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return loc;
}

/** Ceph prints a location as a std::map: `{host=node1,root=default}`, keys in byte order. */
export function formatCrushLocation(loc: CrushLocation): string {
  const keys = Object.keys(loc).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${k}=${loc[k] ?? ''}`).join(',')}}`;
}

/** Item id for a device or bucket name, undefined if the map has no such name. */
export function crushItemId(map: CrushMap, name: string): number | undefined {
  for (const d of map.devices) if (d.name === name) return d.id;
  for (const b of map.buckets) if (b.name === name) return b.id;
  return undefined;
}

export function crushItemName(map: CrushMap, id: number): string | undefined {
  if (id >= 0) return map.devices.find((d) => d.id === id)?.name;
  return map.buckets.find((b) => b.id === id)?.name;
}

/** Whether some bucket lists the item: a device outside every bucket gets no data. */
export function crushContains(map: CrushMap, id: number): boolean {
  return map.buckets.some((b) => b.items.includes(id));
}

/** 16.16 weight from a float, validated like Ceph's validate_weightf. */
function weight16(weight: number, text: string): number {
  if (!Number.isFinite(weight) || weight < 0) throw RadosError.from('EINVAL', `unable to parse weight value '${text}'`);
  const w = Math.trunc(Math.fround(Math.fround(weight) * WEIGHT_ONE));
  if (w > 0x7fffffff) throw RadosError.from('EOVERFLOW', `weight ${text} is too large`);
  return w;
}

/**
 * A working copy: buckets are copied on first write so the input map is never mutated, and the
 * result shares every untouched bucket with it.
 */
class Editor {
  private readonly buckets: CrushBucket[];
  private readonly copied = new Set<number>();
  devices: CrushMap['devices'];

  constructor(private readonly base: CrushMap) {
    this.buckets = [...base.buckets];
    this.devices = base.devices;
  }

  result(): CrushMap {
    return { ...this.base, devices: this.devices, buckets: this.buckets };
  }

  bucket(id: number): CrushBucket | undefined {
    return this.buckets.find((b) => b.id === id);
  }

  private writable(id: number): CrushBucket {
    const index = this.buckets.findIndex((b) => b.id === id);
    invariant(index >= 0, `bucket ${id} exists`);
    if (!this.copied.has(id)) {
      const b = this.buckets[index]!;
      this.buckets[index] = { ...b, items: [...b.items], weights: [...b.weights] };
      this.copied.add(id);
    }
    return this.buckets[index]!;
  }

  itemId(name: string): number | undefined {
    for (const d of this.devices) if (d.name === name) return d.id;
    for (const b of this.buckets) if (b.name === name) return b.id;
    return undefined;
  }

  parents(id: number): CrushBucket[] {
    return this.buckets.filter((b) => b.items.includes(id));
  }

  /** Whether `item` is `root` or lies below it. */
  subtreeContains(root: number, item: number): boolean {
    if (root === item) return true;
    const b = root < 0 ? this.bucket(root) : undefined;
    if (b === undefined) return false;
    // The graph is acyclic (every link is checked); depth is bounded by the bucket count.
    const stack = [...b.items];
    for (let guard = 0; stack.length > 0 && guard < MAX_BUCKETS * 16; guard++) {
      const next = stack.pop()!;
      if (next === item) return true;
      if (next < 0) stack.push(...(this.bucket(next)?.items ?? []));
    }
    return false;
  }

  /** Adds `diff` (16.16) to bucket `id`'s entry in each parent, and so on up to the roots. */
  private propagate(id: number, diff: number, depth = 0): void {
    invariant(depth <= MAX_BUCKETS, 'crush hierarchy deeper than the bucket count');
    if (diff === 0) return;
    for (const parent of this.parents(id)) {
      const p = this.writable(parent.id);
      for (let i = 0; i < p.items.length; i++) if (p.items[i] === id) p.weights[i] = Math.max(0, p.weights[i]! + diff);
      this.propagate(p.id, diff, depth + 1);
    }
  }

  /** Sets the weight of `item` inside `bucketId`, propagating the change upwards. */
  setWeightIn(bucketId: number, item: number, w16: number): void {
    const b = this.writable(bucketId);
    const i = b.items.indexOf(item);
    invariant(i >= 0, `item ${item} is in bucket ${bucketId}`);
    const diff = w16 - b.weights[i]!;
    b.weights[i] = w16;
    this.propagate(bucketId, diff);
  }

  /** Sets the weight of `item` in every bucket holding it (Ceph's adjust_item_weight). */
  setWeightEverywhere(item: number, w16: number): boolean {
    const parents = this.parents(item);
    for (const p of parents) this.setWeightIn(p.id, item, w16);
    return parents.length > 0;
  }

  /** Removes `item` from every bucket holding it, taking its weight out of the ancestors. */
  unlinkEverywhere(item: number): void {
    for (const p of this.parents(item)) {
      this.setWeightIn(p.id, item, 0);
      const b = this.writable(p.id);
      const i = b.items.indexOf(item);
      b.items.splice(i, 1);
      b.weights.splice(i, 1);
    }
  }

  link(bucketId: number, item: number, w16: number): void {
    const b = this.writable(bucketId);
    b.items.push(item);
    b.weights.push(0);
    this.setWeightIn(bucketId, item, w16);
  }

  /** Ceph's add_bucket with id 0: the first free slot, straw2, rjenkins1. */
  addBucket(name: string, type: number): number {
    invariant(this.buckets.length < MAX_BUCKETS, 'too many buckets');
    const used = new Set(this.buckets.map((b) => b.id));
    let id = -1;
    while (used.has(id)) id--;
    this.buckets.push({ id, name, type, alg: BucketAlg.straw2, hash: 0, items: [], weights: [] });
    this.copied.add(id);
    return id;
  }

  removeBucket(id: number): void {
    const i = this.buckets.findIndex((b) => b.id === id);
    invariant(i >= 0, `bucket ${id} exists`);
    this.buckets.splice(i, 1);
  }

  /**
   * Ceph's insert_item: walk the location from the lowest type up; missing buckets are created
   * and chained; the chain joins the first bucket that exists. `item`'s weight is then set in the
   * lowest bucket of the location, which carries it up to the root.
   */
  insert(item: number, w16: number, loc: CrushLocation, types: CrushMap['types']): void {
    const itemType = item >= 0 ? 0 : (this.bucket(item)?.type ?? 0);
    const ordered = [...types].sort((a, b) => a.id - b.id);
    let cur = item;
    let lowest: number | undefined;
    for (const t of ordered) {
      if (t.id === 0 || t.id <= itemType) continue;
      const name = loc[t.name];
      if (name === undefined) continue;
      const existing = this.itemId(name);
      if (existing === undefined) {
        if (!isValidCrushName(name)) throw RadosError.from('EINVAL', `'${name}' is not a valid crush name`);
        const id = this.addBucket(name, t.id);
        const b = this.writable(id);
        b.items.push(cur);
        b.weights.push(0);
        lowest ??= id;
        cur = id;
        continue;
      }
      const b = existing < 0 ? this.bucket(existing) : undefined;
      if (b === undefined) throw RadosError.from('EINVAL', `location ${t.name}=${name} names a device, not a bucket`);
      if (b.type !== t.id) {
        throw RadosError.from('EINVAL', `bucket '${name}' has type ${typeName(types, b.type)}, not ${t.name}`);
      }
      if (this.subtreeContains(cur, b.id)) throw RadosError.from('EINVAL', `linking into '${name}' would create a loop`);
      if (!b.items.includes(cur)) {
        const w = this.writable(b.id);
        w.items.push(cur);
        w.weights.push(0);
      }
      lowest ??= b.id;
      break;
    }
    if (lowest === undefined) throw RadosError.from('EINVAL', `location ${formatCrushLocation(loc)} names no bucket above the item`);
    this.setWeightIn(lowest, item, w16);
  }

  /** Ceph's check_item_loc: is the item directly inside the lowest bucket the location names? */
  isAt(item: number, loc: CrushLocation, types: CrushMap['types']): boolean {
    for (const t of [...types].sort((a, b) => a.id - b.id)) {
      if (t.id === 0) continue;
      const name = loc[t.name];
      if (name === undefined) continue;
      const id = this.itemId(name);
      if (id === undefined || id >= 0) return false;
      return this.bucket(id)?.items.includes(item) === true;
    }
    return false;
  }

  /** The weight an item carries: a bucket's total, or a device's weight in its first parent. */
  weightOf(item: number): number {
    if (item < 0) {
      const b = this.bucket(item);
      return b === undefined ? 0 : bucketWeight(b);
    }
    const p = this.parents(item)[0];
    return p === undefined ? 0 : p.weights[p.items.indexOf(item)]!;
  }
}

function typeName(types: CrushMap['types'], id: number): string {
  return types.find((t) => t.id === id)?.name ?? String(id);
}

/** `ceph osd crush reweight <name> <weight>`: a device's CRUSH weight, in every bucket holding it. */
export function crushReweight(map: CrushMap, name: string, weight: number, weightText = formatGeneral(weight)): CrushEdit {
  const id = crushItemId(map, name);
  if (id === undefined) throw RadosError.from('ENOENT', `device '${name}' does not appear in the crush map`);
  if (id < 0) throw RadosError.from('EINVAL', `device '${name}' is not a leaf in the crush map`);
  const w16 = weight16(weight, weightText);
  const ed = new Editor(map);
  ed.setWeightEverywhere(id, w16);
  return { crush: ed.result(), changed: true, message: `reweighted item id ${id} name '${name}' to ${formatGeneral(weight)} in crush map` };
}

/** `ceph osd crush add-bucket <name> <type> [loc...]`: an empty straw2 bucket. */
export function crushAddBucket(map: CrushMap, name: string, type: string, loc: CrushLocation = {}): CrushEdit {
  if (crushItemId(map, name) !== undefined) return { crush: map, changed: false, message: `bucket '${name}' already exists` };
  if (!isValidCrushName(name)) throw RadosError.from('EINVAL', `'${name}' is not a valid crush name`);
  const t = map.types.find((x) => x.name === type);
  if (t === undefined) throw RadosError.from('EINVAL', `type '${type}' does not exist`);
  if (t.id === 0) throw RadosError.from('EINVAL', `type '${type}' is for devices, not buckets`);
  const ed = new Editor(map);
  const id = ed.addBucket(name, t.id);
  if (Object.keys(loc).length === 0) return { crush: ed.result(), changed: true, message: `added bucket ${name} type ${type} to crush map` };
  ed.insert(id, 0, loc, map.types);
  return { crush: ed.result(), changed: true, message: `added bucket ${name} type ${type} to location ${formatCrushLocation(loc)}` };
}

/** `ceph osd crush move <name> <type=name...>`: relink a bucket (or device) with its weight. */
export function crushMove(map: CrushMap, name: string, loc: CrushLocation): CrushEdit {
  const id = crushItemId(map, name);
  if (id === undefined) throw RadosError.from('ENOENT', `item ${name} does not exist`);
  const ed = new Editor(map);
  const where = formatCrushLocation(loc);
  if (ed.isAt(id, loc, map.types)) {
    return { crush: map, changed: false, message: `no need to move item id ${id} name '${name}' to location ${where} in crush map` };
  }
  const w16 = ed.weightOf(id);
  ed.unlinkEverywhere(id);
  ed.insert(id, w16, loc, map.types);
  return { crush: ed.result(), changed: true, message: `moved item id ${id} name '${name}' to location ${where} in crush map` };
}

/** `ceph osd crush add <osd.N> <weight> <type=name...>`: place a device (Ceph's insert_item). */
export function crushAddDevice(map: CrushMap, osd: number, weight: number, loc: CrushLocation, weightText = formatGeneral(weight)): CrushEdit {
  invariant(Number.isInteger(osd) && osd >= 0, 'osd id is a non-negative integer');
  const name = `osd.${osd}`;
  const w16 = weight16(weight, weightText);
  const ed = new Editor(map);
  const where = formatCrushLocation(loc);
  const shown = formatGeneral(weight);
  if (ed.isAt(osd, loc, map.types)) {
    return { crush: map, changed: false, message: `add item id ${osd} name '${name}' weight ${shown} at location ${where}: no change` };
  }
  if (!map.devices.some((d) => d.id === osd)) {
    ed.devices = [...map.devices, { id: osd, name, deviceClass: 'hdd' }].sort((a, b) => a.id - b.id);
  }
  ed.insert(osd, w16, loc, map.types);
  return { crush: ed.result(), changed: true, message: `add item id ${osd} name '${name}' weight ${shown} at location ${where} to crush map` };
}

/**
 * `ceph osd crush rm <name>`: a device leaves every bucket (and the device list); a bucket must
 * be empty. Removing a name the map does not have succeeds, as in Ceph.
 */
export function crushRemove(map: CrushMap, name: string): CrushEdit {
  const id = crushItemId(map, name);
  if (id === undefined) return { crush: map, changed: false, message: `device '${name}' does not appear in the crush map` };
  const ed = new Editor(map);
  if (id < 0) {
    const b = ed.bucket(id)!;
    if (b.items.length > 0) throw RadosError.from('ENOTEMPTY', `bucket '${name}' is not empty`);
    if (map.rules.some((r) => r.steps.some((s) => s.op === 1 && s.arg1 === id))) {
      throw RadosError.from('EBUSY', `bucket '${name}' is referenced by a rule`);
    }
    ed.unlinkEverywhere(id);
    ed.removeBucket(id);
  } else {
    ed.unlinkEverywhere(id);
    ed.devices = map.devices.filter((d) => d.id !== id);
  }
  return { crush: ed.result(), changed: true, message: `removed item id ${id} name '${name}' from crush map` };
}

/**
 * What an OSD's boot does to the map (Ceph's `osd crush create-or-move` on start, minus the move):
 * a device not yet in any bucket is placed at {host=<host>, root=default} with `weight`; a device
 * already placed stays where the operator put it, with its weight.
 */
export function crushEnsureDevice(map: CrushMap, osd: number, host: string, weight = 1.0): CrushMap {
  if (crushContains(map, osd)) return map;
  const root = map.buckets.find((b) => b.name === 'default');
  const rootType = root ? typeName(map.types, root.type) : 'root';
  const hostName = isValidCrushName(host) ? host : host.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, NAME_MAX) || 'localhost';
  return crushAddDevice(map, osd, weight, { host: hostName, [rootType]: 'default' }).crush;
}
