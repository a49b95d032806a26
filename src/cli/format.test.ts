import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byteU, hexdump, textTable, utime } from './format.js';

test('hexdump matches Ceph bufferlist::hexdump from the rados transcript', () => {
  assert.equal(hexdump(Buffer.from('v1')), '00000000  76 31                                             |v1|\n00000002\n');
  assert.equal(
    hexdump(Buffer.from('hdr-value')),
    '00000000  68 64 72 2d 76 61 6c 75  65                       |hdr-value|\n00000009\n',
  );
});

test('hexdump folds identical full lines into one star and shows non-printables as dots', () => {
  const out = hexdump(Buffer.alloc(48, 0));
  assert.equal(out, '00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n*\n00000030\n');
  assert.equal(hexdump(Buffer.alloc(0)), '00000000\n');
});

test('byte sizes print like Ceph byte_u_t', () => {
  assert.equal(byteU(0), '0 B');
  assert.equal(byteU(1023), '1023 B');
  assert.equal(byteU(24 * 1024), '24 KiB');
  assert.equal(byteU(Math.round(1.7 * 1024 ** 3)), '1.7 GiB');
  assert.equal(byteU(609 * 1024 ** 2), '609 MiB');
  assert.equal(byteU(29 * 1024 ** 3), '29 GiB');
});

test('utime prints local time with microseconds and the zone offset', () => {
  const s = utime(1_700_000_000, 123_456_789);
  assert.match(s, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.123456[+-]\d{4}$/);
});

test('text tables pad columns two spaces apart like Ceph TextTable', () => {
  const t = textTable(
    [
      { name: 'POOL_NAME', align: 'left' },
      { name: 'USED', align: 'right' },
    ],
    [['device_health_metrics', '0 B']],
  );
  assert.equal(t, 'POOL_NAME              USED\ndevice_health_metrics   0 B\n');
});
