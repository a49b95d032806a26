// A real local cluster for integration tests: the same code path as `sepia start`, in a fresh
// temporary directory, on a free port, with real processes killed by real signals.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rados } from '../../src/client/rados.js';
import { listDaemons, spawnDaemon, startLocalCluster, stopLocalCluster, waitForHealthy } from '../../src/cli/local-cluster.js';

export class TestCluster {
  readonly dataDir: string;
  readonly confPath: string;
  private readonly clients: Rados[] = [];

  private constructor(
    readonly dir: string,
    readonly numOsds: number,
  ) {
    this.dataDir = join(dir, 'data');
    this.confPath = join(dir, 'sepia.conf');
  }

  static async start(opts: { numOsds?: number; extraConf?: Record<string, string | number | boolean> } = {}): Promise<TestCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'sepia-it-'));
    const c = new TestCluster(dir, opts.numOsds ?? 3);
    try {
      await startLocalCluster({
      dataDir: c.dataDir,
      confPath: c.confPath,
      numOsds: c.numOsds,
      monPort: 0,
        extraConf: { log_level: 'info', ...(opts.extraConf ?? {}) },
      });
    } catch (err) {
      await c.destroy();
      throw err;
    }
    return c;
  }

  /** Starts whatever is not running and waits for all PGs active+clean. */
  async restart(): Promise<void> {
    await startLocalCluster({ dataDir: this.dataDir, confPath: this.confPath, numOsds: this.numOsds });
  }

  async connect(): Promise<Rados> {
    const r = await Rados.connect({ conf: this.confPath, options: { client_mount_timeout: '30' } });
    this.clients.push(r);
    return r;
  }

  pidOf(name: string): number {
    const d = listDaemons(this.confPath).find((x) => x.name === name && x.running);
    if (!d?.pid) throw new Error(`${name} is not running`);
    return d.pid;
  }

  /** Sends a real signal and waits until the process is gone. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const pid = this.pidOf(name);
    process.kill(pid, signal);
    for (let i = 0; i < 400; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${name} (pid ${pid}) did not exit`);
  }

  startDaemon(kind: 'mon' | 'osd', id: string): void {
    spawnDaemon(this.confPath, kind, id);
  }

  async waitHealthy(): Promise<void> {
    await waitForHealthy(this.confPath, this.numOsds, 60_000);
  }

  async stop(): Promise<void> {
    await stopLocalCluster(this.confPath);
  }

  async destroy(): Promise<void> {
    for (const c of this.clients) await c.close();
    const daemons = listDaemons(this.confPath);
    for (const d of daemons) if (d.running && d.pid) process.kill(d.pid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
