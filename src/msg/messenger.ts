// Entry points: listen() for daemons, connect() for anything that talks to a daemon.

import { invariant } from '../core/assert.js';
import { tcpTransport, type StreamTransport } from '../io/tcp.js';
import { MessengerConnection } from './connection.js';
import { resolveLimits, type MessengerLimits } from './limits.js';
import { RecvThrottle } from './throttle.js';
import type { Connection, Log, MessageHandler } from './types.js';

export type { Connection, ConnectionStats, LinkState, Log, LogLevel, MessageHandler, RequestContext, RequestOptions } from './types.js';
export { DEFAULT_MESSENGER_LIMITS, type MessengerLimits } from './limits.js';

const silent: Log = () => {};

export interface ListenOptions {
  host: string;
  /** 0 picks a free port; the bound one is returned. */
  port: number;
  handler: MessageHandler;
  limits?: Partial<MessengerLimits>;
  log?: Log;
  /** Defaults to real TCP; tests and the simulator may pass another byte-stream transport. */
  transport?: StreamTransport;
}

export interface Listener {
  readonly port: number;
  /** Stop accepting, close every connection (their pending requests fail ENOTCONN), then resolve. */
  close(): Promise<void>;
  /** Connections currently open on this listener. */
  connections(): Connection[];
}

export async function listen(opts: ListenOptions): Promise<Listener> {
  const limits = resolveLimits(opts.limits);
  const log = opts.log ?? silent;
  const transport = opts.transport ?? tcpTransport;
  const open = new Set<MessengerConnection>();
  const recvThrottle = new RecvThrottle(limits.maxInflightRecvBytes);
  let closing = false;

  const server = await transport.listen(opts.host, opts.port, (socket) => {
    const { conn, events } = MessengerConnection.accept(socket, { transport, handler: opts.handler, limits, log, recvThrottle });
    if (closing) {
      conn.close();
      return events;
    }
    open.add(conn);
    conn.onFinalClose = () => open.delete(conn);
    log('debug', `accepted connection ${conn.id} from ${conn.peer}`);
    // The socket's events are wired right after this returns, before any data can arrive.
    queueMicrotask(() => conn.announceAccepted());
    return events;
  });

  return {
    port: server.port,
    async close() {
      closing = true;
      for (const conn of [...open]) conn.close();
      invariant(open.size === 0, 'connections survive listener close');
      await server.close();
    },
    connections: () => [...open],
  };
}

export interface ConnectOptions {
  host: string;
  port: number;
  handler?: MessageHandler;
  /** Default true: redial with backoff (50 ms doubling to 2 s) whenever the link drops. */
  reconnect?: boolean;
  limits?: Partial<MessengerLimits>;
  log?: Log;
  transport?: StreamTransport;
}

/** Returns at once; requests made before the link is up wait for it (bounded by their timeout). */
export function connect(opts: ConnectOptions): Connection {
  const limits = resolveLimits(opts.limits);
  return MessengerConnection.dial(opts.host, opts.port, opts.reconnect ?? true, {
    transport: opts.transport ?? tcpTransport,
    handler: opts.handler ?? {},
    limits,
    log: opts.log ?? silent,
    recvThrottle: new RecvThrottle(limits.maxInflightRecvBytes),
  });
}
