// The synchronous side of the image bridge, used by a thread that may block (a Lua worker,
// never the OSD's main thread): post a job to the image worker, sleep in Atomics.wait until its
// answer is posted or the call's deadline passes, then take it with receiveMessageOnPort.

import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { ERRNO } from '../../core/errors.js';
import type { MagickJob, MagickReplyMessage, MagickResult, MagickWorkerInit } from './magick-protocol.js';

const SIGNAL_PENDING = 0;
const SIGNAL_REPLIED = 1;
/** The image worker's JS heap; decoded pixels live in libvips' native memory, capped by pixels. */
const MAGICK_WORKER_MAX_OLD_GENERATION_MB = 128;

export class MagickBridge {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal: Int32Array;
  private seq = 0;
  private closed = false;

  constructor(private readonly now_ms: () => number) {
    const channel = new MessageChannel();
    const signalBuffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    const init: MagickWorkerInit = { port: channel.port2, signal: signalBuffer };
    this.worker = new Worker(new URL('./magick-worker.js', import.meta.url), {
      workerData: init,
      transferList: [channel.port2],
      resourceLimits: { maxOldGenerationSizeMb: MAGICK_WORKER_MAX_OLD_GENERATION_MB },
    });
    // The bridge's owner decides the thread's lifetime; an idle image worker must not extend it.
    this.worker.unref();
    this.port = channel.port1;
    this.port.unref();
    this.signal = new Int32Array(signalBuffer);
    this.worker.on('error', () => {
      this.closed = true;
    });
  }

  /** Runs one job; never throws. ETIMEDOUT once `deadline_ms` passes (the job's late answer is dropped). */
  call(job: MagickJob, deadline_ms: number): MagickResult {
    if (this.closed) return { ok: false, errno: ERRNO.EIO, message: 'magick: image worker is gone' };
    const seq = ++this.seq;
    Atomics.store(this.signal, 0, SIGNAL_PENDING);
    // Copy, so the caller's bytes (often a view of the Lua heap) stay where they are.
    this.port.postMessage({ seq, job: { ...job, blob: Uint8Array.from(job.blob) } });
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received !== undefined) {
        const msg = received.message as MagickReplyMessage;
        if (msg.seq === seq) return msg.result;
        continue; // an answer to a job that already timed out
      }
      if (Atomics.compareExchange(this.signal, 0, SIGNAL_REPLIED, SIGNAL_PENDING) === SIGNAL_REPLIED) continue;
      const left_ms = deadline_ms - this.now_ms();
      if (left_ms <= 0) return { ok: false, errno: ERRNO.ETIMEDOUT, message: `magick: ${job.op} did not finish before the deadline` };
      Atomics.wait(this.signal, 0, SIGNAL_PENDING, left_ms);
      if (this.closed) return { ok: false, errno: ERRNO.EIO, message: 'magick: image worker is gone' };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.port.close();
    await this.worker.terminate();
  }
}
