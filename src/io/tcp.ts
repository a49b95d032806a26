// The messenger's view of the network: byte-stream sockets, a listener, and the timers the
// messenger needs (connect timeouts, reconnect backoff, request deadlines). Everything above this
// file sees only these interfaces, so a simulated transport can stand in for real TCP.

import net from 'node:net';
import { ERRNO, RadosError } from '../core/errors.js';
import { invariant } from '../core/assert.js';
import { realClock, type Timer } from './clock.js';

export type { Timer } from './clock.js';

export interface StreamSocket {
  /** "host:port" of the other end. */
  readonly remote: string;
  /** Bytes handed to write() that the kernel has not accepted yet. */
  readonly queued_bytes: number;
  /**
   * Write the buffers back to back; every write made before the flush point (end of the current
   * tick, or of the current event-loop turn: see FlushPoint) goes out as one writev. Payloads are
   * passed by reference, never concatenated. `done` runs once the last buffer is flushed, or with
   * an error if the socket died first; after it the transport never reads the chunks again, so
   * their owner may reuse them (pooled read replies; the simulated transport copies at once).
   */
  write(chunks: readonly Buffer[], done?: (error?: Error | null) => void): void;
  /** Stop reading (receive backpressure: TCP's window then slows the sender). */
  pause(): void;
  resume(): void;
  /** Close now; `onClose` follows. Idempotent. */
  destroy(): void;
}

export interface StreamSocketEvents {
  /** Outgoing sockets only: the connection is established. */
  onConnect(): void;
  onData(chunk: Buffer): void;
  /**
   * Optional: where the next read should land. A transport that can read into caller memory
   * (TCP with Node's `onread`) asks before every read and passes the filled part of this buffer
   * to onData, so big payloads arrive in their final buffer without a copy.
   */
  readTarget?(): Buffer | undefined;
  /** Exactly once per socket, after an error, a timeout, the peer closing, or destroy(). */
  onClose(error: Error | undefined): void;
}

export interface StreamServer {
  readonly port: number;
  /** Stop accepting; resolves once every accepted socket has closed (destroy them first). */
  close(): Promise<void>;
}

export interface StreamTransport {
  listen(host: string, port: number, onAccept: (socket: StreamSocket) => StreamSocketEvents): Promise<StreamServer>;
  connect(host: string, port: number, events: StreamSocketEvents, connect_timeout_ms: number): StreamSocket;
  startTimer(delay_ms: number, fn: () => void): Timer;
}

/** TCP keepalive probes start after this idle time, so a vanished peer eventually closes the socket. */
const KEEPALIVE_IDLE_MS = 10_000;

/**
 * When corked writes go out. 'tick': right after the callback that made them (process.nextTick),
 * so 32 replies decoded from one read cost one writev and nothing waits for other sockets'
 * callbacks: daemons use it, since their replies and replica writes are on the op's latency
 * chain (flushing per loop turn cost the OSDs ~8% of 4 KiB write IOPS). 'loop': once the event
 * loop has run every I/O callback of this turn (setImmediate), so a client that issues its next op
 * from each reply sends all the ops prompted by every socket's replies in one writev per socket
 * (4 KiB random reads, 16 in flight: 20.1k → 22.3–22.8k IOPS; the client was the busiest process,
 * 43% of its CPU in socket writes).
 */
export type FlushPoint = 'tick' | 'loop';

class TcpSocket implements StreamSocket {
  /** Writes made before the flush point share one cork. */
  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  constructor(private readonly socket: net.Socket, readonly remote: string, private readonly flush: FlushPoint) {}

  get queued_bytes(): number {
    return this.socket.writableLength;
  }

  write(chunks: readonly Buffer[], done?: (error?: Error | null) => void): void {
    invariant(chunks.length > 0, 'write of no chunks');
    if (this.socket.destroyed) {
      done?.(new Error('socket destroyed'));
      return;
    }
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      if (this.flush === 'tick') process.nextTick(this.uncork);
      else setImmediate(this.uncork);
    }
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) this.socket.write(chunks[i]!);
    if (done === undefined) this.socket.write(chunks[last]!);
    else this.socket.write(chunks[last]!, done);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function wire(socket: net.Socket, events: StreamSocketEvents, readsInPlace: boolean): void {
  let lastError: Error | undefined;
  if (!readsInPlace) socket.on('data', (chunk: Buffer) => events.onData(chunk));
  socket.on('error', (error: Error) => {
    lastError = error;
  });
  socket.on('close', () => events.onClose(lastError));
}

/** Reads land here when the receiver offers no target; onData then gets a copy. */
const SCRATCH_READ_BYTES = 64 * 1024;

/**
 * Node's `onread`: the socket reads into the buffer the generator returns (asked again after every
 * read) and reports how many bytes landed. `events` is looked up per read because an accepted
 * socket's events exist only once the messenger has seen the socket.
 */
