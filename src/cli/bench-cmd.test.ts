import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stats } from './bench-cmd.js';

test('bench statistics cope with a long 4 KiB run: a million latencies, no stack overflow', () => {
  const values = Array.from({ length: 1_000_000 }, (_, i) => (i % 1000) / 1000);
  const s = stats(values);
  assert.equal(s.max, 0.999);
  assert.equal(s.min, 0);
  assert.ok(Math.abs(s.avg - 0.4995) < 1e-9);
});

test('bench statistics use the sample standard deviation, like Ceph', () => {
  const s = stats([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(s.avg, 5);
  assert.ok(Math.abs(s.stddev - Math.sqrt(32 / 7)) < 1e-12);
  assert.deepEqual(stats([]), { avg: 0, stddev: 0, max: 0, min: 0 });
});
