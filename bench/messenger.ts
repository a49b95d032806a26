// Messenger micro benchmark over loopback TCP, server in a second process (as deps.md §2 measured
// the raw framing: 4 KiB depth 32 ≈ 90–97k req/s, 4 MiB depth 4 ≈ 1.9–2.1 GB/s).
// Run directly: `node dist/bench/messenger.js [--quick]` prints JSON.

import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect, listen, type Connection } from '../src/msg/index.js';

const HOST = '127.0.0.1';
const MB = 1e6;

interface ServeReady {
  port: number;
}

/** Server side: 'write' acks with a few bytes, 'read' answers with `length` bytes. */
async function serve(): Promise<void> {
  const readPayloads = new Map<number, Buffer>();
  const server = await listen({
    host: HOST,
    port: 0,
    handler: {
      onRequest: (type, body) => {
        if (type === 'write') return { ok: 1 };
        const length = (body as { length: number }).length;
        let payload = readPayloads.get(length);
        if (payload === undefined) readPayloads.set(length, (payload = Buffer.alloc(length, 0x2a)));
        return { data: payload };
      },
    },
  });
  process.send?.({ port: server.port } satisfies ServeReady);
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
}

/** Keep `depth` requests outstanding for `duration_ms`; returns completed requests per second. */
async function drive(duration_ms: number, depth: number, once: () => Promise<unknown>): Promise<number> {
  let done = 0;
  const start = performance.now();
  const end = start + duration_ms;
  await Promise.all(Array.from({ length: depth }, async () => {
    while (performance.now() < end) {
      await once();
      done++;
    }
  }));
  return done / ((performance.now() - start) / 1000);
}

export async function benchMessenger(opts: { quick: boolean }): Promise<Record<string, number>> {
  const duration_ms = opts.quick ? 400 : 3_000;
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let conn: Connection | undefined;
  try {
    const { port } = await new Promise<ServeReady>((resolve, reject) => {
      child.once('message', (message) => resolve(message as ServeReady));
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    conn = connect({ host: HOST, port, reconnect: false });
    const c = conn;
    const small = Buffer.alloc(64, 1);
    const block4k = Buffer.alloc(4096, 2);
    const block4m = Buffer.alloc(4 * 1024 * 1024, 3);
    // Warm up the JIT and the socket buffers.
    await drive(opts.quick ? 100 : 500, 8, () => c.request('write', { data: block4k }));

    const rtt = await drive(duration_ms, 1, () => c.request('write', { data: small }));
    const write4k = await drive(duration_ms, 32, () => c.request('write', { oid: 'bench', off: 0, data: block4k }));
    const write4m = await drive(duration_ms, 4, () => c.request('write', { oid: 'bench', off: 0, data: block4m }));
    const read4m = await drive(duration_ms, 4, () => c.request('read', { oid: 'bench', length: block4m.length }));
    return {
      rtt_us_64b_depth1: Math.round(1e6 / rtt),
      req_per_s_4k_depth32: Math.round(write4k),
      mb_per_s_4k_depth32: Math.round((write4k * block4k.length) / MB),
      req_per_s_4m_write_depth4: Math.round(write4m),
      mb_per_s_4m_write_depth4: Math.round((write4m * block4m.length) / MB),
      mb_per_s_4m_read_depth4: Math.round((read4m * block4m.length) / MB),
    };
  } finally {
    conn?.close();
    child.disconnect();
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  if (process.argv.includes('--serve')) {
    await serve();
  } else {
    const result = await benchMessenger({ quick: process.argv.includes('--quick') });
    console.log(JSON.stringify(result, null, 2));
  }
}
