import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { RadosError } from '../core/errors.js';
import { FrameDecoder, FrameKind, encodeMessage } from '../codec/frame.js';
import { tcpTransport, type StreamSocket, type StreamSocketEvents, type StreamTransport } from '../io/tcp.js';
import { connect, listen, type Connection, type Listener, type LogLevel, type MessageHandler } from './messenger.js';

const HOST = '127.0.0.1';
const TEST_TIMEOUT = { timeout: 20_000 };

/** Condition variable for tests: `until(pred)` resolves once `changed()` has made pred true. */
class Watch {
  private waiters: Array<{ pred: () => boolean; resolve: () => void }> = [];
  changed(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred()) return true;
      w.resolve();
      return false;
    });
  }
  until(pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function expectErrno(promise: Promise<unknown>, code: string): Promise<RadosError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(RadosError.is(error), `expected RadosError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, got success`);
}

const echo: MessageHandler = {
  onRequest: (type, body) => ({ type, body }),
};

async function withServer(handler: MessageHandler, fn: (server: Listener) => Promise<void>, limits = {}): Promise<void> {
  const server = await listen({ host: HOST, port: 0, handler, limits });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

describe('messenger over TCP', () => {
  test('a request gets its reply, payload bytes intact', TEST_TIMEOUT, async () => {
    await withServer(echo, async (server) => {
      const conn = connect({ host: HOST, port: server.port });
      const data = Buffer.alloc(1024 * 1024, 0x5a);
      data.write('head', 0);
      const reply = await conn.request<{ type: string; body: { oid: string; data: Buffer } }>('osd_op', { oid: 'o', data });
      assert.equal(reply.type, 'osd_op');
      assert.equal(reply.body.oid, 'o');
      assert.ok(Buffer.isBuffer(reply.body.data));
      assert.ok(reply.body.data.equals(data));
      assert.equal(conn.peer, `${HOST}:${server.port}`);
      conn.close();
    });
  });

  test('big and small frames interleaved both ways arrive intact over TCP, each big payload in one buffer of its frame size', TEST_TIMEOUT, async () => {
    const sizes = [6 * 1024 * 1024, 10, 300_000, 4 * 1024 * 1024, 70_000, 1, 65_536];
    const payloads = sizes.map((n, i) => {
      const b = Buffer.allocUnsafe(n);
      for (let j = 0; j < n; j++) b[j] = (j * 13 + i) & 0xff;
      return b;
    });
    const seenByServer: Array<{ size: number; backing: number }> = [];
    const handler: MessageHandler = {
      onRequest: (_type, body) => {
        const data = (body as { data: Buffer }).data;
        seenByServer.push({ size: data.length, backing: data.buffer.byteLength });
        return { data };
      },
    };
    await withServer(handler, async (server) => {
      const conn = connect({ host: HOST, port: server.port });
      const replies = await Promise.all(payloads.map((data) => conn.request<{ data: Buffer }>('echo', { data })));
      replies.forEach((reply, i) => assert.ok(reply.data.equals(payloads[i]!), `payload ${i}`));
      // A 4 MiB payload that arrived in place sits in a buffer of its frame's size, not in a
      // reassembly of socket-sized chunks and not in a shared block.
      for (const seen of seenByServer.filter((s) => s.size >= 4 * 1024 * 1024)) {
        assert.ok(seen.backing >= seen.size && seen.backing < seen.size + 4096, `backing ${seen.backing} for ${seen.size}`);
      }
      const bigReply = replies[0]!.data;
      assert.ok(bigReply.buffer.byteLength < bigReply.length + 4096, 'the client received the big reply in place too');
      conn.close();
    });
  });

  test('1,000 concurrent requests each get their own reply', TEST_TIMEOUT, async () => {
    const handler: MessageHandler = { onRequest: async (_type, body) => ({ n: (body as { n: number }).n * 2 }) };
    await withServer(handler, async (server) => {
      const conn = connect({ host: HOST, port: server.port });
      const replies = await Promise.all(Array.from({ length: 1000 }, (_, n) => conn.request<{ n: number }>('double', { n })));
      replies.forEach((reply, n) => assert.equal(reply.n, n * 2));
      assert.equal(conn.stats().inflight_requests, 0);
      assert.equal(conn.stats().inflight_bytes, 0);
      conn.close();
    });
  });

  test('handler errors reach the caller as the same errno and message; other throws become EIO', TEST_TIMEOUT, async () => {
    const handler: MessageHandler = {
      onRequest: (type) => {
        if (type === 'missing') throw RadosError.from('ENOENT', 'stat pool 1 obj o');
        if (type === 'busy') return Promise.reject(RadosError.from('EBUSY', 'lock o'));
        throw new TypeError('oops');
      },
    };
    await withServer(handler, async (server) => {
      const conn = connect({ host: HOST, port: server.port });
      const missing = await expectErrno(conn.request('missing', {}), 'ENOENT');
      assert.equal(missing.errno, 2);
      assert.equal(missing.message, RadosError.from('ENOENT', 'stat pool 1 obj o').message);
      await expectErrno(conn.request('busy', {}), 'EBUSY');
      const io = await expectErrno(conn.request('crash', {}), 'EIO');
      assert.match(io.message, /oops/);
      conn.close();
    });
  });

  test('an endpoint without onRequest answers EOPNOTSUPP, and servers can call clients back', TEST_TIMEOUT, async () => {
    const gotClientReply = deferred<unknown>();
    const handler: MessageHandler = {
      onRequest: async (type, _body, ctx) => {
        if (type === 'call-me-back') gotClientReply.resolve(await ctx.conn.request('ping', { from: 'server' }));
        return 'ok';
      },
    };
    await withServer(handler, async (server) => {
      const plain = connect({ host: HOST, port: server.port });
      await plain.request('hello', {});
      const [serverSide] = server.connections();
      assert.ok(serverSide);
      await expectErrno(serverSide.request('ping', {}), 'EOPNOTSUPP');
      plain.close();

      const answering = connect({ host: HOST, port: server.port, handler: { onRequest: (_t, body) => ({ pong: body }) } });
      await answering.request('call-me-back', {});
      assert.deepEqual(await gotClientReply.promise, { pong: { from: 'server' } });
      answering.close();
    });
  });

  test('oneway messages arrive in order, including ones sent before the link was up', TEST_TIMEOUT, async () => {
    const seen: number[] = [];
    const watch = new Watch();
    const handler: MessageHandler = {
      onMessage: (type, body) => {
        assert.equal(type, 'note');
        seen.push((body as { i: number }).i);
        watch.changed();
      },
    };
    await withServer(handler, async (server) => {
      const conn = connect({ host: HOST, port: server.port });
      for (let i = 0; i < 100; i++) conn.send('note', { i });
      await watch.until(() => seen.length === 100);
      assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => i));
      conn.close();
    });
  });

  test('timeout and abort reject ETIMEDOUT and ECANCELED, and the connection keeps working', TEST_TIMEOUT, async () => {
    const hold = deferred();
    const handler: MessageHandler = {
      onRequest: async (type) => {
        if (type === 'hang') await hold.promise;
        return type;
      },
    };
    await withServer(handler, async (server) => {
      const conn = connect({ host: HOST, port: server.port });
      await expectErrno(conn.request('hang', {}, { timeout_ms: 30 }), 'ETIMEDOUT');
      const controller = new AbortController();
      const aborted = conn.request('hang', {}, { signal: controller.signal });
      controller.abort();
      await expectErrno(aborted, 'ECANCELED');
      await expectErrno(conn.request('x', {}, { signal: AbortSignal.abort() }), 'ECANCELED');
      assert.equal(conn.stats().inflight_requests, 0);
      hold.resolve(); // the late replies for forgotten tids are dropped
      assert.equal(await conn.request('after', {}), 'after');
      conn.close();
    });
  });

  test('a reply is received into the buffer its request posted, and the buffer of a cancelled request is never written', TEST_TIMEOUT, async () => {
    const hold = deferred();
    const payload = Buffer.alloc(3 * 1024 * 1024 + 5);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
    const handler: MessageHandler = {
      onRequest: async (type) => {
        if (type === 'late') await hold.promise;
        return type === 'ping' ? 'pong' : { ret: 0, data: payload };
      },
    };
    await withServer(handler, async (server) => {
      const conn = connect({ host: HOST, port: server.port });
      for (let round = 0; round < 3; round++) {
        const rx = Buffer.alloc(4 * 1024 * 1024, 0xee);
        const reply = await conn.request<{ data: Buffer }>('read', {}, { rxBuffer: rx });
        assert.ok(reply.data.equals(payload), `round ${round}: bytes intact`);
        assert.ok(reply.data.buffer === rx.buffer && reply.data.byteOffset === rx.byteOffset, `round ${round}: the data is the posted buffer`);
        assert.equal(rx[payload.length], 0xee);
      }
      const rx = Buffer.alloc(4 * 1024 * 1024, 0xee);
      const controller = new AbortController();
      const cancelled = conn.request('late', {}, { signal: controller.signal, rxBuffer: rx });
      controller.abort();
      await expectErrno(cancelled, 'ECANCELED');
      hold.resolve();
      // The server answers 'late' before it reads 'ping', and one socket keeps that order, so the
      // late reply has been received (and dropped) once 'pong' is here.
      assert.equal(await conn.request('ping', {}), 'pong');
      assert.ok(rx.every((b) => b === 0xee), 'the buffer of the cancelled request was not written');
      conn.close();
    });
  });

  test('a request too big for a frame rejects EMSGSIZE without touching the link', TEST_TIMEOUT, async () => {
    await withServer(echo, async (server) => {
      const limits = { maxFrameBytes: 2 * 1024 * 1024, maxMetaBytes: 1024 * 1024 };
      const conn = connect({ host: HOST, port: server.port, limits });
      await expectErrno(conn.request('big', { data: Buffer.alloc(3 * 1024 * 1024) }), 'EMSGSIZE');
      assert.equal(await conn.request('small', 1).then(() => 'ok'), 'ok');
      conn.close();
    });
  });
});

