// Spec rows of spec/objects.md §3 (xattrs) and §4 (omap), one test each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRNO } from '../../core/errors.js';
import { absent, b, context, dataOf, obj, run } from './testkit.js';
import { CMP_MODE, CMP_OP, type SubOp, type SubOpOut } from './types.js';

const E = (name: keyof typeof ERRNO): number => -ERRNO[name];
const u64 = (n: bigint): Buffer => { const x = Buffer.alloc(8); x.writeBigUInt64LE(n); return x; };

describe('setxattr / getxattr / getxattrs / rmxattr', () => {
  test('setxattr creates a missing object and replaces an existing value', async () => {
    const r = await run(absent, [{ op: 'setxattr', name: 'a', value: b('1') }, { op: 'setxattr', name: 'a', value: b('2') }]);
    assert.equal(r.after.exists, true);
    assert.equal(r.after.xattrs.get('a')?.toString(), '2');
  });
  test('a name of 100 bytes is accepted and 101 bytes is ENAMETOOLONG', async () => {
    assert.equal((await run(obj(), [{ op: 'setxattr', name: 'n'.repeat(100), value: b('') }])).outcome.ret, 0);
    assert.equal((await run(obj(), [{ op: 'setxattr', name: 'n'.repeat(101), value: b('') }])).outcome.ret, E('ENAMETOOLONG'));
  });
  test('with a non-zero osd_max_attr_size a longer value is EFBIG', async () => {
    const ctx = context({ limits: { maxAttrSizeBytes: 3 } });
    assert.equal((await run(obj(), [{ op: 'setxattr', name: 'a', value: b('abcd') }], { ctx })).outcome.ret, E('EFBIG'));
    assert.equal((await run(obj(), [{ op: 'setxattr', name: 'a', value: b('abc') }], { ctx })).outcome.ret, 0);
  });
  test('getxattr returns the value; a missing attribute is ENODATA; a missing object ENOENT', async () => {
    const o = obj({ xattrs: [['a', 'val']] });
    assert.equal(dataOf((await run(o, [{ op: 'getxattr', name: 'a' }])).outcome.results[0]?.out), 'val');
    assert.equal((await run(o, [{ op: 'getxattr', name: 'b' }])).outcome.ret, E('ENODATA'));
    assert.equal((await run(absent, [{ op: 'getxattr', name: 'a' }])).outcome.ret, E('ENOENT'));
  });
  test('getxattrs returns every attribute (possibly none) and ENOENT on a missing object', async () => {
    const r = await run(obj({ xattrs: [['b', '2'], ['a', '1']] }), [{ op: 'getxattrs' }]);
    assert.deepEqual(r.outcome.results[0]?.out, { kind: 'xattrs', xattrs: [['a', b('1')], ['b', b('2')]] });
    assert.deepEqual((await run(obj(), [{ op: 'getxattrs' }])).outcome.results[0]?.out, { kind: 'xattrs', xattrs: [] });
    assert.equal((await run(absent, [{ op: 'getxattrs' }])).outcome.ret, E('ENOENT'));
  });
  test('rmxattr of an absent attribute succeeds; on a missing object it is ENOENT', async () => {
    assert.equal((await run(obj(), [{ op: 'rmxattr', name: 'zz' }])).outcome.ret, 0);
    const r = await run(obj({ xattrs: [['a', '1']] }), [{ op: 'rmxattr', name: 'a' }]);
    assert.equal(r.after.xattrs.has('a'), false);
    assert.equal((await run(absent, [{ op: 'rmxattr', name: 'a' }])).outcome.ret, E('ENOENT'));
  });
});

