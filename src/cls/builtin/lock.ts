// `lock`: advisory object locks (Ceph's cls_lock), spec/locks-watch.md §1. Lock state lives in
// the object's `lock.<name>` xattr as an encoded lock_info_t, so it replicates and persists with
// the object and is readable by any tool that understands Ceph's format.

import { ERRNO, RadosError, neg } from '../../core/errors.js';
import type { ScratchObject } from '../../osd/ops/engine.js';
import {
  ADDR_TYPE,
  DecodeError,
  ZERO_UTIME,
  addUtime,
  clientEntity,
  compareUtime,
  parseEntityAddr,
  utimeIsZero,
  type EntityAddr,
  type EntityName,
  type Utime,
} from '../../codec/ceph-encoding.js';
import {
  EMPTY_LOCK,
  LOCK_FLAG,
  LOCK_TYPE,
  LOCK_XATTR_PREFIX,
  decodeAssertOp,
  decodeBreakOp,
  decodeGetInfoOp,
  decodeLockInfo,
  decodeLockOp,
  decodeSetCookieOp,
  decodeUnlockOp,
  encodeListLocksReply,
  encodeLockInfo,
  isExclusiveType,
  isValidLockType,
  sameLocker,
  type LockInfo,
  type LockOp,
  type Locker,
  type LockerId,
} from '../../codec/lock-wire.js';
import { method, objectClass, type MethodContext } from './method.js';
import type { ClsCaller, ObjectClass } from './types.js';

function xattrName(lockName: string): string {
  return `${LOCK_XATTR_PREFIX}${lockName}`;
}

function callerId(caller: ClsCaller, cookie: string): LockerId {
  return { entity: clientEntity(caller.clientId), cookie };
}

/** Ceph records the locker's address as a legacy (v1) address whatever protocol it spoke. */
function callerAddr(caller: ClsCaller): EntityAddr {
  const a = parseEntityAddr(caller.addr);
  return a.type === ADDR_TYPE.none ? a : { ...a, type: ADDR_TYPE.legacy };
}

function isExpired(expiration: Utime, now: Utime): boolean {
  return !utimeIsZero(expiration) && compareUtime(expiration, now) < 0;
}

/**
 * Reads lock `name` with expired lockers dropped. A missing object throws ENOENT; a missing
 * xattr is an empty lock; an undecodable one is EIO. An ephemeral lock left without lockers
 * deletes its object, but only in write methods: a read method may not write (Ceph would fail
 * such a get_info with EIO), and it simply reports the empty lock.
 */
function readLock(obj: ScratchObject, name: string, now: Utime, mayClean: boolean): LockInfo {
  let raw: Buffer;
  try {
    raw = obj.getXattr(xattrName(name));
  } catch (err) {
    if (RadosError.is(err) && err.code === 'ENODATA') return EMPTY_LOCK;
    throw err;
  }
  let stored: LockInfo;
  try {
    stored = decodeLockInfo(raw);
  } catch (err) {
    if (err instanceof DecodeError) throw new RadosError(ERRNO.EIO, `lock ${name}: stored state does not decode`);
    throw err;
  }
  const lock = { ...stored, lockers: stored.lockers.filter((l) => !isExpired(l.info.expiration, now)) };
  if (mayClean && lock.lockers.length === 0 && lock.type === LOCK_TYPE.exclusiveEphemeral) obj.remove();
  return lock;
}

function writeLock(obj: ScratchObject, name: string, lock: LockInfo): void {
  obj.setXattr(xattrName(name), encodeLockInfo(lock));
}

function findLocker(lock: LockInfo, id: LockerId): number {
  return lock.lockers.findIndex((l) => sameLocker(l.id, id));
}

