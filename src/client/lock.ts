// Advisory object locks for clients (librados' lock_exclusive / lock_shared / unlock /
// break_lock / list_lockers / list_locks), built on exec calls to the `lock` object class.
// Requests and replies use Ceph's cls_lock encodings, so the stored state is Ceph's too.

import { ERRNO, RadosError } from '../core/errors.js';
import type { Timespec } from '../osd/ops/types.js';
import {
  LOCK_CLASS,
  LOCK_FLAG,
  LOCK_TYPE,
  decodeListLocksReply,
  decodeLockInfo,
  encodeAssertOp,
  encodeBreakOp,
  encodeGetInfoOp,
  encodeLockOp,
  encodeSetCookieOp,
  encodeUnlockOp,
  lockTypeName,
  type LockTypeName,
} from '../codec/lock-wire.js';
import { formatEntityAddr, formatEntityName, parseEntityName, type Utime } from '../codec/ceph-encoding.js';
import type { IoCtx, OpOptions } from './ioctx.js';
import { ReadOp, WriteOp } from './ops.js';

/** What the helpers need from an IoCtx (an IoCtx, or a stand-in under test). */
export type LockIo = Pick<IoCtx, 'operate'>;

export interface LockOptions extends OpOptions {
  readonly description?: string;
  /** Seconds until the lock expires by itself (fractions allowed); absent or 0 = never. */
  readonly duration_s?: number;
  /** Re-taking a lock this client+cookie already holds succeeds and refreshes it (else EEXIST). */
  readonly mayRenew?: boolean;
  /** Succeed only if this client+cookie still holds the lock (ENOENT when it expired or was broken). */
  readonly mustRenew?: boolean;
}

export interface ExclusiveLockOptions extends LockOptions {
  readonly tag?: string;
  /** cls_lock's EXCLUSIVE_EPHEMERAL: the object is deleted when the lock is released. */
  readonly ephemeral?: boolean;
}

export interface LockerView {
  /** The holder's entity, e.g. "client.4123". */
  readonly name: string;
  readonly cookie: string;
  readonly description: string;
  /** When the locker expires; { sec: 0, nsec: 0 } = never. */
  readonly expiration: Timespec;
  /** The holder's address, as Ceph prints it ("127.0.0.1:0/838491869"). */
  readonly addr: string;
}

export interface LockInfoView {
  readonly type: LockTypeName;
  readonly tag: string;
  readonly lockers: readonly LockerView[];
}

const NS_PER_S = 1_000_000_000;

function durationOf(seconds: number | undefined): Utime {
  if (seconds === undefined) return { sec: 0, nsec: 0 };
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 0xffff_ffff) {
    throw new RadosError(ERRNO.EINVAL, `lock duration ${seconds} s is not a non-negative number of seconds`);
  }
  const sec = Math.floor(seconds);
  return { sec, nsec: Math.min(NS_PER_S - 1, Math.round((seconds - sec) * NS_PER_S)) };
}

function flagsOf(opts: LockOptions): number {
  return (opts.mayRenew === true ? LOCK_FLAG.mayRenew : 0) | (opts.mustRenew === true ? LOCK_FLAG.mustRenew : 0);
}

/** Runs one exec; failures are re-thrown naming the lock operation and object. */
async function execLock(io: LockIo, oid: string, op: ReadOp | WriteOp, what: string, opts: OpOptions): Promise<Buffer> {
  try {
    const r = await io.operate(oid, op, opts);
    const out = r.results[0]?.out;
    return out?.kind === 'data' ? out.data : Buffer.alloc(0);
  } catch (err) {
    if (RadosError.is(err)) throw new RadosError(err.errno, `${what} ${oid}`, { cause: err });
    throw err;
  }
}

function optsOnly(opts: OpOptions): OpOptions {
  return opts.signal === undefined ? {} : { signal: opts.signal };
}

/** Takes an exclusive lock (tag '' unless given). EBUSY when someone else holds it, EEXIST when this cookie does. */
export async function lockExclusive(io: LockIo, oid: string, name: string, cookie: string, opts: ExclusiveLockOptions = {}): Promise<void> {
  const input = encodeLockOp({
    name,
    type: opts.ephemeral === true ? LOCK_TYPE.exclusiveEphemeral : LOCK_TYPE.exclusive,
    cookie,
    tag: opts.tag ?? '',
    description: opts.description ?? '',
    duration: durationOf(opts.duration_s),
    flags: flagsOf(opts),
  });
  await execLock(io, oid, new WriteOp().exec(LOCK_CLASS, 'lock', input), `lock_exclusive ${name} on`, optsOnly(opts));
}

