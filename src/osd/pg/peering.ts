// Peering and recovery decisions for one PG, as a pure state machine (etcd-raft style): the
// daemon feeds events (a new interval from the OSDMap, replies from peers, finished recoveries)
// and carries out the actions returned. No I/O, no clocks: the same code runs in the simulator.
//
// Safety rule: an acknowledged write is on every member of the interval that accepted it. A PG
// goes active only from a copy that took part in the newest activation any responder knows of
// (highest last_epoch_started), and only when no newer activation can have happened among OSDs
// that did not answer: those are OSDs that went down after that epoch, and if at least min_size
// of them exist they could have formed an acting set of their own, so the PG stays `down`.
import { invariant } from '../../core/assert.js';
import { checkLog, commonPoint, missingFor, type PeerLog } from './log.js';
import { compareEversion, type LogEntry, type ObjectName } from './types.js';

export interface PeeringConfig {
  readonly self: number;
  readonly size: number;
  readonly minSize: number;
  /** osd_recovery_max_active for this PG: object recoveries in flight at once. */
  readonly recoveryMaxActive: number;
}

export type PeeringEvent =
  | {
      readonly t: 'interval';
      readonly epoch: number;
      readonly acting: readonly number[];
      readonly primary: number;
      /** Up OSDs besides this one that may hold a copy (all are asked). */
      readonly probe: readonly number[];
      /** Existing OSDs that are down now, with the epoch they were marked down. */
      readonly downAt: ReadonlyMap<number, number>;
      /** This OSD's own copy. */
      readonly local: PeerLog;
    }
  | { readonly t: 'info'; readonly epoch: number; readonly from: number; readonly log: PeerLog }
  | { readonly t: 'query-failed'; readonly epoch: number; readonly from: number }
  | { readonly t: 'activated'; readonly epoch: number; readonly from: number }
  | { readonly t: 'activate-failed'; readonly epoch: number; readonly from: number }
  | { readonly t: 'recovered'; readonly epoch: number; readonly name: ObjectName }
  /**
   * Some member has moved to a newer interval (it answered a newer primary's query, or refused
   * this interval's repop): this interval may no longer serve I/O, since writes acknowledged by
   * the newer interval would be invisible here and writes made here could be missed by it.
   */
  | { readonly t: 'superseded'; readonly epoch: number; readonly by: number }
  | { readonly t: 'backfilled'; readonly epoch: number; readonly target: number };

export interface ActivateAction {
  readonly a: 'activate';
  readonly to: number;
  readonly epoch: number;
  /** Keep own entries up to this version, drop newer ones, then append `entries`. */
  readonly keepThrough: number;
  readonly entries: readonly LogEntry[];
  readonly logTail: number;
  readonly missing: readonly ObjectName[];
  readonly backfill: boolean;
}

export type PeeringAction =
  | { readonly a: 'query'; readonly to: number; readonly epoch: number }
  | ActivateAction
  | { readonly a: 'recover'; readonly epoch: number; readonly name: ObjectName }
  | { readonly a: 'backfill'; readonly epoch: number; readonly target: number; readonly source: number }
  | { readonly a: 'state'; readonly state: string };

type Phase = 'replica' | 'getinfo' | 'activating' | 'active' | 'down' | 'incomplete' | 'peered' | 'superseded';

/** Where one object's authoritative copy comes from and who needs it. */
export interface RecoveryPlan {
  /** Set when this OSD (the primary) lacks the object: pull it from here first. */
  readonly pullFrom: number | undefined;
  readonly pushTo: readonly number[];
}

const MAX_PROBES = 4096;

export class PgPeering {
  private phase: Phase = 'replica';
  private epoch = 0;
  private acting: readonly number[] = [];
  private downAt: ReadonlyMap<number, number> = new Map();
  private readonly waiting = new Set<number>();
  private readonly failed = new Set<number>();
  private readonly replies = new Map<number, PeerLog>();
  private readonly activating = new Set<number>();
  /** OSD → objects it lacks (acting members only; the primary included). */
  private readonly missing = new Map<number, Set<ObjectName>>();
  /** Backfill target → source of the copy. */
  private readonly backfills = new Map<number, number>();
  /** Objects already copied to every backfill target by an on-demand recovery. */
  private readonly backfillDone = new Set<ObjectName>();
  /** Object → responders that hold its authoritative state (for pulls). */
  private sources = new Map<number, Set<ObjectName> | undefined>();
  private readonly inflight = new Set<ObjectName>();
  private backfillsStarted = false;

