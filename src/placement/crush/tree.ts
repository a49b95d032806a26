// The CRUSH hierarchy as `ceph osd crush tree` / `ceph osd tree` walk and print it: roots in id
// order, each bucket's children sorted by (device class, name), depth-first. Also Ceph's
// TextTable layout (two spaces between columns, every cell padded, trailing blanks kept) and
// weightf_t's number text, so the CLI's output matches Ceph's byte for byte.

import { formatFixed } from './format.js';
import { type CrushMap, WEIGHT_ONE, bucketWeight } from './types.js';

export interface CrushTreeItem {
  readonly id: number;
  /** Parent bucket id; 0 for a root (Ceph's convention, as no bucket has id 0). */
  readonly parent: number;
  readonly depth: number;
  /** The item's weight in its parent (a root's own total), as a float like Ceph's. */
  readonly weight: number;
  /** Child ids in the order Ceph's JSON lists them (reverse of the walk order). */
  readonly children: readonly number[];
}

/** Bounds the walk: far more items than any map holds, and a graph cycle cannot loop forever. */
const MAX_TREE_ITEMS = 1 << 22;

/** A 16.16 weight as Ceph's float: `(float)w / (float)0x10000`. */
export function weightFloat(w16: number): number {
  return Math.fround(Math.fround(w16) / WEIGHT_ONE);
}

/** weightf_t: "-" below -0.01, "0" for (near) zero, else fixed with five decimals. */
export function weightfText(w: number): string {
  if (w < Math.fround(-0.01)) return '-';
  if (w < Math.fround(0.000001)) return '0';
  return formatFixed(w, 5);
}

function isShadow(name: string): boolean {
  return name.includes('~');
}

/** Buckets no other bucket lists, shadow (per-class) trees excluded, in ascending id order. */
export function crushRoots(map: CrushMap): number[] {
  const linked = new Set<number>();
  for (const b of map.buckets) for (const item of b.items) linked.add(item);
  return map.buckets
    .filter((b) => !linked.has(b.id) && !isShadow(b.name))
    .map((b) => b.id)
    .sort((a, b) => a - b);
}

/** Every item reachable from the roots, in Ceph's dump order. */
export function crushTreeItems(map: CrushMap, root?: string): CrushTreeItem[] {
  const byId = new Map(map.buckets.map((b) => [b.id, b]));
  const classOf = new Map(map.devices.map((d) => [d.id, d.deviceClass ?? '']));
  let roots = crushRoots(map);
  if (root !== undefined) {
    const b = map.buckets.find((x) => x.name === root);
    roots = b === undefined ? [] : [b.id];
  }
  const out: CrushTreeItem[] = [];
  const visit = (id: number, parent: number, depth: number, weight: number): void => {
    if (out.length >= MAX_TREE_ITEMS || depth > map.buckets.length + 1) return;
    const b = id < 0 ? byId.get(id) : undefined;
    if (b === undefined) {
      out.push({ id, parent, depth, weight, children: [] });
      return;
    }
    const keyed: Array<{ key: string; id: number; w16: number }> = [];
    const seen = new Map<string, number>();
    for (let k = b.items.length - 1; k >= 0; k--) {
      const child = b.items[k]!;
      const key =
        child >= 0
          ? `${classOf.get(child) ?? ''}_osd.${String(child).padStart(8, '0')}`
          : `_${byId.get(child)?.name ?? String(child)}`;
      // A std::map keeps the last insertion per key; iteration runs from the last item down.
      const at = seen.get(key);
      if (at !== undefined) keyed[at] = { key, id: child, w16: b.weights[k]! };
      else {
        seen.set(key, keyed.length);
        keyed.push({ key, id: child, w16: b.weights[k]! });
      }
    }
    keyed.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    out.push({ id, parent, depth, weight, children: keyed.map((c) => c.id).reverse() });
    for (const c of keyed) visit(c.id, id, depth + 1, weightFloat(c.w16));
  };
  for (const r of roots) {
    const b = byId.get(r);
    visit(r, 0, 0, b === undefined ? 0 : weightFloat(bucketWeight(b)));
  }
  return out;
}

export interface TextColumn {
  readonly name: string;
  readonly align: 'left' | 'right';
}

/**
 * Ceph's TextTable: headings left-aligned, cells aligned per column, columns padded to the widest
 * entry and joined by two spaces; every row has every cell, so short rows end in blanks.
 */
export function renderTextTable(columns: readonly TextColumn[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = columns.map((c, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? '').length), c.name.length));
  const line = (cells: readonly string[], header: boolean): string =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        const w = widths[i]!;
        return !header && c.align === 'right' ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ');
  const body = rows.map((r) => `${line(r, false)}\n`).join('');
  return `${line(columns.map((c) => c.name), true)}\n${body}`;
}

function typeName(map: CrushMap, type: number): string {
  return map.types.find((t) => t.id === type)?.name ?? String(type);
}

/** The TYPE NAME cell: four spaces per level, then "type name" for buckets or "osd.N". */
export function treeNameCell(map: CrushMap, item: CrushTreeItem): string {
  const indent = '    '.repeat(item.depth);
  if (item.id >= 0) return `${indent}osd.${item.id}`;
  const b = map.buckets.find((x) => x.id === item.id);
  return `${indent}${b === undefined ? '?' : `${typeName(map, b.type)} ${b.name}`}`;
}

export function deviceClass(map: CrushMap, id: number): string | undefined {
  if (id < 0) return undefined;
  return map.devices.find((d) => d.id === id)?.deviceClass;
}

/** `ceph osd crush tree` as text. */
export function crushTreeText(map: CrushMap): string {
  const rows = crushTreeItems(map).map((it) => [
    String(it.id),
    deviceClass(map, it.id) ?? '',
    weightfText(it.weight),
    treeNameCell(map, it),
  ]);
  return renderTextTable(
    [
      { name: 'ID', align: 'right' },
      { name: 'CLASS', align: 'right' },
      { name: 'WEIGHT', align: 'right' },
      { name: 'TYPE NAME', align: 'left' },
    ],
    rows,
  );
}

/** The JSON fields Ceph's CrushTreeDumper writes for one item. */
export function crushTreeNodeJson(map: CrushMap, it: CrushTreeItem): Record<string, unknown> {
  const node: Record<string, unknown> = { id: it.id };
  const cls = deviceClass(map, it.id);
  if (cls !== undefined) node['device_class'] = cls;
  if (it.id < 0) {
    const b = map.buckets.find((x) => x.id === it.id);
    const type = b?.type ?? 0;
    node['name'] = b?.name ?? '';
    node['type'] = typeName(map, type);
    node['type_id'] = type;
  } else {
    node['name'] = `osd.${it.id}`;
    node['type'] = typeName(map, 0);
    node['type_id'] = 0;
    node['crush_weight'] = it.weight;
    node['depth'] = it.depth;
  }
  if (it.parent < 0) node['pool_weights'] = {};
  if (it.id < 0) node['children'] = [...it.children];
  return node;
}

/** `ceph osd crush tree --format json`: the walk, then devices no bucket holds. */
export function crushTreeJson(map: CrushMap): { nodes: Array<Record<string, unknown>>; stray: Array<Record<string, unknown>> } {
  const items = crushTreeItems(map);
  const touched = new Set(items.map((i) => i.id));
  const stray = map.devices
    .filter((d) => !touched.has(d.id))
    .map((d) => crushTreeNodeJson(map, { id: d.id, parent: 0, depth: 0, weight: 0, children: [] }));
  return { nodes: items.map((it) => crushTreeNodeJson(map, it)), stray };
}
