// The messenger's public contract: what daemons and the client program against.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Log = (level: LogLevel, msg: string) => void;

export interface RequestContext {
  readonly conn: Connection;
}

export interface MessageHandler {
  /**
   * Answer a request: the return value is the reply body. Throwing a RadosError makes the remote
   * request reject with the same errno and message; any other throw becomes EIO.
   */
  onRequest?(type: string, body: unknown, ctx: RequestContext): Promise<unknown> | unknown;
  /** A oneway message arrived. */
  onMessage?(type: string, body: unknown, conn: Connection): void;
  /** The link is up: on accept, on first connect and after every reconnect (resubscribe here). */
  onConnect?(conn: Connection): void;
  /** An established link went down (paired with onConnect); `conn.closed` says if it is final. */
  onClose?(conn: Connection): void;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeout_ms?: number;
  /**
   * Receive the reply's payload straight into this buffer when the reply has exactly one payload
   * segment that fits and is big enough to be received in place; the reply body's Buffer is then
   * a view of it. Otherwise the reply arrives as usual. The connection stops writing into it once
   * the request is settled, whichever way.
   */
  rxBuffer?: Buffer;
}

export type LinkState = 'connecting' | 'open' | 'backoff' | 'closed';

export interface ConnectionStats {
  readonly state: LinkState;
  readonly inflight_requests: number;
  readonly inflight_bytes: number;
  /** Requests waiting for in-flight room (FIFO). */
  readonly waiting_requests: number;
  readonly recv_unreplied_bytes: number;
  readonly recv_paused: boolean;
  /** Successful connects after the first. */
  readonly reconnects: number;
}

export interface Connection {
  /** "127.0.0.1:6801" */
  readonly peer: string;
  /** Unique per process. */
  readonly id: number;
  /**
   * Send a request and wait for its reply. Rejects with RadosError: the remote handler's errno,
   * ENOTCONN if the link dropped after sending (the caller decides whether to resend) or the
   * connection is closed, ECANCELED on abort, ETIMEDOUT after `timeout_ms`, EMSGSIZE if too big.
   */
  request<T = unknown>(type: string, body: unknown, opts?: RequestOptions): Promise<T>;
  /**
   * Oneway, best effort: dropped (and logged) if the connection is closed or its queue is full;
   * queued while a reconnecting link is down. Throws RadosError EMSGSIZE if it can never fit a frame.
   */
  send(type: string, body: unknown): void;
  close(): void;
  readonly closed: boolean;
  /** Per-connection slot for the daemon (e.g. the client id after authentication). */
  data: Record<string, unknown>;
  stats(): ConnectionStats;
}
