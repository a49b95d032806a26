import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc32c } from '@node-rs/crc32';
import {
  DEFAULT_FRAME_LIMITS,
  FRAME_FIXED_HEADER_BYTES,
  FRAME_FLAG_ERROR,
  FrameDecoder,
  FrameError,
  FrameKind,
  GatheredBytes,
  SEGMENT_MIN_BYTES,
  chunksBytes,
  encodeMessage,
  type Frame,
} from './frame.js';
import { RadosError } from '../core/errors.js';

function patterned(size_bytes: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size_bytes);
  for (let i = 0; i < size_bytes; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function decodeAll(chunks: readonly Buffer[], decoder = new FrameDecoder()): Frame[] {
  const frames: Frame[] = [];
  for (const chunk of chunks) frames.push(...decoder.push(chunk));
  return frames;
}

/** Split a byte stream into pieces of the given sizes, cycling through them. */
function split(stream: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let offset = 0;
  for (let i = 0; offset < stream.length; i++) {
    const size = sizes[i % sizes.length]!;
    out.push(stream.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}

/** A frame header with a valid crc but arbitrary claimed lengths. */
function forgedHeader(metaBytes: number, segmentLengths: readonly number[]): Buffer {
  const headerBytes = FRAME_FIXED_HEADER_BYTES + 4 * segmentLengths.length + 4;
  const head = Buffer.alloc(headerBytes);
  head.writeUInt32BE(0x53455049, 0);
  head.writeUInt8(1, 4);
  head.writeUInt8(FrameKind.request, 5);
  head.writeUInt32BE(7, 12);
  head.writeUInt32BE(metaBytes, 16);
  head.writeUInt16BE(segmentLengths.length, 20);
  segmentLengths.forEach((length, i) => head.writeUInt32BE(length, FRAME_FIXED_HEADER_BYTES + 4 * i));
  head.writeUInt32BE(crc32c(head.subarray(0, headerBytes - 4)), headerBytes - 4);
  return head;
}

function expectFrameError(fn: () => unknown, reason?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof FrameError, `expected FrameError, got ${String(error)}`);
    assert.ok(RadosError.is(error));
    assert.equal(error.code, 'EBADMSG');
    if (reason !== undefined) assert.equal(error.reason, reason);
    return true;
  });
}

