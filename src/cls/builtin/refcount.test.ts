import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { neg } from '../../core/errors.js';
import { ABSENT, memoryObject, type MemoryObjectState } from '../../osd/ops/memory-view.js';
import {
  REFCOUNT_XATTR,
  decodeRefcountReadRet,
  encodeRefcountReadOp,
  encodeRefcountSetOp,
  encodeRefcountTagOp,
} from './refcount.js';
import { call } from './testkit.js';

async function refs(state: MemoryObjectState, implicitRef = false): Promise<string[]> {
  const r = await call(state, 'refcount', 'read', encodeRefcountReadOp(implicitRef));
  assert.equal(r.ret, 0);
  return decodeRefcountReadRet(r.out);
}

const get = (s: MemoryObjectState, tag: string, implicitRef = false) => call(s, 'refcount', 'get', encodeRefcountTagOp(tag, implicitRef));
const put = (s: MemoryObjectState, tag: string, implicitRef = false) => call(s, 'refcount', 'put', encodeRefcountTagOp(tag, implicitRef));

describe('refcount', () => {
  test('get adds tags; put drops them; the last put deletes the object', async () => {
    let s = memoryObject({ data: 'tail' });
    s = (await get(s, 'a')).after;
    s = (await get(s, 'b')).after;
    assert.deepEqual(await refs(s), ['a', 'b']);
    s = (await put(s, 'a')).after;
    assert.deepEqual(await refs(s), ['b']);
    const last = await put(s, 'b');
    assert.equal(last.outcome.ret, 0);
    assert.equal(last.after.exists, false);
  });

  test('a put is idempotent: an unknown or retired tag is a successful no-op', async () => {
    let s = (await get(memoryObject(), 'a')).after;
    s = (await get(s, 'b')).after;
    s = (await put(s, 'a')).after;
    const again = await put(s, 'a');
    assert.equal(again.ret, 0);
    assert.deepEqual(await refs(again.after), ['b']);
    assert.equal((await put(s, 'zzz')).ret, 0);
    // A re-taken retired tag cannot be dropped by a replayed put.
    const retaken = (await get(s, 'a')).after;
    assert.deepEqual(await refs((await put(retaken, 'a')).after), ['a', 'b']);
  });

  test('implicit references stand for objects that never had refcount state', async () => {
    const plain = memoryObject({ data: 'x' });
    assert.deepEqual(await refs(plain), []);
    assert.deepEqual(await refs(plain, true), ['']);
    const taken = (await get(plain, 'a', true)).after;
    assert.deepEqual(await refs(taken), ['', 'a']);
    const dropped = await put(plain, 'whatever', true);
    assert.equal(dropped.after.exists, false, 'dropping the implicit reference drops the object');
  });

  test('put with no references at all is EINVAL; get and put on a missing object are ENOENT', async () => {
    assert.equal((await put(memoryObject(), 'a')).ret, neg('EINVAL'));
    assert.equal((await get(ABSENT, 'a')).ret, neg('ENOENT'));
    assert.equal((await put(ABSENT, 'a')).ret, neg('ENOENT'));
  });

  test('set replaces the references; an empty set deletes the object', async () => {
    const s = (await call(memoryObject(), 'refcount', 'set', encodeRefcountSetOp(['y', 'x']))).after;
    assert.deepEqual(await refs(s), ['x', 'y']);
    const gone = await call(s, 'refcount', 'set', encodeRefcountSetOp([]));
    assert.equal(gone.after.exists, false);
    assert.equal((await call(ABSENT, 'refcount', 'set', encodeRefcountSetOp([]))).ret, neg('ENOENT'));
    const created = await call(ABSENT, 'refcount', 'set', encodeRefcountSetOp(['a']));
    assert.equal(created.after.exists, true);
  });

  test('stored state is obj_refcount v2 and a corrupt one is EIO; bad input is EINVAL', async () => {
    const s = (await get(memoryObject(), 'foo')).after;
    assert.deepEqual([...(s.xattrs.get(REFCOUNT_XATTR) ?? [])], [2, 1, 16, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0x66, 0x6f, 0x6f, 1, 0, 0, 0, 0]);
    const corrupt = memoryObject({ xattrs: [[REFCOUNT_XATTR, 'x']] });
    assert.equal((await get(corrupt, 'a')).ret, neg('EIO'));
    assert.equal((await call(memoryObject(), 'refcount', 'get', Buffer.from([1]))).ret, neg('EINVAL'));
    assert.equal((await call(memoryObject(), 'refcount', 'read', Buffer.alloc(0))).ret, neg('EINVAL'));
  });
});
