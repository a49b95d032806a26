// Spec rows of spec/objects.md §6 (compound operations), §7 (versions), §9 (EINVAL catalogue)
// and §1's pre-checks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRNO, RadosError } from '../../core/errors.js';
import type { OpHooks, ScratchObject } from './engine.js';
import { DEFAULT_PRECHECK_LIMITS, isWriteOp, precheckRequest } from './prechecks.js';
import { absent, b, context, dataOf, obj, run } from './testkit.js';
import { CMP_MODE, CMP_OP, OPERATION_FLAG, OP_FLAG, type SubOp } from './types.js';

const E = (name: keyof typeof ERRNO): number => -ERRNO[name];
const RETURNVEC = context({ operationFlags: OPERATION_FLAG.RETURNVEC });
const exec = (method = 'm', input = b('')): SubOp => ({ op: 'exec', cls: 'c', method, input });
const hooksReturning = (ret: number, out: string, body?: (o: ScratchObject) => void): OpHooks => ({
  exec: async (_c, _m, _i, o) => {
    body?.(o);
    return { ret, out: b(out) };
  },
});

describe('atomicity and order [obs 16.2]', () => {
  test('create(excl) twice in one op is EEXIST and the object is not created', async () => {
    const r = await run(absent, [{ op: 'create', exclusive: true }, { op: 'create', exclusive: true }]);
    assert.equal(r.outcome.ret, E('EEXIST'));
    assert.equal(r.outcome.steps.length, 0);
    assert.equal(r.after.exists, false);
  });
  test('create + remove on a missing object returns 0 and leaves it absent', async () => {
    const r = await run(absent, [{ op: 'create', exclusive: false }, { op: 'remove' }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.exists, false);
  });
  test('remove + write_full("new") on an existing object returns 0 with data "new"', async () => {
    const r = await run(obj({ data: 'old', xattrs: [['a', '1']] }), [{ op: 'remove' }, { op: 'writefull', data: b('new') }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.data.toString(), 'new');
    assert.equal(r.after.xattrs.size, 0);
  });
  test('append("def"), truncate(2), append("Z") on "abc" gives "abZ"', async () => {
    const r = await run(obj({ data: 'abc' }), [{ op: 'append', data: b('def') }, { op: 'truncate', size: 2 }, { op: 'append', data: b('Z') }]);
    assert.equal(r.after.data.toString(), 'abZ');
  });
  test('assert_exists + write_full on a missing object is ENOENT and creates nothing', async () => {
    const r = await run(absent, [{ op: 'assert_exists' }, { op: 'writefull', data: b('x') }]);
    assert.equal(r.outcome.ret, E('ENOENT'));
    assert.equal(r.after.exists, false);
  });
  test('remove (FAILOK) + create(false) on a missing object returns 0 and an empty object exists', async () => {
    const r = await run(absent, [{ op: 'remove', flags: OP_FLAG.FAILOK }, { op: 'create', exclusive: false }]);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.outcome.results[0]?.ret, E('ENOENT'));
    assert.equal(r.after.exists, true);
  });
  test('a failing sub-op aborts the rest and applies nothing', async () => {
    const r = await run(obj({ data: 'abc' }), [{ op: 'write', offset: 0, length: 1, data: b('X') }, { op: 'getxattr', name: 'no' }, { op: 'truncate', size: 0 }]);
    assert.equal(r.outcome.ret, E('ENODATA'));
    assert.equal(r.outcome.steps.length, 0);
    assert.deepEqual(r.outcome.results.map((x) => x.ret), [0, E('ENODATA'), 0]);
    assert.equal(r.after.data.toString(), 'abc');
  });
  test('a read after a write in the same op sees the written bytes', async () => {
    const r = await run(obj({ data: 'abcdef' }), [{ op: 'write', offset: 2, length: 2, data: b('XY') }, { op: 'read', offset: 0, length: 0 }], { ctx: RETURNVEC });
    assert.equal(dataOf(r.outcome.results[1]?.out), 'abXYef');
  });
  test('create then omap_set on a missing object works in one op', async () => {
    const r = await run(absent, [{ op: 'create', exclusive: true }, { op: 'omap_set', entries: [['k', b('v')]] }]);
    assert.equal(r.after.omap.get('k')?.toString(), 'v');
  });
  test('FAILOK never masks EAGAIN', async () => {
    const r = await run(obj(), [{ ...exec(), flags: OP_FLAG.FAILOK }, { op: 'stat' }], { hooks: hooksReturning(-ERRNO.EAGAIN, '') });
    assert.equal(r.outcome.ret, E('EAGAIN'));
  });
  test('an unknown op (e.g. clone_range) is EOPNOTSUPP', async () => {
    assert.equal((await run(obj(), [{ op: 'clone_range' } as unknown as SubOp])).outcome.ret, E('EOPNOTSUPP'));
  });
  test('an empty operation returns 0 and changes nothing', async () => {
    const r = await run(absent, []);
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.outcome.steps.length, 0);
  });
});