  constructor(private readonly cfg: PeeringConfig) {
    invariant(cfg.minSize >= 1 && cfg.minSize <= cfg.size, 'min_size within 1..size');
    invariant(cfg.recoveryMaxActive >= 1, 'at least one recovery in flight');
  }

  get isPrimary(): boolean {
    return this.phase !== 'replica';
  }

  get isActive(): boolean {
    return this.phase === 'active';
  }

  get intervalEpoch(): number {
    return this.epoch;
  }

  /** The acting set of this interval: every write made in it must reach all of them. */
  get actingSet(): readonly number[] {
    return this.acting;
  }

  /** True once a newer interval is known to exist: wait for its map and peer again. */
  get isSuperseded(): boolean {
    return this.phase === 'superseded';
  }

  /** Ceph's PG state string, as the primary reports it. */
  get state(): string {
    switch (this.phase) {
      case 'replica':
        return '';
      case 'getinfo':
      case 'superseded':
        return 'peering';
      case 'activating':
        return 'activating';
      case 'down':
        return 'down';
      case 'incomplete':
        return 'incomplete';
      case 'peered':
        return 'undersized+degraded+peered';
      case 'active': {
        const recovering = [...this.missing.values()].some((s) => s.size > 0);
        const backfilling = this.backfills.size > 0;
        const undersized = this.acting.length < this.cfg.size;
        if (!recovering && !backfilling && !undersized) return 'active+clean';
        const parts = ['active'];
        if (recovering) parts.push('recovering');
        if (backfilling) parts.push('backfilling');
        if (undersized) parts.push('undersized');
        parts.push('degraded');
        return parts.join('+');
      }
    }
  }

  step(ev: PeeringEvent): PeeringAction[] {
    if (ev.t === 'interval') return this.onInterval(ev);
    if (ev.t === 'superseded') {
      // Only a newer interval ends this one; a message from an older one says nothing about it.
      if (ev.epoch !== this.epoch || ev.by <= this.epoch || this.phase === 'replica' || this.phase === 'superseded') return [];
      this.phase = 'superseded';
      this.inflight.clear();
      return [this.stateAction()];
    }
    if (ev.epoch !== this.epoch) return []; // a reply from an older interval
    switch (ev.t) {
      case 'info':
        if (this.phase !== 'getinfo' || !this.waiting.delete(ev.from)) return [];
        checkLog(ev.log);
        this.replies.set(ev.from, ev.log);
        return this.maybeDecide();
      case 'query-failed':
        if (this.phase !== 'getinfo' || !this.waiting.delete(ev.from)) return [];
        this.failed.add(ev.from);
        return this.maybeDecide();
      case 'activated':
        if (this.phase !== 'activating' || !this.activating.delete(ev.from)) return [];
        if (this.activating.size > 0) return [];
        this.phase = 'active';
        return [...this.schedule(), this.stateAction()];
      case 'activate-failed':
        if (this.phase !== 'activating') return [];
        // A member vanished mid-activation: wait for the map that says so.
        this.phase = 'down';
        return [this.stateAction()];
      case 'recovered': {
        if (this.phase !== 'active') return [];
        const before = this.state;
        this.inflight.delete(ev.name);
        for (const set of this.missing.values()) set.delete(ev.name);
        if (this.backfills.size > 0) this.backfillDone.add(ev.name);
        const out = this.schedule();
        return this.state !== before ? [...out, this.stateAction()] : out;
      }
      case 'backfilled': {
        if (this.phase !== 'active' || !this.backfills.delete(ev.target)) return [];
        if (this.backfills.size === 0) this.backfillDone.clear();
        return [this.stateAction()];
      }
    }
  }

