import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RadosError } from '../../core/errors.js';
import { buildSimpleCrushMap, bucketWeight, crushDoRule, decompileCrushMap, type CrushMap } from '../../placement/index.js';
import {
  crushAddBucket,
  crushAddDevice,
  crushEnsureDevice,
  crushItemId,
  crushMove,
  crushRemove,
  crushReweight,
  formatCrushLocation,
  parseCrushLocation,
} from './crush-edit.js';

const isErr = (code: string) => (e: unknown) => RadosError.is(e) && e.code === code;

function twoHosts(): CrushMap {
  let m = buildSimpleCrushMap({ osds: [], chooseleafType: 'host' });
  for (const [id, host] of [[0, 'a'], [1, 'a'], [2, 'b'], [3, 'b']] as const) m = crushEnsureDevice(m, id, host);
  return m;
}

function bucket(m: CrushMap, name: string) {
  const b = m.buckets.find((x) => x.name === name);
  assert.ok(b, `bucket ${name} exists`);
  return b;
}

/** Every bucket's entry in its parent equals the bucket's own total: weights stayed consistent. */
function assertConsistent(m: CrushMap): void {
  for (const parent of m.buckets) {
    parent.items.forEach((item, i) => {
      if (item < 0) assert.equal(parent.weights[i], bucketWeight(m.buckets.find((b) => b.id === item)!), `${parent.name} → ${item}`);
    });
  }
}

test('booting devices builds host buckets under root default without renumbering anything', () => {
  const m = twoHosts();
  assert.deepEqual(bucket(m, 'a').items, [0, 1]);
  assert.deepEqual(bucket(m, 'b').items, [2, 3]);
  assert.deepEqual(bucket(m, 'default').items, [bucket(m, 'a').id, bucket(m, 'b').id]);
  assert.equal(bucketWeight(bucket(m, 'default')), 4 * 0x10000);
  assert.deepEqual(m.devices.map((d) => [d.name, d.deviceClass]), [['osd.0', 'hdd'], ['osd.1', 'hdd'], ['osd.2', 'hdd'], ['osd.3', 'hdd']]);
  // A second boot of a placed device changes nothing, even after the operator reweighted it.
  const tuned = crushReweight(m, 'osd.1', 0.5).crush;
  assert.equal(crushEnsureDevice(tuned, 1, 'elsewhere'), tuned);
  assertConsistent(m);
});

test('reweight changes the device and every ancestor, with Ceph status text', () => {
  const r = crushReweight(twoHosts(), 'osd.3', 0.5);
  assert.equal(r.message, "reweighted item id 3 name 'osd.3' to 0.5 in crush map");
  assert.equal(bucket(r.crush, 'b').weights[1], 0x8000);
  assert.equal(bucket(r.crush, 'default').weights[1], 0x18000);
  assertConsistent(r.crush);
  assert.throws(() => crushReweight(twoHosts(), 'osd.9', 1), isErr('ENOENT'));
  assert.throws(() => crushReweight(twoHosts(), 'a', 1), isErr('EINVAL'));
  assert.throws(() => crushReweight(twoHosts(), 'osd.0', -1), isErr('EINVAL'));
});

test('an edit never mutates the map it was given', () => {
  const m = twoHosts();
  const before = JSON.stringify(m);
  crushReweight(m, 'osd.0', 3);
  crushMove(crushAddBucket(m, 'rack1', 'rack').crush, 'a', { rack: 'rack1', root: 'default' });
  crushRemove(m, 'osd.2');
  assert.equal(JSON.stringify(m), before);
});

test('add-bucket takes the first free id, refuses unknown and device types, and is idempotent', () => {
  const r = crushAddBucket(twoHosts(), 'rack1', 'rack');
  assert.equal(r.message, 'added bucket rack1 type rack to crush map');
  const rack = bucket(r.crush, 'rack1');
  assert.equal(rack.id, -4);
  assert.equal(rack.type, 3);
  assert.deepEqual(rack.items, []);
  const again = crushAddBucket(r.crush, 'rack1', 'rack');
  assert.equal(again.changed, false);
  assert.equal(again.message, "bucket 'rack1' already exists");
  assert.throws(() => crushAddBucket(twoHosts(), 'x', 'shelf'), isErr('EINVAL'));
  assert.throws(() => crushAddBucket(twoHosts(), 'x', 'osd'), isErr('EINVAL'));
  assert.throws(() => crushAddBucket(twoHosts(), 'bad name', 'rack'), isErr('EINVAL'));
  const placed = crushAddBucket(twoHosts(), 'rack2', 'rack', { root: 'default' });
  assert.equal(placed.message, 'added bucket rack2 type rack to location {root=default}');
  assert.ok(bucket(placed.crush, 'default').items.includes(bucket(placed.crush, 'rack2').id));
});