describe('sub-ops inside a write-class op on a missing object', () => {
  const onMissing = async (op: SubOp): Promise<number> => (await run(absent, [op, { op: 'create', exclusive: false }])).outcome.ret;
  test('stat, getxattr(s), omap_rm_keys, omap_rm_range, omap_clear, omap_cmp and rmxattr are ENOENT', async () => {
    const ops: SubOp[] = [
      { op: 'stat' }, { op: 'getxattr', name: 'a' }, { op: 'getxattrs' }, { op: 'omap_rm_keys', keys: ['a'] },
      { op: 'omap_rm_range', begin: 'a', end: 'b' }, { op: 'omap_clear' }, { op: 'omap_cmp', assertions: [] }, { op: 'rmxattr', name: 'a' },
    ];
    for (const op of ops) assert.equal(await onMissing(op), E('ENOENT'), op.op);
  });
  test('read returns empty data and omap listings and header return empty results', async () => {
    const r = await run(absent, [
      { op: 'read', offset: 0, length: 0 }, { op: 'omap_get_vals', startAfter: '', prefix: '', max: 5 },
      { op: 'omap_get_keys', startAfter: '', max: 5 }, { op: 'omap_get_header' }, { op: 'create', exclusive: false },
    ], { ctx: RETURNVEC });
    assert.equal(r.outcome.ret, 0);
    assert.equal(dataOf(r.outcome.results[0]?.out), '');
    assert.deepEqual(r.outcome.results[1]?.out, { kind: 'vals', entries: [], more: false });
    assert.deepEqual(r.outcome.results[2]?.out, { kind: 'keys', keys: [], more: false });
    assert.equal(dataOf(r.outcome.results[3]?.out), '');
  });
});

