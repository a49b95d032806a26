import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRNO, RadosError } from '../../core/errors.js';
import { encodeEvalBufferlist, parseEvalBufferlist, parseEvalJson, parseLuaRequest } from './request.js';

function rejectsWith(errno: number, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => RadosError.is(err) && err.errno === errno);
}

describe('eval_json input', () => {
  test('a body with a trailing comma is accepted, as Ceph accepts it', () => {
    const req = parseEvalJson(Buffer.from('{"script": "x = 1", "handler": "h", "input": "omg it works",}'));
    assert.equal(req.script, 'x = 1');
    assert.equal(req.handler, 'h');
    assert.deepEqual(req.input, Buffer.from('omg it works'));
  });

  test('commas inside strings are kept', () => {
    const req = parseEvalJson(Buffer.from('{"script": "t = {1,}", "handler": "",}'));
    assert.equal(req.script, 't = {1,}');
  });

  test('unknown extra keys are ignored and a missing input is empty', () => {
    const req = parseEvalJson(Buffer.from('{"script":"x=1","handler":"","foo":5}'));
    assert.equal(req.input.length, 0);
  });

  test('"trace": true asks for the log and traceback; a non-boolean trace is EINVAL', () => {
    assert.equal(parseEvalJson(Buffer.from('{"script": "", "handler": "", "trace": true}')).trace, true);
    assert.equal(parseEvalJson(Buffer.from('{"script": "", "handler": "", "trace": false}')).trace, undefined);
    rejectsWith(ERRNO.EINVAL, () => parseEvalJson(Buffer.from('{"script": "", "handler": "", "trace": 1}')));
  });

  test('the body ends at the first NUL byte, like a C string', () => {
    const req = parseEvalJson(Buffer.from('{"script":"x=1","handler":""}\0garbage'));
    assert.equal(req.script, 'x=1');
  });

  for (const [name, body] of [
    ['bad JSON', '{"script":'],
    ['a JSON array', '["script"]'],
    ['a missing handler', '{"script":"x=1"}'],
    ['a numeric input', '{"script":"x=1","handler":"","input":5}'],
    ['a non-string script', '{"script":1,"handler":""}'],
  ] as const) {
    test(`${name} is EINVAL`, () => rejectsWith(ERRNO.EINVAL, () => parseEvalJson(Buffer.from(body))));
  }
});

describe('eval_bufferlist input', () => {
  test('the v1 encoding round-trips script, handler and binary input', () => {
    const input = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const encoded = encodeEvalBufferlist({ script: 'function h() end', handler: 'h', input });
    assert.equal(encoded[0], 1);
    assert.equal(encoded[1], 1);
    assert.equal(encoded.readUInt32LE(2), encoded.length - 6);
    const req = parseEvalBufferlist(encoded);
    assert.deepEqual(req.script, Buffer.from('function h() end'));
    assert.equal(req.handler, 'h');
    assert.deepEqual(req.input, input);
  });

  test('a newer struct_v with compat 1 is accepted and its trailing fields skipped', () => {
    const v1 = encodeEvalBufferlist({ script: 's', handler: 'h', input: Buffer.from('in') });
    const extra = Buffer.from([9, 9, 9]);
    const v2 = Buffer.concat([v1, extra]);
    v2.writeUInt8(2, 0);
    v2.writeUInt32LE(v1.length - 6 + extra.length, 2);
    assert.deepEqual(parseEvalBufferlist(v2).input, Buffer.from('in'));
  });

  test('the trace flag travels as struct_v 2 and a v1 request carries none', () => {
    const traced = encodeEvalBufferlist({ script: 's', handler: 'h', input: Buffer.from('in'), trace: true });
    assert.equal(traced.readUInt8(0), 2);
    assert.equal(parseEvalBufferlist(traced).trace, true);
    assert.deepEqual(parseEvalBufferlist(traced).input, Buffer.from('in'));
    assert.equal(parseEvalBufferlist(encodeEvalBufferlist({ script: 's', handler: 'h', input: Buffer.alloc(0) })).trace, undefined);
  });

  test('compat 2 is EINVAL', () => {
    const enc = encodeEvalBufferlist({ script: 's', handler: 'h', input: Buffer.alloc(0) });
    enc.writeUInt8(2, 1);
    rejectsWith(ERRNO.EINVAL, () => parseEvalBufferlist(enc));
  });

  test('truncated input, a single zero byte and a JSON body are EINVAL', () => {
    const enc = encodeEvalBufferlist({ script: 'script', handler: 'h', input: Buffer.from('x') });
    rejectsWith(ERRNO.EINVAL, () => parseEvalBufferlist(enc.subarray(0, enc.length - 1)));
    rejectsWith(ERRNO.EINVAL, () => parseEvalBufferlist(Buffer.from([0])));
    rejectsWith(ERRNO.EINVAL, () => parseEvalBufferlist(Buffer.from('{"script":"x","handler":""}')));
  });

  test('a string field longer than the struct is EINVAL', () => {
    const enc = encodeEvalBufferlist({ script: 'script', handler: 'h', input: Buffer.from('x') });
    enc.writeUInt32LE(1000, 6);
    rejectsWith(ERRNO.EINVAL, () => parseEvalBufferlist(enc));
  });
});

describe('method dispatch', () => {
  test('an unknown lua method such as eval is EOPNOTSUPP', () => {
    rejectsWith(ERRNO.EOPNOTSUPP, () => parseLuaRequest('eval', Buffer.from('{}')));
  });

  test('eval_json and eval_bufferlist pick their decoder', () => {
    assert.equal(parseLuaRequest('eval_json', Buffer.from('{"script":"a","handler":"b"}')).handler, 'b');
    const enc = encodeEvalBufferlist({ script: 'a', handler: 'c', input: Buffer.alloc(0) });
    assert.equal(parseLuaRequest('eval_bufferlist', enc).handler, 'c');
  });
});
