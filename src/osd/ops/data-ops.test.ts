// Spec rows of spec/objects.md §1 (limits) and §2 (data operations), one test each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRNO } from '../../core/errors.js';
import { MAX, absent, b, context, dataOf, obj, run } from './testkit.js';
import { CHECKSUM_TYPE } from './types.js';

const E = (name: keyof typeof ERRNO): number => -ERRNO[name];

describe('object size limit (osd_max_object_size = 128 MiB)', () => {
  test('write of 1 byte at 128 MiB - 1 succeeds and at 128 MiB fails with EFBIG', async () => {
    const okRun = await run(obj(), [{ op: 'write', offset: MAX - 1, length: 1, data: b('x') }]);
    assert.equal(okRun.outcome.ret, 0);
    assert.equal(okRun.after.data.length, MAX);
    const bad = await run(obj(), [{ op: 'write', offset: MAX, length: 1, data: b('x') }]);
    assert.equal(bad.outcome.ret, E('EFBIG'));
  });
  test('write fails with EFBIG when offset + length passes the limit', async () => {
    const r = await run(absent, [{ op: 'write', offset: MAX - 1, length: 2, data: b('xy') }]);
    assert.equal(r.outcome.ret, E('EFBIG'));
    assert.equal(r.after.exists, false);
  });
  test('write_full longer than the limit fails with EFBIG', async () => {
    const r = await run(absent, [{ op: 'writefull', data: Buffer.alloc(5) }], { ctx: context({ limits: { maxObjectSizeBytes: 4 } }) });
    assert.equal(r.outcome.ret, E('EFBIG'));
  });
  test('truncating an existing object to exactly 128 MiB fails with EFBIG', async () => {
    assert.equal((await run(obj({ data: 'a' }), [{ op: 'truncate', size: MAX }])).outcome.ret, E('EFBIG'));
    assert.equal((await run(obj({ data: 'a' }), [{ op: 'truncate', size: MAX - 1 }])).outcome.ret, 0);
  });
  test('writesame beyond the limit fails with EFBIG', async () => {
    const r = await run(obj(), [{ op: 'writesame', offset: MAX - 2, length: 4, data: b('ab') }]);
    assert.equal(r.outcome.ret, E('EFBIG'));
  });
});