describe('frame encoding', () => {
  test('a message round trips with its kind, tid, flags, type and body', () => {
    const body = { pool: 3, oid: 'obj', ops: [{ op: 'read', off: 0, len: 4096 }], small: Buffer.from('abc'), big: 2 ** 40 };
    const chunks = encodeMessage(FrameKind.request, 2 ** 52 + 5, 'osd_op', body, { flags: FRAME_FLAG_ERROR });
    const [frame] = decodeAll(chunks);
    assert.ok(frame);
    assert.equal(frame.kind, FrameKind.request);
    assert.equal(frame.tid, 2 ** 52 + 5);
    assert.equal(frame.flags, FRAME_FLAG_ERROR);
    assert.equal(frame.type, 'osd_op');
    assert.deepEqual(frame.body, body);
  });

  test('small messages are a single buffer so they cost one write', () => {
    const chunks = encodeMessage(FrameKind.oneway, 1, 'ping', { at: 1 });
    assert.equal(chunks.length, 1);
  });

  test('Buffers of 256 bytes or more travel as segments by reference, smaller ones stay inline', () => {
    const big = patterned(SEGMENT_MIN_BYTES, 1);
    const small = patterned(SEGMENT_MIN_BYTES - 1, 2);
    const body = { data: big, xattrs: { a: small }, list: [big, 1] };
    const chunks = encodeMessage(FrameKind.request, 9, 'w', body);
    // header+meta, then the same big Buffer twice (two references, no copies)
    assert.equal(chunks.length, 3);
    assert.equal(chunks[1], big);
    assert.equal(chunks[2], big);
    // The caller's body is left untouched by the lifting.
    assert.equal(body.data, big);
    assert.equal(body.list[0], big);
    const [frame] = decodeAll(chunks);
    assert.deepEqual(frame?.body, body);
  });

  test('gathered bytes travel as one segment by reference and arrive as one Buffer; their release is handed to the caller', () => {
    const parts = [patterned(4096, 1), patterned(1000, 2), Buffer.alloc(0), patterned(70_000, 3)];
    let released = 0;
    const releases: Array<() => void> = [];
    const chunks = encodeMessage(FrameKind.reply, 4, 'osd_op', { results: [{ ret: 0, out: { kind: 'data', data: new GatheredBytes(parts, () => (released += 1)) } }] }, { releases });
    // Each non-empty part is its own chunk, by reference.
    for (const part of parts) if (part.length > 0) assert.ok(chunks.includes(part));
    assert.equal(released, 0);
    assert.equal(releases.length, 1);
    const [frame] = decodeAll([Buffer.concat(chunks)]);
    const body = frame?.body as { results: Array<{ out: { data: Buffer } }> };
    assert.ok(Buffer.isBuffer(body.results[0]?.out.data));
    assert.deepEqual(body.results[0]?.out.data, Buffer.concat(parts));
    for (const release of releases) release();
    assert.equal(released, 1);
  });

  test('gathered bytes with no segment slot left are joined inline and released at once', () => {
    const limits = { ...DEFAULT_FRAME_LIMITS, maxSegments: 0 };
    let released = 0;
    const releases: Array<() => void> = [];
    const parts = [patterned(300, 1), patterned(300, 2)];
    const chunks = encodeMessage(FrameKind.reply, 5, 'r', { data: new GatheredBytes(parts, () => (released += 1)) }, { limits, releases });
    assert.equal(released, 1);
    assert.equal(releases.length, 0);
    const [frame] = decodeAll(chunks, new FrameDecoder(limits));
    assert.deepEqual((frame?.body as { data: Buffer }).data, Buffer.concat(parts));
  });

  test('a 4 MiB payload decodes the same from 1-byte, odd-sized and whole chunks', () => {
    const payload = patterned(4 * 1024 * 1024, 7);
    const body = { oid: 'rbd_data.1', data: payload, tail: patterned(300, 3) };
    const stream = Buffer.concat([
      ...encodeMessage(FrameKind.request, 1, 'write', body),
      ...encodeMessage(FrameKind.oneway, 2, 'after', { n: 2 }),
    ]);
    // One fresh 1-byte Buffer per byte, as a socket would deliver them (subarray is too slow here).
    const byteByByte = (): Frame[] => {
      const decoder = new FrameDecoder();
      const frames: Frame[] = [];
      for (let i = 0; i < stream.length; i++) {
        const one = Buffer.allocUnsafe(1);
        one[0] = stream[i]!;
        frames.push(...decoder.push(one));
      }
      return frames;
    };
    for (const sizes of [[1], [7, 4093, 65537, 13], [stream.length]]) {
      const frames = sizes[0] === 1 ? byteByByte() : decodeAll(split(stream, sizes));
      assert.equal(frames.length, 2, `chunk sizes ${sizes.join(',')}`);
      assert.deepEqual(frames[0]?.body, body);
      assert.deepEqual(frames[1]?.body, { n: 2 });
      assert.equal(frames[1]?.tid, 2);
    }
  });

  test('decoded payloads are views of the assembled frame, not copies', () => {
    const payload = patterned(1024 * 1024, 5);
    const stream = Buffer.concat(encodeMessage(FrameKind.request, 1, 'write', { data: payload }));
    const [split1] = decodeAll(split(stream, [4096 + 1]));
    const data = (split1?.body as { data: Buffer }).data;
    assert.ok(Buffer.isBuffer(data));
    assert.equal(data.buffer, split1?.raw.buffer);
    // A frame that arrives in one chunk is not even assembled: it is a view of that chunk.
    const [whole] = decodeAll([stream]);
    assert.equal((whole?.body as { data: Buffer }).data.buffer, stream.buffer);
  });

  test('several frames in one chunk all come out, in order', () => {
    const stream = Buffer.concat(Array.from({ length: 50 }, (_, i) => Buffer.concat(encodeMessage(FrameKind.reply, i, 't', { i }))));
    const frames = decodeAll([stream]);
    assert.deepEqual(frames.map((f) => f.tid), Array.from({ length: 50 }, (_, i) => i));
  });

  test('more big Buffers than maxSegments keeps the rest inline', () => {
    const limits = { ...DEFAULT_FRAME_LIMITS, maxSegments: 2 };
    const bufs = [1, 2, 3, 4].map((seed) => patterned(1000, seed));
    const chunks = encodeMessage(FrameKind.request, 1, 'many', bufs, { limits });
    assert.equal(chunks.length, 3);
    const [frame] = decodeAll(chunks, new FrameDecoder(limits));
    assert.deepEqual(frame?.body, bufs);
  });

  test('encoding a message bigger than the limits fails with EMSGSIZE', () => {
    const limits = { ...DEFAULT_FRAME_LIMITS, maxFrameBytes: 64 * 1024, maxMetaBytes: 1024 };
    assert.throws(() => encodeMessage(FrameKind.request, 1, 'w', { data: Buffer.alloc(65 * 1024) }, { limits }),
      (e: unknown) => RadosError.is(e) && e.code === 'EMSGSIZE');
    assert.throws(() => encodeMessage(FrameKind.request, 1, 'w', { s: 'x'.repeat(2000) }, { limits }),
      (e: unknown) => RadosError.is(e) && e.code === 'EMSGSIZE');
  });

  test('a cyclic body is refused with EINVAL instead of recursing forever', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.throws(() => encodeMessage(FrameKind.request, 1, 'w', cyclic), (e: unknown) => RadosError.is(e) && e.code === 'EINVAL');
  });
});

