import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBench, stats, type BenchOptions } from './bench-cmd.js';
import { memoryIo } from './cli-io.js';
import type { IoCtx } from '../client/ioctx.js';

/** A 4 KiB write run with two in flight, its objects left in place. */
const WRITE_4K: BenchOptions = { seconds: 1, mode: 'write', opSize: 4096, objectSize: 4096, concurrency: 2, maxObjects: 0, cleanup: false, runName: 'm', json: false };

/** An IoCtx whose writes take `delay_ms(n)` for the n-th write (from 1); nothing is stored. */
function writesTaking(delay_ms: (call: number) => number): IoCtx {
  let calls = 0;
  const writeFull = async (): Promise<void> => {
    calls += 1;
    await new Promise((r) => setTimeout(r, delay_ms(calls)));
  };
  return { writeFull, write: writeFull } as unknown as IoCtx;
}


test('bench statistics cope with a long 4 KiB run: a million latencies, no stack overflow', () => {
  const values = Array.from({ length: 1_000_000 }, (_, i) => (i % 1000) / 1000);
  const s = stats(values);
  assert.equal(s.max, 0.999);
  assert.equal(s.min, 0);
  assert.ok(Math.abs(s.avg - 0.4995) < 1e-9);
});

test('bench statistics use the sample standard deviation, like Ceph', () => {
  const s = stats([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(s.avg, 5);
  assert.ok(Math.abs(s.stddev - Math.sqrt(32 / 7)) < 1e-12);
  assert.deepEqual(stats([]), { avg: 0, stddev: 0, max: 0, min: 0 });
});

test('a second in which no op finished prints 0 and -, and the next row spreads its ops over both seconds, as Ceph does', async () => {
  // The first write takes 1.3 s, so the row at 1 s sees nothing finish.
  const io = memoryIo();
  const r = await runBench(writesTaking((call) => (call === 1 ? 1300 : 20)), { ...WRITE_4K, seconds: 2, concurrency: 1 }, io);
  const rows = io.out().split('\n').filter((l) => /^ {4}[12] /.test(l));
  assert.equal(rows.length, 2, io.out());
  assert.match(rows[0] ?? '', /^ {4}1 +1 +1 +0 +0 +0 +- +0$/);
  // Row 2: the ops that finished between 1.3 s and 2 s, per second over the two quiet seconds.
  const [, , , finished, , curBw] = (rows[1] ?? '').trim().split(/\s+/);
  assert.ok(Number(finished) > 1);
  assert.ok(Math.abs(Number(curBw) - (Number(finished) * 4096) / (1024 * 1024) / 2) < 1e-3, rows[1]);
  assert.equal(r.minBandwidth, 0);
});

test('every 20 rows the table repeats its header after a line of the latencies so far, as Ceph does', async () => {
  const io = memoryIo();
  // A clock 100x faster than real time: 21 bench seconds in ~0.2 s. Rows whose timer has not
  // fired by the end are printed then, as rows that fell due before the last op completed.
  const t0 = performance.now();
  const now = (): number => ((performance.now() - t0) / 1000) * 100;
  await runBench(writesTaking(() => 1), { ...WRITE_4K, seconds: 21, now }, io);
  const lines = io.out().split('\n');
  const at = lines.findIndex((l) => /^ {3}20 /.test(l));
  assert.ok(at > 0, io.out());
  assert.match(lines[at - 2] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4} min lat: [\d.e-]+ max lat: [\d.e-]+ avg lat: [\d.e-]+$/);
  assert.equal(lines[at - 1], '  sec Cur ops   started  finished  avg MB/s  cur MB/s last lat(s)  avg lat(s)');
  assert.ok(lines.some((l) => /^ {3}21 /.test(l)));
});

test('--show-time puts the local time before the lines Ceph\'s bencher starts, not before hints or the summary\'s later lines', async () => {
  const io = memoryIo();
  await runBench(writesTaking(() => 1), { ...WRITE_4K, seconds: 0, showTime: true }, io);
  const stamped = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4} /;
  const lines = io.out().split('\n');
  assert.equal(lines[0], 'hints = 1');
  for (const start of ['Maintaining 2 concurrent', 'Object prefix: ', '  sec Cur ops', '    0       0', 'Total time run:']) {
    const line = lines.find((l) => l.replace(stamped, '').startsWith(start));
    assert.match(line ?? '', stamped, start);
  }
  assert.ok(lines.some((l) => l.startsWith('Total writes made:')), io.out());
});
