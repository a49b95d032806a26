import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STORE_LIMITS, type ObjectKey } from './object-store.js';
import { decodeOnodeKey, isHashedOnodeKey, onodeKey } from './keys.js';

/** The encoding as the format comment states it, one byte at a time. */
function referenceKey(key: ObjectKey): Buffer {
  const bytes: number[] = [];
  const u32 = (n: number): void => {
    bytes.push((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  };
  u32(key.pool);
  u32(key.ps);
  u32(key.hash);
  for (const s of [key.namespace, key.oid, key.locator]) {
    for (const b of Buffer.from(s, 'utf8')) {
      bytes.push(b);
      if (b === 0) bytes.push(0xff);
    }
    bytes.push(0x00, 0x01);
  }
  return Buffer.from(bytes);
}

function compareTuples(a: ObjectKey, b: ObjectKey): number {
  for (const [x, y] of [[a.pool, b.pool], [a.ps, b.ps], [a.hash, b.hash]] as const) if (x !== y) return x < y ? -1 : 1;
  for (const [x, y] of [[a.namespace, b.namespace], [a.oid, b.oid], [a.locator, b.locator]] as const) {
    const c = Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
    if (c !== 0) return c;
  }
  return 0;
}

function randomKey(next: () => number): ObjectKey {
  const alphabet = ['a', 'b', '\0', '\u00e9', '\u{1f600}', 'z', '\u00ff', '_'];
  const str = (max: number): string => {
    let s = '';
    for (let n = next() % (max + 1); n > 0; n -= 1) s += alphabet[next() % alphabet.length] as string;
    return s;
  };
  return { pool: next() % 3, ps: next() % 4, hash: (next() * 7919) >>> 0, namespace: str(3), oid: str(8), locator: str(2) };
}

test('onode keys match the documented encoding, decode back, and sort like their tuples', () => {
  let x = 42;
  const next = (): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x >>> 8;
  };
  const keys = Array.from({ length: 2000 }, () => randomKey(next));
  keys.push({ pool: 0, ps: 0, hash: 0, namespace: '', oid: '', locator: '' });
  keys.push({ pool: 1, ps: 2, hash: 0xffffffff, namespace: '\0\0', oid: '\0', locator: '\0a\0' });
  for (const key of keys) {
    const encoded = onodeKey(key);
    assert.equal(encoded.hashed, false);
    assert.deepEqual(encoded.key, referenceKey(key));
    assert.deepEqual(decodeOnodeKey(encoded.key), key);
  }
  const byBytes = [...keys].sort((a, b) => Buffer.compare(onodeKey(a).key, onodeKey(b).key));
  const byTuple = [...keys].sort(compareTuples);
  assert.deepEqual(byBytes, byTuple);
});

test('an onode key too long to keep inline is a prefix plus a digest of the whole encoding', () => {
  const long: ObjectKey = { pool: 1, ps: 5, hash: 9, namespace: 'ns', oid: 'x'.repeat(2048), locator: '' };
  const other: ObjectKey = { ...long, oid: `${'x'.repeat(2047)}y` };
  const a = onodeKey(long);
  const b = onodeKey(other);
  assert.equal(a.hashed, true);
  assert.ok(isHashedOnodeKey(a.key));
  assert.deepEqual(a.key.subarray(0, STORE_LIMITS.objectKeyInlineMaxBytes), referenceKey(long).subarray(0, STORE_LIMITS.objectKeyInlineMaxBytes));
  assert.notDeepEqual(a.key, b.key);
  // A name longer than anything built before (the scratch grows) still encodes exactly.
  const huge: ObjectKey = { pool: 1, ps: 5, hash: 9, namespace: '\0'.repeat(3000), oid: '\u{1f600}'.repeat(1500), locator: 'l' };
  assert.deepEqual(onodeKey(huge).key.subarray(0, 100), referenceKey(huge).subarray(0, 100));
  assert.deepEqual(onodeKey(long).key, a.key);
});
