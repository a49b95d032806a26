import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { neg } from '../../core/errors.js';
import { ABSENT, memoryObject, type MemoryObjectState } from '../../osd/ops/memory-view.js';
import { Decoder } from '../../codec/ceph-encoding.js';
import { call, caller } from './testkit.js';
import {
  VERSION_COND,
  VERSION_TAG_CHARS,
  VERSION_XATTR,
  decodeVersionReadRet,
  encodeVersionCondsOp,
  encodeVersionSetOp,
  type ObjVersion,
} from './version.js';

async function readVersion(state: MemoryObjectState): Promise<ObjVersion> {
  const r = await call(state, 'version', 'read');
  assert.equal(r.ret, 0);
  return decodeVersionReadRet(r.out);
}

describe('version', () => {
  test('set stores the given version (creating the object) and read returns it', async () => {
    const r = await call(ABSENT, 'version', 'set', encodeVersionSetOp({ ver: 7, tag: 'abc' }));
    assert.equal(r.outcome.ret, 0);
    assert.deepEqual(await readVersion(r.after), { ver: 7, tag: 'abc' });
    const raw = r.after.xattrs.get(VERSION_XATTR);
    assert.ok(raw);
    // obj_version: ENCODE_START(1,1) + u64 ver + string tag.
    assert.deepEqual([...raw], [1, 1, 15, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0x61, 0x62, 0x63]);
  });

  test('read of an object without a version is ver 0 with an empty tag', async () => {
    assert.deepEqual(await readVersion(memoryObject()), { ver: 0, tag: '' });
    assert.equal((await call(ABSENT, 'version', 'read')).outcome.ret, neg('ENOENT'));
  });

  test('inc initialises a missing version to 1 with a 24-character tag, then increments it', async () => {
    const first = await call(ABSENT, 'version', 'inc', encodeVersionCondsOp([]));
    assert.equal(first.outcome.ret, 0);
    const v = await readVersion(first.after);
    assert.equal(v.ver, 2);
    assert.equal(v.tag.length, VERSION_TAG_CHARS);
    const second = await call(first.after, 'version', 'inc_conds', encodeVersionCondsOp([]));
    assert.deepEqual(await readVersion(second.after), { ver: 3, tag: v.tag });
  });

  test('the fresh tag is a function of the op, so a replayed op produces the same state', async () => {
    const a = await call(ABSENT, 'version', 'inc', encodeVersionCondsOp([]));
    const b = await call(ABSENT, 'version', 'inc', encodeVersionCondsOp([]));
    const c = await call(ABSENT, 'version', 'inc', encodeVersionCondsOp([]), { who: caller(99) });
    assert.equal((await readVersion(a.after)).tag, (await readVersion(b.after)).tag);
    assert.notEqual((await readVersion(a.after)).tag, (await readVersion(c.after)).tag);
  });

  test('every condition compares the stored version with the given one; a failing one is ECANCELED', async () => {
    const obj = (await call(ABSENT, 'version', 'set', encodeVersionSetOp({ ver: 5, tag: 't' }))).after;
    const check = async (cond: number, ver: number, tag = 't') =>
      (await call(obj, 'version', 'check_conds', encodeVersionCondsOp([{ cond, ver: { ver, tag } }]))).ret;
    const C = VERSION_COND;
    const rows: Array<[number, number, string, number]> = [
      [C.none, 99, 'x', 0],
      [C.eq, 5, 't', 0], [C.eq, 5, 'u', neg('ECANCELED')], [C.eq, 4, 't', neg('ECANCELED')],
      [C.gt, 4, 't', 0], [C.gt, 5, 't', neg('ECANCELED')],
      [C.ge, 5, 't', 0], [C.ge, 6, 't', neg('ECANCELED')],
      [C.lt, 6, 't', 0], [C.lt, 5, 't', neg('ECANCELED')],
      [C.le, 5, 't', 0], [C.le, 4, 't', neg('ECANCELED')],
      [C.tagEq, 0, 't', 0], [C.tagEq, 5, 'u', neg('ECANCELED')],
      [C.tagNe, 0, 'u', 0], [C.tagNe, 5, 't', neg('ECANCELED')],
      [42, 0, '', 0],
    ];
    for (const [cond, ver, tag, want] of rows) assert.equal(await check(cond, ver, tag), want, `cond ${cond} ver ${ver} tag ${tag}`);
  });

  test('inc under a failing condition is ECANCELED and changes nothing', async () => {
    const obj = (await call(ABSENT, 'version', 'set', encodeVersionSetOp({ ver: 5, tag: 't' }))).after;
    const r = await call(obj, 'version', 'inc', encodeVersionCondsOp([{ cond: VERSION_COND.eq, ver: { ver: 4, tag: 't' } }]));
    assert.equal(r.ret, neg('ECANCELED'));
    assert.equal(r.after, obj);
    const ok = await call(obj, 'version', 'inc', encodeVersionCondsOp([{ cond: VERSION_COND.eq, ver: { ver: 5, tag: 't' } }]));
    assert.deepEqual(await readVersion(ok.after), { ver: 6, tag: 't' });
  });

  test('undecodable input is EINVAL and a corrupt stored version is EIO', async () => {
    assert.equal((await call(memoryObject(), 'version', 'set', Buffer.from([1]))).ret, neg('EINVAL'));
    assert.equal((await call(memoryObject(), 'version', 'inc', Buffer.from([2, 2, 0, 0, 0, 0]))).ret, neg('EINVAL'));
    const corrupt = memoryObject({ xattrs: [[VERSION_XATTR, 'zz']] });
    assert.equal((await call(corrupt, 'version', 'read')).ret, neg('EIO'));
  });

  test('read output is a cls_version_read_ret struct', async () => {
    const obj = (await call(ABSENT, 'version', 'set', encodeVersionSetOp({ ver: 1, tag: '' }))).after;
    const r = await call(obj, 'version', 'read');
    const d = new Decoder(r.out);
    const inner = d.struct(1, (s) => s.struct(1, (v) => [v.u64n(), v.string()]));
    assert.deepEqual(inner, [1, '']);
  });
});
