// `rados bench SECONDS write|seq|rand` with Ceph's flags, per-second table and summary, plus
// latency percentiles (p50/p99/p99.9) that Ceph's tool lacks. `cleanup` removes what a write
// run left behind (found through the run's metadata object, as in Ceph).
import { hostname } from 'node:os';
import { RadosError } from '../core/errors.js';
import { invariant } from '../core/assert.js';
import type { IoCtx } from '../client/ioctx.js';
import type { CliIo } from './cli-io.js';
import { utime } from './format.js';

export interface BenchOptions {
  readonly seconds: number;
  readonly mode: 'write' | 'seq' | 'rand';
  readonly opSize: number;
  readonly objectSize: number;
  readonly concurrency: number;
  readonly maxObjects: number;
  readonly cleanup: boolean;
  readonly runName: string;
  readonly json: boolean;
  /** Ceph's --no-hints sets this false: it only changes the first line ("hints = 0"). */
  readonly hints?: boolean;
  /** Ceph's --reuse-bench: a write run rewrites the objects of the run named by the metadata. */
  readonly reuseBench?: boolean;
  /** Ceph's --show-time: the lines Ceph's bencher starts itself begin with the local time. */
  readonly showTime?: boolean;
  /** Ceph's --no-verify sets this false: reads are not compared with what the write run wrote. */
  readonly verify?: boolean;
  /** Monotonic clock in seconds (injected so tests can drive it). */
  readonly now?: () => number;
}

export interface BenchResult {
  readonly mode: string;
  readonly totalTime_s: number;
  readonly ops: number;
  readonly opSize: number;
  readonly objectSize: number;
  readonly bandwidth_MBps: number;
  readonly stddevBandwidth: number;
  readonly maxBandwidth: number;
  readonly minBandwidth: number;
  readonly averageIops: number;
  readonly stddevIops: number;
  readonly maxIops: number;
  readonly minIops: number;
  readonly avgLatency_s: number;
  readonly stddevLatency_s: number;
  readonly maxLatency_s: number;
  readonly minLatency_s: number;
  readonly p50Latency_s: number;
  readonly p99Latency_s: number;
  readonly p999Latency_s: number;
}

const DEFAULT_RUN_NAME = 'benchmark_last_metadata';
const MB = 1024 * 1024;

/** C++ ostream default float output: 6 significant digits, %g rules. */
export function fmtG(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -5 || exp >= precision) {
    const [m, e] = x.toExponential(precision - 1).split('e');
    const mant = (m ?? '').includes('.') ? (m ?? '').replace(/0+$/, '').replace(/\.$/, '') : (m ?? '');
    const en = Number(e);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const s = x.toPrecision(precision);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** Mean, sample standard deviation (n - 1, as Ceph), max and min of a run's samples. */
export function stats(values: readonly number[]): { avg: number; stddev: number; max: number; min: number } {
  if (values.length === 0) return { avg: 0, stddev: 0, max: 0, min: 0 };
  const avg = values.reduce((a, b) => a + b, 0) / values.length;
  // Ceph reports the sample standard deviation (n - 1).
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - avg) ** 2, 0) / (values.length - 1) : 0;
  // A loop, not Math.max(...values): a long 4 KiB run records more latencies than the stack holds.
  let max = -Infinity;
  let min = Infinity;
  for (const v of values) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  return { avg, stddev: Math.sqrt(variance), max, min };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)] ?? 0;
}

function objectName(prefix: string, i: number): string {
  return `${prefix}_object${i}`;
}

interface Metadata {
  prefix: string;
  objects: number;
  objectSize: number;
  opSize: number;
}

function encodeMeta(m: Metadata): Buffer {
  return Buffer.from(JSON.stringify(m));
}

/** The run's metadata object; without one, Ceph's `missing` line on stderr and ENOENT. */
async function readMetadata(ioctx: IoCtx, runName: string, io: CliIo, missing: string): Promise<Metadata> {
  try {
    return JSON.parse((await ioctx.read(runName)).toString()) as Metadata;
  } catch (err) {
    if (RadosError.is(err) && err.code === 'ENOENT') io.stderr(missing);
    throw err;
  }
}

