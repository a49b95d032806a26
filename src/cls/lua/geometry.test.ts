// ImageMagick geometry strings: what parses, what is refused, and the sizes they give.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RadosError } from '../../core/errors.js';
import { GEOMETRY_MAX_SIDE, parseGeometry, targetSize } from './geometry.js';

const SRC = { width: 2000, height: 1500 };
const size = (spec: string, src = SRC): string => {
  const s = targetSize(parseGeometry(spec), src);
  return `${s.width}x${s.height}`;
};

describe('geometry', () => {
  test('WxH fits inside the box and keeps the aspect ratio', () => {
    assert.equal(size('500x300'), '400x300');
    assert.equal(size('300x500'), '300x225');
    assert.equal(size('4000x4000'), '4000x3000');
  });

  test('a single side sets that side and scales the other', () => {
    assert.equal(size('256x'), '256x192');
    assert.equal(size('256'), '256x192');
    assert.equal(size('x128'), '171x128');
  });

  test('percentages scale each side', () => {
    assert.equal(size('50%'), '1000x750');
    assert.equal(size('50%x10%'), '1000x150');
    assert.equal(size('10x20%'), '200x300');
    assert.equal(size('0.1%'), '2x2');
  });

  test('flags: ! exact, > only shrinks, < only enlarges, ^ fills the box', () => {
    assert.equal(size('100x100!'), '100x100');
    assert.equal(size('500x300>'), '400x300');
    assert.equal(size('4000x4000>'), '2000x1500');
    assert.equal(size('500x300<'), '2000x1500');
    assert.equal(size('4000x4000<'), '4000x3000');
    assert.equal(size('200x200^'), '267x200');
  });

  test('no side is ever smaller than one pixel', () => {
    assert.equal(size('1x1', { width: 10_000, height: 10 }), '1x1');
    assert.equal(size('x1', { width: 10, height: 10_000 }), '1x1');
  });

  test('offsets, areas, zero, oversized and empty geometries are EINVAL', () => {
    for (const spec of ['', 'abc', '100x100+10+10', '@10000', '0x10', 'x0', '0%', `${GEOMETRY_MAX_SIDE + 1}x`, 'x', '!', '100!', '50%!', '-5x5', '1'.repeat(65)]) {
      assert.throws(() => parseGeometry(spec), (e: unknown) => RadosError.is(e) && e.code === 'EINVAL', spec);
    }
  });

  test('a fit never exceeds its box, keeps at least one side on it and keeps the aspect ratio', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }),
      fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }),
      (sw, sh, bw, bh) => {
        const t = targetSize(parseGeometry(`${bw}x${bh}`), { width: sw, height: sh });
        assert.ok(t.width <= Math.max(bw, 1) && t.height <= Math.max(bh, 1), `${t.width}x${t.height} in ${bw}x${bh}`);
        assert.ok(t.width === bw || t.height === bh, `${sw}x${sh} → ${t.width}x${t.height} in ${bw}x${bh}`);
        // Rounding moves each side by at most half a pixel from the exact scaled size.
        const scale = Math.min(bw / sw, bh / sh);
        assert.ok(Math.abs(t.width - sw * scale) <= 0.5 + 1e-9 || t.width === 1);
        assert.ok(Math.abs(t.height - sh * scale) <= 0.5 + 1e-9 || t.height === 1);
      },
    ));
  });
});
