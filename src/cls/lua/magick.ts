// The images of one Lua call, behind the `magick` module. An image is its encoded bytes plus a
// pending size, format and quality: `thumb`/`resize`/`set_format` only record what is wanted and
// `get_blob` renders it in one sharp pass from the original bytes, so chained resizes lose no
// quality and `get_width`/`get_height` cost nothing. Pixel work happens in the image worker,
// reached through a MagickInvoker that blocks this thread until the deadline at most.

import { ERRNO, RadosError } from '../../core/errors.js';
import { invariant } from '../../core/assert.js';
import { GEOMETRY_MAX_SIDE, parseGeometry, targetSize, type Size } from './geometry.js';
import {
  isMagickFormat, normalizeFormat,
  type MagickFormat, type MagickInvoker, type MagickJob, type MagickResult,
} from './magick-protocol.js';

/** Images one call may hold at once (each keeps its encoded bytes in the worker's JS heap). */
export const MAGICK_MAX_IMAGES_PER_CALL = 32;

interface ImageState {
  readonly blob: Uint8Array;
  readonly src: Size;
  readonly srcFormat: MagickFormat;
  size: Size;
  format: MagickFormat;
  quality: number | undefined;
  /** The last rendering, valid until the size, format or quality changes. */
  rendered: Uint8Array | undefined;
}

function fail(errno: number, message: string): RadosError {
  return new RadosError(errno, message);
}

export class MagickImages {
  private readonly images = new Map<number, ImageState>();
  private nextId = 1;

  constructor(
    private readonly invoke: MagickInvoker | undefined,
    private readonly maxPixels: number,
    private readonly deadline_ms: number,
  ) {
    invariant(Number.isSafeInteger(maxPixels) && maxPixels > 0, 'magick pixel cap must be a positive integer');
  }

  /**
   * Reads the image header. Returns the image id, or a message when the bytes are not an image
   * this module reads (the script sees `nil, message`, as in leafo's magick). Throws EFBIG over
   * the pixel cap and ETIMEDOUT past the deadline.
   */
  load(blob: Uint8Array): number | { readonly failed: string } {
    if (this.images.size >= MAGICK_MAX_IMAGES_PER_CALL) {
      throw fail(ERRNO.ENOMEM, `magick: more than ${MAGICK_MAX_IMAGES_PER_CALL} images in one call`);
    }
    const r = this.run({ op: 'probe', blob }, true);
    if (!r.ok) return { failed: r.message };
    const format = normalizeFormat(r.format);
    if (!isMagickFormat(format)) return { failed: `magick: unsupported image format '${r.format}'` };
    const src = { width: r.width, height: r.height };
    this.checkPixels(src, 'source image');
    const id = this.nextId++;
    this.images.set(id, { blob, src, srcFormat: format, size: src, format, quality: undefined, rendered: undefined });
    return id;
  }

  size(id: number): Size {
    return this.get(id).size;
  }

  format(id: number): MagickFormat {
    return this.get(id).format;
  }

  /** ImageMagick geometry applied to the image's current size. */
  thumb(id: number, spec: string): void {
    const img = this.get(id);
    this.setSize(img, targetSize(parseGeometry(spec), img.size));
  }

  resize(id: number, width: number, height: number): void {
    const ok = (n: number): boolean => Number.isSafeInteger(n) && n >= 1 && n <= GEOMETRY_MAX_SIDE;
    if (!ok(width) || !ok(height)) throw fail(ERRNO.EINVAL, `magick: resize to ${width}x${height} (sides must be 1..${GEOMETRY_MAX_SIDE})`);
    this.setSize(this.get(id), { width, height });
  }

  setFormat(id: number, name: string): void {
    const format = normalizeFormat(name);
    if (!isMagickFormat(format)) throw fail(ERRNO.EINVAL, `magick: unsupported output format '${name}'`);
    const img = this.get(id);
    if (img.format !== format) img.rendered = undefined;
    img.format = format;
  }

  setQuality(id: number, quality: number): void {
    if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw fail(ERRNO.EINVAL, `magick: quality ${quality} is not 1..100`);
    const img = this.get(id);
    img.quality = quality;
    img.rendered = undefined;
  }

  /** The encoded image; the original bytes when nothing was asked of it. */
  blob(id: number): Uint8Array {
    const img = this.get(id);
    const untouched = img.size.width === img.src.width && img.size.height === img.src.height
      && img.format === img.srcFormat && img.quality === undefined;
    if (untouched) return img.blob;
    if (img.rendered !== undefined) return img.rendered;
    const job: MagickJob = {
      op: 'render', blob: img.blob, maxPixels: this.maxPixels, width: img.size.width, height: img.size.height, format: img.format,
      ...(img.quality === undefined ? {} : { quality: img.quality }),
    };
    const r = this.run(job, false);
    invariant(r.ok && r.data !== undefined, 'render answers with data');
    img.rendered = r.data;
    return r.data;
  }

  clone(id: number): number {
    if (this.images.size >= MAGICK_MAX_IMAGES_PER_CALL) {
      throw fail(ERRNO.ENOMEM, `magick: more than ${MAGICK_MAX_IMAGES_PER_CALL} images in one call`);
    }
    const img = this.get(id);
    const copy = this.nextId++;
    this.images.set(copy, { ...img });
    return copy;
  }

  destroy(id: number): void {
    this.images.delete(id);
  }

  private get(id: number): ImageState {
    const img = this.images.get(id);
    if (img === undefined) throw fail(ERRNO.EINVAL, 'magick: image was destroyed');
    return img;
  }

  private setSize(img: ImageState, size: Size): void {
    this.checkPixels(size, 'result');
    if (size.width !== img.size.width || size.height !== img.size.height) img.rendered = undefined;
    img.size = size;
  }

  private checkPixels(size: Size, what: string): void {
    const pixels = size.width * size.height;
    if (pixels > this.maxPixels) {
      throw fail(ERRNO.EFBIG, `magick: ${what} is ${size.width}x${size.height} = ${pixels} pixels, over the cap of ${this.maxPixels}`);
    }
  }

  /** `soft`: a decoding failure is returned rather than thrown; limits always throw. */
  private run(job: MagickJob, soft: boolean): MagickResult {
    if (this.invoke === undefined) throw fail(ERRNO.EOPNOTSUPP, 'magick: no image worker in this sandbox');
    const r = this.invoke(job, this.deadline_ms);
    if (r.ok) return r;
    if (r.errno === ERRNO.EINVAL && soft) return r;
    throw fail(r.errno, r.message);
  }
}