function readIntoTarget(events: () => StreamSocketEvents | null): net.OnReadOpts {
  const scratch = Buffer.allocUnsafeSlow(SCRATCH_READ_BYTES);
  return {
    buffer: () => {
      const offered = events()?.readTarget?.();
      return offered !== undefined && offered.length > 0 ? offered : scratch;
    },
    callback: (nread: number, buf: Uint8Array): boolean => {
      const ev = events();
      if (ev === null || nread <= 0) return true;
      invariant(nread <= buf.byteLength, () => `onread reported ${nread} bytes into ${buf.byteLength}`);
      // A view of where the bytes landed; the scratch buffer is reused, so its bytes are copied.
      const landed = Buffer.from(buf.buffer, buf.byteOffset, nread);
      ev.onData(landed.buffer === scratch.buffer ? Buffer.from(landed) : landed);
      return true;
    },
  };
}

/**
 * An accepted socket re-wrapped so it reads in place: net.Server has no `onread` option, so the
 * native handle moves to a new net.Socket that has one. Node-internal (`_handle`); when it is not
 * there the socket is used as accepted, with 'data' events.
 */
function adoptWithOnread(accepted: net.Socket, events: () => StreamSocketEvents | null): net.Socket | null {
  const holder = accepted as unknown as { _handle?: unknown };
  const handle = holder._handle;
  if (typeof handle !== 'object' || handle === null) return null;
  holder._handle = null;
  accepted.destroy(); // handle-less: only releases the server's connection count
  return new net.Socket({ handle, onread: readIntoTarget(events) } as net.SocketConstructorOpts);
}

function formatAddress(host: string | undefined, port: number | undefined): string {
  const h = host ?? '?';
  return h.includes(':') ? `[${h}]:${port ?? 0}` : `${h}:${port ?? 0}`;
}

/** Node's socket error → errno number (Node reports e.g. errno -111, code 'ECONNREFUSED'). */
export function socketErrno(error: Error | undefined): number {
  const n = (error as NodeJS.ErrnoException | undefined)?.errno;
  return typeof n === 'number' && n !== 0 ? Math.abs(n) : ERRNO.ENOTCONN;
}

/** Real TCP; `flush` picks when each socket's corked writes go out (daemons: 'tick'). */
export function createTcpTransport(flush: FlushPoint): StreamTransport {
  return {
    listen(host, port, onAccept) {
      return new Promise((resolve, reject) => {
        // Accepted sockets whose handle moved to an in-place reader; close() waits for them too.
        const adopted = new Set<net.Socket>();
        let allAdoptedClosed: (() => void) | null = null;
        const server = net.createServer({ noDelay: true, pauseOnConnect: true }, (accepted) => {
          const remote = formatAddress(accepted.remoteAddress, accepted.remotePort);
          let events: StreamSocketEvents | null = null;
          const socket = adoptWithOnread(accepted, () => events) ?? accepted;
          const readsInPlace = socket !== accepted;
          if (readsInPlace) {
            adopted.add(socket);
            socket.once('close', () => {
              adopted.delete(socket);
              if (adopted.size === 0) allAdoptedClosed?.();
            });
          }
          socket.setNoDelay(true);
          socket.setKeepAlive(true, KEEPALIVE_IDLE_MS);
          const wrapped = new TcpSocket(socket, remote, flush);
          events = onAccept(wrapped);
          wire(socket, events, readsInPlace);
          socket.resume();
        });
        const onListenError = (error: Error): void => {
          reject(new RadosError(socketErrno(error), `listen on ${formatAddress(host, port)} failed (${(error as NodeJS.ErrnoException).code ?? error.message})`, { cause: error }));
        };
        server.once('error', onListenError);
        server.listen({ host, port }, () => {
          server.off('error', onListenError);
          // After listening, errors concern single accepts (e.g. EMFILE); the sockets report their own.
          server.on('error', () => {});
          const address = server.address();
          invariant(address !== null && typeof address === 'object', 'TCP server has an address');
          resolve({
            port: address.port,
            close: async () => {
              const adoptedClosed = new Promise<void>((done) => {
                allAdoptedClosed = done;
                if (adopted.size === 0) done();
              });
              await new Promise<void>((done) => server.close(() => done()));
              await adoptedClosed;
            },
          });
        });
      });
    },

    connect(host, port, events, connect_timeout_ms) {
      const socket = net.connect({ host, port, noDelay: true, onread: readIntoTarget(() => events) });
      const wrapped = new TcpSocket(socket, formatAddress(host, port), flush);
      const deadline = setTimeout(() => {
        socket.destroy(Object.assign(new Error(`connect to ${wrapped.remote} timed out`), { code: 'ETIMEDOUT', errno: ERRNO.ETIMEDOUT }));
      }, connect_timeout_ms);
      socket.once('connect', () => {
        clearTimeout(deadline);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, KEEPALIVE_IDLE_MS);
        events.onConnect();
      });
      socket.once('close', () => clearTimeout(deadline));
      wire(socket, events, true);
      return wrapped;
    },

    startTimer: (delay_ms, fn) => realClock.after(delay_ms, fn),
  };
}

/** Daemons' transport: writes flush at the end of each tick. */
export const tcpTransport: StreamTransport = createTcpTransport('tick');

/** Clients' transport: writes flush once per event-loop turn. */
export const clientTcpTransport: StreamTransport = createTcpTransport('loop');
