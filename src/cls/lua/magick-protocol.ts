// Jobs the Lua VM's `magick` module hands to the image worker (sharp), and their answers.
// Plain data: they cross postMessage. The VM keeps the encoded image and the pending size and
// format; the worker is stateless, so a job that times out leaves nothing behind.

import type { MessagePort } from 'node:worker_threads';

/** Formats a script may read and write. Raster only: no SVG/PDF parsers inside the OSD. */
export const MAGICK_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const;
export type MagickFormat = (typeof MAGICK_FORMATS)[number];

/** osd_cls_lua_max_image_pixels: larger images (source or result) fail with EFBIG. */
export const MAGICK_DEFAULT_MAX_PIXELS = 50_000_000;

export type MagickJob =
  /** Reads the header only: size and format, no pixel decoding. */
  | { readonly op: 'probe'; readonly blob: Uint8Array }
  /** Decodes, resizes to exactly width x height and encodes as `format`. */
  | {
      readonly op: 'render';
      readonly blob: Uint8Array;
      readonly maxPixels: number;
      readonly width: number;
      readonly height: number;
      readonly format: MagickFormat;
      /** 1..100; undefined = the encoder's default. */
      readonly quality?: number;
    };

export type MagickResult =
  | { readonly ok: true; readonly width: number; readonly height: number; readonly format: string; readonly data?: Uint8Array }
  | { readonly ok: false; readonly errno: number; readonly message: string };

/** Synchronous access to the image worker; `deadline_ms` is on the caller's monotonic clock. */
export type MagickInvoker = (job: MagickJob, deadline_ms: number) => MagickResult;

export interface MagickWorkerInit {
  readonly port: MessagePort;
  /** Int32Array[1]: PENDING while a job runs, REPLIED once its answer has been posted. */
  readonly signal: SharedArrayBuffer;
}

export interface MagickRequestMessage {
  readonly seq: number;
  readonly job: MagickJob;
}

export interface MagickReplyMessage {
  readonly seq: number;
  readonly result: MagickResult;
}

export function isMagickFormat(s: string): s is MagickFormat {
  return (MAGICK_FORMATS as readonly string[]).includes(s);
}

/** "jpg" and "JPEG" name the same format. */
export function normalizeFormat(s: string): string {
  const f = s.trim().toLowerCase();
  return f === 'jpg' ? 'jpeg' : f === 'tif' ? 'tiff' : f;
}
