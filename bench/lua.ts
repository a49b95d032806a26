// Lua exec calls per second on a 3-OSD cluster: a class registered cluster-wide (`NAME.method`,
// no script on the wire, an RD method so the op runs as a read) against the same handler sent
// with its script on every call (cls_lua's eval_json, write-class). The handler reads 16 bytes
// of a 4 KiB object and returns them; 16 calls in flight, spread over 16 objects.
// Runnable directly: `node dist/bench/lua.js [--quick]` prints JSON. `--inproc` measures the Lua
// layer alone, no cluster: one LuaVm called in a loop, and a LuaPool with 16 calls in flight.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { listDaemons, startLocalCluster, stopLocalCluster } from '../src/cli/local-cluster.js';
import { Rados } from '../src/client/rados.js';
import type { IoCtx } from '../src/client/ioctx.js';
import { lua } from '../src/client/lua.js';
import { describeClassScript } from '../src/cls/registry.js';
import { LuaVm } from '../src/cls/lua/vm.js';
import { LuaPool, LUA_POOL_DEFAULTS } from '../src/cls/lua/pool.js';
import { dispatchHostCall } from '../src/cls/lua/host.js';
import { MemoryObject } from '../src/cls/lua/memory-host.js';

export interface LuaBenchResult {
  /** The same 16-byte read without Lua: the ceiling the op path itself sets. */
  readonly plainRead: Rate;
  readonly registered: Rate;
  readonly scriptPerCall: Rate;
  readonly concurrency: number;
  readonly objectBytes: number;
}

interface Rate {
  readonly callsPerSec: number;
  readonly calls: number;
  readonly latency_ms: { readonly median: number; readonly p99: number };
}

const REPLICAS = 3;
const CONCURRENCY = 16;
const OBJECT_BYTES = 4096;
const CLASS = 'bench16';
const SCRIPT = 'function h(input, output) output:append(objclass.read(0, 16):str()) end objclass.register(h, "rd")';
const SCRIPT_RDWR = 'function h(input, output) output:append(objclass.read(0, 16):str()) end objclass.register(h)';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

async function measure(duration_ms: number, call: (lane: number) => Promise<Buffer>): Promise<Rate> {
  const latencies: number[] = [];
  const deadline = performance.now() + duration_ms;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, lane) => {
    while (performance.now() < deadline) {
      const s = performance.now();
      const out = await call(lane);
      if (out.length !== 16) throw new Error(`exec returned ${out.length} bytes`);
      latencies.push(performance.now() - s);
    }
  }));
  const elapsed_s = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    callsPerSec: Math.round(latencies.length / elapsed_s),
    calls: latencies.length,
    latency_ms: { median: Number(percentile(latencies, 0.5).toFixed(2)), p99: Number(percentile(latencies, 0.99).toFixed(2)) },
  };
}