describe('overall return value [obs 16.2]', () => {
  const o = obj({ data: 'abc', xattrs: [['a', 'x']] });
  const cmpx: SubOp = { op: 'cmpxattr', name: 'a', cmp: CMP_OP.EQ, mode: CMP_MODE.STRING, value: b('x') };
  test('a read op of a successful cmpxattr alone returns 1', async () => {
    assert.equal((await run(o, [cmpx])).outcome.ret, 1);
  });
  test('cmpxattr then read returns 0; read then cmpxattr returns 1', async () => {
    assert.equal((await run(o, [cmpx, { op: 'read', offset: 0, length: 0 }])).outcome.ret, 0);
    assert.equal((await run(o, [{ op: 'read', offset: 0, length: 0 }, cmpx])).outcome.ret, 1);
  });
  test('an exec returning 7 in a read op makes the op return 7', async () => {
    const r = await run(o, [exec()], { hooks: { ...hooksReturning(7, 'abc'), classIsWrite: () => false } });
    assert.equal(r.outcome.ret, 7);
    assert.equal(dataOf(r.outcome.results[0]?.out), 'abc');
  });
  test('omap_cmp success is 0', async () => {
    assert.equal((await run(obj({ omap: [['k', 'v']] }), [{ op: 'omap_cmp', assertions: [['k', b('v'), CMP_OP.EQ]] }])).outcome.ret, 0);
  });
  test('a write op that changed something returns 0 and no output; an exec prval keeps 7', async () => {
    const r = await run(o, [exec()], { hooks: hooksReturning(7, 'abc', (x) => x.write(0, b('Z'))) });
    assert.equal(r.outcome.ret, 0);
    assert.deepEqual(r.outcome.results[0], { ret: 7 });
    assert.equal(r.after.data.toString(), 'Zbc');
  });
  test('with RETURNVEC the exec result 7 and its output are returned', async () => {
    const r = await run(o, [exec()], { ctx: RETURNVEC, hooks: hooksReturning(7, 'abc', (x) => x.write(0, b('Z'))) });
    assert.equal(r.outcome.ret, 7);
    assert.equal(dataOf(r.outcome.results[0]?.out), 'abc');
  });
  test('with RETURNVEC an output of 65 bytes is EOVERFLOW and nothing is applied; 64 is fine', async () => {
    const over = await run(o, [exec()], { ctx: RETURNVEC, hooks: hooksReturning(0, 'x'.repeat(65), (x) => x.truncate(1)) });
    assert.equal(over.outcome.ret, E('EOVERFLOW'));
    assert.equal(over.outcome.results[0]?.ret, E('EOVERFLOW'));
    assert.equal(over.outcome.steps.length, 0);
    assert.equal(over.after.data.toString(), 'abc');
    const fits = await run(o, [exec()], { ctx: RETURNVEC, hooks: hooksReturning(0, 'x'.repeat(64), (x) => x.truncate(1)) });
    assert.equal(fits.outcome.ret, 0);
    assert.equal(fits.after.data.toString(), 'a');
  });
  test('a write-class op that changed nothing is answered like a read (7 and "abc")', async () => {
    const r = await run(o, [exec()], { hooks: hooksReturning(7, 'abc', (x) => void x.read(0, 0)) });
    assert.equal(r.outcome.ret, 7);
    assert.equal(dataOf(r.outcome.results[0]?.out), 'abc');
    assert.equal(r.outcome.steps.length, 0);
    assert.equal(r.outcome.version, 1);
  });
});

describe('exec and the class host object', () => {
  test('without an exec hook exec is EOPNOTSUPP', async () => {
    assert.equal((await run(obj(), [exec()])).outcome.ret, E('EOPNOTSUPP'));
  });
  test('a method without the WR flag that writes fails with EIO', async () => {
    const r = await run(obj(), [exec()], { hooks: { ...hooksReturning(0, '', (x) => x.setXattr('a', b('1'))), classIsWrite: () => false } });
    assert.equal(r.outcome.ret, E('EIO'));
  });
  test('a host call failure that the method does not catch fails the sub-op with its errno', async () => {
    const r = await run(obj(), [exec()], { hooks: hooksReturning(0, '', (x) => void x.getXattr('missing')) });
    assert.equal(r.outcome.ret, E('ENODATA'));
  });
  test('the host object reads and writes the same scratch state as the other sub-ops', async () => {
    let seen = '';
    const hooks: OpHooks = {
      exec: async (_c, _m, input, o) => {
        seen = o.read(0, 0).toString();
        o.omapSet([['k', input]]);
        o.setXattr('x', b('1'));
        const st = o.stat();
        return { ret: st.size, out: b('') };
      },
    };
    const r = await run(absent, [{ op: 'write', offset: 0, length: 2, data: b('hi') }, exec('m', b('in'))], { hooks });
    assert.equal(seen, 'hi');
    assert.equal(r.outcome.results[1]?.ret, 2);
    assert.equal(r.after.omap.get('k')?.toString(), 'in');
    assert.ok(RadosError.is(new RadosError(2, 'x')));
  });
});