/** Decodes a request; undecodable input is EINVAL. */
function decodeInput<T>(input: Buffer, decode: (b: Buffer) => T): T | undefined {
  try {
    return decode(input);
  } catch (err) {
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}

function lockObject(ctx: MethodContext, op: LockOp): number {
  const { obj, caller } = ctx;
  const mayRenew = (op.flags & LOCK_FLAG.mayRenew) !== 0;
  const mustRenew = (op.flags & LOCK_FLAG.mustRenew) !== 0;
  if (!isValidLockType(op.type) || op.name === '') return neg('EINVAL');
  // The two flags disagree about a lock that is not held yet.
  if (mayRenew && mustRenew) return neg('EINVAL');

  let lock: LockInfo;
  try {
    lock = readLock(obj, op.name, caller.now, true);
  } catch (err) {
    // A missing object holds no locks; writing the lock xattr creates it.
    if (!(RadosError.is(err) && err.code === 'ENOENT')) throw err;
    lock = EMPTY_LOCK;
  }
  // Checked before the renewal test so that a renewal cannot slip past a tag change.
  if (lock.lockers.length > 0 && op.tag !== lock.tag) return neg('EBUSY');

  const id = callerId(caller, op.cookie);
  const held = findLocker(lock, id);
  let others: readonly Locker[] = lock.lockers;
  if (held >= 0) {
    if (!mayRenew && !mustRenew) return neg('EEXIST');
    others = lock.lockers.filter((_, i) => i !== held);
  } else if (mustRenew) {
    // How a holder learns that its lock expired (or was broken).
    return neg('ENOENT');
  }
  if (others.length > 0) {
    if (isExclusiveType(op.type)) return neg('EBUSY');
    if (lock.type !== op.type) return neg('EBUSY');
  }
  const expiration = utimeIsZero(op.duration) ? ZERO_UTIME : addUtime(caller.now, op.duration);
  const locker: Locker = { id, info: { expiration, addr: callerAddr(caller), description: op.description } };
  writeLock(obj, op.name, { lockers: [...others, locker], type: op.type, tag: op.tag });
  return 0;
}

function removeLocker(ctx: MethodContext, name: string, entity: EntityName, cookie: string): number {
  const { obj, caller } = ctx;
  const lock = readLock(obj, name, caller.now, true);
  const at = findLocker(lock, { entity, cookie });
  if (at < 0) return neg('ENOENT');
  const lockers = lock.lockers.filter((_, i) => i !== at);
  // An ephemeral lock's object exists only for the lock: it goes with its last locker.
  if (lock.type === LOCK_TYPE.exclusiveEphemeral && lockers.length === 0) obj.remove();
  else writeLock(obj, name, { ...lock, lockers });
  return 0;
}

/** The checks assert_locked and set_cookie share; returns the caller's locker index or an errno. */
function checkHeld(lock: LockInfo, type: number, tag: string, id: LockerId): number {
  if (lock.lockers.length === 0) return neg('EBUSY');
  if (lock.type !== type) return neg('EBUSY');
  if (lock.tag !== tag) return neg('EBUSY');
  const at = findLocker(lock, id);
  return at < 0 ? neg('EBUSY') : at;
}

export const LOCK_CLASS_METHODS: ObjectClass = objectClass({
  lock: method('rdwr', (ctx) => {
    const op = decodeInput(ctx.input, decodeLockOp);
    return op === undefined ? neg('EINVAL') : lockObject(ctx, op);
  }),

  unlock: method('rdwr', (ctx) => {
    const op = decodeInput(ctx.input, decodeUnlockOp);
    if (op === undefined) return neg('EINVAL');
    return removeLocker(ctx, op.name, clientEntity(ctx.caller.clientId), op.cookie);
  }),

  break_lock: method('rdwr', (ctx) => {
    const op = decodeInput(ctx.input, decodeBreakOp);
    if (op === undefined) return neg('EINVAL');
    return removeLocker(ctx, op.name, op.locker, op.cookie);
  }),

  get_info: method('rd', ({ obj, input, caller, out }) => {
    const op = decodeInput(input, decodeGetInfoOp);
    if (op === undefined) return neg('EINVAL');
    out(encodeLockInfo(readLock(obj, op.name, caller.now, false)));
    return 0;
  }),

  list_locks: method('rd', ({ obj, out }) => {
    const names = obj
      .getXattrs()
      .filter(([k]) => k.startsWith(LOCK_XATTR_PREFIX))
      .map(([k]) => k.slice(LOCK_XATTR_PREFIX.length));
    out(encodeListLocksReply(names));
    return 0;
  }),

  assert_locked: method('rd', ({ obj, input, caller }) => {
    const op = decodeInput(input, decodeAssertOp);
    if (op === undefined) return neg('EINVAL');
    if (!isValidLockType(op.type) || op.name === '') return neg('EINVAL');
    const lock = readLock(obj, op.name, caller.now, false);
    const at = checkHeld(lock, op.type, op.tag, callerId(caller, op.cookie));
    return at < 0 ? at : 0;
  }),

  set_cookie: method('rdwr', ({ obj, input, caller }) => {
    const op = decodeInput(input, decodeSetCookieOp);
    if (op === undefined) return neg('EINVAL');
    if (!isValidLockType(op.type) || op.name === '') return neg('EINVAL');
    const lock = readLock(obj, op.name, caller.now, true);
    const at = checkHeld(lock, op.type, op.tag, callerId(caller, op.cookie));
    if (at < 0) return at;
    const renamed = callerId(caller, op.newCookie);
    if (findLocker(lock, renamed) >= 0) return neg('EBUSY');
    const lockers = lock.lockers.map((l, i) => (i === at ? { id: renamed, info: l.info } : l));
    writeLock(obj, op.name, { ...lock, lockers });
    return 0;
  }),
});
