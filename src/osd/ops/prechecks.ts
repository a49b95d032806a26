// Request pre-checks the primary runs before any sub-op (spec/objects.md §1, in Ceph's order),
// and the read/write classification of a compound op that pre-check 5 and the reply rules use.

import { ERRNO } from '../../core/errors.js';
import type { SubOp, SubOpName } from './types.js';

/** Ceph's osd_max_object_name_len / osd_max_object_namespace_len defaults, in bytes. */
export const DEFAULT_PRECHECK_LIMITS = {
  maxObjectNameLen: 2048,
  maxNamespaceLen: 256,
  maxWriteSizeBytes: 90 * 1024 * 1024,
} as const;

/** Sub-ops with Ceph's CEPH_OSD_OP_MODE_WR bit; exec depends on the method's WR flag. */
const WRITE_OPS: ReadonlySet<SubOpName> = new Set<SubOpName>([
  'create',
  'write',
  'writefull',
  'append',
  'writesame',
  'truncate',
  'zero',
  'remove',
  'set_alloc_hint',
  'setxattr',
  'rmxattr',
  'omap_set',
  'omap_set_header',
  'omap_rm_keys',
  'omap_rm_range',
  'omap_clear',
  'copy_from',
]);

/**
 * True when any sub-op is write-class. Without `classIsWrite` every exec counts as a write
 * (cls_lua methods are RD|WR).
 */
export function isWriteOp(ops: readonly SubOp[], classIsWrite?: (cls: string, method: string) => boolean): boolean {
  return ops.some((op) => {
    if (op.op === 'exec') return classIsWrite === undefined ? true : classIsWrite(op.cls, op.method);
    return WRITE_OPS.has(op.op);
  });
}

/**
 * 0 or a negative errno. Lengths are UTF-8 byte lengths. `snapId` undefined means the head
 * object; any number addresses a snapshot (u64 snap ids near 2^64 are not representable exactly,
 * so SNAP_HEAD is spelled "absent" rather than 2^64-2). `dataBytes` is the request's data payload.
 */
export function precheckRequest(
  req: {
    oid: string;
    namespace: string;
    locator: string;
    ops: readonly SubOp[];
    snapId?: number;
    dataBytes: number;
  },
  limits: { maxObjectNameLen: number; maxNamespaceLen: number; maxWriteSizeBytes: number },
): number {
  if (Buffer.byteLength(req.oid, 'utf8') > limits.maxObjectNameLen) return -ERRNO.ENAMETOOLONG;
  if (Buffer.byteLength(req.locator, 'utf8') > limits.maxObjectNameLen) return -ERRNO.ENAMETOOLONG;
  if (Buffer.byteLength(req.namespace, 'utf8') > limits.maxNamespaceLen) return -ERRNO.ENAMETOOLONG;
  if (req.oid.length === 0) return -ERRNO.EINVAL;
  if (req.snapId !== undefined && isWriteOp(req.ops)) return -ERRNO.EINVAL;
  if (req.dataBytes > limits.maxWriteSizeBytes) return -ERRNO.EMSGSIZE;
  return 0;
}
