// An in-memory object: builds an ObjectView from plain state and replays TxnStep lists on it.
// Tests use it as the store; it is also the reference for what a real store must do with the
// steps the engine emits (the comments on each step below are that contract).

import { invariant } from '../../core/assert.js';
import {
  addInterval,
  clipIntervals,
  compareKeys,
  extentsToIntervals,
  intervalsToExtents,
  sortKeys,
  subtractInterval,
  type Interval,
} from './bytes.js';
import type { ObjectMeta, ObjectView, Timespec, TxnStep } from './types.js';

export interface MemoryObjectState {
  readonly exists: boolean;
  /** The object's bytes; its length is the object size. */
  readonly data: Buffer;
  /**
   * Allocated byte ranges as [offset, length]. Every non-zero byte lies inside one; holes read
   * as zeros. How finely a store tracks allocation is its own business, but it must never
   * report a hole where a written byte is.
   */
  readonly extents: ReadonlyArray<readonly [number, number]>;
  readonly xattrs: ReadonlyMap<string, Buffer>;
  readonly omap: ReadonlyMap<string, Buffer>;
  readonly header: Buffer;
  readonly mtime: Timespec;
  readonly userVersion: number;
}

export const ABSENT: MemoryObjectState = {
  exists: false,
  data: Buffer.alloc(0),
  extents: [],
  xattrs: new Map(),
  omap: new Map(),
  header: Buffer.alloc(0),
  mtime: { sec: 0, nsec: 0 },
  userVersion: 0,
};

/** An existing object; data is fully allocated unless `extents` says otherwise. */
export function memoryObject(init: {
  data?: Buffer | string;
  extents?: ReadonlyArray<readonly [number, number]>;
  xattrs?: Iterable<readonly [string, Buffer | string]>;
  omap?: Iterable<readonly [string, Buffer | string]>;
  header?: Buffer | string;
  mtime?: Timespec;
  userVersion?: number;
} = {}): MemoryObjectState {
  const buf = (v: Buffer | string): Buffer => (typeof v === 'string' ? Buffer.from(v) : v);
  const data = buf(init.data ?? Buffer.alloc(0));
  return {
    exists: true,
    data,
    extents: init.extents ?? (data.length > 0 ? [[0, data.length]] : []),
    xattrs: new Map([...(init.xattrs ?? [])].map(([k, v]) => [k, buf(v)])),
    omap: new Map([...(init.omap ?? [])].map(([k, v]) => [k, buf(v)])),
    header: buf(init.header ?? Buffer.alloc(0)),
    mtime: init.mtime ?? { sec: 1, nsec: 0 },
    userVersion: init.userVersion ?? 1,
  };
}

export function memoryView(state: MemoryObjectState): ObjectView {
  const meta: ObjectMeta | undefined = state.exists
    ? { size: state.data.length, mtime: state.mtime, userVersion: state.userVersion }
    : undefined;
  const sortedOmap = (): string[] => sortKeys(state.omap.keys());
  return {
    meta,
    readData(offset, length) {
      if (!state.exists || offset >= state.data.length) return Buffer.alloc(0);
      const end = Math.min(offset + length, state.data.length);
      return Buffer.from(state.data.subarray(offset, end));
    },
    dataExtents(offset, length) {
      if (!state.exists) return [];
      const end = Math.min(offset + length, state.data.length);
      return intervalsToExtents(clipIntervals(extentsToIntervals(state.extents), offset, end));
    },
    getXattr: (name) => (state.exists ? state.xattrs.get(name) : undefined),
    xattrs: () => (state.exists ? sortKeys(state.xattrs.keys()).map((k) => [k, state.xattrs.get(k) ?? Buffer.alloc(0)]) : []),
    omapHeader: () => state.header,
    omapGet: (key) => (state.exists ? state.omap.get(key) : undefined),
    omapRange(startAfter, limit) {
      if (!state.exists) return [];
      const out: Array<[string, Buffer]> = [];
      for (const k of sortedOmap()) {
        if (out.length >= limit) break;
        if (compareKeys(k, startAfter) > 0) out.push([k, state.omap.get(k) ?? Buffer.alloc(0)]);
      }
      return out;
    },
  };
}

