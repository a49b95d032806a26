// Compact metadata for the messages on the object data path: a client's osd.op request made of
// plain reads and writes, the OSD's reply carrying return codes and read data, and the primary's
// osd.repop of data-only changes to a replica with its { ok: true } answer. These are most of
// the frames a busy cluster carries; msgpack spent ~12% of an OSD's main thread and ~10% of a
// client's on them (string keys written and parsed for every field of every op). Any other body,
// or one of these with a field this layout does not know, is msgpack as before: the layout
// covers exact shapes only, so what a receiver gets is always what the sender passed.
//
// Layout (big endian). Request: u8 1 | u32 pool | u32 epoch | u32 flags | f64 reqid[0] |
// f64 reqid[1] | u32 mtime.sec | u32 mtime.nsec | str namespace | str oid | str locator |
// u16 op count | ops. Op: u8 1 read, f64 offset, f64 length | u8 2 write, f64 offset, f64 length,
// bytes | u8 3 writefull, bytes. Reply: u8 2 | i32 ret | f64 version | u8 0, or u8 1 u32
// retryEpoch | u16 result count | results. Result: i32 ret | u8 0 (no output), or u8 1 bytes
// (a 'data' output). Repop: u8 3 | u32 pool | u32 ps | u32 epoch | u32 key.hash | str namespace |
// str oid | str locator | u16 step count | steps | u8 0 (meta undefined), or u8 1 f64 size u32
// mtime.sec u32 mtime.nsec f64 userVersion | log entry: f64 version | u32 epoch | f64 reqid[0] |
// f64 reqid[1] | str oid | str namespace | str locator | u8 op | f64 userVersion | i32 ret.
// Step: u8 1 create | u8 2 remove | u8 3 write, f64 offset, bytes | u8 4 zero, f64 offset,
// f64 length | u8 5 truncate, f64 size. Repop answer: u8 4 (stands for { ok: true }).
// str: u32 length, UTF-8. bytes: u8 0 u32 length inline | u8 1 u16 segment.

import { invariant } from '../core/assert.js';
import { GatheredBytes } from './gathered-bytes.js';

/** The message type of client ops (the osd.op of src/proto/messages.ts). */
export const OP_WIRE_TYPE = 'osd.op';
/** The message type of replication (the osd.repop of src/proto/messages.ts). */
export const REPOP_WIRE_TYPE = 'osd.repop';

/** True for the message types that may travel in a compact layout. */
export function hasCompactLayout(type: string): boolean {
  return type === OP_WIRE_TYPE || type === REPOP_WIRE_TYPE;
}

const SHAPE_REQUEST = 1;
const SHAPE_REPLY = 2;
const SHAPE_REPOP = 3;
const SHAPE_REPOP_OK = 4;
const STEP_CREATE = 1;
const STEP_REMOVE = 2;
const STEP_WRITE = 3;
const STEP_ZERO = 4;
const STEP_TRUNCATE = 5;
const LOG_OPS = ['modify', 'delete', 'error'] as const;
const OP_READ = 1;
const OP_WRITE = 2;
const OP_WRITEFULL = 3;
const BYTES_INLINE = 0;
const BYTES_SEGMENT = 1;
/** Counts are u16 and strings are bounded by it too: a body beyond that is msgpack's. */
const COUNT_MAX = 0xffff;
const STRING_MAX_BYTES = 0xffff;

/** Where payload Buffers go: a segment index, or undefined to keep them inline. */
export type LiftBytes = (value: Buffer | GatheredBytes) => number | undefined;

/** A malformed compact body; the frame decoder reports it as a FrameError. */
export class OpWireError extends Error {
  override readonly name = 'OpWireError';
}

/** A plain object (an object literal or Object.create(null)), not a class instance, Map or Buffer. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const isU32 = (x: unknown): x is number => typeof x === 'number' && x >>> 0 === x;
const isI32 = (x: unknown): x is number => typeof x === 'number' && (x | 0) === x;
const isBytes = (x: unknown): x is Buffer | GatheredBytes => Buffer.isBuffer(x) || x instanceof GatheredBytes;

/** Exactly these own keys, no more (the key count is checked by the caller's list length). */
function hasExactly(value: Record<string, unknown>, count: number): boolean {
  let n = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false;
    n++;
  }
  return n === count;
}

// ---------------------------------------------------------------------------------------------
// Encoding: measure, then write into one buffer.