describe('frame decoding of bad input', () => {
  test('bad magic, version, kind and crc are FrameErrors with their reason', () => {
    const good = Buffer.concat(encodeMessage(FrameKind.request, 1, 't', {}));
    const corrupt = (offset: number, value: number): Buffer => {
      const copy = Buffer.from(good);
      copy[offset] = value;
      return copy;
    };
    expectFrameError(() => new FrameDecoder().push(corrupt(0, 0x00)), 'magic');
    expectFrameError(() => new FrameDecoder().push(corrupt(4, 9)), 'version');
    expectFrameError(() => new FrameDecoder().push(corrupt(5, 7)), 'kind');
    expectFrameError(() => new FrameDecoder().push(corrupt(13, 0x77)), 'crc');
  });

  test('a decoder that saw a bad frame keeps refusing input', () => {
    const decoder = new FrameDecoder();
    expectFrameError(() => decoder.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), 'magic');
    expectFrameError(() => decoder.push(Buffer.concat(encodeMessage(FrameKind.request, 1, 't', {}))), 'magic');
  });

  test('claimed lengths beyond the limits fail on the header, before any payload is buffered', () => {
    const before = process.memoryUsage().arrayBuffers;
    expectFrameError(() => new FrameDecoder().push(forgedHeader(0, [0xffffffff, 0xffffffff])), 'frame_too_big');
    expectFrameError(() => new FrameDecoder().push(forgedHeader(DEFAULT_FRAME_LIMITS.maxMetaBytes + 1, [])), 'meta_too_big');
    const tooMany = Buffer.alloc(FRAME_FIXED_HEADER_BYTES);
    forgedHeader(0, []).copy(tooMany, 0, 0, FRAME_FIXED_HEADER_BYTES);
    tooMany.writeUInt16BE(DEFAULT_FRAME_LIMITS.maxSegments + 1, 20);
    expectFrameError(() => new FrameDecoder().push(tooMany), 'segments');
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024);
  });

  test('a header claiming 100 MiB holds only the bytes that actually arrived', () => {
    const decoder = new FrameDecoder();
    const header = forgedHeader(0, [100 * 1024 * 1024]);
    assert.deepEqual(decoder.push(header), []);
    assert.deepEqual(decoder.push(Buffer.alloc(1000)), []);
    assert.equal(decoder.buffered_bytes, header.length + 1000);
  });

  test('metadata that is not msgpack [type, body] is a FrameError', () => {
    const junkMeta = Buffer.from([0xc1, 0xc1, 0xc1]); // 0xc1 is never valid msgpack
    const head = forgedHeader(junkMeta.length, []);
    expectFrameError(() => new FrameDecoder().push(Buffer.concat([head, junkMeta])), 'meta');
    const notPair = Buffer.from([0x2a]); // the number 42
    expectFrameError(() => new FrameDecoder().push(Buffer.concat([forgedHeader(1, []), notPair])), 'meta');
  });

  test('a truncated frame yields nothing and no error until the rest arrives', () => {
    const stream = Buffer.concat(encodeMessage(FrameKind.request, 3, 't', { data: patterned(5000, 1) }));
    for (const cut of [1, FRAME_FIXED_HEADER_BYTES, 40, stream.length - 1]) {
      const decoder = new FrameDecoder();
      assert.deepEqual(decoder.push(stream.subarray(0, cut)), []);
      const frames = decoder.push(stream.subarray(cut));
      assert.equal(frames.length, 1);
    }
  });

  test('random garbage never throws anything but FrameError', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), (pieces) => {
      const decoder = new FrameDecoder();
      try {
        for (const piece of pieces) decoder.push(Buffer.from(piece));
      } catch (error) {
        assert.ok(error instanceof FrameError, String(error));
      }
    }), { numRuns: 2000 });
  });

  test('valid frames with random bytes overwritten decode or fail with FrameError only', () => {
    const bodies = [{ a: 1, s: 'text', data: patterned(600, 4) }, [1, 2, { x: null }], 'plain'];
    const frames = bodies.map((body, i) => Buffer.concat(encodeMessage(FrameKind.reply, i, 'type', body)));
    fc.assert(fc.property(
      fc.nat({ max: frames.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      (which, edits) => {
        const frame = Buffer.from(frames[which]!);
        for (const [at, value] of edits) frame[at % frame.length] = value;
        try {
          new FrameDecoder().push(frame);
        } catch (error) {
          assert.ok(error instanceof FrameError, String(error));
        }
      },
    ), { numRuns: 3000 });
  });

  test('metadata bytes forged under a valid header crc never throw anything but FrameError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat({ max: 50 }), { maxLength: 3 }), (meta, segments) => {
      const payload = Buffer.alloc(segments.reduce((a, b) => a + b, 0));
      const stream = Buffer.concat([forgedHeader(meta.length, segments), Buffer.from(meta), payload]);
      try {
        new FrameDecoder().push(stream);
      } catch (error) {
        assert.ok(error instanceof FrameError, String(error));
      }
    }), { numRuns: 3000 });
  });

  test('chunksBytes adds the lengths of the write list', () => {
    assert.equal(chunksBytes([Buffer.alloc(3), Buffer.alloc(4)]), 7);
  });
});