describe('messenger link failures', () => {
  test('requests in flight when the link drops reject ENOTCONN', TEST_TIMEOUT, async () => {
    const arrived = deferred();
    const handler: MessageHandler = {
      onRequest: (type) => {
        if (type === 'hang') {
          arrived.resolve();
          return new Promise(() => {});
        }
        return 'ok';
      },
    };
    await withServer(handler, async (server) => {
      const conn = connect({ host: HOST, port: server.port, reconnect: false });
      const hanging = conn.request('hang', {});
      await arrived.promise;
      for (const serverSide of server.connections()) serverSide.close();
      await expectErrno(hanging, 'ENOTCONN');
      assert.ok(conn.closed);
      await expectErrno(conn.request('later', {}), 'ENOTCONN');
    });
  });

  test('after a server restart the client reconnects, onConnect fires again and requests flow', TEST_TIMEOUT, async () => {
    const handler: MessageHandler = {
      onRequest: (type, body) => (type === 'hang' ? new Promise(() => {}) : { type, body }),
    };
    let server = await listen({ host: HOST, port: 0, handler });
    const port = server.port;
    const watch = new Watch();
    let connects = 0;
    let closes = 0;
    const conn = connect({
      host: HOST, port,
      handler: { onConnect: () => { connects++; watch.changed(); }, onClose: () => { closes++; watch.changed(); } },
    });
    try {
      await watch.until(() => connects === 1);
      await conn.request('one', {});
      const sent = conn.request('hang', {});
      await server.close();
      await watch.until(() => closes === 1);
      // It may or may not have run over there: the caller must decide, so it fails.
      await expectErrno(sent, 'ENOTCONN');
      assert.equal(conn.closed, false);
      // Made while the server is down: waits for the next link instead of failing.
      const queued = conn.request<{ type: string }>('queued', {});
      server = await listen({ host: HOST, port, handler });
      await watch.until(() => connects === 2);
      assert.equal((await queued).type, 'queued');
      assert.equal(conn.stats().reconnects, 1);
    } finally {
      conn.close();
      await server.close();
    }
  });

  test('connection refused rejects ECONNREFUSED without reconnect, and keeps retrying with it', TEST_TIMEOUT, async () => {
    const probe = await listen({ host: HOST, port: 0, handler: echo });
    const port = probe.port;
    await probe.close();

    const once = connect({ host: HOST, port, reconnect: false });
    await expectErrno(once.request('x', {}), 'ECONNREFUSED');
    assert.ok(once.closed);

    const patient = connect({ host: HOST, port });
    const waiting = patient.request<{ type: string }>('eventually', {});
    // Refused dials happen while no one listens; the request just waits for the link.
    const server = await listen({ host: HOST, port, handler: echo });
    try {
      assert.equal((await waiting).type, 'eventually');
    } finally {
      patient.close();
      await server.close();
    }
  });

  test('close() fails waiting, queued and sent requests with ENOTCONN and fires onClose', TEST_TIMEOUT, async () => {
    const handler: MessageHandler = { onRequest: () => new Promise(() => {}) };
    await withServer(handler, async (server) => {
      const closed = deferred();
      const opened = deferred();
      const conn = connect({
        host: HOST, port: server.port,
        limits: { maxInflightRequests: 1 },
        handler: { onConnect: () => opened.resolve(), onClose: () => closed.resolve() },
      });
      await opened.promise;
      const sent = conn.request('a', {});
      const waiting = conn.request('b', {});
      assert.equal(conn.stats().waiting_requests, 1);
      conn.close();
      await expectErrno(sent, 'ENOTCONN');
      await expectErrno(waiting, 'ENOTCONN');
      await closed.promise;
      assert.deepEqual({ ...conn.stats(), reconnects: 0 }, {
        state: 'closed', inflight_requests: 0, inflight_bytes: 0, waiting_requests: 0,
        recv_unreplied_bytes: 0, recv_paused: false, reconnects: 0,
      });
    });
  });

  test('a malformed frame closes that connection only; other clients keep being served', TEST_TIMEOUT, async () => {
    const logs: Array<[LogLevel, string]> = [];
    const server = await listen({ host: HOST, port: 0, handler: echo, log: (level, msg) => logs.push([level, msg]) });
    const good = connect({ host: HOST, port: server.port });
    try {
      await good.request('before', {});
      for (const garbage of [
        Buffer.from('GET / HTTP/1.1\r\nHost: sepia\r\n\r\n'),
        (() => { const f = Buffer.concat(encodeMessage(FrameKind.request, 1, 'x', {})); f[12] = f[12]! ^ 0xff; return f; })(),
        (() => { const f = Buffer.alloc(40); f.writeUInt32BE(0x53455049, 0); f[4] = 1; f[5] = 1; f.writeUInt16BE(65535, 20); return f; })(),
      ]) {
        const closedByServer = deferred<Error | undefined>();
        const raw = tcpTransport.connect(HOST, server.port, {
          onConnect: () => raw.write([garbage]),
          onData: () => assert.fail('the server must not answer garbage'),
          onClose: (error) => closedByServer.resolve(error),
        }, 5_000);
        await closedByServer.promise;
        // The healthy client is untouched and a newcomer is served too.
        assert.deepEqual(await good.request('during', { k: 1 }), { type: 'during', body: { k: 1 } });
        const fresh = connect({ host: HOST, port: server.port, reconnect: false });
        assert.deepEqual(await fresh.request('new', 2), { type: 'new', body: 2 });
        fresh.close();
      }
      assert.equal(good.stats().reconnects, 0);
      assert.equal(logs.filter(([level, msg]) => level === 'warn' && /malformed frame/.test(msg)).length, 3);
    } finally {
      good.close();
      await server.close();
    }
  });
});

