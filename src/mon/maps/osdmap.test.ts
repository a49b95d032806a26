import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RadosError } from '../../core/errors.js';
import { createPool, emptyOsdMap, locateObject, mapPg, osdBoot, osdMarkDown, osdSetWeight, poolByName, removePool, setPoolField } from './osdmap.js';

const NOW = '2026-11-23T00:00:00.000Z';

function threeOsds() {
  let m = emptyOsdMap('fsid-1', NOW, 'osd');
  for (const id of [0, 1, 2]) m = osdBoot(m, NOW, { id, addr: `127.0.0.1:${6800 + id}`, host: 'localhost', uuid: `u${id}` });
  return createPool(m, NOW, { name: 'p', pgNum: 32, size: 3, minSize: 0 });
}

test('every change advances the epoch by exactly one', () => {
  const m0 = emptyOsdMap('f', NOW, 'osd');
  const m1 = osdBoot(m0, NOW, { id: 0, addr: 'a:1', host: 'h', uuid: 'u' });
  const m2 = createPool(m1, NOW, { name: 'x', pgNum: 8, size: 1, minSize: 0 });
  assert.deepEqual([m0.epoch, m1.epoch, m2.epoch], [1, 2, 3]);
});

test('a new pool gets Ceph defaults: min_size is size - size/2 and ids grow', () => {
  const m = threeOsds();
  const p = poolByName(m, 'p');
  assert.ok(p);
  assert.equal(p.minSize, 2);
  assert.equal(p.pgpNum, 32);
  const m2 = createPool(m, NOW, { name: 'q', pgNum: 8, size: 3, minSize: 0 });
  assert.equal(poolByName(m2, 'q')?.id, (p.id) + 1);
  assert.throws(() => createPool(m2, NOW, { name: 'q', pgNum: 8, size: 3, minSize: 0 }), (e: unknown) => RadosError.is(e) && e.code === 'EEXIST');
  assert.throws(() => removePool(m2, NOW, 'nope'), (e: unknown) => RadosError.is(e) && e.code === 'ENOENT');
  assert.equal(poolByName(removePool(m2, NOW, 'q'), 'q'), undefined);
});

test('every PG maps to three distinct up OSDs with a primary among them', () => {
  const m = threeOsds();
  const p = poolByName(m, 'p');
  assert.ok(p);
  for (let ps = 0; ps < p.pgNum; ps++) {
    const { acting, actingPrimary } = mapPg(m, p, ps);
    assert.equal(new Set(acting).size, 3);
    assert.equal(acting[0], actingPrimary);
  }
});

test('a down OSD leaves the acting sets and an out OSD gets no data', () => {
  const m = threeOsds();
  const p = poolByName(m, 'p');
  assert.ok(p);
  const down = osdMarkDown(m, NOW, 1);
  const out = osdSetWeight(m, NOW, 2, 0);
  for (let ps = 0; ps < p.pgNum; ps++) {
    assert.ok(!mapPg(down, p, ps).acting.includes(1));
    assert.ok(!mapPg(out, p, ps).acting.includes(2));
  }
  assert.equal(setPoolField(m, NOW, 'p', 'size', 2).pools[0]?.minSize, 2);
});

test('object location is deterministic and independent of the map object', () => {
  const a = threeOsds();
  const b = threeOsds();
  const pa = poolByName(a, 'p');
  const pb = poolByName(b, 'p');
  assert.ok(pa && pb);
  for (const oid of ['obj1', 'x', 'benchmark_data_host_1_object0']) {
    assert.deepEqual(locateObject(a, pa, oid, '', ''), locateObject(b, pb, oid, '', ''));
  }
});
