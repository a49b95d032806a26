// Issue 5, end to end with real processes: the simulator's model workload runs against a local
// cluster while OSDs are SIGKILLed and restarted one at a time (size 3, min_size 2). Every read
// is checked against the acknowledged history as it returns; at the end every object is read
// back, and the stopped OSDs' stores are compared replica against replica and against the model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runThrash } from '../thrash/thrasher.js';

/** Thrash time; with start-up, the last recovery and the checks the test stays near a minute. */
const THRASH_MS = 40_000;
const SEED = 5;

test('killing and restarting random OSDs under a model workload loses no acknowledged write and leaves identical replicas', async (t) => {
  const result = await runThrash({
    seed: SEED,
    thrash_ms: THRASH_MS,
    objects: 16,
    concurrency: 8,
    downMin_ms: 200,
    downMax_ms: 2_500,
    pauseMin_ms: 300,
    pauseMax_ms: 1_500,
    recoveryTimeout_ms: 30_000,
  });
  t.diagnostic(JSON.stringify(result.summary));
  const report = (): string =>
    `seed ${SEED}: ${JSON.stringify(result.summary)}\n${result.violations.join('\n')}\n--- last events\n` +
    result.milestones.slice(-40).join('\n');
  assert.deepEqual(result.violations, [], report());
  assert.equal(result.summary.lost, 0, report());
  assert.ok(result.summary.kills >= 3, `at least three kill/restart cycles completed\n${report()}`);
  assert.ok(result.summary.acknowledged > 0 && result.summary.objectsChecked > 0, report());
  assert.equal(result.kills.length, result.summary.kills);
});
