import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryPool, T0 } from '../cls/builtin/testkit.js';
import { memoryIo } from './cli-io.js';
import { runLockCommand, utimeText } from './lock-cmd.js';

async function rados(client: ReturnType<MemoryPool['client']>, args: string[], opts: Record<string, string> = {}) {
  const io = memoryIo();
  const code = await runLockCommand(client, 'clitest', ['lock', ...args], new Map(Object.entries(opts)), io);
  return { code, out: io.out(), err: io.err() };
}

describe('rados lock', () => {
  test('get, list and info print exactly what Ceph\'s rados prints', async () => {
    const pool = new MemoryPool();
    const a = pool.client(4423, '127.0.0.1:0/2073225362');
    assert.deepEqual(await rados(a, ['get', 'o', 'mylock']), { code: 0, out: '', err: '' });
    assert.deepEqual(await rados(pool.client(4424), ['get', 'o', 'mylock']), {
      code: 1,
      out: '',
      err: 'ERROR: failed locking: (16) Device or resource busy\nerror 16: (16) Device or resource busy\n',
    });
    assert.deepEqual(await rados(a, ['list', 'o']), { code: 0, out: '{"objname":"o","locks":[{"name":"mylock"}]}', err: '' });
    assert.deepEqual(await rados(a, ['info', 'o', 'mylock']), {
      code: 0,
      out: '{"name":"mylock","type":"exclusive","tag":"","lockers":[{"name":"client.4423","cookie":"","description":"","expiration":"0.000000","addr":"127.0.0.1:0/2073225362"}]}',
      err: '',
    });
    assert.deepEqual(await rados(a, ['info', 'o', 'nosuchlock']), { code: 0, out: '{"name":"nosuchlock","type":"none","tag":"","lockers":[]}', err: '' });
  });

  test('list and info of a missing object fail as in Ceph', async () => {
    const a = new MemoryPool().client(1);
    assert.deepEqual(await rados(a, ['list', 'nosuchobj']), {
      code: 1,
      out: '',
      err: 'ERROR: rados_list_locks(): (2) No such file or directory\nerror 2: (2) No such file or directory\n',
    });
    assert.deepEqual(await rados(a, ['info', 'nosuchobj', 'mylock']), {
      code: 1,
      out: '',
      err: 'ERROR: rados_lock_get_lock_info(): (2) No such file or directory\nerror 2: (2) No such file or directory\n',
    });
  });

  test('get honours cookie, tag, description, duration and type', async () => {
    const pool = new MemoryPool();
    const a = pool.client(7);
    const opts = { 'lock-cookie': 'c1', 'lock-tag': 'T', 'lock-description': 'why', 'lock-duration': '30', 'lock-type': 'shared' };
    assert.equal((await rados(a, ['get', 'o', 'l'], opts)).code, 0);
    assert.equal((await rados(pool.client(8), ['get', 'o', 'l'], opts)).code, 0);
    const info = JSON.parse((await rados(a, ['info', 'o', 'l'])).out) as { type: string; tag: string; lockers: Array<Record<string, string>> };
    assert.equal(info.type, 'shared');
    assert.equal(info.tag, 'T');
    assert.deepEqual(info.lockers.map((l) => [l.name, l.cookie, l.description, l.expiration]), [
      ['client.7', 'c1', 'why', utimeText({ sec: T0.sec + 30, nsec: 0 })],
      ['client.8', 'c1', 'why', utimeText({ sec: T0.sec + 30, nsec: 0 })],
    ]);
  });

  test('break removes a locker; bad locker names and bad options are EINVAL', async () => {
    const pool = new MemoryPool();
    const a = pool.client(1);
    await rados(pool.client(4123), ['get', 'o', 'l'], { 'lock-cookie': 'c' });
    assert.deepEqual(await rados(a, ['break', 'o', 'l', 'nobody'], { 'lock-cookie': 'c' }), {
      code: 1,
      out: '',
      err: 'ERROR: failed to parse locker name (nobody)\nerror 22: (22) Invalid argument\n',
    });
    assert.deepEqual(await rados(a, ['break', 'o', 'l', 'client.4123'], { 'lock-cookie': 'x' }), {
      code: 1,
      out: '',
      err: 'ERROR: failed breaking lock: (2) No such file or directory\nerror 2: (2) No such file or directory\n',
    });
    assert.equal((await rados(a, ['break', 'o', 'l', 'client.4123'], { 'lock-cookie': 'c' })).code, 0);
    assert.equal((await rados(a, ['get', 'o', 'l'])).code, 0);
    assert.equal((await rados(a, ['get', 'o', 'l'], { 'lock-type': 'weird' })).err,
      'unknown lock type was specified, aborting\nerror 22: (22) Invalid argument\n');
    assert.equal((await rados(a, ['get', 'o', 'l'], { 'lock-duration': 'abc' })).code, 1);
  });

  test('missing arguments and unknown subcommands print the usage', async () => {
    const a = new MemoryPool().client(1);
    for (const args of [[], ['list'], ['info', 'o'], ['get', 'o'], ['break', 'o', 'l'], ['frob', 'o', 'l', 'x']]) {
      const r = await rados(a, args);
      assert.equal(r.code, 1, args.join(' '));
      assert.ok(r.err.startsWith('usage:'), args.join(' '));
    }
  });

  test('json-pretty output is indented and ends with a newline', async () => {
    const pool = new MemoryPool();
    const a = pool.client(1);
    await rados(a, ['get', 'o', 'l']);
    const r = await rados(a, ['list', 'o'], { format: 'json-pretty' });
    assert.equal(r.out, '{\n    "objname": "o",\n    "locks": [\n        {\n            "name": "l"\n        }\n    ]\n}\n');
  });

  test('utime text is relative seconds for small values and a date otherwise', () => {
    assert.equal(utimeText({ sec: 0, nsec: 0 }), '0.000000');
    assert.equal(utimeText({ sec: 5, nsec: 1_500_000 }), '5.001500');
    assert.match(utimeText({ sec: T0.sec, nsec: 0 }), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000000[+-]\d{4}$/);
  });
});
