// The scratch overlay one compound op runs against: the stored object (an ObjectView, read
// lazily so a 128 MiB object or a 1,000,000-key omap is never loaded whole) plus this op's
// changes so far. Every mutator records the primitive TxnStep the store will replay, so the
// overlay's state and the step list never disagree. Mutators here never fail: the engine
// validates a sub-op completely before calling them, which is what keeps a failed sub-op
// from leaving half its effect behind.

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
import type { ObjectView, Timespec, TxnStep } from './types.js';

type DataPatch =
  | { readonly kind: 'write'; readonly offset: number; readonly data: Buffer }
  | { readonly kind: 'zero'; readonly offset: number; readonly length: number }
  | { readonly kind: 'truncate'; readonly size: number };

/** Keys fetched from the stored omap per range call while merging listings. */
const OMAP_BATCH_KEYS = 256;
/** A compound op's own changes are bounded by its message size; this catches runaway loops. */
const PATCHES_MAX = 1_000_000;

const ZERO_TIME: Timespec = { sec: 0, nsec: 0 };

export class Scratch {
  readonly steps: TxnStep[] = [];
  exists: boolean;
  size: number;
  mtime: Timespec;

  /** False once this op removed the object: the stored data, xattrs and omap are gone. */
  private baseVisible: boolean;
  /** False once omap_clear or remove ran: the stored omap keys are hidden. */
  private baseOmapVisible: boolean;
  private readonly patches: DataPatch[] = [];
  /** null marks a removed name. */
  private readonly xattrOverlay = new Map<string, Buffer | null>();
  private readonly omapOverlay = new Map<string, Buffer | null>();
  /** Stored keys in these [begin, end) ranges are hidden (omap_rm_range). */
  private readonly omapHiddenRanges: Array<readonly [string, string]> = [];
  private header: Buffer | undefined;

  constructor(private readonly base: ObjectView) {
    const meta = base.meta;
    this.exists = meta !== undefined;
    this.size = meta?.size ?? 0;
    this.mtime = meta?.mtime ?? ZERO_TIME;
    this.baseVisible = meta !== undefined;
    this.baseOmapVisible = meta !== undefined;
  }

  // ---- data ------------------------------------------------------------------------------

  /** readData's bytes as the store's own buffers when nothing is staged over them, else one Buffer. */
  readDataParts(offset: number, length: number): Buffer[] {
    const end = Math.min(offset + length, this.size);
    if (offset >= end) return [];
    if (this.isPlainRead(end) && this.base.readDataParts !== undefined) return this.base.readDataParts(offset, end - offset);
    return [this.readData(offset, length)];
  }

  /** True when bytes up to `end` come straight from the stored object: nothing staged, all stored. */
  private isPlainRead(end: number): boolean {
    return this.patches.length === 0 && this.baseVisible && end <= (this.base.meta?.size ?? 0);
  }

  /** Bytes [offset, offset+length) clipped to the size; holes and the area past a truncate are zero. */
  readData(offset: number, length: number): Buffer {
    const end = Math.min(offset + length, this.size);
    if (offset >= end) return Buffer.alloc(0);
    const baseSize = this.base.meta?.size ?? 0;
    const baseEnd = this.baseVisible ? Math.max(offset, Math.min(end, baseSize)) : offset;
    // A plain read: the store's buffer is already the answer. Copying it into a zeroed one cost
    // two more passes over every byte of a 4 MiB read.
    if (this.isPlainRead(end)) return this.base.readData(offset, end - offset);
    const out = Buffer.allocUnsafe(end - offset);
    if (baseEnd > offset) {
      const fromBase = this.base.readData(offset, baseEnd - offset);
      invariant(fromBase.length === baseEnd - offset, 'the store returns every byte below its size');
      fromBase.copy(out, 0);
    }
    out.fill(0, baseEnd - offset); // past the stored bytes (or all of them once removed): zeros
    for (const p of this.patches) {
      switch (p.kind) {
        case 'write': {
          const s = Math.max(p.offset, offset);
          const e = Math.min(p.offset + p.data.length, end);
          if (e > s) p.data.copy(out, s - offset, s - p.offset, e - p.offset);
          break;
        }
        case 'zero': {
          const s = Math.max(p.offset, offset);
          const e = Math.min(p.offset + p.length, end);
          if (e > s) out.fill(0, s - offset, e - offset);
          break;
        }
        case 'truncate':
          if (p.size < end) out.fill(0, Math.max(p.size, offset) - offset, end - offset);
          break;
      }
    }
    return out;
  }