test('move relinks a bucket with its weight and keeps placement valid', () => {
  let m = crushAddBucket(twoHosts(), 'rack1', 'rack').crush;
  const moved = crushMove(m, 'rack1', { root: 'default' });
  assert.equal(moved.message, "moved item id -4 name 'rack1' to location {root=default} in crush map");
  m = crushMove(moved.crush, 'a', { rack: 'rack1', root: 'default' }).crush;
  assert.deepEqual(bucket(m, 'rack1').items, [bucket(m, 'a').id]);
  assert.equal(bucket(m, 'default').items.includes(bucket(m, 'a').id), false);
  assert.equal(bucketWeight(bucket(m, 'default')), 4 * 0x10000);
  assertConsistent(m);
  const noop = crushMove(m, 'a', { rack: 'rack1' });
  assert.equal(noop.changed, false);
  assert.equal(noop.message, "no need to move item id -2 name 'a' to location {rack=rack1} in crush map");
  assert.throws(() => crushMove(m, 'nope', { root: 'default' }), isErr('ENOENT'));
  // The root cannot go under its own descendant.
  assert.throws(() => crushMove(m, 'default', { rack: 'rack1' }), isErr('EINVAL'));
  // Mapping over the edited map still yields two distinct hosts' OSDs.
  for (let x = 0; x < 200; x++) {
    const osds = crushDoRule(m, 0, x, 2, [0x10000, 0x10000, 0x10000, 0x10000]);
    assert.equal(osds.length, 2);
    assert.notEqual(osds[0]! < 2, osds[1]! < 2);
  }
});

test('a device moved to a new host bucket keeps its weight', () => {
  const m = crushReweight(twoHosts(), 'osd.1', 2).crush;
  const r = crushMove(m, 'osd.1', { host: 'c', root: 'default' });
  assert.deepEqual(bucket(r.crush, 'c').items, [1]);
  assert.deepEqual(bucket(r.crush, 'c').weights, [0x20000]);
  assert.deepEqual(bucket(r.crush, 'a').items, [0]);
  assertConsistent(r.crush);
});

test('add places a device at a location and rm takes devices and empty buckets out', () => {
  const added = crushAddDevice(twoHosts(), 7, 1.5, { host: 'c', root: 'default' });
  assert.equal(added.message, "add item id 7 name 'osd.7' weight 1.5 at location {host=c,root=default} to crush map");
  assert.equal(crushItemId(added.crush, 'osd.7'), 7);
  const removed = crushRemove(added.crush, 'osd.7');
  assert.equal(removed.message, "removed item id 7 name 'osd.7' from crush map");
  assert.equal(crushItemId(removed.crush, 'osd.7'), undefined);
  assert.deepEqual(bucket(removed.crush, 'c').items, []);
  assertConsistent(removed.crush);
  assert.throws(() => crushRemove(removed.crush, 'a'), isErr('ENOTEMPTY'));
  const gone = crushRemove(removed.crush, 'c');
  assert.equal(gone.crush.buckets.some((b) => b.name === 'c'), false);
  assert.equal(crushRemove(gone.crush, 'c').changed, false);
  assert.throws(() => crushRemove(crushRemove(crushRemove(twoHosts(), 'osd.0').crush, 'osd.1').crush, 'default'), isErr('ENOTEMPTY'));
});

test('locations parse from type=name arguments and print in key order', () => {
  const loc = parseCrushLocation(['root=default', 'host=node1']);
  assert.equal(formatCrushLocation(loc), '{host=node1,root=default}');
  assert.throws(() => parseCrushLocation(['rootdefault']), isErr('EINVAL'));
});

test('edited maps decompile to text (the crushtool form stays available)', () => {
  const m = crushMove(crushAddBucket(twoHosts(), 'rack1', 'rack', { root: 'default' }).crush, 'b', { rack: 'rack1' }).crush;
  const text = decompileCrushMap(m);
  assert.match(text, /rack rack1 \{/);
  assert.match(text, /item b weight 2\.000\n/);
});
