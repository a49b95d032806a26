// Ceph's little-endian binary encoding (include/encoding.h) for the payloads of built-in object
// classes, so a client that sends Ceph-encoded class inputs works unchanged. Only what the
// built-in classes use: integers, strings as u32 length + bytes, lists, maps, utime_t, and the
// versioned struct envelope (ENCODE_START: u8 struct_v, u8 compat, u32 body length).
// Pure: imports only core, so it can move to src/codec/ without changes.

import { invariant } from '../core/assert.js';
import { ERRNO, RadosError } from '../core/errors.js';

/** utime_t: seconds and nanoseconds, both u32 on the wire. */
export interface Utime {
  readonly sec: number;
  readonly nsec: number;
}

export const ZERO_UTIME: Utime = { sec: 0, nsec: 0 };

const U32_MAX = 0xffff_ffff;
/** Nested versioned structs deeper than this are refused (a hostile input cannot recurse far). */
const STRUCT_DEPTH_MAX = 32;

/** An input that does not decode: methods answer EINVAL for requests, EIO for stored state. */
export class DecodeError extends RadosError {
  constructor(what: string) {
    super(ERRNO.EINVAL, `decode: ${what}`);
    this.name = 'DecodeError';
  }
}

export class Encoder {
  private readonly parts: Buffer[] = [];
  private length_bytes = 0;

  private push(b: Buffer): this {
    this.parts.push(b);
    this.length_bytes += b.length;
    return this;
  }

  u8(n: number): this {
    invariant(Number.isInteger(n) && n >= 0 && n <= 0xff, `u8 out of range: ${n}`);
    return this.push(Buffer.from([n]));
  }

  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }

  u16(n: number): this {
    invariant(Number.isInteger(n) && n >= 0 && n <= 0xffff, `u16 out of range: ${n}`);
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return this.push(b);
  }

  u32(n: number): this {
    invariant(Number.isInteger(n) && n >= 0 && n <= U32_MAX, `u32 out of range: ${n}`);
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return this.push(b);
  }

  u64(n: number | bigint): this {
    const v = BigInt(n);
    invariant(v >= 0n && v <= 0xffff_ffff_ffff_ffffn, `u64 out of range: ${v}`);
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    return this.push(b);
  }

  i64(n: number | bigint): this {
    const v = BigInt(n);
    invariant(v >= -(2n ** 63n) && v < 2n ** 63n, `i64 out of range: ${v}`);
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(v);
    return this.push(b);
  }

  /** Bytes as they are, no length prefix (encode_raw / sockaddr bodies). */
  raw(b: Buffer): this {
    return this.push(b);
  }

  /** std::string / bufferlist: u32 length + bytes. Strings are UTF-8. */
  string(s: string | Buffer): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    return this.u32(b.length).push(b);
  }

  utime(t: Utime): this {
    return this.u32(t.sec).u32(t.nsec);
  }

  list<T>(items: readonly T[], each: (e: Encoder, item: T) => void): this {
    this.u32(items.length);
    for (const item of items) each(this, item);
    return this;
  }

  /** ENCODE_START(version, compat) … ENCODE_FINISH: the body is prefixed by its length. */
  struct(version: number, compat: number, body: (e: Encoder) => void): this {
    invariant(compat <= version, `struct compat ${compat} exceeds version ${version}`);
    const inner = new Encoder();
    body(inner);
    const bytes = inner.finish();
    return this.u8(version).u8(compat).u32(bytes.length).push(bytes);
  }

  get length(): number {
    return this.length_bytes;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts, this.length_bytes);
  }
}

