// `npm run bench`: the whole suite on a fresh local cluster (3 OSDs, size 3), plus this machine's
// physical limits measured in the same run. Writes bench/results/<date>.json and a Markdown table.
// `--quick` (CI) runs every figure briefly and only checks that each is produced and sane.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCluster, stopLocalCluster, listDaemons } from '../src/cli/local-cluster.js';
import { Rados } from '../src/client/rados.js';
import { runBench, removeRun, type BenchResult } from '../src/cli/bench-cmd.js';
import { memoryIo } from '../src/cli/cli-io.js';
import { fdatasyncRate, directWriteMBps, loopbackMBps } from './limits.js';
import { benchCrush } from './crush.js';
import { benchLua, benchLuaInProcess } from './lua.js';
import { benchThumbs } from './thumbs.js';

interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly limit?: string;
  readonly ratio?: number;
}

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 2 : 30;
const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '..', '..');

function procStatus_MiB(pid: number, field: 'VmHWM' | 'RssAnon' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples each OSD's anonymous resident memory (heap, buffers) while the suite runs. lmdb's
 * mmap'd file pages also count in VmRSS but are page cache the kernel can drop, so both are
 * reported: the peak of RssAnon and the kernel's own VmHWM (peak total RSS).
 */
class MemorySampler {
  /** Peak per phase ("4 MiB write", ...) and OSD, so a peak over the limit names its phase. */
  readonly phasePeaks = new Map<string, Map<string, number>>();
  private phase = 'start';
  private readonly timer: ReturnType<typeof setInterval>;
  constructor(private readonly daemons: () => Array<{ name: string; pid: number | undefined }>) {
    this.timer = setInterval(() => this.sample(), 250);
  }
  /** Samples once more for the phase that ends, then charges later samples to `name`. */
  enter(name: string): void {
    this.sample();
    this.phase = name;
  }
  sample(): void {
    let peaks = this.phasePeaks.get(this.phase);
    if (peaks === undefined) this.phasePeaks.set(this.phase, (peaks = new Map()));
    for (const d of this.daemons()) {
      if (!d.pid || !d.name.startsWith('osd.')) continue;
      peaks.set(d.name, Math.max(peaks.get(d.name) ?? 0, procStatus_MiB(d.pid, 'RssAnon')));
    }
  }
  /** Each OSD's peak over the whole run: the highest of its phase peaks. */
  stop(): Map<string, number> {
    clearInterval(this.timer);
    this.sample();
    const peakAnon = new Map<string, number>();
    for (const peaks of this.phasePeaks.values()) {
      for (const [osd, mib] of peaks) peakAnon.set(osd, Math.max(peakAnon.get(osd) ?? 0, mib));
    }
    return peakAnon;
  }
}

async function omapBench(rados: Rados, seconds: number): Promise<{ setPerSec: number; getPerSec: number }> {
  const io = rados.ioctx('bench');
  const value = Buffer.alloc(1024, 'v');
  const CONCURRENCY = 16;
  const run = async (fn: (i: number) => Promise<void>): Promise<number> => {
    const end = performance.now() + seconds * 1000;
    let n = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        while (performance.now() < end) {
          await fn(w * 1_000_000 + n++);
        }
      }),
    );
    return n / seconds;
  };
  const setPerSec = await run((i) => io.omapSet(`omap-${i % 64}`, { [`k${i}`]: value }));
  const getPerSec = await run((i) => io.omapGetValsByKeys(`omap-${i % 64}`, [`k${i}`]).then(() => undefined));
  return { setPerSec, getPerSec };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sepia-bench-'));
  const confPath = join(dir, 'sepia.conf');
  const figures: Figure[] = [];
  /** Phase → OSD → peak anonymous RSS in MiB during that phase. */
  const memoryByPhase: Record<string, Record<string, number>> = {};
  const add = (f: Figure): void => {
    figures.push(f);
    process.stderr.write(`${f.name}: ${f.value.toFixed(1)} ${f.unit}${f.ratio !== undefined ? ` (${(f.ratio * 100).toFixed(0)}% of ${f.limit})` : ''}\n`);
  };
  try {
    const fsyncs = fdatasyncRate(dir, quick ? 500 : 3000);
    const disk = directWriteMBps(dir, quick ? 64 : 512);
    const tcp = await loopbackMBps(quick ? 256 : 2048);
    add({ name: 'limit: 4 KiB append+fdatasync', value: fsyncs, unit: 'ops/s' });
    add({ name: 'limit: 4 MiB O_DIRECT write', value: disk, unit: 'MB/s' });
    add({ name: 'limit: loopback TCP', value: tcp, unit: 'MB/s' });

    const t0 = performance.now();
    await startLocalCluster({ dataDir: join(dir, 'data'), confPath, numOsds: 3, monPort: 0, extraConf: { log_level: 'warn' } });
    add({ name: 'sepia start to active+clean (fresh dir)', value: (performance.now() - t0) / 1000, unit: 's' });
    const sampler = new MemorySampler(() => listDaemons(confPath));
    const rados = await Rados.connect({ conf: confPath });
    await rados.createPool('bench');
    const io = rados.ioctx('bench');
    const MiB = 1024 * 1024;
    const bench = async (mode: 'write' | 'seq' | 'rand', opSize: number): Promise<BenchResult> => {
      sampler.enter(`${opSize >= MiB ? `${opSize / MiB} MiB` : `${opSize / 1024} KiB`} ${mode}`);
      return runBench(io, { seconds: SECONDS, mode, opSize, objectSize: opSize, concurrency: 16, maxObjects: 0, cleanup: false, runName: `run-${opSize}`, json: false }, memoryIo());
    };
    const w4m = await bench('write', 4 * MiB);
    add({ name: '4 MiB write', value: w4m.bandwidth_MBps, unit: 'MB/s', limit: 'disk/3 (3 replicas, one disk)', ratio: w4m.bandwidth_MBps / (disk / 3) });
    const s4m = await bench('seq', 4 * MiB);
    add({ name: '4 MiB seq read', value: s4m.bandwidth_MBps, unit: 'MB/s', limit: 'loopback TCP', ratio: s4m.bandwidth_MBps / tcp });
    const r4m = await bench('rand', 4 * MiB);
    add({ name: '4 MiB rand read', value: r4m.bandwidth_MBps, unit: 'MB/s', limit: 'loopback TCP', ratio: r4m.bandwidth_MBps / tcp });
    // As a user runs it: `rados bench write --no-cleanup; seq; rand; rados cleanup`, then the small-op runs.
    sampler.enter('cleanup');
    await removeRun(io, `run-${4 * MiB}`, 16);
    const w4k = await bench('write', 4096);
    add({ name: '4 KiB write', value: w4k.averageIops, unit: 'IOPS', limit: 'fdatasync/s', ratio: w4k.averageIops / fsyncs });
    add({ name: '4 KiB write p99 latency', value: w4k.p99Latency_s * 1000, unit: 'ms' });
    const r4k = await bench('rand', 4096);
    add({ name: '4 KiB rand read', value: r4k.averageIops, unit: 'IOPS' });
    add({ name: '4 KiB rand read p99 latency', value: r4k.p99Latency_s * 1000, unit: 'ms' });
    sampler.enter('omap');
    const omap = await omapBench(rados, quick ? 1 : 10);
    add({ name: '1 KiB omap set', value: omap.setPerSec, unit: 'ops/s' });
    add({ name: '1 KiB omap get', value: omap.getPerSec, unit: 'ops/s' });
    const anon = sampler.stop();
    for (const [phase, peaks] of sampler.phasePeaks) {
      memoryByPhase[phase] = Object.fromEntries(peaks);
      process.stderr.write(`peak anonymous RSS during ${phase}: ${[...peaks].map(([osd, mib]) => `${osd} ${mib.toFixed(0)}`).join(', ')} MiB\n`);
    }
    for (const d of listDaemons(confPath)) {
      if (!d.name.startsWith('osd.') || !d.pid) continue;
      add({ name: `${d.name} peak anonymous RSS`, value: anon.get(d.name) ?? 0, unit: 'MiB', limit: '256 MiB target', ratio: (anon.get(d.name) ?? 0) / 256 });
      add({ name: `${d.name} peak total RSS (incl. lmdb mmap)`, value: procStatus_MiB(d.pid, 'VmHWM'), unit: 'MiB' });
    }
    await rados.close();
    const crush = await benchCrush({ quick });
    for (const [k, v] of Object.entries(crush)) add({ name: `crush: ${k}`, value: v, unit: '' });

    // Object classes: each on its own fresh cluster, after the data-path suite has stopped.
    const luaCluster = await benchLua({ quick });
    add({ name: 'lua exec, registered class (16-byte read of a 4 KiB object)', value: luaCluster.registered.callsPerSec, unit: 'calls/s', limit: '5,000/s goal', ratio: luaCluster.registered.callsPerSec / 5000 });
    add({ name: 'lua exec, script sent with every call', value: luaCluster.scriptPerCall.callsPerSec, unit: 'calls/s' });
    add({ name: 'same 16-byte read without Lua (op path ceiling)', value: luaCluster.plainRead.callsPerSec, unit: 'ops/s' });
    const luaInProc = await benchLuaInProcess({ quick });
    add({ name: 'lua in-process: warm VM, cached chunk', value: luaInProc.vmCallsPerSec, unit: 'calls/s' });
    add({ name: "lua in-process: fresh VM per call (Ceph's cls_lua design)", value: luaInProc.freshVmCallsPerSec, unit: 'calls/s' });
    add({ name: `lua in-process: pool of ${luaInProc.poolWorkers} workers, 16 in flight`, value: luaInProc.poolCallsPerSec, unit: 'calls/s' });
    const thumbs = await benchThumbs({ quick });
    add({ name: `thumbnail of a ${(thumbs.image.width * thumbs.image.height / 1e6).toFixed(0)} MP JPEG in the OSD, median`, value: thumbs.inOsd.latency_ms.median, unit: 'ms' });
    add({ name: 'thumbnail on the client (get, resize, put), median', value: thumbs.clientSide.latency_ms.median, unit: 'ms' });
    add({ name: 'thumbnail in the OSD: bytes over the client socket', value: thumbs.inOsd.clientBytes, unit: 'bytes' });
    add({ name: 'thumbnail on the client: bytes over the client socket', value: thumbs.clientSide.clientBytes, unit: 'bytes' });
  } finally {
    await stopLocalCluster(confPath).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }

  for (const f of figures) {
    if (!Number.isFinite(f.value) || f.value <= 0) throw new Error(`figure '${f.name}' is not a positive number: ${f.value}`);
  }
  const date = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  const outDir = join(repoRoot, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const result = { date: new Date().toISOString(), quick, node: process.version, figures, memoryByPhase_MiB: memoryByPhase };
  const md = [
    '| figure | value | unit | ratio to limit |',
    '| --- | ---: | --- | --- |',
    ...figures.map((f) => `| ${f.name} | ${f.value.toFixed(f.value < 10 ? 2 : 0)} | ${f.unit} | ${f.ratio !== undefined ? `${(f.ratio * 100).toFixed(0)}% of ${f.limit}` : ''} |`),
  ].join('\n');
  if (!quick) {
    writeFileSync(join(outDir, `${date}.json`), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(outDir, `${date}.md`), `${md}\n`);
  }
  process.stdout.write(`${JSON.stringify(result)}\n\n${md}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
