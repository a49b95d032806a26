// Image worker: the only thread that loads sharp. It answers jobs from one Lua worker, which
// is blocked in Atomics.wait meanwhile; sharp's work runs on libuv's pool, so this thread's
// event loop stays free and jobs that outlive their caller are answered and then dropped.

import { workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { ERRNO } from '../../core/errors.js';
import { invariant } from '../../core/assert.js';
import type { MagickJob, MagickReplyMessage, MagickRequestMessage, MagickResult, MagickWorkerInit } from './magick-protocol.js';

const SIGNAL_REPLIED = 1;
const init = workerData as MagickWorkerInit;
invariant(init?.port !== undefined, 'magick worker started without its port');
const signal = new Int32Array(init.signal);

// One image at a time per worker; the Lua worker sends one job at a time anyway.
sharp.concurrency(1);
sharp.cache(false);

function failure(errno: number, message: string): MagickResult {
  return { ok: false, errno, message: `magick: ${message}` };
}

function errnoOf(message: string): number {
  if (/pixel limit/i.test(message)) return ERRNO.EFBIG;
  return ERRNO.EINVAL;
}

async function run(job: MagickJob): Promise<MagickResult> {
  const blob = Buffer.from(job.blob.buffer, job.blob.byteOffset, job.blob.byteLength);
  try {
    if (job.op === 'probe') {
      const meta = await sharp(blob, { limitInputPixels: false }).metadata();
      if (meta.width === undefined || meta.height === undefined) return failure(ERRNO.EINVAL, 'image has no size');
      return { ok: true, width: meta.width, height: meta.height, format: meta.format ?? '' };
    }
    let pipeline = sharp(blob, { limitInputPixels: job.maxPixels, failOn: 'error' })
      .resize(job.width, job.height, { fit: 'fill' });
    const quality = job.quality === undefined ? {} : { quality: job.quality };
    pipeline = pipeline.toFormat(job.format, quality);
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    return { ok: true, width: info.width, height: info.height, format: info.format, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (err: unknown) {
    const message = err instanceof Error ? err.message : String(err);
    return failure(errnoOf(message), message);
  }
}

init.port.on('message', (msg: MagickRequestMessage) => {
  void run(msg.job).then((result) => {
    const reply: MagickReplyMessage = { seq: msg.seq, result };
    init.port.postMessage(reply);
    Atomics.store(signal, 0, SIGNAL_REPLIED);
    Atomics.notify(signal, 0);
  });
});
