// Hash functions Ceph uses for placement: the object-name hash (Jenkins' 1996 "lookup2") and the
// CRUSH integer hashes built from the same mixing function. Placement must agree bit for bit with
// every other client and daemon, so all arithmetic here is explicit 32-bit: `| 0` wraps sums and
// differences, `>>>` keeps right shifts logical, and results leave as unsigned with `>>> 0`.

/** Seed of CRUSH_HASH_RJENKINS1 (hash type 0). */
const CRUSH_HASH_SEED = 1315423911;
const CRUSH_X0 = 231232;
const CRUSH_Y0 = 1232;

const textEncoder = new TextEncoder();

/** Bytes of a string as Ceph sees an object name: UTF-8. */
export function utf8(s: string): Uint8Array {
  return textEncoder.encode(s);
}

/**
 * `ceph_str_hash_rjenkins`: the object-name hash every pool uses by default (object_hash 2).
 * Strings are hashed as their UTF-8 bytes.
 */
export function strHashRjenkins(input: Uint8Array | string): number {
  const k = typeof input === 'string' ? utf8(input) : input;
  const length = k.length;
  let a = 0x9e3779b9 | 0;
  let b = a;
  let c = 0;
  let pos = 0;
  let len = length;
  // Whole 12-byte blocks, assembled little-endian whatever the host order.
  while (len >= 12) {
    a = (a + (k[pos]! | (k[pos + 1]! << 8) | (k[pos + 2]! << 16) | (k[pos + 3]! << 24))) | 0;
    b = (b + (k[pos + 4]! | (k[pos + 5]! << 8) | (k[pos + 6]! << 16) | (k[pos + 7]! << 24))) | 0;
    c = (c + (k[pos + 8]! | (k[pos + 9]! << 8) | (k[pos + 10]! << 16) | (k[pos + 11]! << 24))) | 0;
    a = (a - b - c) | 0; a ^= c >>> 13;
    b = (b - c - a) | 0; b ^= a << 8;
    c = (c - a - b) | 0; c ^= b >>> 13;
    a = (a - b - c) | 0; a ^= c >>> 12;
    b = (b - c - a) | 0; b ^= a << 16;
    c = (c - a - b) | 0; c ^= b >>> 5;
    a = (a - b - c) | 0; a ^= c >>> 3;
    b = (b - c - a) | 0; b ^= a << 10;
    c = (c - a - b) | 0; c ^= b >>> 15;
    pos += 12;
    len -= 12;
  }
  // The low byte of c is reserved for the total length, so tail bytes 8..10 start at bit 8.
  c = (c + length) | 0;
  if (len >= 11) c = (c + (k[pos + 10]! << 24)) | 0;
  if (len >= 10) c = (c + (k[pos + 9]! << 16)) | 0;
  if (len >= 9) c = (c + (k[pos + 8]! << 8)) | 0;
  if (len >= 8) b = (b + (k[pos + 7]! << 24)) | 0;
  if (len >= 7) b = (b + (k[pos + 6]! << 16)) | 0;
  if (len >= 6) b = (b + (k[pos + 5]! << 8)) | 0;
  if (len >= 5) b = (b + k[pos + 4]!) | 0;
  if (len >= 4) a = (a + (k[pos + 3]! << 24)) | 0;
  if (len >= 3) a = (a + (k[pos + 2]! << 16)) | 0;
  if (len >= 2) a = (a + (k[pos + 1]! << 8)) | 0;
  if (len >= 1) a = (a + k[pos]!) | 0;
  a = (a - b - c) | 0; a ^= c >>> 13;
  b = (b - c - a) | 0; b ^= a << 8;
  c = (c - a - b) | 0; c ^= b >>> 13;
  a = (a - b - c) | 0; a ^= c >>> 12;
  b = (b - c - a) | 0; b ^= a << 16;
  c = (c - a - b) | 0; c ^= b >>> 5;
  a = (a - b - c) | 0; a ^= c >>> 3;
  b = (b - c - a) | 0; b ^= a << 10;
  c = (c - a - b) | 0; c ^= b >>> 15;
  return c >>> 0;
}

/** `ceph_str_hash_linux` (object_hash 1): the Linux dcache hash, kept for completeness. */
export function strHashLinux(input: Uint8Array | string): number {
  const k = typeof input === 'string' ? utf8(input) : input;
  let h = 0;
  for (let i = 0; i < k.length; i++) {
    const x = k[i]!;
    h = Math.imul((h + (x << 4) + (x >> 4)) | 0, 11);
  }
  return h >>> 0;
}

// The CRUSH hashes below repeat the mixing rounds inline rather than calling a helper: `mix`
// updates three variables in place, which JavaScript can only express by returning a tuple, and
// that allocation would dominate the mapping benchmark.

