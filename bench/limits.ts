// This machine's physical limits, measured by the suite itself in the same run, so every Sepia
// figure can be reported as a ratio to what the hardware allows.
import { openSync, writeSync, fdatasyncSync, closeSync, rmSync, mkdtempSync } from 'node:fs';
import { spawnSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createServer, connect } from 'node:net';

/** Appends 4 KiB and fdatasyncs, one at a time, for `duration_ms`: the one-commit-at-a-time ceiling. */
export function fdatasyncRate(dir: string, duration_ms: number): number {
  const path = join(dir, 'fsync-probe');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(4096, 7);
  const start = performance.now();
  let n = 0;
  try {
    while (performance.now() - start < duration_ms) {
      writeSync(fd, block);
      fdatasyncSync(fd);
      n++;
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  return n / ((performance.now() - start) / 1000);
}

/** Sequential 4 MiB O_DIRECT writes with dd (bypasses the page cache), MB/s. */
export function directWriteMBps(dir: string, total_MiB: number): number {
  const path = join(dir, 'direct-probe');
  const start = performance.now();
  const r = spawnSync('dd', ['if=/dev/zero', `of=${path}`, 'bs=4M', `count=${Math.max(1, Math.floor(total_MiB / 4))}`, 'oflag=direct', 'conv=fsync'], {
    encoding: 'utf8',
  });
  const seconds = (performance.now() - start) / 1000;
  rmSync(path, { force: true });
  if (r.status !== 0) return 0;
  return total_MiB / seconds;
}

/** One TCP stream of 4 MiB writes over loopback to a second process, MB/s. */
export async function loopbackMBps(total_MiB: number): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  server.close();
  const sink = spawn(
    process.execPath,
    ['-e', `const n=require('net');const s=n.createServer(c=>{let b=0;c.on('data',d=>{b+=d.length;if(b>=${total_MiB}*1048576){c.end('k');}})});s.listen(${port},'127.0.0.1',()=>process.stdout.write('ready'));`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((r) => sink.stdout.once('data', () => r()));
  const chunk = Buffer.alloc(4 * 1024 * 1024, 1);
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    sock.on('error', reject);
    sock.on('data', () => {
      sock.destroy();
      resolve();
    });
    let sent = 0;
    const pump = (): void => {
      while (sent < total_MiB) {
        sent += 4;
        if (!sock.write(chunk)) {
          sock.once('drain', pump);
          return;
        }
      }
    };
    sock.on('connect', pump);
  });
  const mbps = total_MiB / ((performance.now() - start) / 1000);
  sink.kill('SIGKILL');
  return mbps;
}

export function scratchDir(base: string): string {
  return mkdtempSync(join(base, 'limits-'));
}
