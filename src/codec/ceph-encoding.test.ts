import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ADDR_TYPE,
  DecodeError,
  Decoder,
  Encoder,
  addUtime,
  decodeEntityAddr,
  encodeEntityAddr,
  formatEntityAddr,
  formatEntityName,
  parseEntityAddr,
  parseEntityName,
} from './ceph-encoding.js';
import {
  LOCK_TYPE,
  decodeAssertOp,
  decodeBreakOp,
  decodeGetInfoOp,
  decodeListLocksReply,
  decodeLockInfo,
  decodeLockOp,
  decodeSetCookieOp,
  decodeUnlockOp,
  encodeAssertOp,
  encodeBreakOp,
  encodeGetInfoOp,
  encodeListLocksReply,
  encodeLockInfo,
  encodeLockOp,
  encodeSetCookieOp,
  encodeUnlockOp,
  type LockOp,
} from './lock-wire.js';

describe('Ceph encoding primitives', () => {
  test('integers, strings and utimes are little endian with u32 length prefixes', () => {
    const buf = new Encoder().u8(1).u16(0x0203).u32(0x04050607).u64(8n).i64(-1n).string('ab').utime({ sec: 9, nsec: 10 }).finish();
    assert.deepEqual([...buf], [1, 3, 2, 7, 6, 5, 4, 8, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 2, 0, 0, 0, 97, 98, 9, 0, 0, 0, 10, 0, 0, 0]);
    const d = new Decoder(buf);
    assert.deepEqual([d.u8(), d.u16(), d.u32(), d.u64(), d.i64(), d.string(), d.utime()], [1, 0x0203, 0x04050607, 8n, -1n, 'ab', { sec: 9, nsec: 10 }]);
    assert.equal(d.done, true);
  });

  test('a versioned struct skips fields added by a newer encoder and refuses a newer compat', () => {
    const newer = new Encoder().struct(3, 1, (s) => void s.string('kept').u32(77)).finish();
    const d = new Decoder(Buffer.concat([newer, Buffer.from([5])]));
    assert.equal(d.struct(1, (s) => s.string()), 'kept');
    assert.equal(d.u8(), 5, 'decoding resumes after the whole struct');
    const incompatible = new Encoder().struct(3, 2, (s) => void s.u8(1)).finish();
    assert.throws(() => new Decoder(incompatible).struct(1, (s) => s.u8()), DecodeError);
  });

  test('truncated input, struct bodies read past their length and hostile counts are DecodeErrors', () => {
    assert.throws(() => new Decoder(Buffer.from([1, 0])).u32(), DecodeError);
    assert.throws(() => new Decoder(Buffer.from([5, 0, 0, 0, 97])).string(), DecodeError);
    const short = new Encoder().struct(1, 1, (s) => void s.u8(1)).finish();
    assert.throws(() => new Decoder(short).struct(1, (s) => s.u32()), DecodeError);
    assert.throws(() => new Decoder(Buffer.from([255, 255, 255, 255])).list((d) => d.u8()), DecodeError);
    let nested: Buffer = Buffer.alloc(0);
    for (let i = 0; i < 40; i++) nested = new Encoder().struct(1, 1, (s) => void s.raw(nested)).finish();
    const deep = (d: Decoder): unknown => (d.remaining === 0 ? 0 : d.struct(1, deep));
    assert.throws(() => deep(new Decoder(nested)), DecodeError);
  });

  test('decode errors are RadosErrors with EINVAL', () => {
    try {
      new Decoder(Buffer.alloc(0)).u8();
      assert.fail('expected a throw');
    } catch (err) {
      assert.ok(err instanceof DecodeError);
      assert.equal(err.code, 'EINVAL');
    }
  });

  test('utime addition carries nanoseconds and saturates instead of wrapping', () => {
    assert.deepEqual(addUtime({ sec: 1, nsec: 600_000_000 }, { sec: 2, nsec: 500_000_000 }), { sec: 4, nsec: 100_000_000 });
    assert.deepEqual(addUtime({ sec: 0xffff_ff00, nsec: 0 }, { sec: 0x1000, nsec: 0 }), { sec: 0xffff_ffff, nsec: 999_999_999 });
  });
});