/** `crush_hash32_rjenkins1_2(a, b)`: placement seed of a PG, and the reweight coin flip. */
export function crushHash32_2(a0: number, b0: number): number {
  let a = a0 | 0;
  let b = b0 | 0;
  let h = (CRUSH_HASH_SEED ^ a ^ b) | 0;
  let x = CRUSH_X0;
  let y = CRUSH_Y0;
  // mix(a, b, h)
  a = (a - b - h) | 0; a ^= h >>> 13;
  b = (b - h - a) | 0; b ^= a << 8;
  h = (h - a - b) | 0; h ^= b >>> 13;
  a = (a - b - h) | 0; a ^= h >>> 12;
  b = (b - h - a) | 0; b ^= a << 16;
  h = (h - a - b) | 0; h ^= b >>> 5;
  a = (a - b - h) | 0; a ^= h >>> 3;
  b = (b - h - a) | 0; b ^= a << 10;
  h = (h - a - b) | 0; h ^= b >>> 15;
  // mix(x, a, h)
  x = (x - a - h) | 0; x ^= h >>> 13;
  a = (a - h - x) | 0; a ^= x << 8;
  h = (h - x - a) | 0; h ^= a >>> 13;
  x = (x - a - h) | 0; x ^= h >>> 12;
  a = (a - h - x) | 0; a ^= x << 16;
  h = (h - x - a) | 0; h ^= a >>> 5;
  x = (x - a - h) | 0; x ^= h >>> 3;
  a = (a - h - x) | 0; a ^= x << 10;
  h = (h - x - a) | 0; h ^= a >>> 15;
  // mix(b, y, h)
  b = (b - y - h) | 0; b ^= h >>> 13;
  y = (y - h - b) | 0; y ^= b << 8;
  h = (h - b - y) | 0; h ^= y >>> 13;
  b = (b - y - h) | 0; b ^= h >>> 12;
  y = (y - h - b) | 0; y ^= b << 16;
  h = (h - b - y) | 0; h ^= y >>> 5;
  b = (b - y - h) | 0; b ^= h >>> 3;
  y = (y - h - b) | 0; y ^= b << 10;
  h = (h - b - y) | 0; h ^= y >>> 15;
  return h >>> 0;
}

/** `crush_hash32_rjenkins1_3(a, b, c)`: straw2 draws and uniform-bucket permutations. */
export function crushHash32_3(a0: number, b0: number, c0: number): number {
  let a = a0 | 0;
  let b = b0 | 0;
  let c = c0 | 0;
  let h = (CRUSH_HASH_SEED ^ a ^ b ^ c) | 0;
  let x = CRUSH_X0;
  let y = CRUSH_Y0;
  // mix(a, b, h)
  a = (a - b - h) | 0; a ^= h >>> 13;
  b = (b - h - a) | 0; b ^= a << 8;
  h = (h - a - b) | 0; h ^= b >>> 13;
  a = (a - b - h) | 0; a ^= h >>> 12;
  b = (b - h - a) | 0; b ^= a << 16;
  h = (h - a - b) | 0; h ^= b >>> 5;
  a = (a - b - h) | 0; a ^= h >>> 3;
  b = (b - h - a) | 0; b ^= a << 10;
  h = (h - a - b) | 0; h ^= b >>> 15;
  // mix(c, x, h)
  c = (c - x - h) | 0; c ^= h >>> 13;
  x = (x - h - c) | 0; x ^= c << 8;
  h = (h - c - x) | 0; h ^= x >>> 13;
  c = (c - x - h) | 0; c ^= h >>> 12;
  x = (x - h - c) | 0; x ^= c << 16;
  h = (h - c - x) | 0; h ^= x >>> 5;
  c = (c - x - h) | 0; c ^= h >>> 3;
  x = (x - h - c) | 0; x ^= c << 10;
  h = (h - c - x) | 0; h ^= x >>> 15;
  // mix(y, a, h)
  y = (y - a - h) | 0; y ^= h >>> 13;
  a = (a - h - y) | 0; a ^= y << 8;
  h = (h - y - a) | 0; h ^= a >>> 13;
  y = (y - a - h) | 0; y ^= h >>> 12;
  a = (a - h - y) | 0; a ^= y << 16;
  h = (h - y - a) | 0; h ^= a >>> 5;
  y = (y - a - h) | 0; y ^= h >>> 3;
  a = (a - h - y) | 0; a ^= y << 10;
  h = (h - y - a) | 0; h ^= a >>> 15;
  // mix(b, x, h)
  b = (b - x - h) | 0; b ^= h >>> 13;
  x = (x - h - b) | 0; x ^= b << 8;
  h = (h - b - x) | 0; h ^= x >>> 13;
  b = (b - x - h) | 0; b ^= h >>> 12;
  x = (x - h - b) | 0; x ^= b << 16;
  h = (h - b - x) | 0; h ^= x >>> 5;
  b = (b - x - h) | 0; b ^= h >>> 3;
  x = (x - h - b) | 0; x ^= b << 10;
  h = (h - b - x) | 0; h ^= x >>> 15;
  // mix(y, c, h)
  y = (y - c - h) | 0; y ^= h >>> 13;
  c = (c - h - y) | 0; c ^= y << 8;
  h = (h - y - c) | 0; h ^= c >>> 13;
  y = (y - c - h) | 0; y ^= h >>> 12;
  c = (c - h - y) | 0; c ^= y << 16;
  h = (h - y - c) | 0; h ^= c >>> 5;
  y = (y - c - h) | 0; y ^= h >>> 3;
  c = (c - h - y) | 0; c ^= y << 10;
  h = (h - y - c) | 0; h ^= c >>> 15;
  return h >>> 0;
}