  /** Allocated extents within [offset, offset+length) ∩ [0, size), ascending [offset, length] pairs. */
  dataExtents(offset: number, length: number): Array<[number, number]> {
    const end = Math.min(offset + length, this.size);
    if (offset >= end) return [];
    let set: Interval[] = [];
    const baseSize = this.base.meta?.size ?? 0;
    if (this.baseVisible && offset < baseSize) {
      set = extentsToIntervals(this.base.dataExtents(offset, Math.min(end, baseSize) - offset));
    }
    for (const p of this.patches) {
      if (p.kind === 'write') set = addInterval(set, p.offset, p.offset + p.data.length);
      else if (p.kind === 'zero') set = subtractInterval(set, p.offset, p.offset + p.length);
      else set = subtractInterval(set, p.size, Number.POSITIVE_INFINITY);
    }
    return intervalsToExtents(clipIntervals(set, offset, end));
  }

  /** Creates the object if missing (returns true then); an existing object is left as is. */
  ensureExists(): boolean {
    if (this.exists) return false;
    this.exists = true;
    this.size = 0;
    this.mtime = ZERO_TIME;
    this.steps.push({ t: 'create' });
    return true;
  }

  /**
   * Marks the object modified without changing it (Ceph's transaction "nop"): a create step on
   * an existing object is a no-op for the store but makes the op a write (new version, mtime).
   */
  touch(): void {
    invariant(this.exists, 'touch needs an existing object');
    if (this.steps.length === 0) this.steps.push({ t: 'create' });
  }

  write(offset: number, data: Buffer): void {
    invariant(this.exists, 'write needs an existing object');
    invariant(data.length > 0, 'empty writes are truncates or touches');
    this.pushPatch({ kind: 'write', offset, data });
    this.size = Math.max(this.size, offset + data.length);
    this.steps.push({ t: 'write', offset, data });
  }

  truncate(size: number): void {
    invariant(this.exists, 'truncate needs an existing object');
    this.pushPatch({ kind: 'truncate', size });
    this.size = size;
    this.steps.push({ t: 'truncate', size });
  }

  zero(offset: number, length: number): void {
    invariant(this.exists, 'zero needs an existing object');
    invariant(length > 0 && offset + length <= this.size, 'zero stays inside the object');
    this.pushPatch({ kind: 'zero', offset, length });
    this.steps.push({ t: 'zero', offset, length });
  }

  remove(): void {
    invariant(this.exists, 'remove needs an existing object');
    this.exists = false;
    this.size = 0;
    this.mtime = ZERO_TIME;
    this.baseVisible = false;
    this.baseOmapVisible = false;
    this.patches.length = 0;
    this.xattrOverlay.clear();
    this.omapOverlay.clear();
    this.omapHiddenRanges.length = 0;
    this.header = undefined;
    this.steps.push({ t: 'remove' });
  }

  private pushPatch(p: DataPatch): void {
    invariant(this.patches.length < PATCHES_MAX, 'data patches per op are bounded');
    this.patches.push(p);
  }

  // ---- xattrs ----------------------------------------------------------------------------

  getXattr(name: string): Buffer | undefined {
    const own = this.xattrOverlay.get(name);
    if (own !== undefined) return own ?? undefined;
    return this.baseVisible ? this.base.getXattr(name) : undefined;
  }

  /** All xattrs sorted bytewise by name. */
  xattrs(): Array<[string, Buffer]> {
    const merged = new Map<string, Buffer>();
    if (this.baseVisible) for (const [k, v] of this.base.xattrs()) merged.set(k, v);
    for (const [k, v] of this.xattrOverlay) {
      if (v === null) merged.delete(k);
      else merged.set(k, v);
    }
    return sortKeys(merged.keys()).map((k) => [k, merged.get(k) ?? Buffer.alloc(0)]);
  }

  setXattr(name: string, value: Buffer): void {
    invariant(this.exists, 'setxattr needs an existing object');
    this.xattrOverlay.set(name, value);
    this.steps.push({ t: 'setxattr', name, value });
  }

  rmXattr(name: string): void {
    invariant(this.exists, 'rmxattr needs an existing object');
    this.xattrOverlay.set(name, null);
    this.steps.push({ t: 'rmxattr', name });
  }

  // ---- omap ------------------------------------------------------------------------------

  omapHeader(): Buffer {
    if (this.header !== undefined) return this.header;
    return this.baseOmapVisible ? this.base.omapHeader() : Buffer.alloc(0);
  }