/** Feed a byte stream the way the TCP transport does with `onread`: each read lands in readTarget(). */
function decodeInPlace(stream: Buffer, maxRead: readonly number[], decoder = new FrameDecoder()): { frames: Frame[]; targets: Buffer[] } {
  const frames: Frame[] = [];
  const targets: Buffer[] = [];
  let offset = 0;
  for (let i = 0; offset < stream.length; i++) {
    const target = decoder.readTarget();
    targets.push(target);
    const n = Math.min(target.length, maxRead[i % maxRead.length]!, stream.length - offset);
    stream.copy(target, 0, offset, offset + n);
    offset += n;
    frames.push(...decoder.push(target.subarray(0, n)));
  }
  return { frames, targets };
}

describe('frame decoder reading in place', () => {
  test('frames read into readTarget() decode exactly as frames pushed as chunks', () => {
    const bodies = [{ a: 1 }, { data: patterned(300_000, 1) }, { small: patterned(300, 2) }, { data: patterned(5_000_000, 3), n: 9 }, 'end'];
    const stream = Buffer.concat(bodies.flatMap((body, i) => encodeMessage(FrameKind.request, i + 1, 't', body)));
    for (const reads of [[1], [7, 4096, 100_000], [65_536], [1 << 20]]) {
      const { frames } = decodeInPlace(stream, reads);
      assert.deepEqual(frames.map((f) => f.body), bodies, `reads of ${reads.join('/')} bytes`);
      assert.deepEqual(frames.map((f) => f.tid), [1, 2, 3, 4, 5]);
    }
  });

  test('a big frame lands in its own buffer: the payload the caller gets is the memory the socket wrote', () => {
    const payload = patterned(4 * 1024 * 1024, 5);
    const stream = Buffer.concat(encodeMessage(FrameKind.reply, 42, 'read', { data: payload }));
    const { frames, targets } = decodeInPlace(stream, [256 * 1024]);
    assert.equal(frames.length, 1);
    const data = (frames[0]!.body as { data: Buffer }).data;
    assert.ok(data.equals(payload));
    // After the header, every read targeted the frame's own buffer, so nothing was reassembled.
    assert.equal(data.buffer, frames[0]!.raw.buffer);
    assert.ok(targets.slice(1).every((t) => t.buffer === frames[0]!.raw.buffer), 'reads after the header went to the frame buffer');
  });

  test('chunks that did not come from readTarget are still accepted, before, inside and after a big frame', () => {
    const big = { data: patterned(200_000, 7) };
    const stream = Buffer.concat([
      ...encodeMessage(FrameKind.request, 1, 'a', { x: 1 }),
      ...encodeMessage(FrameKind.request, 2, 'b', big),
      ...encodeMessage(FrameKind.request, 3, 'c', { y: 2 }),
    ]);
    const decoder = new FrameDecoder();
    const frames: Frame[] = [];
    let offset = 0;
    for (let i = 0; offset < stream.length; i++) {
      const n = Math.min(30_000, stream.length - offset);
      if (i % 2 === 0) {
        const target = decoder.readTarget();
        const m = Math.min(n, target.length);
        stream.copy(target, 0, offset, offset + m);
        frames.push(...decoder.push(target.subarray(0, m)));
        offset += m;
      } else {
        // A foreign chunk may run past the end of the big frame into the next one.
        frames.push(...decoder.push(Buffer.from(stream.subarray(offset, offset + n))));
        offset += n;
      }
    }
    assert.deepEqual(frames.map((f) => f.body), [{ x: 1 }, big, { y: 2 }]);
  });

  test('a header announcing a big frame is checked against the limits before a buffer is made for it', () => {
    const decoder = new FrameDecoder();
    decoder.readTarget();
    assert.deepEqual(decoder.push(forgedHeader(10, [100 * 1024 * 1024])), []);
    assert.equal(decoder.buffered_bytes, forgedHeader(10, [1]).length);
    assert.ok(decoder.readTarget().length > 100 * 1024 * 1024 - 1, 'the next read may fill the whole frame');
    const limited = new FrameDecoder({ maxFrameBytes: 1024 * 1024, maxMetaBytes: 1024 });
    limited.readTarget();
    expectFrameError(() => limited.push(forgedHeader(10, [2 * 1024 * 1024])), 'frame_too_big');
  });
});

