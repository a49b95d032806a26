// An in-memory object with ClsObjectHost semantics (spec/object-classes.md §3.3), for tests and
// tools. Like the OSD, a call works on a scratch copy that is committed only when the method
// succeeds, so "nothing applied" is observable.

import { ERRNO } from '../../core/errors.js';
import type { ClsObjectHost, ClsStat } from './host.js';

export interface MemoryObjectState {
  exists: boolean;
  data: Buffer;
  xattrs: Map<string, Buffer>;
  omap: Map<string, Buffer>;
  header: Buffer;
  mtime_sec: number;
}

const DEFAULT_MAX_OBJECT_SIZE_BYTES = 128 * 1024 * 1024;

function emptyState(): MemoryObjectState {
  return { exists: false, data: Buffer.alloc(0), xattrs: new Map(), omap: new Map(), header: Buffer.alloc(0), mtime_sec: 0 };
}

function cloneState(s: MemoryObjectState): MemoryObjectState {
  return { ...s, data: Buffer.from(s.data), xattrs: new Map(s.xattrs), omap: new Map(s.omap), header: Buffer.from(s.header) };
}

/** Omap keys compare as UTF-8 bytes, as in the store. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export class MemoryObject {
  state: MemoryObjectState = emptyState();
  version = 1;
  subopNum = 0;
  mtime_sec = 1_700_000_000;
  maxObjectSizeBytes = DEFAULT_MAX_OBJECT_SIZE_BYTES;

  /** A host for one call; its changes land here only on commit(). */
  scratch(): MemoryObjectHost {
    return new MemoryObjectHost(this, cloneState(this.state));
  }
}

export class MemoryObjectHost implements ClsObjectHost {
  /** Number of calls received, to prove that nothing reached the host after a call ended. */
  calls = 0;

  constructor(
    private readonly object: MemoryObject,
    private readonly s: MemoryObjectState,
  ) {}

  commit(): void {
    this.object.state = cloneState(this.s);
  }

  private touch(): void {
    this.s.exists = true;
    this.s.mtime_sec = this.object.mtime_sec;
  }

  create(exclusive: boolean): number {
    this.calls++;
    if (this.s.exists && exclusive) return -ERRNO.EEXIST;
    this.touch();
    return 0;
  }

  remove(): number {
    this.calls++;
    if (!this.s.exists) return -ERRNO.ENOENT;
    Object.assign(this.s, emptyState());
    return 0;
  }

  stat(): ClsStat | number {
    this.calls++;
    if (!this.s.exists) return -ERRNO.ENOENT;
    return { size: this.s.data.length, mtime_sec: this.s.mtime_sec };
  }

  read(offset: number, length: number): Buffer | number {
    this.calls++;
    if (offset < 0 || length < 0) return -ERRNO.EINVAL;
    if (!this.s.exists || offset >= this.s.data.length) return Buffer.alloc(0);
    const end = length === 0 ? this.s.data.length : Math.min(this.s.data.length, offset + length);
    return Buffer.from(this.s.data.subarray(offset, end));
  }

  write(offset: number, data: Buffer): number {
    this.calls++;
    if (offset < 0) return -ERRNO.EINVAL;
    if (offset + data.length > this.object.maxObjectSizeBytes) return -ERRNO.EFBIG;
    this.touch();
    const end = Math.max(this.s.data.length, offset + data.length);
    const next = Buffer.alloc(end);
    this.s.data.copy(next);
    data.copy(next, offset);
    this.s.data = next;
    return 0;
  }

  writeFull(data: Buffer): number {
    this.calls++;
    if (data.length > this.object.maxObjectSizeBytes) return -ERRNO.EFBIG;
    this.touch();
    this.s.data = Buffer.from(data);
    return 0;
  }

  getXattr(name: string): Buffer | number {
    this.calls++;
    if (!this.s.exists) return -ERRNO.ENOENT;
    return this.s.xattrs.get(name) ?? -ERRNO.ENODATA;
  }

  getXattrs(): Array<[string, Buffer]> | number {
    this.calls++;
    if (!this.s.exists) return -ERRNO.ENOENT;
    return [...this.s.xattrs];
  }

  setXattr(name: string, value: Buffer): number {
    this.calls++;
    this.touch();
    this.s.xattrs.set(name, Buffer.from(value));
    return 0;
  }

  omapGetVal(key: string): Buffer | number {
    this.calls++;
    if (!this.s.exists) return -ERRNO.ENOENT;
    return this.s.omap.get(key) ?? -ERRNO.ENOENT;
  }

  omapSetVals(entries: ReadonlyArray<readonly [string, Buffer]>): number {
    this.calls++;
    this.touch();
    for (const [k, v] of entries) this.s.omap.set(k, Buffer.from(v));
    return 0;
  }

  private sortedOmap(startAfter: string, prefix: string, max: number): Array<[string, Buffer]> {
    return [...this.s.omap]
      .filter(([k]) => byteOrder(k, startAfter) > 0 && k.startsWith(prefix))
      .sort(([a], [b]) => byteOrder(a, b))
      .slice(0, max);
  }

  omapGetKeys(startAfter: string, max: number): string[] | number {
    this.calls++;
    return this.sortedOmap(startAfter, '', max).map(([k]) => k);
  }

  omapGetVals(startAfter: string, prefix: string, max: number): Array<[string, Buffer]> | number {
    this.calls++;
    return this.sortedOmap(startAfter, prefix, max);
  }

  omapGetHeader(): Buffer | number {
    this.calls++;
    return Buffer.from(this.s.header);
  }

  omapSetHeader(value: Buffer): number {
    this.calls++;
    this.touch();
    this.s.header = Buffer.from(value);
    return 0;
  }

  omapRemoveKey(key: string): number {
    this.calls++;
    if (!this.s.exists) return -ERRNO.ENOENT;
    this.s.omap.delete(key);
    return 0;
  }

  omapClear(): number {
    this.calls++;
    if (!this.s.exists) return -ERRNO.ENOENT;
    this.s.omap.clear();
    this.s.header = Buffer.alloc(0);
    return 0;
  }

  currentVersion(): number {
    this.calls++;
    return this.object.version;
  }

  currentSubopNum(): number {
    this.calls++;
    return this.object.subopNum;
  }
}
