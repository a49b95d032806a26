// How a built-in method is declared and run: its RD/WR flags, an output buffer, and Ceph's rule
// that a method which read without RD or wrote without WR fails with EIO (the OSD counts the
// method's reads and writes and checks them after it returns; stat is not counted as a read).

import { invariant } from '../../core/assert.js';
import { ERRNO, RadosError } from '../../core/errors.js';
import type { ScratchObject } from '../../osd/ops/engine.js';
import type { ClassMethod, ClsCaller, MethodResult } from './types.js';

/** Output appended by one method call is bounded by the op's reply, well under this. */
const OUTPUT_BYTES_MAX = 64 * 1024 * 1024;

export interface MethodContext {
  /** The op's scratch object; every failing call throws RadosError. */
  readonly obj: ScratchObject;
  readonly input: Buffer;
  readonly caller: ClsCaller;
  /** Appends to the output buffer. The client sees it for reads and for failed ops. */
  out(data: Buffer | string): void;
}

export type MethodFlags = 'rd' | 'wr' | 'rdwr';

interface AccessCount {
  reads: number;
  writes: number;
}

/** Wraps the scratch object so every call is counted as a read or a write (or neither). */
function counted(obj: ScratchObject, n: AccessCount): ScratchObject {
  const read = <T>(fn: () => T): T => {
    n.reads++;
    return fn();
  };
  const write = <T>(fn: () => T): T => {
    n.writes++;
    return fn();
  };
  return {
    exists: () => obj.exists(),
    stat: () => obj.stat(),
    version: () => obj.version(),
    read: (offset, length) => read(() => obj.read(offset, length)),
    write: (offset, data) => write(() => obj.write(offset, data)),
    writeFull: (data) => write(() => obj.writeFull(data)),
    append: (data) => write(() => obj.append(data)),
    truncate: (size) => write(() => obj.truncate(size)),
    zero: (offset, length) => write(() => obj.zero(offset, length)),
    create: (exclusive) => write(() => obj.create(exclusive)),
    remove: () => write(() => obj.remove()),
    getXattr: (name) => read(() => obj.getXattr(name)),
    getXattrs: () => read(() => obj.getXattrs()),
    setXattr: (name, value) => write(() => obj.setXattr(name, value)),
    rmXattr: (name) => write(() => obj.rmXattr(name)),
    omapGetHeader: () => read(() => obj.omapGetHeader()),
    omapSetHeader: (value) => write(() => obj.omapSetHeader(value)),
    omapGet: (key) => read(() => obj.omapGet(key)),
    omapGetKeys: (startAfter, max) => read(() => obj.omapGetKeys(startAfter, max)),
    omapGetVals: (startAfter, prefix, max) => read(() => obj.omapGetVals(startAfter, prefix, max)),
    omapGetValsByKeys: (keys) => read(() => obj.omapGetValsByKeys(keys)),
    omapSet: (entries) => write(() => obj.omapSet(entries)),
    omapRmKeys: (keys) => write(() => obj.omapRmKeys(keys)),
    omapRmRange: (begin, end) => write(() => obj.omapRmRange(begin, end)),
    omapClear: () => write(() => obj.omapClear()),
  };
}

/**
 * Declares a method. `body` returns the method's return value (negative errno aborts the op);
 * a RadosError thrown by a host call and not caught by the body becomes its errno.
 */
export function method(flags: MethodFlags, body: (ctx: MethodContext) => number): ClassMethod {
  const read = flags !== 'wr';
  const write = flags !== 'rd';
  return {
    flags: { read, write },
    run(obj: ScratchObject, input: Buffer, caller: ClsCaller): MethodResult {
      const access: AccessCount = { reads: 0, writes: 0 };
      const chunks: Buffer[] = [];
      let outBytes = 0;
      const ctx: MethodContext = {
        obj: counted(obj, access),
        input,
        caller,
        out(data) {
          const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
          outBytes += b.length;
          invariant(outBytes <= OUTPUT_BYTES_MAX, `class output stays under ${OUTPUT_BYTES_MAX} bytes`);
          chunks.push(b);
        },
      };
      let ret: number;
      try {
        ret = body(ctx);
      } catch (err) {
        if (!RadosError.is(err)) throw err;
        ret = -err.errno;
      }
      invariant(Number.isInteger(ret), `method returns an integer, got ${ret}`);
      if ((access.reads > 0 && !read) || (access.writes > 0 && !write)) ret = -ERRNO.EIO;
      return { ret, out: Buffer.concat(chunks, outBytes) };
    },
  };
}

/** Builds an ObjectClass from a method table. */
export function objectClass(methods: Record<string, ClassMethod>): ReadonlyMap<string, ClassMethod> {
  return new Map(Object.entries(methods));
}
