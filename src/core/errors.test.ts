import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RadosError, cephStrerror, errnoName, ERRNO, neg } from './errors.js';

test('errno names, numbers and texts match Linux as Ceph prints them', () => {
  assert.equal(cephStrerror(2), '(2) No such file or directory');
  assert.equal(cephStrerror(-61), '(61) No data available');
  assert.equal(cephStrerror(ERRNO.EBUSY), '(16) Device or resource busy');
  assert.equal(errnoName(36), 'ENAMETOOLONG');
  assert.equal(neg('EFBIG'), -27);
  assert.equal(cephStrerror(4242), '(4242) Unknown error 4242');
});

test('RadosError carries a stable code and a positive errno', () => {
  const e = new RadosError(-2, 'stat p/o');
  assert.equal(e.code, 'ENOENT');
  assert.equal(e.errno, 2);
  assert.equal(e.message, 'stat p/o: (2) No such file or directory');
  assert.ok(RadosError.is(e));
  assert.ok(!RadosError.is(new Error('x')));
  assert.equal(RadosError.from('EPERM', 'x').errno, 1);
});
