// Worker-thread entry: owns one LuaVm and runs calls one at a time. Object access is a
// synchronous host call: post the request, block in Atomics.wait until the main thread has
// answered, then take the reply with receiveMessageOnPort. Only this thread ever blocks.

import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { ERRNO } from '../../core/errors.js';
import { invariant } from '../../core/assert.js';
import type { HostCall, HostReply } from './host.js';
import {
  INLINE_REPLY_MAX_BYTES, SIGNAL_HEADER_BYTES, SIGNAL_PENDING, SIGNAL_REPLIED,
  SIG_INLINE_LEN, SIG_INLINE_RET, SIG_INLINE_SEQ, SIG_STATE,
  type CallMessage, type DoneMessage, type HostReplyMessage, type ReadyMessage, type WorkerInit,
} from './protocol.js';
import { LuaVm } from './vm.js';
import { MagickBridge } from './magick-bridge.js';
import type { MagickInvoker } from './magick-protocol.js';

const init = workerData as WorkerInit;
const port = parentPort;
invariant(port !== null, 'lua worker started outside worker_threads');
const signal = new Int32Array(init.signal, 0, SIGNAL_HEADER_BYTES / Int32Array.BYTES_PER_ELEMENT);
const inline = new Uint8Array(init.signal, SIGNAL_HEADER_BYTES, INLINE_REPLY_MAX_BYTES);
let hostSeq = 0;

function now_ms(): number {
  return performance.now();
}

function invokeHost(id: number, call: HostCall, deadline_ms: number): HostReply {
  const seq = ++hostSeq;
  Atomics.store(signal, SIG_STATE, SIGNAL_PENDING);
  init.hostPort.postMessage({ id, seq, call });
  for (;;) {
    if (Atomics.load(signal, SIG_INLINE_SEQ) === seq) return inlineReply();
    const received = receiveMessageOnPort(init.hostPort);
    if (received !== undefined) {
      const msg = received.message as HostReplyMessage;
      // A reply for an earlier call that gave up waiting: drop it and keep waiting.
      if (msg.seq === seq) return msg.reply;
      continue;
    }
    // Signalled but no message: the signal was a stale reply's. Re-arm, then look once more
    // before sleeping, so a reply landing in between is not missed.
    if (Atomics.compareExchange(signal, SIG_STATE, SIGNAL_REPLIED, SIGNAL_PENDING) === SIGNAL_REPLIED) continue;
    const left_ms = deadline_ms - now_ms();
    if (left_ms <= 0) return { ret: -ERRNO.ETIMEDOUT, message: `host ${call.fn} did not answer before the deadline` };
    Atomics.wait(signal, SIG_STATE, SIGNAL_PENDING, left_ms);
  }
}

/** The reply the main thread wrote into the shared buffer, copied out of it. */
function inlineReply(): HostReply {
  const ret = Atomics.load(signal, SIG_INLINE_RET);
  const length = Atomics.load(signal, SIG_INLINE_LEN);
  invariant(length <= INLINE_REPLY_MAX_BYTES, 'inline reply longer than its buffer');
  return length < 0 ? { ret } : { ret, data: inline.slice(0, length) };
}

// The image worker starts with the first `magick` call, so OSDs that never make thumbnails
// never load sharp.
let bridge: MagickBridge | undefined;
const magick: MagickInvoker = (job, deadline_ms) => (bridge ??= new MagickBridge(now_ms)).call(job, deadline_ms);

const vmReady = LuaVm.create({ now_ms, maxCachedScripts: init.maxCachedScripts });
// Either way the pool must learn the boot is over: a failed VM answers each call with EFAULT.
void vmReady.then(
  () => port.postMessage({ type: 'ready' } satisfies ReadyMessage),
  () => port.postMessage({ type: 'ready' } satisfies ReadyMessage),
);

async function run(msg: CallMessage): Promise<DoneMessage> {
  let vm: LuaVm;
  try {
    vm = await vmReady;
  } catch (err: unknown) {
    return { type: 'done', id: msg.id, ret: -ERRNO.EFAULT, out: new Uint8Array(0), log: [], error: { message: `lua vm failed to start: ${String(err)}` }, fatal: true };
  }
  const deadline_ms = now_ms() + msg.budgets.timeout_ms;
  const script = typeof msg.script === 'string' ? msg.script : Buffer.from(msg.script);
  const input = Buffer.from(msg.input.buffer, msg.input.byteOffset, msg.input.byteLength);
  const result = vm.call({ script, handler: msg.handler, input, trace: msg.trace }, msg.budgets, (call) => invokeHost(msg.id, call, deadline_ms), magick);
  const done: DoneMessage = { type: 'done', id: msg.id, ret: result.ret, out: result.out, log: result.log, fatal: vm.dead !== undefined };
  return result.error === undefined ? done : { ...done, error: result.error };
}

// One call at a time: the pool never sends a second call before the first is done.
port.on('message', (msg: CallMessage) => {
  void run(msg).then((done) => {
    port.postMessage(done);
    if (done.fatal) process.exit(1);
  });
});