/** Runs one bench; prints Ceph's table to io.stdout; returns the figures. */
export async function runBench(ioctx: IoCtx, opts: BenchOptions, io: CliIo): Promise<BenchResult> {
  const now = opts.now ?? (() => performance.now() / 1000);
  const out = (s: string): void => io.stdout(s);
  // The time prefix of --show-time, on the lines Ceph's bencher starts (not on "hints", which
  // the rados tool prints, nor on the summary's later lines, which continue one statement).
  const stamp = (): string => {
    if (opts.showTime !== true) return '';
    const wall = Date.now();
    return `${utime(Math.floor(wall / 1000), (wall % 1000) * 1e6)} `;
  };
  out(`hints = ${opts.hints === false ? 0 : 1}\n`);
  let prefix: string;
  let objects = 0;
  let opSize = opts.opSize;
  let objectSize = opts.objectSize;
  if (opts.mode === 'write') {
    prefix = objectPrefix(process.pid);
    if (opts.reuseBench === true) {
      // Ceph reuses the earlier run's object names and sizes.
      const meta = await readMetadata(ioctx, opts.runName, io, 'Must write data before using reuse_bench for a write benchmark!\n');
      prefix = meta.prefix;
      opSize = meta.opSize;
      objectSize = meta.objectSize;
    }
    if (!opts.json) {
      out(
        `${stamp()}Maintaining ${opts.concurrency} concurrent writes of ${opSize} bytes to objects of size ${objectSize} for up to ${opts.seconds} seconds or ${opts.maxObjects} objects\n`,
      );
      out(`${stamp()}Object prefix: ${prefix}\n`);
    }
  } else {
    const meta = await readMetadata(ioctx, opts.runName, io, 'Must write data before running a read benchmark!\n');
    prefix = meta.prefix;
    objects = meta.objects;
    opSize = meta.opSize;
    objectSize = meta.objectSize;
  }

  const latencies: number[] = [];
  const perSecondOps: number[] = [];
  const start = now();
  const deadline = start + opts.seconds;
  let started = 0;
  let finished = 0;
  let lastLat = 0;
  let latencySum = 0;
  let failed: unknown;
  let errors = 0;
  const opsPerObject = Math.max(1, Math.floor(objectSize / opSize));
  // Counted as Ceph 16's bench counts: it starts its first `concurrency` ops before it looks at
  // the clock or at --max-objects, then starts one op per completion while time is left, and
  // checks --max-objects after each of those. So 0 seconds is exactly one round of
  // `concurrency` ops, and a --max-objects run makes at least concurrency + 1 writes.
  const available = opts.mode === 'seq' ? objects * opsPerObject : Infinity;
  const writeLimit = opts.maxObjects > 0 ? Math.max(Math.ceil((objectSize * opts.maxObjects) / opSize), opts.concurrency + 1) : Infinity;
  const totalOps =
    opts.seconds === 0 ? Math.min(opts.concurrency, available) : opts.mode === 'write' ? writeLimit : available;
  const firstRound = Math.min(opts.concurrency, totalOps);
  let rngState = 0x9e3779b9 ^ process.pid;
  const rand = (n: number): number => {
    rngState ^= rngState << 13;
    rngState ^= rngState >>> 17;
    rngState ^= rngState << 5;
    return (rngState >>> 0) % n;
  };

  const table = !opts.json;
  const header = '  sec Cur ops   started  finished  avg MB/s  cur MB/s last lat(s)  avg lat(s)\n';
  if (table) out(stamp() + header);
  const row = (sec: number, cur: number, avgBw: number, curBw: number, last: string, avgLat: number): string =>
    `${String(sec).padStart(5)}${String(cur).padStart(8)}${String(started).padStart(10)}${String(finished).padStart(10)}` +
    `${fmtG(avgBw).padStart(10)}${fmtG(curBw).padStart(10)}${last.padStart(12)}${fmtG(avgLat).padStart(12)}\n`;
  if (table) out(stamp() + row(0, 0, 0, 0, '-', 0));
  // Ceph's JSON has the same row 0 as its table.
  const datas: Array<Record<string, string>> = [
    { sec: '0', cur_ops: '0', started: '0', finished: '0', avg_bw: '0.000000', cur_bw: '0.000000', last_lat: '0.000000', avg_lat: '0.000000' },
  ];
  let lastTickFinished = 0;
  let sec = 0;
  // Seconds since a row last saw an op finish: like Ceph, a row where none did shows 0 and '-',
  // and the next row that sees some spreads them over the quiet seconds.
  let quietSeconds = 0;
  const tick = (): void => {
    sec++;
    quietSeconds++;
    const done = finished - lastTickFinished;
    const opsPerSec = done / quietSeconds;
    perSecondOps.push(opsPerSec);
    const elapsed = now() - start;
    const avgBw = (finished * opSize) / MB / elapsed;
    const curBw = (opsPerSec * opSize) / MB;
    const avgLat = finished > 0 ? latencySum / finished : 0;
    const changed = done > 0;
    if (changed) {
      lastTickFinished = finished;
      quietSeconds = 0;
    }
    if (table) {
      if (sec % 20 === 0) {
        // Ceph repeats the header every 20 rows, after a line with the latencies so far (its
        // minimum starts at 9999 before any op has finished).
        const wall = Date.now();
        const soFar = stats(latencies);
        out(`${utime(Math.floor(wall / 1000), (wall % 1000) * 1e6)} min lat: ${fmtG(finished > 0 ? soFar.min : 9999)} max lat: ${fmtG(soFar.max)} avg lat: ${fmtG(avgLat)}\n`);
        out(stamp() + header);
      }
      out(stamp() + (changed ? row(sec, started - finished, avgBw, curBw, fmtG(lastLat), avgLat) : row(sec, started - finished, avgBw, 0, '-', avgLat)));
    }
    datas.push({
      sec: String(sec), cur_ops: String(started - finished), started: String(started), finished: String(finished), avg_bw: avgBw.toFixed(6),
      cur_bw: (changed ? curBw : 0).toFixed(6), last_lat: (changed ? lastLat : 0).toFixed(6), avg_lat: avgLat.toFixed(6),
    });
  };
  // Ceph's status printer wakes once a second and prints a row while the run lasts. The rows
  // here are due at whole seconds from the start (a timer per row, not an interval that drifts),
  // and a row that fell due before the last op completed is printed even if its timer is late.
  let ticker: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    ticker = setTimeout(() => {
      tick();
      schedule();
    }, Math.max(0, (sec + 1 - (now() - start)) * 1000));
  };
  schedule();

  const verify = opts.verify !== false;
  const worker = async (): Promise<void> => {
    // Each slot has buffers of its own, reused op after op, as Ceph's bench keeps one bufferlist
    // per slot: a write's data, or a read's, which lands there straight from the socket, and
    // what that read should find.
    const data = Buffer.alloc(opSize, 'z');
    const into = opts.mode === 'write' ? undefined : Buffer.allocUnsafeSlow(opSize);
    while (failed === undefined && started < totalOps && (started < firstRound || now() < deadline)) {
      const n = started++;
      const t0 = now();
      try {
        if (opts.mode === 'write') {
          const obj = Math.floor(n / opsPerObject);
          const off = (n % opsPerObject) * opSize;
          markOp(data, n);
          if (off === 0) await ioctx.writeFull(objectName(prefix, obj), data);
          else await ioctx.write(objectName(prefix, obj), data, off);
          objects = Math.max(objects, obj + 1);
        } else {
          const idx = opts.mode === 'seq' ? n : rand(objects * opsPerObject);
          const obj = Math.floor(idx / opsPerObject);
          const off = (idx % opsPerObject) * opSize;
          invariant(into !== undefined, 'read slots have a buffer');
          const name = objectName(prefix, obj);
          const read = await ioctx.readInto(name, into, { offset: off });
          // After the latency is taken, as in Ceph: the comparison is not part of the op.
          lastLat = now() - t0;
          if (verify) {
            markOp(data, idx);
            if (read !== opSize || !into.equals(data)) {
              io.stderr(`${name} is not correct!\n`);
              errors++;
            }
          }
        }
      } catch (err) {
        failed = err;
        return;
      }
      if (opts.mode === 'write') lastLat = now() - t0;
      latencies.push(lastLat);
      latencySum += lastLat;
      finished++;
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
  } finally {
    clearTimeout(ticker);
  }
  if (failed !== undefined) throw failed;
  const total = now() - start;
  while (sec + 1 <= total) tick();
  // As in Ceph, the per-second figures come from the rows; a run too short for any row
  // (a seq pass over few objects) is one sample of everything it did.
  if (perSecondOps.length === 0) perSecondOps.push(finished);
  const bw = stats(perSecondOps.map((o) => (o * opSize) / MB));
  // Ceph keeps each second's IOPS as an int.
  const iops = stats(perSecondOps.map((o) => Math.trunc(o)));
  const lat = stats(latencies);
  const sorted = [...latencies].sort((a, b) => a - b);
  const result: BenchResult = {
    mode: opts.mode,
    totalTime_s: total,
    ops: finished,
    opSize,
    objectSize,
    bandwidth_MBps: (finished * opSize) / MB / total,
    stddevBandwidth: bw.stddev,
    maxBandwidth: bw.max,
    minBandwidth: bw.min,
    // (int) in Ceph: truncated, not rounded.
    averageIops: Math.trunc(finished / total),
    stddevIops: iops.stddev,
    maxIops: iops.max,
    minIops: iops.min,
    avgLatency_s: lat.avg,
    stddevLatency_s: lat.stddev,
    maxLatency_s: lat.max,
    minLatency_s: lat.min,
    p50Latency_s: percentile(sorted, 50),
    p99Latency_s: percentile(sorted, 99),
    p999Latency_s: percentile(sorted, 99.9),
  };

  if (opts.mode === 'write') {
    await ioctx.writeFull(opts.runName, encodeMeta({ prefix, objects, objectSize, opSize }));
  }
  if (opts.json) {
    // Ceph's field order, and its fields per mode: a write run opens with its parameters and
    // repeats object_size after write_size; read runs have no bandwidth spread or latency
    // stddev. p50/p99/p99.9 are Sepia's additions.
    const write = opts.mode === 'write';
    const fields: Array<[string, unknown]> = [
      ...(write
        ? ([
            ['concurrent_ios', String(opts.concurrency)],
            ['object_size', String(objectSize)],
            ['op_size', String(opSize)],
            ['seconds_to_run', String(opts.seconds)],
            ['max_objects', String(opts.maxObjects)],
            ['object_prefix', prefix],
          ] as Array<[string, unknown]>)
        : []),
      ['datas', datas],
      ['total_time_run', total.toFixed(6)],
      [write ? 'total_writes_made' : 'total_reads_made', String(finished)],
      [write ? 'write_size' : 'read_size', String(opSize)],
      ['object_size', String(objectSize)],
      ['bandwidth', result.bandwidth_MBps.toFixed(6)],
      ...(write
        ? ([
            ['stddev_bandwidth', bw.stddev.toFixed(6)],
            ['max_bandwidth', bw.max.toFixed(6)],
            ['min_bandwidth', bw.min.toFixed(6)],
          ] as Array<[string, unknown]>)
        : []),
      ['average_iops', String(result.averageIops)],
      ['stddev_iops', iops.stddev.toFixed(6)],
      ['max_iops', String(iops.max)],
      ['min_iops', String(iops.min)],
      ['average_latency', lat.avg.toFixed(6)],
      ...(write ? ([['stddev_latency', lat.stddev.toFixed(6)]] as Array<[string, unknown]>) : []),
      ['max_latency', lat.max.toFixed(6)],
      ['min_latency', lat.min.toFixed(6)],
      ['p50_latency', result.p50Latency_s.toFixed(6)],
      ['p99_latency', result.p99Latency_s.toFixed(6)],
      ['p999_latency', result.p999Latency_s.toFixed(6)],
    ];
    out(`{${fields.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}\n`);
  } else if (opts.mode === 'write') {
    const l = (k: string, v: string): void => out(`${k.padEnd(24)}${v}\n`);
    out(stamp());
    l('Total time run:', fmtG(total));
    l('Total writes made:', String(finished));
    l('Write size:', String(opSize));
    l('Object size:', String(objectSize));
    l('Bandwidth (MB/sec):', fmtG(result.bandwidth_MBps));
    l('Stddev Bandwidth:', fmtG(bw.stddev));
    l('Max bandwidth (MB/sec):', fmtG(bw.max));
    l('Min bandwidth (MB/sec):', fmtG(bw.min));
    l('Average IOPS:', String(result.averageIops));
    l('Stddev IOPS:', fmtG(iops.stddev));
    l('Max IOPS:', String(iops.max));
    l('Min IOPS:', String(iops.min));
    l('Average Latency(s):', fmtG(lat.avg));
    l('Stddev Latency(s):', fmtG(lat.stddev));
    l('Max latency(s):', fmtG(lat.max));
    l('Min latency(s):', fmtG(lat.min));
    l('p50 latency(s):', fmtG(result.p50Latency_s));
    l('p99 latency(s):', fmtG(result.p99Latency_s));
    l('p99.9 latency(s):', fmtG(result.p999Latency_s));
  } else {
    const l = (k: string, v: string): void => out(`${k.padEnd(22)}${v}\n`);
    out(stamp());
    l('Total time run:', fmtG(total));
    l('Total reads made:', String(finished));
    l('Read size:', String(opSize));
    l('Object size:', String(objectSize));
    l('Bandwidth (MB/sec):', fmtG(result.bandwidth_MBps));
    l('Average IOPS:', String(result.averageIops));
    l('Stddev IOPS:', fmtG(iops.stddev));
    l('Max IOPS:', String(iops.max));
    l('Min IOPS:', String(iops.min));
    l('Average Latency(s):', fmtG(lat.avg));
    l('Max latency(s):', fmtG(lat.max));
    l('Min latency(s):', fmtG(lat.min));
    l('p50 latency(s):', fmtG(result.p50Latency_s));
    l('p99 latency(s):', fmtG(result.p99Latency_s));
    l('p99.9 latency(s):', fmtG(result.p999Latency_s));
  }
  if (opts.mode === 'write' && opts.cleanup) {
    if (!opts.json) out(`${stamp()}Cleaning up (deleting benchmark objects)\n`);
    const t0 = now();
    const removed = (await removeRun(ioctx, opts.runName, opts.concurrency)) ?? 0;
    if (!opts.json) {
      if (removed > 0) out(stamp() + removedText(removed));
      out(`${stamp()}Clean up completed and total clean up time :${fmtG(now() - t0)}\n`);
    }
  }
  // As Ceph's seq and rand runs: the summary stands, and the run fails if any read was wrong.
  if (errors > 0) throw RadosError.from('EIO', `${errors} reads did not return what the write run wrote`);
  return result;
}

