// A member's scrub map of one PG: per object its metadata and crc32c digests of xattrs, omap and
// omap header, plus (deep scrub) of its data, read from the local store.
import { crc32c } from '@node-rs/crc32';
import { invariant } from '../core/assert.js';
import type { ObjectKey, ObjectStore } from './store/object-store.js';
import { objectNameOf, SCRUB_OBJECTS_MAX, type ScrubObject } from './pg/index.js';

const LIST_PAGE = 256;
/** Omap pages read per object: 1,000,000 keys at 1,024 per page. */
const OMAP_PAGE = 1024;
const OMAP_PAGES_MAX = 1000;
/** Data is digested in pieces so a large object is never held whole. */
const DATA_CHUNK_BYTES = 4 * 1024 * 1024;

function lengthPrefixed(buf: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(buf.length);
  return Buffer.concat([len, buf]);
}

/** crc32c over (key, value) pairs, each length-prefixed so that no two listings digest alike by accident. */
function digestPairs(pairs: Iterable<readonly [string, Buffer]>, seed: number): number {
  let crc = seed;
  for (const [k, v] of pairs) {
    crc = crc32c(lengthPrefixed(Buffer.from(k, 'utf8')), crc);
    crc = crc32c(lengthPrefixed(v), crc);
  }
  return crc >>> 0;
}

export function scrubObject(store: ObjectStore, key: ObjectKey, deep: boolean): ScrubObject | undefined {
  const view = store.view(key);
  const meta = view.meta;
  if (meta === undefined) return undefined;
  const xattrs = [...view.xattrs()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let omapDigest = 0xffffffff;
  let after = '';
  for (let page = 0; page < OMAP_PAGES_MAX; page++) {
    const batch = view.omapRange(after, OMAP_PAGE);
    omapDigest = digestPairs(batch, omapDigest);
    const last = batch[batch.length - 1];
    if (batch.length < OMAP_PAGE || last === undefined) break;
    after = last[0];
  }
  const out = {
    name: objectNameOf(key),
    size: meta.size,
    userVersion: meta.userVersion,
    mtime: { sec: meta.mtime.sec, nsec: meta.mtime.nsec },
    attrsDigest: digestPairs(xattrs, 0xffffffff),
    omapDigest,
    omapHeaderDigest: crc32c(view.omapHeader(), 0xffffffff) >>> 0,
  };
  if (!deep) return out;
  let dataDigest = 0xffffffff;
  for (let offset = 0; offset < meta.size; offset += DATA_CHUNK_BYTES) {
    const chunk = view.readData(offset, Math.min(DATA_CHUNK_BYTES, meta.size - offset));
    invariant(chunk.length > 0, 'an object yields every byte up to its size');
    dataDigest = crc32c(chunk, dataDigest);
  }
  return { ...out, dataDigest: dataDigest >>> 0 };
}

/** Every object of PG (pool, ps) in this store, in listing order. */
export function buildScrubMap(store: ObjectStore, pool: number, ps: number, deep: boolean): ScrubObject[] {
  const out: ScrubObject[] = [];
  let cursor: ObjectKey | undefined;
  while (out.length < SCRUB_OBJECTS_MAX) {
    const batch = store.listObjects(pool, ps, cursor, LIST_PAGE);
    for (const k of batch) {
      const o = scrubObject(store, k, deep);
      if (o !== undefined) out.push(o);
      cursor = k;
    }
    if (batch.length < LIST_PAGE) break;
  }
  return out;
}