interface Plan {
  size_bytes: number;
  /** Each payload in order of appearance: its segment index, or the Buffer to inline. */
  readonly bytes: Array<number | Buffer>;
}

function planBytes(plan: Plan, value: Buffer | GatheredBytes, lift: LiftBytes): void {
  const segment = lift(value);
  if (segment !== undefined) {
    plan.bytes.push(segment);
    plan.size_bytes += 1 + 2;
    return;
  }
  const inline = value instanceof GatheredBytes ? value.join() : value;
  plan.bytes.push(inline);
  plan.size_bytes += 1 + 4 + inline.length;
}

function stringFits(value: unknown): value is string {
  return typeof value === 'string' && value.length <= STRING_MAX_BYTES;
}

/**
 * The compact metadata for `body`, or undefined when its shape is not one of the layouts (the
 * caller then uses msgpack). `lift` is only called once the shape is known to fit, so a body
 * that falls back has lifted nothing.
 */
export function encodeOpWire(type: string, isReply: boolean, body: unknown, lift: LiftBytes): Buffer | undefined {
  if (type === OP_WIRE_TYPE) return isReply ? encodeReply(body, lift) : encodeRequest(body, lift);
  if (type === REPOP_WIRE_TYPE) return isReply ? encodeRepopOk(body) : encodeRepop(body, lift);
  return undefined;
}