describe('messenger backpressure', () => {
  test('the sender never has more than maxInflightBytes in flight; the rest waits in order', TEST_TIMEOUT, async () => {
    const payload_bytes = 16 * 1024;
    const cap_bytes = 4 * payload_bytes + 4 * 200; // four requests with their headers fit, five do not
    const total = 20;
    const watch = new Watch();
    const held: Array<() => void> = [];
    let outstanding = 0;
    let maxOutstanding = 0;
    const order: number[] = [];
    const handler: MessageHandler = {
      onRequest: async (_type, body) => {
        outstanding++;
        maxOutstanding = Math.max(maxOutstanding, outstanding);
        order.push((body as { i: number }).i);
        const release = deferred();
        held.push(release.resolve);
        watch.changed();
        await release.promise;
        outstanding--;
        return (body as { i: number }).i;
      },
    };
    await withServer(handler, async (server) => {
      const conn = connect({ host: HOST, port: server.port, limits: { maxInflightBytes: cap_bytes } });
      const results = Array.from({ length: total }, (_, i) => conn.request<number>('w', { i, data: Buffer.alloc(payload_bytes, i) }));
      assert.equal(conn.stats().inflight_requests, 4);
      assert.ok(conn.stats().inflight_bytes <= cap_bytes);
      assert.equal(conn.stats().waiting_requests, total - 4);
      let released = 0;
      while (released < total) {
        const expected = Math.min(4, total - released);
        await watch.until(() => held.length - released === expected);
        assert.equal(outstanding, expected);
        assert.ok(conn.stats().inflight_bytes <= cap_bytes);
        // Release one at a time: each reply admits exactly the next waiting request.
        held[released++]!();
      }
      assert.deepEqual(await Promise.all(results), Array.from({ length: total }, (_, i) => i));
      assert.equal(maxOutstanding, 4);
      assert.deepEqual(order, Array.from({ length: total }, (_, i) => i));
      assert.equal(conn.stats().inflight_bytes, 0);
      conn.close();
    });
  });

  test('a single request larger than maxInflightBytes is still sent, alone', TEST_TIMEOUT, async () => {
    await withServer(echo, async (server) => {
      const conn = connect({ host: HOST, port: server.port, limits: { maxInflightBytes: 1024 } });
      const big = conn.request('big', { data: Buffer.alloc(64 * 1024, 1) });
      const small = conn.request('small', {});
      assert.equal(conn.stats().inflight_requests, 1);
      assert.equal(conn.stats().waiting_requests, 1);
      await big;
      await small;
      conn.close();
    });
  });

  test('the receiver stops reading while unreplied request bytes exceed its cap, and resumes', TEST_TIMEOUT, async () => {
    const recv_cap_bytes = 64 * 1024;
    const watch = new Watch();
    const held: Array<() => void> = [];
    let serverConn: Connection | undefined;
    let sawPaused = false;
    const handler: MessageHandler = {
      onRequest: async (_type, body, ctx) => {
        serverConn = ctx.conn;
        if (ctx.conn.stats().recv_paused) sawPaused = true;
        const release = deferred();
        held.push(release.resolve);
        watch.changed();
        await release.promise;
        return (body as { i: number }).i;
      },
    };
    await withServer(handler, async (server) => {
      const conn = connect({ host: HOST, port: server.port });
      const results = Array.from({ length: 12 }, (_, i) => conn.request<number>('w', { i, data: Buffer.alloc(32 * 1024) }));
      // Three 32 KiB requests exceed 64 KiB: the server must pause before taking them all.
      await watch.until(() => held.length >= 3);
      assert.ok(sawPaused || serverConn?.stats().recv_paused === true);
      let released = 0;
      while (released < 12) {
        await watch.until(() => held.length > released);
        held[released++]!();
      }
      assert.deepEqual(await Promise.all(results), Array.from({ length: 12 }, (_, i) => i));
      assert.equal(serverConn?.stats().recv_paused, false);
      conn.close();
    }, { maxInflightRecvBytes: recv_cap_bytes });
  });

  test('the receive cap is shared by all connections of a listener', TEST_TIMEOUT, async () => {
    const watch = new Watch();
    const held: Array<() => void> = [];
    const handler: MessageHandler = {
      onRequest: async () => {
        const release = deferred();
        held.push(release.resolve);
        watch.changed();
        await release.promise;
        return 'ok';
      },
    };
    await withServer(handler, async (server) => {
      const a = connect({ host: HOST, port: server.port });
      const b = connect({ host: HOST, port: server.port });
      // Each connection alone stays within 64 KiB (2 × 30 KiB); together they exceed it.
      const results = [a, b].flatMap((conn) => [0, 1].map(() => conn.request('w', { data: Buffer.alloc(30 * 1024) })));
      await watch.until(() => held.length >= 3);
      assert.ok(server.connections().some((conn) => conn.stats().recv_paused));
      let released = 0;
      while (released < 4) {
        await watch.until(() => held.length > released);
        held[released++]!();
      }
      await Promise.all(results);
      assert.ok(server.connections().every((conn) => !conn.stats().recv_paused));
      a.close();
      b.close();
    }, { maxInflightRecvBytes: 64 * 1024 });
  });
});

