import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecvThrottle } from './throttle.js';
import { InvariantError } from '../core/assert.js';

test('taking past the cap asks to pause, and releasing below it resumes every paused connection once', () => {
  const throttle = new RecvThrottle(100);
  const resumed: string[] = [];
  const a = (): void => void resumed.push('a');
  const b = (): void => void resumed.push('b');
  assert.equal(throttle.take(60, a), false);
  assert.equal(throttle.take(60, a), true);
  assert.equal(throttle.take(10, b), true);
  throttle.release(10);
  assert.deepEqual(resumed, []); // 120 > 100: still over
  throttle.release(60);
  assert.deepEqual(resumed, ['a', 'b']);
  assert.equal(throttle.unreplied_bytes, 60);
  throttle.release(60);
  assert.deepEqual(resumed, ['a', 'b']);
});

test('a forgotten connection is not resumed, and over-release is an invariant failure', () => {
  const throttle = new RecvThrottle(10);
  let resumed = false;
  const resume = (): void => void (resumed = true);
  assert.equal(throttle.take(20, resume), true);
  throttle.forget(resume);
  throttle.release(20);
  assert.equal(resumed, false);
  assert.throws(() => throttle.release(1), InvariantError);
});
