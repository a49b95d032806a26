// `version`: object version tags (Ceph's cls_version), used for optimistic concurrency: a
// {ver, tag} pair in the xattr `ceph.objclass.version`, bumped by `inc` under conditions.

import { createHash } from 'node:crypto';
import { ERRNO, RadosError, neg } from '../../core/errors.js';
import type { ScratchObject } from '../../osd/ops/engine.js';
import { DecodeError, Decoder, Encoder } from '../../codec/ceph-encoding.js';
import { method, objectClass } from './method.js';
import type { ClsCaller, ObjectClass } from './types.js';

export const VERSION_XATTR = 'ceph.objclass.version';
/** Length of the tag a fresh version gets (Ceph: 24 base64 characters). */
export const VERSION_TAG_CHARS = 24;

export interface ObjVersion {
  readonly ver: number;
  readonly tag: string;
}

/** VersionCond: how a condition compares the stored version with the given one. */
export const VERSION_COND = { none: 0, eq: 1, gt: 2, ge: 3, lt: 4, le: 5, tagEq: 6, tagNe: 7 } as const;

export interface VersionCond {
  readonly ver: ObjVersion;
  readonly cond: number;
}

// ---- wire structs (cls_version_types.h / cls_version_ops.h) --------------------------------

function encodeObjVersion(e: Encoder, v: ObjVersion): void {
  e.struct(1, 1, (s) => void s.u64(v.ver).string(v.tag));
}

function decodeObjVersion(d: Decoder): ObjVersion {
  return d.struct(1, (s) => {
    const ver = s.u64n();
    const tag = s.string();
    return { ver, tag };
  });
}

function encodeConds(e: Encoder, conds: readonly VersionCond[]): void {
  e.list(conds, (l, c) => void l.struct(1, 1, (s) => {
    encodeObjVersion(s, c.ver);
    s.u32(c.cond);
  }));
}

function decodeConds(d: Decoder): VersionCond[] {
  return d.list((l) => l.struct(1, (s) => {
    const ver = decodeObjVersion(s);
    const cond = s.u32();
    return { ver, cond };
  }));
}

/** cls_version_set_op. */
export function encodeVersionSetOp(objv: ObjVersion): Buffer {
  return new Encoder().struct(1, 1, (s) => encodeObjVersion(s, objv)).finish();
}

/** cls_version_inc_op and cls_version_check_op (same layout; `objv` is unused by the class). */
export function encodeVersionCondsOp(conds: readonly VersionCond[], objv: ObjVersion = { ver: 0, tag: '' }): Buffer {
  return new Encoder()
    .struct(1, 1, (s) => {
      encodeObjVersion(s, objv);
      encodeConds(s, conds);
    })
    .finish();
}

function decodeVersionCondsOp(buf: Buffer): VersionCond[] {
  return new Decoder(buf).struct(1, (s) => {
    decodeObjVersion(s);
    return decodeConds(s);
  });
}

/** cls_version_read_ret. */
export function decodeVersionReadRet(buf: Buffer): ObjVersion {
  return new Decoder(buf).struct(1, (s) => decodeObjVersion(s));
}

function encodeVersionReadRet(v: ObjVersion): Buffer {
  return new Encoder().struct(1, 1, (s) => encodeObjVersion(s, v)).finish();
}

// ---- the class -----------------------------------------------------------------------------

function storeVersion(obj: ScratchObject, v: ObjVersion): void {
  const e = new Encoder();
  encodeObjVersion(e, v);
  obj.setXattr(VERSION_XATTR, e.finish());
}

/**
 * Ceph draws the tag from the OSD's random source. Sepia derives it from the caller, the op's
 * time and the object's version instead, so a replayed op (or a simulator run) yields the same
 * tag; it only has to tell apart successive incarnations of one object.
 */
function freshTag(obj: ScratchObject, caller: ClsCaller): string {
  const seed = `${caller.clientId}|${caller.addr}|${caller.now.sec}.${caller.now.nsec}|${obj.version()}`;
  return createHash('sha256').update(seed).digest('base64').slice(0, VERSION_TAG_CHARS);
}

/** The stored version; absent → ver 0 (or, when `create`, a fresh version 1 that is stored). */
function readVersion(obj: ScratchObject, caller: ClsCaller, create: boolean): ObjVersion {
  let raw: Buffer;
  try {
    raw = obj.getXattr(VERSION_XATTR);
  } catch (err) {
    if (!RadosError.is(err) || (err.code !== 'ENOENT' && err.code !== 'ENODATA')) throw err;
    if (!create) return { ver: 0, tag: '' };
    const v = { ver: 1, tag: freshTag(obj, caller) };
    storeVersion(obj, v);
    return v;
  }
  try {
    return decodeObjVersion(new Decoder(raw));
  } catch (err) {
    if (err instanceof DecodeError) throw new RadosError(ERRNO.EIO, 'version: stored state does not decode');
    throw err;
  }
}

/** Unknown condition codes constrain nothing, as in Ceph. */
function condsHold(conds: readonly VersionCond[], stored: ObjVersion): boolean {
  return conds.every(({ ver: given, cond }) => {
    switch (cond) {
      case VERSION_COND.eq: return stored.ver === given.ver && stored.tag === given.tag;
      case VERSION_COND.gt: return stored.ver > given.ver;
      case VERSION_COND.ge: return stored.ver >= given.ver;
      case VERSION_COND.lt: return stored.ver < given.ver;
      case VERSION_COND.le: return stored.ver <= given.ver;
      case VERSION_COND.tagEq: return stored.tag === given.tag;
      case VERSION_COND.tagNe: return stored.tag !== given.tag;
      default: return true;
    }
  });
}

function decodeOr<T>(input: Buffer, decode: (b: Buffer) => T): T | undefined {
  try {
    return decode(input);
  } catch (err) {
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}

const inc = method('rdwr', ({ obj, input, caller }) => {
  const conds = decodeOr(input, decodeVersionCondsOp);
  if (conds === undefined) return neg('EINVAL');
  const v = readVersion(obj, caller, true);
  if (!condsHold(conds, v)) return neg('ECANCELED');
  storeVersion(obj, { ver: v.ver + 1, tag: v.tag });
  return 0;
});

export const VERSION_CLASS: ObjectClass = objectClass({
  set: method('rdwr', ({ obj, input }) => {
    const v = decodeOr(input, (b) => new Decoder(b).struct(1, decodeObjVersion));
    if (v === undefined) return neg('EINVAL');
    storeVersion(obj, v);
    return 0;
  }),
  inc,
  inc_conds: inc,
  read: method('rd', ({ obj, caller, out }) => {
    out(encodeVersionReadRet(readVersion(obj, caller, false)));
    return 0;
  }),
  check_conds: method('rd', ({ obj, input, caller }) => {
    const conds = decodeOr(input, decodeVersionCondsOp);
    if (conds === undefined) return neg('EINVAL');
    return condsHold(conds, readVersion(obj, caller, false)) ? 0 : neg('ECANCELED');
  }),
});
