import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RadosError } from '../core/errors.js';
import { MemoryPool, T0 } from '../cls/builtin/testkit.js';
import { ReadOp, WriteOp } from './ops.js';
import { assertLocked, breakLock, getLockInfo, listLocks, lockExclusive, lockShared, setLockCookie, unlock } from './lock.js';

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => RadosError.is(err) && err.code === code);
}

describe('client lock helpers', () => {
  test('lockExclusive, getLockInfo, listLocks and unlock work together', async () => {
    const pool = new MemoryPool();
    const a = pool.client(4344, '127.0.0.1:0/838491869');
    await lockExclusive(a, 'obj1', 'mylock', 'c1', { description: 'held by a' });
    assert.deepEqual(await listLocks(a, 'obj1'), ['mylock']);
    assert.deepEqual(await getLockInfo(a, 'obj1', 'mylock'), {
      type: 'exclusive',
      tag: '',
      lockers: [{ name: 'client.4344', cookie: 'c1', description: 'held by a', expiration: { sec: 0, nsec: 0 }, addr: '127.0.0.1:0/838491869' }],
    });
    await unlock(a, 'obj1', 'mylock', 'c1');
    const after = await getLockInfo(a, 'obj1', 'mylock');
    assert.equal(after.type, 'exclusive');
    assert.deepEqual(after.lockers, []);
  });

  test('conflicts reject with EBUSY, relocking with EEXIST unless mayRenew', async () => {
    const pool = new MemoryPool();
    const a = pool.client(1);
    const b = pool.client(2);
    await lockExclusive(a, 'o', 'l', 'c');
    await rejects(lockExclusive(a, 'o', 'l', 'c'), 'EEXIST');
    await lockExclusive(a, 'o', 'l', 'c', { mayRenew: true });
    await rejects(lockExclusive(b, 'o', 'l', 'c'), 'EBUSY');
    await rejects(lockShared(b, 'o', 'l', 'c', ''), 'EBUSY');
    await rejects(unlock(b, 'o', 'l', 'c'), 'ENOENT');
  });

  test('shared holders share a tag; errors name the operation and object', async () => {
    const pool = new MemoryPool();
    const a = pool.client(1);
    const b = pool.client(2);
    await lockShared(a, 'o', 'l', 'c', 'T');
    await lockShared(b, 'o', 'l', 'c', 'T');
    assert.equal((await getLockInfo(a, 'o', 'l')).lockers.length, 2);
    await assert.rejects(lockShared(pool.client(3), 'o', 'l', 'c', 'U'), (err: unknown) =>
      RadosError.is(err) && err.code === 'EBUSY' && err.message.startsWith('lock_shared l on o'));
  });

  test('a timed lock expires; mustRenew then reports ENOENT', async () => {
    const pool = new MemoryPool();
    const a = pool.client(1);
    const b = pool.client(2);
    await lockExclusive(a, 'o', 'l', 'c', { duration_s: 2.5 });
    assert.deepEqual((await getLockInfo(a, 'o', 'l')).lockers[0]?.expiration, { sec: T0.sec + 2, nsec: 500_000_000 });
    pool.now = { sec: T0.sec + 2, nsec: 0 };
    await rejects(lockExclusive(b, 'o', 'l', 'c'), 'EBUSY');
    pool.now = { sec: T0.sec + 3, nsec: 0 };
    await rejects(lockExclusive(a, 'o', 'l', 'c', { mustRenew: true }), 'ENOENT');
    await lockExclusive(b, 'o', 'l', 'c');
  });

  test('breakLock removes another client\'s locker and validates the client name', async () => {
    const pool = new MemoryPool();
    const a = pool.client(1);
    const b = pool.client(4123);
    await lockExclusive(b, 'o', 'l', 'c');
    await rejects(breakLock(a, 'o', 'l', 'bogus', 'c'), 'EINVAL');
    await rejects(breakLock(a, 'o', 'l', 'client.4123', 'other'), 'ENOENT');
    await breakLock(a, 'o', 'l', 'client.4123', 'c');
    await lockExclusive(a, 'o', 'l', 'c');
  });

  test('info and list on a missing object reject with ENOENT; bad durations with EINVAL', async () => {
    const a = new MemoryPool().client(1);
    await rejects(getLockInfo(a, 'none', 'l'), 'ENOENT');
    await rejects(listLocks(a, 'none'), 'ENOENT');
    await rejects(lockExclusive(a, 'o', 'l', 'c', { duration_s: -1 }), 'EINVAL');
    await rejects(lockExclusive(a, 'o', 'l', 'c', { mayRenew: true, mustRenew: true }), 'EINVAL');
  });

  test('an ephemeral lock\'s object goes away on unlock', async () => {
    const pool = new MemoryPool();
    const a = pool.client(1);
    await lockExclusive(a, 'o', 'l', 'c', { ephemeral: true });
    assert.equal((await getLockInfo(a, 'o', 'l')).type, 'exclusive-ephemeral');
    await unlock(a, 'o', 'l', 'c');
    assert.equal(pool.objects.has('o'), false);
  });

  test('setLockCookie moves the locker and assertLocked guards compound ops', async () => {
    const pool = new MemoryPool();
    const a = pool.client(1);
    const b = pool.client(2);
    await lockExclusive(a, 'o', 'l', 'old');
    await setLockCookie(a, 'o', 'l', { type: 'exclusive', cookie: 'old', tag: '', newCookie: 'new' });
    await a.operate('o', assertLocked(new WriteOp(), 'l', 'exclusive', 'new').writeFull('by a'));
    await rejects(b.operate('o', assertLocked(new WriteOp(), 'l', 'exclusive', 'new').writeFull('by b')), 'EBUSY');
    await rejects(a.operate('o', assertLocked(new ReadOp(), 'l', 'exclusive', 'old').read()), 'EBUSY');
    assert.equal(pool.state('o').data.toString(), 'by a');
  });
});