/** Takes a shared lock; holders must agree on `tag` (EBUSY otherwise, or when exclusively held). */
export async function lockShared(io: LockIo, oid: string, name: string, cookie: string, tag: string, opts: LockOptions = {}): Promise<void> {
  const input = encodeLockOp({
    name,
    type: LOCK_TYPE.shared,
    cookie,
    tag,
    description: opts.description ?? '',
    duration: durationOf(opts.duration_s),
    flags: flagsOf(opts),
  });
  await execLock(io, oid, new WriteOp().exec(LOCK_CLASS, 'lock', input), `lock_shared ${name} on`, optsOnly(opts));
}

/** Releases this client's lock with `cookie`; ENOENT when it does not hold it (any more). */
export async function unlock(io: LockIo, oid: string, name: string, cookie: string, opts: OpOptions = {}): Promise<void> {
  const input = encodeUnlockOp({ name, cookie });
  await execLock(io, oid, new WriteOp().exec(LOCK_CLASS, 'unlock', input), `unlock ${name} on`, optsOnly(opts));
}

/** Removes another client's locker: `client` is its entity ("client.4123"); unparsable → EINVAL. */
export async function breakLock(io: LockIo, oid: string, name: string, client: string, cookie: string, opts: OpOptions = {}): Promise<void> {
  const locker = parseEntityName(client);
  if (locker === undefined) throw new RadosError(ERRNO.EINVAL, `break_lock ${name} on ${oid}: cannot parse locker name ${client}`);
  const input = encodeBreakOp({ name, locker, cookie });
  await execLock(io, oid, new WriteOp().exec(LOCK_CLASS, 'break_lock', input), `break_lock ${name} on`, optsOnly(opts));
}

/** The lock's type, tag and current lockers; a lock never taken reads as type 'none'. ENOENT when the object is missing. */
export async function getLockInfo(io: LockIo, oid: string, name: string, opts: OpOptions = {}): Promise<LockInfoView> {
  const out = await execLock(io, oid, new ReadOp().exec(LOCK_CLASS, 'get_info', encodeGetInfoOp({ name })), `get_lock_info ${name} on`, optsOnly(opts));
  const info = decodeLockInfo(out);
  return {
    type: lockTypeName(info.type),
    tag: info.tag,
    lockers: info.lockers.map((l) => ({
      name: formatEntityName(l.id.entity),
      cookie: l.id.cookie,
      description: l.info.description,
      expiration: l.info.expiration,
      addr: formatEntityAddr(l.info.addr),
    })),
  };
}

/** Names of every lock ever taken on the object (released locks stay listed). ENOENT when the object is missing. */
export async function listLocks(io: LockIo, oid: string, opts: OpOptions = {}): Promise<string[]> {
  const out = await execLock(io, oid, new ReadOp().exec(LOCK_CLASS, 'list_locks'), 'list_locks', optsOnly(opts));
  return decodeListLocksReply(out);
}

/** Moves this client's locker from `cookie` to `newCookie` (EBUSY unless held as described). */
export async function setLockCookie(
  io: LockIo,
  oid: string,
  name: string,
  lock: { type: 'exclusive' | 'shared'; cookie: string; tag: string; newCookie: string },
  opts: OpOptions = {},
): Promise<void> {
  const input = encodeSetCookieOp({ name, type: LOCK_TYPE[lock.type], cookie: lock.cookie, tag: lock.tag, newCookie: lock.newCookie });
  await execLock(io, oid, new WriteOp().exec(LOCK_CLASS, 'set_cookie', input), `set_cookie ${name} on`, optsOnly(opts));
}

/**
 * Appends an assert_locked guard to a compound op: the whole op fails with EBUSY unless this
 * client holds lock `name` with that type, cookie and tag (e.g. RBD object-map updates).
 */
export function assertLocked<T extends ReadOp | WriteOp>(op: T, name: string, type: 'exclusive' | 'shared', cookie: string, tag = ''): T {
  op.exec(LOCK_CLASS, 'assert_locked', encodeAssertOp({ name, type: LOCK_TYPE[type], cookie, tag }));
  return op;
}
