// A ceph_test_rados-like workload: a few objects hammered by writes, appends, full writes,
// removes, xattr and omap changes, and reads that check everything an object holds. At most one
// op per object is in flight, so every read is ordered after the writes acknowledged before it
// and must see the newest of them.

import { RadosError, ERRNO } from '../src/core/errors.js';
import type { IoCtx } from '../src/client/ioctx.js';
import { ReadOp, WriteOp } from '../src/client/ops.js';
import { describeState, describeWrite, type Model, type ObjState, type WriteKind } from './model.js';
import type { Rng } from './rng.js';

export interface WorkloadConfig {
  readonly objects: number;
  readonly concurrency: number;
  /** Largest payload of one data write (bytes). */
  readonly maxWriteBytes: number;
}

export const DEFAULT_WORKLOAD: WorkloadConfig = { objects: 6, concurrency: 4, maxWriteBytes: 48 };

const XATTR_NAMES = ['a', 'b', 'c'];
const OMAP_KEYS = ['k0', 'k1', 'k2', 'k3', 'k4'];
/** Omap keys per object stay well under one listing page. */
const OMAP_LIST_MAX = 1000;

type OpKind = WriteKind['op'] | 'read';
const WEIGHTS: ReadonlyArray<readonly [OpKind, number]> = [
  ['write', 18],
  ['writefull', 10],
  ['append', 10],
  ['remove', 6],
  ['setxattr', 10],
  ['rmxattr', 5],
  ['omapset', 10],
  ['omaprm', 5],
  ['read', 26],
];
const WEIGHT_TOTAL = WEIGHTS.reduce((n, [, w]) => n + w, 0);

/** Errors that prove the op was refused without effect; anything else leaves the outcome unknown. */
const DEFINITE_ERRNOS = new Set<number>([ERRNO.ENOENT]);

export class Workload {
  readonly violations: string[] = [];
  completed = 0;
  unknownOutcomes = 0;
  private readonly busy = new Set<string>();
  private readonly names: string[];

  constructor(
    private readonly io: IoCtx,
    private readonly rng: Rng,
    private readonly model: Model,
    private readonly note: (line: string) => void,
    private readonly config: WorkloadConfig = DEFAULT_WORKLOAD,
  ) {
    this.names = Array.from({ length: config.objects }, (_, i) => `obj${i}`);
  }

  /** Runs `count` ops, `concurrency` at a time; resolves when every one has completed. */
  async run(count: number): Promise<void> {
    let issued = 0;
    const worker = async (): Promise<void> => {
      // Each iteration issues one op; bounded by `count`.
      while (issued < count) {
        const free = this.names.filter((n) => !this.busy.has(n));
        if (free.length === 0) return;
        issued++;
        const name = this.rng.pick(free);
        this.busy.add(name);
        try {
          await this.one(name, this.pickKind());
        } finally {
          this.busy.delete(name);
        }
      }
    };
    await Promise.all(Array.from({ length: this.config.concurrency }, worker));
  }

  /** Reads every object once (the final check after the cluster healed). */
  async readAll(): Promise<void> {
    for (const name of this.names) await this.read(name);
  }

  private pickKind(): OpKind {
    let r = this.rng.int(WEIGHT_TOTAL);
    for (const [kind, w] of WEIGHTS) {
      if (r < w) return kind;
      r -= w;
    }
    return 'read';
  }

  private payload(): Buffer {
    return this.rng.bytes(this.rng.between(1, this.config.maxWriteBytes));
  }

