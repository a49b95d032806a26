// sepia-mon: owns the OSDMap. Every change is a new epoch, flushed to lmdb before it is pushed to
// subscribers. Serves monitor commands (pools, OSD state, status, df) and OSD boot/stat reports.
import { join } from 'node:path';
import { RadosError, ERRNO } from '../core/errors.js';
import { invariant } from '../core/assert.js';
import type { Config } from '../core/config.js';
import { listen, type Connection } from '../msg/index.js';
import type { Logger } from '../io/log.js';
import { realClock, type Clock, type Timer } from '../io/clock.js';
import type { StreamTransport } from '../io/tcp.js';
import { MonStore } from './store.js';
import { CLS_COMMANDS, MonClassRegistry } from './class-registry.js';
import {
  createPool,
  emptyOsdMap,
  osdBoot,
  osdMarkDown,
  osdSetCrush,
  osdSetWeight,
  poolByName,
  removePool,
  setPoolField,
  WEIGHT_IN,
  type OsdMap,
} from './maps/osdmap.js';
import { computeDf, computeStatus, computePgStates } from './status.js';
import {
  MSG,
  type MonCommand,
  type MonCommandReply,
  type MonHello,
  type MonHelloReply,
  type MonSubscribe,
  type OsdBoot,
  type OsdPgStats,
  type OsdFailureReport,
  type OsdMapMessage,
} from '../proto/messages.js';
import { diffOsdMap } from './maps/osdmap-incremental.js';
import { mapPg, pgIdString, poolById, type PoolInfo } from './maps/osdmap.js';
import {
  crushAddBucket,
  crushAddDevice,
  crushMove,
  crushRemove,
  crushReweight,
  parseCrushLocation,
  type CrushEdit,
} from './maps/crush-edit.js';
import { osdTreeJson } from './maps/osd-tree.js';
import { crushDumpJson, crushTreeJson, type CrushMap } from '../placement/index.js';

export interface MonitorOptions {
  readonly config: Config;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
  /** Wall-clock ISO time for map stamps (injected by the simulator). */
  readonly now?: () => string;
  /** Byte-stream transport (default TCP; the simulator passes its own). */
  readonly transport?: StreamTransport;
  /** Durable map store (default lmdb under dataDir; the simulator passes an in-memory one). */
  readonly store?: MonMapStore;
  readonly clock?: Clock;
}

/** What the monitor needs from its durable store. */
export type MonMapStore = Pick<
  MonStore,
  'lastCommitted' | 'loadMap' | 'getCounter' | 'setCounter' | 'getValue' | 'setValue' | 'commitMap' | 'close'
>;

/** Subscribers get every new epoch; a bounded number keeps a runaway client from exhausting memory. */
const MAX_SUBSCRIBERS = 10_000;

export class Monitor {
  private map!: OsdMap;
  private store!: MonMapStore;
  private server!: Awaited<ReturnType<typeof listen>>;
  private readonly subscribers = new Set<Connection>();
  /** The map last published, the base of the next incremental. */
  private published: OsdMap | undefined;
  private readonly reports = new Map<number, OsdPgStats>();
  /** Per OSD: its recovered-object counter at its previous report, and the rate since then. */
  private readonly recoveryRates = new Map<number, { count: number; at_ms: number; perSec: number }>();
  /** OSD id → its monitor session: a dropped session marks the OSD down (fast local detection). */
  private readonly osdSessions = new Map<number, Connection>();
  /** Failure reports: target OSD → (its up_from when reported, distinct reporters). */
  private readonly failureReports = new Map<number, { upFrom: number; reporters: Set<number> }>();
  /** Down OSD → monotonic ms when this monitor first saw it down (for mon_osd_down_out_interval). */
  private readonly downSince_ms = new Map<number, number>();
  private downOutTimer: Timer | undefined;
  /** Map changes are serialised: one epoch at a time, each durable before the next starts. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly allowPoolDelete: boolean;
  private runtimeAllowPoolDelete: boolean | undefined;
  private readonly now: () => string;
  /** Registered object classes (ClassMap): persisted, pushed to OSD sessions, `cls` commands. */
  private classes!: MonClassRegistry;