describe('versions and mtime (§7)', () => {
  test('a write sets user_version = max(pg last_user_version, object version) + 1 and the op mtime', async () => {
    const ctx = context({ pgLastUserVersion: 10 });
    const r1 = await run(obj({ userVersion: 3 }), [{ op: 'append', data: b('x') }], { ctx });
    assert.equal(r1.outcome.version, 11);
    assert.equal(r1.after.userVersion, 11);
    assert.deepEqual(r1.after.mtime, ctx.mtime);
    const r2 = await run(obj({ userVersion: 30 }), [{ op: 'append', data: b('x') }], { ctx });
    assert.equal(r2.outcome.version, 31);
  });
  test('reads leave the version unchanged and report the current one', async () => {
    const r = await run(obj({ userVersion: 7 }), [{ op: 'stat' }]);
    assert.equal(r.outcome.version, 7);
    assert.equal(r.outcome.steps.length, 0);
  });
  test('non-exclusive create of an existing object still counts as a modification', async () => {
    const r = await run(obj({ userVersion: 7 }), [{ op: 'create', exclusive: false }]);
    assert.equal(r.outcome.version, 11);
    assert.equal(r.after.userVersion, 11);
  });
});

describe('EINVAL catalogue (§9)', () => {
  const cases: Array<[string, SubOp]> = [
    ['write length differs from payload', { op: 'write', offset: 0, length: 2, data: b('a') }],
    ['cmpxattr unknown mode', { op: 'cmpxattr', name: 'a', cmp: CMP_OP.EQ, mode: 7, value: b('') }],
    ['cmpxattr unknown op', { op: 'cmpxattr', name: 'a', cmp: 42, mode: CMP_MODE.STRING, value: b('') }],
    ['omap_cmp op other than EQ/LT/GT', { op: 'omap_cmp', assertions: [['k', b(''), CMP_OP.LTE]] }],
    ['assert_version(0)', { op: 'assert_version', version: 0 }],
    ['checksum bad chunk', { op: 'checksum', type: 2, init: Buffer.alloc(4), offset: 0, length: 3, chunkSize: 2 }],
    ['checksum unknown type', { op: 'checksum', type: 9, init: Buffer.alloc(4), offset: 0, length: 0, chunkSize: 0 }],
    ['checksum missing init value', { op: 'checksum', type: 0, init: Buffer.alloc(0), offset: 0, length: 0, chunkSize: 0 }],
    ['writesame zero-length pattern', { op: 'writesame', offset: 0, length: 4, data: b('') }],
    ['writesame non-dividing pattern', { op: 'writesame', offset: 0, length: 4, data: b('abc') }],
    ['zero of length 0', { op: 'zero', offset: 0, length: 0 }],
    ['negative offset', { op: 'read', offset: -1, length: 1 }],
    ['fractional length', { op: 'read', offset: 0, length: 1.5 }],
    ['undecodable omap argument', { op: 'omap_set', entries: [['k', 'not a buffer']] } as unknown as SubOp],
    ['undecodable xattr compare value', { op: 'cmpxattr', name: 'a', cmp: 1, mode: 1, value: 'x' } as unknown as SubOp],
    ['undecodable class call', { op: 'exec', cls: 1, method: 'm', input: b('') } as unknown as SubOp],
    ['undecodable create', { op: 'create', exclusive: 'yes' } as unknown as SubOp],
    ['undecodable copy_from', { op: 'copy_from', srcPool: -1, srcNamespace: '', srcOid: 'x', srcLocator: '', srcVersion: 0 } as unknown as SubOp],
  ];
  for (const [what, op] of cases) {
    test(`${what} is EINVAL with nothing applied`, async () => {
      const state = obj({ data: 'abcd', xattrs: [['a', '1']], omap: [['k', 'v']] });
      const r = await run(state, [{ op: 'setxattr', name: 'touched', value: b('1') }, op], { hooks: { exec: async () => ({ ret: 0, out: b('') }) } });
      assert.equal(r.outcome.ret, E('EINVAL'));
      assert.equal(r.outcome.steps.length, 0);
      assert.equal(r.after, state);
    });
  }
  test('copy_from to itself is EINVAL', async () => {
    const r = await run(obj(), [{ op: 'copy_from', srcPool: 3, srcNamespace: 'n', srcOid: 'o', srcLocator: '', srcVersion: 0 }], {
      ctx: context({ target: { pool: 3, namespace: 'n', oid: 'o', locator: '' } }),
    });
    assert.equal(r.outcome.ret, E('EINVAL'));
  });
});

