// `ceph osd tree`: the CRUSH hierarchy with each OSD's state from the OSDMap (up/down, reweight,
// primary affinity), then the OSDs that exist but no bucket holds. Text and JSON as Ceph's
// OSDTreePlainDumper / OSDTreeFormattingDumper print them.

import {
  crushTreeItems,
  crushTreeNodeJson,
  deviceClass,
  renderTextTable,
  treeNameCell,
  weightfText,
  type CrushTreeItem,
} from '../../placement/index.js';
import { osdById, type OsdMap } from './osdmap.js';

/** Primary affinity is not tracked per OSD yet: every OSD has Ceph's default, 1.0. */
const DEFAULT_PRIMARY_AFFINITY = 1;

function withStrays(map: OsdMap): CrushTreeItem[] {
  const items = crushTreeItems(map.crush);
  const touched = new Set(items.map((i) => i.id));
  for (const o of map.osds) if (!touched.has(o.id)) items.push({ id: o.id, parent: 0, depth: 0, weight: 0, children: [] });
  return items;
}

export function osdTreeText(map: OsdMap): string {
  const rows = withStrays(map).map((it) => {
    const row = [String(it.id), deviceClass(map.crush, it.id) ?? '', weightfText(it.weight), treeNameCell(map.crush, it)];
    if (it.id >= 0) {
      const osd = osdById(map, it.id);
      if (osd === undefined) row.push('DNE', '0');
      else row.push(osd.up ? 'up' : 'down', weightfText(osd.weight / 0x10000), weightfText(DEFAULT_PRIMARY_AFFINITY));
    }
    return row;
  });
  return renderTextTable(
    [
      { name: 'ID', align: 'right' },
      { name: 'CLASS', align: 'right' },
      { name: 'WEIGHT', align: 'right' },
      { name: 'TYPE NAME', align: 'left' },
      { name: 'STATUS', align: 'right' },
      { name: 'REWEIGHT', align: 'right' },
      { name: 'PRI-AFF', align: 'right' },
    ],
    rows,
  );
}

export function osdTreeJson(map: OsdMap): { nodes: Array<Record<string, unknown>>; stray: Array<Record<string, unknown>> } {
  const node = (it: CrushTreeItem): Record<string, unknown> => {
    const n = crushTreeNodeJson(map.crush, it);
    if (it.id >= 0) {
      const osd = osdById(map, it.id);
      n['exists'] = osd === undefined ? 0 : 1;
      n['status'] = osd?.up === true ? 'up' : 'down';
      n['reweight'] = osd === undefined ? 0 : osd.weight / 0x10000;
      n['primary_affinity'] = DEFAULT_PRIMARY_AFFINITY;
    }
    return n;
  };
  const items = crushTreeItems(map.crush);
  const touched = new Set(items.map((i) => i.id));
  const stray = map.osds.filter((o) => !touched.has(o.id)).map((o) => node({ id: o.id, parent: 0, depth: 0, weight: 0, children: [] }));
  return { nodes: items.map(node), stray };
}