  constructor(private readonly opts: MonitorOptions) {
    this.allowPoolDelete = opts.config.get('mon_allow_pool_delete');
    this.now = opts.now ?? (() => new Date().toISOString());
  }

  get port(): number {
    return this.server.port;
  }

  get osdMap(): OsdMap {
    return this.map;
  }

  async start(): Promise<void> {
    this.store = this.opts.store ?? new MonStore(join(this.opts.dataDir, 'store.lmdb'));
    this.classes = new MonClassRegistry(this.store, this.now, () => this.osdSessions.entries(), this.opts.log);
    const last = this.store.lastCommitted();
    if (last > 0) {
      const loaded = this.store.loadMap(last);
      invariant(loaded !== undefined && loaded.epoch === last, `osdmap epoch ${last} is stored`);
      this.map = loaded;
    } else {
      const fsid = this.opts.config.get('fsid');
      if (fsid === '') throw RadosError.from('EINVAL', 'fsid must be set in sepia.conf to create a new monitor');
      this.map = emptyOsdMap(fsid, this.now(), 'osd');
      await this.store.commitMap(this.map);
    }
    const allow = this.store.getValue('mon_allow_pool_delete');
    if (typeof allow === 'boolean') this.runtimeAllowPoolDelete = allow;
    // Every OSD starts down until it boots again: a restarted monitor has no live sessions. This
    // is one epoch, committed before anyone can connect, so a quick boot is never undone by it.
    const wasUp = this.map.osds.filter((o) => o.up).map((o) => o.id);
    if (wasUp.length > 0) {
      const stamp = this.now();
      await this.propose((m) => ({
        ...m,
        epoch: m.epoch + 1,
        modified: stamp,
        osds: m.osds.map((o) => (o.up ? { ...o, up: false, downAt: m.epoch + 1 } : o)),
      }));
    }
    this.server = await listen({
      host: this.opts.host,
      port: this.opts.port,
      ...(this.opts.transport ? { transport: this.opts.transport } : {}),
      log: (level, msg) => this.opts.log.log(level, msg),
      handler: {
        onRequest: (type, body, ctx) => this.onRequest(type, body, ctx.conn),
        onClose: (conn) => this.onClose(conn),
      },
    });
    const clock = this.opts.clock ?? realClock;
    const outInterval_ms = this.opts.config.get('mon_osd_down_out_interval') * 1000;
    this.downOutTimer = clock.every(Math.max(10, Math.min(1000, outInterval_ms / 4)), () => this.markDownOsdsOut(clock, outInterval_ms));
    this.opts.log.info(`mon listening on ${this.opts.host}:${this.server.port}, osdmap e${this.map.epoch}`);
  }

  async stop(): Promise<void> {
    this.downOutTimer?.cancel();
    await this.server.close();
    await this.chain.catch(() => undefined);
    await this.store.close();
  }