/**
 * What op `n` of a write run writes, as Ceph's bench does: "I'm the <n, 16 wide>th op!" and a
 * NUL (cut to the op size as snprintf cuts), over the slot's 'z' filler. Reads compare with it.
 */
function markOp(buf: Buffer, n: number): void {
  if (buf.length === 0) return;
  const text = `I'm the ${String(n).padStart(16)}th op!`;
  const k = Math.min(text.length, buf.length - 1);
  buf.write(text.slice(0, k), 0, 'latin1');
  buf[k] = 0;
}

/** Every bench object name starts with this (Ceph checks --prefix against it). */
export const BENCH_PREFIX = 'benchmark_data';

/** Ceph's object prefix: `benchmark_data_<host>_<pid>`, the host name cut to 29 bytes as gethostname into char[30]. */
function objectPrefix(pid: number): string {
  return `${hostPrefix()}_${pid}`;
}

function hostPrefix(): string {
  return `${BENCH_PREFIX}_${hostname().slice(0, 29)}`;
}

function removedText(n: number): string {
  return `Removed ${n} object${n !== 1 ? 's' : ''}\n`;
}

/** Removes every name, `concurrency` at a time; a name already gone counts as removed (as in Ceph). */
async function removeAll(ioctx: IoCtx, names: readonly string[], concurrency: number): Promise<number> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, names.length)) }, async () => {
      for (;;) {
        const name = names[next++];
        if (name === undefined) return;
        try {
          await ioctx.remove(name);
        } catch (err) {
          if (!(RadosError.is(err) && err.code === 'ENOENT')) throw err;
        }
      }
    }),
  );
  return names.length;
}