/**
 * One outgoing socket whose reads the test performs: `read(bytes)` lands them where the
 * connection's decoder asked (readTarget), as Node's onread does, and the next target is asked
 * right after, so it is "armed" the way a real socket's next read is.
 */
function scriptedTransport(): { transport: StreamTransport; socket: () => { events: StreamSocketEvents; sent: Buffer[]; destroyed: boolean; armed: Buffer | undefined; read(bytes: Buffer): void } } {
  let current: ReturnType<ReturnType<typeof scriptedTransport>['socket']> | undefined;
  const transport: StreamTransport = {
    listen: () => Promise.reject(new Error('no listening here')),
    connect: (_host, _port, events) => {
      const state = {
        events,
        sent: [] as Buffer[],
        destroyed: false,
        armed: undefined as Buffer | undefined,
        read(bytes: Buffer): void {
          assert.ok(!state.destroyed, 'no reads after destroy');
          const target = state.armed ?? Buffer.allocUnsafe(bytes.length);
          const n = Math.min(target.length, bytes.length);
          bytes.copy(target, 0, 0, n);
          events.onData(target.subarray(0, n));
          state.armed = state.destroyed ? undefined : events.readTarget?.();
          if (n < bytes.length) state.read(bytes.subarray(n));
        },
      };
      const socket: StreamSocket = {
        remote: 'scripted:1',
        queued_bytes: 0,
        write: (chunks, done) => {
          state.sent.push(Buffer.concat(chunks));
          done?.();
        },
        pause: () => undefined,
        resume: () => undefined,
        destroy: () => {
          if (state.destroyed) return;
          state.destroyed = true;
          state.armed = undefined;
          queueMicrotask(() => events.onClose(undefined));
        },
      };
      current = state;
      queueMicrotask(() => {
        events.onConnect();
        state.armed = events.readTarget?.();
      });
      return socket;
    },
    startTimer: (delay_ms, fn) => {
      const t = setTimeout(fn, delay_ms);
      return { cancel: () => clearTimeout(t) };
    },
  };
  return { transport, socket: () => { assert.ok(current); return current; } };
}