  /** Applies a change, persists the new epoch, then publishes it. Serialised. */
  private propose(change: (m: OsdMap) => OsdMap): Promise<OsdMap> {
    const run = async (): Promise<OsdMap> => {
      const nextMap = change(this.map);
      if (nextMap === this.map) return this.map;
      invariant(nextMap.epoch === this.map.epoch + 1, 'a change advances the epoch by one');
      await this.store.commitMap(nextMap);
      this.map = nextMap;
      this.publish();
      return nextMap;
    };
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private publish(): void {
    // One body object for every subscriber: the messenger encodes it once. Normally that body is
    // the incremental from the epoch published before (what changed); a subscriber that missed
    // an epoch asks for the full map.
    const prev = this.published;
    this.published = this.map;
    const inc = prev !== undefined && prev.epoch + 1 === this.map.epoch ? diffOsdMap(prev, this.map) : undefined;
    const body: OsdMapMessage = inc !== undefined ? { inc } : { map: this.map };
    for (const conn of this.subscribers) {
      if (conn.closed) this.subscribers.delete(conn);
      else conn.send(MSG.OSDMAP, body);
    }
  }

  /** Down OSDs stay in (their PGs wait for them) until mon_osd_down_out_interval passes; then out. */
  private markDownOsdsOut(clock: Clock, interval_ms: number): void {
    const now_ms = clock.monotonic_ms();
    for (const o of this.map.osds) {
      if (o.up) {
        this.downSince_ms.delete(o.id);
        continue;
      }
      const since_ms = this.downSince_ms.get(o.id);
      if (since_ms === undefined) {
        this.downSince_ms.set(o.id, now_ms);
        continue;
      }
      if (o.weight === 0 || now_ms - since_ms < interval_ms) continue;
      this.opts.log.info(`osd.${o.id} down for ${Math.round((now_ms - since_ms) / 1000)} s; marking out`);
      this.downSince_ms.set(o.id, now_ms);
      void this.propose((m) => {
        const cur = m.osds.find((x) => x.id === o.id);
        return cur && !cur.up && cur.weight > 0 ? osdSetWeight(m, this.now(), o.id, 0) : m;
      }).catch((err: unknown) => this.opts.log.error(`marking osd.${o.id} out failed: ${String(err)}`));
    }
  }

  /**
   * A peer says `target` stopped answering heartbeats. One report is not enough (the reporter
   * may be the one cut off): mon_osd_min_down_reporters distinct OSDs must agree, or every other
   * up OSD when fewer are up.
   */
  private async failureReport(r: OsdFailureReport): Promise<{ ok: true }> {
    const target = this.map.osds.find((o) => o.id === r.target);
    const reporter = this.map.osds.find((o) => o.id === r.reporter);
    if (!target || !target.up || !reporter || !reporter.up || r.target === r.reporter) return { ok: true };
    let entry = this.failureReports.get(r.target);
    if (entry === undefined || entry.upFrom !== target.upFrom) {
      entry = { upFrom: target.upFrom, reporters: new Set() };
      this.failureReports.set(r.target, entry);
    }
    entry.reporters.add(r.reporter);
    const others = this.map.osds.filter((o) => o.up && o.id !== r.target).length;
    const needed = Math.max(1, Math.min(this.opts.config.get('mon_osd_min_down_reporters'), others));
    this.opts.log.info(`osd.${r.target} reported failed by osd.${r.reporter} (${entry.reporters.size}/${needed}, silent ${Math.round(r.silent_ms)} ms)`);
    if (entry.reporters.size < needed) return { ok: true };
    this.failureReports.delete(r.target);
    // Its last PG report is stale now; left in place it would shadow the new primaries' reports.
    this.reports.delete(r.target);
    await this.propose((m) => osdMarkDown(m, this.now(), r.target));
    return { ok: true };
  }

  private onClose(conn: Connection): void {
    this.subscribers.delete(conn);
    for (const [id, session] of this.osdSessions) {
      if (session !== conn) continue;
      this.osdSessions.delete(id);
      this.reports.delete(id);
      this.opts.log.info(`osd.${id} session closed; marking down`);
      void this.propose((m) => osdMarkDown(m, this.now(), id)).catch((err: unknown) =>
        this.opts.log.error(`marking osd.${id} down failed: ${String(err)}`),
      );
    }
  }

  private async onRequest(type: string, body: unknown, conn: Connection): Promise<unknown> {
    switch (type) {
      case MSG.MON_HELLO:
        return this.hello(body as MonHello);
      case MSG.MON_SUBSCRIBE: {
        const sub = body as MonSubscribe;
        if (this.subscribers.size >= MAX_SUBSCRIBERS) throw RadosError.from('EAGAIN', 'too many subscribers');
        this.subscribers.add(conn);
        return { map: sub.sinceEpoch < this.map.epoch ? this.map : undefined };
      }
      case MSG.MON_GET_MAP:
        return { map: this.map };
      case MSG.OSD_BOOT:
        if (!isBoot(body)) throw RadosError.from('EINVAL', 'malformed osd boot');
        return this.boot(body, conn);
      case MSG.OSD_PG_STATS: {
        if (!isPgStats(body)) throw RadosError.from('EINVAL', 'malformed pg stats');
        const stats = body;
        this.reports.set(stats.id, stats);
        this.noteRecovery(stats);
        return { ok: true };
      }
      case MSG.OSD_FAILURE: {
        if (!isFailureReport(body)) throw RadosError.from('EINVAL', 'malformed failure report');
        return this.failureReport(body);
      }
      case MSG.OSD_STOPPING: {
        const { id } = body as { id: number };
        this.osdSessions.delete(id);
        this.reports.delete(id);
        await this.propose((m) => osdMarkDown(m, this.now(), id));
        return { ok: true };
      }
      case MSG.MON_COMMAND:
        if (typeof body !== 'object' || body === null || typeof (body as { prefix?: unknown }).prefix !== 'string') {
          throw RadosError.from('EINVAL', 'malformed monitor command');
        }
        return this.command(body as MonCommand);
      default:
        throw RadosError.from('EOPNOTSUPP', `unknown monitor request '${type}'`);
    }
  }

  private async hello(hello: MonHello): Promise<MonHelloReply> {
    if (hello.entityType === 'osd') return { globalId: hello.id, fsid: this.map.fsid };
    // Client ids are unique for the cluster's lifetime, like Ceph's global_id (client.4123).
    const id = Math.max(this.store.getCounter('global_id'), 4095) + 1;
    await this.store.setCounter('global_id', id);
    return { globalId: id, fsid: this.map.fsid };
  }

  private async boot(boot: OsdBoot, conn: Connection): Promise<{ epoch: number }> {
    const previous = this.osdSessions.get(boot.id);
    if (previous !== undefined && previous !== conn && !previous.closed) previous.close();
    this.osdSessions.set(boot.id, conn);
    this.subscribers.add(conn);
    const map = await this.propose((m) => osdBoot(m, this.now(), boot));
    this.opts.log.info(`osd.${boot.id} booted at ${boot.addr} (e${map.epoch})`);
    return { epoch: map.epoch };
  }

  private noteRecovery(stats: OsdPgStats): void {
    const count = typeof stats.recoveredObjects === 'number' ? stats.recoveredObjects : 0;
    const now_ms = (this.opts.clock ?? realClock).monotonic_ms();
    const prev = this.recoveryRates.get(stats.id);
    let perSec = 0;
    // A restarted OSD counts from zero again: that is no negative rate.
    if (prev !== undefined && now_ms > prev.at_ms && count >= prev.count) perSec = ((count - prev.count) * 1000) / (now_ms - prev.at_ms);
    this.recoveryRates.set(stats.id, { count, at_ms: now_ms, perSec });
  }

  private recoveryPerSec(): number {
    let sum = 0;
    for (const [id, r] of this.recoveryRates) if (this.reports.has(id)) sum += r.perSec;
    return sum;
  }

  /** Parses a PG id as Ceph prints it ("1.a") and finds its acting primary's monitor session. */
  private pgOf(pgid: string): { pool: PoolInfo; ps: number } {
    const m = /^(\d+)\.([0-9a-f]+)$/.exec(pgid);
    const pool = m ? poolById(this.map, Number(m[1])) : undefined;
    const ps = m ? parseInt(m[2] ?? '', 16) : Number.NaN;
    if (!m) throw RadosError.from('EINVAL', `invalid pgid '${pgid}'`);
    if (!pool || !(ps < pool.pgNum)) throw RadosError.from('ENOENT', `pg ${pgid} does not exist`);
    return { pool, ps };
  }

  private pgPrimary(pgid: string): { pool: number; ps: number; primary: number; session: Connection } {
    const { pool, ps } = this.pgOf(pgid);
    const primary = mapPg(this.map, pool, ps).actingPrimary;
    const session = this.osdSessions.get(primary);
    if (primary < 0 || session === undefined || session.closed) throw RadosError.from('EAGAIN', `pg ${pgid} primary osd.${primary} is not up`);
    return { pool: pool.id, ps, primary, session };
  }

  private poolDeleteAllowed(): boolean {
    return this.runtimeAllowPoolDelete ?? this.allowPoolDelete;
  }

  private async command(cmd: MonCommand): Promise<MonCommandReply> {
    try {
      return await this.runCommand(cmd);
    } catch (err) {
      if (RadosError.is(err)) return { ret: -err.errno, outs: err.message.replace(/: \(\d+\) .*$/, '') };
      throw err;
    }
  }

  private async runCommand(cmd: MonCommand): Promise<MonCommandReply> {
    const str = (k: string): string => {
      const v = cmd[k];
      if (typeof v !== 'string' || v === '') throw RadosError.from('EINVAL', `missing required argument '${k}'`);
      return v;
    };
    const num = (k: string, fallback: number): number => {
      const v = cmd[k];
      if (v === undefined) return fallback;
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isInteger(n)) throw RadosError.from('EINVAL', `'${String(v)}' is not an integer for ${k}`);
      return n;
    };
    const cfg = this.opts.config;
    if (CLS_COMMANDS.has(cmd.prefix)) return this.classes.command(cmd);
    switch (cmd.prefix) {
      case 'osd pool create':
      case 'osd pool create exclusive': {
        const name = str('pool');
        // 'exclusive' is librados pool_create: EEXIST (from createPool) when the name is taken.
        if (cmd.prefix === 'osd pool create' && poolByName(this.map, name)) return { ret: 0, outs: `pool '${name}' already exists` };
        const pgNum = num('pg_num', cfg.get('osd_pool_default_pg_num'));
        await this.propose((m) =>
          createPool(m, this.now(), {
            name,
            pgNum: pgNum > 0 ? pgNum : cfg.get('osd_pool_default_pg_num'),
            pgpNum: num('pgp_num', cfg.get('osd_pool_default_pgp_num')),
            size: num('size', cfg.get('osd_pool_default_size')),
            minSize: num('min_size', cfg.get('osd_pool_default_min_size')),
          }),
        );
        return { ret: 0, outs: `pool '${name}' created` };
      }
      case 'osd pool rm':
      case 'osd pool delete': {
        const name = str('pool');
        const pool = poolByName(this.map, name);
        if (!pool) return { ret: cmd['strict'] === true ? -ERRNO.ENOENT : 0, outs: `pool '${name}' does not exist` };
        if (cmd['pool2'] !== name || cmd['yes_i_really_really_mean_it'] !== true) {
          return {
            ret: -ERRNO.EPERM,
            outs:
              `WARNING: this will *PERMANENTLY DESTROY* all data stored in pool ${name}.  If you are *ABSOLUTELY CERTAIN* ` +
              'that is what you want, pass the pool name *twice*, followed by --yes-i-really-really-mean-it.',
          };
        }
        if (!this.poolDeleteAllowed()) {
          return {
            ret: -ERRNO.EPERM,
            outs: 'pool deletion is disabled; you must first set the mon_allow_pool_delete config option to true before you can destroy a pool',
          };
        }
        await this.propose((m) => removePool(m, this.now(), name));
        return { ret: 0, outs: `pool '${name}' removed` };
      }
      case 'osd pool ls':
        return { ret: 0, outs: '', out: this.map.pools.map((p) => p.name) };
      case 'osd pool set': {
        const name = str('pool');
        const variable = str('var');
        if (variable !== 'size' && variable !== 'min_size') {
          return { ret: -ERRNO.EINVAL, outs: `unrecognized variable '${variable}'` };
        }
        const value = num('val', Number.NaN);
        await this.propose((m) => setPoolField(m, this.now(), name, variable, value));
        return { ret: 0, outs: `set pool ${poolByName(this.map, name)?.id ?? '?'} ${variable} to ${value}` };
      }
      case 'osd pool get': {
        const pool = poolByName(this.map, str('pool'));
        if (!pool) return { ret: -ERRNO.ENOENT, outs: `unrecognized pool '${String(cmd['pool'])}'` };
        return { ret: 0, outs: '', out: pool };
      }
      case 'osd dump':
      case 'osd tree':
      case 'osd getmap':
        return { ret: 0, outs: '', out: cmd.prefix === 'osd tree' && cmd['format'] === 'json' ? osdTreeJson(this.map) : this.map };
      case 'osd out':
      case 'osd in': {
        const ids = (cmd['ids'] as unknown[] | undefined)?.map(Number) ?? [];
        const done: number[] = [];
        for (const id of ids) {
          if (!this.map.osds.some((o) => o.id === id)) return { ret: -ERRNO.ENOENT, outs: `osd.${id} does not exist` };
          await this.propose((m) => osdSetWeight(m, this.now(), id, cmd.prefix === 'osd out' ? 0 : WEIGHT_IN));
          done.push(id);
        }
        return { ret: 0, outs: `marked ${cmd.prefix === 'osd out' ? 'out' : 'in'} ${done.map((i) => `osd.${i}`).join(', ')}. ` };
      }
      case 'osd down': {
        const ids = (cmd['ids'] as unknown[] | undefined)?.map(Number) ?? [];
        for (const id of ids) await this.propose((m) => osdMarkDown(m, this.now(), id));
        return { ret: 0, outs: `marked down ${ids.map((i) => `osd.${i}`).join(', ')}. ` };
      }
      case 'osd crush tree':
        return { ret: 0, outs: '', out: crushTreeJson(this.map.crush) };
      case 'osd crush dump':
        return { ret: 0, outs: '', out: crushDumpJson(this.map.crush) };
      case 'osd crush reweight':
      case 'osd crush add-bucket':
      case 'osd crush move':
      case 'osd crush add':
      case 'osd crush rm':
      case 'osd crush remove': {
        // Each edit runs against the map current when its turn in the proposal chain comes.
        const args = Array.isArray(cmd['args']) ? (cmd['args'] as unknown[]).map(String) : [];
        const weight = (): { value: number; text: string } => {
          const raw = cmd['weight'];
          const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
          if (!Number.isFinite(value) || value < 0) throw RadosError.from('EINVAL', `unable to parse weight value '${String(raw)}'`);
          return { value, text: String(raw) };
        };
        let edit: (c: CrushMap) => CrushEdit;
        switch (cmd.prefix) {
          case 'osd crush reweight': {
            const name = str('name');
            const w = weight();
            edit = (c) => crushReweight(c, name, w.value, w.text);
            break;
          }
          case 'osd crush add-bucket': {
            const name = str('name');
            const type = str('type');
            const loc = parseCrushLocation(args);
            edit = (c) => crushAddBucket(c, name, type, loc);
            break;
          }
          case 'osd crush move': {
            const name = str('name');
            const loc = parseCrushLocation(args);
            edit = (c) => crushMove(c, name, loc);
            break;
          }
          case 'osd crush add': {
            const idText = String(cmd['id'] ?? '');
            const id = Number(idText.replace(/^osd\./, ''));
            if (!Number.isInteger(id) || id < 0) throw RadosError.from('EINVAL', `invalid osd id '${idText}'`);
            if (!this.map.osds.some((o) => o.id === id)) {
              throw RadosError.from('ENOENT', `osd.${id} does not exist. Create it before updating the crush map`);
            }
            const w = weight();
            const loc = parseCrushLocation(args);
            edit = (c) => crushAddDevice(c, id, w.value, loc, w.text);
            break;
          }
          default: {
            const name = str('name');
            edit = (c) => crushRemove(c, name);
          }
        }
        let message = '';
        await this.propose((m) => {
          const result = edit(m.crush);
          message = result.message;
          return result.changed ? osdSetCrush(m, this.now(), result.crush) : m;
        });
        return { ret: 0, outs: message };
      }
      case 'status':
        return { ret: 0, outs: '', out: computeStatus(this.map, this.reports, this.recoveryPerSec()) };
      case 'df':
        return { ret: 0, outs: '', out: { pools: computeDf(this.map, this.reports), status: computeStatus(this.map, this.reports, this.recoveryPerSec()) } };
      case 'pg dump': {
        const pgs = [...computePgStates(this.map, this.reports).values()].map((p) => {
          const pool = poolById(this.map, p.pool);
          const m = pool ? mapPg(this.map, pool, p.ps) : undefined;
          return {
            pgid: pgIdString(p.pool, p.ps),
            ...p,
            up: m?.up ?? [],
            up_primary: m?.upPrimary ?? -1,
            acting: m?.acting ?? [],
            acting_primary: m?.actingPrimary ?? -1,
          };
        });
        return { ret: 0, outs: '', out: pgs };
      }
      case 'pg map': {
        const pgid = str('pgid');
        const { pool, ps } = this.pgOf(pgid);
        const m = mapPg(this.map, pool, ps);
        return { ret: 0, outs: '', out: { epoch: this.map.epoch, raw_pgid: pgid, pgid: pgIdString(pool.id, ps), up: m.up, acting: m.acting } };
      }
      case 'pg scrub':
      case 'pg deep-scrub':
      case 'pg repair': {
        const pgid = str('pgid');
        const { pool, ps, primary, session } = this.pgPrimary(pgid);
        const verb = cmd.prefix.slice('pg '.length);
        await session.request(MSG.OSD_PG_SCRUB, { pool, ps, deep: verb !== 'scrub', repair: verb === 'repair' }, { timeout_ms: 10_000 });
        return { ret: 0, outs: `instructing pg ${pgid} on osd.${primary} to ${verb}` };
      }
      case 'pg list-inconsistent-obj': {
        const { pool, ps, session } = this.pgPrimary(str('pgid'));
        const out = await session.request(MSG.OSD_PG_LIST_INCONSISTENT, { pool, ps }, { timeout_ms: 10_000 });
        return { ret: 0, outs: '', out };
      }
      case 'config set': {
        const name = str('name');
        if (name.replace(/[ -]/g, '_') !== 'mon_allow_pool_delete') {
          return { ret: -ERRNO.EINVAL, outs: `unrecognized config option '${name}'` };
        }
        const value = String(cmd['value']).toLowerCase();
        this.runtimeAllowPoolDelete = value === 'true' || value === '1' || value === 'yes';
        await this.store.setValue('mon_allow_pool_delete', this.runtimeAllowPoolDelete);
        return { ret: 0, outs: '' };
      }
      default:
        return { ret: -ERRNO.EINVAL, outs: `unknown command '${cmd.prefix}'` };
    }
  }
}

function isFailureReport(v: unknown): v is OsdFailureReport {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return Number.isSafeInteger(r['target']) && Number.isSafeInteger(r['reporter']) && typeof r['silent_ms'] === 'number';
}

function isBoot(v: unknown): v is OsdBoot {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as Record<string, unknown>;
  return Number.isSafeInteger(b['id']) && (b['id'] as number) >= 0 && (b['id'] as number) < 1_000_000 &&
    typeof b['addr'] === 'string' && typeof b['host'] === 'string' && typeof b['uuid'] === 'string';
}

function isPgStats(v: unknown): v is OsdPgStats {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  const store = s['store'] as Record<string, unknown> | undefined;
  return Number.isSafeInteger(s['id']) && Array.isArray(s['pgs']) && Array.isArray(s['poolIo']) &&
    typeof store === 'object' && store !== null && typeof store['usedBytes'] === 'number' &&
    (s['pgs'] as unknown[]).every((p) => typeof p === 'object' && p !== null && typeof (p as Record<string, unknown>)['state'] === 'string');
}
