import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ensureDir, writeFileAtomic } from '../../io/files.js';
import { makeTempDir, removeDir } from '../../io/fs.js';
import { listNames } from '../../io/log-files.js';
import { metaKey } from './keys.js';
import type { KvWrite } from './kv.js';
import { open } from 'lmdb';
import { openLmdbStore, walAppliedKey } from './lmdb-store.js';
import { packr } from './onode.js';
import { WAL_SEGMENT_BYTES, WalWriter, decodeWalRecords, encodeWalRecord, readWal } from './wal.js';

const root = makeTempDir('sepia-wal-');
after(() => removeDir(root));
let dirs = 0;
function freshDir(): string {
  dirs += 1;
  return join(root, `d${dirs}`);
}

const WRITES: KvWrite[] = [
  { db: 'onode', key: Buffer.from('a'), value: Buffer.from('value-a') },
  { db: 'data', key: Buffer.alloc(12, 7), value: Buffer.alloc(4096, 9) },
  { db: 'omap', key: Buffer.from('gone'), value: null },
  { db: 'meta', key: Buffer.from('empty'), value: Buffer.alloc(0) },
];

test('a record decodes to the same sequence number and writes, deletions and empty values included', () => {
  const [r] = decodeWalRecords(encodeWalRecord(2 ** 40 + 3, WRITES));
  assert.ok(r !== undefined);
  assert.equal(r.seq, 2 ** 40 + 3);
  assert.deepEqual(r.writes, WRITES);
});

test('a log cut at any byte of its last record decodes to the records before it', () => {
  const one = encodeWalRecord(1, WRITES);
  const two = encodeWalRecord(2, WRITES.slice(0, 2));
  const log = Buffer.concat([one, two]);
  assert.equal(decodeWalRecords(log).length, 2);
  for (let cut = one.length; cut < log.length; cut += 1) {
    assert.deepEqual(decodeWalRecords(log.subarray(0, cut)).map((r) => r.seq), [1], `cut at ${cut}`);
  }
});

test('a flipped bit anywhere in a record ends the log there', () => {
  const one = encodeWalRecord(1, WRITES);
  const two = encodeWalRecord(2, WRITES);
  for (let at = 0; at < two.length; at += 97) {
    const bad = Buffer.from(two);
    bad[at] = (bad[at] as number) ^ 0x10;
    const seqs = decodeWalRecords(Buffer.concat([one, bad, encodeWalRecord(3, WRITES)])).map((r) => r.seq);
    assert.deepEqual(seqs, [1], `bit flipped at byte ${at}`);
  }
});

test('appends queued during a flush share the next flush, and every one is on disk when its promise resolves', async () => {
  const dir = freshDir();
  const wal = new WalWriter(dir, 1);
  const acks: Array<Promise<void>> = [];
  for (let seq = 1; seq <= 100; seq += 1) acks.push(wal.append(seq, encodeWalRecord(seq, [{ db: 'meta', key: Buffer.from(`k${seq}`), value: Buffer.from(`v${seq}`) }])));
  await Promise.all(acks);
  assert.ok(wal.flushCount >= 1 && wal.flushCount <= 3, `100 appends used ${wal.flushCount} flushes`);
  const records = readWal(dir);
  assert.deepEqual(records.map((r) => r.seq), Array.from({ length: 100 }, (_, i) => i + 1));
  await wal.close();
});

