// An ordered map from binary keys to values, for the in-memory store and for the lmdb store's
// overlay of not-yet-committed writes. Keys are held as latin1 strings because JavaScript's
// string comparison on code units 0..255 is exactly bytewise (memcmp) order, which is lmdb's
// order for binary keys; both implementations therefore list in the same order.
//
// Storage is a list of sorted chunks (a flat B-tree of height 2): inserting into a
// 1,000,000-key omap costs a binary search plus a splice of at most CHUNK_MAX_KEYS entries.

import { invariant } from '../../core/assert.js';

const CHUNK_MAX_KEYS = 512;

interface Chunk<V> {
  keys: string[];
  vals: V[];
}

export function keyToString(key: Buffer): string {
  return key.toString('latin1');
}

export function stringToKey(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

export class SortedMap<V> {
  private chunks: Array<Chunk<V>> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const at = this.locate(key);
    if (at === undefined) return undefined;
    const chunk = this.chunks[at.chunk];
    invariant(chunk !== undefined, 'sorted-map: located chunk exists');
    return chunk.keys[at.index] === key ? chunk.vals[at.index] : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    if (this.chunks.length === 0) {
      this.chunks.push({ keys: [key], vals: [value] });
      this.count = 1;
      return;
    }
    const at = this.locate(key) ?? { chunk: this.chunks.length - 1, index: this.chunks.at(-1)?.keys.length ?? 0 };
    const chunk = this.chunks[at.chunk];
    invariant(chunk !== undefined, 'sorted-map: insertion chunk exists');
    if (chunk.keys[at.index] === key) {
      chunk.vals[at.index] = value;
      return;
    }
    chunk.keys.splice(at.index, 0, key);
    chunk.vals.splice(at.index, 0, value);
    this.count += 1;
    if (chunk.keys.length > CHUNK_MAX_KEYS) {
      const half = chunk.keys.length >> 1;
      const right: Chunk<V> = { keys: chunk.keys.splice(half), vals: chunk.vals.splice(half) };
      this.chunks.splice(at.chunk + 1, 0, right);
    }
  }

  delete(key: string): boolean {
    const at = this.locate(key);
    if (at === undefined) return false;
    const chunk = this.chunks[at.chunk];
    invariant(chunk !== undefined, 'sorted-map: deletion chunk exists');
    if (chunk.keys[at.index] !== key) return false;
    chunk.keys.splice(at.index, 1);
    chunk.vals.splice(at.index, 1);
    this.count -= 1;
    if (chunk.keys.length === 0) this.chunks.splice(at.chunk, 1);
    return true;
  }

  /**
   * Entries with start <= key < end (end undefined: to the last key), ascending. The generator
   * reads the live structure: callers must not mutate the map while iterating.
   */
  *range(start: string, end: string | undefined): Generator<[string, V]> {
    const at = this.locate(start);
    if (at === undefined) return;
    let { chunk: c, index: i } = at;
    for (; c < this.chunks.length; c += 1, i = 0) {
      const chunk = this.chunks[c];
      invariant(chunk !== undefined, 'sorted-map: range chunk exists');
      for (; i < chunk.keys.length; i += 1) {
        const key = chunk.keys[i];
        invariant(key !== undefined, 'sorted-map: key slot filled');
        if (end !== undefined && key >= end) return;
        yield [key, chunk.vals[i] as V];
      }
    }
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  /** First position whose key is >= `key`, or undefined when every key is smaller. */
  private locate(key: string): { chunk: number; index: number } | undefined {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const last = this.chunks[mid]?.keys.at(-1);
      invariant(last !== undefined, 'sorted-map: chunks are never empty');
      if (last < key) lo = mid + 1;
      else hi = mid;
    }
    const chunk = this.chunks[lo];
    if (chunk === undefined) return undefined;
    let a = 0;
    let b = chunk.keys.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if ((chunk.keys[mid] as string) < key) a = mid + 1;
      else b = mid;
    }
    return { chunk: lo, index: a };
  }
}
