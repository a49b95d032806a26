import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { neg } from '../../core/errors.js';
import { ABSENT, memoryObject, type MemoryObjectState } from '../../osd/ops/memory-view.js';
import type { SubOp } from '../../osd/ops/types.js';
import { ZERO_UTIME, formatEntityAddr, formatEntityName } from '../../codec/ceph-encoding.js';
import {
  LOCK_FLAG,
  LOCK_TYPE,
  decodeListLocksReply,
  decodeLockInfo,
  encodeAssertOp,
  encodeBreakOp,
  encodeGetInfoOp,
  encodeLockOp,
  encodeSetCookieOp,
  encodeUnlockOp,
  type LockInfo,
  type LockOp,
} from '../../codec/lock-wire.js';
import { T0, call, caller } from './testkit.js';

const A = caller(4123);
const B = caller(4200);
const at = (who: typeof A, sec: number) => ({ ...who, now: { sec: T0.sec + sec, nsec: 0 } });

function lockInput(o: Partial<LockOp> = {}): Buffer {
  return encodeLockOp({ name: 'mylock', type: LOCK_TYPE.exclusive, cookie: 'c1', tag: '', description: '', duration: ZERO_UTIME, flags: 0, ...o });
}

function lockState(state: MemoryObjectState, name = 'mylock'): LockInfo {
  const raw = state.xattrs.get(`lock.${name}`);
  assert.ok(raw !== undefined, `xattr lock.${name} exists`);
  return decodeLockInfo(raw);
}

async function take(state: MemoryObjectState, o: Partial<LockOp> = {}, who = A) {
  return call(state, 'lock', 'lock', lockInput(o), { who });
}

async function lockedBy(o: Partial<LockOp> = {}, who = A): Promise<MemoryObjectState> {
  const r = await take(memoryObject(), o, who);
  assert.equal(r.ret, 0);
  return r.after;
}

