import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { vectorLines, vectorText } from './testdata.test.js';
import { buildSimpleCrushMap } from './crush/build.js';
import { compileCrushText } from './crush/text.js';
import { CRUSH_ITEM_NONE, type CrushMap } from './crush/types.js';
import { pgToUpActing } from './osdmap.js';
import { objectToPg, pgIdString, type PoolPlacement } from './pool.js';

const allUp = (): boolean => true;

function simpleMap(osdCount: number, perHost: number): CrushMap {
  return buildSimpleCrushMap({
    osds: Array.from({ length: osdCount }, (_, id) => ({ id, host: `h${Math.floor(id / perHost)}`, weight: 1 })),
    chooseleafType: 'host',
  });
}

describe('OSDMap placement against Ceph 16.2.15 osdmaptool', () => {
  const map = compileCrushText(vectorText('map12.txt'));
  const rbd: PoolPlacement = { id: 1, size: 3, pgNum: 96, pgpNum: 96, crushRule: 0, hashpspool: true };
  const weights = new Array<number>(12).fill(0x10000);

  test('the pool summary matches the vectors (size 3, pg_num 96, hashpspool)', () => {
    const summary = vectorText('om12_summary.txt');
    assert.match(summary, /pool 1 'rbd' replicated size 3 min_size 2 crush_rule 0 object_hash rjenkins pg_num 96 pgp_num 96 .*flags hashpspool/);
  });

  test('reproduces the 96-PG dump: every up set and primary', () => {
    const expected = vectorLines('om12_pgs_dump.txt');
    assert.equal(expected.length, 96);
    for (let ps = 0; ps < 96; ps++) {
      const m = pgToUpActing({ map, pool: rbd, ps, osdUp: allUp, osdWeights: weights });
      assert.equal(`${pgIdString(1, ps)}\t[${m.up.join(',')}]\t${m.upPrimary}`, expected[ps]);
      assert.deepEqual(m.acting, m.up);
      assert.equal(m.actingPrimary, m.upPrimary);
    }
  });

  test('reproduces every object → PG → OSD line', () => {
    const expected = vectorLines('om12_objects.txt');
    assert.ok(expected.length > 1000);
    for (const line of expected) {
      const name = /^ object '(.*)' -> /.exec(line)?.[1];
      assert.ok(name !== undefined, line);
      const { ps } = objectToPg(rbd, name, '', '');
      const m = pgToUpActing({ map, pool: rbd, ps, osdUp: allUp, osdWeights: weights });
      assert.equal(` object '${name}' -> ${pgIdString(1, ps)} -> [${m.up.join(',')}]`, line);
    }
  });
});

