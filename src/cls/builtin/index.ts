// Public surface of the built-in object classes: the class table the OSD's class host
// dispatches to, and the wire helpers clients use to talk to them.
import { HELLO_CLASS } from './hello.js';
import { LOCK_CLASS_METHODS } from './lock.js';
import { NUMOPS_CLASS } from './numops.js';
import { REFCOUNT_CLASS } from './refcount.js';
import type { ObjectClass } from './types.js';
import { VERSION_CLASS } from './version.js';

export type { ClassMethod, ClsCaller, MethodResult, ObjectClass } from './types.js';

/** Every built-in class by name (Ceph's names, so `exec(oid, 'lock', 'lock', …)` works as there). */
export const BUILTIN_CLASSES: ReadonlyMap<string, ObjectClass> = new Map<string, ObjectClass>([
  ['hello', HELLO_CLASS],
  ['lock', LOCK_CLASS_METHODS],
  ['version', VERSION_CLASS],
  ['numops', NUMOPS_CLASS],
  ['refcount', REFCOUNT_CLASS],
]);

export * from '../../codec/ceph-encoding.js';
export * from '../../codec/lock-wire.js';
export {
  VERSION_COND, VERSION_XATTR, encodeVersionSetOp, encodeVersionCondsOp, decodeVersionReadRet,
  type ObjVersion, type VersionCond,
} from './version.js';
export { encodeNumopsInput, parseCDouble, formatCDouble, type CDouble } from './numops.js';
export {
  REFCOUNT_XATTR, encodeRefcountTagOp, encodeRefcountSetOp, encodeRefcountReadOp, decodeRefcountReadRet,
} from './refcount.js';