  private makeWrite(kind: WriteKind['op']): WriteKind {
    switch (kind) {
      case 'write':
        return { op: 'write', offset: this.rng.int(64), data: this.payload() };
      case 'writefull':
        return { op: 'writefull', data: this.payload() };
      case 'append':
        return { op: 'append', data: this.payload() };
      case 'remove':
        return { op: 'remove' };
      case 'setxattr':
        return { op: 'setxattr', name: this.rng.pick(XATTR_NAMES), value: this.rng.bytes(this.rng.between(0, 16)) };
      case 'rmxattr':
        return { op: 'rmxattr', name: this.rng.pick(XATTR_NAMES) };
      case 'omapset': {
        const n = this.rng.between(1, 3);
        const entries = new Map<string, Buffer>();
        for (let i = 0; i < n; i++) entries.set(this.rng.pick(OMAP_KEYS), this.rng.bytes(this.rng.between(0, 12)));
        return { op: 'omapset', entries: [...entries] };
      }
      case 'omaprm':
        return { op: 'omaprm', keys: [...new Set([this.rng.pick(OMAP_KEYS), this.rng.pick(OMAP_KEYS)])] };
      default: {
        const never: never = kind;
        throw new Error(`op kind ${String(never)}`);
      }
    }
  }

  private async one(name: string, kind: OpKind): Promise<void> {
    if (kind === 'read') {
      await this.read(name);
      return;
    }
    const w = this.makeWrite(kind);
    const op = toWriteOp(w);
    let violation: string | undefined;
    try {
      const r = await this.io.operate(name, op);
      this.note(`op ${name} ${describeWrite(w)} ok v${r.version}`);
      violation = this.model.onWrite(name, w, { kind: 'ok', version: r.version });
    } catch (error) {
      if (!RadosError.is(error)) throw error;
      if (DEFINITE_ERRNOS.has(error.errno)) {
        this.note(`op ${name} ${describeWrite(w)} ${error.code}`);
        violation = this.model.onWrite(name, w, { kind: 'error', errno: error.errno });
      } else {
        this.unknownOutcomes++;
        this.note(`op ${name} ${describeWrite(w)} unknown outcome ${error.code}`);
        violation = this.model.onWrite(name, w, { kind: 'unknown', why: error.code });
      }
    }
    this.completed++;
    if (violation !== undefined) this.violations.push(violation);
  }

  private async read(name: string): Promise<void> {
    let seen: ObjState;
    let version: number | undefined;
    try {
      const r = await this.io.operate(name, new ReadOp().stat().read(0, 0).getXattrs().omapGetVals({ max: OMAP_LIST_MAX }));
      const [stat, data, xattrs, vals] = r.results.map((x) => x.out);
      const bytes = data?.kind === 'data' ? data.data : Buffer.alloc(0);
      if (stat?.kind === 'stat' && stat.size !== bytes.length) {
        this.violations.push(`read of ${name}: stat size ${stat.size} but ${bytes.length} data bytes`);
      }
      seen = {
        exists: true,
        data: Buffer.from(bytes),
        xattrs: new Map(xattrs?.kind === 'xattrs' ? xattrs.xattrs.map(([k, v]) => [k, Buffer.from(v)] as const) : []),
        omap: new Map(vals?.kind === 'vals' ? vals.entries.map(([k, v]) => [k, Buffer.from(v)] as const) : []),
      };
      version = r.version;
    } catch (error) {
      if (!RadosError.is(error)) throw error;
      if (error.errno !== ERRNO.ENOENT) {
        this.note(`op ${name} read failed ${error.code}`);
        this.completed++;
        return;
      }
      seen = { exists: false, data: Buffer.alloc(0), xattrs: new Map(), omap: new Map() };
    }
    this.note(`op ${name} read ${describeState(seen)}`);
    this.completed++;
    const violation = this.model.onRead(name, seen, version);
    if (violation !== undefined) this.violations.push(violation);
  }
}

export function toWriteOp(w: WriteKind): WriteOp {
  switch (w.op) {
    case 'write':
      return new WriteOp().write(w.data, w.offset);
    case 'writefull':
      return new WriteOp().writeFull(w.data);
    case 'append':
      return new WriteOp().append(w.data);
    case 'remove':
      return new WriteOp().remove();
    case 'setxattr':
      return new WriteOp().setXattr(w.name, w.value);
    case 'rmxattr':
      return new WriteOp().rmXattr(w.name);
    case 'omapset':
      return new WriteOp().omapSet(new Map(w.entries));
    case 'omaprm':
      return new WriteOp().omapRmKeys(w.keys);
    default: {
      const never: never = w;
      throw new Error(`write kind ${String(never)}`);
    }
  }
}
