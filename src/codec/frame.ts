// Wire frame of the messenger. A frame is a small fixed binary header, msgpack metadata and raw
// payload segments. Big Buffers travel as separate segments so the sender hands them to writev
// untouched and the receiver gets them back as views of the one assembled frame: a 4 MiB object
// is never copied into or out of the metadata encoding.
//
// Header (big endian):
//   magic u32 'SEPI' | version u8 | kind u8 | flags u16 | tid u64 | meta_len u32 | seg_count u16
//   | seg_count × u32 segment lengths | crc32c u32 over every preceding header byte
// Then meta_len bytes of msgpack `[type, body]`, then the segments in order.

import { crc32c } from '@node-rs/crc32';
import { Packr, Unpackr, addExtension, clearSource } from 'msgpackr';
import { ERRNO, RadosError } from '../core/errors.js';
import { invariant } from '../core/assert.js';
import { GatheredBytes } from './gathered-bytes.js';
import { decodeOpWire, encodeOpWire, hasCompactLayout, isPlainObject } from './op-wire.js';

export { GatheredBytes };

export const FRAME_MAGIC = 0x53455049; // "SEPI"
export const FRAME_VERSION = 1;
/** Bytes before the segment length table: magic, version, kind, flags, tid, meta_len, seg_count. */
export const FRAME_FIXED_HEADER_BYTES = 22;
const CRC_BYTES = 4;

