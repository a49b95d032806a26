import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fifo } from './fifo.js';

test('items come out in the order they went in, across internal compaction', () => {
  const fifo = new Fifo<number>();
  let next = 0;
  for (let i = 0; i < 5000; i++) fifo.push(i);
  for (let i = 0; i < 3000; i++) assert.equal(fifo.shift(), next++);
  for (let i = 5000; i < 6000; i++) fifo.push(i);
  assert.equal(fifo.length, 3000);
  assert.equal(fifo.peek(), next);
  assert.deepEqual(fifo.drain(), Array.from({ length: 3000 }, (_, i) => next + i));
  assert.equal(fifo.length, 0);
  assert.equal(fifo.shift(), undefined);
});
