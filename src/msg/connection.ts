// One messenger connection: request/reply by tid over a framed byte stream, with bounded
// in-flight bytes on both sides and (for outgoing connections) reconnect with backoff.
//
// A request's life: waiting (for in-flight room, FIFO) → queued (admitted, link not up yet)
// → sent (written to the current socket) → done. Only `sent` requests are lost when the link
// drops; they reject ENOTCONN because the peer may or may not have executed them and only the
// caller (the objecter) can decide to resend. `queued` ones simply go out on the next link.

import { ERRNO, RadosError, cephStrerror } from '../core/errors.js';
import { invariant } from '../core/assert.js';
import {
  FRAME_FLAG_ERROR,
  FrameDecoder,
  FrameError,
  FrameKind,
  chunksBytes,
  encodeMessage,
  type Frame,
} from '../codec/frame.js';
import { socketErrno, type StreamSocket, type StreamSocketEvents, type StreamTransport, type Timer } from '../io/tcp.js';
import { Fifo } from './fifo.js';
import type { MessengerLimits } from './limits.js';
import type { RecvThrottle } from './throttle.js';
import type {
  Connection,
  ConnectionStats,
  LinkState,
  Log,
  MessageHandler,
  RequestContext,
  RequestOptions,
} from './types.js';

/** Error messages crossing the wire are cut to this length so an error reply always fits. */
const WIRE_ERROR_MESSAGE_MAX_CHARS = 4096;

interface OutRequest {
  readonly tid: number;
  readonly type: string;
  readonly size_bytes: number;
  /** Dropped once sent or settled, so a cancelled request does not pin its payload. */
  chunks: Buffer[] | null;
  state: 'waiting' | 'queued' | 'sent' | 'done';
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: RadosError) => void;
  timer: Timer | null;
  signal: AbortSignal | null;
  onAbort: (() => void) | null;
  /** Where the reply's payload may be received (RequestOptions.rxBuffer); null once settled. */
  rxBuffer: Buffer | null;
}

/** Written when the link comes up, in order: admitted requests and oneway messages. */
type OutboxEntry = { readonly request: OutRequest } | { readonly chunks: Buffer[]; readonly size_bytes: number };

let nextConnectionId = 1;

export interface ConnectionOptions {
  readonly transport: StreamTransport;
  readonly handler: MessageHandler;
  readonly limits: MessengerLimits;
  readonly log: Log;
  /** Receive budget; a listener shares one among all its connections. */
  readonly recvThrottle: RecvThrottle;
}

export class MessengerConnection implements Connection {
  readonly id = nextConnectionId++;
  data: Record<string, unknown> = {};

  private readonly ctx: RequestContext = { conn: this };
  private state: LinkState;
  private socket: StreamSocket | null = null;
  /** Bumped for every socket; events and replies from an older socket are ignored. */
  private socketGen = 0;
  private decoder: FrameDecoder | null = null;
  private everConnected = false;
  private reconnects = 0;
  private backoff_ms: number;
  private reconnectTimer: Timer | null = null;

  private nextTid = 1;
  /** Admitted requests (queued or sent), by tid. */
  private readonly pending = new Map<number, OutRequest>();
  private inflightBytes = 0;
  private readonly waiting = new Fifo<OutRequest>();
  private waitingLive = 0;
  private outbox: OutboxEntry[] = [];
  private outboxOnewayBytes = 0;

  /** This connection's share of the receive throttle, returned when the socket goes away. */
  private recvUnrepliedBytes = 0;
  private recvPaused = false;
  private readonly resumeReading = (): void => {
    if (!this.recvPaused) return;
    this.recvPaused = false;
    this.socket?.resume();
  };

  /** Called once when the connection closes for good (the listener forgets it). */
  onFinalClose: (() => void) | null = null;

  private constructor(
    readonly peer: string,
    private readonly opts: ConnectionOptions,
    private readonly target: { readonly host: string; readonly port: number; readonly reconnect: boolean } | null,
  ) {
    this.state = target === null ? 'open' : 'connecting';
    this.backoff_ms = opts.limits.reconnectMinMs;
  }