describe('frame decoder receiving into a requester buffer', () => {
  const rxFor = (posted: Map<number, Buffer>) => new FrameDecoder({}, { rxBufferFor: (tid) => posted.get(tid) });

  test('a big reply with one segment lands in the posted buffer, read in place or pushed as foreign chunks', () => {
    const payload = patterned(1024 * 1024 + 17, 11);
    const stream = Buffer.concat([
      ...encodeMessage(FrameKind.reply, 5, 'read', { ret: 0, data: payload }),
      ...encodeMessage(FrameKind.reply, 6, 'small', { ok: true }),
    ]);
    for (const reads of [[1], [7, 4096, 100_000], [65_536], [1 << 20]]) {
      const rx = Buffer.alloc(2 * 1024 * 1024, 0xee);
      const { frames } = decodeInPlace(stream, reads, rxFor(new Map([[5, rx]])));
      assert.equal(frames.length, 2, `reads of ${reads.join('/')} bytes`);
      const data = (frames[0]!.body as { data: Buffer }).data;
      assert.ok(data.equals(payload));
      assert.ok(data.buffer === rx.buffer, 'the payload is the posted buffer');
      assert.equal(data.byteOffset, rx.byteOffset);
      assert.ok(rx.subarray(0, payload.length).equals(payload));
      assert.equal(rx[payload.length], 0xee, 'nothing is written past the payload');
      assert.equal(frames[0]!.size_bytes, chunksBytes(encodeMessage(FrameKind.reply, 5, 'read', { ret: 0, data: payload })));
      assert.deepEqual(frames[1]!.body, { ok: true });
    }
    const rx = Buffer.alloc(payload.length);
    const decoder = rxFor(new Map([[5, rx]]));
    decoder.readTarget(); // a socket reading in place, which also delivers a chunk of its own now and then
    const [frame] = decodeAll(split(stream, [30_000]), decoder);
    assert.ok((frame!.body as { data: Buffer }).data.buffer === rx.buffer, 'foreign chunks are copied into the posted buffer');
    assert.ok(rx.equals(payload));
  });

  test('the posted buffer is left alone for a reply that does not fit it, has two segments, or is a request', () => {
    const payload = patterned(300_000, 12);
    const cases: Array<[FrameKind, unknown]> = [
      [FrameKind.reply, { data: payload }], // rx below is too small for it
      [FrameKind.reply, { a: payload.subarray(0, 100_000), b: payload.subarray(100_000) }],
      [FrameKind.request, { data: payload.subarray(0, 200_000) }],
    ];
    for (const [kind, body] of cases) {
      const rx = Buffer.alloc(250_000, 0xee);
      const stream = Buffer.concat(encodeMessage(kind, 9, 'x', body));
      const { frames } = decodeInPlace(stream, [65_536], rxFor(new Map([[9, rx]])));
      assert.deepEqual(frames.map((f) => f.body), [body]);
      assert.ok(rx.every((b) => b === 0xee), `kind ${kind}: the posted buffer was not written`);
    }
  });

  test('a buffer detached halfway through its reply is never written again, and the reply still decodes', () => {
    const payload = patterned(3 * 1024 * 1024, 13);
    const stream = Buffer.concat(encodeMessage(FrameKind.reply, 4, 'read', { data: payload }));
    const rx = Buffer.alloc(payload.length, 0xee);
    const decoder = rxFor(new Map([[4, rx]]));
    const half = Math.floor(stream.length / 2);
    const frames: Frame[] = [];
    let offset = 0;
    while (offset < stream.length) {
      if (offset >= half && offset - 65_536 < half) {
        assert.equal(decoder.detachRx(rx), true, 'the next read may have been aimed at the buffer');
        assert.equal(decoder.detachRx(rx), false, 'detached once');
        rx.fill(0x11); // the caller reuses its buffer at once
      }
      const target = decoder.readTarget();
      const n = Math.min(target.length, 65_536, stream.length - offset);
      stream.copy(target, 0, offset, offset + n);
      offset += n;
      frames.push(...decoder.push(target.subarray(0, n)));
    }
    assert.equal(frames.length, 1);
    const data = (frames[0]!.body as { data: Buffer }).data;
    assert.ok(data.equals(payload), 'the bytes before and after the detach are all there');
    assert.ok(data.buffer !== rx.buffer, 'the rest of the reply went to a buffer of its own');
    assert.ok(rx.every((b) => b === 0x11), 'nothing was written into the detached buffer');
  });

  test('a buffer detached before its payload started arriving was never a read target', () => {
    const payload = patterned(200_000, 14);
    const stream = Buffer.concat(encodeMessage(FrameKind.reply, 4, 'read', { data: payload }));
    const rx = Buffer.alloc(payload.length, 0xee);
    const decoder = rxFor(new Map([[4, rx]]));
    decoder.readTarget();
    // The header and the first bytes of the metadata: the frame is started, its payload not yet.
    assert.deepEqual(decoder.push(Buffer.from(stream.subarray(0, 40))), []);
    assert.ok(decoder.readTarget().buffer !== rx.buffer, 'the next read completes the metadata first');
    assert.equal(decoder.detachRx(rx), false);
    const { frames } = decodeInPlace(stream.subarray(40), [65_536], decoder);
    assert.ok((frames[0]!.body as { data: Buffer }).data.equals(payload));
    assert.ok(rx.every((b) => b === 0xee));
  });
});