describe('lock.lock', () => {
  test('an exclusive lock on a missing object creates it and records the caller', async () => {
    const r = await take(ABSENT, { description: 'mine' });
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.exists, true);
    assert.equal(r.after.data.length, 0);
    const info = lockState(r.after);
    assert.equal(info.type, LOCK_TYPE.exclusive);
    assert.equal(info.tag, '');
    assert.equal(info.lockers.length, 1);
    const [l] = info.lockers;
    assert.equal(formatEntityName(l!.id.entity), 'client.4123');
    assert.equal(l!.id.cookie, 'c1');
    assert.equal(l!.info.description, 'mine');
    assert.deepEqual(l!.info.expiration, ZERO_UTIME);
    assert.equal(formatEntityAddr(l!.info.addr), '127.0.0.1:0/28861');
  });

  test('the same client and cookie again is EEXIST, and succeeds with MAY_RENEW', async () => {
    const held = await lockedBy();
    assert.equal((await take(held)).ret, neg('EEXIST'));
    const renewed = await take(held, { flags: LOCK_FLAG.mayRenew, duration: { sec: 30, nsec: 0 } });
    assert.equal(renewed.ret, 0);
    assert.deepEqual(lockState(renewed.after).lockers[0]?.info.expiration, { sec: T0.sec + 30, nsec: 0 });
    assert.equal(lockState(renewed.after).lockers.length, 1);
  });

  test('another cookie or another client cannot take an exclusively held lock', async () => {
    const held = await lockedBy();
    const otherCookie = await take(held, { cookie: 'c2' });
    assert.equal(otherCookie.ret, neg('EBUSY'));
    assert.equal(otherCookie.after, held, 'a failed lock applies nothing');
    assert.equal((await take(held, {}, B)).ret, neg('EBUSY'));
    assert.equal((await take(held, { type: LOCK_TYPE.shared }, B)).ret, neg('EBUSY'));
  });

  test('shared locks with one tag coexist; another tag or an exclusive request is EBUSY', async () => {
    const first = await lockedBy({ type: LOCK_TYPE.shared, tag: 'T' });
    const second = await take(first, { type: LOCK_TYPE.shared, tag: 'T' }, B);
    assert.equal(second.ret, 0);
    assert.equal(lockState(second.after).lockers.length, 2);
    assert.equal((await take(second.after, { type: LOCK_TYPE.shared, tag: 'U', cookie: 'x' }, caller(5000))).ret, neg('EBUSY'));
    assert.equal((await take(second.after, { type: LOCK_TYPE.exclusive, tag: 'T', cookie: 'x' }, caller(5000))).ret, neg('EBUSY'));
  });

  test('the tag check comes before the renewal check', async () => {
    const held = await lockedBy({ tag: 'T' });
    assert.equal((await take(held, { tag: 'U', flags: LOCK_FLAG.mayRenew })).ret, neg('EBUSY'));
  });

  test('invalid requests are EINVAL: both renew flags, empty name, bad type, undecodable input', async () => {
    const obj = memoryObject();
    assert.equal((await take(obj, { flags: LOCK_FLAG.mayRenew | LOCK_FLAG.mustRenew })).ret, neg('EINVAL'));
    assert.equal((await take(obj, { name: '' })).ret, neg('EINVAL'));
    assert.equal((await take(obj, { type: LOCK_TYPE.none })).ret, neg('EINVAL'));
    assert.equal((await take(obj, { type: 7 })).ret, neg('EINVAL'));
    assert.equal((await call(obj, 'lock', 'lock', Buffer.from([1, 1, 200, 0, 0, 0]))).ret, neg('EINVAL'));
    assert.equal((await call(obj, 'lock', 'lock', Buffer.alloc(0))).ret, neg('EINVAL'));
  });

  test('an empty cookie is a valid cookie', async () => {
    const held = await lockedBy({ cookie: '' });
    assert.equal(lockState(held).lockers[0]?.id.cookie, '');
  });

  test('MUST_RENEW on a lock never held is ENOENT and creates nothing', async () => {
    const r = await take(ABSENT, { flags: LOCK_FLAG.mustRenew });
    assert.equal(r.ret, neg('ENOENT'));
    assert.equal(r.after.exists, false);
  });

  test('an expiring lock blocks others until it expires; then MUST_RENEW is ENOENT and others may lock', async () => {
    const held = await lockedBy({ duration: { sec: 5, nsec: 0 } });
    assert.deepEqual(lockState(held).lockers[0]?.info.expiration, { sec: T0.sec + 5, nsec: 0 });
    assert.equal((await take(held, {}, at(B, 4))).ret, neg('EBUSY'));
    assert.equal((await take(held, {}, at(B, 5))).ret, neg('EBUSY'), 'expiry is strictly after the expiration time');
    assert.equal((await take(held, { flags: LOCK_FLAG.mustRenew }, at(A, 6))).ret, neg('ENOENT'));
    const taken = await take(held, {}, at(B, 6));
    assert.equal(taken.ret, 0);
    const info = lockState(taken.after);
    assert.equal(info.lockers.length, 1);
    assert.equal(formatEntityName(info.lockers[0]!.id.entity), 'client.4200');
  });

  test('MUST_RENEW by the holder refreshes the lock', async () => {
    const held = await lockedBy({ duration: { sec: 5, nsec: 0 } });
    const r = await take(held, { flags: LOCK_FLAG.mustRenew, duration: { sec: 5, nsec: 0 } }, at(A, 3));
    assert.equal(r.ret, 0);
    assert.deepEqual(lockState(r.after).lockers[0]?.info.expiration, { sec: T0.sec + 8, nsec: 0 });
  });

  test('a corrupt lock xattr is EIO', async () => {
    const obj = memoryObject({ xattrs: [['lock.mylock', 'garbage']] });
    assert.equal((await take(obj)).ret, neg('EIO'));
    assert.equal((await call(obj, 'lock', 'get_info', encodeGetInfoOp({ name: 'mylock' }))).ret, neg('EIO'));
  });
});