  /** Outgoing connection: starts dialling at once; requests made meanwhile wait for the link. */
  static dial(host: string, port: number, reconnect: boolean, opts: ConnectionOptions): MessengerConnection {
    const peer = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const conn = new MessengerConnection(peer, opts, { host, port, reconnect });
    conn.dialNow();
    return conn;
  }

  /** Incoming connection on a listener: already open. Returns the events to wire to the socket. */
  static accept(socket: StreamSocket, opts: ConnectionOptions): { conn: MessengerConnection; events: StreamSocketEvents } {
    const conn = new MessengerConnection(socket.remote, opts, null);
    const gen = ++conn.socketGen;
    conn.socket = socket;
    conn.decoder = conn.newDecoder();
    conn.everConnected = true;
    return { conn, events: conn.eventsFor(gen) };
  }

  private newDecoder(): FrameDecoder {
    return new FrameDecoder(this.opts.limits, {
      rxBufferFor: (tid) => {
        const request = this.pending.get(tid);
        return request?.state === 'sent' ? (request.rxBuffer ?? undefined) : undefined;
      },
    });
  }

  /** Fire onConnect for an accepted connection once its socket events are wired. */
  announceAccepted(): void {
    if (this.state === 'open') this.callHandler('onConnect', () => this.opts.handler.onConnect?.(this));
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  stats(): ConnectionStats {
    return {
      state: this.state,
      inflight_requests: this.pending.size,
      inflight_bytes: this.inflightBytes,
      waiting_requests: this.waitingLive,
      recv_unreplied_bytes: this.recvUnrepliedBytes,
      recv_paused: this.recvPaused,
      reconnects: this.reconnects,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  request<T = unknown>(type: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return new Promise<unknown>((resolve, reject) => {
      if (this.state === 'closed') {
        reject(this.error('ENOTCONN', type, 'connection closed'));
        return;
      }
      if (opts.signal?.aborted === true) {
        reject(this.error('ECANCELED', type, 'aborted'));
        return;
      }
      const tid = this.nextTid++;
      let chunks: Buffer[];
      try {
        chunks = encodeMessage(FrameKind.request, tid, type, body, { limits: this.opts.limits });
      } catch (error) {
        reject(RadosError.is(error) ? error : new RadosError(ERRNO.EINVAL, `${type}: cannot encode`, { cause: error }));
        return;
      }
      const request: OutRequest = {
        tid, type, chunks, size_bytes: chunksBytes(chunks), state: 'waiting',
        resolve, reject, timer: null, signal: null, onAbort: null, rxBuffer: opts.rxBuffer ?? null,
      };
      if (opts.timeout_ms !== undefined) {
        invariant(Number.isFinite(opts.timeout_ms) && opts.timeout_ms >= 0, () => `timeout_ms ${opts.timeout_ms}`);
        request.timer = this.opts.transport.startTimer(opts.timeout_ms, () => {
          request.timer = null;
          this.settle(request, this.error('ETIMEDOUT', type, `no reply within ${opts.timeout_ms} ms`));
        });
      }
      if (opts.signal !== undefined) {
        const signal = opts.signal;
        request.signal = signal;
        request.onAbort = () => this.settle(request, this.error('ECANCELED', type, 'aborted'));
        signal.addEventListener('abort', request.onAbort, { once: true });
      }
      if (this.waitingLive === 0 && this.hasRoom(request.size_bytes)) {
        this.admit(request);
      } else {
        this.waiting.push(request);
        this.waitingLive++;
      }
    }) as Promise<T>;
  }

  send(type: string, body: unknown): void {
    if (this.state === 'closed') {
      this.opts.log('debug', `oneway ${type} to ${this.peer} dropped: connection closed`);
      return;
    }
    const chunks = encodeOneway(type, body, this.opts.limits);
    const size_bytes = chunksBytes(chunks);
    const limit = this.opts.limits.maxQueuedOnewayBytes;
    if (this.state === 'open' && this.socket !== null) {
      if (this.socket.queued_bytes > limit) {
        this.opts.log('warn', `oneway ${type} to ${this.peer} dropped: ${this.socket.queued_bytes} bytes unsent`);
        return;
      }
      this.socket.write(chunks);
      return;
    }
    if (this.outboxOnewayBytes + size_bytes > limit) {
      this.opts.log('warn', `oneway ${type} to ${this.peer} dropped: ${this.outboxOnewayBytes} bytes queued while disconnected`);
      return;
    }
    this.outbox.push({ chunks, size_bytes });
    this.outboxOnewayBytes += size_bytes;
  }

  close(): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.dropSocket();
    this.shutdown(ERRNO.ENOTCONN, wasOpen);
  }

  /** A message bigger than the cap is still allowed when nothing else is in flight. */
  private hasRoom(size_bytes: number): boolean {
    const limits = this.opts.limits;
    if (this.pending.size >= limits.maxInflightRequests) return false;
    return this.pending.size === 0 || this.inflightBytes + size_bytes <= limits.maxInflightBytes;
  }

  private admit(request: OutRequest): void {
    invariant(request.state === 'waiting', () => `admit a ${request.state} request`);
    invariant(!this.pending.has(request.tid), () => `tid ${request.tid} admitted twice`);
    this.pending.set(request.tid, request);
    this.inflightBytes += request.size_bytes;
    invariant(this.pending.size <= this.opts.limits.maxInflightRequests, 'in-flight requests over the cap');
    invariant(this.pending.size === 1 || this.inflightBytes <= this.opts.limits.maxInflightBytes, 'in-flight bytes over the cap');
    if (this.state === 'open' && this.socket !== null) {
      this.writeRequest(request);
    } else {
      request.state = 'queued';
      this.outbox.push({ request });
    }
  }

  private writeRequest(request: OutRequest): void {
    invariant(this.socket !== null && request.chunks !== null, 'write a request without socket or chunks');
    request.state = 'sent';
    this.socket.write(request.chunks);
    request.chunks = null;
  }

  /** Admit waiting requests, oldest first, while there is room. */
  private pump(): void {
    // Each iteration removes one entry, so the loop is bounded by the queue length.
    while (this.waiting.length > 0 && this.state !== 'closed') {
      const head = this.waiting.peek();
      invariant(head !== undefined, 'waiting head');
      if (head.state === 'done') {
        this.waiting.shift();
        continue;
      }
      if (!this.hasRoom(head.size_bytes)) return;
      this.waiting.shift();
      this.waitingLive--;
      this.admit(head);
    }
  }

  /** The one place a request ends: releases its budget, timer and abort listener exactly once. */
  private settle(request: OutRequest, error: RadosError | null, value?: unknown): void {
    const previous = request.state;
    if (previous === 'done') return;
    request.state = 'done';
    request.chunks = null;
    // Settled without its reply (or by it, when this is a no-op): the buffer is the caller's again.
    const readAimedAtRx = request.rxBuffer !== null && this.decoder?.detachRx(request.rxBuffer) === true;
    request.rxBuffer = null;
    request.timer?.cancel();
    request.timer = null;
    if (request.signal !== null && request.onAbort !== null) request.signal.removeEventListener('abort', request.onAbort);
    if (previous === 'waiting') {
      this.waitingLive--;
      invariant(this.waitingLive >= 0, 'waiting count went negative');
    } else {
      invariant(this.pending.delete(request.tid), () => `settled tid ${request.tid} was not pending`);
      this.inflightBytes -= request.size_bytes;
      invariant(this.inflightBytes >= 0, 'in-flight bytes went negative');
      invariant(this.pending.size > 0 || this.inflightBytes === 0, 'in-flight bytes without requests');
      if (previous === 'queued') this.outbox = this.outbox.filter((entry) => !('request' in entry) || entry.request !== request);
    }
    if (readAimedAtRx) {
      // The caller gets its buffer back while the socket's next read may still land in it.
      this.abandonLink(`${request.type} tid ${request.tid} ended while its reply was arriving in the caller's buffer`);
    }
    if (error !== null) request.reject(error);
    else request.resolve(value);
    if (previous !== 'waiting') this.pump();
  }

  /** Ends the current link at once, as if it had dropped: requests sent on it fail ENOTCONN. */
  private abandonLink(why: string): void {
    const socket = this.socket;
    if (socket === null) return;
    this.opts.log('debug', `closing link to ${this.peer}: ${why}`);
    const gen = this.socketGen;
    this.onLinkDown(gen, new Error(why));
    if (this.socketGen === gen) this.socketGen++; // the destroyed socket's own close event is stale
    socket.destroy();
  }

  private error(name: 'ENOTCONN' | 'ECANCELED' | 'ETIMEDOUT' | 'ECONNREFUSED', type: string, why: string): RadosError {
    return RadosError.from(name, `${type} to ${this.peer}: ${why}`);
  }

  // -------------------------------------------------------------------------------------------
  // Link management

  private dialNow(): void {
    invariant(this.target !== null, 'dial an accepted connection');
    this.state = 'connecting';
    const gen = ++this.socketGen;
    this.socket = this.opts.transport.connect(this.target.host, this.target.port, this.eventsFor(gen), this.opts.limits.connectTimeoutMs);
  }

  private eventsFor(gen: number): StreamSocketEvents {
    return {
      onConnect: () => this.onLinkUp(gen),
      onData: (chunk) => this.onData(gen, chunk),
      readTarget: () => (gen === this.socketGen ? this.decoder?.readTarget() : undefined),
      onClose: (error) => this.onLinkDown(gen, error),
    };
  }

  private onLinkUp(gen: number): void {
    if (gen !== this.socketGen || this.state !== 'connecting') return;
    this.state = 'open';
    if (this.everConnected) this.reconnects++;
    this.everConnected = true;
    this.backoff_ms = this.opts.limits.reconnectMinMs;
    this.decoder = this.newDecoder();
    // onConnect first: a session handshake or resubscription it sends must precede queued traffic.
    this.callHandler('onConnect', () => this.opts.handler.onConnect?.(this));
    if (gen !== this.socketGen || this.socket === null) return;
    const outbox = this.outbox;
    this.outbox = [];
    this.outboxOnewayBytes = 0;
    for (const entry of outbox) {
      if ('request' in entry) {
        if (entry.request.state === 'queued') this.writeRequest(entry.request);
      } else {
        this.socket.write(entry.chunks);
      }
    }
  }

  private onLinkDown(gen: number, error: Error | undefined): void {
    if (gen !== this.socketGen) return;
    const wasOpen = this.state === 'open';
    this.socket = null;
    this.decoder = null;
    this.resetRecv();
    if (this.target === null || !this.target.reconnect) {
      // A refused or timed-out first connect reports why; a link that was up reports ENOTCONN.
      const errno = !this.everConnected && error !== undefined ? socketErrno(error) : ERRNO.ENOTCONN;
      this.shutdown(errno, wasOpen);
      return;
    }
    this.state = 'backoff';
    if (error !== undefined) this.opts.log(wasOpen ? 'info' : 'debug', `link to ${this.peer} down: ${error.message}`);
    this.rejectSent(ERRNO.ENOTCONN);
    if (wasOpen) this.callHandler('onClose', () => this.opts.handler.onClose?.(this));
    if (this.state !== 'backoff') return; // onClose closed us
    const delay_ms = this.backoff_ms;
    this.backoff_ms = Math.min(this.backoff_ms * 2, this.opts.limits.reconnectMaxMs);
    this.reconnectTimer = this.opts.transport.startTimer(delay_ms, () => {
      this.reconnectTimer = null;
      if (this.state === 'backoff') this.dialNow();
    });
  }

  private rejectSent(errno: number): void {
    for (const request of [...this.pending.values()]) {
      if (request.state === 'sent') {
        this.settle(request, new RadosError(errno, `${request.type} to ${this.peer}: connection lost before the reply`));
      }
    }
  }

  /** Final close: everything not answered fails with `errno`. */
  private shutdown(errno: number, fireOnClose: boolean): void {
    this.state = 'closed';
    this.reconnectTimer?.cancel();
    this.reconnectTimer = null;
    const why = errno === ERRNO.ENOTCONN ? 'connection closed' : `connect failed`;
    for (const request of this.waiting.drain()) {
      this.settle(request, new RadosError(errno, `${request.type} to ${this.peer}: ${why}`));
    }
    for (const request of [...this.pending.values()]) {
      this.settle(request, new RadosError(errno, `${request.type} to ${this.peer}: ${why}`));
    }
    invariant(this.pending.size === 0 && this.inflightBytes === 0 && this.waitingLive === 0, 'requests survive close');
    this.outbox = [];
    this.outboxOnewayBytes = 0;
    if (fireOnClose) this.callHandler('onClose', () => this.opts.handler.onClose?.(this));
    const onFinalClose = this.onFinalClose;
    this.onFinalClose = null;
    onFinalClose?.();
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socketGen++; // its close event is now stale
    this.socket = null;
    this.decoder = null;
    this.resetRecv();
    socket?.destroy();
  }

  // -------------------------------------------------------------------------------------------
  // Receiving

  private onData(gen: number, chunk: Buffer): void {
    if (gen !== this.socketGen || this.decoder === null) return;
    let frames: readonly Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      const why = error instanceof FrameError ? error.message : `decoder failure: ${String(error)}`;
      this.opts.log('warn', `closing connection ${this.id} from ${this.peer}: ${why}`);
      this.socket?.destroy();
      return;
    }
    for (const frame of frames) {
      if (gen !== this.socketGen) return; // a handler closed the connection
      switch (frame.kind) {
        case FrameKind.request:
          this.onRequestFrame(gen, frame);
          break;
        case FrameKind.reply:
          this.onReplyFrame(frame);
          break;
        case FrameKind.oneway:
          this.callHandler('onMessage', () => this.opts.handler.onMessage?.(frame.type, frame.body, this));
          break;
        default: {
          const never: never = frame.kind;
          invariant(false, `frame kind ${String(never)}`);
        }
      }
    }
  }

  private onReplyFrame(frame: Frame): void {
    const request = this.pending.get(frame.tid);
    if (request === undefined || request.state !== 'sent') {
      // The request timed out or was cancelled; its late reply has no one to go to.
      this.opts.log('debug', `reply ${frame.type} tid ${frame.tid} from ${this.peer} has no pending request`);
      return;
    }
    if ((frame.flags & FRAME_FLAG_ERROR) !== 0) this.settle(request, errorFromWire(frame.body, request.type, this.peer));
    else this.settle(request, null, frame.body);
  }

  private onRequestFrame(gen: number, frame: Frame): void {
    const size_bytes = frame.size_bytes;
    this.recvUnrepliedBytes += size_bytes;
    if (this.opts.recvThrottle.take(size_bytes, this.resumeReading) && !this.recvPaused) {
      this.recvPaused = true;
      this.socket?.pause();
    }
    this.serve(gen, frame, size_bytes).catch((error: unknown) => {
      this.opts.log('error', `serving ${frame.type} from ${this.peer} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    });
  }

  private async serve(gen: number, frame: Frame, size_bytes: number): Promise<void> {
    const limits = this.opts.limits;
    let chunks: Buffer[];
    // Buffers the reply sends by reference that their owner wants back once they are written.
    const releases: Array<() => void> = [];
    const releaseAll = (): void => {
      for (const release of releases.splice(0)) release();
    };
    try {
      const handler = this.opts.handler;
      if (handler.onRequest === undefined) throw RadosError.from('EOPNOTSUPP', `${frame.type}: this endpoint takes no requests`);
      const result: unknown = await handler.onRequest(frame.type, frame.body, this.ctx);
      chunks = encodeMessage(FrameKind.reply, frame.tid, frame.type, result, { limits, releases });
    } catch (error) {
      releaseAll();
      chunks = encodeMessage(FrameKind.reply, frame.tid, frame.type, this.errorToWire(error, frame.type), { flags: FRAME_FLAG_ERROR, limits });
    }
    if (gen !== this.socketGen || this.socket === null) {
      releaseAll();
      return; // the requester saw ENOTCONN already
    }
    // The callback runs once every chunk is in the kernel, or the socket died: either way no
    // one reads the chunks after it.
    this.socket.write(chunks, () => {
      releaseAll();
      this.releaseRecv(gen, size_bytes);
    });
  }

  private releaseRecv(gen: number, size_bytes: number): void {
    if (gen !== this.socketGen) return; // resetRecv already forgot this socket's bytes
    this.recvUnrepliedBytes -= size_bytes;
    invariant(this.recvUnrepliedBytes >= 0, 'unreplied receive bytes went negative');
    this.opts.recvThrottle.release(size_bytes);
  }

  /** The socket is gone: its unreplied bytes will never be replied, so give them back now. */
  private resetRecv(): void {
    this.opts.recvThrottle.forget(this.resumeReading);
    const bytes = this.recvUnrepliedBytes;
    this.recvUnrepliedBytes = 0;
    this.recvPaused = false;
    if (bytes > 0) this.opts.recvThrottle.release(bytes);
  }

  private errorToWire(error: unknown, type: string): { errno: number; message: string } {
    if (RadosError.is(error)) return { errno: error.errno, message: clip(stripStrerror(error)) };
    this.opts.log('warn', `handler for ${type} from ${this.peer} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    const detail = error instanceof Error ? error.message : String(error);
    return { errno: ERRNO.EIO, message: clip(`${type}: ${detail}`) };
  }

  /** Handler callbacks are the daemon's code; a throw there is logged, not allowed to kill the link. */
  private callHandler(name: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.opts.log('error', `${name} handler on connection ${this.id} (${this.peer}) threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
}

/** RadosError appends ": (N) strerror" to its message; send the original so it is not doubled. */
function stripStrerror(error: RadosError): string {
  const suffix = `: ${cephStrerror(error.errno)}`;
  return error.message.endsWith(suffix) ? error.message.slice(0, -suffix.length) : error.message;
}

function clip(message: string): string {
  return message.length <= WIRE_ERROR_MESSAGE_MAX_CHARS ? message : `${message.slice(0, WIRE_ERROR_MESSAGE_MAX_CHARS)}…`;
}

function errorFromWire(body: unknown, type: string, peer: string): RadosError {
  if (typeof body === 'object' && body !== null) {
    const { errno, message } = body as { errno?: unknown; message?: unknown };
    if (typeof errno === 'number' && Number.isSafeInteger(errno) && errno > 0 && typeof message === 'string') {
      return new RadosError(errno, message);
    }
  }
  return RadosError.from('EBADMSG', `${type} to ${peer}: malformed error reply`);
}

/**
 * Oneway frames carry no tid, so the same body encodes to the same bytes for every connection.
 * A publisher that hands one body object to many connections (the monitor pushing an OSDMap to
 * every subscriber) then pays for one encoding, not one per subscriber. Bodies passed to
 * send() are treated as immutable, as every other message body is.
 */
const onewayFrames = new WeakMap<object, { type: string; limits: unknown; chunks: Buffer[] }>();

function encodeOneway(type: string, body: unknown, limits: Parameters<typeof encodeMessage>[4] extends infer O ? (O extends { limits?: infer L } ? L : never) : never): Buffer[] {
  if (typeof body !== 'object' || body === null) return encodeMessage(FrameKind.oneway, 0, type, body, { limits });
  const hit = onewayFrames.get(body);
  if (hit !== undefined && hit.type === type && hit.limits === limits) return hit.chunks;
  const chunks = encodeMessage(FrameKind.oneway, 0, type, body, { limits });
  onewayFrames.set(body, { type, limits, chunks });
  return chunks;
}
