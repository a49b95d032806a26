// cls_lock's wire and storage structs (cls_lock_ops.h, cls_lock_types.h), byte for byte: the
// requests clients send, the get_info / list_locks replies, and the lock_info_t kept in the
// object's `lock.<name>` xattr. Shared by the class (server side) and the client helpers.
// Pure: imports only core and ./encoding.

import {
  Decoder,
  Encoder,
  compareEntityName,
  decodeEntityAddr,
  decodeEntityName,
  encodeEntityAddr,
  encodeEntityName,
  type EntityAddr,
  type EntityName,
  type Utime,
} from './ceph-encoding.js';

export const LOCK_CLASS = 'lock';
/** The xattr holding lock `<name>` is `lock.<name>`. */
export const LOCK_XATTR_PREFIX = 'lock.';

export const LOCK_TYPE = { none: 0, exclusive: 1, shared: 2, exclusiveEphemeral: 3 } as const;
export type LockTypeName = 'none' | 'exclusive' | 'shared' | 'exclusive-ephemeral' | '<unknown>';

/** LOCK_FLAG_MAY_RENEW (librados LIBRADOS_LOCK_FLAG_RENEW) and LOCK_FLAG_MUST_RENEW. */
export const LOCK_FLAG = { mayRenew: 0x1, mustRenew: 0x2 } as const;

export function lockTypeName(type: number): LockTypeName {
  switch (type) {
    case LOCK_TYPE.none: return 'none';
    case LOCK_TYPE.exclusive: return 'exclusive';
    case LOCK_TYPE.shared: return 'shared';
    case LOCK_TYPE.exclusiveEphemeral: return 'exclusive-ephemeral';
    default: return '<unknown>';
  }
}

export function isValidLockType(type: number): boolean {
  return type === LOCK_TYPE.exclusive || type === LOCK_TYPE.shared || type === LOCK_TYPE.exclusiveEphemeral;
}

export function isExclusiveType(type: number): boolean {
  return type === LOCK_TYPE.exclusive || type === LOCK_TYPE.exclusiveEphemeral;
}

// ---- lock_info_t ---------------------------------------------------------------------------

export interface LockerId {
  readonly entity: EntityName;
  readonly cookie: string;
}

export interface LockerInfo {
  /** Zero means the locker never expires. */
  readonly expiration: Utime;
  readonly addr: EntityAddr;
  readonly description: string;
}

export interface Locker {
  readonly id: LockerId;
  readonly info: LockerInfo;
}

export interface LockInfo {
  /** Sorted by locker id, as Ceph's std::map keeps them. */
  readonly lockers: readonly Locker[];
  readonly type: number;
  readonly tag: string;
}

export const EMPTY_LOCK: LockInfo = { lockers: [], type: LOCK_TYPE.none, tag: '' };

/** locker_id_t order: entity (type, then number), then cookie bytewise. */
export function compareLockerId(a: LockerId, b: LockerId): number {
  const c = compareEntityName(a.entity, b.entity);
  return c !== 0 ? c : Buffer.compare(Buffer.from(a.cookie), Buffer.from(b.cookie));
}

export function sameLocker(a: LockerId, b: LockerId): boolean {
  return compareLockerId(a, b) === 0;
}

/** Sorted, one entry per id (a repeated id keeps its last value, as decoding into a map does). */
export function normalizeLockers(lockers: readonly Locker[]): Locker[] {
  const ordered = lockers
    .map((locker, at) => ({ locker, at }))
    .sort((a, b) => compareLockerId(a.locker.id, b.locker.id) || a.at - b.at);
  return ordered
    .filter((e, i) => {
      const next = ordered[i + 1];
      return next === undefined || !sameLocker(next.locker.id, e.locker.id);
    })
    .map((e) => e.locker);
}

function encodeLockerId(e: Encoder, id: LockerId): void {
  e.struct(1, 1, (s) => {
    encodeEntityName(s, id.entity);
    s.string(id.cookie);
  });
}

function decodeLockerId(d: Decoder): LockerId {
  return d.struct(1, (s) => {
    const entity = decodeEntityName(s);
    const cookie = s.string();
    return { entity, cookie };
  });
}

function encodeLockerInfo(e: Encoder, info: LockerInfo): void {
  e.struct(1, 1, (s) => {
    s.utime(info.expiration);
    encodeEntityAddr(s, info.addr);
    s.string(info.description);
  });
}

function decodeLockerInfo(d: Decoder): LockerInfo {
  return d.struct(1, (s) => {
    const expiration = s.utime();
    const addr = decodeEntityAddr(s);
    const description = s.string();
    return { expiration, addr, description };
  });
}