interface Mutable {
  exists: boolean;
  data: Buffer;
  extents: Interval[];
  xattrs: Map<string, Buffer>;
  omap: Map<string, Buffer>;
  header: Buffer;
}

function applyStep(o: Mutable, step: TxnStep): void {
  if (step.t !== 'create') invariant(o.exists, `step ${step.t} needs an existing object`);
  switch (step.t) {
    case 'create':
      // Creates an empty object; on an existing one it only marks the object modified.
      if (!o.exists) Object.assign(o, { exists: true, data: Buffer.alloc(0), extents: [], xattrs: new Map(), omap: new Map(), header: Buffer.alloc(0) });
      return;
    case 'remove':
      // Everything goes: data, xattrs, omap and header.
      Object.assign(o, { exists: false, data: Buffer.alloc(0), extents: [], xattrs: new Map(), omap: new Map(), header: Buffer.alloc(0) });
      return;
    case 'write': {
      // Gap between the old end and offset reads as zeros; size = max(size, offset + length).
      const end = step.offset + step.data.length;
      const next = Buffer.alloc(Math.max(o.data.length, end));
      o.data.copy(next, 0);
      step.data.copy(next, step.offset);
      o.data = next;
      o.extents = addInterval(o.extents, step.offset, end);
      return;
    }
    case 'zero':
      // Always inside the object; size unchanged; the range may become a hole.
      invariant(step.length > 0 && step.offset + step.length <= o.data.length, 'zero stays inside the object');
      o.data = Buffer.from(o.data);
      o.data.fill(0, step.offset, step.offset + step.length);
      o.extents = subtractInterval(o.extents, step.offset, step.offset + step.length);
      return;
    case 'truncate': {
      // Shrinking discards; growing adds a hole of zeros.
      const next = Buffer.alloc(step.size);
      o.data.copy(next, 0, 0, Math.min(o.data.length, step.size));
      o.data = next;
      o.extents = subtractInterval(o.extents, step.size, Number.POSITIVE_INFINITY);
      return;
    }
    case 'setxattr':
      o.xattrs.set(step.name, step.value);
      return;
    case 'rmxattr':
      // Removing an absent attribute is fine.
      o.xattrs.delete(step.name);
      return;
    case 'omap_set':
      // In order: a key repeated in one step keeps its last value.
      for (const [k, v] of step.entries) o.omap.set(k, v);
      return;
    case 'omap_rm':
      for (const k of step.keys) o.omap.delete(k);
      return;
    case 'omap_rm_range':
      // Bytewise [begin, end); begin >= end removes nothing.
      for (const k of [...o.omap.keys()]) {
        if (compareKeys(k, step.begin) >= 0 && compareKeys(k, step.end) < 0) o.omap.delete(k);
      }
      return;
    case 'omap_clear':
      o.omap.clear();
      o.header = Buffer.alloc(0);
      return;
    case 'omap_set_header':
      o.header = step.value;
      return;
  }
}

/**
 * The state after applying `steps` in order, then the op's metadata (mtime, user_version).
 * An empty step list changes nothing. `meta` must agree with the steps: undefined exactly when
 * the object is absent afterwards, and its size equal to the resulting data length.
 */
export function applySteps(state: MemoryObjectState, steps: readonly TxnStep[], meta: ObjectMeta | undefined): MemoryObjectState {
  if (steps.length === 0) return state;
  const o: Mutable = {
    exists: state.exists,
    data: state.data,
    extents: extentsToIntervals(state.extents),
    xattrs: new Map(state.xattrs),
    omap: new Map(state.omap),
    header: state.header,
  };
  for (const step of steps) applyStep(o, step);
  if (!o.exists) {
    invariant(meta === undefined, 'meta of a removed object is undefined');
    return ABSENT;
  }
  invariant(meta !== undefined, 'meta of an existing object is defined');
  invariant(meta.size === o.data.length, `meta size ${meta.size} equals data length ${o.data.length}`);
  return {
    exists: true,
    data: o.data,
    extents: intervalsToExtents(o.extents),
    xattrs: o.xattrs,
    omap: o.omap,
    header: o.header,
    mtime: meta.mtime,
    userVersion: meta.userVersion,
  };
}