/**
 * Removes the objects a run's metadata names, then the metadata. Returns how many removes were
 * made, or undefined when the run has no metadata.
 */
export async function removeRun(ioctx: IoCtx, runName: string, concurrency: number): Promise<number | undefined> {
  let meta: Metadata;
  try {
    meta = JSON.parse((await ioctx.read(runName)).toString()) as Metadata;
  } catch (err) {
    if (RadosError.is(err) && err.code === 'ENOENT') return undefined;
    throw err;
  }
  const names = Array.from({ length: meta.objects }, (_, i) => objectName(meta.prefix, i));
  const removed = await removeAll(ioctx, names, concurrency);
  await ioctx.remove(runName).catch(() => undefined);
  return removed;
}

/**
 * `rados cleanup`, as Ceph 16 does it: only when some object starts with the prefix (--prefix,
 * else `benchmark_data_<host>`), it removes the run named by the metadata object if there is one,
 * else every object with the prefix ("slow linear search"). Prints what it removed.
 */
export async function cleanupRun(ioctx: IoCtx, runName: string, prefix: string | undefined, concurrency: number, io: CliIo): Promise<void> {
  const out = (t: string): void => io.stdout(t);
  const wanted = prefix ?? hostPrefix();
  if (!wanted.startsWith(BENCH_PREFIX)) {
    io.stderr(`Specified --prefix invalid, it must begin with "${BENCH_PREFIX}"\n`);
    throw RadosError.from('EINVAL', `--prefix ${wanted}`);
  }
  let hasMetadata = false;
  const matching: string[] = [];
  for await (const o of ioctx.listObjects()) {
    if (o.name === runName) hasMetadata = true;
    if (o.name.startsWith(wanted)) matching.push(o.name);
  }
  if (matching.length === 0) return;
  if (hasMetadata) {
    const removed = await removeRun(ioctx, runName, concurrency);
    if (removed !== undefined && removed > 0) out(removedText(removed));
    return;
  }
  out('Warning: using slow linear search\n');
  out(removedText(await removeAll(ioctx, matching, concurrency)));
}

export const BENCH_DEFAULTS = { opSize: 4 * MB, concurrency: 16, runName: DEFAULT_RUN_NAME };
