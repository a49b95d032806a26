import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { neg } from '../../core/errors.js';
import { ABSENT, memoryObject } from '../../osd/ops/memory-view.js';
import { OPERATION_FLAG } from '../../osd/ops/types.js';
import { call, caller } from './testkit.js';

const b = (s: string): Buffer => Buffer.from(s);

describe('hello', () => {
  test('say_hello greets the world, or the input, and refuses more than 100 bytes', async () => {
    const obj = memoryObject();
    assert.equal((await call(obj, 'hello', 'say_hello')).out.toString(), 'Hello, world!');
    assert.equal((await call(obj, 'hello', 'say_hello', b('Tester'))).out.toString(), 'Hello, Tester!');
    assert.equal((await call(obj, 'hello', 'say_hello', Buffer.alloc(100, 0x61))).ret, 0);
    assert.equal((await call(obj, 'hello', 'say_hello', Buffer.alloc(101, 0x61))).ret, neg('EINVAL'));
  });

  test('read methods on a missing object fail with ENOENT before running', async () => {
    assert.equal((await call(ABSENT, 'hello', 'say_hello')).outcome.ret, neg('ENOENT'));
    assert.equal((await call(ABSENT, 'hello', 'replay')).outcome.ret, neg('ENOENT'));
  });

  test('record_hello creates the object with the greeting and who said it, then refuses with EEXIST', async () => {
    const who = caller(4123, { addr: '127.0.0.1:0/838491869' });
    const r = await call(ABSENT, 'hello', 'record_hello', b('Tester'), { who });
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.data.toString(), 'Hello, Tester!');
    assert.equal(r.after.xattrs.get('said_by')?.toString(), 'client.4123 127.0.0.1:0/838491869');
    assert.equal((await call(r.after, 'hello', 'record_hello', b('Again'))).ret, neg('EEXIST'));
    assert.equal((await call(ABSENT, 'hello', 'record_hello', Buffer.alloc(101))).ret, neg('EINVAL'));
  });

  test('replay returns the first 1100 bytes of the object', async () => {
    const r = await call(memoryObject({ data: 'Hello, Tester!' }), 'hello', 'replay');
    assert.equal(r.out.toString(), 'Hello, Tester!');
    const big = await call(memoryObject({ data: Buffer.alloc(5000, 0x41) }), 'hello', 'replay');
    assert.equal(big.out.length, 1100);
  });

  test('turn_it_to_11 upper-cases the data and records who did it; input is EINVAL', async () => {
    const obj = memoryObject({ data: 'Hello, Tester! é' });
    const r = await call(obj, 'hello', 'turn_it_to_11');
    assert.equal(r.outcome.ret, 0);
    assert.equal(r.after.data.toString(), 'HELLO, TESTER! é');
    assert.ok(r.after.xattrs.get('amplified_by')?.toString().startsWith('client.4123 '));
    const bad = await call(obj, 'hello', 'turn_it_to_11', b('x'));
    assert.equal(bad.ret, neg('EINVAL'));
    assert.equal(bad.after, obj);
  });

  test('writes_dont_return_data: success returns 0 and no data; with input the error text comes back and nothing is applied', async () => {
    const obj = memoryObject();
    const ok = await call(obj, 'hello', 'writes_dont_return_data');
    assert.equal(ok.outcome.ret, 0);
    assert.equal(ok.out.length, 0);
    assert.equal(ok.ret, 42, 'the prval keeps the method value; the op result and data are dropped');
    assert.equal(ok.after.xattrs.get('foo')?.toString(), 'bar');
    const failed = await call(obj, 'hello', 'writes_dont_return_data', b('x'));
    assert.equal(failed.outcome.ret, neg('EINVAL'));
    assert.equal(failed.out.toString(), 'too much input data!');
    assert.equal(failed.after, obj);
  });

  test('with RETURNVEC a write method\'s small output reaches the client', async () => {
    const r = await call(memoryObject(), 'hello', 'writes_dont_return_data', Buffer.alloc(0), { operationFlags: OPERATION_FLAG.RETURNVEC });
    assert.equal(r.outcome.ret, 42);
    assert.equal(r.out.toString(), 'you will never see this');
  });

  test('bad_reader (WR, reads) and bad_writer (RD, writes) fail with EIO and apply nothing', async () => {
    const obj = memoryObject({ data: 'data' });
    const reader = await call(obj, 'hello', 'bad_reader');
    assert.equal(reader.outcome.ret, neg('EIO'));
    const writer = await call(obj, 'hello', 'bad_writer', b('new'));
    assert.equal(writer.outcome.ret, neg('EIO'));
    assert.equal(writer.after, obj);
  });

  test('unknown methods and classes are EOPNOTSUPP', async () => {
    assert.equal((await call(memoryObject(), 'hello', 'nope')).outcome.ret, neg('EOPNOTSUPP'));
    assert.equal((await call(memoryObject(), 'nope', 'say_hello')).outcome.ret, neg('EOPNOTSUPP'));
  });
});
