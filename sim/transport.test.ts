import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamSocket } from '../src/io/tcp.js';
import { NodeClock, Scheduler } from './clock.js';
import { Rng } from './rng.js';
import { Trace } from './trace.js';
import { SimNetwork } from './transport.js';

function world(seed: number) {
  const trace = new Trace();
  const sched = new Scheduler(new Rng(seed).fork('s'), trace);
  const net = new SimNetwork(sched, new Rng(seed).fork('n'));
  const a = net.transportFor('a', new NodeClock(sched, 'a'));
  const b = net.transportFor('b', new NodeClock(sched, 'b'));
  return { sched, net, a, b };
}

/** Server on b echoes nothing; records what arrives and how the connection ended. */
async function connected(w: ReturnType<typeof world>) {
  const got: Buffer[] = [];
  const ends: { server?: Error | undefined | 'open'; client?: Error | undefined | 'open' } = { server: 'open', client: 'open' };
  const server = await w.b.listen('b', 0, () => ({
    onConnect: () => undefined,
    onData: (chunk) => got.push(chunk),
    onClose: (error) => {
      ends.server = error;
    },
  }));
  let up = false;
  const socket: StreamSocket = w.a.connect('b', server.port, {
    onConnect: () => {
      up = true;
    },
    onData: () => undefined,
    onClose: (error) => {
      ends.client = error;
    },
  }, 5000);
  await w.sched.runUntil(() => up, 10_000);
  assert.ok(up, 'connected');
  return { socket, got, ends };
}

test('bytes arrive whole and in order despite latency, jitter and split deliveries', async () => {
  const w = world(3);
  const c = await connected(w);
  const sent: Buffer[] = [];
  for (let i = 0; i < 200; i++) {
    const chunk = Buffer.from(`message ${i};`);
    sent.push(chunk);
    c.socket.write([chunk]);
  }
  const total = Buffer.concat(sent);
  await w.sched.runUntil(() => Buffer.concat(c.got).length === total.length, 10_000);
  assert.deepEqual(Buffer.concat(c.got), total);
  assert.ok(c.got.length > 200, 'some writes were split into two deliveries');
});

test('a partition stalls the bytes, then resets the connection on both ends', async () => {
  const w = world(4);
  const c = await connected(w);
  w.net.partition(['a'], ['b'], true);
  c.socket.write([Buffer.from('lost behind the cut')]);
  await w.sched.runUntil(() => c.ends.client !== 'open' && c.ends.server !== 'open', 60_000);
  assert.equal(c.got.length, 0);
  assert.notEqual(c.ends.client, 'open');
  assert.notEqual(c.ends.server, 'open');
});

test('bytes held by a partition healed in time are delivered, in order', async () => {
  const w = world(5);
  const c = await connected(w);
  w.net.partition(['a'], ['b'], false);
  c.socket.write([Buffer.from('one ')]);
  c.socket.write([Buffer.from('two')]);
  await w.sched.runUntil(() => false, w.sched.now_ms + 500);
  assert.equal(c.got.length, 0);
  w.net.healPartitions();
  await w.sched.runUntil(() => Buffer.concat(c.got).toString() === 'one two', w.sched.now_ms + 1000);
  assert.equal(Buffer.concat(c.got).toString(), 'one two');
  assert.equal(c.ends.client, 'open');
});

test('a killed host\'s peers see a reset and its own callbacks never run again', async () => {
  const w = world(6);
  const c = await connected(w);
  w.net.kill('a');
  await w.sched.runUntil(() => c.ends.server !== 'open', 10_000);
  assert.equal((c.ends.server as NodeJS.ErrnoException).code, 'ECONNRESET');
  assert.equal(c.ends.client, 'open', 'the dead side gets no close callback');
});

test('connecting to a port nobody listens on is refused', async () => {
  const w = world(7);
  let closed: Error | undefined | 'open' = 'open';
  w.a.connect('b', 6999, { onConnect: () => undefined, onData: () => undefined, onClose: (e) => (closed = e) }, 5000);
  await w.sched.runUntil(() => closed !== 'open', 10_000);
  assert.equal((closed as unknown as NodeJS.ErrnoException).code, 'ECONNREFUSED');
});