export const FrameKind = { request: 1, reply: 2, oneway: 3 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Reply flag: the body is `{ errno, message }` describing a failure, not a result. */
export const FRAME_FLAG_ERROR = 0x0001;
/** The metadata is op-wire's compact layout of an osd.op or osd.repop message, not msgpack. */
export const FRAME_FLAG_COMPACT = 0x0002;

/** Buffers at least this long leave the metadata and travel as their own segment. */
export const SEGMENT_MIN_BYTES = 256;
/** Small metadata is copied next to the header so a small message is one write, not two. */
const INLINE_META_MAX_BYTES = 8 * 1024;
/** Nesting limit for bodies; also what stops a cyclic body from recursing forever. */
export const BODY_DEPTH_MAX = 64;
/** msgpack extension type that stands for "payload segment N" inside the metadata. */
const SEGMENT_EXT_TYPE = 0x53;

export interface FrameLimits {
  /** Whole frame: header + metadata + segments. 128 MiB of payload plus room for metadata. */
  maxFrameBytes: number;
  maxMetaBytes: number;
  maxSegments: number;
}

export const DEFAULT_FRAME_LIMITS: Readonly<FrameLimits> = Object.freeze({
  maxFrameBytes: 129 * 1024 * 1024,
  maxMetaBytes: 16 * 1024 * 1024,
  maxSegments: 1024,
});

/** The u16 seg_count field and the u32 length fields cap what a limit may say. */
export function checkFrameLimits(limits: FrameLimits): void {
  invariant(Number.isSafeInteger(limits.maxSegments) && limits.maxSegments >= 0 && limits.maxSegments <= 0xffff,
    `maxSegments ${limits.maxSegments} must fit u16`);
  invariant(Number.isSafeInteger(limits.maxMetaBytes) && limits.maxMetaBytes > 0 && limits.maxMetaBytes <= 0xffffffff,
    `maxMetaBytes ${limits.maxMetaBytes} must fit u32`);
  invariant(Number.isSafeInteger(limits.maxFrameBytes) && limits.maxFrameBytes > limits.maxMetaBytes,
    `maxFrameBytes ${limits.maxFrameBytes} must exceed maxMetaBytes`);
}

export type FrameErrorReason =
  | 'magic' | 'version' | 'kind' | 'crc' | 'tid' | 'segments' | 'meta_too_big' | 'frame_too_big' | 'meta';

/**
 * A peer sent bytes that are not a valid frame. The connection that carried them cannot be
 * resynchronised (the stream position is lost), so the messenger closes it; nothing else.
 */
export class FrameError extends RadosError {
  readonly reason: FrameErrorReason;
  constructor(reason: FrameErrorReason, detail: string, options?: { cause?: unknown }) {
    super(ERRNO.EBADMSG, `malformed frame (${reason}): ${detail}`, options);
    this.name = 'FrameError';
    this.reason = reason;
  }
}

export interface Frame {
  readonly kind: FrameKind;
  readonly flags: number;
  readonly tid: number;
  readonly type: string;
  readonly body: unknown;
  /**
   * The frame as received; payload Buffers in `body` are views of it, except for a reply received
   * into the requester's own buffer (FrameDecoderOptions.rxBufferFor): then `raw` holds the header
   * and metadata, and the payload is a view of that buffer.
   */
  readonly raw: Buffer;
  /** Bytes the frame took on the wire. */
  readonly size_bytes: number;
}

export interface FrameDecoderOptions {
  /**
   * The buffer a pending request wants its reply's payload received into, by the request's tid.
   * A big reply with exactly one segment that fits lands there straight from the socket (no
   * allocation, no copy), as Ceph's messenger does with a connection's posted rx buffers.
   */
  readonly rxBufferFor?: (tid: number) => Buffer | undefined;
}

// ---------------------------------------------------------------------------------------------
// msgpack setup

/** Placeholder for a lifted Buffer while the metadata is packed. */
class SegmentRef {
  constructor(readonly index: number) {}
}

/** Segments of the frame being unpacked right now (unpack is synchronous, so one slot suffices). */
let unpackingSegments: readonly Buffer[] | null = null;

addExtension({
  Class: SegmentRef,
  type: SEGMENT_EXT_TYPE,
  pack(ref: SegmentRef): Buffer {
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32BE(ref.index, 0);
    return out;
  },
  unpack(data: Buffer | Uint8Array): Buffer {
    const segments = unpackingSegments;
    if (segments === null) throw new FrameError('meta', 'segment reference outside a frame');
    if (data.byteLength !== 4) throw new FrameError('meta', `segment reference of ${data.byteLength} bytes`);
    const index = Buffer.from(data.buffer, data.byteOffset, 4).readUInt32BE(0);
    const segment = segments[index];
    if (segment === undefined) throw new FrameError('meta', `segment reference ${index} of ${segments.length}`);
    return segment;
  },
});

// Plain msgpack (no records) so any msgpack decoder can read the metadata.
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Copy-on-write walk: returns `value` itself when nothing under it was lifted, so bodies without
 * big Buffers cost one traversal and no allocation.
 */
function liftSegments(value: unknown, segments: Array<Buffer | GatheredBytes>, maxSegments: number, depth: number, releases: Array<() => void>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > BODY_DEPTH_MAX) {
    throw RadosError.from('EINVAL', `message body nested deeper than ${BODY_DEPTH_MAX} levels (or cyclic)`);
  }
  if (value instanceof GatheredBytes) {
    // Too small for a segment, or out of segment slots: joined, they travel like any Buffer.
    const index = liftPayload(value, segments, maxSegments, releases);
    return index === undefined ? value.join() : new SegmentRef(index);
  }
  if (value instanceof Uint8Array) {
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const index = liftPayload(bytes, segments, maxSegments, releases);
    return index === undefined ? value : new SegmentRef(index);
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const lifted = liftSegments(item, segments, maxSegments, depth + 1, releases);
      if (lifted !== item && copy === null) copy = value.slice(0, i);
      if (copy !== null) copy.push(lifted);
    }
    return copy ?? value;
  }
  if (value instanceof Map) {
    let copy: Map<unknown, unknown> | null = null;
    for (const [key, item] of value as Map<unknown, unknown>) {
      const lifted = liftSegments(item, segments, maxSegments, depth + 1, releases);
      if (lifted !== item && copy === null) copy = new Map(value as Map<unknown, unknown>);
      if (copy !== null) copy.set(key, lifted);
    }
    return copy ?? value;
  }
  if (isPlainObject(value)) {
    let copy: Record<string, unknown> | null = null;
    for (const key of Object.keys(value)) {
      const item = value[key];
      const lifted = liftSegments(item, segments, maxSegments, depth + 1, releases);
      if (lifted !== item && copy === null) copy = { ...value };
      if (copy !== null) copy[key] = lifted;
    }
    return copy ?? value;
  }
  return value; // Dates, Sets, bigint boxes...: msgpackr's own encodings, never lifted
}

