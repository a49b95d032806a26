import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadChunkPool } from './read-chunks.js';

const MiB = 1024 * 1024;

test('a chunk given back (through any view of it) is handed out again instead of a new one', () => {
  const pool = new ReadChunkPool(MiB, 4);
  const a = pool.take();
  assert.equal(a.length, MiB);
  pool.give(a.subarray(10, 20));
  assert.equal(pool.freeChunks, 1);
  assert.equal(pool.take(), a);
  assert.notEqual(pool.take(), a);
});

test('buffers the pool did not make are ignored, and giving a chunk back twice is a bug it reports', () => {
  const pool = new ReadChunkPool(MiB, 4);
  pool.give(Buffer.alloc(MiB));
  assert.equal(pool.freeChunks, 0);
  const a = pool.take();
  pool.give(a);
  assert.throws(() => pool.give(a), /given back twice/);
});

test('at most free_max chunks are kept', () => {
  const pool = new ReadChunkPool(MiB, 2);
  const taken = [pool.take(), pool.take(), pool.take()];
  for (const c of taken) pool.give(c);
  assert.equal(pool.freeChunks, 2);
});

test('trim drops only the chunks that stayed free since the last trim', () => {
  const pool = new ReadChunkPool(MiB, 8);
  const taken = [pool.take(), pool.take(), pool.take(), pool.take()];
  for (const c of taken) pool.give(c);
  pool.trim(); // the free list was empty when this period began: nothing sat unused throughout
  assert.equal(pool.freeChunks, 4);
  const busy = pool.take(); // the free list dips to 3 during this period
  pool.give(busy);
  pool.trim();
  assert.equal(pool.freeChunks, 1, 'three chunks sat unused for a whole period');
  pool.trim();
  assert.equal(pool.freeChunks, 0);
});

test('small chunks are cut from 1 MiB slabs (memory glibc maps and unmaps), each given back on its own', () => {
  const pool = new ReadChunkPool(64 * 1024, 64);
  const a = pool.take();
  const b = pool.take();
  assert.equal(a.buffer, b.buffer, 'one slab');
  assert.equal(a.buffer.byteLength, MiB);
  assert.equal(b.byteOffset, a.byteOffset + 64 * 1024);
  assert.equal(pool.freeChunks, 14);
  pool.give(b.subarray(5, 9));
  assert.equal(pool.take(), b);
  assert.throws(() => {
    pool.give(a);
    pool.give(a.subarray(1));
  }, /given back twice/);
});
