// Binary key encodings of the store's tables. Every encoding is chosen so that bytewise key order
// (lmdb's order, and SortedMap's) is the order listings need:
//
//   onode  pool u32 | ps u32 | hash u32 | esc(namespace) | esc(oid) | esc(locator)
//   data   nid u64 | extent u32
//   omap   nid u64 | utf8(user key)
//   pglog  pool u32 | ps u32 | version u64
//   meta   'M' utf8(name)  |  'P' pool u32 ps u32 (PG metadata)  |  'S' name (store-internal)
//
// esc() escapes 0x00 as 00 FF and ends each string with 00 01, so a tuple encoding is never a
// prefix of another and compares like the tuple. lmdb refuses keys above 1,978 bytes, while a
// name may take 2,048 + 256 + 2,048 bytes; such onode keys keep their first 1,900 bytes and add a
// sha256 of the whole encoding (the full name then lives in the onode value). Order stays exact
// unless two names share those first 1,900 bytes. Omap data is keyed by a per-object number (nid)
// rather than the name, which leaves 1,900 bytes of exactly-ordered user key; longer omap keys use
// the same prefix + digest scheme and carry the full key in the value.

import { createHash } from 'node:crypto';
import { invariant } from '../../core/assert.js';
import { STORE_LIMITS, type ObjectKey } from './object-store.js';

/** lmdb-js refuses longer keys ("Key size is larger than the maximum key size (1978)"). */
export const LMDB_KEY_MAX_BYTES = 1978;
const DIGEST_BYTES = 32;
const NID_BYTES = 8;
const U32_LIMIT = 0x1_0000_0000;

export type Db = 'onode' | 'data' | 'omap' | 'pglog' | 'meta';
export const DBS: readonly Db[] = ['onode', 'data', 'omap', 'pglog', 'meta'];

function checkU32(n: number, what: string): void {
  invariant(Number.isInteger(n) && n >= 0 && n < U32_LIMIT, () => `${what} must be a u32, got ${n}`);
}

function checkU64(n: number, what: string): void {
  invariant(Number.isSafeInteger(n) && n >= 0, () => `${what} must be a non-negative safe integer, got ${n}`);
}

function writeU64(buf: Buffer, n: number, at: number): void {
  buf.writeUInt32BE(Math.floor(n / U32_LIMIT), at);
  buf.writeUInt32BE(n % U32_LIMIT, at + 4);
}

function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * U32_LIMIT + buf.readUInt32BE(at + 4);
}

