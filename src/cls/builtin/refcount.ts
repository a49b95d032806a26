// `refcount`: tag-based reference counting on an object (Ceph's cls_refcount, as RGW uses it
// for shared tail objects). References live in the xattr `refcount`; dropping the last one
// deletes the object. A tag once put is "retired" so a replayed put cannot drop a newer get.

import { ERRNO, RadosError, neg } from '../../core/errors.js';
import type { ScratchObject } from '../../osd/ops/engine.js';
import { DecodeError, Decoder, Encoder } from '../../codec/ceph-encoding.js';
import { method, objectClass } from './method.js';
import type { ObjectClass } from './types.js';

export const REFCOUNT_XATTR = 'refcount';
/** The reference an object without any refcount state implicitly has (when asked to assume one). */
const WILDCARD_TAG = '';

interface ObjRefcount {
  /** Live references, sorted bytewise. */
  readonly refs: readonly string[];
  readonly retired: readonly string[];
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const sortedSet = (xs: Iterable<string>): string[] => [...new Set(xs)].sort(byBytes);

/** obj_refcount v2: map<string, bool> refs, set<string> retired_refs. */
function encodeObjRefcount(r: ObjRefcount): Buffer {
  return new Encoder()
    .struct(2, 1, (s) => {
      s.list(sortedSet(r.refs), (e, tag) => void e.string(tag).bool(true));
      s.list(sortedSet(r.retired), (e, tag) => void e.string(tag));
    })
    .finish();
}

function decodeObjRefcount(buf: Buffer): ObjRefcount {
  return new Decoder(buf).struct(2, (s, version) => {
    const refs = s.list((d) => {
      const tag = d.string();
      d.bool();
      return tag;
    });
    const retired = version >= 2 ? s.list((d) => d.string()) : [];
    return { refs: sortedSet(refs), retired: sortedSet(retired) };
  });
}

// ---- requests (cls_refcount_ops.h) ---------------------------------------------------------

/** cls_refcount_get_op and cls_refcount_put_op. */
export function encodeRefcountTagOp(tag: string, implicitRef: boolean): Buffer {
  return new Encoder().struct(1, 1, (s) => void s.string(tag).bool(implicitRef)).finish();
}

export function encodeRefcountSetOp(refs: readonly string[]): Buffer {
  return new Encoder().struct(1, 1, (s) => void s.list(refs, (e, r) => void e.string(r))).finish();
}

export function encodeRefcountReadOp(implicitRef: boolean): Buffer {
  return new Encoder().struct(1, 1, (s) => void s.bool(implicitRef)).finish();
}

export function decodeRefcountReadRet(buf: Buffer): string[] {
  return new Decoder(buf).struct(1, (s) => s.list((d) => d.string()));
}

function decodeTagOp(buf: Buffer): { tag: string; implicitRef: boolean } {
  return new Decoder(buf).struct(1, (s) => {
    const tag = s.string();
    const implicitRef = s.bool();
    return { tag, implicitRef };
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

// ---- the class -----------------------------------------------------------------------------

/** Missing object → ENOENT; no state yet → no refs (or the wildcard ref when `implicitRef`). */
function readRefcount(obj: ScratchObject, implicitRef: boolean): ObjRefcount {
  let raw: Buffer;
  try {
    raw = obj.getXattr(REFCOUNT_XATTR);
  } catch (err) {
    if (RadosError.is(err) && err.code === 'ENODATA') return { refs: implicitRef ? [WILDCARD_TAG] : [], retired: [] };
    throw err;
  }
  try {
    return decodeObjRefcount(raw);
  } catch (err) {
    if (err instanceof DecodeError) throw new RadosError(ERRNO.EIO, 'refcount: stored state does not decode');
    throw err;
  }
}

export const REFCOUNT_CLASS: ObjectClass = objectClass({
  get: method('rdwr', ({ obj, input }) => {
    const op = decodeOr(input, decodeTagOp);
    if (op === undefined) return neg('EINVAL');
    const r = readRefcount(obj, op.implicitRef);
    obj.setXattr(REFCOUNT_XATTR, encodeObjRefcount({ refs: [...r.refs, op.tag], retired: r.retired }));
    return 0;
  }),

  put: method('rdwr', ({ obj, input }) => {
    const op = decodeOr(input, decodeTagOp);
    if (op === undefined) return neg('EINVAL');
    const r = readRefcount(obj, op.implicitRef);
    if (r.refs.length === 0) return neg('EINVAL');
    let dropping: string | undefined;
    if (r.refs.includes(op.tag)) dropping = op.tag;
    else if (op.implicitRef && r.refs.includes(WILDCARD_TAG)) dropping = WILDCARD_TAG;
    // Putting an unknown or already retired tag is a successful no-op (puts are idempotent).
    if (dropping === undefined || r.retired.includes(op.tag)) return 0;
    const refs = r.refs.filter((t) => t !== dropping);
    if (refs.length === 0) {
      obj.remove();
      return 0;
    }
    obj.setXattr(REFCOUNT_XATTR, encodeObjRefcount({ refs, retired: [...r.retired, op.tag] }));
    return 0;
  }),

  set: method('rdwr', ({ obj, input }) => {
    const refs = decodeOr(input, (b) => new Decoder(b).struct(1, (s) => s.list((d) => d.string())));
    if (refs === undefined) return neg('EINVAL');
    if (refs.length === 0) {
      obj.remove();
      return 0;
    }
    obj.setXattr(REFCOUNT_XATTR, encodeObjRefcount({ refs, retired: [] }));
    return 0;
  }),

  read: method('rd', ({ obj, input, out }) => {
    const implicitRef = decodeOr(input, (b) => new Decoder(b).struct(1, (s) => s.bool()));
    if (implicitRef === undefined) return neg('EINVAL');
    const r = readRefcount(obj, implicitRef);
    out(new Encoder().struct(1, 1, (s) => void s.list(r.refs, (e, t) => void e.string(t))).finish());
    return 0;
  }),
});
