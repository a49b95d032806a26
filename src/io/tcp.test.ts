import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRNO } from '../core/errors.js';
import { socketErrno, tcpTransport, type StreamSocket } from './tcp.js';

const HOST = '127.0.0.1';

test('a listener on port 0 reports its port, and writev chunks arrive in order as one stream', { timeout: 10_000 }, async () => {
  let received = Buffer.alloc(0);
  let gotAll!: () => void;
  const all = new Promise<void>((resolve) => (gotAll = resolve));
  let accepted: StreamSocket | undefined;
  const server = await tcpTransport.listen(HOST, 0, (socket) => {
    accepted = socket;
    return {
      onConnect: () => assert.fail('accepted sockets are already connected'),
      onData: (chunk) => {
        received = Buffer.concat([received, chunk]);
        if (received.length === 3 + 70_000) gotAll();
      },
      onClose: () => {},
    };
  });
  assert.ok(server.port > 0);
  const closed = new Promise<Error | undefined>((resolve) => {
    const client = tcpTransport.connect(HOST, server.port, {
      onConnect: () => client.write([Buffer.from('abc'), Buffer.alloc(70_000, 7)], (error) => assert.equal(error ?? null, null)),
      onData: () => {},
      onClose: resolve,
    }, 5_000);
    assert.equal(client.remote, `${HOST}:${server.port}`);
  });
  await all;
  assert.equal(received.subarray(0, 3).toString(), 'abc');
  assert.ok(received.subarray(3).every((b) => b === 7));
  assert.match(accepted?.remote ?? '', /^127\.0\.0\.1:\d+$/);
  accepted?.destroy();
  assert.equal(await closed, undefined);
  await server.close();
});

test('connecting to a closed port reports ECONNREFUSED through onClose', { timeout: 10_000 }, async () => {
  const probe = await tcpTransport.listen(HOST, 0, () => ({ onConnect() {}, onData() {}, onClose() {} }));
  const port = probe.port;
  await probe.close();
  const error = await new Promise<Error | undefined>((resolve) => {
    tcpTransport.connect(HOST, port, { onConnect: () => assert.fail('nobody listens'), onData() {}, onClose: resolve }, 5_000);
  });
  assert.equal(socketErrno(error), ERRNO.ECONNREFUSED);
  assert.equal(socketErrno(undefined), ERRNO.ENOTCONN);
});

test('listening on a port in use rejects with a RadosError naming the address', { timeout: 10_000 }, async () => {
  const first = await tcpTransport.listen(HOST, 0, () => ({ onConnect() {}, onData() {}, onClose() {} }));
  await assert.rejects(tcpTransport.listen(HOST, first.port, () => ({ onConnect() {}, onData() {}, onClose() {} })),
    (error: Error) => error.name === 'RadosError' && error.message.includes(`${HOST}:${first.port}`) && error.message.includes('EADDRINUSE'));
  await first.close();
});

test('a cancelled timer never fires and a live one does', { timeout: 10_000 }, async () => {
  let cancelledFired = false;
  tcpTransport.startTimer(1, () => (cancelledFired = true)).cancel();
  await new Promise<void>((resolve) => tcpTransport.startTimer(5, resolve));
  assert.equal(cancelledFired, false);
});