describe('cmpxattr', () => {
  const o = obj({ xattrs: [['size', '100']] });
  const cmp = (cmpOp: number, mode: number, value: Buffer, name = 'size'): SubOp => ({ op: 'cmpxattr', name, cmp: cmpOp, mode, value });
  test('STRING mode tests client OP stored: "50" vs stored "100" satisfies GT, GTE and NE', async () => {
    for (const c of [CMP_OP.GT, CMP_OP.GTE, CMP_OP.NE]) assert.equal((await run(o, [cmp(c, CMP_MODE.STRING, b('50'))])).outcome.ret, 1);
    for (const c of [CMP_OP.EQ, CMP_OP.LT, CMP_OP.LTE]) assert.equal((await run(o, [cmp(c, CMP_MODE.STRING, b('50'))])).outcome.ret, E('ECANCELED'));
  });
  test('U64 mode parses the stored value as decimal text: 50 vs "100" satisfies LT, LTE and NE', async () => {
    for (const c of [CMP_OP.LT, CMP_OP.LTE, CMP_OP.NE]) assert.equal((await run(o, [cmp(c, CMP_MODE.U64, u64(50n))])).outcome.ret, 1);
    for (const c of [CMP_OP.EQ, CMP_OP.GT, CMP_OP.GTE]) assert.equal((await run(o, [cmp(c, CMP_MODE.U64, u64(50n))])).outcome.ret, E('ECANCELED'));
  });
  test('a missing attribute equals "" in STRING mode and 0 in U64 mode', async () => {
    assert.equal((await run(o, [cmp(CMP_OP.EQ, CMP_MODE.STRING, b(''), 'nope')])).outcome.ret, 1);
    assert.equal((await run(o, [cmp(CMP_OP.EQ, CMP_MODE.U64, u64(0n), 'nope')])).outcome.ret, 1);
  });
  test('an unknown op (including NOP) or mode is EINVAL', async () => {
    assert.equal((await run(o, [cmp(CMP_OP.NOP, CMP_MODE.STRING, b('1'))])).outcome.ret, E('EINVAL'));
    assert.equal((await run(o, [cmp(9, CMP_MODE.STRING, b('1'))])).outcome.ret, E('EINVAL'));
    assert.equal((await run(o, [cmp(CMP_OP.EQ, 3, b('1'))])).outcome.ret, E('EINVAL'));
    assert.equal((await run(o, [cmp(CMP_OP.EQ, CMP_MODE.U64, b('1'))])).outcome.ret, E('EINVAL'));
  });
  test('a missing object is ENOENT', async () => {
    assert.equal((await run(absent, [cmp(CMP_OP.EQ, CMP_MODE.STRING, b(''))])).outcome.ret, E('ENOENT'));
    // Inside a write op too: the object is still missing when cmpxattr runs.
    assert.equal((await run(absent, [cmp(CMP_OP.EQ, CMP_MODE.STRING, b('')), { op: 'create', exclusive: false }])).outcome.ret, E('ENOENT'));
  });
});

function keysOf(out: SubOpOut | undefined): { keys: string[]; more: boolean } {
  if (out?.kind === 'keys') return { keys: [...out.keys], more: out.more };
  if (out?.kind === 'vals') return { keys: out.entries.map(([k]) => k), more: out.more };
  throw new Error(`no listing in ${out?.kind}`);
}