function digest(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** The smallest key greater than every key starting with `prefix`; undefined = no bound. */
export function prefixEnd(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i -= 1) {
    if (end[i] !== 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}

export function poolPrefix(pool: number): Buffer {
  checkU32(pool, 'pool');
  const b = Buffer.alloc(4);
  b.writeUInt32BE(pool, 0);
  return b;
}

export function pgPrefix(pool: number, ps: number): Buffer {
  checkU32(pool, 'pool');
  checkU32(ps, 'ps');
  const b = Buffer.alloc(8);
  b.writeUInt32BE(pool, 0);
  b.writeUInt32BE(ps, 4);
  return b;
}

export function decodePg(key: Buffer, at = 0): { pool: number; ps: number } {
  invariant(key.length >= at + 8, 'pg-prefixed key holds pool and ps');
  return { pool: key.readUInt32BE(at), ps: key.readUInt32BE(at + 4) };
}

/** Scratch for the names' UTF-8 while a key is built (grown on demand, never shrunk). */
let nameScratch = Buffer.allocUnsafeSlow(4096);

/** Writes esc(bytes) at `at`: each 0x00 becomes 00 FF, and 00 01 ends the string. Returns the end. */
function escapeInto(out: Buffer, at: number, bytes: Buffer): number {
  let from = 0;
  // Names almost never hold NUL, so this is usually a single copy.
  for (let zero = bytes.indexOf(0); zero >= 0; zero = bytes.indexOf(0, from)) {
    at += bytes.copy(out, at, from, zero + 1);
    out[at++] = 0xff;
    from = zero + 1;
  }
  at += bytes.copy(out, at, from);
  out[at++] = 0x00;
  out[at++] = 0x01;
  return at;
}

function countZeros(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(0); i >= 0; i = bytes.indexOf(0, i + 1)) n += 1;
  return n;
}

/** The full, unbounded, order-preserving encoding of an object key. */
function fullOnodeKey(key: ObjectKey): Buffer {
  checkU32(key.pool, 'pool');
  checkU32(key.ps, 'ps');
  checkU32(key.hash, 'object hash');
  const nsBytes = Buffer.byteLength(key.namespace, 'utf8');
  const oidBytes = Buffer.byteLength(key.oid, 'utf8');
  const locBytes = Buffer.byteLength(key.locator, 'utf8');
  const nameBytes = nsBytes + oidBytes + locBytes;
  if (nameScratch.length < nameBytes) nameScratch = Buffer.allocUnsafeSlow(nameBytes);
  nameScratch.write(key.namespace, 0, nsBytes, 'utf8');
  nameScratch.write(key.oid, nsBytes, oidBytes, 'utf8');
  nameScratch.write(key.locator, nsBytes + oidBytes, locBytes, 'utf8');
  const ns = nameScratch.subarray(0, nsBytes);
  const oid = nameScratch.subarray(nsBytes, nsBytes + oidBytes);
  const loc = nameScratch.subarray(nsBytes + oidBytes, nameBytes);
  const out = Buffer.allocUnsafe(12 + nameBytes + countZeros(nameScratch.subarray(0, nameBytes)) + 6);
  out.writeUInt32BE(key.pool, 0);
  out.writeUInt32BE(key.ps, 4);
  out.writeUInt32BE(key.hash, 8);
  let at = escapeInto(out, 12, ns);
  at = escapeInto(out, at, oid);
  at = escapeInto(out, at, loc);
  invariant(at === out.length, 'onode key length');
  return out;
}

export function onodeKey(key: ObjectKey): { key: Buffer; hashed: boolean } {
  const full = fullOnodeKey(key);
  const inlineMax = STORE_LIMITS.objectKeyInlineMaxBytes;
  if (full.length <= inlineMax) return { key: full, hashed: false };
  const hashed = Buffer.concat([full.subarray(0, inlineMax), digest(full)]);
  invariant(hashed.length <= LMDB_KEY_MAX_BYTES, 'hashed onode key fits lmdb');
  return { key: hashed, hashed: true };
}

/** Digested keys are exactly this long; inline keys are never longer than the inline limit. */
export function isHashedOnodeKey(key: Buffer): boolean {
  return key.length === STORE_LIMITS.objectKeyInlineMaxBytes + DIGEST_BYTES;
}

/** Decodes an inline onode key; hashed keys must be resolved through the onode value. */
export function decodeOnodeKey(key: Buffer): ObjectKey {
  invariant(!isHashedOnodeKey(key), 'decodeOnodeKey: key is inline');
  const { pool, ps } = decodePg(key);
  const hash = key.readUInt32BE(8);
  const parts: string[] = [];
  let bytes: number[] = [];
  for (let i = 12; i < key.length; i += 1) {
    const b = key[i] as number;
    if (b !== 0) {
      bytes.push(b);
      continue;
    }
    const next = key[i + 1];
    i += 1;
    if (next === 0xff) bytes.push(0);
    else {
      invariant(next === 0x01, 'onode key: 0x00 is followed by 0xff or 0x01');
      parts.push(Buffer.from(bytes).toString('utf8'));
      bytes = [];
    }
  }
  invariant(parts.length === 3 && bytes.length === 0, 'onode key holds namespace, oid and locator');
  return { pool, ps, hash, namespace: parts[0] as string, oid: parts[1] as string, locator: parts[2] as string };
}

export function nidPrefix(nid: number): Buffer {
  checkU64(nid, 'nid');
  const b = Buffer.alloc(NID_BYTES);
  writeU64(b, nid, 0);
  return b;
}

export function dataKey(nid: number, extent: number): Buffer {
  checkU32(extent, 'extent number');
  const b = Buffer.alloc(NID_BYTES + 4);
  writeU64(b, nid, 0);
  b.writeUInt32BE(extent, NID_BYTES);
  return b;
}

export function decodeDataExtent(key: Buffer): number {
  invariant(key.length === NID_BYTES + 4, 'data key is nid + extent');
  return key.readUInt32BE(NID_BYTES);
}

export function omapKey(nid: number, userKey: string): { key: Buffer; hashed: boolean } {
  const utf8 = Buffer.from(userKey, 'utf8');
  const inlineMax = STORE_LIMITS.omapKeyInlineMaxBytes;
  if (utf8.length <= inlineMax) return { key: Buffer.concat([nidPrefix(nid), utf8]), hashed: false };
  const key = Buffer.concat([nidPrefix(nid), utf8.subarray(0, inlineMax), digest(utf8)]);
  invariant(key.length <= LMDB_KEY_MAX_BYTES, 'hashed omap key fits lmdb');
  return { key, hashed: true };
}

export function isHashedOmapKey(key: Buffer): boolean {
  return key.length === NID_BYTES + STORE_LIMITS.omapKeyInlineMaxBytes + DIGEST_BYTES;
}

/** Value of a hashed omap entry: u32 key length | full key | value. */
export function encodeHashedOmapValue(userKey: string, value: Buffer): Buffer {
  const utf8 = Buffer.from(userKey, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(utf8.length, 0);
  return Buffer.concat([len, utf8, value]);
}

/** Decodes one stored omap entry into (user key, value). */
export function decodeOmapEntry(key: Buffer, stored: Buffer): [string, Buffer] {
  if (!isHashedOmapKey(key)) return [key.subarray(NID_BYTES).toString('utf8'), stored];
  invariant(stored.length >= 4, 'hashed omap value holds a key length');
  const len = stored.readUInt32BE(0);
  invariant(stored.length >= 4 + len, 'hashed omap value holds the full key');
  return [stored.subarray(4, 4 + len).toString('utf8'), stored.subarray(4 + len)];
}

export function pglogKey(pool: number, ps: number, version: number): Buffer {
  checkU64(version, 'pg log version');
  const b = Buffer.alloc(16);
  pgPrefix(pool, ps).copy(b, 0);
  writeU64(b, version, 8);
  return b;
}

export function decodePglogVersion(key: Buffer): number {
  invariant(key.length === 16, 'pg log key is pool + ps + version');
  return readU64(key, 8);
}

const META_USER = 0x4d; // 'M'
const META_PG = 0x50; // 'P'
const META_STORE = 0x53; // 'S'

export function metaKey(name: string): Buffer {
  const key = Buffer.concat([Buffer.from([META_USER]), Buffer.from(name, 'utf8')]);
  invariant(key.length <= LMDB_KEY_MAX_BYTES, 'meta key fits lmdb');
  return key;
}

export function pgMetaPrefix(): Buffer {
  return Buffer.from([META_PG]);
}

export function pgMetaKey(pool: number, ps: number): Buffer {
  return Buffer.concat([pgMetaPrefix(), pgPrefix(pool, ps)]);
}

export function pgMetaPoolPrefix(pool: number): Buffer {
  return Buffer.concat([pgMetaPrefix(), poolPrefix(pool)]);
}

type StoreMetaName = 'nid' | 'statfs' | 'format' | 'walApplied';
const storeMetaKeys = new Map<StoreMetaName, Buffer>();

/** One shared Buffer per name (two are written with every new object): callers never write into keys. */
export function storeMetaKey(name: StoreMetaName): Buffer {
  let key = storeMetaKeys.get(name);
  if (key === undefined) {
    key = Buffer.concat([Buffer.from([META_STORE]), Buffer.from(name, 'utf8')]);
    storeMetaKeys.set(name, key);
  }
  return key;
}