  /**
   * Object copies this PG lacks (Ceph's "objects degraded"): every missing entry, every object a
   * backfill target has not received yet, and every object for each absent member.
   */
  degradedObjects(objectsInPg: number): number {
    if (this.phase !== 'active' && this.phase !== 'peered') return 0;
    let n = 0;
    for (const set of this.missing.values()) n += set.size;
    n += this.backfills.size * Math.max(0, objectsInPg - this.backfillDone.size);
    n += Math.max(0, this.cfg.size - this.acting.length) * objectsInPg;
    return n;
  }

  /** True when `name` must be recovered somewhere before a write (or, on the primary, a read) touches it. */
  needsRecovery(name: ObjectName): boolean {
    invariant(this.phase === 'active', 'recovery questions are asked of an active PG');
    for (const set of this.missing.values()) if (set.has(name)) return true;
    return this.backfills.size > 0 && !this.backfillDone.has(name);
  }

  /** Who must receive `name`, and where the primary gets it if it lacks it. */
  recoveryPlan(name: ObjectName): RecoveryPlan {
    invariant(this.phase === 'active', 'recovery is planned for an active PG');
    const self = this.cfg.self;
    let pullFrom: number | undefined;
    const selfBackfillSource = this.backfills.get(self);
    if (selfBackfillSource !== undefined && !this.backfillDone.has(name)) pullFrom = selfBackfillSource;
    else if (this.missing.get(self)?.has(name)) pullFrom = this.sourceFor(name);
    const pushTo = this.acting.filter(
      (osd) => osd !== self && ((this.missing.get(osd)?.has(name) ?? false) || (this.backfills.has(osd) && !this.backfillDone.has(name))),
    );
    return { pullFrom, pushTo };
  }

  private sourceFor(name: ObjectName): number | undefined {
    for (const [osd, lacks] of this.sources) {
      if (osd !== this.cfg.self && lacks !== undefined && !lacks.has(name)) return osd;
    }
    return undefined;
  }

  private onInterval(ev: Extract<PeeringEvent, { t: 'interval' }>): PeeringAction[] {
    invariant(ev.epoch >= this.epoch, 'intervals arrive in epoch order');
    invariant(ev.probe.length <= MAX_PROBES, 'probe set is bounded');
    invariant(!ev.probe.includes(this.cfg.self), 'the primary does not query itself');
    this.epoch = ev.epoch;
    this.acting = [...ev.acting];
    this.downAt = ev.downAt;
    this.waiting.clear();
    this.failed.clear();
    this.replies.clear();
    this.activating.clear();
    this.missing.clear();
    this.backfills.clear();
    this.backfillDone.clear();
    this.sources = new Map();
    this.inflight.clear();
    this.backfillsStarted = false;
    if (ev.primary !== this.cfg.self) {
      this.phase = 'replica';
      return [];
    }
    invariant(ev.acting.includes(this.cfg.self), 'the primary is in the acting set');
    checkLog(ev.local);
    this.phase = 'getinfo';
    this.replies.set(this.cfg.self, ev.local);
    for (const osd of ev.probe) this.waiting.add(osd);
    const queries: PeeringAction[] = ev.probe.map((to) => ({ a: 'query', to, epoch: ev.epoch }));
    return [...queries, ...this.maybeDecide(), ...(this.phase === 'getinfo' ? [this.stateAction()] : [])];
  }

  private maybeDecide(): PeeringAction[] {
    if (this.waiting.size > 0) return [];
    const out = this.decide();
    return [...out, this.stateAction()];
  }