  omapGet(key: string): Buffer | undefined {
    const own = this.omapOverlay.get(key);
    if (own !== undefined) return own ?? undefined;
    if (!this.baseOmapVisible || this.hiddenByRange(key)) return undefined;
    return this.base.omapGet(key);
  }

  /**
   * Merged omap entries in bytewise key order: keys > `after`, or >= `after` when
   * `inclusive`. Lazy, so a listing reads only as many stored keys as it consumes.
   */
  *omapEntries(after: string, inclusive: boolean): Generator<[string, Buffer]> {
    const own = sortKeys(
      [...this.omapOverlay.keys()].filter((k) => {
        const c = compareKeys(k, after);
        return c > 0 || (inclusive && c === 0);
      }),
    );
    let ownIdx = 0;
    const stored = this.storedEntries(after, inclusive);
    let next = stored.next();
    // Each turn consumes one overlay key or one stored key, so the loop ends when both run out.
    for (;;) {
      const ownKey = own[ownIdx];
      const storedKey = next.done === true ? undefined : next.value[0];
      if (ownKey === undefined && storedKey === undefined) return;
      const takeOwn =
        ownKey !== undefined && (storedKey === undefined || compareKeys(ownKey, storedKey) <= 0);
      if (takeOwn) {
        ownIdx++;
        if (storedKey !== undefined && storedKey === ownKey) next = stored.next();
        const v = this.omapOverlay.get(ownKey);
        if (v !== undefined && v !== null) yield [ownKey, v];
      } else {
        const entry = next.value as [string, Buffer];
        next = stored.next();
        // A stored key shadowed by the overlay is emitted (or suppressed) from the overlay side.
        if (!this.omapOverlay.has(entry[0])) yield entry;
      }
    }
  }

  private *storedEntries(after: string, inclusive: boolean): Generator<[string, Buffer]> {
    if (!this.baseOmapVisible) return;
    if (inclusive) {
      const v = this.base.omapGet(after);
      if (v !== undefined && !this.hiddenByRange(after)) yield [after, v];
    }
    let cursor = after;
    // Bounded by the stored key count: every batch advances the cursor past its last key.
    for (;;) {
      const batch = this.base.omapRange(cursor, OMAP_BATCH_KEYS);
      for (const [k, v] of batch) if (!this.hiddenByRange(k)) yield [k, v];
      const last = batch[batch.length - 1];
      if (batch.length < OMAP_BATCH_KEYS || last === undefined) return;
      invariant(compareKeys(last[0], cursor) > 0, 'omapRange advances');
      cursor = last[0];
    }
  }

  private hiddenByRange(key: string): boolean {
    for (const [b, e] of this.omapHiddenRanges) {
      if (compareKeys(key, b) >= 0 && compareKeys(key, e) < 0) return true;
    }
    return false;
  }

  /** True when the object has any omap key or a non-empty header (Ceph's FLAG_OMAP, approximately). */
  hasOmap(): boolean {
    if (this.omapHeader().length > 0) return true;
    return !this.omapEntries('', true).next().done;
  }

  omapSet(entries: ReadonlyArray<readonly [string, Buffer]>): void {
    invariant(this.exists, 'omap_set needs an existing object');
    for (const [k, v] of entries) this.omapOverlay.set(k, v);
    this.steps.push({ t: 'omap_set', entries });
  }

  omapRm(keys: readonly string[]): void {
    invariant(this.exists, 'omap_rm needs an existing object');
    for (const k of keys) this.omapOverlay.set(k, null);
    this.steps.push({ t: 'omap_rm', keys });
  }

  omapRmRange(begin: string, end: string): void {
    invariant(this.exists, 'omap_rm_range needs an existing object');
    for (const k of [...this.omapOverlay.keys()]) {
      if (compareKeys(k, begin) >= 0 && compareKeys(k, end) < 0) this.omapOverlay.set(k, null);
    }
    if (compareKeys(begin, end) < 0) this.omapHiddenRanges.push([begin, end]);
    this.steps.push({ t: 'omap_rm_range', begin, end });
  }

  omapClear(): void {
    invariant(this.exists, 'omap_clear needs an existing object');
    this.baseOmapVisible = false;
    this.omapOverlay.clear();
    this.omapHiddenRanges.length = 0;
    this.header = Buffer.alloc(0);
    this.steps.push({ t: 'omap_clear' });
  }

  omapSetHeader(value: Buffer): void {
    invariant(this.exists, 'omap_set_header needs an existing object');
    this.header = value;
    this.steps.push({ t: 'omap_set_header', value });
  }
}
