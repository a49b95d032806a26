/**
 * Bytes held in several Buffers that travel as one payload segment: the writer hands each part
 * to writev by reference, and the receiver gets them as one contiguous Buffer. An OSD answers a
 * read with the store's extents this way instead of joining them into a new buffer first.
 */
export class GatheredBytes {
  readonly length: number;
  /**
   * `release` runs once the parts may be reused: when the frame's bytes are in the kernel, when
   * the frame is dropped or fails to encode (EncodeOptions.releases), or at once if the parts were
   * joined instead of sent by reference.
   */
  constructor(
    readonly parts: readonly Buffer[],
    readonly release?: () => void,
  ) {
    let length = 0;
    for (const part of parts) length += part.length;
    this.length = length;
  }

  /** The bytes as one new Buffer, for when they are not sent by reference: the parts are released. */
  join(): Buffer {
    const joined = Buffer.concat(this.parts, this.length);
    this.release?.();
    return joined;
  }
}
