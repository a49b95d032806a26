// Peering driven message by message, the way etcd-raft's interaction tests drive a node: each
// test builds the copies each OSD holds, feeds the events a daemon would, and checks the actions.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PgPeering, type PeeringAction, type ActivateAction } from './peering.js';
import { commonPoint, missingFor, type PeerLog } from './log.js';
import { objectNameOf, type LogEntry, type PgInfo } from './types.js';

/** A copy whose log holds `writes` = [epoch, oid, op?] in version order from `tail` + 1. */
function copy(writes: ReadonlyArray<readonly [number, string, ('modify' | 'delete')?]>, opts: Partial<PgInfo> & { tail?: number } = {}): PeerLog {
  const tail = opts.tail ?? 0;
  const entries: LogEntry[] = writes.map(([epoch, oid, op], i) => ({
    version: tail + i + 1,
    epoch,
    reqid: [1, tail + i + 1],
    oid,
    namespace: '',
    op: op ?? 'modify',
    userVersion: tail + i + 1,
    ret: 0,
  }));
  const last = entries[entries.length - 1];
  return {
    entries,
    info: {
      lastUpdate: last ? { epoch: last.epoch, version: last.version } : { epoch: 0, version: tail },
      logTail: tail,
      lastEpochStarted: opts.lastEpochStarted ?? 1,
      lastEpochActive: opts.lastEpochActive ?? 0,
      missing: opts.missing ?? [],
      backfilling: opts.backfilling ?? false,
    },
  };
}

const name = (oid: string): string => objectNameOf({ oid, namespace: '' });
const kinds = (actions: readonly PeeringAction[]): string[] => actions.map((a) => (a.a === 'state' ? `state ${a.state}` : `${a.a}${'to' in a ? ` ${a.to}` : ''}`));
const activations = (actions: readonly PeeringAction[]): Map<number, ActivateAction> =>
  new Map(actions.filter((a): a is ActivateAction => a.a === 'activate').map((a) => [a.to, a]));

function primary(self = 0, maxActive = 3): PgPeering {
  return new PgPeering({ self, size: 3, minSize: 2, recoveryMaxActive: maxActive });
}

describe('PG log arithmetic', () => {
  test('a copy that is a prefix of the authoritative log lacks exactly the objects written after it', () => {
    const auth = copy([[1, 'a'], [1, 'b'], [2, 'c'], [2, 'a']]);
    const peer = copy([[1, 'a'], [1, 'b']]);
    assert.equal(commonPoint(auth, peer), 2);
    assert.deepEqual([...(missingFor(auth, peer) ?? [])].sort(), [name('a'), name('c')]);
  });

  test('divergent entries make their objects missing too, and the common point is before them', () => {
    const auth = copy([[1, 'a'], [3, 'b']]);
    const peer = copy([[1, 'a'], [2, 'x'], [2, 'y']]);
    assert.equal(commonPoint(auth, peer), 1);
    assert.deepEqual([...(missingFor(auth, peer) ?? [])].sort(), [name('b'), name('x'), name('y')]);
  });

  test('two untrimmed logs that disagree from their first entry share the empty state', () => {
    // osd.2 logged (5,v1) but never replicated it; the others wrote (12,v1), (12,v2) later.
    const auth = copy([[12, 'a'], [12, 'b']]);
    const peer = copy([[5, 'x']]);
    assert.equal(commonPoint(auth, peer), 0);
    assert.deepEqual([...(missingFor(auth, peer) ?? [])].sort(), [name('a'), name('b'), name('x')]);
    assert.equal(commonPoint(copy([[12, 'a']], { tail: 3 }), copy([[5, 'x']], { tail: 3 })), undefined);
  });

  test('a copy older than the authoritative log tail needs a backfill', () => {
    const auth = copy([[2, 'c'], [2, 'd']], { tail: 10 });
    assert.equal(missingFor(auth, copy([[1, 'a']])), undefined);
    assert.equal(missingFor(auth, copy([])), undefined);
    assert.deepEqual([...(missingFor(copy([[1, 'a']]), copy([])) ?? [])], [name('a')]);
  });
});