/** One payload: its segment index, or undefined when it is to travel inside the metadata. */
function liftPayload(value: Buffer | GatheredBytes, segments: Array<Buffer | GatheredBytes>, maxSegments: number, releases: Array<() => void>): number | undefined {
  if (value.length < SEGMENT_MIN_BYTES || segments.length >= maxSegments) return undefined;
  if (value instanceof GatheredBytes && value.release !== undefined) releases.push(value.release);
  segments.push(value);
  return segments.length - 1;
}

export interface EncodeOptions {
  flags?: number;
  limits?: FrameLimits;
  /**
   * Receives the release callbacks of the GatheredBytes sent by reference; the caller runs them
   * once the chunks are written or dropped (also when encodeMessage throws after lifting).
   */
  releases?: Array<() => void>;
}

/**
 * Encode one message as the list of Buffers to hand to writev: header (with small metadata
 * appended), then metadata if large, then each payload segment by reference. Throws RadosError
 * EMSGSIZE when the peer would reject the frame for its size.
 */
export function encodeMessage(kind: FrameKind, tid: number, type: string, body: unknown, options: EncodeOptions = {}): Buffer[] {
  let flags = options.flags ?? 0;
  const limits = options.limits ?? DEFAULT_FRAME_LIMITS;
  invariant(kind === FrameKind.request || kind === FrameKind.reply || kind === FrameKind.oneway, () => `frame kind ${kind}`);
  invariant(Number.isSafeInteger(tid) && tid >= 0, () => `tid ${tid} must be a safe non-negative integer`);
  invariant(Number.isInteger(flags) && flags >= 0 && flags <= 0xffff, () => `flags ${flags} must fit u16`);
  invariant((flags & FRAME_FLAG_COMPACT) === 0, 'the compact flag is the encoder\'s to set');

  const segments: Array<Buffer | GatheredBytes> = [];
  const releases = options.releases ?? [];
  let meta: Buffer | undefined;
  if (kind !== FrameKind.oneway && (flags & FRAME_FLAG_ERROR) === 0 && hasCompactLayout(type)) {
    meta = encodeOpWire(type, kind === FrameKind.reply, body, (value) => liftPayload(value, segments, limits.maxSegments, releases));
    if (meta !== undefined) flags |= FRAME_FLAG_COMPACT;
  }
  meta ??= packr.pack([type, liftSegments(body, segments, limits.maxSegments, 0, releases)]);
  if (meta.length > limits.maxMetaBytes) {
    throw RadosError.from('EMSGSIZE', `message ${type} metadata is ${meta.length} bytes, limit ${limits.maxMetaBytes}`);
  }

  const headerBytes = FRAME_FIXED_HEADER_BYTES + 4 * segments.length + CRC_BYTES;
  let frameBytes = headerBytes + meta.length;
  for (const segment of segments) frameBytes += segment.length;
  if (frameBytes > limits.maxFrameBytes) {
    throw RadosError.from('EMSGSIZE', `message ${type} is ${frameBytes} bytes, limit ${limits.maxFrameBytes}`);
  }

  const inlineMeta = meta.length <= INLINE_META_MAX_BYTES;
  const head = Buffer.allocUnsafe(headerBytes + (inlineMeta ? meta.length : 0));
  head.writeUInt32BE(FRAME_MAGIC, 0);
  head.writeUInt8(FRAME_VERSION, 4);
  head.writeUInt8(kind, 5);
  head.writeUInt16BE(flags, 6);
  head.writeUInt32BE(Math.floor(tid / 0x100000000), 8);
  head.writeUInt32BE(tid >>> 0, 12);
  head.writeUInt32BE(meta.length, 16);
  head.writeUInt16BE(segments.length, 20);
  let offset = FRAME_FIXED_HEADER_BYTES;
  for (const segment of segments) {
    head.writeUInt32BE(segment.length, offset);
    offset += 4;
  }
  head.writeUInt32BE(crc32c(head.subarray(0, offset)), offset);
  offset += CRC_BYTES;
  invariant(offset === headerBytes, 'header layout');

  const chunks: Buffer[] = [head];
  if (inlineMeta) meta.copy(head, headerBytes);
  else chunks.push(meta);
  for (const segment of segments) {
    if (segment instanceof GatheredBytes) {
      for (const part of segment.parts) if (part.length > 0) chunks.push(part);
    } else {
      chunks.push(segment);
    }
  }
  return chunks;
}

