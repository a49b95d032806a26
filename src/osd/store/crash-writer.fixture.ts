// Child process for lmdb-crash.test.ts: applies txns with 16 in flight and prints "ack <i>" on
// stdout once txn i is durable, until the parent SIGKILLs it. Each txn writes a new object
// (multi-extent data, xattr, omap), appends PG log entry i+1, rewrites the shared object
// "latest" and sets meta "latest" to i: after a crash all of these must agree (atomicity).

import { openLmdbStore } from './lmdb-store.js';
import type { StoreTxn } from './object-store.js';

export const CRASH_EXTENT_BYTES = 4096;
const IN_FLIGHT = 16;
/** The parent kills us long before this; the bound keeps a lost parent from filling the disk. */
const TXNS_MAX = 50_000;

export function crashData(i: number): Buffer {
  const b = Buffer.alloc(2 * CRASH_EXTENT_BYTES + (i % 3000));
  for (let j = 0; j < b.length; j += 1) b[j] = (i * 13 + j) % 253;
  return b;
}

export function crashTxn(i: number): StoreTxn {
  const data = crashData(i);
  const latest = Buffer.from(`latest=${i}`);
  const mtime = { sec: i, nsec: 0 };
  return {
    objects: [
      {
        key: { pool: 1, ps: i % 8, hash: i, namespace: '', oid: `obj${i}`, locator: '' },
        steps: [
          { t: 'write', offset: 0, data },
          { t: 'setxattr', name: 'i', value: Buffer.from(String(i)) },
          { t: 'omap_set', entries: [[`k${i}`, Buffer.from(`v${i}`)]] },
        ],
        meta: { size: data.length, mtime, userVersion: i + 1 },
      },
      {
        key: { pool: 1, ps: 0, hash: 0, namespace: '', oid: 'latest', locator: '' },
        steps: [{ t: 'truncate', size: 0 }, { t: 'write', offset: 0, data: latest }],
        meta: { size: latest.length, mtime, userVersion: i + 1 },
      },
    ],
    pgLog: [{ pool: 1, ps: 0, version: i + 1, entry: { i } }],
    meta: [{ key: 'latest', value: i }],
  };
}

async function main(path: string): Promise<void> {
  const store = openLmdbStore({ path, extentSizeBytes: CRASH_EXTENT_BYTES });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < TXNS_MAX) {
      const i = next;
      next += 1;
      await store.apply(crashTxn(i));
      process.stdout.write(`ack ${i}\n`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await store.close();
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  const path = process.argv[2];
  if (path === undefined) throw new Error('usage: crash-writer.fixture.js <store path>');
  await main(path);
}
