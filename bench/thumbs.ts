// Thumbnails inside the OSD versus on the client, and the cost of a script-per-call Lua exec.
// In the OSD: one exec carries the script and the geometry; the 3 MP original never leaves the
// primary. On the client: read the original, resize with sharp, append the thumbnail and its
// index back. Bytes are counted at the client's socket (payloads: image bytes, script, spec)
// plus the replication of the appended thumbnail to the other replicas, which both ways pay.
// Runnable directly: `node dist/bench/thumbs.js [--quick]` prints JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { listDaemons, startLocalCluster, stopLocalCluster } from '../src/cli/local-cluster.js';
import { Rados } from '../src/client/rados.js';
import type { IoCtx } from '../src/client/ioctx.js';
import { WriteOp } from '../src/client/ops.js';
import { lua, encodeLuaRequest } from '../src/client/lua.js';
import { makeSampleJpeg } from '../examples/thumbnails/make-sample-jpeg.js';
import { THUMBNAILS_LUA, getThumb, putImage } from '../examples/thumbnails/thumbnails.js';

export interface ThumbsBenchResult {
  readonly image: { readonly width: number; readonly height: number; readonly bytes: number };
  readonly inOsd: Side;
  readonly clientSide: Side;
  readonly luaExec: { readonly callsPerSec: number; readonly calls: number; readonly concurrency: number; readonly objectBytes: number };
}

interface Side {
  readonly thumbnails: number;
  readonly latency_ms: { readonly median: number; readonly p90: number };
  /** Per thumbnail, at the client's socket. */
  readonly clientBytes: number;
  /** Per thumbnail, primary → other replicas. */
  readonly replicationBytes: number;
}

const REPLICAS = 3;
const EXEC_CONCURRENCY = 16;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

function side(latencies_ms: number[], clientBytes: number, thumbBytes: number): Side {
  const sorted = [...latencies_ms].sort((a, b) => a - b);
  const n = sorted.length;
  return {
    thumbnails: n,
    latency_ms: { median: Number(percentile(sorted, 0.5).toFixed(2)), p90: Number(percentile(sorted, 0.9).toFixed(2)) },
    clientBytes: Math.round(clientBytes / n),
    replicationBytes: Math.round((thumbBytes * (REPLICAS - 1)) / n),
  };
}

async function inOsd(io: IoCtx, jpeg: Buffer, count: number): Promise<Side> {
  await putImage(io, 'osd-side', jpeg);
  const latencies: number[] = [];
  let clientBytes = 0;
  let thumbBytes = 0;
  for (let i = 0; i < count; i++) {
    const spec = `${256 + i}x`;
    const t0 = performance.now();
    await lua(io, 'osd-side', { script: THUMBNAILS_LUA, handler: 'thumb', input: spec });
    latencies.push(performance.now() - t0);
    clientBytes += encodeLuaRequest(THUMBNAILS_LUA, 'thumb', Buffer.from(spec), false).body.length;
    thumbBytes += (await getThumb(io, 'osd-side', spec)).length;
  }
  return side(latencies, clientBytes, thumbBytes);
}

async function clientSide(io: IoCtx, jpeg: Buffer, count: number): Promise<Side> {
  await io.writeFull('client-side', jpeg);
  const latencies: number[] = [];
  let clientBytes = 0;
  let thumbBytes = 0;
  for (let i = 0; i < count; i++) {
    const spec = `${256 + i}x`;
    const t0 = performance.now();
    const original = await io.read('client-side', { offset: 0, length: jpeg.length });
    const thumb = await sharp(original).resize({ width: 256 + i }).jpeg().toBuffer();
    const { size } = await io.stat('client-side');
    await io.operate('client-side', new WriteOp().write(thumb, size).omapSet(new Map([[spec, Buffer.from(`${thumb.length}@${size}`)]])));
    latencies.push(performance.now() - t0);
    clientBytes += original.length + thumb.length + spec.length;
    thumbBytes += thumb.length;
  }
  return side(latencies, clientBytes, thumbBytes);
}

async function luaExec(io: IoCtx, duration_ms: number): Promise<ThumbsBenchResult['luaExec']> {
  await io.writeFull('exec-4k', Buffer.alloc(4096, 7));
  const script = 'function h(input, output) output:append(objclass.read(0, 16):str()) end objclass.register(h)';
  let calls = 0;
  const deadline = performance.now() + duration_ms;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: EXEC_CONCURRENCY }, async () => {
    while (performance.now() < deadline) {
      const r = await lua(io, 'exec-4k', { script, handler: 'h' });
      if (r.out.length !== 16) throw new Error(`exec returned ${r.out.length} bytes`);
      calls++;
    }
  }));
  const elapsed_s = (performance.now() - t0) / 1000;
  return { callsPerSec: Math.round(calls / elapsed_s), calls, concurrency: EXEC_CONCURRENCY, objectBytes: 4096 };
}

export async function benchThumbs(opts: { quick: boolean }): Promise<ThumbsBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sepia-bench-thumbs-'));
  const confPath = join(dir, 'sepia.conf');
  let rados: Rados | undefined;
  try {
    await startLocalCluster({ dataDir: join(dir, 'data'), confPath, numOsds: REPLICAS, monPort: 0, extraConf: { log_level: 'warn' } });
    rados = await Rados.connect({ conf: confPath, options: { client_mount_timeout: '30' } });
    await rados.createPool('thumbs', { size: REPLICAS });
    const io = rados.ioctx('thumbs');
    const jpeg = await makeSampleJpeg();
    const count = opts.quick ? 3 : 30;
    // The first call starts the OSD's Lua worker and its image worker: not part of the figures.
    await putImage(io, 'warmup', jpeg);
    await lua(io, 'warmup', { script: THUMBNAILS_LUA, handler: 'thumb', input: '64x' });
    const osd = await inOsd(io, jpeg, count);
    const client = await clientSide(io, jpeg, count);
    const exec = await luaExec(io, opts.quick ? 1000 : 10_000);
    return { image: { width: 2000, height: 1500, bytes: jpeg.length }, inOsd: osd, clientSide: client, luaExec: exec };
  } finally {
    await rados?.close();
    await stopLocalCluster(confPath).catch(() => undefined);
    for (const d of listDaemons(confPath)) if (d.running && d.pid) process.kill(d.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await benchThumbs({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify(result, null, 2));
}