describe('lock.unlock and lock.break_lock', () => {
  test('unlock removes the locker but keeps the lock entry and its type', async () => {
    const held = await lockedBy();
    const r = await call(held, 'lock', 'unlock', encodeUnlockOp({ name: 'mylock', cookie: 'c1' }), { who: A });
    assert.equal(r.ret, 0);
    const info = lockState(r.after);
    assert.equal(info.lockers.length, 0);
    assert.equal(info.type, LOCK_TYPE.exclusive);
    assert.equal(r.after.exists, true);
    const list = await call(r.after, 'lock', 'list_locks');
    assert.deepEqual(decodeListLocksReply(list.out), ['mylock']);
  });

  test('unlock with a wrong cookie, by another client, of an expired lock or on a missing object is ENOENT', async () => {
    const held = await lockedBy({ duration: { sec: 5, nsec: 0 } });
    const unlock = (state: MemoryObjectState, who: typeof A, cookie = 'c1') =>
      call(state, 'lock', 'unlock', encodeUnlockOp({ name: 'mylock', cookie }), { who });
    assert.equal((await unlock(held, A, 'nope')).ret, neg('ENOENT'));
    assert.equal((await unlock(held, B)).ret, neg('ENOENT'));
    assert.equal((await unlock(held, at(A, 6))).ret, neg('ENOENT'));
    assert.equal((await unlock(ABSENT, A)).ret, neg('ENOENT'));
    assert.equal((await call(held, 'lock', 'unlock', Buffer.from([9]))).ret, neg('EINVAL'));
  });

  test('break_lock lets any client remove a locker, and is ENOENT for one that does not exist', async () => {
    const held = await lockedBy({}, B);
    const brk = (name: string, client: number, cookie: string) =>
      call(held, 'lock', 'break_lock', encodeBreakOp({ name, locker: { type: 8, num: BigInt(client) }, cookie }), { who: A });
    const r = await brk('mylock', 4200, 'c1');
    assert.equal(r.ret, 0);
    assert.equal(lockState(r.after).lockers.length, 0);
    assert.equal((await brk('mylock', 4200, 'c2')).ret, neg('ENOENT'));
    assert.equal((await brk('mylock', 4123, 'c1')).ret, neg('ENOENT'));
    assert.equal((await brk('other', 4200, 'c1')).ret, neg('ENOENT'));
  });

  test('releasing an ephemeral lock deletes its object', async () => {
    const held = await lockedBy({ type: LOCK_TYPE.exclusiveEphemeral });
    const r = await call(held, 'lock', 'unlock', encodeUnlockOp({ name: 'mylock', cookie: 'c1' }), { who: A });
    assert.equal(r.ret, 0);
    assert.equal(r.after.exists, false);
  });

  test('an expired ephemeral lock is cleaned up only by a write method that succeeds', async () => {
    const held = await lockedBy({ type: LOCK_TYPE.exclusiveEphemeral, duration: { sec: 5, nsec: 0 } });
    const withData = { ...held, data: Buffer.from('payload'), extents: [[0, 7]] as const };
    // get_info (a read) reports the empty lock and leaves the object alone.
    const info = await call(withData, 'lock', 'get_info', encodeGetInfoOp({ name: 'mylock' }), { who: at(B, 10) });
    assert.equal(info.ret, 0);
    assert.equal(decodeLockInfo(info.out).lockers.length, 0);
    assert.equal(info.after, withData);
    // A failing unlock drops its transaction, cleanup included.
    const failed = await call(withData, 'lock', 'unlock', encodeUnlockOp({ name: 'mylock', cookie: 'c1' }), { who: at(A, 10) });
    assert.equal(failed.ret, neg('ENOENT'));
    assert.equal(failed.after.exists, true);
    // A successful lock by someone else removes the old object and re-creates it for its lock.
    const taken = await take(withData, {}, at(B, 10));
    assert.equal(taken.ret, 0);
    assert.equal(taken.after.data.length, 0);
    assert.equal(lockState(taken.after).type, LOCK_TYPE.exclusive);
  });
});

describe('lock.get_info and lock.list_locks', () => {
  test('get_info reports type, tag and lockers in Ceph encoding', async () => {
    const first = await lockedBy({ type: LOCK_TYPE.shared, tag: 'T', description: 'd1' });
    const both = (await take(first, { type: LOCK_TYPE.shared, tag: 'T', cookie: 'c9' }, B)).after;
    const r = await call(both, 'lock', 'get_info', encodeGetInfoOp({ name: 'mylock' }));
    assert.equal(r.ret, 0);
    const info = decodeLockInfo(r.out);
    assert.equal(info.type, LOCK_TYPE.shared);
    assert.equal(info.tag, 'T');
    assert.deepEqual(info.lockers.map((l) => [formatEntityName(l.id.entity), l.id.cookie, l.info.description]), [
      ['client.4123', 'c1', 'd1'],
      ['client.4200', 'c9', ''],
    ]);
  });

  test('get_info of a lock never taken is empty, type none; on a missing object ENOENT', async () => {
    const r = await call(memoryObject(), 'lock', 'get_info', encodeGetInfoOp({ name: 'nosuchlock' }));
    assert.equal(r.ret, 0);
    assert.deepEqual(decodeLockInfo(r.out), { lockers: [], type: LOCK_TYPE.none, tag: '' });
    assert.equal((await call(ABSENT, 'lock', 'get_info', encodeGetInfoOp({ name: 'x' }))).outcome.ret, neg('ENOENT'));
    assert.equal((await call(memoryObject(), 'lock', 'get_info', Buffer.from([1]))).ret, neg('EINVAL'));
  });

  test('list_locks names every lock.* xattr and nothing else; missing object is ENOENT', async () => {
    const obj = memoryObject({ xattrs: [['user.a', 'x'], ['locksmith', 'y']] });
    const one = (await take(obj, { name: 'b' })).after;
    const two = (await take(one, { name: 'a' })).after;
    const r = await call(two, 'lock', 'list_locks');
    assert.equal(r.ret, 0);
    assert.deepEqual(decodeListLocksReply(r.out), ['a', 'b']);
    assert.equal((await call(ABSENT, 'lock', 'list_locks')).outcome.ret, neg('ENOENT'));
  });
});

