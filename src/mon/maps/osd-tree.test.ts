import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crushTreeText } from '../../placement/index.js';
import { crushAddBucket, crushMove, crushRemove, crushReweight } from './crush-edit.js';
import { emptyOsdMap, osdBoot, osdMarkDown, osdSetCrush, osdSetWeight, type OsdMap } from './osdmap.js';
import { osdTreeJson, osdTreeText } from './osd-tree.js';

const NOW = '2026-11-23T00:00:00.000Z';

function cluster(): OsdMap {
  let m = emptyOsdMap('f', NOW, 'osd');
  for (const id of [0, 1, 2]) m = osdBoot(m, NOW, { id, addr: `127.0.0.1:${6800 + id}`, host: 'localhost', uuid: `u${id}` });
  return m;
}

test('osd tree prints Ceph\'s table: two-space columns, padded cells, indented names', () => {
  let m = osdMarkDown(cluster(), NOW, 2);
  m = osdSetWeight(m, NOW, 1, 0);
  assert.equal(
    osdTreeText(m),
    [
      'ID  CLASS  WEIGHT   TYPE NAME           STATUS  REWEIGHT  PRI-AFF',
      '-1         3.00000  root default                                 ',
      '-2         3.00000      host localhost                           ',
      ' 0    hdd  1.00000          osd.0           up   1.00000  1.00000',
      ' 1    hdd  1.00000          osd.1           up         0  1.00000',
      ' 2    hdd  1.00000          osd.2         down   1.00000  1.00000',
      '',
    ].join('\n'),
  );
});

test('children are listed buckets first, then devices by class and id; strays come last', () => {
  let m = cluster();
  let crush = crushAddBucket(m.crush, 'rack1', 'rack', { root: 'default' }).crush;
  crush = crushMove(crush, 'localhost', { rack: 'rack1' }).crush;
  crush = crushReweight(crush, 'osd.0', 0.25).crush;
  crush = crushRemove(crush, 'osd.2').crush;
  m = osdSetCrush(m, NOW, crush);
  assert.equal(
    osdTreeText(m),
    [
      'ID  CLASS  WEIGHT   TYPE NAME               STATUS  REWEIGHT  PRI-AFF',
      '-1         1.25000  root default                                     ',
      '-3         1.25000      rack rack1                                   ',
      '-2         1.25000          host localhost                           ',
      ' 0    hdd  0.25000              osd.0           up   1.00000  1.00000',
      ' 1    hdd  1.00000              osd.1           up   1.00000  1.00000',
      ' 2               0  osd.2                       up   1.00000  1.00000',
      '',
    ].join('\n'),
  );
  assert.equal(
    crushTreeText(m.crush),
    [
      'ID  CLASS  WEIGHT   TYPE NAME             ',
      '-1         1.25000  root default          ',
      '-3         1.25000      rack rack1        ',
      '-2         1.25000          host localhost',
      ' 0    hdd  0.25000              osd.0     ',
      ' 1    hdd  1.00000              osd.1     ',
      '',
    ].join('\n'),
  );
  const json = osdTreeJson(m);
  assert.deepEqual(json.nodes[0], { id: -1, name: 'default', type: 'root', type_id: 11, children: [-3] });
  assert.deepEqual(json.nodes[2], { id: -2, name: 'localhost', type: 'host', type_id: 1, pool_weights: {}, children: [1, 0] });
  assert.deepEqual(json.nodes[3], {
    id: 0, device_class: 'hdd', name: 'osd.0', type: 'osd', type_id: 0, crush_weight: 0.25, depth: 3, pool_weights: {},
    exists: 1, status: 'up', reweight: 1, primary_affinity: 1,
  });
  assert.deepEqual(json.stray.map((n) => n['id']), [2]);
});