describe('OSDMap placement from the spec vectors', () => {
  test('Map A, pg_num 512: the whole pipeline from object name to OSDs', () => {
    const map = simpleMap(8, 2);
    const pool: PoolPlacement = { id: 1, size: 3, pgNum: 512, pgpNum: 512, crushRule: 0, hashpspool: true };
    const cases: Array<[string, string, number[]]> = [
      ['foo', '1.6', [4, 3, 1]], ['bar', '1.4b', [0, 2, 4]], ['obj', '1.21', [5, 7, 0]],
      ['rbd_directory', '1.1c', [5, 2, 1]], ['gc.0', '1.d8', [6, 4, 3]], ['e', '1.1ce', [3, 4, 7]],
    ];
    for (const [name, pg, osds] of cases) {
      const { ps } = objectToPg(pool, name, '', '');
      assert.equal(pgIdString(1, ps), pg, name);
      const m = pgToUpActing({ map, pool, ps, osdUp: allUp, osdWeights: new Array<number>(8).fill(0x10000) });
      assert.deepEqual(m.up, osds, name);
      assert.equal(m.upPrimary, osds[0]);
    }
  });

  test('Map B with pg_num 12 and pgp_num 6: PGs agreeing mod pgp_num share a placement', () => {
    const map = simpleMap(6, 2);
    const pool: PoolPlacement = { id: 1, size: 3, pgNum: 12, pgpNum: 6, crushRule: 0, hashpspool: true };
    const cases: Array<[string, string, number[]]> = [
      ['foo', '1.6', [2, 4, 0]], ['bar', '1.b', [3, 5, 0]], ['obj', '1.1', [5, 2, 0]],
      ['rbd_directory', '1.4', [1, 4, 3]], ['gc.0', '1.8', [3, 0, 5]], ['e', '1.6', [2, 4, 0]],
      ['_shadow_obj.1', '1.a', [2, 4, 0]], ['a', '1.8', [3, 0, 5]], ['c', '1.b', [3, 5, 0]],
    ];
    for (const [name, pg, osds] of cases) {
      const { ps } = objectToPg(pool, name, '', '');
      assert.equal(pgIdString(1, ps), pg, name);
      assert.deepEqual(pgToUpActing({ map, pool, ps, osdUp: allUp, osdWeights: new Array<number>(6).fill(0x10000) }).up, osds, name);
    }
  });

  test('primary affinity: an OSD with affinity 0 is primary only when all decline, and the primary moves to the front', () => {
    const map = simpleMap(6, 2);
    const pool: PoolPlacement = { id: 5, size: 3, pgNum: 16, pgpNum: 16, crushRule: 0, hashpspool: true };
    const affinity = [0x10000, 0x10000, 0x10000, 16384, 0, 0x10000];
    const weights = new Array<number>(6).fill(0x10000);
    let moved = 0;
    for (let ps = 0; ps < 16; ps++) {
      const plain = pgToUpActing({ map, pool, ps, osdUp: allUp, osdWeights: weights });
      const m = pgToUpActing({ map, pool, ps, osdUp: allUp, osdWeights: weights, primaryAffinity: affinity });
      assert.deepEqual([...m.up].sort(), [...plain.up].sort(), 'same members');
      assert.equal(m.upPrimary, m.up[0]);
      assert.notEqual(m.upPrimary, 4, `5.${ps.toString(16)}: osd.4 has affinity 0`);
      // Members other than the primary keep CRUSH's relative order.
      assert.deepEqual(m.up.slice(1), plain.up.filter((o) => o !== m.upPrimary));
      if (m.upPrimary !== plain.upPrimary) moved++;
    }
    assert.ok(moved > 0, 'some PG changed primary');
  });
});

describe('up and acting sets', () => {
  const map = simpleMap(8, 2);
  const pool: PoolPlacement = { id: 1, size: 3, pgNum: 512, pgpNum: 512, crushRule: 0, hashpspool: true };
  const weights = new Array<number>(8).fill(0x10000);
  const ps = 6; // 1.6 → [4,3,1]

  test('a down OSD is dropped from a replicated up set and later members shift forward', () => {
    const m = pgToUpActing({ map, pool, ps, osdUp: (id) => id !== 4, osdWeights: weights });
    assert.deepEqual(m.up, [3, 1]);
    assert.equal(m.upPrimary, 3);
    assert.deepEqual(m.acting, [3, 1]);
  });

  test('an erasure pool keeps positions and marks a down OSD as a hole', () => {
    const m = pgToUpActing({ map, pool: { ...pool, erasure: true }, ps, osdUp: (id) => id !== 4, osdWeights: weights });
    assert.deepEqual(m.up, [CRUSH_ITEM_NONE, 3, 1]);
    assert.equal(m.upPrimary, 3);
  });

  test('with every OSD down there is no primary (-1)', () => {
    const m = pgToUpActing({ map, pool, ps, osdUp: () => false, osdWeights: weights });
    assert.deepEqual(m.up, []);
    assert.equal(m.upPrimary, -1);
    assert.equal(m.actingPrimary, -1);
  });

  test('pg_temp overrides the acting set and its first live member becomes acting primary', () => {
    const m = pgToUpActing({ map, pool, ps, osdUp: (id) => id !== 0, osdWeights: weights, pgTemp: [0, 2, 5] });
    assert.deepEqual(m.up, [4, 3, 1]);
    assert.equal(m.upPrimary, 4);
    assert.deepEqual(m.acting, [2, 5]);
    assert.equal(m.actingPrimary, 2);
  });

  test('primary_temp picks the acting primary explicitly', () => {
    const m = pgToUpActing({ map, pool, ps, osdUp: allUp, osdWeights: weights, primaryTemp: 1 });
    assert.deepEqual(m.acting, [4, 3, 1]);
    assert.equal(m.actingPrimary, 1);
  });

  test('an OSD marked out (reweight 0) is replaced by CRUSH, not just dropped', () => {
    const out = [...weights];
    out[4] = 0;
    const m = pgToUpActing({ map, pool, ps, osdUp: allUp, osdWeights: out });
    assert.equal(m.up.length, 3);
    assert.ok(!m.up.includes(4));
  });
});
