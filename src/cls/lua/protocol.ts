// Messages between LuaPool (OSD main thread) and a Lua worker. Everything here crosses
// postMessage, so it is plain data; bytes arrive as Uint8Array whatever was sent.

import type { MessagePort } from 'node:worker_threads';
import type { HostCall, HostReply } from './host.js';
import type { LuaBudgets } from './vm.js';

export interface WorkerInit {
  /** Host calls travel on this port; the worker blocks on `signal` until the reply is posted. */
  readonly hostPort: MessagePort;
  /**
   * SIGNAL_BUFFER_BYTES: the signal word (SIGNAL_PENDING while a host call is pending,
   * SIGNAL_REPLIED once its reply is ready), then an inline reply (see SIG_INLINE_SEQ).
   */
  readonly signal: SharedArrayBuffer;
  readonly maxCachedScripts: number;
}

export interface CallMessage {
  readonly type: 'call';
  readonly id: number;
  readonly script: string | Uint8Array;
  readonly handler: string;
  readonly input: Uint8Array;
  readonly trace: boolean;
  readonly budgets: LuaBudgets;
}

/** Sent once by a worker when its VM exists (or failed to start); calls queue until then. */
export interface ReadyMessage {
  readonly type: 'ready';
}

export interface DoneMessage {
  readonly type: 'done';
  readonly id: number;
  readonly ret: number;
  readonly out: Uint8Array;
  readonly log: string[];
  readonly error?: { readonly message: string; readonly traceback?: string };
  /** The VM trapped; the worker exits after this message. */
  readonly fatal: boolean;
}

export interface HostRequestMessage {
  readonly id: number;
  readonly seq: number;
  readonly call: HostCall;
}

export interface HostReplyMessage {
  readonly seq: number;
  readonly reply: HostReply;
}

export const SIGNAL_PENDING = 0;
export const SIGNAL_REPLIED = 1;

// A reply that is only `ret` and at most INLINE_REPLY_MAX_BYTES of data (a small objclass.read,
// a stat-less write's status) skips the MessagePort: the main thread writes it into the shared
// buffer and stores its seq last, so a worker that sees its own seq there reads a whole reply.
// Replies come in request order and the worker sends its next request only after taking this
// one, so nothing overwrites the inline reply while the worker reads it.
/** Int32 word indexes in the signal buffer. */
export const SIG_STATE = 0;
/** Seq of the reply held inline; 0 (no seq is 0) until the first one. */
export const SIG_INLINE_SEQ = 1;
export const SIG_INLINE_RET = 2;
/** Data length of the inline reply; -1 when it has no data. */
export const SIG_INLINE_LEN = 3;
export const SIGNAL_HEADER_BYTES = 16;
export const INLINE_REPLY_MAX_BYTES = 4096;
export const SIGNAL_BUFFER_BYTES = SIGNAL_HEADER_BYTES + INLINE_REPLY_MAX_BYTES;