describe('request pre-checks (§1)', () => {
  const base = { oid: 'o', namespace: '', locator: '', ops: [{ op: 'read', offset: 0, length: 0 }] as SubOp[], dataBytes: 0 };
  const L = DEFAULT_PRECHECK_LIMITS;
  test('an object name of 2048 bytes is accepted and 2049 is ENAMETOOLONG', () => {
    assert.equal(precheckRequest({ ...base, oid: 'x'.repeat(2048) }, L), 0);
    assert.equal(precheckRequest({ ...base, oid: 'x'.repeat(2049) }, L), E('ENAMETOOLONG'));
  });
  test('lengths are UTF-8 bytes: 1025 two-byte characters are too long', () => {
    assert.equal(precheckRequest({ ...base, oid: 'é'.repeat(1025) }, L), E('ENAMETOOLONG'));
  });
  test('a locator key of 2049 bytes is ENAMETOOLONG', () => {
    assert.equal(precheckRequest({ ...base, locator: 'x'.repeat(2049) }, L), E('ENAMETOOLONG'));
  });
  test('a namespace of 256 bytes is accepted and 257 is ENAMETOOLONG', () => {
    assert.equal(precheckRequest({ ...base, namespace: 'n'.repeat(256) }, L), 0);
    assert.equal(precheckRequest({ ...base, namespace: 'n'.repeat(257) }, L), E('ENAMETOOLONG'));
  });
  test('an empty name is EINVAL, after the length checks', () => {
    assert.equal(precheckRequest({ ...base, oid: '' }, L), E('EINVAL'));
    assert.equal(precheckRequest({ ...base, oid: '', namespace: 'n'.repeat(257) }, L), E('ENAMETOOLONG'));
  });
  test('a write addressed to a snapshot is EINVAL; a read at a snapshot is fine', () => {
    assert.equal(precheckRequest({ ...base, snapId: 4, ops: [{ op: 'create', exclusive: false }] }, L), E('EINVAL'));
    assert.equal(precheckRequest({ ...base, snapId: 4 }, L), 0);
  });
  test('data beyond osd_max_write_size is EMSGSIZE, checked after the snapshot rule', () => {
    assert.equal(precheckRequest({ ...base, dataBytes: L.maxWriteSizeBytes + 1 }, L), E('EMSGSIZE'));
    assert.equal(precheckRequest({ ...base, dataBytes: L.maxWriteSizeBytes }, L), 0);
    assert.equal(precheckRequest({ ...base, snapId: 4, ops: [{ op: 'remove' }], dataBytes: L.maxWriteSizeBytes + 1 }, L), E('EINVAL'));
  });
  test('an op is write-class when any sub-op is; exec follows the method WR flag', () => {
    assert.equal(isWriteOp([{ op: 'read', offset: 0, length: 0 }, { op: 'stat' }]), false);
    assert.equal(isWriteOp([{ op: 'stat' }, { op: 'omap_clear' }]), true);
    assert.equal(isWriteOp([exec()]), true);
    assert.equal(isWriteOp([exec()], () => false), false);
  });
  test('pre-check 5: a read-only op on a missing object is ENOENT (omap_get_vals included)', async () => {
    assert.equal((await run(absent, [{ op: 'omap_get_vals', startAfter: '', prefix: '', max: 1 }])).outcome.ret, E('ENOENT'));
    assert.equal((await run(absent, [exec()], { hooks: { ...hooksReturning(0, ''), classIsWrite: () => false } })).outcome.ret, E('ENOENT'));
  });
});
