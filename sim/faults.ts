// Fault profiles (which fault classes a run may draw) and the injector that draws them from the
// seeded stream while the workload runs. "Idle" classes only strike between workload segments,
// when no write is in flight — the crashes today's OSD survives without peering and recovery.

import { invariant } from '../src/core/assert.js';
import type { Timer } from '../src/io/clock.js';
import { MON_HOST, osdHost, type SimCluster } from './cluster.js';
import type { Rng } from './rng.js';

export type FaultClass =
  /** Reset a client↔OSD or client↔monitor connection (loss; resend gives duplicates/reordering). */
  | 'reset-client'
  /** Reset an OSD↔OSD or OSD↔monitor connection. */
  | 'reset-daemon'
  /** Hold back one direction of one connection for a while. */
  | 'delay'
  /** Slow every delivery to/from one host for a while. */
  | 'clog'
  /** Cut a client from one daemon (symmetric or one-way), healed later. */
  | 'partition-client'
  /** Cut one OSD from the other daemons (symmetric or one-way), healed later. */
  | 'partition-daemon'
  /** Crash and restart an OSD between workload segments. */
  | 'crash-osd-idle'
  /** Crash and restart the monitor between workload segments. */
  | 'crash-mon-idle'
  /** Crash an OSD at any moment (unflushed writes lost), restart it later. */
  | 'crash-osd'
  /** Crash the monitor at any moment, restart it later. */
  | 'crash-mon';

const NET_CLASSES: readonly FaultClass[] = ['reset-client', 'delay', 'clog', 'partition-client'];
const IDLE_CLASSES: readonly FaultClass[] = ['crash-osd-idle', 'crash-mon-idle'];

export const PROFILES = {
  none: [],
  net: NET_CLASSES,
  idle: IDLE_CLASSES,
  /** What `npm test` runs: every fault class today's daemons are expected to survive. */
  safe: [...NET_CLASSES, ...IDLE_CLASSES],
  daemon: ['reset-daemon', 'partition-daemon'],
  crash: ['crash-osd', 'crash-mon'],
  /** Everything, at any time: passes once peering and recovery exist. */
  all: [...NET_CLASSES, ...IDLE_CLASSES, 'reset-daemon', 'partition-daemon', 'crash-osd', 'crash-mon'],
} as const satisfies Record<string, readonly FaultClass[]>;

export type ProfileName = keyof typeof PROFILES;

export function isProfileName(v: string): v is ProfileName {
  return Object.hasOwn(PROFILES, v);
}

export function idleClasses(profile: ProfileName): FaultClass[] {
  return PROFILES[profile].filter((c) => c === 'crash-osd-idle' || c === 'crash-mon-idle');
}

/** Mean virtual time between two faults while the workload runs. */
const FAULT_INTERVAL_MS: readonly [number, number] = [1, 30];
/** Faults per run are bounded so a long run does not degenerate into permanent chaos. */
const FAULTS_PER_RUN_MAX = 200;

export class FaultInjector {
  private timer: Timer | undefined;
  private readonly heals = new Set<Timer>();
  injected = 0;
  private readonly anytime: FaultClass[];

  constructor(
    private readonly cluster: SimCluster,
    private readonly rng: Rng,
    profile: ProfileName,
  ) {
    this.anytime = PROFILES[profile].filter((c) => !idleClasses(profile).includes(c));
  }

  private note(line: string): void {
    this.cluster.trace.add(this.cluster.sched.now_ms, line);
  }

  start(): void {
    if (this.anytime.length === 0) return;
    this.arm();
  }

  /** Stops injecting; pending heals and restarts still run (or healAll does them). */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(): void {
    if (this.injected >= FAULTS_PER_RUN_MAX) return;
    this.timer = this.cluster.sched.schedule(this.rng.between(FAULT_INTERVAL_MS[0], FAULT_INTERVAL_MS[1]), () => {
      this.timer = undefined;
      this.inject(this.rng.pick(this.anytime));
      this.arm();
    });
  }

  private later(delay_ms: number, fn: () => void): void {
    const t = this.cluster.sched.schedule(delay_ms, () => {
      this.heals.delete(t);
      fn();
    });
    this.heals.add(t);
  }

  private inject(fault: FaultClass): void {
    const c = this.cluster;
    const net = c.net;
    const isClient = (h: string): boolean => h.startsWith('client');
    const daemons = [MON_HOST, ...c.osds.map((n) => osdHost(n.id))];
    this.injected++;
    switch (fault) {
      case 'reset-client':
        net.resetOne((a, b) => isClient(a) || isClient(b));
        return;
      case 'reset-daemon':
        net.resetOne((a, b) => !isClient(a) && !isClient(b));
        return;
      case 'delay':
        net.delayOne(() => true, this.rng.between(5, 800));
        return;
      case 'clog':
        net.clog(this.rng.pick([...daemons, 'client0']), this.rng.between(50, 1500), this.rng.between(10, 200));
        return;
      case 'partition-client': {
        const daemon = this.rng.pick(daemons);
        const oneWay = this.rng.chance(0.5);
        if (oneWay && this.rng.chance(0.5)) net.partition([daemon], ['client0'], true);
        else net.partition(['client0'], [daemon], oneWay);
        this.later(this.rng.between(100, 5000), () => net.healPartitions());
        return;
      }
      case 'partition-daemon': {
        const osd = osdHost(this.rng.pick(c.osds).id);
        const others = daemons.filter((h) => h !== osd);
        const oneWay = this.rng.chance(0.5);
        if (oneWay && this.rng.chance(0.5)) net.partition(others, [osd], true);
        else net.partition([osd], others, oneWay);
        this.later(this.rng.between(100, 5000), () => net.healPartitions());
        return;
      }
      case 'crash-osd': {
        // At most one OSD down at a time: with 3 replicas and min_size 2 the data stays available.
        const running = c.osds.filter((n) => c.osdRunning(n.id));
        if (running.length < c.osds.length) return;
        const id = this.rng.pick(running).id;
        c.crashOsd(id);
        this.later(this.rng.between(100, 3000), () => {
          if (!c.osdRunning(id)) c.startOsd(id);
        });
        return;
      }
      case 'crash-mon':
        if (c.mon.daemon === undefined) return;
        c.crashMon();
        this.later(this.rng.between(100, 3000), () => {
          if (c.mon.daemon === undefined) c.startMon();
        });
        return;
      case 'crash-osd-idle':
      case 'crash-mon-idle':
        invariant(false, `${fault} only strikes between segments`);
        break;
      default: {
        const never: never = fault;
        invariant(false, `fault ${String(never)}`);
      }
    }
  }

  /** A crash while nothing is in flight: crash, wait, restart, wait until everything is up again (the caller then waits for active+clean). */
  async idleFault(fault: FaultClass, deadline_ms: number): Promise<void> {
    const c = this.cluster;
    this.injected++;
    if (fault === 'crash-osd-idle') {
      const id = this.rng.pick(c.osds).id;
      c.crashOsd(id);
      await c.sleep(this.rng.between(50, 600));
      // An earlier anytime crash may have scheduled its own restart meanwhile.
      if (!c.osdRunning(id)) c.startOsd(id);
    } else {
      invariant(fault === 'crash-mon-idle', `idle fault ${fault}`);
      c.crashMon();
      await c.sleep(this.rng.between(50, 600));
      if (c.mon.daemon === undefined) c.startMon();
    }
    await c.waitAllUp(deadline_ms);
    this.note(`idle fault ${fault} recovered`);
  }
}