/** Generic in-place mix over a 3-slot scratch array; used by the rarely called hashes. */
function mix(s: Int32Array, i: number, j: number, k: number): void {
  let a = s[i]!;
  let b = s[j]!;
  let c = s[k]!;
  a = (a - b - c) | 0; a ^= c >>> 13;
  b = (b - c - a) | 0; b ^= a << 8;
  c = (c - a - b) | 0; c ^= b >>> 13;
  a = (a - b - c) | 0; a ^= c >>> 12;
  b = (b - c - a) | 0; b ^= a << 16;
  c = (c - a - b) | 0; c ^= b >>> 5;
  a = (a - b - c) | 0; a ^= c >>> 3;
  b = (b - c - a) | 0; b ^= a << 10;
  c = (c - a - b) | 0; c ^= b >>> 15;
  s[i] = a;
  s[j] = b;
  s[k] = c;
}

// Slots of the scratch state: the inputs, then x, y and h.
const S_A = 0, S_B = 1, S_C = 2, S_D = 3, S_X = 4, S_Y = 5, S_H = 6;
const scratch = new Int32Array(7);

/** `crush_hash32_rjenkins1(a)`. */
export function crushHash32_1(a: number): number {
  const s = scratch;
  s[S_A] = a; s[S_B] = a; s[S_X] = CRUSH_X0; s[S_Y] = CRUSH_Y0;
  s[S_H] = CRUSH_HASH_SEED ^ a;
  mix(s, S_B, S_X, S_H);
  mix(s, S_Y, S_A, S_H);
  return s[S_H]! >>> 0;
}

/** `crush_hash32_rjenkins1_4(a, b, c, d)`: list and tree buckets. */
export function crushHash32_4(a: number, b: number, c: number, d: number): number {
  const s = scratch;
  s[S_A] = a; s[S_B] = b; s[S_C] = c; s[S_D] = d; s[S_X] = CRUSH_X0; s[S_Y] = CRUSH_Y0;
  s[S_H] = CRUSH_HASH_SEED ^ a ^ b ^ c ^ d;
  mix(s, S_A, S_B, S_H);
  mix(s, S_C, S_D, S_H);
  mix(s, S_A, S_X, S_H);
  mix(s, S_Y, S_B, S_H);
  mix(s, S_C, S_X, S_H);
  mix(s, S_Y, S_D, S_H);
  return s[S_H]! >>> 0;
}

/**
 * `crush_hash32_rjenkins1_3(x, items[i], r)` for i < count, into out[i] (as int32; callers mask).
 * straw2 hashes every item of a bucket with the same x and r. One hash is a single serial chain
 * of ~135 dependent integer ops, so the CPU idles waiting on each; computing three (or two)
 * independent hashes interleaved line by line lets it run them side by side: ~20 ns per hash
 * instead of ~32–43 ns on the benchmark machine.
 */