describe('lock.assert_locked and lock.set_cookie', () => {
  const assertIn = (o: Partial<{ name: string; type: number; cookie: string; tag: string }> = {}) =>
    encodeAssertOp({ name: 'mylock', type: LOCK_TYPE.exclusive, cookie: 'c1', tag: '', ...o });

  test('assert_locked succeeds for the holder and is EBUSY for every mismatch', async () => {
    const held = await lockedBy({ tag: 'T' });
    assert.equal((await call(held, 'lock', 'assert_locked', assertIn({ tag: 'T' }), { who: A })).ret, 0);
    assert.equal((await call(held, 'lock', 'assert_locked', assertIn({ tag: 'U' }), { who: A })).ret, neg('EBUSY'));
    assert.equal((await call(held, 'lock', 'assert_locked', assertIn({ tag: 'T', type: LOCK_TYPE.shared }), { who: A })).ret, neg('EBUSY'));
    assert.equal((await call(held, 'lock', 'assert_locked', assertIn({ tag: 'T', cookie: 'c2' }), { who: A })).ret, neg('EBUSY'));
    assert.equal((await call(held, 'lock', 'assert_locked', assertIn({ tag: 'T' }), { who: B })).ret, neg('EBUSY'));
    assert.equal((await call(memoryObject(), 'lock', 'assert_locked', assertIn(), { who: A })).ret, neg('EBUSY'));
    assert.equal((await call(held, 'lock', 'assert_locked', assertIn({ type: 0 }), { who: A })).ret, neg('EINVAL'));
    assert.equal((await call(held, 'lock', 'assert_locked', assertIn({ name: '' }), { who: A })).ret, neg('EINVAL'));
  });

  test('assert_locked guards a compound write: a non-holder applies nothing, the holder applies all', async () => {
    const held = await lockedBy();
    const write: SubOp[] = [{ op: 'writefull', data: Buffer.from('guarded') }];
    const denied = await call(held, 'lock', 'assert_locked', assertIn(), { who: B, after: write });
    assert.equal(denied.outcome.ret, neg('EBUSY'));
    assert.equal(denied.after, held);
    const allowed = await call(held, 'lock', 'assert_locked', assertIn(), { who: A, after: write });
    assert.equal(allowed.outcome.ret, 0);
    assert.equal(allowed.after.data.toString(), 'guarded');
  });

  test('set_cookie moves the caller\'s locker to a new cookie', async () => {
    const held = await lockedBy({ duration: { sec: 60, nsec: 0 }, description: 'keep' });
    const r = await call(held, 'lock', 'set_cookie', encodeSetCookieOp({ name: 'mylock', type: LOCK_TYPE.exclusive, cookie: 'c1', tag: '', newCookie: 'c2' }), { who: A });
    assert.equal(r.ret, 0);
    const [l] = lockState(r.after).lockers;
    assert.equal(l?.id.cookie, 'c2');
    assert.equal(l?.info.description, 'keep');
    assert.deepEqual(l?.info.expiration, { sec: T0.sec + 60, nsec: 0 });
  });

  test('set_cookie is EBUSY unless held as described or when the new cookie is taken; ENOENT on a missing object', async () => {
    const shared = await lockedBy({ type: LOCK_TYPE.shared, tag: 'T' });
    const both = (await take(shared, { type: LOCK_TYPE.shared, tag: 'T', cookie: 'c2' })).after;
    const set = (state: MemoryObjectState, o: Partial<{ type: number; cookie: string; tag: string; newCookie: string }>, who = A) =>
      call(state, 'lock', 'set_cookie', encodeSetCookieOp({ name: 'mylock', type: LOCK_TYPE.shared, cookie: 'c1', tag: 'T', newCookie: 'c3', ...o }), { who });
    assert.equal((await set(both, { newCookie: 'c2' })).ret, neg('EBUSY'));
    assert.equal((await set(both, { tag: 'U' })).ret, neg('EBUSY'));
    assert.equal((await set(both, { type: LOCK_TYPE.exclusive })).ret, neg('EBUSY'));
    assert.equal((await set(both, {}, B)).ret, neg('EBUSY'));
    assert.equal((await set(memoryObject(), {})).ret, neg('EBUSY'));
    assert.equal((await set(ABSENT, {})).ret, neg('ENOENT'));
    assert.equal((await set(both, { type: 9 })).ret, neg('EINVAL'));
    assert.equal((await set(both, {})).ret, 0);
  });
});
