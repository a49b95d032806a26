// The onode: one object's metadata record (size, mtime, user version, xattrs, omap header, and
// its data/omap number). Encoded as a versioned msgpack array; the first element is the format
// number so a later layout can migrate old records on load.

import { Packr } from 'msgpackr';
import { invariant } from '../../core/assert.js';
import type { Timespec } from '../ops/types.js';
import type { ObjectKey } from './object-store.js';

const ONODE_FORMAT = 1;

export interface Onode {
  /** Number keying this object's data extents and omap entries; new on every (re)creation. */
  nid: number;
  size: number;
  mtime: Timespec;
  userVersion: number;
  xattrs: Map<string, Buffer>;
  omapHeader: Buffer;
  /** Full identity, kept only when the onode key is a digest. */
  name: ObjectKey | undefined;
}

export const packr = new Packr({ useRecords: false });

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function encodeOnode(o: Onode): Buffer {
  const xattrs = [...o.xattrs.entries()].sort((a, b) => compareUtf8(a[0], b[0]));
  const name = o.name === undefined ? null : [o.name.pool, o.name.ps, o.name.hash, o.name.namespace, o.name.oid, o.name.locator];
  return packr.pack([ONODE_FORMAT, o.nid, o.size, o.mtime.sec, o.mtime.nsec, o.userVersion, xattrs, o.omapHeader, name]);
}

export function decodeOnode(bytes: Buffer): Onode {
  const a: unknown = packr.unpack(bytes);
  invariant(Array.isArray(a) && a.length === 9 && a[0] === ONODE_FORMAT, 'onode record has format 1');
  const [, nid, size, sec, nsec, userVersion, xattrs, omapHeader, name] = a as [
    number, number, number, number, number, number, Array<[string, Buffer]>, Buffer, unknown[] | null,
  ];
  invariant(Number.isSafeInteger(nid) && Number.isSafeInteger(size) && size >= 0, 'onode nid and size are integers');
  invariant(Buffer.isBuffer(omapHeader), 'onode omap header is bytes');
  let objectName: ObjectKey | undefined;
  if (name !== null) {
    invariant(Array.isArray(name) && name.length === 6, 'onode name has 6 fields');
    objectName = {
      pool: name[0] as number,
      ps: name[1] as number,
      hash: name[2] as number,
      namespace: name[3] as string,
      oid: name[4] as string,
      locator: name[5] as string,
    };
  }
  return {
    nid,
    size,
    mtime: { sec, nsec },
    userVersion,
    xattrs: new Map(xattrs),
    omapHeader,
    name: objectName,
  };
}

export function cloneOnode(o: Onode): Onode {
  return { ...o, mtime: { ...o.mtime }, xattrs: new Map(o.xattrs) };
}