describe('peering', () => {
  test('three identical copies go active+clean with no recovery', () => {
    const pg = primary();
    const log = copy([[1, 'a']]);
    const start = pg.step({ t: 'interval', epoch: 5, acting: [0, 1, 2], primary: 0, probe: [1, 2], downAt: new Map(), local: log });
    assert.deepEqual(kinds(start), ['query 1', 'query 2', 'state peering']);
    assert.deepEqual(pg.step({ t: 'info', epoch: 5, from: 1, log }), []);
    const decided = pg.step({ t: 'info', epoch: 5, from: 2, log });
    assert.deepEqual(kinds(decided), ['activate 0', 'activate 1', 'activate 2', 'state activating']);
    assert.deepEqual(pg.step({ t: 'activated', epoch: 5, from: 0 }), []);
    assert.deepEqual(pg.step({ t: 'activated', epoch: 5, from: 1 }), []);
    assert.deepEqual(kinds(pg.step({ t: 'activated', epoch: 5, from: 2 })), ['state active+clean']);
    assert.equal(pg.isActive, true);
    assert.equal(pg.needsRecovery(name('a')), false);
  });

  test('a stale OSD that rejoins as primary adopts the newer log and pulls what it lacks before serving it', () => {
    // osd.2 was down while osd.0 and osd.1 activated at epoch 7 and took writes to b and c.
    const stale = copy([[1, 'a']], { lastEpochStarted: 3 });
    const fresh = copy([[1, 'a'], [7, 'b'], [7, 'c', 'delete']], { lastEpochStarted: 7 });
    const pg = primary(2);
    pg.step({ t: 'interval', epoch: 9, acting: [2, 0, 1], primary: 2, probe: [0, 1], downAt: new Map(), local: stale });
    pg.step({ t: 'info', epoch: 9, from: 0, log: fresh });
    const decided = pg.step({ t: 'info', epoch: 9, from: 1, log: fresh });
    const acts = activations(decided);
    const mine = acts.get(2);
    assert.ok(mine);
    assert.equal(mine.keepThrough, 1);
    assert.deepEqual(mine.entries.map((e) => e.oid), ['b', 'c']);
    assert.deepEqual([...mine.missing].sort(), [name('b'), name('c')]);
    assert.deepEqual(acts.get(0)?.missing, []);
    for (const osd of [2, 0, 1]) pg.step({ t: 'activated', epoch: 9, from: osd });
    assert.equal(pg.state, 'active+recovering+degraded');
    assert.equal(pg.needsRecovery(name('b')), true);
    assert.equal(pg.needsRecovery(name('a')), false);
    const plan = pg.recoveryPlan(name('b'));
    assert.ok(plan.pullFrom === 0 || plan.pullFrom === 1);
    assert.deepEqual(plan.pushTo, []);
    assert.deepEqual(kinds(pg.step({ t: 'recovered', epoch: 9, name: name('b') })), []);
    assert.deepEqual(kinds(pg.step({ t: 'recovered', epoch: 9, name: name('c') })), ['state active+clean']);
  });

  test('a replica that missed writes is pushed the objects, throttled by osd_recovery_max_active', () => {
    const pg = primary(0, 2);
    const full = copy([[1, 'a'], [4, 'b'], [4, 'c'], [4, 'd']], { lastEpochStarted: 4 });
    const behind = copy([[1, 'a']], { lastEpochStarted: 2 });
    pg.step({ t: 'interval', epoch: 6, acting: [0, 1, 2], primary: 0, probe: [1, 2], downAt: new Map(), local: full });
    pg.step({ t: 'info', epoch: 6, from: 1, log: full });
    pg.step({ t: 'info', epoch: 6, from: 2, log: behind });
    pg.step({ t: 'activated', epoch: 6, from: 0 });
    pg.step({ t: 'activated', epoch: 6, from: 1 });
    const started = pg.step({ t: 'activated', epoch: 6, from: 2 });
    assert.deepEqual(kinds(started), ['recover', 'recover', 'state active+recovering+degraded']);
    assert.deepEqual(pg.recoveryPlan(name('b')), { pullFrom: undefined, pushTo: [2] });
    const first = started[0];
    assert.ok(first?.a === 'recover');
    assert.deepEqual(kinds(pg.step({ t: 'recovered', epoch: 6, name: first.name })), ['recover']);
  });

  test('replies from an older interval are ignored', () => {
    const pg = primary();
    const log = copy([]);
    pg.step({ t: 'interval', epoch: 5, acting: [0, 1, 2], primary: 0, probe: [1, 2], downAt: new Map(), local: log });
    pg.step({ t: 'interval', epoch: 6, acting: [0, 1], primary: 0, probe: [1], downAt: new Map([[2, 6]]), local: log });
    assert.deepEqual(pg.step({ t: 'info', epoch: 5, from: 1, log }), []);
    assert.equal(pg.state, 'peering');
  });

  test('with two of three up, the PG is active+undersized+degraded', () => {
    const pg = primary();
    const log = copy([[1, 'a']]);
    pg.step({ t: 'interval', epoch: 6, acting: [0, 1], primary: 0, probe: [1], downAt: new Map([[2, 6]]), local: log });
    pg.step({ t: 'info', epoch: 6, from: 1, log });
    pg.step({ t: 'activated', epoch: 6, from: 0 });
    pg.step({ t: 'activated', epoch: 6, from: 1 });
    assert.equal(pg.state, 'active+undersized+degraded');
  });

  test('the PG stays down when the OSDs that may have accepted newer writes are all down', () => {
    // osd.0 last activated at epoch 4; osd.3 and osd.4 went down after that and could have
    // formed an acting set (≥ min_size) that accepted writes osd.0 and osd.1 never saw.
    const pg = primary();
    const log = copy([[1, 'a']], { lastEpochStarted: 4 });
    pg.step({ t: 'interval', epoch: 9, acting: [0, 1], primary: 0, probe: [1], downAt: new Map([[3, 7], [4, 8]]), local: log });
    const out = pg.step({ t: 'info', epoch: 9, from: 1, log: copy([], { lastEpochStarted: 0 }) });
    assert.deepEqual(kinds(out), ['state down']);
    assert.equal(pg.isActive, false);
  });

  test('OSDs that went down before the newest known activation do not block it', () => {
    const pg = primary();
    const log = copy([[1, 'a']], { lastEpochStarted: 9 });
    pg.step({ t: 'interval', epoch: 12, acting: [0, 1], primary: 0, probe: [1], downAt: new Map([[3, 7], [4, 8]]), local: log });
    const out = pg.step({ t: 'info', epoch: 12, from: 1, log });
    assert.deepEqual(kinds(out), ['activate 0', 'activate 1', 'state activating']);
  });

  test('an unreachable peer counts as one that may hold newer writes', () => {
    const pg = primary();
    const log = copy([[1, 'a']], { lastEpochStarted: 4 });
    pg.step({ t: 'interval', epoch: 9, acting: [0, 1, 2], primary: 0, probe: [1, 2], downAt: new Map([[3, 8]]), local: log });
    pg.step({ t: 'query-failed', epoch: 9, from: 2 });
    assert.deepEqual(kinds(pg.step({ t: 'info', epoch: 9, from: 1, log })), ['state down']);
  });

  test('a copy from an older activation is never authoritative, even with a longer log', () => {
    // osd.0 applied (3,v2) locally but never replicated it; osd.1 and osd.2 activated at 5 without it.
    const pg = primary(1);
    const diverged = copy([[1, 'a'], [3, 'x']], { lastEpochStarted: 3 });
    const current = copy([[1, 'a']], { lastEpochStarted: 5 });
    pg.step({ t: 'interval', epoch: 8, acting: [1, 2, 0], primary: 1, probe: [0, 2], downAt: new Map(), local: current });
    pg.step({ t: 'info', epoch: 8, from: 2, log: current });
    const acts = activations(pg.step({ t: 'info', epoch: 8, from: 0, log: diverged }));
    assert.equal(acts.get(0)?.keepThrough, 1);
    assert.deepEqual(acts.get(0)?.missing, [name('x')]);
    assert.deepEqual(acts.get(1)?.missing, []);
  });

  test('a copy that is mid-backfill cannot be the authority: the PG is incomplete', () => {
    // Interval 5 went active and took writes (the partial copy took part in them).
    const pg = primary();
    const partial = copy([[1, 'a']], { lastEpochStarted: 5, lastEpochActive: 5, backfilling: true });
    pg.step({ t: 'interval', epoch: 8, acting: [0, 1], primary: 0, probe: [1], downAt: new Map([[2, 6]]), local: partial });
    assert.deepEqual(kinds(pg.step({ t: 'info', epoch: 8, from: 1, log: copy([], { lastEpochStarted: 0 }) })), ['state incomplete']);
  });

  test('a new, empty acting member behind a trimmed log is backfilled from the primary', () => {
    const pg = primary();
    const trimmed = copy([[4, 'c']], { tail: 40, lastEpochStarted: 4 });
    pg.step({ t: 'interval', epoch: 7, acting: [0, 1, 3], primary: 0, probe: [1, 3], downAt: new Map([[2, 6]]), local: trimmed });
    pg.step({ t: 'info', epoch: 7, from: 1, log: trimmed });
    const acts = pg.step({ t: 'info', epoch: 7, from: 3, log: copy([], { lastEpochStarted: 0 }) });
    assert.equal(activations(acts).get(3)?.backfill, true);
    assert.equal(activations(acts).get(3)?.logTail, 40);
    for (const osd of [0, 1, 3]) pg.step({ t: 'activated', epoch: 7, from: osd });
    // (the last 'activated' returned the backfill action; it is checked through the state here)
    assert.equal(pg.state, 'active+backfilling+degraded');
    assert.equal(pg.needsRecovery(name('zzz')), true);
    assert.deepEqual(pg.recoveryPlan(name('zzz')), { pullFrom: undefined, pushTo: [3] });
    pg.step({ t: 'recovered', epoch: 7, name: name('zzz') });
    assert.equal(pg.needsRecovery(name('zzz')), false);
    assert.deepEqual(kinds(pg.step({ t: 'backfilled', epoch: 7, target: 3 })), ['state active+clean']);
  });

  test('fewer acting members than min_size peer but do not go active', () => {
    const pg = primary();
    pg.step({ t: 'interval', epoch: 7, acting: [0], primary: 0, probe: [], downAt: new Map([[1, 6]]), local: copy([]) });
    assert.equal(pg.state, 'undersized+degraded+peered');
    assert.equal(pg.isActive, false);
  });

  test('a non-primary acting member does nothing and reports no state', () => {
    const pg = primary(1);
    assert.deepEqual(pg.step({ t: 'interval', epoch: 3, acting: [0, 1, 2], primary: 0, probe: [], downAt: new Map(), local: copy([]) }), []);
    assert.equal(pg.isPrimary, false);
    assert.equal(pg.state, '');
  });

  test('an active interval that learns of a newer one stops serving at once and ignores older news', () => {
    // osd.1 answered a newer primary's query at epoch 9 (or refused a repop of epoch 6): writes
    // acknowledged at 9 would be invisible here, and writes made here could be missed at 9.
    const pg = primary();
    const log = copy([[1, 'a']]);
    pg.step({ t: 'interval', epoch: 6, acting: [0, 1], primary: 0, probe: [1], downAt: new Map([[2, 6]]), local: log });
    pg.step({ t: 'info', epoch: 6, from: 1, log });
    pg.step({ t: 'activated', epoch: 6, from: 0 });
    pg.step({ t: 'activated', epoch: 6, from: 1 });
    assert.equal(pg.isActive, true);
    assert.deepEqual(pg.actingSet, [0, 1]);
    assert.deepEqual(pg.step({ t: 'superseded', epoch: 5, by: 9 }), [], 'news about an older interval');
    assert.deepEqual(pg.step({ t: 'superseded', epoch: 6, by: 6 }), [], 'the same interval is not newer');
    assert.equal(pg.isActive, true);
    assert.deepEqual(kinds(pg.step({ t: 'superseded', epoch: 6, by: 9 })), ['state peering']);
    assert.equal(pg.isActive, false);
    assert.equal(pg.isSuperseded, true);
    assert.deepEqual(pg.step({ t: 'superseded', epoch: 6, by: 10 }), [], 'reported once');
    assert.deepEqual(pg.step({ t: 'recovered', epoch: 6, name: name('a') }), []);
    // The next interval (the daemon peers again with the newer map) starts afresh.
    pg.step({ t: 'interval', epoch: 9, acting: [0, 1], primary: 0, probe: [1], downAt: new Map([[2, 6]]), local: log });
    assert.equal(pg.isSuperseded, false);
    assert.equal(pg.state, 'peering');
  });

  test('a replica superseding a peering that has not activated yet stops it too', () => {
    const pg = primary();
    pg.step({ t: 'interval', epoch: 6, acting: [0, 1], primary: 0, probe: [1], downAt: new Map([[2, 6]]), local: copy([]) });
    pg.step({ t: 'info', epoch: 6, from: 1, log: copy([]) });
    assert.equal(pg.state, 'activating');
    pg.step({ t: 'superseded', epoch: 6, by: 7 });
    assert.deepEqual(pg.step({ t: 'activated', epoch: 6, from: 0 }), []);
    assert.deepEqual(pg.step({ t: 'activated', epoch: 6, from: 1 }), []);
    assert.equal(pg.isActive, false);
  });

  test('an acting member that does not answer keeps the PG down instead of activating without it', () => {
    // Only osd.2 failed: one unknown is below min_size, but osd.2 is in the acting set and could
    // not be activated or told what it lacks.
    const pg = primary();
    const log = copy([[1, 'a']], { lastEpochStarted: 4 });
    pg.step({ t: 'interval', epoch: 9, acting: [0, 1, 2], primary: 0, probe: [1, 2], downAt: new Map(), local: log });
    pg.step({ t: 'query-failed', epoch: 9, from: 2 });
    assert.deepEqual(kinds(pg.step({ t: 'info', epoch: 9, from: 1, log })), ['state down']);
    assert.equal(pg.isActive, false);
  });

  test('an entry the old primary logged but never replicated (its commit failed) reaches every member next interval', () => {
    // osd.0 logged (6,v2) for b, the repop to osd.1 was refused, the client was told to resend.
    // The resend is answered from the log only after peering made b identical on every member.
    const pg = primary();
    const mine = copy([[1, 'a'], [6, 'b']], { lastEpochStarted: 6 });
    const theirs = copy([[1, 'a']], { lastEpochStarted: 6 });
    pg.step({ t: 'interval', epoch: 8, acting: [0, 1], primary: 0, probe: [1], downAt: new Map([[2, 7]]), local: mine });
    const acts = activations(pg.step({ t: 'info', epoch: 8, from: 1, log: theirs }));
    assert.equal(acts.get(1)?.keepThrough, 1);
    assert.deepEqual(acts.get(1)?.entries.map((e) => e.oid), ['b']);
    assert.deepEqual(acts.get(1)?.missing, [name('b')]);
    pg.step({ t: 'activated', epoch: 8, from: 0 });
    pg.step({ t: 'activated', epoch: 8, from: 1 });
    assert.equal(pg.needsRecovery(name('b')), true);
    assert.deepEqual(pg.recoveryPlan(name('b')), { pullFrom: undefined, pushTo: [1] });
  });

  test('an activation that never completed on a copy being backfilled does not hide the older authority', () => {
    // Interval 14 activated osd.2 as a backfill target, but osd.1 refused its activation, so 14
    // never went active and took no writes: the copies of interval 12 are still authoritative.
    const pg = primary(2);
    const partial = copy([], { tail: 2, lastEpochStarted: 14, backfilling: true });
    const current = copy([[12, 'a'], [12, 'b']], { lastEpochStarted: 12, lastEpochActive: 12 });
    pg.step({ t: 'interval', epoch: 20, acting: [2, 1, 0], primary: 2, probe: [1, 0], downAt: new Map(), local: partial });
    pg.step({ t: 'info', epoch: 20, from: 1, log: current });
    const acts = activations(pg.step({ t: 'info', epoch: 20, from: 0, log: current }));
    assert.equal(pg.state, 'activating');
    assert.equal(acts.get(2)?.backfill, true);
    assert.equal(acts.get(1)?.backfill, false);
    for (const osd of [2, 1, 0]) pg.step({ t: 'activated', epoch: 20, from: osd });
    assert.deepEqual(pg.recoveryPlan(name('a')), { pullFrom: 1, pushTo: [] });
  });
});