function requestFits(body: unknown): body is {
  pool: number; namespace: string; oid: string; locator: string; ops: unknown[]; flags: number;
  mtime: { sec: number; nsec: number }; epoch: number; reqid: [number, number];
} {
  if (!isPlainObject(body) || !hasExactly(body, 9)) return false;
  const { pool, namespace, oid, locator, ops, flags, mtime, epoch, reqid } = body;
  if (!isU32(pool) || !isU32(flags) || !isU32(epoch)) return false;
  if (!stringFits(namespace) || !stringFits(oid) || !stringFits(locator)) return false;
  if (!isPlainObject(mtime) || !hasExactly(mtime, 2) || !isU32(mtime['sec']) || !isU32(mtime['nsec'])) return false;
  if (!Array.isArray(reqid) || reqid.length !== 2 || typeof reqid[0] !== 'number' || typeof reqid[1] !== 'number') return false;
  if (!Array.isArray(ops) || ops.length > COUNT_MAX) return false;
  for (const op of ops) {
    if (!isPlainObject(op)) return false;
    switch (op['op']) {
      case 'read':
        if (!hasExactly(op, 3) || typeof op['offset'] !== 'number' || typeof op['length'] !== 'number') return false;
        break;
      case 'write':
        if (!hasExactly(op, 4) || typeof op['offset'] !== 'number' || typeof op['length'] !== 'number' || !isBytes(op['data'])) return false;
        break;
      case 'writefull':
        if (!hasExactly(op, 2) || !isBytes(op['data'])) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function encodeRequest(body: unknown, lift: LiftBytes): Buffer | undefined {
  if (!requestFits(body)) return undefined;
  const namespaceBytes = Buffer.byteLength(body.namespace);
  const oidBytes = Buffer.byteLength(body.oid);
  const locatorBytes = Buffer.byteLength(body.locator);
  if (namespaceBytes > STRING_MAX_BYTES || oidBytes > STRING_MAX_BYTES || locatorBytes > STRING_MAX_BYTES) return undefined;
  const plan: Plan = { size_bytes: 1 + 4 * 3 + 8 * 2 + 4 * 2 + 12 + namespaceBytes + oidBytes + locatorBytes + 2, bytes: [] };
  for (const op of body.ops as Array<Record<string, unknown>>) {
    plan.size_bytes += 1;
    if (op['op'] === 'read') {
      plan.size_bytes += 16;
      continue;
    }
    if (op['op'] === 'write') plan.size_bytes += 16;
    planBytes(plan, op['data'] as Buffer | GatheredBytes, lift);
  }
  return writeRequest(body, plan, namespaceBytes, oidBytes, locatorBytes);
}

function writeRequest(
  body: { pool: number; namespace: string; oid: string; locator: string; ops: unknown[]; flags: number; mtime: { sec: number; nsec: number }; epoch: number; reqid: [number, number] },
  plan: Plan,
  namespaceBytes: number,
  oidBytes: number,
  locatorBytes: number,
): Buffer {
  const out = Buffer.allocUnsafe(plan.size_bytes);
  let at = out.writeUInt8(SHAPE_REQUEST, 0);
  at = out.writeUInt32BE(body.pool, at);
  at = out.writeUInt32BE(body.epoch, at);
  at = out.writeUInt32BE(body.flags, at);
  at = out.writeDoubleBE(body.reqid[0], at);
  at = out.writeDoubleBE(body.reqid[1], at);
  at = out.writeUInt32BE(body.mtime.sec, at);
  at = out.writeUInt32BE(body.mtime.nsec, at);
  at = writeString(out, at, body.namespace, namespaceBytes);
  at = writeString(out, at, body.oid, oidBytes);
  at = writeString(out, at, body.locator, locatorBytes);
  at = out.writeUInt16BE(body.ops.length, at);
  let next = 0;
  for (const op of body.ops as Array<Record<string, unknown>>) {
    if (op['op'] === 'read') {
      at = out.writeUInt8(OP_READ, at);
      at = out.writeDoubleBE(op['offset'] as number, at);
      at = out.writeDoubleBE(op['length'] as number, at);
    } else if (op['op'] === 'write') {
      at = out.writeUInt8(OP_WRITE, at);
      at = out.writeDoubleBE(op['offset'] as number, at);
      at = out.writeDoubleBE(op['length'] as number, at);
      at = writeBytes(out, at, plan.bytes[next++]);
    } else {
      at = out.writeUInt8(OP_WRITEFULL, at);
      at = writeBytes(out, at, plan.bytes[next++]);
    }
  }
  invariant(at === out.length && next === plan.bytes.length, () => `op-wire request wrote ${at} of ${out.length} bytes`);
  return out;
}

function replyFits(body: unknown): body is { ret: number; version: number; results: Array<Record<string, unknown>>; retryEpoch?: number } {
  if (!isPlainObject(body)) return false;
  const { ret, version, results, retryEpoch } = body;
  if (!hasExactly(body, retryEpoch === undefined ? 3 : 4)) return false;
  if (!isI32(ret) || typeof version !== 'number' || (retryEpoch !== undefined && !isU32(retryEpoch))) return false;
  if (!Array.isArray(results) || results.length > COUNT_MAX) return false;
  for (const result of results) {
    if (!isPlainObject(result) || !isI32(result['ret'])) return false;
    const out = result['out'];
    if (out === undefined) {
      if (!hasExactly(result, 1)) return false;
      continue;
    }
    if (!hasExactly(result, 2) || !isPlainObject(out) || !hasExactly(out, 2) || out['kind'] !== 'data' || !isBytes(out['data'])) return false;
  }
  return true;
}

function encodeReply(body: unknown, lift: LiftBytes): Buffer | undefined {
  if (!replyFits(body)) return undefined;
  const plan: Plan = { size_bytes: 1 + 4 + 8 + 1 + (body.retryEpoch === undefined ? 0 : 4) + 2, bytes: [] };
  for (const result of body.results) {
    plan.size_bytes += 4 + 1;
    const out = result['out'] as { data: Buffer | GatheredBytes } | undefined;
    if (out !== undefined) planBytes(plan, out.data, lift);
  }
  const out = Buffer.allocUnsafe(plan.size_bytes);
  let at = out.writeUInt8(SHAPE_REPLY, 0);
  at = out.writeInt32BE(body.ret, at);
  at = out.writeDoubleBE(body.version, at);
  if (body.retryEpoch === undefined) {
    at = out.writeUInt8(0, at);
  } else {
    at = out.writeUInt8(1, at);
    at = out.writeUInt32BE(body.retryEpoch, at);
  }
  at = out.writeUInt16BE(body.results.length, at);
  let next = 0;
  for (const result of body.results) {
    at = out.writeInt32BE(result['ret'] as number, at);
    if (result['out'] === undefined) {
      at = out.writeUInt8(0, at);
    } else {
      at = out.writeUInt8(1, at);
      at = writeBytes(out, at, plan.bytes[next++]);
    }
  }
  invariant(at === out.length && next === plan.bytes.length, () => `op-wire reply wrote ${at} of ${out.length} bytes`);
  return out;
}

type Repop = {
  pool: number; ps: number; epoch: number;
  key: { hash: number; namespace: string; oid: string; locator: string };
  steps: Array<Record<string, unknown>>;
  meta: { size: number; mtime: { sec: number; nsec: number }; userVersion: number } | undefined;
  logEntry: { version: number; epoch: number; reqid: [number, number]; oid: string; namespace: string; locator: string; op: string; userVersion: number; ret: number };
};

function repopFits(body: unknown): body is Repop {
  if (!isPlainObject(body) || !hasExactly(body, 7)) return false;
  const { pool, ps, epoch, key, steps, meta, logEntry } = body;
  if (!isU32(pool) || !isU32(ps) || !isU32(epoch)) return false;
  if (!isPlainObject(key) || !hasExactly(key, 4) || !isU32(key['hash'])) return false;
  if (!stringFits(key['namespace']) || !stringFits(key['oid']) || !stringFits(key['locator'])) return false;
  if (!Array.isArray(steps) || steps.length > COUNT_MAX) return false;
  for (const step of steps) {
    if (!isPlainObject(step)) return false;
    switch (step['t']) {
      case 'create':
      case 'remove':
        if (!hasExactly(step, 1)) return false;
        break;
      case 'write':
        if (!hasExactly(step, 3) || typeof step['offset'] !== 'number' || !isBytes(step['data'])) return false;
        break;
      case 'zero':
        if (!hasExactly(step, 3) || typeof step['offset'] !== 'number' || typeof step['length'] !== 'number') return false;
        break;
      case 'truncate':
        if (!hasExactly(step, 2) || typeof step['size'] !== 'number') return false;
        break;
      default:
        return false;
    }
  }
  if (meta !== undefined) {
    if (!isPlainObject(meta) || !hasExactly(meta, 3) || typeof meta['size'] !== 'number' || typeof meta['userVersion'] !== 'number') return false;
    const mtime = meta['mtime'];
    if (!isPlainObject(mtime) || !hasExactly(mtime, 2) || !isU32(mtime['sec']) || !isU32(mtime['nsec'])) return false;
  }
  if (!isPlainObject(logEntry) || !hasExactly(logEntry, 9)) return false;
  const reqid = logEntry['reqid'];
  return (
    typeof logEntry['version'] === 'number' && isU32(logEntry['epoch']) &&
    Array.isArray(reqid) && reqid.length === 2 && typeof reqid[0] === 'number' && typeof reqid[1] === 'number' &&
    stringFits(logEntry['oid']) && stringFits(logEntry['namespace']) && stringFits(logEntry['locator']) &&
    LOG_OPS.includes(logEntry['op'] as (typeof LOG_OPS)[number]) &&
    typeof logEntry['userVersion'] === 'number' && isI32(logEntry['ret'])
  );
}

function encodeRepop(body: unknown, lift: LiftBytes): Buffer | undefined {
  if (!repopFits(body)) return undefined;
  const { key, logEntry } = body;
  const strings = [key.namespace, key.oid, key.locator, logEntry.oid, logEntry.namespace, logEntry.locator];
  const lengths = strings.map((str) => Buffer.byteLength(str));
  if (lengths.some((n) => n > STRING_MAX_BYTES)) return undefined;
  let size_bytes = 1 + 4 * 4 + 2 + 1 + (body.meta === undefined ? 0 : 8 + 4 + 4 + 8) + 8 + 4 + 8 * 2 + 1 + 8 + 4;
  for (const n of lengths) size_bytes += 4 + n;
  const plan: Plan = { size_bytes, bytes: [] };
  for (const step of body.steps) {
    plan.size_bytes += 1;
    if (step['t'] === 'write') {
      plan.size_bytes += 8;
      planBytes(plan, step['data'] as Buffer | GatheredBytes, lift);
    } else if (step['t'] === 'zero') {
      plan.size_bytes += 16;
    } else if (step['t'] === 'truncate') {
      plan.size_bytes += 8;
    }
  }
  const out = Buffer.allocUnsafe(plan.size_bytes);
  let at = out.writeUInt8(SHAPE_REPOP, 0);
  at = out.writeUInt32BE(body.pool, at);
  at = out.writeUInt32BE(body.ps, at);
  at = out.writeUInt32BE(body.epoch, at);
  at = out.writeUInt32BE(key.hash, at);
  at = writeString(out, at, key.namespace, lengths[0] ?? 0);
  at = writeString(out, at, key.oid, lengths[1] ?? 0);
  at = writeString(out, at, key.locator, lengths[2] ?? 0);
  at = out.writeUInt16BE(body.steps.length, at);
  let next = 0;
  for (const step of body.steps) {
    switch (step['t']) {
      case 'create':
        at = out.writeUInt8(STEP_CREATE, at);
        break;
      case 'remove':
        at = out.writeUInt8(STEP_REMOVE, at);
        break;
      case 'write':
        at = out.writeUInt8(STEP_WRITE, at);
        at = out.writeDoubleBE(step['offset'] as number, at);
        at = writeBytes(out, at, plan.bytes[next++]);
        break;
      case 'zero':
        at = out.writeUInt8(STEP_ZERO, at);
        at = out.writeDoubleBE(step['offset'] as number, at);
        at = out.writeDoubleBE(step['length'] as number, at);
        break;
      default:
        at = out.writeUInt8(STEP_TRUNCATE, at);
        at = out.writeDoubleBE(step['size'] as number, at);
    }
  }
  if (body.meta === undefined) {
    at = out.writeUInt8(0, at);
  } else {
    at = out.writeUInt8(1, at);
    at = out.writeDoubleBE(body.meta.size, at);
    at = out.writeUInt32BE(body.meta.mtime.sec, at);
    at = out.writeUInt32BE(body.meta.mtime.nsec, at);
    at = out.writeDoubleBE(body.meta.userVersion, at);
  }
  at = out.writeDoubleBE(logEntry.version, at);
  at = out.writeUInt32BE(logEntry.epoch, at);
  at = out.writeDoubleBE(logEntry.reqid[0], at);
  at = out.writeDoubleBE(logEntry.reqid[1], at);
  at = writeString(out, at, logEntry.oid, lengths[3] ?? 0);
  at = writeString(out, at, logEntry.namespace, lengths[4] ?? 0);
  at = writeString(out, at, logEntry.locator, lengths[5] ?? 0);
  at = out.writeUInt8(LOG_OPS.indexOf(logEntry.op as (typeof LOG_OPS)[number]) + 1, at);
  at = out.writeDoubleBE(logEntry.userVersion, at);
  at = out.writeInt32BE(logEntry.ret, at);
  invariant(at === out.length && next === plan.bytes.length, () => `op-wire repop wrote ${at} of ${out.length} bytes`);
  return out;
}

function encodeRepopOk(body: unknown): Buffer | undefined {
  if (!isPlainObject(body) || !hasExactly(body, 1) || body['ok'] !== true) return undefined;
  return Buffer.from([SHAPE_REPOP_OK]);
}

function writeString(out: Buffer, at: number, value: string, byteLength: number): number {
  at = out.writeUInt32BE(byteLength, at);
  const written = byteLength === 0 ? 0 : out.write(value, at, byteLength, 'utf8');
  invariant(written === byteLength, 'string byte length');
  return at + byteLength;
}

function writeBytes(out: Buffer, at: number, value: number | Buffer | undefined): number {
  invariant(value !== undefined, 'a planned payload for every op');
  if (typeof value === 'number') {
    at = out.writeUInt8(BYTES_SEGMENT, at);
    return out.writeUInt16BE(value, at);
  }
  at = out.writeUInt8(BYTES_INLINE, at);
  at = out.writeUInt32BE(value.length, at);
  return at + value.copy(out, at);
}

// ---------------------------------------------------------------------------------------------
// Decoding: every read is bounds-checked; a short or inconsistent body is an OpWireError.

class Reader {
  at = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly segments: readonly Buffer[],
  ) {}

  private need(n: number): number {
    const at = this.at;
    if (at + n > this.buf.length) throw new OpWireError(`compact body ends at ${this.buf.length}, needed ${at + n}`);
    this.at = at + n;
    return at;
  }
  u8(): number {
    return this.buf.readUInt8(this.need(1));
  }
  u16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  u32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  i32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  f64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  str(): string {
    const n = this.u32();
    const at = this.need(n);
    return n === 0 ? '' : this.buf.toString('utf8', at, at + n);
  }
  bytes(): Buffer {
    const form = this.u8();
    if (form === BYTES_SEGMENT) {
      const index = this.u16();
      const segment = this.segments[index];
      if (segment === undefined) throw new OpWireError(`segment ${index} of ${this.segments.length}`);
      return segment;
    }
    if (form !== BYTES_INLINE) throw new OpWireError(`bytes form ${form}`);
    const n = this.u32();
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }
  end(): void {
    if (this.at !== this.buf.length) throw new OpWireError(`${this.buf.length - this.at} bytes after the compact body`);
  }
}

/** The [type, body] a compact metadata block stands for; payloads are the frame's segments. */
export function decodeOpWire(meta: Buffer, segments: readonly Buffer[]): { type: string; body: unknown } {
  const r = new Reader(meta, segments);
  const shape = r.u8();
  if (shape === SHAPE_REQUEST) return { type: OP_WIRE_TYPE, body: readRequest(r) };
  if (shape === SHAPE_REPLY) return { type: OP_WIRE_TYPE, body: readReply(r) };
  if (shape === SHAPE_REPOP) return { type: REPOP_WIRE_TYPE, body: readRepop(r) };
  if (shape === SHAPE_REPOP_OK) {
    r.end();
    return { type: REPOP_WIRE_TYPE, body: { ok: true } };
  }
  throw new OpWireError(`compact shape ${shape}`);
}

function readRequest(r: Reader): unknown {
  const pool = r.u32();
  const epoch = r.u32();
  const flags = r.u32();
  const reqid: [number, number] = [r.f64(), r.f64()];
  const mtime = { sec: r.u32(), nsec: r.u32() };
  const namespace = r.str();
  const oid = r.str();
  const locator = r.str();
  const count = r.u16();
  const ops: unknown[] = [];
  // Bounded by the u16 count; each op consumes at least one byte or throws.
  for (let i = 0; i < count; i++) {
    const code = r.u8();
    if (code === OP_READ) ops.push({ op: 'read', offset: r.f64(), length: r.f64() });
    else if (code === OP_WRITE) ops.push({ op: 'write', offset: r.f64(), length: r.f64(), data: r.bytes() });
    else if (code === OP_WRITEFULL) ops.push({ op: 'writefull', data: r.bytes() });
    else throw new OpWireError(`op code ${code}`);
  }
  r.end();
  return { pool, namespace, oid, locator, ops, flags, mtime, epoch, reqid };
}

function readReply(r: Reader): unknown {
  const ret = r.i32();
  const version = r.f64();
  const hasRetry = r.u8();
  if (hasRetry > 1) throw new OpWireError(`retry flag ${hasRetry}`);
  const retryEpoch = hasRetry === 1 ? r.u32() : undefined;
  const count = r.u16();
  const results: unknown[] = [];
  // Bounded by the u16 count; each result consumes at least five bytes or throws.
  for (let i = 0; i < count; i++) {
    const resultRet = r.i32();
    const hasOut = r.u8();
    if (hasOut === 0) results.push({ ret: resultRet });
    else if (hasOut === 1) results.push({ ret: resultRet, out: { kind: 'data', data: r.bytes() } });
    else throw new OpWireError(`output flag ${hasOut}`);
  }
  r.end();
  return retryEpoch === undefined ? { ret, version, results } : { ret, version, results, retryEpoch };
}

function readRepop(r: Reader): unknown {
  const pool = r.u32();
  const ps = r.u32();
  const epoch = r.u32();
  const key = { hash: r.u32(), namespace: r.str(), oid: r.str(), locator: r.str() };
  const count = r.u16();
  const steps: unknown[] = [];
  // Bounded by the u16 count; each step consumes at least one byte or throws.
  for (let i = 0; i < count; i++) {
    const code = r.u8();
    if (code === STEP_CREATE) steps.push({ t: 'create' });
    else if (code === STEP_REMOVE) steps.push({ t: 'remove' });
    else if (code === STEP_WRITE) steps.push({ t: 'write', offset: r.f64(), data: r.bytes() });
    else if (code === STEP_ZERO) steps.push({ t: 'zero', offset: r.f64(), length: r.f64() });
    else if (code === STEP_TRUNCATE) steps.push({ t: 'truncate', size: r.f64() });
    else throw new OpWireError(`step code ${code}`);
  }
  const hasMeta = r.u8();
  if (hasMeta > 1) throw new OpWireError(`meta flag ${hasMeta}`);
  const meta = hasMeta === 1 ? { size: r.f64(), mtime: { sec: r.u32(), nsec: r.u32() }, userVersion: r.f64() } : undefined;
  const version = r.f64();
  const entryEpoch = r.u32();
  const reqid: [number, number] = [r.f64(), r.f64()];
  const oid = r.str();
  const namespace = r.str();
  const locator = r.str();
  const op = LOG_OPS[r.u8() - 1];
  if (op === undefined) throw new OpWireError('log entry op');
  const logEntry = { version, epoch: entryEpoch, reqid, oid, namespace, locator, op, userVersion: r.f64(), ret: r.i32() };
  r.end();
  return { pool, ps, epoch, key, steps, meta, logEntry };
}
