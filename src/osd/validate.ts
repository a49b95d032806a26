// Shape checks for requests arriving from the network: a hostile or buggy client may send any
// msgpack value. Anything malformed is EINVAL before it reaches placement or the op engine.
import type { OsdOpRequest, OsdPglsRequest, OsdRepop } from '../proto/messages.js';

const MAX_SUBOPS = 1024;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}
function isNat(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export function isValidOpRequest(v: unknown): v is OsdOpRequest {
  if (!isObj(v)) return false;
  const { pool, namespace, oid, locator, ops, flags, mtime, epoch, reqid } = v;
  return (
    isNat(pool) &&
    typeof namespace === 'string' &&
    typeof oid === 'string' &&
    typeof locator === 'string' &&
    Array.isArray(ops) &&
    ops.length <= MAX_SUBOPS &&
    ops.every((o) => isObj(o) && typeof o['op'] === 'string' && (o['flags'] === undefined || isNat(o['flags']))) &&
    isNat(flags) &&
    isObj(mtime) &&
    isNat(mtime['sec']) &&
    isNat(mtime['nsec']) &&
    isNat(epoch) &&
    Array.isArray(reqid) &&
    reqid.length === 2 &&
    reqid.every((x) => typeof x === 'number' && Number.isSafeInteger(x))
  );
}

export function isValidPglsRequest(v: unknown): v is OsdPglsRequest {
  if (!isObj(v)) return false;
  return isNat(v['pool']) && isNat(v['ps']) && isNat(v['max']) && typeof v['namespace'] === 'string' && isNat(v['epoch']);
}

export function isValidRepop(v: unknown): v is OsdRepop {
  if (!isObj(v)) return false;
  const key = v['key'];
  const entry = v['logEntry'];
  return (
    isNat(v['pool']) &&
    isNat(v['ps']) &&
    isObj(key) &&
    typeof key['oid'] === 'string' &&
    Array.isArray(v['steps']) &&
    isObj(entry) &&
    isNat(entry['version'])
  );
}
