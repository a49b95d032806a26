// Public surface of the `sepia` package (DESIGN.md §8).
export { Rados, type ConnectOptions, type PoolStat } from './client/rados.js';
export {
  IoCtx,
  ALL_NSPACES,
  OperateError,
  cmpExtMismatchIndex,
  type OperateResult,
  type ObjectStat,
  type ObjectStat2,
  type SparseReadResult,
  type ListedObject,
  type ListPage,
  type OpOptions,
  type ChecksumName,
  type ChecksumOptions,
  type CopySource,
} from './client/ioctx.js';
export { ReadOp, WriteOp, OP_FLAG, CMP_OP, CMP_MODE } from './client/ops.js';
export { RadosError, ERRNO, type ErrnoName, strerror } from './core/errors.js';
export { OPERATION_FLAG, CHECKSUM_TYPE, type SubOp, type SubOpOut, type SubOpResult, type Timespec } from './osd/ops/types.js';
export { lockExclusive, lockShared, unlock, breakLock, getLockInfo, listLocks } from './client/lock.js';
export { lua, LuaCallError } from './client/lua.js';
