import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crushHash32_1, crushHash32_2, crushHash32_3, crushHash32_4, strHashLinux, strHashRjenkins } from './hash.js';

describe('object name hash (ceph_str_hash_rjenkins)', () => {
  const vectors: Array<[string, number]> = [
    ['foo', 0x7fc1f406], ['bar', 0xefe6384b], ['obj', 0xaabc5e21], ['rbd_directory', 0x30a98c1c],
    ['gc.0', 0x990e66d8], ['e', 0xef61efce], ['a', 0x29eec818], ['c', 0x4fa4bedb],
    ['_shadow_obj.1', 0xe5f42c1a], ['ns1\x1ffoo', 0xf4569544], ['ns1\x1fbar', 0x73a75142],
    ['ns1\x1fobj', 0x37eda02a], ['', 0xbd49d10d], ['users.uid\x1ftestuser', 0xa13aa4c1],
    ['gc\x1fgc.0', 0x031bb659], ['control\x1fnotify.0', 0x4eeacd0a], ['rgw\x1ffoo', 0x0ecb73a9],
  ];
  for (const [input, expected] of vectors) {
    test(`hashes ${JSON.stringify(input)} to 0x${expected.toString(16)} as Ceph does`, () => {
      assert.equal(strHashRjenkins(input), expected);
    });
  }

  test('hashes raw bytes and the equal UTF-8 string identically', () => {
    const name = 'objé-ü-名前-long-enough-to-span-blocks';
    assert.equal(strHashRjenkins(Buffer.from(name, 'utf8')), strHashRjenkins(name));
  });

  test('the Linux dcache hash of "foo" is 0x0024db2a', () => {
    assert.equal(strHashLinux('foo'), 0x0024db2a);
  });
});

describe('CRUSH integer hashes', () => {
  test('hash32_2 matches the verified vectors', () => {
    assert.equal(crushHash32_2(6, 1), 0xd77484f9);
    assert.equal(crushHash32_2(6, 2), 0x37f72ca0);
    assert.equal(crushHash32_2(0, 0), 0x19ad4ce9);
    assert.equal(crushHash32_2(1, 2), 0xb78dee9c);
  });

  test('hash32_3 matches the verified vectors, negative ids as two\'s complement', () => {
    assert.equal(crushHash32_3(0, 0, 0), 0x7a3bf3b2);
    assert.equal(crushHash32_3(1, 2, 3), 0x735ad42b);
    assert.equal(crushHash32_3(0, -1, 0), 0x2235fb93);
    assert.equal(crushHash32_3(0, 0xffffffff, 0), 0x2235fb93);
  });

  test('hash32_1 and hash32_4 match the spec values', () => {
    assert.equal(crushHash32_1(0), 0x17c4a80b);
    assert.equal(crushHash32_1(1), 0xd5082851);
    assert.equal(crushHash32_4(0, 0, 0, 0), 0x3fafb04d);
    assert.equal(crushHash32_4(1, 2, 3, 4), 0x696d1f16);
  });
});
