import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crushHash32_3, crushHash32_3Items } from './hash.js';
import { simdHash4 } from './hash-simd.js';

/** Deterministic inputs spanning signs, bucket ids, large ids and small r. */
function inputs(n: number): Array<{ x: number; r: number; items: number[] }> {
  let s = 0x9e3779b9;
  const next = (): number => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return (t ^ (t >>> 14)) | 0;
  };
  return Array.from({ length: n }, (_, i) => ({
    x: next(),
    r: i % 60,
    items: [i % 17, -1 - (i % 9), next() & 0x7fffffff, next()],
  }));
}

test('Node runs the four-lane WebAssembly hash (so the fast straw2 path is the one measured)', () => {
  assert.notEqual(simdHash4, null);
});

test('the four-lane hash equals crush_hash32_rjenkins1_3 in every lane', () => {
  assert.ok(simdHash4);
  for (const { x, r, items } of inputs(20_000)) {
    simdHash4.h4(x, r, items[0]!, items[1]!, items[2]!, items[3]!);
    for (let k = 0; k < 4; k++) assert.equal(simdHash4.out[k]! >>> 0, crushHash32_3(x, items[k]!, r));
  }
});

test('the interleaved scalar hash equals crush_hash32_rjenkins1_3 for every bucket size up to 9', () => {
  const out = new Int32Array(9);
  for (const { x, r, items } of inputs(2_000)) {
    const bucket = Int32Array.from([...items, ...items.map((v) => v ^ 0x55), x & 0xff]);
    for (let count = 0; count <= 9; count++) {
      out.fill(7);
      crushHash32_3Items(x, r, bucket, count, out);
      for (let k = 0; k < count; k++) assert.equal(out[k]! >>> 0, crushHash32_3(x, bucket[k]!, r));
      for (let k = count; k < 9; k++) assert.equal(out[k], 7);
    }
  }
});
