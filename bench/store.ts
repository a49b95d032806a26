// Object-store figures on this machine's disk: durable 4 KiB write txns per second with 1 and
// with 64 in flight (group commit), 4 MiB object writes in MB/s, and 4 MiB reads in MB/s.
// Run directly: `node dist/bench/store.js [--quick]` prints the figures as JSON.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, removeDir } from '../src/io/fs.js';
import { openLmdbStore } from '../src/osd/store/lmdb-store.js';
import type { ObjectStore, StoreTxn } from '../src/osd/store/object-store.js';

const MTIME = { sec: 1, nsec: 0 };

function writeTxn(oid: string, data: Buffer, version: number, pgVersion: number): StoreTxn {
  return {
    objects: [
      {
        key: { pool: 1, ps: 0, hash: 0, namespace: '', oid, locator: '' },
        steps: [{ t: 'write', offset: 0, data }],
        meta: { size: data.length, mtime: MTIME, userVersion: version },
      },
    ],
    pgLog: [{ pool: 1, ps: version % 64, version: pgVersion, entry: { oid, version } }],
  };
}

/** Runs `inFlight` writers of `size_bytes` objects for `duration_ms`; returns txns/s. */
async function durableRate(store: ObjectStore, size_bytes: number, inFlight: number, duration_ms: number, tag: string): Promise<number> {
  const data = Buffer.alloc(size_bytes, 0x5a);
  let next = 0;
  const start = performance.now();
  const writer = async (): Promise<void> => {
    while (performance.now() - start < duration_ms) {
      next += 1;
      await store.apply(writeTxn(`${tag}-${next % 1024}`, data, next, next));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, writer));
  return next / ((performance.now() - start) / 1000);
}

export async function benchStore(opts: { quick: boolean }): Promise<Record<string, number>> {
  const dir = makeTempDir('sepia-bench-store-');
  const duration_ms = opts.quick ? 500 : 5000;
  try {
    const store = openLmdbStore({ path: join(dir, 'store') });
    const txn4k_1 = await durableRate(store, 4096, 1, duration_ms, 'a');
    const txn4k_64 = await durableRate(store, 4096, 64, duration_ms, 'b');
    const objectBytes = 4 * 1024 * 1024;
    const write4m_txns = await durableRate(store, objectBytes, 4, duration_ms, 'c');
    const readStart = performance.now();
    let readBytes = 0;
    for (let i = 0; performance.now() - readStart < duration_ms / 2; i += 1) {
      const v = store.view({ pool: 1, ps: 0, hash: 0, namespace: '', oid: `c-${i % 4}`, locator: '' });
      readBytes += v.readData(0, objectBytes).length + 1;
    }
    const read4m_MBps = readBytes / 1e6 / ((performance.now() - readStart) / 1000);
    await store.close();
    return {
      store_durable_4k_txn_per_s_inflight_1: Math.round(txn4k_1),
      store_durable_4k_txn_per_s_inflight_64: Math.round(txn4k_64),
      store_write_4m_MBps_inflight_4: Math.round((write4m_txns * objectBytes) / 1e6),
      store_read_4m_MBps: Math.round(read4m_MBps),
    };
  } finally {
    removeDir(dir);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await benchStore({ quick: process.argv.includes('--quick') }), null, 2));
}
