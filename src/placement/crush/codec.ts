// Sepia's binary form of a CrushMap (what `crushtool -c ... -o map.bin` writes and the monitor
// stores). It is Sepia's own versioned encoding, not Ceph's: a 4-byte magic, a version byte, then
// fields in a fixed order with u32 little-endian lengths. Decoding validates everything it reads.

import { invariant } from '../../core/assert.js';
import { RadosError } from '../../core/errors.js';
import {
  BucketAlg,
  type BucketAlgCode,
  type CrushBucket,
  type CrushDevice,
  type CrushMap,
  type CrushRule,
  type CrushRuleStep,
  type CrushTunables,
  type RuleOpCode,
  RuleOp,
} from './types.js';

const MAGIC = 0x4d524353; // "SCRM" little-endian
const VERSION = 1;
/** Bounds a decoder trusts before allocating: no map comes close. */
const MAX_COUNT = 1 << 20;
const MAX_STRING_BYTES = 4096;

const TUNABLE_ORDER: Array<keyof CrushTunables> = [
  'chooseLocalTries', 'chooseLocalFallbackTries', 'chooseTotalTries', 'chooseleafDescendOnce',
  'chooseleafVaryR', 'chooseleafStable', 'strawCalcVersion', 'allowedBucketAlgs',
];

class Writer {
  private chunks: Buffer[] = [];
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v | 0);
    this.chunks.push(b);
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.chunks.push(b);
  }
  u8(v: number): void {
    this.chunks.push(Buffer.from([v & 0xff]));
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    invariant(b.length <= MAX_STRING_BYTES, `name longer than ${MAX_STRING_BYTES} bytes`);
    this.u32(b.length);
    this.chunks.push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw RadosError.from('EINVAL', `crush map decode: truncated at byte ${this.pos}`);
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  count(what: string): number {
    const n = this.u32();
    if (n > MAX_COUNT) throw RadosError.from('EINVAL', `crush map decode: ${what} count ${n} too large`);
    return n;
  }
  str(): string {
    const n = this.u32();
    if (n > MAX_STRING_BYTES) throw RadosError.from('EINVAL', `crush map decode: string of ${n} bytes`);
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  end(): void {
    if (this.pos !== this.buf.length) throw RadosError.from('EINVAL', `crush map decode: ${this.buf.length - this.pos} trailing bytes`);
  }
}

export function encodeCrushMap(map: CrushMap): Buffer {
  const w = new Writer();
  w.u32(MAGIC);
  w.u8(VERSION);
  for (const k of TUNABLE_ORDER) w.i32(map.tunables[k]);
  w.u32(map.devices.length);
  for (const d of map.devices) {
    w.i32(d.id);
    w.str(d.name);
    w.str(d.deviceClass ?? '');
  }
  w.u32(map.types.length);
  for (const t of map.types) {
    w.i32(t.id);
    w.str(t.name);
  }
  w.u32(map.buckets.length);
  for (const b of map.buckets) {
    invariant(b.items.length === b.weights.length, `bucket ${b.name}: items and weights differ in length`);
    w.i32(b.id);
    w.str(b.name);
    w.i32(b.type);
    w.u8(b.alg);
    w.u8(b.hash);
    w.u32(b.items.length);
    for (let i = 0; i < b.items.length; i++) {
      w.i32(b.items[i]!);
      w.u32(b.weights[i]!);
    }
    const classIds = b.classIds ?? [];
    w.u32(classIds.length);
    for (const c of classIds) {
      w.str(c.deviceClass);
      w.i32(c.id);
    }
  }
  w.u32(map.rules.length);
  for (const r of map.rules) {
    w.i32(r.id);
    w.str(r.name);
    w.i32(r.type);
    w.i32(r.minSize);
    w.i32(r.maxSize);
    w.u32(r.steps.length);
    for (const s of r.steps) {
      w.u8(s.op);
      w.i32(s.arg1);
      w.i32(s.arg2);
    }
  }
  return w.done();
}

const ALG_CODES = new Set<number>(Object.values(BucketAlg));
const OP_CODES = new Set<number>(Object.values(RuleOp));

export function decodeCrushMap(buf: Buffer): CrushMap {
  const r = new Reader(buf);
  if (r.u32() !== MAGIC) throw RadosError.from('EINVAL', 'crush map decode: not a Sepia CRUSH map (bad magic)');
  const version = r.u8();
  if (version !== VERSION) throw RadosError.from('EINVAL', `crush map decode: unsupported version ${version}`);
  const tunables = {} as CrushTunables;
  for (const k of TUNABLE_ORDER) tunables[k] = r.i32();
  const devices: CrushDevice[] = [];
  for (let n = r.count('device'); n > 0; n--) {
    const id = r.i32();
    const name = r.str();
    const cls = r.str();
    devices.push(cls.length > 0 ? { id, name, deviceClass: cls } : { id, name });
  }
  const types: Array<{ id: number; name: string }> = [];
  for (let n = r.count('type'); n > 0; n--) types.push({ id: r.i32(), name: r.str() });
  const buckets: CrushBucket[] = [];
  for (let n = r.count('bucket'); n > 0; n--) {
    const id = r.i32();
    const name = r.str();
    const type = r.i32();
    const alg = r.u8();
    const hash = r.u8();
    if (id >= 0) throw RadosError.from('EINVAL', `crush map decode: bucket ${name} has id ${id}`);
    if (!ALG_CODES.has(alg)) throw RadosError.from('EINVAL', `crush map decode: bucket ${name} has alg ${alg}`);
    const items: number[] = [];
    const weights: number[] = [];
    for (let k = r.count('item'); k > 0; k--) {
      items.push(r.i32());
      weights.push(r.u32());
    }
    const bucket: CrushBucket = { id, name, type, alg: alg as BucketAlgCode, hash, items, weights };
    const classCount = r.count('class id');
    if (classCount > 0) {
      bucket.classIds = [];
      for (let k = classCount; k > 0; k--) bucket.classIds.push({ deviceClass: r.str(), id: r.i32() });
    }
    buckets.push(bucket);
  }
  const rules: CrushRule[] = [];
  for (let n = r.count('rule'); n > 0; n--) {
    const id = r.i32();
    const name = r.str();
    const type = r.i32();
    const minSize = r.i32();
    const maxSize = r.i32();
    const steps: CrushRuleStep[] = [];
    for (let k = r.count('step'); k > 0; k--) {
      const op = r.u8();
      if (!OP_CODES.has(op)) throw RadosError.from('EINVAL', `crush map decode: rule ${id} has op ${op}`);
      steps.push({ op: op as RuleOpCode, arg1: r.i32(), arg2: r.i32() });
    }
    rules.push({ id, name, type, minSize, maxSize, steps });
  }
  r.end();
  return { tunables, devices, types, buckets, rules };
}