test('a full segment is followed by a new one; a segment lmdb holds entirely is recycled, and its old records never replay', async () => {
  const dir = freshDir();
  const wal = new WalWriter(dir, 1);
  const big = Buffer.alloc(1024 * 1024, 1);
  const record = (seq: number): Buffer => encodeWalRecord(seq, [{ db: 'data', key: Buffer.from([seq % 256]), value: big }]);
  const perSegment = Math.floor(WAL_SEGMENT_BYTES / record(1).length);
  let seq = 0;
  const appendUpTo = async (last: number): Promise<void> => {
    while (seq < last) {
      seq += 1;
      await wal.append(seq, record(seq));
    }
  };
  await appendUpTo(perSegment + 3);
  const segments = (): string[] => listNames(dir).filter((n) => n.endsWith('.wal')).sort();
  assert.equal(segments().length, 2);
  wal.trim(perSegment - 1);
  assert.equal(segments().length, 2, 'the first segment still holds a record lmdb lacks');
  wal.trim(perSegment);
  assert.equal(segments().length, 1);
  assert.deepEqual(readWal(dir).map((r) => r.seq), [perSegment + 1, perSegment + 2, perSegment + 3]);
  // The next segment reuses the recycled file: only its new records are read back.
  await appendUpTo(2 * perSegment + 2);
  assert.equal(listNames(dir).length, 2, 'no third file: the recycled one was reused');
  const expected = Array.from({ length: seq - perSegment }, (_, i) => perSegment + 1 + i);
  assert.deepEqual(readWal(dir).map((r) => r.seq), expected);
  await wal.close();
});

/** The highest commit sequence a closed store's lmdb holds. */
function appliedSeq(path: string): number {
  const env = open({ path, maxDbs: 8, keyEncoding: 'binary', encoding: 'binary' });
  try {
    const raw = env.openDB<Buffer, Buffer>({ name: 'meta', keyEncoding: 'binary', encoding: 'binary' }).getBinary(walAppliedKey());
    assert.ok(raw !== undefined);
    return raw.readUInt32LE(0);
  } finally {
    void env.close();
  }
}

function segmentFile(path: string, firstSeq: number): string {
  ensureDir(`${path}.wal`);
  return join(`${path}.wal`, `${String(firstSeq).padStart(16, '0')}.wal`);
}

function metaWrite(name: string, value: number): KvWrite {
  return { db: 'meta', key: metaKey(name), value: packr.pack(value) };
}

test('reopening a store replays the WAL records lmdb lacks, up to the first missing sequence number', async () => {
  const path = freshDir();
  const store = openLmdbStore({ path });
  await store.apply({ objects: [], meta: [{ key: 'x', value: 1 }] });
  await store.close();
  // A crash left records s+1, s+2 and s+4 (s+3 was a large commit that never reached lmdb)
  // and a torn record s+5.
  const s = appliedSeq(path);
  const torn = encodeWalRecord(s + 5, [metaWrite('f', 6)]);
  writeFileAtomic(
    segmentFile(path, s + 1),
    Buffer.concat([
      encodeWalRecord(s + 1, [metaWrite('x', 2), metaWrite('b', 2)]),
      encodeWalRecord(s + 2, [metaWrite('x', 3), metaWrite('c', 3)]),
      encodeWalRecord(s + 4, [metaWrite('x', 5), metaWrite('e', 5)]),
      torn.subarray(0, torn.length - 1),
    ]),
  );
  const reopened = openLmdbStore({ path });
  assert.equal(reopened.getMeta('x'), 3);
  assert.equal(reopened.getMeta('b'), 2);
  assert.equal(reopened.getMeta('c'), 3);
  assert.equal(reopened.getMeta('e'), undefined);
  assert.equal(reopened.getMeta('f'), undefined);
  assert.deepEqual(readWal(`${path}.wal`), [], 'replayed segments are deleted');
  // New commits continue after the replayed sequence and survive another reopen.
  await reopened.apply({ objects: [], meta: [{ key: 'x', value: 7 }] });
  await reopened.close();
  const again = openLmdbStore({ path });
  assert.equal(again.getMeta('x'), 7);
  assert.equal(again.getMeta('c'), 3);
  await again.close();
});

test('WAL records already in lmdb are not replayed over newer values', async () => {
  const path = freshDir();
  const store = openLmdbStore({ path });
  await store.apply({ objects: [], meta: [{ key: 'x', value: 1 }] });
  await store.close();
  // The record holds an older value of x than lmdb's, and lmdb's 'walApplied' already covers it.
  const s = appliedSeq(path);
  writeFileAtomic(segmentFile(path, s), encodeWalRecord(s, [metaWrite('x', 0)]));
  const reopened = openLmdbStore({ path });
  assert.equal(reopened.getMeta('x'), 1);
  await reopened.close();
});