export async function benchLua(opts: { quick: boolean }): Promise<LuaBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sepia-bench-lua-'));
  const confPath = join(dir, 'sepia.conf');
  let rados: Rados | undefined;
  try {
    await startLocalCluster({ dataDir: join(dir, 'data'), confPath, numOsds: REPLICAS, monPort: 0, extraConf: { log_level: 'warn' } });
    rados = await Rados.connect({ conf: confPath, options: { client_mount_timeout: '30' } });
    await rados.createPool('luabench', { size: REPLICAS });
    const io: IoCtx = rados.ioctx('luabench');
    const oids = Array.from({ length: CONCURRENCY }, (_, i) => `lua-4k-${i}`);
    await Promise.all(oids.map((oid, i) => io.writeFull(oid, Buffer.alloc(OBJECT_BYTES, i + 1))));
    const { methods } = await describeClassScript(SCRIPT);
    await rados.monCommand({ prefix: 'cls register', name: CLASS, script: SCRIPT, methods });
    const oid = (lane: number): string => oids[lane] ?? '';
    const registered = async (lane: number): Promise<Buffer> => (await io.exec(oid(lane), CLASS, 'h')).out;
    const perCall = async (lane: number): Promise<Buffer> => (await lua(io, oid(lane), { script: SCRIPT_RDWR, handler: 'h' })).out;
    const plain = async (lane: number): Promise<Buffer> => io.read(oid(lane), { offset: 0, length: 16 });
    // Warm-up: every OSD starts its Lua workers and compiles both scripts.
    await measure(opts.quick ? 300 : 1000, registered);
    await measure(opts.quick ? 300 : 1000, perCall);
    const duration_ms = opts.quick ? 1500 : 10_000;
    return {
      plainRead: await measure(duration_ms, plain),
      registered: await measure(duration_ms, registered),
      scriptPerCall: await measure(duration_ms, perCall),
      concurrency: CONCURRENCY,
      objectBytes: OBJECT_BYTES,
    };
  } finally {
    await rados?.close();
    await stopLocalCluster(confPath).catch(() => undefined);
    for (const d of listDaemons(confPath)) if (d.running && d.pid) process.kill(d.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface LuaInProcessResult {
  /** One LuaVm on this thread, host calls answered synchronously: the VM's own cost. */
  readonly vmCallsPerSec: number;
  /**
   * Ceph's cls_lua design as the baseline: a new Lua state per call, the script compiled and run
   * in it, then the state closed. Same handler, same host, one thread.
   */
  readonly freshVmCallsPerSec: number;
  /** A LuaPool (default worker count) with CONCURRENCY calls in flight: VM plus bridge. */
  readonly poolCallsPerSec: number;
  readonly poolWorkers: number;
}

/** The 16-byte read handler against a 4 KiB MemoryObject, without OSDs or network. */
export async function benchLuaInProcess(opts: { quick: boolean }): Promise<LuaInProcessResult> {
  const obj = new MemoryObject();
  const seed = obj.scratch();
  seed.writeFull(Buffer.alloc(OBJECT_BYTES, 7));
  seed.commit();
  const req = { script: SCRIPT, handler: 'h', input: Buffer.alloc(0) };
  const budgets = { maxInstructions: LUA_POOL_DEFAULTS.maxInstructions, maxMemoryBytes: LUA_POOL_DEFAULTS.maxMemoryBytes, timeout_ms: LUA_POOL_DEFAULTS.timeout_ms };
  const duration_ms = opts.quick ? 1500 : 5000;

  const vm = await LuaVm.create({ now_ms: () => performance.now() });
  const host = obj.scratch();
  for (let i = 0; i < 200; i++) vm.call(req, budgets, (call) => dispatchHostCall(host, call));
  let vmCalls = 0;
  const vm0 = performance.now();
  while (performance.now() - vm0 < duration_ms) {
    const r = vm.call(req, budgets, (call) => dispatchHostCall(host, call));
    if (r.out.length !== 16) throw new Error(`vm call returned ${r.out.length} bytes: ${r.error?.message ?? ''}`);
    vmCalls++;
  }
  const vmCallsPerSec = Math.round(vmCalls / ((performance.now() - vm0) / 1000));
  vm.close();

  let freshCalls = 0;
  const fresh0 = performance.now();
  while (performance.now() - fresh0 < duration_ms) {
    const once = await LuaVm.create({ now_ms: () => performance.now() });
    try {
      const r = once.call(req, budgets, (call) => dispatchHostCall(host, call));
      if (r.out.length !== 16) throw new Error(`fresh vm call returned ${r.out.length} bytes: ${r.error?.message ?? ''}`);
    } finally {
      once.close();
    }
    freshCalls++;
  }
  const freshVmCallsPerSec = Math.round(freshCalls / ((performance.now() - fresh0) / 1000));

  const pool = new LuaPool({ ...budgets, maxWorkers: LUA_POOL_DEFAULTS.maxWorkers });
  try {
    const lane = async (until_ms: number): Promise<number> => {
      let n = 0;
      while (performance.now() < until_ms) {
        const r = await pool.call(req, obj.scratch());
        if (r.out.length !== 16) throw new Error(`pool call returned ${r.out.length} bytes: ${r.error?.message ?? ''}`);
        n++;
      }
      return n;
    };
    const lanes = (until_ms: number): Promise<number[]> => Promise.all(Array.from({ length: CONCURRENCY }, () => lane(until_ms)));
    await lanes(performance.now() + 500);
    const p0 = performance.now();
    const counts = await lanes(p0 + duration_ms);
    const poolCallsPerSec = Math.round(counts.reduce((a, b) => a + b, 0) / ((performance.now() - p0) / 1000));
    return { vmCallsPerSec, freshVmCallsPerSec, poolCallsPerSec, poolWorkers: pool.workerCount };
  } finally {
    await pool.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const result = process.argv.includes('--inproc') ? await benchLuaInProcess({ quick }) : await benchLua({ quick });
  console.log(JSON.stringify(result, null, 2));
}
