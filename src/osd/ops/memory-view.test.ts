// The memory view is the reference for how a store applies TxnSteps; these pin each step down.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvariantError } from '../../core/assert.js';
import { compareKeys } from './bytes.js';
import { rawCrc32c } from './checksum.js';
import { ABSENT, applySteps, memoryObject, memoryView } from './memory-view.js';
import type { ObjectMeta, TxnStep } from './types.js';

const meta = (size: number): ObjectMeta => ({ size, mtime: { sec: 9, nsec: 9 }, userVersion: 42 });
const b = (s: string): Buffer => Buffer.from(s);

describe('applying steps', () => {
  test('create makes an empty object and is a no-op on an existing one', () => {
    assert.equal(applySteps(ABSENT, [{ t: 'create' }], meta(0)).exists, true);
    const o = memoryObject({ data: 'abc', xattrs: [['a', '1']] });
    const after = applySteps(o, [{ t: 'create' }], meta(3));
    assert.equal(after.data.toString(), 'abc');
    assert.equal(after.xattrs.get('a')?.toString(), '1');
    assert.equal(after.userVersion, 42);
  });
  test('write past the end zero-fills the gap and allocates only the written range', () => {
    const after = applySteps(memoryObject({ data: 'ab' }), [{ t: 'write', offset: 4, data: b('cd') }], meta(6));
    assert.deepEqual([...after.data], [97, 98, 0, 0, 99, 100]);
    assert.deepEqual(memoryView(after).dataExtents(0, 100), [[0, 2], [4, 2]]);
  });
  test('zero keeps the size and punches a hole; truncate up adds a hole, down discards', () => {
    const zeroed = applySteps(memoryObject({ data: 'abcdef' }), [{ t: 'zero', offset: 1, length: 2 }], meta(6));
    assert.deepEqual(memoryView(zeroed).dataExtents(0, 6), [[0, 1], [3, 3]]);
    const grown = applySteps(memoryObject({ data: 'ab' }), [{ t: 'truncate', size: 4 }], meta(4));
    assert.deepEqual(memoryView(grown).dataExtents(0, 4), [[0, 2]]);
    assert.equal(applySteps(memoryObject({ data: 'abcd' }), [{ t: 'truncate', size: 1 }], meta(1)).data.toString(), 'a');
  });
  test('omap steps: set in order, rm, rm_range [begin, end), clear removes the header', () => {
    const steps: TxnStep[] = [
      { t: 'omap_set', entries: [['a', b('1')], ['b', b('2')], ['a', b('3')], ['c', b('4')]] },
      { t: 'omap_rm', keys: ['zz'] },
      { t: 'omap_rm_range', begin: 'b', end: 'c' },
      { t: 'omap_set_header', value: b('H') },
    ];
    const after = applySteps(memoryObject(), steps, meta(0));
    assert.deepEqual([...after.omap.entries()].map(([k, v]) => `${k}=${v.toString()}`), ['a=3', 'c=4']);
    assert.equal(after.header.toString(), 'H');
    const cleared = applySteps(after, [{ t: 'omap_clear' }], meta(0));
    assert.equal(cleared.omap.size + cleared.header.length, 0);
  });
  test('remove drops everything and requires meta undefined', () => {
    const o = memoryObject({ data: 'a', omap: [['k', 'v']] });
    assert.equal(applySteps(o, [{ t: 'remove' }], undefined).exists, false);
    assert.throws(() => applySteps(o, [{ t: 'remove' }], meta(0)), InvariantError);
  });
  test('a step other than create on a missing object, or a meta size that disagrees, is an invariant violation', () => {
    assert.throws(() => applySteps(ABSENT, [{ t: 'setxattr', name: 'a', value: b('') }], meta(0)), InvariantError);
    assert.throws(() => applySteps(memoryObject({ data: 'ab' }), [{ t: 'truncate', size: 1 }], meta(2)), InvariantError);
  });
  test('omapRange lists keys strictly after start_after in bytewise order', () => {
    const v = memoryView(memoryObject({ omap: [['b', '2'], ['a', '1'], ['c', '3']] }));
    assert.deepEqual(v.omapRange('a', 1).map(([k]) => k), ['b']);
    assert.deepEqual(v.omapRange('', 10).map(([k]) => k), ['a', 'b', 'c']);
  });
});

describe('byte order and checksums', () => {
  test('compareKeys orders by UTF-8 bytes', () => {
    const keys = ['\u{10000}', '\uFFFF', 'a', '', 'ab', '\u00e9'];
    const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual([...keys].sort(compareKeys), byBytes);
  });
  test('rawCrc32c matches a bitwise CRC-32C without inversions for several seeds', () => {
    const reference = (seed: number, data: Buffer): number => {
      let crc = seed >>> 0;
      for (const byte of data) {
        crc ^= byte;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
      }
      return crc >>> 0;
    };
    for (const seed of [0, 1, 0xffffffff, 0x12345678]) {
      for (const text of ['', 'hello world', 'x'.repeat(1000)]) assert.equal(rawCrc32c(seed, b(text)), reference(seed, b(text)));
    }
    assert.equal(rawCrc32c(0xffffffff, b('hello world')), 0x366b9a55);
  });
});
