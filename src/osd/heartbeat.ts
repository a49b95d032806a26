// Failure detection between OSDs: ping every peer each osd_heartbeat_interval; a peer that has
// not answered for osd_heartbeat_grace is reported to the monitor (which decides, with reports
// from other OSDs, whether to mark it down). Catches hung peers whose TCP sessions stay open.
import type { Clock, Timer } from '../io/clock.js';

export interface HeartbeatOptions {
  readonly clock: Clock;
  readonly interval_ms: number;
  readonly grace_ms: number;
  /** Resolves when the peer answered. */
  readonly ping: (osd: number, timeout_ms: number) => Promise<void>;
  readonly report: (osd: number, silent_ms: number) => void;
}

/** More peers than this means a misconfigured cluster, not a reason to allocate without bound. */
const PEERS_MAX = 100_000;

export class Heartbeat {
  /** osd → { since: when we started watching it (its current up period), last: last reply }. */
  private readonly peers = new Map<number, { upFrom: number; last_ms: number; reported_ms: number }>();
  private timer: Timer | undefined;

  constructor(private readonly opts: HeartbeatOptions) {}

  start(): void {
    this.timer = this.opts.clock.every(this.opts.interval_ms, () => this.tick());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** The up peers to watch, with each one's up_from (a restart starts a fresh grace period). */
  setPeers(up: ReadonlyMap<number, number>): void {
    const now = this.opts.clock.monotonic_ms();
    for (const id of [...this.peers.keys()]) if (!up.has(id)) this.peers.delete(id);
    for (const [id, upFrom] of up) {
      const cur = this.peers.get(id);
      if (cur === undefined || cur.upFrom !== upFrom) {
        if (this.peers.size >= PEERS_MAX) return;
        this.peers.set(id, { upFrom, last_ms: now, reported_ms: 0 });
      }
    }
  }

  private tick(): void {
    const now = this.opts.clock.monotonic_ms();
    for (const [id, peer] of this.peers) {
      void this.opts.ping(id, this.opts.grace_ms).then(
        () => {
          peer.last_ms = Math.max(peer.last_ms, this.opts.clock.monotonic_ms());
        },
        () => undefined,
      );
      const silent_ms = now - peer.last_ms;
      // Report again every interval while the peer stays silent: the monitor may need a second reporter.
      if (silent_ms > this.opts.grace_ms && now - peer.reported_ms >= this.opts.interval_ms) {
        peer.reported_ms = now;
        this.opts.report(id, silent_ms);
      }
    }
  }
}