describe('create', () => {
  test('creates an empty object when missing', async () => {
    const r = await run(absent, [{ op: 'create', exclusive: false }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.exists, true);
    assert.equal(r.after.data.length, 0);
  });
  test('exclusive create of an existing object fails with EEXIST', async () => {
    assert.equal((await run(obj(), [{ op: 'create', exclusive: true }])).outcome.ret, E('EEXIST'));
  });
  test('the EXCL op flag makes a create exclusive', async () => {
    assert.equal((await run(obj(), [{ op: 'create', exclusive: false, flags: 0x1 }])).outcome.ret, E('EEXIST'));
  });
  test('non-exclusive create of an existing object succeeds without changing it', async () => {
    const r = await run(obj({ data: 'abc', xattrs: [['a', 'x']] }), [{ op: 'create', exclusive: false }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.data.toString(), 'abc');
    assert.equal(r.after.xattrs.get('a')?.toString(), 'x');
  });
});

describe('write', () => {
  test('creates the object and zero-fills the gap before the offset', async () => {
    const r = await run(absent, [{ op: 'write', offset: 3, length: 2, data: b('hi') }]);
    assert.equal(r.outcome.ret, 0);
    assert.deepEqual([...r.after.data], [0, 0, 0, 104, 105]);
  });
  test('size becomes max(size, offset + length)', async () => {
    const r = await run(obj({ data: 'abcdef' }), [{ op: 'write', offset: 1, length: 2, data: b('XY') }]);
    assert.equal(r.after.data.toString(), 'aXYdef');
  });
  test('a zero-length write past the end extends the object (size 10, write at 50 -> 50)', async () => {
    const r = await run(obj({ data: '0123456789' }), [{ op: 'write', offset: 50, length: 0, data: b('') }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.data.length, 50);
    assert.equal(r.after.data.subarray(0, 10).toString(), '0123456789');
  });
  test('a zero-length write inside the object changes no data (size 10, write at 5)', async () => {
    const r = await run(obj({ data: '0123456789' }), [{ op: 'write', offset: 5, length: 0, data: b('') }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.data.toString(), '0123456789');
  });
  test('a zero-length write creates a missing object', async () => {
    const r = await run(absent, [{ op: 'write', offset: 0, length: 0, data: b('') }]);
    assert.equal(r.after.exists, true);
  });
  test('a declared length different from the payload is EINVAL', async () => {
    const r = await run(absent, [{ op: 'write', offset: 0, length: 3, data: b('ab') }]);
    assert.equal(r.outcome.ret, E('EINVAL'));
    assert.equal(r.after.exists, false);
  });
});

describe('write_full', () => {
  test('replaces the whole content and keeps xattrs and omap', async () => {
    const r = await run(obj({ data: 'abcdef', xattrs: [['x', '1']], omap: [['k', 'v']] }), [{ op: 'writefull', data: b('XY') }]);
    assert.equal(r.after.data.toString(), 'XY');
    assert.equal(r.after.xattrs.get('x')?.toString(), '1');
    assert.equal(r.after.omap.get('k')?.toString(), 'v');
  });
  test('an empty write_full leaves an existing empty object and creates a missing one', async () => {
    assert.equal((await run(obj({ data: 'abc' }), [{ op: 'writefull', data: b('') }])).after.data.length, 0);
    assert.equal((await run(absent, [{ op: 'writefull', data: b('') }])).after.exists, true);
  });
});

describe('append', () => {
  test('writes at the current size', async () => {
    assert.equal((await run(obj({ data: 'abc' }), [{ op: 'append', data: b('de') }])).after.data.toString(), 'abcde');
  });
  test('creates a missing object and writes at 0', async () => {
    assert.equal((await run(absent, [{ op: 'append', data: b('de') }])).after.data.toString(), 'de');
  });
});

describe('writesame', () => {
  test('repeats the pattern over write_len bytes at the offset', async () => {
    const r = await run(obj({ data: 'xxxxxxxxxxxx' }), [{ op: 'writesame', offset: 1, length: 9, data: b('abc') }]);
    assert.equal(r.after.data.toString(), 'xabcabcabcxx');
  });
  test('write_len 0 is a successful no-op that does not create the object', async () => {
    const r = await run(absent, [{ op: 'writesame', offset: 0, length: 0, data: b('abc') }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.exists, false);
    assert.equal(r.outcome.steps.length, 0);
  });
  test('10 bytes with a 3-byte pattern is EINVAL and 9 bytes succeed', async () => {
    assert.equal((await run(absent, [{ op: 'writesame', offset: 0, length: 10, data: b('abc') }])).outcome.ret, E('EINVAL'));
    assert.equal((await run(absent, [{ op: 'writesame', offset: 0, length: 9, data: b('abc') }])).outcome.ret, 0);
  });
  test('an empty pattern is EINVAL', async () => {
    assert.equal((await run(absent, [{ op: 'writesame', offset: 0, length: 3, data: b('') }])).outcome.ret, E('EINVAL'));
  });
});

describe('read', () => {
  test('returns bytes [off, min(off+len, size)) with prval 0', async () => {
    const r = await run(obj({ data: 'abcdef' }), [{ op: 'read', offset: 2, length: 10 }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.outcome.results[0]?.ret, 0);
    assert.equal(dataOf(r.outcome.results[0]?.out), 'cdef');
  });
  test('length 0 reads the whole object', async () => {
    assert.equal(dataOf((await run(obj({ data: 'abcdef' }), [{ op: 'read', offset: 0, length: 0 }])).outcome.results[0]?.out), 'abcdef');
  });
  test('reading at or after EOF returns 0 bytes successfully', async () => {
    for (const offset of [6, 100]) {
      const r = await run(obj({ data: 'abcdef' }), [{ op: 'read', offset, length: 4 }]);
      assert.equal(r.outcome.ret, 0);
      assert.equal(dataOf(r.outcome.results[0]?.out), '');
    }
  });
  test('reading a missing object fails with ENOENT', async () => {
    assert.equal((await run(absent, [{ op: 'read', offset: 0, length: 0 }])).outcome.ret, E('ENOENT'));
  });
});

describe('sparse_read', () => {
  test('returns the allocated extents and their concatenated data', async () => {
    const state = obj({ data: Buffer.from('ab\0\0\0\0cd'), extents: [[0, 2], [6, 2]] });
    const r = await run(state, [{ op: 'sparse_read', offset: 0, length: 8 }]);
    const out = r.outcome.results[0]?.out;
    assert.equal(out?.kind, 'extents');
    if (out?.kind !== 'extents') return;
    assert.deepEqual(out.extents, [[0, 2], [6, 2]]);
    assert.equal(out.data.toString(), 'abcd');
  });
  test('sees writes made earlier in the same op', async () => {
    const r = await run(obj({ data: Buffer.alloc(8), extents: [] }), [
      { op: 'write', offset: 3, length: 2, data: b('xy') },
      { op: 'sparse_read', offset: 0, length: 8 },
    ], { ctx: context({ operationFlags: 1024 }) });
    const out = r.outcome.results[1]?.out;
    assert.ok(out?.kind === 'extents');
    assert.deepEqual(out.extents, [[3, 2]]);
  });
  test('a missing object fails with ENOENT', async () => {
    assert.equal((await run(absent, [{ op: 'sparse_read', offset: 0, length: 8 }])).outcome.ret, E('ENOENT'));
  });
});

describe('stat', () => {
  test('returns size and mtime', async () => {
    const r = await run(obj({ data: 'abc', mtime: { sec: 7, nsec: 8 } }), [{ op: 'stat' }]);
    assert.deepEqual(r.outcome.results[0]?.out, { kind: 'stat', size: 3, mtime: { sec: 7, nsec: 8 } });
  });
  test('a missing object fails with ENOENT', async () => {
    assert.equal((await run(absent, [{ op: 'stat' }])).outcome.ret, E('ENOENT'));
  });
});

describe('truncate', () => {
  test('growing fills zeros and shrinking discards', async () => {
    assert.deepEqual([...(await run(obj({ data: 'ab' }), [{ op: 'truncate', size: 4 }])).after.data], [97, 98, 0, 0]);
    assert.equal((await run(obj({ data: 'abcd' }), [{ op: 'truncate', size: 1 }])).after.data.toString(), 'a');
  });
  test('a missing object is a successful no-op that does not create it', async () => {
    const r = await run(absent, [{ op: 'truncate', size: 5 }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.exists, false);
  });
  test('truncate(128 MiB) on a missing object returns 0 (checked before the size limit)', async () => {
    assert.equal((await run(absent, [{ op: 'truncate', size: MAX }])).outcome.ret, 0);
  });
});

describe('zero (munged as Ceph does)', () => {
  const ten = (): ReturnType<typeof obj> => obj({ data: '0123456789' });
  test('size 10, zero(5,100) shrinks the object to 5', async () => {
    const r = await run(ten(), [{ op: 'zero', offset: 5, length: 100 }]);
    assert.equal(r.after.data.toString(), '01234');
  });
  test('size 10, zero(5,5) shrinks the object to 5', async () => {
    assert.equal((await run(ten(), [{ op: 'zero', offset: 5, length: 5 }])).after.data.toString(), '01234');
  });
  test('size 10, zero(2,3) zeroes bytes 2..4 and keeps size 10', async () => {
    const r = await run(ten(), [{ op: 'zero', offset: 2, length: 3 }]);
    assert.deepEqual([...r.after.data], [48, 49, 0, 0, 0, 53, 54, 55, 56, 57]);
  });
  test('size 10, zero(20,5) changes nothing', async () => {
    const r = await run(ten(), [{ op: 'zero', offset: 20, length: 5 }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.outcome.steps.length, 0);
    assert.equal(r.after.data.toString(), '0123456789');
  });
  test('zero(M,1) on a missing object fails with EFBIG', async () => {
    assert.equal((await run(absent, [{ op: 'zero', offset: MAX, length: 1 }])).outcome.ret, E('EFBIG'));
  });
  test('zero(M-1,2) on a 1-byte object returns 0', async () => {
    assert.equal((await run(obj({ data: 'a' }), [{ op: 'zero', offset: MAX - 1, length: 2 }])).outcome.ret, 0);
  });
  test('zero(M-1,2) on a 128 MiB object fails with EFBIG', async () => {
    const big = obj({ data: Buffer.alloc(MAX), extents: [] });
    assert.equal((await run(big, [{ op: 'zero', offset: MAX - 1, length: 2 }])).outcome.ret, E('EFBIG'));
  });
  test('zero on a missing object is a no-op that does not create it', async () => {
    const r = await run(absent, [{ op: 'zero', offset: 0, length: 5 }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.exists, false);
  });
  test('a zero of length 0 is EINVAL', async () => {
    assert.equal((await run(obj({ data: 'abc' }), [{ op: 'zero', offset: 0, length: 0 }])).outcome.ret, E('EINVAL'));
  });
});

describe('remove', () => {
  test('deletes data, xattrs, omap and header', async () => {
    const r = await run(obj({ data: 'a', xattrs: [['x', '1']], omap: [['k', 'v']], header: 'h' }), [{ op: 'remove' }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.exists, false);
    assert.equal(r.outcome.meta, undefined);
  });
  test('a missing object fails with ENOENT', async () => {
    assert.equal((await run(absent, [{ op: 'remove' }])).outcome.ret, E('ENOENT'));
  });
});

describe('set_alloc_hint', () => {
  test('creates an empty object when missing', async () => {
    const r = await run(absent, [{ op: 'set_alloc_hint', objectSize: 4 << 20, writeSize: 4096, hintFlags: 1 | 32 }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.exists, true);
    assert.equal(r.after.data.length, 0);
  });
});

describe('cmpext', () => {
  test('equal bytes return 0', async () => {
    assert.equal((await run(obj({ data: 'abcdef' }), [{ op: 'cmpext', offset: 1, data: b('bcd') }])).outcome.ret, 0);
  });
  test('a mismatch at index 2 returns -4097', async () => {
    const r = await run(obj({ data: 'abcdef' }), [{ op: 'cmpext', offset: 0, data: b('abX') }]);
    assert.equal(r.outcome.ret, -4097);
    assert.equal(r.outcome.results[0]?.ret, -4097);
  });
  test('bytes past EOF compare as zeros', async () => {
    assert.equal((await run(obj({ data: 'ab' }), [{ op: 'cmpext', offset: 1, data: Buffer.from('b\0\0') }])).outcome.ret, 0);
    assert.equal((await run(obj({ data: 'ab' }), [{ op: 'cmpext', offset: 1, data: b('bc') }])).outcome.ret, -4096);
  });
  test('a read-only cmpext on a missing object fails with ENOENT', async () => {
    assert.equal((await run(absent, [{ op: 'cmpext', offset: 0, data: b('a') }])).outcome.ret, E('ENOENT'));
  });
});

describe('checksum', () => {
  const init32 = (v: number): Buffer => { const x = Buffer.alloc(4); x.writeUInt32LE(v); return x; };
  const hex = (c: Buffer | undefined): string => (c === undefined ? '' : c.readUInt32LE(0).toString(16));
  const sums = async (data: string, op: { type: number; init: Buffer; offset: number; length: number; chunkSize: number }): Promise<{ ret: number; sums: Buffer[] }> => {
    const r = await run(obj({ data }), [{ op: 'checksum', ...op }]);
    const out = r.outcome.results[0]?.out;
    return { ret: r.outcome.ret, sums: out?.kind === 'checksums' ? [...out.checksums] : [] };
  };
  test('CRC32C with init 0xffffffff over "hello world" is 0x366b9a55 (Ceph raw crc32c)', async () => {
    const r = await sums('hello world', { type: CHECKSUM_TYPE.CRC32C, init: init32(0xffffffff), offset: 0, length: 0, chunkSize: 0 });
    assert.equal(r.ret, 0);
    assert.equal(hex(r.sums[0]), '366b9a55');
  });
  test('XXHASH32 seed 0 over "hello" is 0xfb0077f9', async () => {
    const r = await sums('hello', { type: CHECKSUM_TYPE.XXHASH32, init: init32(0), offset: 0, length: 0, chunkSize: 0 });
    assert.equal(hex(r.sums[0]), 'fb0077f9');
  });
  test('XXHASH64 takes an 8-byte init value and returns 8-byte values', async () => {
    const r = await sums('hello', { type: CHECKSUM_TYPE.XXHASH64, init: Buffer.alloc(8), offset: 0, length: 0, chunkSize: 0 });
    assert.equal(r.sums[0]?.length, 8);
    assert.equal(r.sums[0]?.readBigUInt64LE(0).toString(16), '26c7827d889f6da3');
  });
  test('one value per chunk', async () => {
    const r = await sums('aaaabbbb', { type: CHECKSUM_TYPE.CRC32C, init: init32(0), offset: 0, length: 8, chunkSize: 4 });
    assert.equal(r.sums.length, 2);
    assert.notEqual(hex(r.sums[0]), hex(r.sums[1]));
  });
  test('chunk size without a length, or a length not a multiple of it, is EINVAL', async () => {
    const base = { type: CHECKSUM_TYPE.CRC32C, init: init32(0), offset: 0 };
    assert.equal((await sums('aaaa', { ...base, length: 0, chunkSize: 4 })).ret, -ERRNO.EINVAL);
    assert.equal((await sums('aaaa', { ...base, length: 3, chunkSize: 2 })).ret, -ERRNO.EINVAL);
  });
  test('an unknown type or a missing init value is EINVAL', async () => {
    assert.equal((await sums('aaaa', { type: 3, init: init32(0), offset: 0, length: 0, chunkSize: 0 })).ret, -ERRNO.EINVAL);
    assert.equal((await sums('aaaa', { type: CHECKSUM_TYPE.XXHASH64, init: init32(0), offset: 0, length: 0, chunkSize: 0 })).ret, -ERRNO.EINVAL);
  });
  test('a range past EOF is clipped to the object size', async () => {
    const clipped = await sums('hello world', { type: CHECKSUM_TYPE.CRC32C, init: init32(0xffffffff), offset: 0, length: 100, chunkSize: 0 });
    assert.equal(hex(clipped.sums[0]), '366b9a55');
  });
  test('a read-only checksum on a missing object fails with ENOENT', async () => {
    assert.equal((await run(absent, [{ op: 'checksum', type: 2, init: init32(0), offset: 0, length: 0, chunkSize: 0 }])).outcome.ret, E('ENOENT'));
  });
});

describe('copy_from', () => {
  const src = obj({ data: 'payload', xattrs: [['a', '1']], omap: [['k', 'v']], header: 'H', userVersion: 4 });
  const copy = { op: 'copy_from', srcPool: 1, srcNamespace: '', srcOid: 'src', srcLocator: '', srcVersion: 0 } as const;
  const target = { pool: 1, namespace: '', oid: 'dst', locator: '' };
  test('replaces data, xattrs, omap and header with the source', async () => {
    const { memoryView } = await import('./memory-view.js');
    const r = await run(obj({ data: 'old-longer-data', xattrs: [['z', '9']], omap: [['q', 'r']] }), [copy], {
      ctx: context({ target }),
      hooks: { copySource: () => memoryView(src) },
    });
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.data.toString(), 'payload');
    assert.deepEqual([...r.after.xattrs.keys()], ['a']);
    assert.deepEqual([...r.after.omap.keys()], ['k']);
    assert.equal(r.after.header.toString(), 'H');
  });
  test('a missing source fails with ENOENT', async () => {
    const r = await run(absent, [copy], { ctx: context({ target }), hooks: { copySource: () => undefined } });
    assert.equal(r.outcome.ret, E('ENOENT'));
  });
  test('copying onto itself is EINVAL', async () => {
    const r = await run(obj(), [copy], { ctx: context({ target: { ...target, oid: 'src' } }), hooks: { copySource: () => undefined } });
    assert.equal(r.outcome.ret, E('EINVAL'));
  });
  test('a source version that differs from the source fails like assert_version', async () => {
    const { memoryView } = await import('./memory-view.js');
    const hooks = { copySource: () => memoryView(src) };
    assert.equal((await run(absent, [{ ...copy, srcVersion: 3 }], { ctx: context({ target }), hooks })).outcome.ret, E('ERANGE'));
    assert.equal((await run(absent, [{ ...copy, srcVersion: 5 }], { ctx: context({ target }), hooks })).outcome.ret, E('EOVERFLOW'));
  });
});

describe('assert_exists and assert_version', () => {
  test('assert_exists is ENOENT on a missing object and 0 otherwise', async () => {
    assert.equal((await run(absent, [{ op: 'assert_exists' }])).outcome.ret, E('ENOENT'));
    assert.equal((await run(obj(), [{ op: 'assert_exists' }])).outcome.ret, 0);
  });
  test('assert_version: 0 is EINVAL, older ERANGE, newer EOVERFLOW, equal 0', async () => {
    const o = obj({ userVersion: 5 });
    assert.equal((await run(o, [{ op: 'assert_version', version: 0 }])).outcome.ret, E('EINVAL'));
    assert.equal((await run(o, [{ op: 'assert_version', version: 4 }])).outcome.ret, E('ERANGE'));
    assert.equal((await run(o, [{ op: 'assert_version', version: 6 }])).outcome.ret, E('EOVERFLOW'));
    assert.equal((await run(o, [{ op: 'assert_version', version: 5 }])).outcome.ret, 0);
  });
});