export function crushHash32_3Items(x: number, r: number, items: Int32Array, count: number, out: Int32Array): void {
  const a = x | 0;
  const c = r | 0;
  const seed = (CRUSH_HASH_SEED ^ a ^ c) | 0;
  let i = 0;
  for (; i + 3 <= count; i += 3) {
    let b0 = items[i + 0]! | 0;
    let h0 = (seed ^ b0) | 0, a0 = a, c0 = c, x0 = CRUSH_X0, y0 = CRUSH_Y0;
    let b1 = items[i + 1]! | 0;
    let h1 = (seed ^ b1) | 0, a1 = a, c1 = c, x1 = CRUSH_X0, y1 = CRUSH_Y0;
    let b2 = items[i + 2]! | 0;
    let h2 = (seed ^ b2) | 0, a2 = a, c2 = c, x2 = CRUSH_X0, y2 = CRUSH_Y0;
    // mix(a, b, h)
    a0 = (a0 - b0 - h0) | 0; a0 ^= h0 >>> 13; a1 = (a1 - b1 - h1) | 0; a1 ^= h1 >>> 13; a2 = (a2 - b2 - h2) | 0; a2 ^= h2 >>> 13;
    b0 = (b0 - h0 - a0) | 0; b0 ^= a0 << 8; b1 = (b1 - h1 - a1) | 0; b1 ^= a1 << 8; b2 = (b2 - h2 - a2) | 0; b2 ^= a2 << 8;
    h0 = (h0 - a0 - b0) | 0; h0 ^= b0 >>> 13; h1 = (h1 - a1 - b1) | 0; h1 ^= b1 >>> 13; h2 = (h2 - a2 - b2) | 0; h2 ^= b2 >>> 13;
    a0 = (a0 - b0 - h0) | 0; a0 ^= h0 >>> 12; a1 = (a1 - b1 - h1) | 0; a1 ^= h1 >>> 12; a2 = (a2 - b2 - h2) | 0; a2 ^= h2 >>> 12;
    b0 = (b0 - h0 - a0) | 0; b0 ^= a0 << 16; b1 = (b1 - h1 - a1) | 0; b1 ^= a1 << 16; b2 = (b2 - h2 - a2) | 0; b2 ^= a2 << 16;
    h0 = (h0 - a0 - b0) | 0; h0 ^= b0 >>> 5; h1 = (h1 - a1 - b1) | 0; h1 ^= b1 >>> 5; h2 = (h2 - a2 - b2) | 0; h2 ^= b2 >>> 5;
    a0 = (a0 - b0 - h0) | 0; a0 ^= h0 >>> 3; a1 = (a1 - b1 - h1) | 0; a1 ^= h1 >>> 3; a2 = (a2 - b2 - h2) | 0; a2 ^= h2 >>> 3;
    b0 = (b0 - h0 - a0) | 0; b0 ^= a0 << 10; b1 = (b1 - h1 - a1) | 0; b1 ^= a1 << 10; b2 = (b2 - h2 - a2) | 0; b2 ^= a2 << 10;
    h0 = (h0 - a0 - b0) | 0; h0 ^= b0 >>> 15; h1 = (h1 - a1 - b1) | 0; h1 ^= b1 >>> 15; h2 = (h2 - a2 - b2) | 0; h2 ^= b2 >>> 15;
    // mix(c, x, h)
    c0 = (c0 - x0 - h0) | 0; c0 ^= h0 >>> 13; c1 = (c1 - x1 - h1) | 0; c1 ^= h1 >>> 13; c2 = (c2 - x2 - h2) | 0; c2 ^= h2 >>> 13;
    x0 = (x0 - h0 - c0) | 0; x0 ^= c0 << 8; x1 = (x1 - h1 - c1) | 0; x1 ^= c1 << 8; x2 = (x2 - h2 - c2) | 0; x2 ^= c2 << 8;
    h0 = (h0 - c0 - x0) | 0; h0 ^= x0 >>> 13; h1 = (h1 - c1 - x1) | 0; h1 ^= x1 >>> 13; h2 = (h2 - c2 - x2) | 0; h2 ^= x2 >>> 13;
    c0 = (c0 - x0 - h0) | 0; c0 ^= h0 >>> 12; c1 = (c1 - x1 - h1) | 0; c1 ^= h1 >>> 12; c2 = (c2 - x2 - h2) | 0; c2 ^= h2 >>> 12;
    x0 = (x0 - h0 - c0) | 0; x0 ^= c0 << 16; x1 = (x1 - h1 - c1) | 0; x1 ^= c1 << 16; x2 = (x2 - h2 - c2) | 0; x2 ^= c2 << 16;
    h0 = (h0 - c0 - x0) | 0; h0 ^= x0 >>> 5; h1 = (h1 - c1 - x1) | 0; h1 ^= x1 >>> 5; h2 = (h2 - c2 - x2) | 0; h2 ^= x2 >>> 5;
    c0 = (c0 - x0 - h0) | 0; c0 ^= h0 >>> 3; c1 = (c1 - x1 - h1) | 0; c1 ^= h1 >>> 3; c2 = (c2 - x2 - h2) | 0; c2 ^= h2 >>> 3;
    x0 = (x0 - h0 - c0) | 0; x0 ^= c0 << 10; x1 = (x1 - h1 - c1) | 0; x1 ^= c1 << 10; x2 = (x2 - h2 - c2) | 0; x2 ^= c2 << 10;
    h0 = (h0 - c0 - x0) | 0; h0 ^= x0 >>> 15; h1 = (h1 - c1 - x1) | 0; h1 ^= x1 >>> 15; h2 = (h2 - c2 - x2) | 0; h2 ^= x2 >>> 15;
    // mix(y, a, h)
    y0 = (y0 - a0 - h0) | 0; y0 ^= h0 >>> 13; y1 = (y1 - a1 - h1) | 0; y1 ^= h1 >>> 13; y2 = (y2 - a2 - h2) | 0; y2 ^= h2 >>> 13;
    a0 = (a0 - h0 - y0) | 0; a0 ^= y0 << 8; a1 = (a1 - h1 - y1) | 0; a1 ^= y1 << 8; a2 = (a2 - h2 - y2) | 0; a2 ^= y2 << 8;
    h0 = (h0 - y0 - a0) | 0; h0 ^= a0 >>> 13; h1 = (h1 - y1 - a1) | 0; h1 ^= a1 >>> 13; h2 = (h2 - y2 - a2) | 0; h2 ^= a2 >>> 13;
    y0 = (y0 - a0 - h0) | 0; y0 ^= h0 >>> 12; y1 = (y1 - a1 - h1) | 0; y1 ^= h1 >>> 12; y2 = (y2 - a2 - h2) | 0; y2 ^= h2 >>> 12;
    a0 = (a0 - h0 - y0) | 0; a0 ^= y0 << 16; a1 = (a1 - h1 - y1) | 0; a1 ^= y1 << 16; a2 = (a2 - h2 - y2) | 0; a2 ^= y2 << 16;
    h0 = (h0 - y0 - a0) | 0; h0 ^= a0 >>> 5; h1 = (h1 - y1 - a1) | 0; h1 ^= a1 >>> 5; h2 = (h2 - y2 - a2) | 0; h2 ^= a2 >>> 5;
    y0 = (y0 - a0 - h0) | 0; y0 ^= h0 >>> 3; y1 = (y1 - a1 - h1) | 0; y1 ^= h1 >>> 3; y2 = (y2 - a2 - h2) | 0; y2 ^= h2 >>> 3;
    a0 = (a0 - h0 - y0) | 0; a0 ^= y0 << 10; a1 = (a1 - h1 - y1) | 0; a1 ^= y1 << 10; a2 = (a2 - h2 - y2) | 0; a2 ^= y2 << 10;
    h0 = (h0 - y0 - a0) | 0; h0 ^= a0 >>> 15; h1 = (h1 - y1 - a1) | 0; h1 ^= a1 >>> 15; h2 = (h2 - y2 - a2) | 0; h2 ^= a2 >>> 15;
    // mix(b, x, h)
    b0 = (b0 - x0 - h0) | 0; b0 ^= h0 >>> 13; b1 = (b1 - x1 - h1) | 0; b1 ^= h1 >>> 13; b2 = (b2 - x2 - h2) | 0; b2 ^= h2 >>> 13;
    x0 = (x0 - h0 - b0) | 0; x0 ^= b0 << 8; x1 = (x1 - h1 - b1) | 0; x1 ^= b1 << 8; x2 = (x2 - h2 - b2) | 0; x2 ^= b2 << 8;
    h0 = (h0 - b0 - x0) | 0; h0 ^= x0 >>> 13; h1 = (h1 - b1 - x1) | 0; h1 ^= x1 >>> 13; h2 = (h2 - b2 - x2) | 0; h2 ^= x2 >>> 13;
    b0 = (b0 - x0 - h0) | 0; b0 ^= h0 >>> 12; b1 = (b1 - x1 - h1) | 0; b1 ^= h1 >>> 12; b2 = (b2 - x2 - h2) | 0; b2 ^= h2 >>> 12;
    x0 = (x0 - h0 - b0) | 0; x0 ^= b0 << 16; x1 = (x1 - h1 - b1) | 0; x1 ^= b1 << 16; x2 = (x2 - h2 - b2) | 0; x2 ^= b2 << 16;
    h0 = (h0 - b0 - x0) | 0; h0 ^= x0 >>> 5; h1 = (h1 - b1 - x1) | 0; h1 ^= x1 >>> 5; h2 = (h2 - b2 - x2) | 0; h2 ^= x2 >>> 5;
    b0 = (b0 - x0 - h0) | 0; b0 ^= h0 >>> 3; b1 = (b1 - x1 - h1) | 0; b1 ^= h1 >>> 3; b2 = (b2 - x2 - h2) | 0; b2 ^= h2 >>> 3;
    x0 = (x0 - h0 - b0) | 0; x0 ^= b0 << 10; x1 = (x1 - h1 - b1) | 0; x1 ^= b1 << 10; x2 = (x2 - h2 - b2) | 0; x2 ^= b2 << 10;
    h0 = (h0 - b0 - x0) | 0; h0 ^= x0 >>> 15; h1 = (h1 - b1 - x1) | 0; h1 ^= x1 >>> 15; h2 = (h2 - b2 - x2) | 0; h2 ^= x2 >>> 15;
    // mix(y, c, h)
    y0 = (y0 - c0 - h0) | 0; y0 ^= h0 >>> 13; y1 = (y1 - c1 - h1) | 0; y1 ^= h1 >>> 13; y2 = (y2 - c2 - h2) | 0; y2 ^= h2 >>> 13;
    c0 = (c0 - h0 - y0) | 0; c0 ^= y0 << 8; c1 = (c1 - h1 - y1) | 0; c1 ^= y1 << 8; c2 = (c2 - h2 - y2) | 0; c2 ^= y2 << 8;
    h0 = (h0 - y0 - c0) | 0; h0 ^= c0 >>> 13; h1 = (h1 - y1 - c1) | 0; h1 ^= c1 >>> 13; h2 = (h2 - y2 - c2) | 0; h2 ^= c2 >>> 13;
    y0 = (y0 - c0 - h0) | 0; y0 ^= h0 >>> 12; y1 = (y1 - c1 - h1) | 0; y1 ^= h1 >>> 12; y2 = (y2 - c2 - h2) | 0; y2 ^= h2 >>> 12;
    c0 = (c0 - h0 - y0) | 0; c0 ^= y0 << 16; c1 = (c1 - h1 - y1) | 0; c1 ^= y1 << 16; c2 = (c2 - h2 - y2) | 0; c2 ^= y2 << 16;
    h0 = (h0 - y0 - c0) | 0; h0 ^= c0 >>> 5; h1 = (h1 - y1 - c1) | 0; h1 ^= c1 >>> 5; h2 = (h2 - y2 - c2) | 0; h2 ^= c2 >>> 5;
    y0 = (y0 - c0 - h0) | 0; y0 ^= h0 >>> 3; y1 = (y1 - c1 - h1) | 0; y1 ^= h1 >>> 3; y2 = (y2 - c2 - h2) | 0; y2 ^= h2 >>> 3;
    c0 = (c0 - h0 - y0) | 0; c0 ^= y0 << 10; c1 = (c1 - h1 - y1) | 0; c1 ^= y1 << 10; c2 = (c2 - h2 - y2) | 0; c2 ^= y2 << 10;
    h0 = (h0 - y0 - c0) | 0; h0 ^= c0 >>> 15; h1 = (h1 - y1 - c1) | 0; h1 ^= c1 >>> 15; h2 = (h2 - y2 - c2) | 0; h2 ^= c2 >>> 15;
    out[i + 0] = h0;
    out[i + 1] = h1;
    out[i + 2] = h2;
  }
  if (count - i === 2) {
    let b0 = items[i + 0]! | 0;
    let h0 = (seed ^ b0) | 0, a0 = a, c0 = c, x0 = CRUSH_X0, y0 = CRUSH_Y0;
    let b1 = items[i + 1]! | 0;
    let h1 = (seed ^ b1) | 0, a1 = a, c1 = c, x1 = CRUSH_X0, y1 = CRUSH_Y0;
    // mix(a, b, h)
    a0 = (a0 - b0 - h0) | 0; a0 ^= h0 >>> 13; a1 = (a1 - b1 - h1) | 0; a1 ^= h1 >>> 13;
    b0 = (b0 - h0 - a0) | 0; b0 ^= a0 << 8; b1 = (b1 - h1 - a1) | 0; b1 ^= a1 << 8;
    h0 = (h0 - a0 - b0) | 0; h0 ^= b0 >>> 13; h1 = (h1 - a1 - b1) | 0; h1 ^= b1 >>> 13;
    a0 = (a0 - b0 - h0) | 0; a0 ^= h0 >>> 12; a1 = (a1 - b1 - h1) | 0; a1 ^= h1 >>> 12;
    b0 = (b0 - h0 - a0) | 0; b0 ^= a0 << 16; b1 = (b1 - h1 - a1) | 0; b1 ^= a1 << 16;
    h0 = (h0 - a0 - b0) | 0; h0 ^= b0 >>> 5; h1 = (h1 - a1 - b1) | 0; h1 ^= b1 >>> 5;
    a0 = (a0 - b0 - h0) | 0; a0 ^= h0 >>> 3; a1 = (a1 - b1 - h1) | 0; a1 ^= h1 >>> 3;
    b0 = (b0 - h0 - a0) | 0; b0 ^= a0 << 10; b1 = (b1 - h1 - a1) | 0; b1 ^= a1 << 10;
    h0 = (h0 - a0 - b0) | 0; h0 ^= b0 >>> 15; h1 = (h1 - a1 - b1) | 0; h1 ^= b1 >>> 15;
    // mix(c, x, h)
    c0 = (c0 - x0 - h0) | 0; c0 ^= h0 >>> 13; c1 = (c1 - x1 - h1) | 0; c1 ^= h1 >>> 13;
    x0 = (x0 - h0 - c0) | 0; x0 ^= c0 << 8; x1 = (x1 - h1 - c1) | 0; x1 ^= c1 << 8;
    h0 = (h0 - c0 - x0) | 0; h0 ^= x0 >>> 13; h1 = (h1 - c1 - x1) | 0; h1 ^= x1 >>> 13;
    c0 = (c0 - x0 - h0) | 0; c0 ^= h0 >>> 12; c1 = (c1 - x1 - h1) | 0; c1 ^= h1 >>> 12;
    x0 = (x0 - h0 - c0) | 0; x0 ^= c0 << 16; x1 = (x1 - h1 - c1) | 0; x1 ^= c1 << 16;
    h0 = (h0 - c0 - x0) | 0; h0 ^= x0 >>> 5; h1 = (h1 - c1 - x1) | 0; h1 ^= x1 >>> 5;
    c0 = (c0 - x0 - h0) | 0; c0 ^= h0 >>> 3; c1 = (c1 - x1 - h1) | 0; c1 ^= h1 >>> 3;
    x0 = (x0 - h0 - c0) | 0; x0 ^= c0 << 10; x1 = (x1 - h1 - c1) | 0; x1 ^= c1 << 10;
    h0 = (h0 - c0 - x0) | 0; h0 ^= x0 >>> 15; h1 = (h1 - c1 - x1) | 0; h1 ^= x1 >>> 15;
    // mix(y, a, h)
    y0 = (y0 - a0 - h0) | 0; y0 ^= h0 >>> 13; y1 = (y1 - a1 - h1) | 0; y1 ^= h1 >>> 13;
    a0 = (a0 - h0 - y0) | 0; a0 ^= y0 << 8; a1 = (a1 - h1 - y1) | 0; a1 ^= y1 << 8;
    h0 = (h0 - y0 - a0) | 0; h0 ^= a0 >>> 13; h1 = (h1 - y1 - a1) | 0; h1 ^= a1 >>> 13;
    y0 = (y0 - a0 - h0) | 0; y0 ^= h0 >>> 12; y1 = (y1 - a1 - h1) | 0; y1 ^= h1 >>> 12;
    a0 = (a0 - h0 - y0) | 0; a0 ^= y0 << 16; a1 = (a1 - h1 - y1) | 0; a1 ^= y1 << 16;
    h0 = (h0 - y0 - a0) | 0; h0 ^= a0 >>> 5; h1 = (h1 - y1 - a1) | 0; h1 ^= a1 >>> 5;
    y0 = (y0 - a0 - h0) | 0; y0 ^= h0 >>> 3; y1 = (y1 - a1 - h1) | 0; y1 ^= h1 >>> 3;
    a0 = (a0 - h0 - y0) | 0; a0 ^= y0 << 10; a1 = (a1 - h1 - y1) | 0; a1 ^= y1 << 10;
    h0 = (h0 - y0 - a0) | 0; h0 ^= a0 >>> 15; h1 = (h1 - y1 - a1) | 0; h1 ^= a1 >>> 15;
    // mix(b, x, h)
    b0 = (b0 - x0 - h0) | 0; b0 ^= h0 >>> 13; b1 = (b1 - x1 - h1) | 0; b1 ^= h1 >>> 13;
    x0 = (x0 - h0 - b0) | 0; x0 ^= b0 << 8; x1 = (x1 - h1 - b1) | 0; x1 ^= b1 << 8;
    h0 = (h0 - b0 - x0) | 0; h0 ^= x0 >>> 13; h1 = (h1 - b1 - x1) | 0; h1 ^= x1 >>> 13;
    b0 = (b0 - x0 - h0) | 0; b0 ^= h0 >>> 12; b1 = (b1 - x1 - h1) | 0; b1 ^= h1 >>> 12;
    x0 = (x0 - h0 - b0) | 0; x0 ^= b0 << 16; x1 = (x1 - h1 - b1) | 0; x1 ^= b1 << 16;
    h0 = (h0 - b0 - x0) | 0; h0 ^= x0 >>> 5; h1 = (h1 - b1 - x1) | 0; h1 ^= x1 >>> 5;
    b0 = (b0 - x0 - h0) | 0; b0 ^= h0 >>> 3; b1 = (b1 - x1 - h1) | 0; b1 ^= h1 >>> 3;
    x0 = (x0 - h0 - b0) | 0; x0 ^= b0 << 10; x1 = (x1 - h1 - b1) | 0; x1 ^= b1 << 10;
    h0 = (h0 - b0 - x0) | 0; h0 ^= x0 >>> 15; h1 = (h1 - b1 - x1) | 0; h1 ^= x1 >>> 15;
    // mix(y, c, h)
    y0 = (y0 - c0 - h0) | 0; y0 ^= h0 >>> 13; y1 = (y1 - c1 - h1) | 0; y1 ^= h1 >>> 13;
    c0 = (c0 - h0 - y0) | 0; c0 ^= y0 << 8; c1 = (c1 - h1 - y1) | 0; c1 ^= y1 << 8;
    h0 = (h0 - y0 - c0) | 0; h0 ^= c0 >>> 13; h1 = (h1 - y1 - c1) | 0; h1 ^= c1 >>> 13;
    y0 = (y0 - c0 - h0) | 0; y0 ^= h0 >>> 12; y1 = (y1 - c1 - h1) | 0; y1 ^= h1 >>> 12;
    c0 = (c0 - h0 - y0) | 0; c0 ^= y0 << 16; c1 = (c1 - h1 - y1) | 0; c1 ^= y1 << 16;
    h0 = (h0 - y0 - c0) | 0; h0 ^= c0 >>> 5; h1 = (h1 - y1 - c1) | 0; h1 ^= c1 >>> 5;
    y0 = (y0 - c0 - h0) | 0; y0 ^= h0 >>> 3; y1 = (y1 - c1 - h1) | 0; y1 ^= h1 >>> 3;
    c0 = (c0 - h0 - y0) | 0; c0 ^= y0 << 10; c1 = (c1 - h1 - y1) | 0; c1 ^= y1 << 10;
    h0 = (h0 - y0 - c0) | 0; h0 ^= c0 >>> 15; h1 = (h1 - y1 - c1) | 0; h1 ^= c1 >>> 15;
    out[i + 0] = h0;
    out[i + 1] = h1;
  } else if (count - i === 1) {
    let b0 = items[i + 0]! | 0;
    let h0 = (seed ^ b0) | 0, a0 = a, c0 = c, x0 = CRUSH_X0, y0 = CRUSH_Y0;
    // mix(a, b, h)
    a0 = (a0 - b0 - h0) | 0; a0 ^= h0 >>> 13;
    b0 = (b0 - h0 - a0) | 0; b0 ^= a0 << 8;
    h0 = (h0 - a0 - b0) | 0; h0 ^= b0 >>> 13;
    a0 = (a0 - b0 - h0) | 0; a0 ^= h0 >>> 12;
    b0 = (b0 - h0 - a0) | 0; b0 ^= a0 << 16;
    h0 = (h0 - a0 - b0) | 0; h0 ^= b0 >>> 5;
    a0 = (a0 - b0 - h0) | 0; a0 ^= h0 >>> 3;
    b0 = (b0 - h0 - a0) | 0; b0 ^= a0 << 10;
    h0 = (h0 - a0 - b0) | 0; h0 ^= b0 >>> 15;
    // mix(c, x, h)
    c0 = (c0 - x0 - h0) | 0; c0 ^= h0 >>> 13;
    x0 = (x0 - h0 - c0) | 0; x0 ^= c0 << 8;
    h0 = (h0 - c0 - x0) | 0; h0 ^= x0 >>> 13;
    c0 = (c0 - x0 - h0) | 0; c0 ^= h0 >>> 12;
    x0 = (x0 - h0 - c0) | 0; x0 ^= c0 << 16;
    h0 = (h0 - c0 - x0) | 0; h0 ^= x0 >>> 5;
    c0 = (c0 - x0 - h0) | 0; c0 ^= h0 >>> 3;
    x0 = (x0 - h0 - c0) | 0; x0 ^= c0 << 10;
    h0 = (h0 - c0 - x0) | 0; h0 ^= x0 >>> 15;
    // mix(y, a, h)
    y0 = (y0 - a0 - h0) | 0; y0 ^= h0 >>> 13;
    a0 = (a0 - h0 - y0) | 0; a0 ^= y0 << 8;
    h0 = (h0 - y0 - a0) | 0; h0 ^= a0 >>> 13;
    y0 = (y0 - a0 - h0) | 0; y0 ^= h0 >>> 12;
    a0 = (a0 - h0 - y0) | 0; a0 ^= y0 << 16;
    h0 = (h0 - y0 - a0) | 0; h0 ^= a0 >>> 5;
    y0 = (y0 - a0 - h0) | 0; y0 ^= h0 >>> 3;
    a0 = (a0 - h0 - y0) | 0; a0 ^= y0 << 10;
    h0 = (h0 - y0 - a0) | 0; h0 ^= a0 >>> 15;
    // mix(b, x, h)
    b0 = (b0 - x0 - h0) | 0; b0 ^= h0 >>> 13;
    x0 = (x0 - h0 - b0) | 0; x0 ^= b0 << 8;
    h0 = (h0 - b0 - x0) | 0; h0 ^= x0 >>> 13;
    b0 = (b0 - x0 - h0) | 0; b0 ^= h0 >>> 12;
    x0 = (x0 - h0 - b0) | 0; x0 ^= b0 << 16;
    h0 = (h0 - b0 - x0) | 0; h0 ^= x0 >>> 5;
    b0 = (b0 - x0 - h0) | 0; b0 ^= h0 >>> 3;
    x0 = (x0 - h0 - b0) | 0; x0 ^= b0 << 10;
    h0 = (h0 - b0 - x0) | 0; h0 ^= x0 >>> 15;
    // mix(y, c, h)
    y0 = (y0 - c0 - h0) | 0; y0 ^= h0 >>> 13;
    c0 = (c0 - h0 - y0) | 0; c0 ^= y0 << 8;
    h0 = (h0 - y0 - c0) | 0; h0 ^= c0 >>> 13;
    y0 = (y0 - c0 - h0) | 0; y0 ^= h0 >>> 12;
    c0 = (c0 - h0 - y0) | 0; c0 ^= y0 << 16;
    h0 = (h0 - y0 - c0) | 0; h0 ^= c0 >>> 5;
    y0 = (y0 - c0 - h0) | 0; y0 ^= h0 >>> 3;
    c0 = (c0 - h0 - y0) | 0; c0 ^= y0 << 10;
    h0 = (h0 - y0 - c0) | 0; h0 ^= c0 >>> 15;
    out[i + 0] = h0;
  }
}
