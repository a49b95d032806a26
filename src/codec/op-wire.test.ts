import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc32c } from '@node-rs/crc32';
import {
  FRAME_FIXED_HEADER_BYTES,
  FRAME_FLAG_COMPACT,
  FRAME_FLAG_ERROR,
  FrameDecoder,
  FrameError,
  FrameKind,
  GatheredBytes,
  encodeMessage,
  type Frame,
} from './frame.js';
import { OP_WIRE_TYPE, REPOP_WIRE_TYPE } from './op-wire.js';

function roundTrip(kind: FrameKind, body: unknown, options: Parameters<typeof encodeMessage>[4] = {}, type = OP_WIRE_TYPE): Frame {
  const frames = new FrameDecoder().push(Buffer.concat(encodeMessage(kind, 7, type, body, options)));
  assert.equal(frames.length, 1);
  return frames[0]!;
}

/** A frame of the given flags whose metadata is `meta` as is, with a valid header crc. */
function frameWithMeta(meta: Buffer, flags: number, segments: readonly Buffer[] = []): Buffer {
  const headerBytes = FRAME_FIXED_HEADER_BYTES + 4 * segments.length + 4;
  const head = Buffer.alloc(headerBytes);
  head.writeUInt32BE(0x53455049, 0);
  head.writeUInt8(1, 4);
  head.writeUInt8(FrameKind.request, 5);
  head.writeUInt16BE(flags, 6);
  head.writeUInt32BE(3, 12);
  head.writeUInt32BE(meta.length, 16);
  head.writeUInt16BE(segments.length, 20);
  segments.forEach((s, i) => head.writeUInt32BE(s.length, FRAME_FIXED_HEADER_BYTES + 4 * i));
  head.writeUInt32BE(crc32c(head.subarray(0, headerBytes - 4)), headerBytes - 4);
  return Buffer.concat([head, meta, ...segments]);
}

/** Records with Object.prototype, as every decoder builds them. */
const record = <T extends Record<string, fc.Arbitrary<unknown>>>(model: T) => fc.record(model, { noNullPrototype: true });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 256, maxLength: 3000 })).map((a) => Buffer.from(a));
const name = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constant('benchmark_data_host_123_object42'));
const num = fc.oneof(fc.nat(), fc.double(), fc.constant(2 ** 53 - 1));
const subOp = fc.oneof(
  record({ op: fc.constant('read'), offset: num, length: num }),
  record({ op: fc.constant('write'), offset: num, length: num, data: bytes }),
  record({ op: fc.constant('writefull'), data: bytes }),
);
const request = record({
  pool: u32,
  namespace: name,
  oid: name,
  locator: name,
  ops: fc.array(subOp, { maxLength: 5 }),
  flags: u32,
  mtime: record({ sec: u32, nsec: u32 }),
  epoch: u32,
  reqid: fc.tuple(num, num),
});
const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const result = fc.oneof(record({ ret: i32 }), record({ ret: i32, out: record({ kind: fc.constant('data'), data: bytes }) }));
const reply = fc.oneof(
  record({ ret: i32, version: num, results: fc.array(result, { maxLength: 5 }) }),
  record({ ret: i32, version: num, results: fc.array(result, { maxLength: 2 }), retryEpoch: u32 }),
);

const step = fc.oneof(
  record({ t: fc.constant('create') }),
  record({ t: fc.constant('remove') }),
  record({ t: fc.constant('write'), offset: num, data: bytes }),
  record({ t: fc.constant('zero'), offset: num, length: num }),
  record({ t: fc.constant('truncate'), size: num }),
);
const repop = record({
  pool: u32,
  ps: u32,
  epoch: u32,
  key: record({ hash: u32, namespace: name, oid: name, locator: name }),
  steps: fc.array(step, { maxLength: 5 }),
  meta: fc.option(record({ size: num, mtime: record({ sec: u32, nsec: u32 }), userVersion: num }), { nil: undefined }),
  logEntry: record({
    version: num, epoch: u32, reqid: fc.tuple(num, num), oid: name, namespace: name, locator: name,
    op: fc.constantFrom('modify', 'delete', 'error'), userVersion: num, ret: i32,
  }),
});

