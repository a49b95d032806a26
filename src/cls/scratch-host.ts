// Adapts the op engine's scratch object (throws RadosError) to cls_lua's host interface
// (returns negative errno values), so Lua host calls see exactly the op's transaction state.
import { RadosError, ERRNO } from '../core/errors.js';
import type { ScratchObject } from '../osd/ops/index.js';
import type { ClsObjectHost, ClsStat } from './lua/index.js';

function guard<T>(fn: () => T): T | number {
  try {
    return fn();
  } catch (err) {
    if (RadosError.is(err)) return -err.errno;
    return -ERRNO.EIO;
  }
}

function status(fn: () => void): number {
  const r = guard(() => {
    fn();
    return 0;
  });
  return typeof r === 'number' ? r : 0;
}

export function scratchHost(obj: ScratchObject, version: number, subopNum: number): ClsObjectHost {
  return {
    create: (exclusive) => status(() => obj.create(exclusive)),
    remove: () => status(() => obj.remove()),
    stat: (): ClsStat | number => guard(() => {
      const s = obj.stat();
      return { size: s.size, mtime_sec: s.mtime.sec };
    }),
    read: (offset, length) => guard(() => obj.read(offset, length)),
    write: (offset, data) => status(() => obj.write(offset, data)),
    writeFull: (data) => status(() => obj.writeFull(data)),
    getXattr: (name) => guard(() => obj.getXattr(name)),
    getXattrs: () => guard(() => obj.getXattrs()),
    setXattr: (name, value) => status(() => obj.setXattr(name, value)),
    omapGetVal: (key) =>
      guard(() => {
        if (!obj.exists()) throw RadosError.from('ENOENT', 'object');
        const v = obj.omapGet(key);
        if (v === undefined) throw RadosError.from('ENOENT', `omap key ${key}`);
        return v;
      }),
    omapSetVals: (entries) => status(() => obj.omapSet(entries)),
    omapGetKeys: (startAfter, max) => guard(() => obj.omapGetKeys(startAfter, max).keys),
    omapGetVals: (startAfter, prefix, max) => guard(() => obj.omapGetVals(startAfter, prefix, max).entries),
    omapGetHeader: () => guard(() => obj.omapGetHeader()),
    omapSetHeader: (value) => status(() => obj.omapSetHeader(value)),
    omapRemoveKey: (key) =>
      status(() => {
        if (!obj.exists()) throw RadosError.from('ENOENT', 'object');
        obj.omapRmKeys([key]);
      }),
    omapClear: () => status(() => obj.omapClear()),
    currentVersion: () => version,
    currentSubopNum: () => subopNum,
  };
}
