// Hostile numbers from the wire: every op type with zero, negative, fractional, 2^53, 2^64-1
// (as a JS number), Infinity/NaN and limit-sized lengths and offsets. The engine must answer
// with an errno or a small result, never throw, and never allocate beyond the object size limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRNO } from '../../core/errors.js';
import { executeOps } from './engine.js';
import { applySteps, memoryView } from './memory-view.js';
import { encodedOutputBytes as encodedBytesOf } from './engine.js';
import { isWriteOp } from './prechecks.js';
import { absent, context, obj } from './testkit.js';
import { OPERATION_FLAG, type SubOp } from './types.js';

const LIMIT = 1024 * 1024;
const VALUES = [0, 1, -1, 0.5, LIMIT - 1, LIMIT, LIMIT + 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 64 - 1, 2 ** 64 + 2 ** 12, Number.MAX_VALUE, Infinity, NaN];
const data = Buffer.from('abc');

const templates: Array<(n: number) => SubOp> = [
  (n) => ({ op: 'write', offset: n, length: 3, data }),
  (n) => ({ op: 'write', offset: 0, length: n, data }),
  (n) => ({ op: 'writesame', offset: n, length: 3, data }),
  (n) => ({ op: 'writesame', offset: 0, length: n, data: Buffer.from('a') }),
  (n) => ({ op: 'read', offset: n, length: 4 }),
  (n) => ({ op: 'read', offset: 0, length: n }),
  (n) => ({ op: 'sparse_read', offset: n, length: n }),
  (n) => ({ op: 'truncate', size: n }),
  (n) => ({ op: 'zero', offset: n, length: 2 }),
  (n) => ({ op: 'zero', offset: 1, length: n }),
  (n) => ({ op: 'set_alloc_hint', objectSize: n, writeSize: n, hintFlags: n }),
  (n) => ({ op: 'cmpext', offset: n, data }),
  (n) => ({ op: 'checksum', type: 2, init: Buffer.alloc(8), offset: n, length: 0, chunkSize: 0 }),
  (n) => ({ op: 'checksum', type: 1, init: Buffer.alloc(8), offset: 0, length: n, chunkSize: 1 }),
  (n) => ({ op: 'checksum', type: n, init: Buffer.alloc(8), offset: 0, length: 0, chunkSize: n }),
  (n) => ({ op: 'assert_version', version: n }),
  (n) => ({ op: 'omap_get_keys', startAfter: '', max: n }),
  (n) => ({ op: 'omap_get_vals', startAfter: '', prefix: '', max: n }),
  (n) => ({ op: 'cmpxattr', name: 'a', cmp: n, mode: n, value: Buffer.alloc(8) }),
  (n) => ({ op: 'omap_cmp', assertions: [['k', data, n]] }),
  (n) => ({ op: 'copy_from', srcPool: n, srcNamespace: '', srcOid: 's', srcLocator: '', srcVersion: n }),
  (n) => ({ op: 'create', exclusive: false, flags: n }),
];

test('every op type answers hostile numbers with an errno or a bounded result and never throws', async () => {
  const ctx = context({ limits: { maxObjectSizeBytes: LIMIT }, operationFlags: OPERATION_FLAG.RETURNVEC });
  const states = [absent, obj({ data: 'hello', omap: [['k', 'v']], xattrs: [['a', '5']] })];
  for (const make of templates) {
    for (const n of VALUES) {
      const op = make(n);
      for (const state of states) {
        for (const ops of [[op], [{ op: 'create', exclusive: false } as SubOp, op]]) {
          const label = `${JSON.stringify({ op: op.op, n })} on ${state.exists ? 'object' : 'missing'}`;
          const outcome = await executeOps(memoryView(state), ops, ctx, { copySource: () => memoryView(state) });
          assert.ok(Number.isInteger(outcome.ret), label);
          for (const r of outcome.results) assert.ok(encodedBytesOf(r.out) <= LIMIT + 64, label);
          if (outcome.ret >= 0) {
            const after = applySteps(state, outcome.steps, outcome.meta);
            assert.ok(after.data.length <= LIMIT, label);
          }
          if (!Number.isInteger(n) || n < 0) {
            // Malformed numbers are refused outright (flags of create included).
            // (A read-only op on a missing object stops at pre-check 5 first, as in Ceph.)
            const precheckFirst = !state.exists && !isWriteOp(ops);
            const missingFirst = op.op === 'omap_cmp' && !state.exists;
            if (!precheckFirst && !missingFirst) assert.equal(outcome.ret, -ERRNO.EINVAL, label);
          }
        }
      }
    }
  }
  assert.ok(process.memoryUsage().arrayBuffers < 512 * 1024 * 1024);
});
