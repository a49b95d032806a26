// Messages between LuaPool (OSD main thread) and a Lua worker. Everything here crosses
// postMessage, so it is plain data; bytes arrive as Uint8Array whatever was sent.

import type { MessagePort } from 'node:worker_threads';
import type { HostCall, HostReply } from './host.js';
import type { LuaBudgets } from './vm.js';

export interface WorkerInit {
  /** Host calls travel on this port; the worker blocks on `signal` until the reply is posted. */
  readonly hostPort: MessagePort;
  /** Int32Array[1]: 0 while a host call is pending, 1 once its reply has been posted. */
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