describe('compact layout of osd.op frames', () => {
  test('repops of data-only changes and their answers travel compact and arrive exactly as sent', () => {
    fc.assert(
      fc.property(repop, (body) => {
        const frame = roundTrip(FrameKind.request, body, {}, REPOP_WIRE_TYPE);
        assert.equal(frame.flags & FRAME_FLAG_COMPACT, FRAME_FLAG_COMPACT);
        assert.equal(frame.type, REPOP_WIRE_TYPE);
        assert.deepEqual(frame.body, body);
        assert.ok('meta' in (frame.body as object), 'an undefined meta is still a key of the body');
      }),
      { numRuns: 300 },
    );
    const ok = roundTrip(FrameKind.reply, { ok: true }, {}, REPOP_WIRE_TYPE);
    assert.equal(ok.flags & FRAME_FLAG_COMPACT, FRAME_FLAG_COMPACT);
    assert.deepEqual(ok.body, { ok: true });
    // Other repops (omap or xattr steps, an old log entry without a locator) are msgpack.
    const base = { pool: 1, ps: 2, epoch: 3, key: { hash: 4, namespace: '', oid: 'o', locator: '' }, steps: [], meta: undefined,
      logEntry: { version: 5, epoch: 3, reqid: [1, 2], oid: 'o', namespace: '', locator: '', op: 'modify', userVersion: 6, ret: 0 } };
    const { locator: _dropped, ...oldEntry } = base.logEntry;
    for (const body of [
      { ...base, steps: [{ t: 'omap_set', entries: [['k', Buffer.from('v')]] }] },
      { ...base, steps: [{ t: 'setxattr', name: 'a', value: Buffer.from('v') }] },
      { ...base, logEntry: oldEntry },
      { ...base, logEntry: { ...base.logEntry, op: 'other' } },
      { ok: false },
    ]) {
      const frame = roundTrip(FrameKind.request, body, {}, REPOP_WIRE_TYPE);
      assert.equal(frame.flags & FRAME_FLAG_COMPACT, 0);
      assert.deepEqual(frame.body, body);
    }
  });

  const travelsCompact = (kind: FrameKind, bodies: fc.Arbitrary<unknown>): void => {
    fc.assert(
      fc.property(bodies, (body) => {
        const frame = roundTrip(kind, body);
        assert.equal(frame.flags & FRAME_FLAG_COMPACT, FRAME_FLAG_COMPACT);
        assert.equal(frame.type, OP_WIRE_TYPE);
        assert.deepEqual(frame.body, body);
      }),
      { numRuns: 300 },
    );
  };

  test('requests of reads and writes travel compact and arrive exactly as sent', () => travelsCompact(FrameKind.request, request));

  test('replies with return codes and read data travel compact and arrive exactly as sent', () => travelsCompact(FrameKind.reply, reply));

  test('any other shape is msgpack, and arrives exactly as sent too', () => {
    const base = { pool: 1, namespace: '', oid: 'o', locator: '', ops: [{ op: 'read', offset: 0, length: 10 }], flags: 0, mtime: { sec: 0, nsec: 0 }, epoch: 3, reqid: [1, 2] };
    const others: unknown[] = [
      { ...base, extra: true },
      { ...base, pool: -1 },
      { ...base, pool: 1.5 },
      { ...base, ops: [{ op: 'stat' }] },
      { ...base, ops: [{ op: 'read', offset: 0, length: 10, flags: 1 }] },
      { ...base, mtime: { sec: 1, nsec: 2, extra: 0 } },
      { ...base, reqid: [1, 2, 3] },
      { ...base, oid: 'x'.repeat(70_000) },
      { ret: 0, version: 1, results: [{ ret: 0, out: { kind: 'stat', size: 3, mtime: { sec: 0, nsec: 0 } } }] },
      { ret: 0.5, version: 1, results: [] },
      { ret: 0, version: 1, results: [{ ret: 0, trace: [] }] },
      { ret: 0, version: 1 },
    ];
    for (const body of others) {
      const frame = roundTrip(FrameKind.request, body);
      assert.equal(frame.flags & FRAME_FLAG_COMPACT, 0, JSON.stringify(body, (_k, v: unknown) => (typeof v === 'string' && v.length > 50 ? `${v.slice(0, 10)}…` : v)));
      assert.deepEqual(frame.body, body);
    }
    // A Uint8Array that is not a Buffer: msgpack, which hands it over as a Buffer.
    const typed = roundTrip(FrameKind.request, { ...base, ops: [{ op: 'write', offset: 0, length: 3, data: new Uint8Array([1, 2, 3]) }] });
    assert.equal(typed.flags & FRAME_FLAG_COMPACT, 0);
    assert.deepEqual(typed.body, { ...base, ops: [{ op: 'write', offset: 0, length: 3, data: Buffer.from([1, 2, 3]) }] });
    // Error replies keep their own flag and msgpack body.
    const error = roundTrip(FrameKind.reply, { errno: 5, message: 'EIO' }, { flags: FRAME_FLAG_ERROR });
    assert.equal(error.flags, FRAME_FLAG_ERROR);
    assert.deepEqual(error.body, { errno: 5, message: 'EIO' });
  });

  test('read data sent by reference is released after the write, small gathered data at once', () => {
    const released: string[] = [];
    const big = new GatheredBytes([Buffer.alloc(3000, 1), Buffer.alloc(5000, 2)], () => released.push('big'));
    const small = new GatheredBytes([Buffer.from('ab'), Buffer.from('cd')], () => released.push('small'));
    const releases: Array<() => void> = [];
    const body = { ret: 0, version: 4, results: [{ ret: 8000, out: { kind: 'data', data: big } }, { ret: 4, out: { kind: 'data', data: small } }] };
    const chunks = encodeMessage(FrameKind.reply, 9, OP_WIRE_TYPE, body, { releases });
    assert.deepEqual(released, ['small'], 'joined into the metadata, so free at once');
    assert.ok(chunks.includes(big.parts[0]!) && chunks.includes(big.parts[1]!), 'the big parts go to writev by reference');
    assert.equal(releases.length, 1);
    releases[0]!();
    assert.deepEqual(released, ['small', 'big']);
    const [frame] = new FrameDecoder().push(Buffer.concat(chunks));
    const results = (frame!.body as { results: Array<{ out: { data: Buffer } }> }).results;
    assert.ok(results[0]!.out.data.equals(Buffer.concat(big.parts)));
    assert.equal(results[1]!.out.data.toString(), 'abcd');
  });

  for (const [type, body] of [
    [OP_WIRE_TYPE, { pool: 2, namespace: 'ns', oid: 'obj', locator: '', ops: [{ op: 'write', offset: 4, length: 300, data: Buffer.alloc(300, 7) }, { op: 'read', offset: 0, length: 9 }], flags: 0, mtime: { sec: 5, nsec: 6 }, epoch: 9, reqid: [3, 4] }],
    [REPOP_WIRE_TYPE, { pool: 1, ps: 2, epoch: 3, key: { hash: 4, namespace: 'n', oid: 'o', locator: '' }, steps: [{ t: 'create' }, { t: 'write', offset: 0, data: Buffer.alloc(300, 7) }, { t: 'truncate', size: 300 }],
      meta: { size: 300, mtime: { sec: 1, nsec: 2 }, userVersion: 7 }, logEntry: { version: 5, epoch: 3, reqid: [1, 2], oid: 'o', namespace: 'n', locator: '', op: 'modify', userVersion: 7, ret: 0 } }],
  ] as const) test(`truncated, padded or corrupted compact ${type} metadata is a FrameError, never anything else`, () => {
    const chunks = encodeMessage(FrameKind.request, 1, type, body);
    const whole = Buffer.concat(chunks);
    const headerBytes = FRAME_FIXED_HEADER_BYTES + 4 + 4;
    const metaBytes = whole.readUInt32BE(16);
    const meta = whole.subarray(headerBytes, headerBytes + metaBytes);
    const segment = whole.subarray(headerBytes + metaBytes);
    const expectMeta = (frame: Buffer): void => {
      assert.throws(() => new FrameDecoder().push(frame), (e: unknown) => e instanceof FrameError && e.reason === 'meta');
    };
    for (let cut = 0; cut < meta.length; cut++) expectMeta(frameWithMeta(meta.subarray(0, cut), FRAME_FLAG_COMPACT, [segment]));
    expectMeta(frameWithMeta(Buffer.concat([meta, Buffer.from([0])]), FRAME_FLAG_COMPACT, [segment]));
    expectMeta(frameWithMeta(meta, FRAME_FLAG_COMPACT, [])); // its segment reference points nowhere
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 199 }), fc.integer({ min: 0, max: 255 }), (garbage, at, value) => {
        const corrupt = Buffer.from(meta);
        if (at < corrupt.length) corrupt[at] = value;
        for (const candidate of [Buffer.from(garbage), corrupt]) {
          try {
            new FrameDecoder().push(frameWithMeta(candidate, FRAME_FLAG_COMPACT, [segment]));
          } catch (error) {
            assert.ok(error instanceof FrameError, String(error));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
