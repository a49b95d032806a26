import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { neg } from '../../core/errors.js';
import { ABSENT, memoryObject, type MemoryObjectState } from '../../osd/ops/memory-view.js';
import { encodeNumopsInput, formatCDouble, parseCDouble } from './numops.js';
import { call } from './testkit.js';

async function op(state: MemoryObjectState, name: 'add' | 'mul', key: string, operand: string) {
  return call(state, 'numops', name, encodeNumopsInput(key, operand));
}

const value = (state: MemoryObjectState, key: string): string | undefined => state.omap.get(key)?.toString('latin1');

describe('numops', () => {
  test('add and mul keep decimal text: 5, +2.5, ×3 gives 22.5', async () => {
    let s = (await op(ABSENT, 'add', 'k', '5')).after;
    assert.equal(value(s, 'k'), '5');
    s = (await op(s, 'add', 'k', '2.5')).after;
    s = (await op(s, 'mul', 'k', '3')).after;
    assert.equal(value(s, 'k'), '22.5');
  });

  test('a missing key or an empty value counts as 0', async () => {
    const s = (await op(memoryObject({ omap: [['e', '']] }), 'add', 'e', '4')).after;
    assert.equal(value(s, 'e'), '4');
    assert.equal(value((await op(memoryObject(), 'mul', 'm', '4')).after, 'm'), '0');
  });

  test('results keep 10 significant digits in %g style', async () => {
    assert.equal(value((await op(ABSENT, 'add', 'big', '123456789012')).after, 'big'), '1.23456789e+11');
  });

  test('an unparsable operand is EINVAL and an unparsable stored value is EBADMSG; nothing is applied', async () => {
    const obj = memoryObject({ omap: [['bad', 'notnum'], ['k', '1']] });
    const r1 = await op(obj, 'add', 'k', 'abc');
    assert.equal(r1.ret, neg('EINVAL'));
    assert.equal(r1.after, obj);
    assert.equal((await op(obj, 'add', 'k', '5 ')).ret, neg('EINVAL'));
    const r2 = await op(obj, 'add', 'bad', '1');
    assert.equal(r2.ret, neg('EBADMSG'));
    assert.equal(r2.after, obj);
    assert.equal((await call(obj, 'numops', 'add', Buffer.from([5, 0, 0, 0, 1]))).ret, neg('EINVAL'));
  });

  test('strtod accepts what C accepts and nothing more', () => {
    const rows: Array<[string, number | undefined]> = [
      ['', 0], ['5', 5], [' \t5', 5], ['+3', 3], ['-2.5', -2.5], ['.5', 0.5], ['5.', 5], ['1e3', 1000], ['1E-2', 0.01],
      ['0x1p3', 8], ['0X.8', 0.5], ['0x10', 16], ['inf', Infinity], ['-Infinity', -Infinity], ['5\0junk', 5],
      ['5 ', undefined], [' ', undefined], ['1e', undefined], ['0x', undefined], ['abc', undefined], ['1,5', undefined], ['--1', undefined],
    ];
    for (const [text, want] of rows) assert.deepEqual(parseCDouble(text)?.value, want, JSON.stringify(text));
    assert.ok(Number.isNaN(parseCDouble('nan')?.value));
    assert.equal(parseCDouble('-nan')?.negativeNan, true);
  });

  test('%.10g formatting matches printf, ties rounding to even on the exact binary value', () => {
    const rows: Array<[number, string]> = [
      [0, '0'], [-0, '-0'], [22.5, '22.5'], [0.1 + 0.2, '0.3'], [1 / 3, '0.3333333333'], [123456.789, '123456.789'],
      [1234567890.5, '1234567890'], [1234567891.5, '1234567892'], [9999999999.5, '1e+10'], [2 ** 53, '9.007199255e+15'],
      [0.0001, '0.0001'], [0.00001234, '1.234e-05'], [1e21, '1e+21'], [-1.5e-300, '-1.5e-300'], [5e-324, '4.940656458e-324'],
      [1e100, '1e+100'], [100, '100'], [1234567890, '1234567890'], [12345678901, '1.23456789e+10'],
    ];
    for (const [n, want] of rows) assert.equal(formatCDouble({ value: n, negativeNan: false }), want, String(n));
    assert.equal(formatCDouble({ value: Infinity, negativeNan: false }), 'inf');
    assert.equal(formatCDouble({ value: -Infinity, negativeNan: false }), '-inf');
    assert.equal(formatCDouble({ value: NaN, negativeNan: false }), 'nan');
    assert.equal(formatCDouble({ value: NaN, negativeNan: true }), '-nan');
  });

  test('invalid arithmetic stores -nan as x86 glibc prints it', async () => {
    const s = (await op(memoryObject({ omap: [['k', 'inf']] }), 'mul', 'k', '0')).after;
    assert.equal(value(s, 'k'), '-nan');
  });
});