describe('omap', () => {
  const pad = (i: number): string => `k${String(i).padStart(4, '0')}`;
  const many = obj({ omap: Array.from({ length: 1500 }, (_, i) => [pad(i), `v${i}`] as const) });
  const vals = async (state: ReturnType<typeof obj>, startAfter: string, prefix: string, max: number): Promise<{ keys: string[]; more: boolean }> =>
    keysOf((await run(state, [{ op: 'omap_get_vals', startAfter, prefix, max }])).outcome.results[0]?.out);

  test('omap_set creates the object and sets keys', async () => {
    const r = await run(absent, [{ op: 'omap_set', entries: [['a', b('1')], ['b', b('2')]] }]);
    assert.equal(r.after.exists, true);
    assert.equal(r.after.omap.get('b')?.toString(), '2');
  });
  test('omap_set_header creates the object; omap_get_header returns it, empty if never set', async () => {
    const r = await run(absent, [{ op: 'omap_set_header', value: b('H') }, { op: 'omap_get_header' }], { ctx: context({ operationFlags: 1024 }) });
    assert.equal(r.after.header.toString(), 'H');
    assert.equal(dataOf(r.outcome.results[1]?.out), 'H');
    assert.equal(dataOf((await run(obj(), [{ op: 'omap_get_header' }])).outcome.results[0]?.out), '');
  });
  test('omap reads on a missing object in a read-only op are ENOENT', async () => {
    for (const op of [{ op: 'omap_get_header' }, { op: 'omap_get_vals', startAfter: '', prefix: '', max: 10 }, { op: 'omap_get_keys', startAfter: '', max: 10 }] as SubOp[]) {
      assert.equal((await run(absent, [op])).outcome.ret, E('ENOENT'));
    }
  });
  test('an existing object without omap returns empty results', async () => {
    assert.deepEqual(await vals(obj(), '', '', 10), { keys: [], more: false });
  });
  test('omap_get_keys returns keys strictly after start_after, at most max, with more', async () => {
    const r = await run(obj({ omap: [['a', '1'], ['b', '2'], ['c', '3']] }), [{ op: 'omap_get_keys', startAfter: 'a', max: 1 }]);
    assert.deepEqual(keysOf(r.outcome.results[0]?.out), { keys: ['b'], more: true });
  });
  test('max 2000 on 1500 keys returns 1024 entries and more=true', async () => {
    const r = await vals(many, '', '', 2000);
    assert.equal(r.keys.length, 1024);
    assert.equal(r.more, true);
  });
  test('after k1490 with max 10 returns 9 keys and more=false', async () => {
    assert.deepEqual(await vals(many, 'k1490', '', 10), { keys: Array.from({ length: 9 }, (_, i) => pad(1491 + i)), more: false });
  });
  test('after k1489 with max 10 returns exactly 10 keys and more=false', async () => {
    const r = await vals(many, 'k1489', '', 10);
    assert.equal(r.keys.length, 10);
    assert.equal(r.more, false);
  });
  test('prefix k001 returns the 10 keys starting k0010', async () => {
    const r = await vals(many, '', 'k001', 100);
    assert.deepEqual(r.keys, Array.from({ length: 10 }, (_, i) => pad(10 + i)));
    assert.equal(r.more, false);
  });
  test('start_after "a" + prefix k02 + max 5 starts at k0200 with more=true', async () => {
    const r = await vals(many, 'a', 'k02', 5);
    assert.deepEqual(r.keys, ['k0200', 'k0201', 'k0202', 'k0203', 'k0204']);
    assert.equal(r.more, true);
  });
  test('the byte cap truncates a listing and sets more', async () => {
    const r = await run(obj({ omap: [['a', '1234'], ['b', '1234'], ['c', '1']] }), [{ op: 'omap_get_vals', startAfter: '', prefix: '', max: 100 }], {
      ctx: context({ limits: { maxOmapBytesPerRequest: 20 } }),
    });
    assert.deepEqual(keysOf(r.outcome.results[0]?.out), { keys: ['a', 'b'], more: true });
  });
  test('keys sort bytewise (UTF-8), not by UTF-16 code unit', async () => {
    const r = await run(obj({ omap: [['\u{1F600}', 'x'], ['\uFF5E', 'y']] }), [{ op: 'omap_get_keys', startAfter: '', max: 10 }]);
    assert.deepEqual(keysOf(r.outcome.results[0]?.out).keys, ['\uFF5E', '\u{1F600}']);
  });
  test('omap_get_vals_by_keys returns the requested keys that exist', async () => {
    const r = await run(obj({ omap: [['a', '1'], ['b', '2']] }), [{ op: 'omap_get_vals_by_keys', keys: ['b', 'zz', 'a'] }]);
    assert.deepEqual(r.outcome.results[0]?.out, { kind: 'vals', entries: [['a', b('1')], ['b', b('2')]], more: false });
  });
  test('omap_rm_keys ignores absent keys and is ENOENT on a missing object', async () => {
    const r = await run(obj({ omap: [['a', '1'], ['b', '2']] }), [{ op: 'omap_rm_keys', keys: ['a', 'zz'] }]);
    assert.deepEqual([...r.after.omap.keys()], ['b']);
    assert.equal((await run(absent, [{ op: 'omap_rm_keys', keys: ['a'] }])).outcome.ret, E('ENOENT'));
  });
  test('omap_rm_range removes [begin, end) and is ENOENT on a missing object', async () => {
    const r = await run(obj({ omap: [['a', '1'], ['b', '2'], ['c', '3']] }), [{ op: 'omap_rm_range', begin: 'a', end: 'c' }]);
    assert.deepEqual([...r.after.omap.keys()], ['c']);
    assert.equal((await run(absent, [{ op: 'omap_rm_range', begin: 'a', end: 'c' }])).outcome.ret, E('ENOENT'));
  });
  test('omap_clear removes every key and the header; ENOENT on a missing object', async () => {
    const r = await run(obj({ omap: [['a', '1']], header: 'H' }), [{ op: 'omap_clear' }]);
    assert.equal(r.after.omap.size, 0);
    assert.equal(r.after.header.length, 0);
    assert.equal((await run(absent, [{ op: 'omap_clear' }])).outcome.ret, E('ENOENT'));
  });
  test('omap_cmp orientation is stored OP given: stored b vs given a: GT ok, EQ/LT ECANCELED, NE/GTE EINVAL', async () => {
    const o = obj({ omap: [['k', 'b']] });
    const c = async (op: number): Promise<number> => (await run(o, [{ op: 'omap_cmp', assertions: [['k', b('a'), op]] }])).outcome.ret;
    assert.equal(await c(CMP_OP.GT), 0);
    assert.equal(await c(CMP_OP.EQ), E('ECANCELED'));
    assert.equal(await c(CMP_OP.LT), E('ECANCELED'));
    assert.equal(await c(CMP_OP.NE), E('EINVAL'));
    assert.equal(await c(CMP_OP.GTE), E('EINVAL'));
  });
  test('omap_cmp treats a missing key as the empty value and compares shorter < longer', async () => {
    const o = obj({ omap: [['k', 'ab']] });
    assert.equal((await run(o, [{ op: 'omap_cmp', assertions: [['none', b(''), CMP_OP.EQ]] }])).outcome.ret, 0);
    assert.equal((await run(o, [{ op: 'omap_cmp', assertions: [['k', b('abc'), CMP_OP.LT]] }])).outcome.ret, 0);
    assert.equal((await run(absent, [{ op: 'omap_cmp', assertions: [] }])).outcome.ret, E('ENOENT'));
  });
  test('listings see keys set and removed earlier in the same op', async () => {
    const r = await run(many, [
      { op: 'omap_rm_range', begin: 'k0000', end: 'k1498' },
      { op: 'omap_set', entries: [['k0005', b('new')]] },
      { op: 'omap_get_vals', startAfter: '', prefix: '', max: 10 },
    ], { ctx: context({ operationFlags: 1024, limits: { maxWriteOpReplyLenBytes: 1000 } }) });
    assert.deepEqual(keysOf(r.outcome.results[2]?.out).keys, ['k0005', 'k1498', 'k1499']);
  });
});
