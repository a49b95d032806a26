import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PgState } from './pg-state.js';
import type { PgLogEntry } from '../proto/messages.js';

function entry(version: number, epoch: number, client: number): PgLogEntry {
  return { version, epoch, reqid: [client, version], oid: `o${version}`, namespace: '', locator: '', op: 'modify', userVersion: version, ret: 0 };
}

test('a rolled-back entry no longer answers a resend of its request as a duplicate', () => {
  // The primary logged v2 in an interval whose replicas never got it; peering chose another
  // copy's v2, so the client's resend must execute afresh, not be told it already happened.
  const pg = new PgState(1, 0);
  pg.load(undefined, []);
  pg.append(entry(1, 5, 7));
  pg.append(entry(2, 6, 7));
  assert.deepEqual(pg.lookupDuplicate([7, 2]), { ret: 0, version: 2 });
  pg.adopt(1, [entry(2, 8, 9)], 0);
  assert.equal(pg.lookupDuplicate([7, 2]), undefined);
  assert.deepEqual(pg.lookupDuplicate([7, 1]), { ret: 0, version: 1 });
  assert.deepEqual(pg.lookupDuplicate([9, 2]), { ret: 0, version: 2 });
  assert.deepEqual(pg.info().lastUpdate, { epoch: 8, version: 2 });
});

test('a backfilled copy forgets every request it had logged', () => {
  const pg = new PgState(1, 0);
  pg.load(undefined, []);
  pg.append(entry(1, 5, 7));
  pg.adopt(-1, [], 40);
  assert.equal(pg.lookupDuplicate([7, 1]), undefined);
  assert.equal(pg.info().logTail, 40);
});