describe('replies into a caller\'s buffer, over a scripted socket', () => {
  async function start(): Promise<{ conn: Connection; sock: ReturnType<ReturnType<typeof scriptedTransport>['socket']>; replyTo: (i: number) => Buffer }> {
    const scripted = scriptedTransport();
    const conn = connect({ host: 'scripted', port: 1, reconnect: false, transport: scripted.transport });
    await new Promise<void>((resolve) => setImmediate(resolve));
    const sock = scripted.socket();
    const replyTo = (i: number): Buffer => {
      const [frame] = new FrameDecoder().push(sock.sent[i]!);
      return Buffer.concat(encodeMessage(FrameKind.reply, frame!.tid, frame!.type, { data: PAYLOAD }));
    };
    return { conn, sock, replyTo };
  }
  const PAYLOAD = Buffer.alloc(1024 * 1024, 0x5a);
  /** A 'read' posting a buffer, cancellable, and an 'other' request behind it, both sent. */
  async function startRead() {
    const { conn, sock, replyTo } = await start();
    const rx = Buffer.alloc(PAYLOAD.length, 0xee);
    const controller = new AbortController();
    const reading = conn.request('read', {}, { signal: controller.signal, rxBuffer: rx });
    const other = conn.request('other', {});
    await new Promise<void>((resolve) => setImmediate(resolve));
    return { conn, sock, rx, controller, reading, other, reply: replyTo(0) };
  }

  test('aborting while the payload arrives in the caller\'s buffer closes the link before the caller gets the buffer back', TEST_TIMEOUT, async () => {
    const { conn, sock, rx, controller, reading, other, reply } = await startRead();
    sock.read(reply.subarray(0, 300_000));
    assert.ok(sock.armed !== undefined && sock.armed.buffer === rx.buffer, 'the next read is aimed at the caller\'s buffer');
    controller.abort();
    assert.equal(sock.destroyed, true, 'the socket is closed before the abort is reported');
    await expectErrno(reading, 'ECANCELED');
    await expectErrno(other, 'ENOTCONN'); // sent on the abandoned link; the objecter resends such ops
    assert.ok(rx.subarray(300_000).every((b) => b === 0xee));
    assert.equal(conn.closed, true);
  });

  test('aborting before the payload started arriving keeps the link, and the reply is dropped', TEST_TIMEOUT, async () => {
    const { conn, sock, rx, controller, reading, other, reply } = await startRead();
    sock.read(reply.subarray(0, 32)); // the header and a little metadata
    controller.abort();
    await expectErrno(reading, 'ECANCELED');
    assert.equal(sock.destroyed, false);
    sock.read(reply.subarray(32));
    assert.ok(rx.every((b) => b === 0xee), 'the dropped reply went to a buffer of the connection');
    const [frame] = new FrameDecoder().push(sock.sent[1]!);
    sock.read(Buffer.concat(encodeMessage(FrameKind.reply, frame!.tid, 'other', 'fine')));
    assert.equal(await other, 'fine');
    conn.close();
  });
});
