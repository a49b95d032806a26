import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SortedMap, keyToString } from './sorted-map.js';

test('the sorted map agrees with a sorted reference through chunk splits and deletions', () => {
  const map = new SortedMap<number>();
  const ref = new Map<string, number>();
  let x = 12345;
  for (let i = 0; i < 6000; i += 1) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const key = keyToString(Buffer.from([x % 256, (x >> 8) % 7, (x >> 16) % 256]));
    if (x % 5 === 0) {
      assert.equal(map.delete(key), ref.delete(key));
    } else {
      map.set(key, i);
      ref.set(key, i);
    }
  }
  const sorted = [...ref.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  assert.equal(map.size, ref.size);
  assert.deepEqual([...map.range('', undefined)], sorted);
  const lo = keyToString(Buffer.from([100]));
  const hi = keyToString(Buffer.from([200, 3]));
  assert.deepEqual([...map.range(lo, hi)], sorted.filter(([k]) => k >= lo && k < hi));
  for (const [k, v] of sorted.slice(0, 50)) assert.equal(map.get(k), v);
  assert.equal(map.get(keyToString(Buffer.from([0xff, 0xff, 0xff, 0xff]))), undefined);
});
