import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pack, unpack } from 'msgpackr';
import { createPool, emptyOsdMap, osdBoot, osdMarkDown, osdSetCrush, osdSetWeight, removePool, setPoolField, WEIGHT_IN, type OsdMap } from './osdmap.js';
import { crushReweight } from './crush-edit.js';
import { applyOsdMapIncremental, diffOsdMap, isOsdMapIncremental, sameValue } from './osdmap-incremental.js';

const NOW = '2026-11-24T00:00:00.000Z';

/** What a receiver holds: the map as it came off the wire. */
function wire<T>(v: T): T {
  return unpack(pack(v)) as T;
}

type Change =
  | { t: 'boot'; id: number; host: number }
  | { t: 'down'; id: number }
  | { t: 'weight'; id: number; out: boolean }
  | { t: 'pool'; name: number; size: number }
  | { t: 'rmpool'; name: number }
  | { t: 'size'; name: number; size: number }
  | { t: 'crush'; id: number; weight: number }
  | { t: 'pgtemp'; key: number; osds: number[] };

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ t: fc.constant('boot' as const), id: fc.integer({ min: 0, max: 11 }), host: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ t: fc.constant('down' as const), id: fc.integer({ min: 0, max: 11 }) }),
  fc.record({ t: fc.constant('weight' as const), id: fc.integer({ min: 0, max: 11 }), out: fc.boolean() }),
  fc.record({ t: fc.constant('pool' as const), name: fc.integer({ min: 0, max: 5 }), size: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ t: fc.constant('rmpool' as const), name: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ t: fc.constant('size' as const), name: fc.integer({ min: 0, max: 5 }), size: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ t: fc.constant('crush' as const), id: fc.integer({ min: 0, max: 11 }), weight: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ t: fc.constant('pgtemp' as const), key: fc.integer({ min: 0, max: 7 }), osds: fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 3 }) }),
);

/** The next epoch for `c`, or undefined when the change does not apply to `m` (as the monitor refuses it). */
function step(m: OsdMap, c: Change): OsdMap | undefined {
  try {
    switch (c.t) {
      case 'boot':
        return osdBoot(m, NOW, { id: c.id, addr: `127.0.0.1:${6800 + c.id}`, host: `h${c.host}`, uuid: `u${c.id}` });
      case 'down': {
        const next = osdMarkDown(m, NOW, c.id);
        return next === m ? undefined : next;
      }
      case 'weight':
        return osdSetWeight(m, NOW, c.id, c.out ? 0 : WEIGHT_IN);
      case 'pool':
        return createPool(m, NOW, { name: `p${c.name}`, pgNum: 8, size: c.size, minSize: 0 });
      case 'rmpool':
        return removePool(m, NOW, `p${c.name}`);
      case 'size':
        return setPoolField(m, NOW, `p${c.name}`, 'size', c.size);
      case 'crush':
        return osdSetCrush(m, NOW, crushReweight(m.crush, `osd.${c.id}`, c.weight).crush);
      case 'pgtemp': {
        const pgTemp: Record<string, readonly number[]> = { ...m.pgTemp };
        if (c.osds.length === 0) delete pgTemp[`1.${c.key}`];
        else pgTemp[`1.${c.key}`] = c.osds;
        return { ...m, epoch: m.epoch + 1, modified: NOW, pgTemp };
      }
    }
  } catch {
    return undefined;
  }
}

test('an incremental turns each epoch into the next exactly, also after both cross the wire', () => {
  fc.assert(
    fc.property(fc.array(change, { minLength: 1, maxLength: 40 }), (changes) => {
      let monitor = emptyOsdMap('fsid-inc', NOW, 'host');
      let receiver = wire(monitor);
      for (const c of changes) {
        const next = step(monitor, c);
        if (next === undefined) continue;
        const inc = diffOsdMap(monitor, next);
        assert.ok(inc !== undefined, `an incremental for ${c.t}`);
        const received = wire(inc);
        assert.ok(isOsdMapIncremental(received));
        receiver = applyOsdMapIncremental(receiver, received);
        assert.ok(sameValue(receiver, wire(next)), `the receiver's map equals the monitor's after ${c.t}`);
        monitor = next;
      }
    }),
    { numRuns: 200 },
  );
});

test('marking one OSD down in a 1,000-OSD map sends only that OSD and the stamp', () => {
  let m = emptyOsdMap('fsid-big', NOW, 'host');
  for (let id = 0; id < 1000; id += 1) m = osdBoot(m, NOW, { id, addr: `10.0.0.${id % 250}:6800`, host: `host${Math.floor(id / 20)}`, uuid: `u${id}` });
  m = createPool(m, NOW, { name: 'big', pgNum: 4096, size: 3, minSize: 2 });
  const next = osdMarkDown(m, '2026-11-24T00:00:01.000Z', 123);
  const inc = diffOsdMap(m, next);
  assert.ok(inc !== undefined);
  assert.deepEqual(inc.osds?.upsert.map((o) => o.id), [123]);
  assert.deepEqual(inc.osds?.remove, []);
  assert.equal(inc.pools, undefined);
  assert.deepEqual(Object.keys(inc.fields ?? {}), ['modified']);
  const incBytes = pack(inc).length;
  const fullBytes = pack(next).length;
  assert.ok(incBytes < 300, `incremental is ${incBytes} bytes`);
  assert.ok(fullBytes > 100 * incBytes, `full map ${fullBytes} bytes vs incremental ${incBytes}`);
});

test('a field the incremental does not know by name travels whole, and a removed one is removed', () => {
  const m = emptyOsdMap('fsid-f', NOW, 'osd');
  const withExtra = { ...m, epoch: m.epoch + 1, extra: { a: [1, 2] } } as unknown as OsdMap;
  const inc1 = diffOsdMap(m, withExtra);
  assert.ok(inc1 !== undefined);
  assert.ok(sameValue(applyOsdMapIncremental(wire(m), wire(inc1)), withExtra));
  const { extra: _dropped, ...without } = withExtra as unknown as Record<string, unknown>;
  const withoutExtra = { ...without, epoch: withExtra.epoch + 1 } as unknown as OsdMap;
  const inc2 = diffOsdMap(withExtra, withoutExtra);
  assert.ok(inc2 !== undefined);
  const applied = applyOsdMapIncremental(wire(withExtra), wire(inc2)) as unknown as Record<string, unknown>;
  assert.equal('extra' in applied, false);
  assert.ok(sameValue(applied, withoutExtra));
});

test('malformed incrementals are recognised as such', () => {
  const good = { fsid: 'f', epoch: 3, osds: { upsert: [{ id: 1 }], remove: [2] } };
  assert.ok(isOsdMapIncremental(good));
  for (const bad of [
    null,
    'inc',
    { fsid: 'f' },
    { fsid: 1, epoch: 3 },
    { fsid: 'f', epoch: 1.5 },
    { fsid: 'f', epoch: 3, osds: { upsert: [{ id: 'x' }], remove: [] } },
    { fsid: 'f', epoch: 3, pools: { upsert: [], remove: ['1'] } },
    { fsid: 'f', epoch: 3, pgTemp: { set: { '1.0': ['a'] }, remove: [] } },
    { fsid: 'f', epoch: 3, pgTemp: { set: {}, remove: [1] } },
    { fsid: 'f', epoch: 3, fields: [1] },
  ]) {
    assert.equal(isOsdMapIncremental(bad), false, JSON.stringify(bad));
  }
});