describe('entity names and addresses', () => {
  test('entity names parse and print as Ceph does', () => {
    assert.deepEqual(parseEntityName('client.4123'), { type: 8, num: 4123n });
    assert.equal(formatEntityName({ type: 8, num: 4123n }), 'client.4123');
    assert.equal(formatEntityName(parseEntityName('osd.3') ?? { type: 0, num: 0n }), 'osd.3');
    for (const bad of ['client', 'client.', 'client.x', 'foo.1', '4123', 'client.1.2', 'client.99999999999999999999']) {
      assert.equal(parseEntityName(bad), undefined, bad);
    }
  });

  test('addresses round-trip through the MSG_ADDR2 encoding and print in the legacy form', () => {
    for (const text of ['127.0.0.1:0/838491869', '10.1.2.3:6789/0', '[::1]:6800/12', '[fe80::1:2]:1/3']) {
      const a = parseEntityAddr(text);
      const e = new Encoder();
      encodeEntityAddr(e, a);
      assert.deepEqual(decodeEntityAddr(new Decoder(e.finish())), a, text);
      assert.equal(formatEntityAddr(a), text);
    }
    assert.equal(formatEntityAddr(parseEntityAddr('v2:10.0.0.1:3300/5')), '10.0.0.1:3300/5');
    assert.equal(formatEntityAddr(parseEntityAddr('127.0.0.1:45678')), '127.0.0.1:45678/0');
  });

  test('an IPv4 address encodes as Ceph\'s entity_addr_t bytes', () => {
    const e = new Encoder();
    encodeEntityAddr(e, parseEntityAddr('127.0.0.1:6789/7'));
    assert.deepEqual([...e.finish()], [
      1, 1, 1, 28, 0, 0, 0, // marker, struct v1 compat 1, length 28
      1, 0, 0, 0, 7, 0, 0, 0, 16, 0, 0, 0, // TYPE_LEGACY, nonce 7, sockaddr length 16
      2, 0, 0x1a, 0x85, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, // AF_INET (LE), port 6789 (BE), 127.0.0.1, padding
    ]);
  });

  test('unusable addresses become TYPE_NONE, print as "-" and still round-trip', () => {
    for (const text of ['', 'localhost:80', '1.2.3:4', '1.2.3.4', '1.2.3.4:99999', '300.1.1.1:1/2', '[::1::2]:1']) {
      const a = parseEntityAddr(text);
      assert.equal(a.type, ADDR_TYPE.none, text);
      assert.equal(formatEntityAddr(a), '-');
      const e = new Encoder();
      encodeEntityAddr(e, a);
      assert.equal(decodeEntityAddr(new Decoder(e.finish())).type, ADDR_TYPE.none);
    }
  });

  test('the legacy 136-byte address form decodes too', () => {
    const legacy = Buffer.alloc(136);
    legacy.writeUInt32LE(99, 4);
    legacy.writeUInt16BE(2, 8); // family, network order
    legacy.writeUInt16BE(6800, 10);
    Buffer.from([192, 168, 0, 9]).copy(legacy, 12);
    assert.equal(formatEntityAddr(decodeEntityAddr(new Decoder(legacy))), '192.168.0.9:6800/99');
  });
});

describe('cls_lock structs', () => {
  test('a lock request has Ceph\'s exact byte layout', () => {
    const op: LockOp = { name: 'l', type: LOCK_TYPE.exclusive, cookie: 'c', tag: '', description: '', duration: { sec: 600, nsec: 0 }, flags: 0 };
    assert.deepEqual([...encodeLockOp(op)], [
      1, 1, 28, 0, 0, 0,
      1, 0, 0, 0, 0x6c, 1, 1, 0, 0, 0, 0x63, 0, 0, 0, 0, 0, 0, 0, 0,
      0x58, 2, 0, 0, 0, 0, 0, 0, 0,
    ]);
  });

  test('every request and reply round-trips', () => {
    const str = fc.string({ maxLength: 12 });
    fc.assert(
      fc.property(str, fc.integer({ min: 0, max: 255 }), str, str, str, fc.nat(), fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: 0, max: 3 }),
        (name, type, cookie, tag, description, sec, nsec, flags) => {
          const op = { name, type, cookie, tag, description, duration: { sec, nsec }, flags };
          assert.deepEqual(decodeLockOp(encodeLockOp(op)), op);
          assert.deepEqual(decodeUnlockOp(encodeUnlockOp({ name, cookie })), { name, cookie });
          const brk = { name, locker: { type: 8, num: BigInt(sec) }, cookie };
          assert.deepEqual(decodeBreakOp(encodeBreakOp(brk)), brk);
          assert.deepEqual(decodeGetInfoOp(encodeGetInfoOp({ name })), { name });
          assert.deepEqual(decodeAssertOp(encodeAssertOp({ name, type, cookie, tag })), { name, type, cookie, tag });
          assert.deepEqual(decodeSetCookieOp(encodeSetCookieOp({ name, type, cookie, tag, newCookie: description })), { name, type, cookie, tag, newCookie: description });
          assert.deepEqual(decodeListLocksReply(encodeListLocksReply([name, tag])), [name, tag]);
        }),
      { numRuns: 200 },
    );
  });

  test('lock info round-trips with lockers sorted by entity then cookie', () => {
    const locker = (num: bigint, cookie: string) => ({
      id: { entity: { type: 8, num }, cookie },
      info: { expiration: { sec: Number(num), nsec: 1 }, addr: parseEntityAddr(`10.0.0.${num}:1/2`), description: cookie },
    });
    const info = { lockers: [locker(9n, 'b'), locker(2n, 'z'), locker(9n, 'a')], type: LOCK_TYPE.shared, tag: 't' };
    const back = decodeLockInfo(encodeLockInfo(info));
    assert.deepEqual(back.lockers.map((l) => `${l.id.entity.num}/${l.id.cookie}`), ['2/z', '9/a', '9/b']);
    assert.deepEqual(back.lockers[0], locker(2n, 'z'));
    assert.equal(back.type, LOCK_TYPE.shared);
    assert.equal(back.tag, 't');
  });
});
