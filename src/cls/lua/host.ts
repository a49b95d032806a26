// The boundary between a Lua call and the object it runs against. The OSD adapts its op-engine
// scratch object to ClsObjectHost; the Lua worker reaches it through HostCall/HostReply messages,
// which must survive structured cloning (plain data, Uint8Array for bytes).

import { ERRNO } from '../../core/errors.js';

export interface ClsStat {
  readonly size: number;
  /** Whole seconds: objclass.stat() reports time_t, as Ceph's cls_cxx_stat does. */
  readonly mtime_sec: number;
}

/**
 * The object one Lua call may touch (only its own). Every method is synchronous, applies to the
 * op's scratch view (so a failed op discards it all) and returns a value or a negative errno.
 * Lua calls are write-class, so there is no "missing object" pre-check: each method decides.
 */
export interface ClsObjectHost {
  /** -EEXIST when `exclusive` and the object exists. */
  create(exclusive: boolean): number;
  /** -ENOENT when missing. */
  remove(): number;
  /** -ENOENT when missing. */
  stat(): ClsStat | number;
  /** Bytes actually read; `length` 0 = to the end; a missing object reads as empty. */
  read(offset: number, length: number): Buffer | number;
  /** Creates the object; -EFBIG past the object size limit. */
  write(offset: number, data: Buffer): number;
  writeFull(data: Buffer): number;
  /** -ENOENT (object missing), -ENODATA (attribute missing). */
  getXattr(name: string): Buffer | number;
  getXattrs(): ReadonlyArray<readonly [string, Buffer]> | number;
  setXattr(name: string, value: Buffer): number;
  /** -ENOENT when the object or the key is missing. */
  omapGetVal(key: string): Buffer | number;
  omapSetVals(entries: ReadonlyArray<readonly [string, Buffer]>): number;
  /** Keys after `startAfter` in bytewise order, at most `max`; missing object → []. */
  omapGetKeys(startAfter: string, max: number): readonly string[] | number;
  omapGetVals(startAfter: string, prefix: string, max: number): ReadonlyArray<readonly [string, Buffer]> | number;
  /** Empty when there is no header or no object. */
  omapGetHeader(): Buffer | number;
  omapSetHeader(value: Buffer): number;
  /** -ENOENT when the object is missing; a missing key is fine. */
  omapRemoveKey(key: string): number;
  /** -ENOENT when the object is missing. */
  omapClear(): number;
  /** The PG's last user version (cls_current_version). */
  currentVersion(): number;
  /** 0-based index of the exec sub-op inside its compound op. */
  currentSubopNum(): number;
}

export type HostCall =
  | { readonly fn: 'create'; readonly exclusive: boolean }
  | { readonly fn: 'remove' }
  | { readonly fn: 'stat' }
  | { readonly fn: 'read'; readonly offset: number; readonly length: number }
  | { readonly fn: 'write'; readonly offset: number; readonly data: Uint8Array }
  | { readonly fn: 'write_full'; readonly data: Uint8Array }
  | { readonly fn: 'getxattr'; readonly name: string }
  | { readonly fn: 'getxattrs' }
  | { readonly fn: 'setxattr'; readonly name: string; readonly value: Uint8Array }
  | { readonly fn: 'map_get_val'; readonly key: string }
  | { readonly fn: 'map_set_vals'; readonly entries: ReadonlyArray<readonly [string, Uint8Array]> }
  | { readonly fn: 'map_get_keys'; readonly startAfter: string; readonly max: number }
  | { readonly fn: 'map_get_vals'; readonly startAfter: string; readonly prefix: string; readonly max: number }
  | { readonly fn: 'map_read_header' }
  | { readonly fn: 'map_write_header'; readonly value: Uint8Array }
  | { readonly fn: 'map_remove_key'; readonly key: string }
  | { readonly fn: 'map_clear' }
  | { readonly fn: 'current_version' }
  | { readonly fn: 'current_subop_num' };

/** `ret` < 0 is a failed sub-op; the other fields are set by the calls that return them. */
export interface HostReply {
  readonly ret: number;
  readonly data?: Uint8Array;
  readonly entries?: ReadonlyArray<readonly [string, Uint8Array]>;
  readonly keys?: readonly string[];
  readonly stat?: ClsStat;
  /** Why a host threw (a bug in the adapter, reported to the script as EIO). */
  readonly message?: string;
}

/** Synchronous host access as the VM sees it: direct in tests, an Atomics bridge in a worker. */
export type HostInvoker = (call: HostCall) => HostReply;

function bytes(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function status(ret: number): HostReply {
  return { ret };
}

function value<T>(result: T | number, wrap: (v: T) => HostReply): HostReply {
  return typeof result === 'number' ? { ret: result } : wrap(result);
}

/** Runs one call against a host; a throwing host becomes EIO rather than a dead worker. */
export function dispatchHostCall(host: ClsObjectHost, call: HostCall): HostReply {
  try {
    return dispatch(host, call);
  } catch (err: unknown) {
    return { ret: -ERRNO.EIO, message: `host ${call.fn} failed: ${String(err)}` };
  }
}

function dispatch(host: ClsObjectHost, call: HostCall): HostReply {
  switch (call.fn) {
    case 'create':
      return status(host.create(call.exclusive));
    case 'remove':
      return status(host.remove());
    case 'stat':
      return value(host.stat(), (stat) => ({ ret: 0, stat }));
    case 'read':
      return value(host.read(call.offset, call.length), (data) => ({ ret: 0, data }));
    case 'write':
      return status(host.write(call.offset, bytes(call.data)));
    case 'write_full':
      return status(host.writeFull(bytes(call.data)));
    case 'getxattr':
      return value(host.getXattr(call.name), (data) => ({ ret: 0, data }));
    case 'getxattrs':
      return value(host.getXattrs(), (entries) => ({ ret: 0, entries }));
    case 'setxattr':
      return status(host.setXattr(call.name, bytes(call.value)));
    case 'map_get_val':
      return value(host.omapGetVal(call.key), (data) => ({ ret: 0, data }));
    case 'map_set_vals':
      return status(host.omapSetVals(call.entries.map(([k, v]) => [k, bytes(v)] as const)));
    case 'map_get_keys':
      return value(host.omapGetKeys(call.startAfter, call.max), (keys) => ({ ret: 0, keys }));
    case 'map_get_vals':
      return value(host.omapGetVals(call.startAfter, call.prefix, call.max), (entries) => ({ ret: 0, entries }));
    case 'map_read_header':
      return value(host.omapGetHeader(), (data) => ({ ret: 0, data }));
    case 'map_write_header':
      return status(host.omapSetHeader(bytes(call.value)));
    case 'map_remove_key':
      return status(host.omapRemoveKey(call.key));
    case 'map_clear':
      return status(host.omapClear());
    case 'current_version':
      return status(host.currentVersion());
    case 'current_subop_num':
      return status(host.currentSubopNum());
  }
}