  /** GetInfo is complete: choose the authoritative log, the missing sets, and activate. */
  private decide(): PeeringAction[] {
    const { self, minSize } = this.cfg;
    // The newest interval that may have gone active: a copy's own activation epoch counts unless
    // the copy is mid-backfill (it is set before the interval went active, Ceph's is_incomplete
    // rule); the epoch of writes a copy took part in always counts.
    let maxLes = 0;
    for (const r of this.replies.values()) {
      maxLes = Math.max(maxLes, r.info.lastEpochActive, r.info.backfilling ? 0 : r.info.lastEpochStarted);
    }
    // Who could have activated the PG after maxLes without any responder knowing?
    let unknown = this.failed.size;
    for (const [osd, at] of this.downAt) if (at > maxLes && !this.failed.has(osd)) unknown++;
    if (unknown >= minSize) {
      this.phase = 'down';
      return [];
    }
    let auth: { osd: number; log: PeerLog } | undefined;
    for (const [osd, log] of this.replies) {
      if (log.info.lastEpochStarted < maxLes || log.info.backfilling) continue;
      const better =
        auth === undefined ||
        compareEversion(log.info.lastUpdate, auth.log.info.lastUpdate) > 0 ||
        (compareEversion(log.info.lastUpdate, auth.log.info.lastUpdate) === 0 && osd === self);
      if (better) auth = { osd, log };
    }
    if (auth === undefined) {
      this.phase = 'incomplete';
      return [];
    }
    if (this.acting.length < minSize) {
      this.phase = 'peered';
      return [];
    }
    // An acting member that did not answer cannot be activated (nor told what it lacks): wait
    // for it, or for the map that removes it.
    if (this.acting.some((osd) => !this.replies.has(osd))) {
      this.phase = 'down';
      return [];
    }
    for (const [osd, log] of this.replies) this.sources.set(osd, missingFor(auth.log, log));
    const actions: ActivateAction[] = [];
    for (const osd of this.acting) {
      const log = this.replies.get(osd);
      invariant(log !== undefined, `acting osd.${osd} answered the query`);
      const lacks = this.sources.get(osd);
      const cp = lacks === undefined ? undefined : commonPoint(auth.log, log);
      if (lacks === undefined || cp === undefined) {
        const source = osd === self ? auth.osd : self;
        this.backfills.set(osd, source);
        actions.push(this.activation(osd, auth.log, -1, [], true));
      } else {
        this.missing.set(osd, lacks);
        actions.push(this.activation(osd, auth.log, cp, [...lacks], false));
      }
    }
    // Every object someone lacks needs a complete source, or the PG cannot recover it.
    const selfBackfill = this.backfills.get(self);
    if (selfBackfill !== undefined && (this.sources.get(selfBackfill)?.size ?? 1) > 0) {
      this.phase = 'incomplete';
      return [];
    }
    for (const name of this.missing.get(self) ?? []) {
      if (this.sourceFor(name) === undefined) {
        this.phase = 'incomplete';
        return [];
      }
    }
    this.phase = 'activating';
    for (const a of actions) this.activating.add(a.to);
    return actions;
  }

  private activation(to: number, auth: PeerLog, keepThrough: number, missing: ObjectName[], backfill: boolean): ActivateAction {
    const entries = auth.entries.filter((e) => e.version > keepThrough);
    return {
      a: 'activate',
      to,
      epoch: this.epoch,
      keepThrough: backfill ? -1 : keepThrough,
      entries,
      // A log-recovered copy keeps its own older entries, so its tail stays where it was.
      logTail: backfill ? auth.info.logTail : (this.replies.get(to)?.info.logTail ?? auth.info.logTail),
      missing,
      backfill,
    };
  }

  /** Starts recoveries up to the limit: the primary's own objects first, then replicas'. */
  private schedule(): PeeringAction[] {
    const out: PeeringAction[] = [];
    if (!this.backfillsStarted) {
      this.backfillsStarted = true;
      for (const [target, source] of this.backfills) out.push({ a: 'backfill', epoch: this.epoch, target, source });
    }
    const order = [this.cfg.self, ...this.acting.filter((o) => o !== this.cfg.self)];
    for (const osd of order) {
      for (const name of this.missing.get(osd) ?? []) {
        if (this.inflight.size >= this.cfg.recoveryMaxActive) return out;
        if (this.inflight.has(name)) continue;
        this.inflight.add(name);
        out.push({ a: 'recover', epoch: this.epoch, name });
      }
    }
    return out;
  }

  private stateAction(): PeeringAction {
    return { a: 'state', state: this.state };
  }
}