export class Decoder {
  private pos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly depth = 0,
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private take(n: number, what: string): Buffer {
    if (n > this.remaining) throw new DecodeError(`${what}: need ${n} bytes, ${this.remaining} left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u8(): number {
    return this.take(1, 'u8').readUInt8(0);
  }

  bool(): boolean {
    return this.u8() !== 0;
  }

  u16(): number {
    return this.take(2, 'u16').readUInt16LE(0);
  }

  u32(): number {
    return this.take(4, 'u32').readUInt32LE(0);
  }

  u64(): bigint {
    return this.take(8, 'u64').readBigUInt64LE(0);
  }

  /** A u64 that must fit a JS number exactly (versions, counters). */
  u64n(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError(`u64 ${v} exceeds 2^53`);
    return Number(v);
  }

  i64(): bigint {
    return this.take(8, 'i64').readBigInt64LE(0);
  }

  raw(n: number): Buffer {
    return this.take(n, 'raw bytes');
  }

  stringBytes(): Buffer {
    return this.take(this.u32(), 'string body');
  }

  string(): string {
    return this.stringBytes().toString('utf8');
  }

  utime(): Utime {
    const sec = this.u32();
    const nsec = this.u32();
    return { sec, nsec };
  }

  /** A u32 element count; every element takes at least one byte, which bounds hostile counts. */
  count(): number {
    const n = this.u32();
    if (n > this.remaining) throw new DecodeError(`count ${n} exceeds the ${this.remaining} bytes left`);
    return n;
  }

  list<T>(each: (d: Decoder) => T): T[] {
    const n = this.count();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(each(this));
    return out;
  }

  /**
   * DECODE_START(supported) … DECODE_FINISH: refuses a struct whose compat version is newer than
   * `supported`, decodes the body from exactly its declared length and skips fields appended by
   * newer encoders.
   */
  struct<T>(supported: number, body: (d: Decoder, version: number) => T): T {
    if (this.depth >= STRUCT_DEPTH_MAX) throw new DecodeError('structs nested too deeply');
    const version = this.u8();
    const compat = this.u8();
    if (compat > supported) throw new DecodeError(`struct compat ${compat} is newer than ${supported}`);
    const len = this.u32();
    const inner = new Decoder(this.take(len, 'struct body'), this.depth + 1);
    return body(inner, version);
  }

  /** True when every byte was consumed. */
  get done(): boolean {
    return this.pos === this.buf.length;
  }
}

// ---- utime_t arithmetic and text ------------------------------------------------------------

export function utimeIsZero(t: Utime): boolean {
  return t.sec === 0 && t.nsec === 0;
}

export function compareUtime(a: Utime, b: Utime): number {
  return a.sec !== b.sec ? a.sec - b.sec : a.nsec - b.nsec;
}

/** a + b, saturating at the largest utime_t instead of wrapping into the past. */
export function addUtime(a: Utime, b: Utime): Utime {
  let sec = a.sec + b.sec;
  let nsec = a.nsec + b.nsec;
  sec += Math.floor(nsec / 1e9);
  nsec %= 1e9;
  if (sec > U32_MAX) return { sec: U32_MAX, nsec: 999_999_999 };
  return { sec, nsec };
}

// ---- entity_name_t ("client.4123") ---------------------------------------------------------

/** CEPH_ENTITY_TYPE_* values. */
export const ENTITY_TYPE = { mon: 0x01, mds: 0x02, osd: 0x04, client: 0x08, mgr: 0x10 } as const;
export type EntityTypeName = keyof typeof ENTITY_TYPE;

export interface EntityName {
  readonly type: number;
  readonly num: bigint;
}

export function encodeEntityName(e: Encoder, n: EntityName): void {
  e.u8(n.type).i64(n.num);
}

export function decodeEntityName(d: Decoder): EntityName {
  const type = d.u8();
  const num = d.i64();
  return { type, num };
}

export function compareEntityName(a: EntityName, b: EntityName): number {
  if (a.type !== b.type) return a.type - b.type;
  return a.num < b.num ? -1 : a.num > b.num ? 1 : 0;
}

export function formatEntityName(n: EntityName): string {
  const entry = Object.entries(ENTITY_TYPE).find(([, v]) => v === n.type);
  return `${entry === undefined ? 'unknown' : entry[0]}.${n.num}`;
}

/** Parses "client.4123" like Ceph's entity_name_t::parse; undefined when it does not parse. */
export function parseEntityName(s: string): EntityName | undefined {
  const m = /^(mon|mds|osd|client|mgr)\.(-?\d+)$/.exec(s);
  if (m === null) return undefined;
  const type = ENTITY_TYPE[m[1] as EntityTypeName];
  const num = BigInt(m[2] ?? '0');
  if (num < -(2n ** 63n) || num >= 2n ** 63n) return undefined;
  return { type, num };
}

export function clientEntity(clientId: number): EntityName {
  invariant(Number.isSafeInteger(clientId) && clientId >= 0, `client id ${clientId} is a non-negative integer`);
  return { type: ENTITY_TYPE.client, num: BigInt(clientId) };
}

// ---- entity_addr_t ("127.0.0.1:0/838491869") -----------------------------------------------

/** entity_addr_t::TYPE_*. */
export const ADDR_TYPE = { none: 0, legacy: 1, msgr2: 2, any: 3, cidr: 4 } as const;

const AF_INET = 2;
const AF_INET6 = 10;
/** sockaddr_storage as the legacy encoding writes it. */
const SOCKADDR_STORAGE_BYTES = 128;

export interface EntityAddr {
  readonly type: number;
  readonly nonce: number;
  /** IPv4 dotted quad or IPv6 text; '' when the address has no socket address. */
  readonly ip: string;
  readonly port: number;
}

export const NO_ADDR: EntityAddr = { type: ADDR_TYPE.none, nonce: 0, ip: '', port: 0 };

function parseIpv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : 256));
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

function parseIpv6(s: string): Buffer | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string | undefined): string[] => (h === undefined || h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  if (all.length !== 8 || !all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function formatIpv6(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  // Longest run of zero groups (length ≥ 2) collapses to "::", as inet_ntop does.
  let bestAt = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}

/**
 * Parses "[v1:|v2:|any:]host:port[/nonce]" with an IPv4 or bracketed IPv6 host. Anything else
 * (a hostname, '') has no socket address and becomes a TYPE_NONE address.
 */
export function parseEntityAddr(s: string): EntityAddr {
  let rest = s;
  let type: number = ADDR_TYPE.legacy;
  const prefix = /^(v1|v2|any):/.exec(rest);
  if (prefix !== null) {
    type = prefix[1] === 'v2' ? ADDR_TYPE.msgr2 : prefix[1] === 'any' ? ADDR_TYPE.any : ADDR_TYPE.legacy;
    rest = rest.slice(prefix[0].length);
  }
  let nonce = 0;
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const n = rest.slice(slash + 1);
    if (!/^\d+$/.test(n) || Number(n) > U32_MAX) return NO_ADDR;
    nonce = Number(n);
    rest = rest.slice(0, slash);
  }
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([0-9.]+)):(\d{1,5})$/.exec(rest);
  if (m === null) return NO_ADDR;
  const port = Number(m[3]);
  if (port > 0xffff) return NO_ADDR;
  if (m[1] !== undefined) {
    const v6 = parseIpv6(m[1]);
    return v6 === undefined ? NO_ADDR : { type, nonce, ip: formatIpv6(v6), port };
  }
  const v4 = parseIpv4(m[2] ?? '');
  return v4 === undefined ? NO_ADDR : { type, nonce, ip: v4.join('.'), port };
}

/** Ceph's legacy text form ("127.0.0.1:0/838491869"), as `rados lock info` prints it; "-" when none. */
export function formatEntityAddr(a: EntityAddr): string {
  if (a.type === ADDR_TYPE.none || a.ip === '') return '-';
  const host = a.ip.includes(':') ? `[${a.ip}]` : a.ip;
  return `${host}:${a.port}/${a.nonce}`;
}

/** struct sockaddr_in / sockaddr_in6 after the family field: port (big endian) and address. */
function sockaddrBody(a: EntityAddr): { family: number; body: Buffer } | undefined {
  const v4 = parseIpv4(a.ip);
  if (v4 !== undefined) {
    const body = Buffer.alloc(14);
    body.writeUInt16BE(a.port, 0);
    Buffer.from(v4).copy(body, 2);
    return { family: AF_INET, body };
  }
  const v6 = parseIpv6(a.ip);
  if (v6 === undefined) return undefined;
  const body = Buffer.alloc(26);
  body.writeUInt16BE(a.port, 0);
  v6.copy(body, 6);
  return { family: AF_INET6, body };
}

/** entity_addr_t in the MSG_ADDR2 form every current Ceph peer expects. */
export function encodeEntityAddr(e: Encoder, a: EntityAddr): void {
  const sa = a.type === ADDR_TYPE.none ? undefined : sockaddrBody(a);
  e.u8(1);
  e.struct(1, 1, (s) => {
    s.u32(sa === undefined ? ADDR_TYPE.none : a.type).u32(a.nonce);
    if (sa === undefined) {
      s.u32(0);
      return;
    }
    s.u32(2 + sa.body.length).u16(sa.family).raw(sa.body);
  });
}

function addrFromSockaddr(type: number, nonce: number, family: number, body: Buffer): EntityAddr {
  if (family === AF_INET && body.length >= 6) {
    return { type, nonce, port: body.readUInt16BE(0), ip: [...body.subarray(2, 6)].join('.') };
  }
  if (family === AF_INET6 && body.length >= 22) {
    return { type, nonce, port: body.readUInt16BE(0), ip: formatIpv6(body.subarray(6, 22)) };
  }
  return { type: type === ADDR_TYPE.none ? ADDR_TYPE.none : type, nonce, ip: '', port: 0 };
}

/** Reads both forms: MSG_ADDR2 (marker 1) and the legacy fixed 136-byte form (marker 0). */
export function decodeEntityAddr(d: Decoder): EntityAddr {
  const marker = d.u8();
  if (marker === 0) {
    d.raw(3);
    const nonce = d.u32();
    const ss = d.raw(SOCKADDR_STORAGE_BYTES);
    // The legacy form stores the family in network byte order.
    return addrFromSockaddr(ADDR_TYPE.legacy, nonce, ss.readUInt16BE(0), ss.subarray(2));
  }
  if (marker !== 1) throw new DecodeError(`entity_addr_t marker ${marker}`);
  return d.struct(1, (s) => {
    const type = s.u32();
    const nonce = s.u32();
    const len = s.u32();
    if (len === 0) return { type, nonce, ip: '', port: 0 };
    if (len < 2) throw new DecodeError(`sockaddr of ${len} bytes`);
    const family = s.u16();
    return addrFromSockaddr(type, nonce, family, s.raw(len - 2));
  });
}
