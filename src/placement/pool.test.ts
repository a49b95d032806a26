import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { objectHashKey, objectToPg, pgIdString, pgMask, placementSeed, stableMod, type PoolPlacement } from './pool.js';

const pool = (pgNum: number, pgpNum = pgNum, id = 1): PoolPlacement => ({ id, size: 3, pgNum, pgpNum, crushRule: 0, hashpspool: true });

describe('stable_mod and pool masks', () => {
  test('pg masks are (1 << bitlen(n-1)) - 1', () => {
    assert.equal(pgMask(1), 0);
    assert.equal(pgMask(2), 1);
    assert.equal(pgMask(12), 15);
    assert.equal(pgMask(32), 31);
    assert.equal(pgMask(33), 63);
    assert.equal(pgMask(96), 127);
    assert.equal(pgMask(65536), 65535);
  });

  test('stable_mod folds values past b onto the lower half', () => {
    assert.equal(stableMod(0xb, 12, 15), 0xb);
    assert.equal(stableMod(0xe, 12, 15), 6);
    assert.equal(stableMod(0xffffffff, 12, 15), 7);
  });

  test('growing b only ever splits buckets (x maps to its old bucket or old + 2^(k-1))', () => {
    for (let b = 2; b < 300; b++) {
      const oldMask = pgMask(b - 1);
      const mask = pgMask(b);
      for (let x = 0; x < 2000; x += 7) {
        const before = stableMod(x, b - 1, oldMask);
        const after = stableMod(x, b, mask);
        assert.ok(after === before || after === before + ((mask + 1) >> 1), `x=${x} b=${b}`);
      }
    }
  });
});

describe('object → PG', () => {
  test('maps the spec names to their PGs for pg_num 512, 12 and 32', () => {
    const cases: Array<[string, number, number, number]> = [
      ['foo', 6, 6, 6], ['bar', 0x4b, 0xb, 0xb], ['obj', 0x21, 1, 1],
      ['rbd_directory', 0x1c, 4, 0x1c], ['gc.0', 0xd8, 8, 0x18], ['e', 0x1ce, 6, 0xe],
    ];
    for (const [name, p512, p12, p32] of cases) {
      assert.equal(objectToPg(pool(512), name, '', '').ps, p512, `${name} 512`);
      assert.equal(objectToPg(pool(12), name, '', '').ps, p12, `${name} 12`);
      assert.equal(objectToPg(pool(32), name, '', '').ps, p32, `${name} 32`);
    }
  });

  test('a namespace prefixes the name with a 0x1F separator', () => {
    assert.deepEqual(objectToPg(pool(32), 'foo', 'ns1', ''), { ps: 4, hash: 0xf4569544 });
    assert.deepEqual(objectToPg(pool(32), 'bar', 'ns1', ''), { ps: 2, hash: 0x73a75142 });
    assert.deepEqual([...objectHashKey('foo', 'ns1', '')], [...Buffer.from('ns1\x1ffoo')]);
  });

  test('a locator key replaces the name, so objects sharing it share a PG', () => {
    const a = objectToPg(pool(512), 'first', '', 'foo');
    const b = objectToPg(pool(512), 'second', '', 'foo');
    assert.deepEqual(a, b);
    assert.deepEqual(a, { ps: 6, hash: 0x7fc1f406 });
    assert.equal(objectToPg(pool(32), 'x', 'rgw', 'foo').hash, 0x0ecb73a9);
  });

  test('the placement seed of PG 1.6 is hash32_2(6, 1) with HASHPSPOOL, ps + pool without', () => {
    assert.equal(placementSeed(pool(512), 6), 0xd77484f9);
    assert.equal(placementSeed({ ...pool(512), hashpspool: false }, 6), 7);
    // pgp_num 6 folds PG 0xa onto 6's placement.
    assert.equal(placementSeed(pool(12, 6), 0xa), placementSeed(pool(12, 6), 6));
  });

  test('PG ids print as pool.hex', () => {
    assert.equal(pgIdString(1, 0x1ce), '1.1ce');
    assert.equal(pgIdString(3, 0), '3.0');
  });
});