export function chunksBytes(chunks: readonly Buffer[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  return total;
}

// ---------------------------------------------------------------------------------------------
// Decoding

interface ParsedHeader {
  kind: FrameKind;
  flags: number;
  tid: number;
  headerBytes: number;
  metaBytes: number;
  segmentLengths: number[];
  frameBytes: number;
}

/** Small socket reads are copied into blocks this big, so a trickle of tiny chunks stays compact. */
const COALESCE_BLOCK_BYTES = 64 * 1024;
const COALESCE_CHUNK_MAX_BYTES = 4 * 1024;
/** A read target with less room than this left in the block gets a fresh block. */
const READ_TARGET_MIN_BYTES = 16 * 1024;
/** Frames at least this big are received straight into their own buffer (see readTarget). */
const IN_PLACE_FRAME_MIN_BYTES = 64 * 1024;
const NO_FRAMES: readonly Frame[] = Object.freeze([]);

interface BigFrame {
  readonly header: ParsedHeader;
  /** The whole frame, or without its payload segment when `tail` holds that. */
  readonly front: Buffer;
  tail: Buffer | null;
  /** The requester's buffer that `tail` is a view of; null once detached (tail is then ours). */
  rx: Buffer | null;
  filled: number;
}

/**
 * Puts the next bytes of a big frame in place (front, then tail) and returns how many of `chunk`
 * it took: all of them unless the chunk reaches past the frame's end. A chunk read into
 * readTarget() is already in place and is only counted.
 */
function fillBig(big: BigFrame, chunk: Buffer): number {
  let used = 0;
  // At most two iterations: one per part.
  while (used < chunk.length && big.filled < big.header.frameBytes) {
    const inFront = big.filled < big.front.length || big.tail === null;
    const part = inFront ? big.front : (big.tail as Buffer);
    const at = inFront ? big.filled : big.filled - big.front.length;
    const n = Math.min(chunk.length - used, part.length - at);
    if (!(used === 0 && landedAt(chunk, part, at))) chunk.copy(part, at, used, used + n);
    big.filled += n;
    used += n;
  }
  return used;
}

/** True when `chunk` is the bytes a read put at `buffer[offset..]`, i.e. it needs no copy. */
function landedAt(chunk: Buffer, buffer: Buffer, offset: number): boolean {
  return chunk.buffer === buffer.buffer && chunk.byteOffset === buffer.byteOffset + offset && chunk.length <= buffer.length - offset;
}

/**
 * Streaming decoder for one connection. Feed it socket chunks; it returns the frames they
 * complete. It only ever holds bytes that have arrived (never allocates what a header claims),
 * assembles each frame into one Buffer once, and then hands out views of it.
 * After a FrameError it is poisoned: the stream position is unknown, so every later push throws.
 */
export class FrameDecoder {
  private readonly limits: FrameLimits;
  /** Unconsumed input, oldest first; the first `headOffset` bytes of chunks[0] are consumed. */
  private chunks: Buffer[] = [];
  private headOffset = 0;
  private bufferedBytes = 0;
  /**
   * Block that small chunks are copied into. Bytes [blockSealed, blockUsed) are buffered but not
   * yet in `chunks`; `seal()` adds them as one view, so a trickle of 1-byte reads costs a copy,
   * not an object each.
   */
  private block: Buffer | null = null;
  private blockSealed = 0;
  private blockUsed = 0;
  private header: ParsedHeader | null = null;
  private failure: FrameError | null = null;
  /** Set once the socket reads into readTarget(); only then are big frames received in place. */
  private readsInPlace = false;
  /**
   * A big frame being received straight into its final buffers: `front`, then `tail` when the
   * payload segment goes into a requester's buffer (`rx`, until detached). Bytes [0, filled) of
   * front + tail have arrived.
   */
  private big: BigFrame | null = null;
  private readonly rxBufferFor: ((tid: number) => Buffer | undefined) | undefined;

  constructor(limits: Partial<FrameLimits> = {}, options: FrameDecoderOptions = {}) {
    this.limits = { ...DEFAULT_FRAME_LIMITS, ...limits };
    checkFrameLimits(this.limits);
    this.rxBufferFor = options.rxBufferFor;
  }

  /** Bytes received and not yet returned as part of a frame. */
  get buffered_bytes(): number {
    return this.bufferedBytes + (this.big?.filled ?? 0);
  }

  /**
   * The requester no longer owns `buffer` (its request was settled without this reply): if a
   * frame is being received into it, the rest goes into a buffer of the decoder's own. Returns
   * true when the payload had started arriving there: the socket's next read may then already
   * be aimed at `buffer` (a transport asks readTarget() right after each read, for the next one),
   * and only closing the socket stops it, which is the caller's job.
   */
  detachRx(buffer: Buffer): boolean {
    const big = this.big;
    if (big === null || big.rx !== buffer || big.tail === null) return false;
    const aimed = big.filled >= big.front.length;
    const own = Buffer.allocUnsafeSlow(big.tail.length);
    const tailFilled = Math.max(0, big.filled - big.front.length);
    big.tail.copy(own, 0, 0, tailFilled);
    big.tail = own;
    big.rx = null;
    return aimed;
  }

  /**
   * Where the socket should put its next read (Node's `onread` buffer), so bytes land where they
   * stay: a big frame's payload goes straight into the frame's own buffer (no reassembly copy, no
   * per-read allocation), everything else into the current block. push() recognises a chunk that
   * landed here and takes it without copying; any other chunk is still accepted (copied).
   */
  readTarget(): Buffer {
    this.readsInPlace = true;
    const big = this.big;
    if (big !== null) {
      if (big.filled < big.front.length || big.tail === null) return big.front.subarray(big.filled);
      return big.tail.subarray(big.filled - big.front.length);
    }
    if (this.block === null || this.block.length - this.blockUsed < READ_TARGET_MIN_BYTES) {
      this.seal();
      this.block = Buffer.allocUnsafeSlow(COALESCE_BLOCK_BYTES);
      this.blockSealed = 0;
      this.blockUsed = 0;
    }
    return this.block.subarray(this.blockUsed);
  }

  push(chunk: Buffer): readonly Frame[] {
    if (this.failure !== null) throw this.failure;
    try {
      if (this.big !== null) return this.pushBig(chunk);
      if (this.block !== null && landedAt(chunk, this.block, this.blockUsed)) {
        this.blockUsed += chunk.length;
        this.bufferedBytes += chunk.length;
      } else {
        this.append(chunk);
      }
      if (this.header !== null && this.bufferedBytes < this.header.frameBytes) {
        // The socket may have started reading in place after this frame's header arrived (the
        // first read of a connection goes to the transport's scratch buffer).
        if (this.readsInPlace && this.header.frameBytes >= IN_PLACE_FRAME_MIN_BYTES) {
          this.seal();
          this.startBig(this.header);
        }
        return NO_FRAMES;
      }
      this.seal();
      const frames: Frame[] = [];
      // Each iteration consumes a whole frame (≥ 26 bytes), so the loop ends within bufferedBytes / 26.
      for (;;) {
        if (this.header === null) {
          this.header = this.parseHeader();
          if (this.header === null) break;
        }
        if (this.bufferedBytes < this.header.frameBytes) {
          if (this.readsInPlace && this.header.frameBytes >= IN_PLACE_FRAME_MIN_BYTES) this.startBig(this.header);
          break;
        }
        const header = this.header;
        this.header = null;
        frames.push(this.decodeFrame(header, this.take(header.frameBytes)));
      }
      return frames;
    } catch (error) {
      this.failure = error instanceof FrameError
        ? error
        : new FrameError('meta', error instanceof Error ? error.message : String(error), { cause: error });
      this.chunks = [];
      this.block = null;
      this.big = null;
      this.bufferedBytes = 0;
      throw this.failure;
    }
  }

  /**
   * The buffered bytes are the start of one incomplete big frame: move them into buffers of the
   * frame's full size, which the following reads fill in place. A reply whose one payload segment
   * fits the buffer its request posted (rxBufferFor) is split: header and metadata into a small
   * buffer, the payload into the requester's. The header was validated against maxFrameBytes,
   * and the pages of an unwritten allocUnsafeSlow buffer are not resident, so a peer announcing
   * a big frame still only costs memory for the bytes it actually sends.
   */
  private startBig(header: ParsedHeader): void {
    invariant(this.bufferedBytes < header.frameBytes, 'startBig on an incomplete frame');
    const segmentBytes = header.segmentLengths.length === 1 ? (header.segmentLengths[0] ?? 0) : -1;
    const rx = header.kind === FrameKind.reply && segmentBytes >= 0 ? this.rxBufferFor?.(header.tid) : undefined;
    const big: BigFrame = rx !== undefined && rx.length >= segmentBytes
      ? { header, front: Buffer.allocUnsafeSlow(header.frameBytes - segmentBytes), tail: rx.subarray(0, segmentBytes), rx, filled: 0 }
      : { header, front: Buffer.allocUnsafeSlow(header.frameBytes), tail: null, rx: null, filled: 0 };
    const have = this.bufferedBytes;
    let offset = this.headOffset;
    for (const chunk of this.chunks) {
      const piece = offset === 0 ? chunk : chunk.subarray(offset);
      invariant(fillBig(big, piece) === piece.length, 'buffered bytes fit the incomplete frame');
      offset = 0;
    }
    invariant(big.filled === have, () => `moved ${big.filled} of ${have} buffered bytes`);
    this.consume(have);
    this.header = null;
    this.big = big;
  }

  private pushBig(chunk: Buffer): readonly Frame[] {
    const big = this.big;
    invariant(big !== null, 'pushBig without a big frame');
    const n = fillBig(big, chunk);
    if (big.filled < big.header.frameBytes) return NO_FRAMES;
    this.big = null;
    const frame = this.decodeFrame(big.header, big.front, big.tail);
    // Only a chunk that did not come from readTarget can reach past the frame's end.
    if (n === chunk.length) return [frame];
    return [frame, ...this.push(chunk.subarray(n))];
  }

  private append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    // With nothing pending, a chunk usually holds whole frames: keep it by reference (zero copy).
    const byReference = chunk.length > COALESCE_CHUNK_MAX_BYTES || this.bufferedBytes === 0;
    this.bufferedBytes += chunk.length;
    if (byReference) {
      this.seal();
      this.chunks.push(chunk);
      return;
    }
    if (this.block === null || this.blockUsed + chunk.length > this.block.length) {
      this.seal();
      this.block = Buffer.allocUnsafeSlow(COALESCE_BLOCK_BYTES);
      this.blockSealed = 0;
      this.blockUsed = 0;
    }
    chunk.copy(this.block, this.blockUsed);
    this.blockUsed += chunk.length;
  }

  /** Move the block's unsealed bytes into `chunks`, keeping arrival order. */
  private seal(): void {
    if (this.block === null || this.blockUsed === this.blockSealed) return;
    this.chunks.push(this.block.subarray(this.blockSealed, this.blockUsed));
    this.blockSealed = this.blockUsed;
  }

  /** The first `n` buffered bytes, contiguous: a view when they sit in one chunk, else a copy. */
  private peek(n: number): Buffer {
    invariant(n <= this.bufferedBytes, () => `peek ${n} of ${this.bufferedBytes}`);
    const first = this.chunks[0];
    invariant(first !== undefined, 'peek with no chunks');
    if (first.length - this.headOffset >= n) return first.subarray(this.headOffset, this.headOffset + n);
    return this.copyOut(n, false);
  }

  /** Remove and return the first `n` buffered bytes as one Buffer (a view when possible). */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    invariant(first !== undefined && n <= this.bufferedBytes, () => `take ${n} of ${this.bufferedBytes}`);
    if (first.length - this.headOffset >= n) {
      const out = first.subarray(this.headOffset, this.headOffset + n);
      this.consume(n);
      return out;
    }
    return this.copyOut(n, true);
  }

  private copyOut(n: number, consume: boolean): Buffer {
    // allocUnsafeSlow: a whole frame must not pin (or be pinned by) Node's shared small pool.
    const out = Buffer.allocUnsafeSlow(n);
    this.copyBuffered(out, n);
    if (consume) this.consume(n);
    return out;
  }

  /** Copy the first `n` buffered bytes to the start of `out` (nothing is consumed). */
  private copyBuffered(out: Buffer, n: number): void {
    let copied = 0;
    let offset = this.headOffset;
    for (const chunk of this.chunks) {
      const count = Math.min(chunk.length - offset, n - copied);
      chunk.copy(out, copied, offset, offset + count);
      copied += count;
      offset = 0;
      if (copied === n) break;
    }
    invariant(copied === n, () => `copied ${copied} of ${n}`);
  }

  private consume(n: number): void {
    this.bufferedBytes -= n;
    invariant(this.bufferedBytes >= 0, 'buffered bytes went negative');
    let left = n;
    while (left > 0) {
      const first = this.chunks[0];
      invariant(first !== undefined, 'consume past the end');
      const available = first.length - this.headOffset;
      if (available > left) {
        this.headOffset += left;
        return;
      }
      left -= available;
      this.chunks.shift();
      this.headOffset = 0;
    }
  }

  private parseHeader(): ParsedHeader | null {
    if (this.bufferedBytes < FRAME_FIXED_HEADER_BYTES) return null;
    const fixed = this.peek(FRAME_FIXED_HEADER_BYTES);
    const magic = fixed.readUInt32BE(0);
    if (magic !== FRAME_MAGIC) throw new FrameError('magic', `0x${magic.toString(16)}`);
    const version = fixed.readUInt8(4);
    if (version !== FRAME_VERSION) throw new FrameError('version', `version ${version}, expected ${FRAME_VERSION}`);
    const kind = fixed.readUInt8(5);
    if (kind !== FrameKind.request && kind !== FrameKind.reply && kind !== FrameKind.oneway) {
      throw new FrameError('kind', `kind ${kind}`);
    }
    const segmentCount = fixed.readUInt16BE(20);
    if (segmentCount > this.limits.maxSegments) {
      throw new FrameError('segments', `${segmentCount} segments, limit ${this.limits.maxSegments}`);
    }
    const headerBytes = FRAME_FIXED_HEADER_BYTES + 4 * segmentCount + CRC_BYTES;
    if (this.bufferedBytes < headerBytes) return null;

    const header = this.peek(headerBytes);
    const crcOffset = headerBytes - CRC_BYTES;
    const expected = header.readUInt32BE(crcOffset);
    const actual = crc32c(header.subarray(0, crcOffset));
    if (expected !== actual) throw new FrameError('crc', `header crc32c 0x${actual.toString(16)} != 0x${expected.toString(16)}`);

    const tidHigh = header.readUInt32BE(8);
    if (tidHigh >= 0x200000) throw new FrameError('tid', `tid above 2^53`);
    const tid = tidHigh * 0x100000000 + header.readUInt32BE(12);
    const metaBytes = header.readUInt32BE(16);
    if (metaBytes > this.limits.maxMetaBytes) {
      throw new FrameError('meta_too_big', `${metaBytes} metadata bytes, limit ${this.limits.maxMetaBytes}`);
    }
    let frameBytes = headerBytes + metaBytes;
    const segmentLengths: number[] = [];
    for (let i = 0; i < segmentCount; i++) {
      const length = header.readUInt32BE(FRAME_FIXED_HEADER_BYTES + 4 * i);
      segmentLengths.push(length);
      frameBytes += length;
    }
    if (frameBytes > this.limits.maxFrameBytes) {
      throw new FrameError('frame_too_big', `${frameBytes} bytes, limit ${this.limits.maxFrameBytes}`);
    }
    return { kind, flags: header.readUInt16BE(6), tid, headerBytes, metaBytes, segmentLengths, frameBytes };
  }

  /** `tail`: the one payload segment, when it was received apart from the rest (startBig). */
  private decodeFrame(header: ParsedHeader, raw: Buffer, tail: Buffer | null = null): Frame {
    invariant(raw.length + (tail?.length ?? 0) === header.frameBytes, 'frame length');
    const segments: Buffer[] = [];
    let offset = header.headerBytes + header.metaBytes;
    if (tail !== null) {
      invariant(header.segmentLengths.length === 1 && header.segmentLengths[0] === tail.length, 'a split frame has one segment');
      segments.push(tail);
    } else {
      for (const length of header.segmentLengths) {
        segments.push(raw.subarray(offset, offset + length));
        offset += length;
      }
    }
    invariant(offset === raw.length, 'segments fill the frame');

    const meta = raw.subarray(header.headerBytes, header.headerBytes + header.metaBytes);
    const { type, body } = (header.flags & FRAME_FLAG_COMPACT) !== 0 ? decodeCompactMeta(meta, segments) : decodeMsgpackMeta(meta, segments);
    return { kind: header.kind, flags: header.flags, tid: header.tid, type, body, raw, size_bytes: header.frameBytes };
  }
}

function decodeCompactMeta(meta: Buffer, segments: readonly Buffer[]): { type: string; body: unknown } {
  try {
    return decodeOpWire(meta, segments);
  } catch (error) {
    throw new FrameError('meta', error instanceof Error ? error.message : String(error), { cause: error });
  }
}

function decodeMsgpackMeta(meta: Buffer, segments: readonly Buffer[]): { type: string; body: unknown } {
  let decoded: unknown;
  const previous = unpackingSegments;
  unpackingSegments = segments;
  try {
    decoded = unpackr.unpack(meta);
  } catch (error) {
    clearSource(); // msgpackr keeps the failed input referenced otherwise, pinning the frame
    if (error instanceof FrameError) throw error;
    throw new FrameError('meta', error instanceof Error ? error.message : String(error), { cause: error });
  } finally {
    unpackingSegments = previous;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || typeof decoded[0] !== 'string') {
    throw new FrameError('meta', 'metadata is not [type, body]');
  }
  return { type: decoded[0], body: decoded[1] as unknown };
}