/** lock_info_t (stored) and cls_lock_get_info_reply share this layout. */
export function encodeLockInfo(info: LockInfo): Buffer {
  const e = new Encoder();
  e.struct(1, 1, (s) => {
    const lockers = normalizeLockers(info.lockers);
    s.u32(lockers.length);
    for (const l of lockers) {
      encodeLockerId(s, l.id);
      encodeLockerInfo(s, l.info);
    }
    s.u8(info.type);
    s.string(info.tag);
  });
  return e.finish();
}

export function decodeLockInfo(buf: Buffer): LockInfo {
  return new Decoder(buf).struct(1, (s) => {
    const n = s.count();
    const lockers: Locker[] = [];
    for (let i = 0; i < n; i++) {
      const id = decodeLockerId(s);
      const info = decodeLockerInfo(s);
      lockers.push({ id, info });
    }
    const type = s.u8();
    const tag = s.string();
    return { lockers: normalizeLockers(lockers), type, tag };
  });
}

// ---- requests ------------------------------------------------------------------------------

export interface LockOp {
  readonly name: string;
  readonly type: number;
  readonly cookie: string;
  readonly tag: string;
  readonly description: string;
  /** Zero means the lock does not expire. */
  readonly duration: Utime;
  readonly flags: number;
}

export function encodeLockOp(op: LockOp): Buffer {
  return new Encoder()
    .struct(1, 1, (s) => {
      s.string(op.name).u8(op.type).string(op.cookie).string(op.tag).string(op.description).utime(op.duration).u8(op.flags);
    })
    .finish();
}

export function decodeLockOp(buf: Buffer): LockOp {
  return new Decoder(buf).struct(1, (s) => {
    const name = s.string();
    const type = s.u8();
    const cookie = s.string();
    const tag = s.string();
    const description = s.string();
    const duration = s.utime();
    const flags = s.u8();
    return { name, type, cookie, tag, description, duration, flags };
  });
}

export interface UnlockOp {
  readonly name: string;
  readonly cookie: string;
}

export function encodeUnlockOp(op: UnlockOp): Buffer {
  return new Encoder().struct(1, 1, (s) => void s.string(op.name).string(op.cookie)).finish();
}

export function decodeUnlockOp(buf: Buffer): UnlockOp {
  return new Decoder(buf).struct(1, (s) => {
    const name = s.string();
    const cookie = s.string();
    return { name, cookie };
  });
}

export interface BreakOp {
  readonly name: string;
  readonly locker: EntityName;
  readonly cookie: string;
}

export function encodeBreakOp(op: BreakOp): Buffer {
  return new Encoder()
    .struct(1, 1, (s) => {
      s.string(op.name);
      encodeEntityName(s, op.locker);
      s.string(op.cookie);
    })
    .finish();
}

export function decodeBreakOp(buf: Buffer): BreakOp {
  return new Decoder(buf).struct(1, (s) => {
    const name = s.string();
    const locker = decodeEntityName(s);
    const cookie = s.string();
    return { name, locker, cookie };
  });
}

export function encodeGetInfoOp(op: { readonly name: string }): Buffer {
  return new Encoder().struct(1, 1, (s) => void s.string(op.name)).finish();
}

export function decodeGetInfoOp(buf: Buffer): { name: string } {
  return new Decoder(buf).struct(1, (s) => ({ name: s.string() }));
}

export function encodeListLocksReply(locks: readonly string[]): Buffer {
  return new Encoder().struct(1, 1, (s) => void s.list(locks, (e, l) => void e.string(l))).finish();
}

export function decodeListLocksReply(buf: Buffer): string[] {
  return new Decoder(buf).struct(1, (s) => s.list((d) => d.string()));
}

export interface AssertOp {
  readonly name: string;
  readonly type: number;
  readonly cookie: string;
  readonly tag: string;
}

export function encodeAssertOp(op: AssertOp): Buffer {
  return new Encoder()
    .struct(1, 1, (s) => void s.string(op.name).u8(op.type).string(op.cookie).string(op.tag))
    .finish();
}

export function decodeAssertOp(buf: Buffer): AssertOp {
  return new Decoder(buf).struct(1, (s) => {
    const name = s.string();
    const type = s.u8();
    const cookie = s.string();
    const tag = s.string();
    return { name, type, cookie, tag };
  });
}

export interface SetCookieOp extends AssertOp {
  readonly newCookie: string;
}

export function encodeSetCookieOp(op: SetCookieOp): Buffer {
  return new Encoder()
    .struct(1, 1, (s) => void s.string(op.name).u8(op.type).string(op.cookie).string(op.tag).string(op.newCookie))
    .finish();
}

export function decodeSetCookieOp(buf: Buffer): SetCookieOp {
  return new Decoder(buf).struct(1, (s) => {
    const name = s.string();
    const type = s.u8();
    const cookie = s.string();
    const tag = s.string();
    const newCookie = s.string();
    return { name, type, cookie, tag, newCookie };
  });
}
