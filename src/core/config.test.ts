import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Config, parseConf, parseHostPort, renderConf, ConfParseError } from './config.js';

const TEXT = `
# a comment
[global]
    fsid = 1234
    osd pool default size = 2
    mon_host = 127.0.0.1:7000
; another comment
[osd]
    osd-max-object-size = 4M
[osd.1]
    osd_max_object_size = 1048576
[client]
    log_level = debug
`;

test('sections apply in Ceph order: global, then type, then type.id, then overrides', () => {
  const sections = parseConf(TEXT);
  const osd0 = new Config(sections, { type: 'osd', id: '0' });
  const osd1 = new Config(sections, { type: 'osd', id: '1' });
  const client = new Config(sections, { type: 'client', id: 'admin' }, new Map([['osd_pool_default_size', '5']]));
  assert.equal(osd0.get('osd_max_object_size'), 4 * 1024 * 1024);
  assert.equal(osd1.get('osd_max_object_size'), 1048576);
  assert.equal(osd0.get('osd_pool_default_size'), 2);
  assert.equal(client.get('osd_pool_default_size'), 5);
  assert.equal(client.get('log_level'), 'debug');
  assert.equal(client.get('fsid'), '1234');
});

test('spaces, dashes and underscores in option names are the same option', () => {
  const c = new Config(parseConf('[global]\nosd max object name len = 10\n'), { type: 'osd', id: '0' });
  assert.equal(c.get('osd_max_object_name_len'), 10);
});

test('unset options take Ceph defaults', () => {
  const c = new Config([], { type: 'osd', id: '0' });
  assert.equal(c.get('osd_max_object_size'), 134217728);
  assert.equal(c.get('osd_pool_default_pg_num'), 32);
  assert.equal(c.get('mon_allow_pool_delete'), false);
  assert.equal(c.get('osd_max_write_size'), 90);
});

test('a malformed line is reported with its line number', () => {
  assert.throws(() => parseConf('[global]\nfsid = 1\nthis is not an option\n'), (e: unknown) => e instanceof ConfParseError && e.line === 3);
  assert.throws(() => parseConf('fsid = 1\n'), (e: unknown) => e instanceof ConfParseError && e.line === 1);
});

test('a bad value fails when the configuration is built, not later', () => {
  assert.throws(() => new Config(parseConf('[global]\nosd_pool_default_size = three\n'), { type: 'osd', id: '0' }), /not a number/);
});

test('rendered configuration parses back to the same values', () => {
  const text = renderConf([{ name: 'global', values: [['fsid', 'abc'], ['mon_allow_pool_delete', true]] }]);
  const c = new Config(parseConf(text), { type: 'mon', id: 'a' });
  assert.equal(c.get('fsid'), 'abc');
  assert.equal(c.get('mon_allow_pool_delete'), true);
});

test('host:port addresses parse, with a default port', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:6789', 1), { host: '127.0.0.1', port: 6789 });
  assert.deepEqual(parseHostPort('localhost', 6789), { host: 'localhost', port: 6789 });
  assert.deepEqual(parseHostPort('v2:127.0.0.1:3300', 1), { host: '127.0.0.1', port: 3300 });
  assert.throws(() => parseHostPort(':99999', 1));
});
