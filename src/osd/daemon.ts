// sepia-osd: wiring only. Messenger + PGs + store + op engine. The primary of a PG executes each
// compound op on a scratch view, applies the resulting transaction locally and sends it to every
// other acting OSD; the client is answered only when all of them have committed it durably.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { RadosError, ERRNO, neg } from '../core/errors.js';
import { invariant } from '../core/assert.js';
import type { Config } from '../core/config.js';
import { parseHostPort } from '../core/config.js';
import { connect, listen, type Connection } from '../msg/index.js';
import { GatheredBytes } from '../codec/frame.js';
import type { Logger } from '../io/log.js';
import type { Clock, Timer } from '../io/clock.js';
import type { StreamTransport } from '../io/tcp.js';
import { diskUsage } from '../io/files.js';
import { locateObject, mapPg, osdById, poolById, type OsdMap } from '../mon/maps/osdmap.js';
import { receivedMap } from '../mon/maps/osdmap-incremental.js';
import { objectToPg } from '../placement/index.js';
import {
  MSG,
  ALL_NSPACES,
  type ObjectCopy,
  type OsdPgActivate,
  type OsdPgInfoReply,
  type OsdPgPull,
  type OsdPgPullReply,
  type OsdPgPush,
  type OsdPgQuery,
  type OsdPgScan,
  type OsdPgScanReply,
  type OsdPgScrubMap,
  type OsdPgScrubMapReply,
  type OsdPgScrubRequest,
  type OsdPgListInconsistent,
  type OsdPgListInconsistentReply,
  type ClassMapMessage,
  type MonCommandReply,
  type MonHelloReply,
  type OsdMapMessage,
  type OsdOpReply,
  type OsdOpRequest,
  type OsdPglsReply,
  type OsdPglsRequest,
  type OsdRepop,
  type PgLogEntry,
  type PgStat,
} from '../proto/messages.js';
import { executeOps, isWriteOp, memoryObject, memoryView, precheckRequest, type CopyFromOp, type ObjectView, type OpLimits, type OpOutcome, type SubOp, type SubOpOut } from './ops/index.js';
import { STORE_LIMITS, type ObjectKey, type ObjectStore } from './store/object-store.js';
import { PgState, PG_LOG_KEEP, LOG_TRIM_EVERY, type PgPersisted } from './pg-state.js';
import { isValidOpRequest, isValidPglsRequest, isValidRepop } from './validate.js';
import { PgPeering, compareScrubMaps, objectNameOf, parseObjectName, type ActivateAction, type PeeringAction, type PeeringEvent, type ScrubInconsistency, type ScrubMap } from './pg/index.js';
import { buildScrubMap } from './scrub.js';
import { mutationForCopy, readObjectCopy, sameVersion } from './object-copy.js';
import { Heartbeat } from './heartbeat.js';
import { ClassHost } from '../cls/class-host.js';

export interface OsdOptions {
  readonly id: number;
  readonly config: Config;
  readonly store: ObjectStore;
  readonly dataDir: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** Byte-stream transport (default TCP; the simulator passes its own). */
  readonly transport?: StreamTransport;
  /** Source of this OSD's uuid on first start (the simulator makes it deterministic). */
  readonly uuid?: () => string;
  /** Host name for the CRUSH map (default: this machine's). */
  readonly host?: string;
}

/** Bounds (TigerBeetle style: every queue has a limit). */
const MAX_QUEUED_OPS_PER_PG = 4096;
/** Results that say "try again" rather than what the op did; never replayed to a resend. */
const TRANSIENT_ERRNOS: ReadonlySet<number> = new Set([ERRNO.EAGAIN, ERRNO.EINPROGRESS, ERRNO.ETIMEDOUT, ERRNO.ENOTCONN]);
const MAP_WAIT_TIMEOUT_MS = 10_000;
const STATS_INTERVAL_MS = 1_000;
const PGLS_MAX_ENTRIES = 1024;
/** Peering and recovery requests to a peer that does not answer in this long count as failed. */
const PEER_REQUEST_TIMEOUT_MS = 15_000;
/** An op waits this long for its PG to go active before the client is told to retry. */
const ACTIVE_WAIT_MS = 30_000;
const BACKFILL_SCAN_PAGE = 256;
/** Objects per PG a backfill compares (listings are held in memory). */
const BACKFILL_OBJECTS_MAX = 1_000_000;
const RECOVERY_ATTEMPTS_MAX = 20;
const RECOVERY_RETRY_MS = 500;
const REPEER_DELAY_MS = 1000;

/** A peer refused a message from an interval it has already left behind. */
const STALE_INTERVAL = 'ERESTART';

export class Osd {
  private map: OsdMap | undefined;
  /** A full map requested after an incremental that did not apply (a missed epoch). */
  private fetchingFullMap = false;
  private mon!: Connection;
  private server!: Awaited<ReturnType<typeof listen>>;
  private readonly peers = new Map<number, { addr: string; conn: Connection }>();
  private readonly pgs = new Map<string, PgState>();
  private readonly mapWaiters: Array<{ epoch: number; resolve: () => void }> = [];
  private readonly limits: OpLimits;
  private readonly prechecks: { maxObjectNameLen: number; maxNamespaceLen: number; maxWriteSizeBytes: number };
  private readonly poolIo = new Map<number, { rdOps: number; rdBytes: number; wrOps: number; wrBytes: number }>();
  private statsTimer: Timer | undefined;
  private uuid = '';
  private stopping = false;
  private booted!: Promise<void>;
  private readonly classes: ClassHost;
  private addr = '';
  private rebooting = false;
  private heartbeat: Heartbeat | undefined;
  private statsSoon = false;
  /** OSD-wide throttle of background recoveries (osd_recovery_max_active). */
  private recoveryActive = 0;
  private readonly recoveryWaiters: Array<() => void> = [];
  private readonly recoveryMaxActive: number;
  /** Objects recovered or backfilled by this OSD as primary since it started. */
  private recoveredObjects = 0;

  constructor(private readonly opts: OsdOptions) {
    const c = opts.config;
    this.limits = {
      maxObjectSizeBytes: c.get('osd_max_object_size'),
      maxAttrNameLen: c.get('osd_max_attr_name_len'),
      maxAttrSizeBytes: c.get('osd_max_attr_size'),
      maxOmapEntriesPerRequest: c.get('osd_max_omap_entries_per_request'),
      maxOmapBytesPerRequest: c.get('osd_max_omap_bytes_per_request'),
      maxWriteOpReplyLenBytes: c.get('osd_max_write_op_reply_len'),
    };
    this.classes = new ClassHost({
      lua: {
        maxWorkers: c.get('osd_cls_lua_max_workers'),
        maxInstructions: c.get('osd_cls_lua_max_instructions'),
        maxMemoryBytes: c.get('osd_cls_lua_max_memory_bytes'),
        timeout_ms: c.get('osd_cls_lua_timeout_ms'),
      },
      log: (m) => opts.log.debug(m),
    });
    this.recoveryMaxActive = Math.max(1, c.get('osd_recovery_max_active'));
    this.prechecks = {
      maxObjectNameLen: c.get('osd_max_object_name_len'),
      maxNamespaceLen: c.get('osd_max_object_namespace_len'),
      maxWriteSizeBytes: c.get('osd_max_write_size') * 1024 * 1024,
    };
  }

  get port(): number {
    return this.server.port;
  }

  async start(): Promise<void> {
    const { store, config, log } = this.opts;
    const superblock = store.getMeta('superblock') as { osdId: number; fsid: string; uuid: string } | undefined;
    const fsid = config.get('fsid');
    if (superblock) {
      if (superblock.osdId !== this.opts.id) throw RadosError.from('EINVAL', `store belongs to osd.${superblock.osdId}, not osd.${this.opts.id}`);
      if (fsid !== '' && superblock.fsid !== fsid) throw RadosError.from('EINVAL', `store belongs to cluster ${superblock.fsid}`);
      this.uuid = superblock.uuid;
    } else {
      this.uuid = (this.opts.uuid ?? randomUUID)();
      await store.apply({ objects: [], meta: [{ key: 'superblock', value: { osdId: this.opts.id, fsid, uuid: this.uuid } }] });
    }
    for (const { pool, ps } of store.listPgs()) this.loadPg(pool, ps);

    const bind = parseHostPort(config.get('public_addr'), 0);
    this.server = await listen({
      host: bind.host,
      port: bind.port,
      log: (level, msg) => log.log(level, msg),
      limits: { maxInflightRecvBytes: config.get('osd_client_message_size_cap') },
      ...(this.opts.transport ? { transport: this.opts.transport } : {}),
      handler: { onRequest: (type, body, ctx) => this.onRequest(type, body, ctx.conn) },
    });
    const addr = `${bind.host}:${this.server.port}`;
    this.addr = addr;
    const monAddr = parseHostPort(config.get('mon_host'), 6789);
    let bootedResolve!: () => void;
    this.booted = new Promise((r) => (bootedResolve = r));
    this.mon = connect({
      host: monAddr.host,
      port: monAddr.port,
      reconnect: true,
      ...(this.opts.transport ? { transport: this.opts.transport } : {}),
      log: (level, msg) => log.log(level, msg),
      handler: {
        onConnect: (conn) => {
          void this.bootWithMonitor(conn, addr).then(bootedResolve, (err: unknown) => log.error(`boot failed: ${String(err)}`));
        },
        onMessage: (type, body) => {
          if (type === MSG.OSDMAP) this.handleMapMessage(body as OsdMapMessage);
        },
        onRequest: (type, body) => {
          if (type === MSG.CLASSMAP) return this.classes.updateClassMap((body as ClassMapMessage).map);
          if (type === MSG.OSD_PG_SCRUB) return this.startScrub(checkScrubRequest(body));
          if (type === MSG.OSD_PG_LIST_INCONSISTENT) return this.listInconsistent(checkScrubRequest(body));
          throw RadosError.from('EOPNOTSUPP', `monitor request '${type}'`);
        },
      },
    });
    await this.booted;
    this.statsTimer = this.opts.clock.every(STATS_INTERVAL_MS, () => {
      this.opts.store.trimReadBuffers?.();
      void this.reportStats();
    });
    const grace_ms = config.get('osd_heartbeat_grace') * 1000;
    this.heartbeat = new Heartbeat({
      clock: this.opts.clock,
      interval_ms: Math.max(1, config.get('osd_heartbeat_interval') * 1000),
      grace_ms,
      ping: async (osd, timeout_ms) => {
        await this.peer(osd).request(MSG.OSD_PING, { from: this.opts.id, epoch: this.map?.epoch ?? 0 }, { timeout_ms });
      },
      report: (osd, silent_ms) => {
        log.warn(`osd.${osd} silent for ${Math.round(silent_ms)} ms; reporting it to the monitor`);
        void this.mon
          .request(MSG.OSD_FAILURE, { target: osd, reporter: this.opts.id, epoch: this.map?.epoch ?? 0, silent_ms })
          .catch(() => undefined);
      },
    });
    if (this.map) this.updateHeartbeatPeers(this.map);
    this.heartbeat.start();
    log.info(`osd.${this.opts.id} up at ${addr}`);
  }

  private async bootWithMonitor(conn: Connection, addr: string): Promise<void> {
    await conn.request<MonHelloReply>(MSG.MON_HELLO, { entityType: 'osd', id: this.opts.id });
    const host = this.opts.host ?? hostname();
    await conn.request(MSG.OSD_BOOT, { id: this.opts.id, addr, host, uuid: this.uuid });
    const classes = await conn.request<MonCommandReply>(MSG.MON_COMMAND, { prefix: 'cls getmap' });
    if (classes.ret === 0) this.classes.updateClassMap(classes.out as ClassMapMessage['map']);
    const { map } = await conn.request<{ map: OsdMap }>(MSG.MON_GET_MAP, {});
    this.handleMap(map);
    await this.reportStats();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.statsTimer?.cancel();
    this.heartbeat?.stop();
    try {
      await this.mon.request(MSG.OSD_STOPPING, { id: this.opts.id }, { timeout_ms: 2000 });
    } catch {
      // the monitor may already be gone; it marks us down when our session drops
    }
    this.mon.close();
    await this.server.close();
    for (const { conn } of this.peers.values()) conn.close();
    for (const pg of this.pgs.values()) await Promise.allSettled([...pg.inflight.values()]);
    await this.classes.close();
    await this.opts.store.close();
  }

  private loadPg(pool: number, ps: number): PgState {
    const key = `${pool}.${ps}`;
    let pg = this.pgs.get(key);
    if (pg) return pg;
    pg = new PgState(pool, ps);
    const store = this.opts.store;
    const persisted = store.getPgMeta(pool, ps) as PgPersisted | undefined;
    const retained = PG_LOG_KEEP + LOG_TRIM_EVERY;
    const after = Math.max(persisted?.logTail ?? 0, (persisted?.lastUpdate ?? 0) - retained);
    pg.load(persisted, store.readPgLog(pool, ps, after, retained));
    this.pgs.set(key, pg);
    return pg;
  }

  /** A published epoch, taken as receivedMap says. */
  private handleMapMessage(msg: OsdMapMessage): void {
    const next = receivedMap(this.map, msg);
    if (next.t === 'map') return this.handleMap(next.map);
    if (next.t === 'old') return;
    if (next.malformed) this.opts.log.warn('malformed osdmap incremental from the monitor; fetching the full map');
    // One fetch at a time: the incrementals that arrive meanwhile are older than its answer.
    if (this.fetchingFullMap) return;
    this.fetchingFullMap = true;
    void this.mon
      .request<{ map: OsdMap }>(MSG.MON_GET_MAP, {})
      .then(
        (r) => this.handleMap(r.map),
        () => undefined,
      )
      .finally(() => {
        this.fetchingFullMap = false;
      });
  }

  private handleMap(map: OsdMap): void {
    if (this.map && map.epoch <= this.map.epoch) return;
    const previous = this.map;
    this.map = map;
    // Reconnect to peers whose address changed (restarted OSDs).
    for (const [id, peer] of this.peers) {
      const osd = osdById(map, id);
      if (!osd || !osd.up || osd.addr !== peer.addr) {
        peer.conn.close();
        this.peers.delete(id);
      }
    }
    if (previous) {
      for (const pool of previous.pools) {
        if (!poolById(map, pool.id)) void this.dropPool(pool.id);
      }
    }
    const me = osdById(map, this.opts.id);
    if (me && !me.up && previous && !this.stopping) this.rebootAfterWrongDown();
    this.updateIntervals(map);
    this.updateHeartbeatPeers(map);
    // Tell the monitor about our PGs as soon as the set we lead may have changed, so new pools
    // do not sit in 'unknown' until the next periodic report.
    if (previous && this.statsTimer !== undefined) this.reportSoon();
    for (let i = this.mapWaiters.length - 1; i >= 0; i--) {
      const w = this.mapWaiters[i];
      if (w && w.epoch <= map.epoch) {
        this.mapWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private async dropPool(pool: number): Promise<void> {
    for (const key of [...this.pgs.keys()]) if (key.startsWith(`${pool}.`)) this.pgs.delete(key);
    await this.opts.store.removePool(pool);
    this.opts.log.info(`removed pool ${pool} data`);
  }

  private waitForEpoch(epoch: number): Promise<void> {
    if (this.map && this.map.epoch >= epoch) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { epoch, resolve };
      this.mapWaiters.push(waiter);
      void this.mon.request<{ map: OsdMap }>(MSG.MON_GET_MAP, {}).then(
        (r) => this.handleMap(r.map),
        () => undefined,
      );
      this.opts.clock.after(MAP_WAIT_TIMEOUT_MS, () => {
        const at = this.mapWaiters.indexOf(waiter);
        if (at >= 0) {
          this.mapWaiters.splice(at, 1);
          reject(RadosError.from('ETIMEDOUT', `waiting for osdmap e${epoch}`));
        }
      });
    });
  }

  private peer(id: number): Connection {
    const map = this.map;
    invariant(map !== undefined, 'peers are only contacted with a map');
    const osd = osdById(map, id);
    if (!osd || !osd.up) throw RadosError.from('ENOTCONN', `osd.${id} is down`);
    const existing = this.peers.get(id);
    if (existing && existing.addr === osd.addr && !existing.conn.closed) return existing.conn;
    const { host, port } = parseHostPort(osd.addr, 0);
    const conn = connect({
      host,
      port,
      reconnect: false,
      log: (l, m) => this.opts.log.log(l, m),
      ...(this.opts.transport ? { transport: this.opts.transport } : {}),
    });
    this.peers.set(id, { addr: osd.addr, conn });
    return conn;
  }

  private async onRequest(type: string, body: unknown, conn: Connection): Promise<unknown> {
    switch (type) {
      case MSG.OSD_OP:
        if (!isValidOpRequest(body)) return { ret: neg('EINVAL'), version: 0, results: [] } satisfies OsdOpReply;
        return gatheredForWire(await this.handleOp(body, conn.peer, true), this.opts.store);
      case MSG.OSD_REPOP:
        if (!isValidRepop(body)) throw RadosError.from('EINVAL', 'malformed repop');
        return this.handleRepop(body);
      case MSG.OSD_PGLS:
        if (!isValidPglsRequest(body)) throw RadosError.from('EINVAL', 'malformed pgls request');
        return this.handlePgls(body);
      case MSG.OSD_PING:
        return { ok: true };
      case MSG.OSD_PG_QUERY:
        return this.handlePgQuery(checkPgMessage(body) as OsdPgQuery);
      case MSG.OSD_PG_ACTIVATE:
        return this.applyActivate(checkPgMessage(body) as OsdPgActivate);
      case MSG.OSD_PG_PUSH:
        return this.handlePush(checkPgMessage(body) as OsdPgPush);
      case MSG.OSD_PG_PULL:
        return this.handlePull(checkPgMessage(body) as OsdPgPull);
      case MSG.OSD_PG_SCAN:
        return this.handleScan(checkPgMessage(body) as OsdPgScan);
      case MSG.OSD_PG_BACKFILLED:
        return this.handleBackfilled(checkPgMessage(body));
      case MSG.OSD_PG_SCRUB_MAP: {
        const m = checkPgMessage(body) as OsdPgScrubMap;
        return { objects: buildScrubMap(this.opts.store, m.pool, m.ps, m.deep === true) } satisfies OsdPgScrubMapReply;
      }
      default:
        throw RadosError.from('EOPNOTSUPP', `unknown OSD request '${type}'`);
    }
  }

  private countIo(pool: number, write: boolean, bytes: number): void {
    const cur = this.poolIo.get(pool) ?? { rdOps: 0, rdBytes: 0, wrOps: 0, wrBytes: 0 };
    if (write) {
      cur.wrOps++;
      cur.wrBytes += bytes;
    } else {
      cur.rdOps++;
      cur.rdBytes += bytes;
    }
    this.poolIo.set(pool, cur);
  }

  /** `gather`: reads answer with the store's buffers ('dataParts'), for a reply sent on the wire. */
  private async handleOp(req: OsdOpRequest, peer = '', gather = false): Promise<OsdOpReply> {
    if (this.stopping) return { ret: neg('EAGAIN'), version: 0, results: [], retryEpoch: (this.map?.epoch ?? 0) + 1 };
    if (!this.map || req.epoch > this.map.epoch) await this.waitForEpoch(req.epoch);
    const map = this.map;
    invariant(map !== undefined, 'a map is present after waiting for it');
    const pool = poolById(map, req.pool);
    if (!pool) return { ret: neg('ENOENT'), version: 0, results: [] };
    const dataBytes = req.ops.reduce((n, op) => n + ('data' in op && Buffer.isBuffer(op.data) ? op.data.length : 0), 0);
    const pre = precheckRequest(
      { oid: req.oid, namespace: req.namespace, locator: req.locator, ops: req.ops, dataBytes },
      this.prechecks,
    );
    if (pre < 0) return { ret: pre, version: 0, results: [] };
    const loc = locateObject(map, pool, req.oid, req.namespace, req.locator);
    if (loc.mapping.actingPrimary !== this.opts.id) {
      return { ret: neg('EAGAIN'), version: 0, results: [], retryEpoch: map.epoch + 1 };
    }
    if (loc.mapping.acting.length < pool.minSize) {
      // Too few replicas to accept I/O safely: the client waits for a better map.
      return { ret: neg('EAGAIN'), version: 0, results: [], retryEpoch: map.epoch + 1 };
    }
    const pg = this.loadPg(pool.id, loc.ps);
    if (!(await this.waitActive(pg))) return { ret: neg('EAGAIN'), version: 0, results: [], retryEpoch: (this.map?.epoch ?? map.epoch) + 1 };
    const key: ObjectKey = { pool: pool.id, ps: loc.ps, hash: loc.hash, namespace: req.namespace, oid: req.oid, locator: req.locator };
    const objKey = objectNameOf(req);
    const classIsWrite = (cls: string, method: string): boolean => this.classes.isWrite(cls, method);
    const write = isWriteOp(req.ops, classIsWrite);
    const copyOp = req.ops.find((o): o is CopyFromOp => o.op === 'copy_from');
    const copySource = copyOp ? await this.fetchCopySource(copyOp) : undefined;
    let pendingCommit: Promise<void> | undefined;
    const retry = (): OsdOpReply => ({ ret: neg('EAGAIN'), version: 0, results: [], retryEpoch: this.map?.epoch ?? map.epoch });
    // Before joining the PG's queue: a large read waits for its pages here, not in the queue.
    if (!write) await this.prefetchReads(key, req.ops);
    const reply = await pg.enqueue(MAX_QUEUED_OPS_PER_PG, async (): Promise<OsdOpReply> => {
      const peering = pg.peering;
      if (peering === undefined || !peering.isActive) return retry();
      const interval = peering.intervalEpoch;
      // An object that some member lacks is recovered first: a write must not land on a stale
      // base, and the primary must not read what it does not have.
      if (peering.needsRecovery(objKey)) {
        try {
          await this.recoverObject(pg, objKey);
        } catch (err) {
          this.opts.log.warn(`recovering ${objKey.replace(/\0/g, '/')} for an op failed: ${String(err)}`);
          return retry();
        }
        if (pg.peering !== peering || !peering.isActive || peering.intervalEpoch !== interval) return retry();
      }
      if (write) {
        const dup = pg.lookupDuplicate(req.reqid);
        if (dup) {
          pendingCommit = pg.inflight.get(objKey);
          return { ret: dup.ret, version: dup.version, results: [] };
        }
      }
      const view = this.opts.store.view(key);
      const before = view.meta;
      const outcome: OpOutcome = await executeOps(
        view,
        req.ops,
        {
          mtime: req.mtime,
          target: { pool: pool.id, namespace: req.namespace, oid: req.oid, locator: req.locator },
          operationFlags: req.flags,
          pgLastUserVersion: pg.lastUserVersion,
          limits: this.limits,
          gatherReads: gather,
        },
        {
          copySource: () => copySource,
          classIsWrite,
          exec: (cls, method, input, obj) => this.classes.exec(cls, method, input, obj, { clientId: req.reqid[0], addr: peer, now: req.mtime }),
        },
      );
      if (outcome.ret < 0 || outcome.steps.length === 0) {
        // Transient failures are not results: a resend must run again.
        if (write && !TRANSIENT_ERRNOS.has(-outcome.ret)) pg.rememberUnlogged(req.reqid, outcome.ret, outcome.version);
        pendingCommit = pg.inflight.get(objKey);
        return { ret: outcome.ret, version: outcome.version, results: outcome.results };
      }
      // The op ran asynchronously (classes): if the PG re-peered meanwhile, nothing may be logged.
      if (pg.peering !== peering || !peering.isActive || peering.intervalEpoch !== interval) return retry();
      pendingCommit = this.commitWrite(pg, peering, key, objKey, req, outcome, before?.size);
      return { ret: outcome.ret, version: outcome.version, results: outcome.results };
    });
    // Reads wait for earlier writes to the same object to be durable everywhere: a reader must
    // never see a value that could still be lost.
    if (pendingCommit) {
      try {
        await pendingCommit;
      } catch (err) {
        // The write could not reach every member of its interval (the PG re-peered): the client
        // resends, and the new interval answers from its log or executes it afresh.
        this.opts.log.debug(`commit on ${req.oid} abandoned: ${String(err)}`);
        return retry();
      }
    }
    this.countIo(pool.id, write, write ? dataBytes : reply.results.reduce((n, r) => n + dataBytesOf(r.out), 0));
    return reply;
  }

  /** Brings the bytes of the op's large reads into memory off the event loop (prefetchData). */
  private async prefetchReads(key: ObjectKey, ops: readonly SubOp[]): Promise<void> {
    let view: ObjectView | undefined;
    for (const op of ops) {
      if ((op.op !== 'read' && op.op !== 'sparse_read') || op.length < STORE_LIMITS.prefetchMinBytes) continue;
      view ??= this.opts.store.view(key);
      await view.prefetchData?.(op.offset, op.length);
    }
  }

  /**
   * Reads a copy_from source through its PG's primary, as any client would: the source may live
   * in another PG, on another OSD, or in another pool. Undefined when it does not exist.
   */
  private async fetchCopySource(op: CopyFromOp): Promise<ObjectView | undefined> {
    const MAX_OMAP_PAGES = 100_000;
    // A malformed source (hostile client) is the op engine's EINVAL, not something to look up.
    const names = [op.srcNamespace, op.srcOid, op.srcLocator] as unknown[];
    if (!Number.isSafeInteger(op.srcPool) || op.srcPool < 0 || !names.every((s) => typeof s === 'string')) return undefined;
    const target = { pool: op.srcPool, namespace: op.srcNamespace, oid: op.srcOid, locator: op.srcLocator };
    const send = async (ops: readonly SubOp[]): Promise<OsdOpReply> => {
      const map = this.map;
      invariant(map !== undefined, 'a map is present while serving ops');
      const pool = poolById(map, op.srcPool);
      if (!pool) return { ret: neg('ENOENT'), version: 0, results: [] };
      const body: OsdOpRequest = { ...target, ops, flags: 0, mtime: { sec: 0, nsec: 0 }, epoch: map.epoch, reqid: [0, 0] };
      const primary = locateObject(map, pool, op.srcOid, op.srcNamespace, op.srcLocator).mapping.actingPrimary;
      return primary === this.opts.id ? this.handleOp(body) : this.peer(primary).request<OsdOpReply>(MSG.OSD_OP, body);
    };
    const first = await send([{ op: 'stat' }, { op: 'read', offset: 0, length: 0 }, { op: 'getxattrs' }, { op: 'omap_get_header' }]);
    if (first.ret < 0) return undefined;
    const [stat, data, xattrs, header] = first.results.map((r) => r.out);
    const omap: Array<[string, Buffer]> = [];
    let startAfter = '';
    for (let page = 0; page < MAX_OMAP_PAGES; page++) {
      const r = await send([{ op: 'omap_get_vals', startAfter, prefix: '', max: this.limits.maxOmapEntriesPerRequest }]);
      const out = r.results[0]?.out;
      if (r.ret < 0 || out?.kind !== 'vals') return undefined;
      for (const [k, v] of out.entries) omap.push([k, v]);
      const last = out.entries[out.entries.length - 1];
      if (!out.more || last === undefined) break;
      startAfter = last[0];
    }
    return memoryView(
      memoryObject({
        data: data?.kind === 'data' ? data.data : Buffer.alloc(0),
        xattrs: xattrs?.kind === 'xattrs' ? xattrs.xattrs : [],
        omap,
        header: header?.kind === 'data' ? header.data : Buffer.alloc(0),
        ...(stat?.kind === 'stat' ? { mtime: stat.mtime } : {}),
        userVersion: first.version,
      }),
    );
  }

  /**
   * Applies locally (visible at once), replicates, and resolves when every member of the
   * interval's acting set has it on disk. The members are the interval's, not those of whatever
   * map the op arrived with: peering activated exactly them, and only they are asked next time.
   * If the commit fails, the interval is over: the entry stays in this copy's log, and the next
   * peering either spreads it to every member or rolls it back, before any resend is answered.
   */
  private commitWrite(
    pg: PgState,
    peering: PgPeering,
    key: ObjectKey,
    objKey: string,
    req: OsdOpRequest,
    outcome: OpOutcome,
    sizeBefore: number | undefined,
  ): Promise<void> {
    const version = pg.lastUpdate + 1;
    const interval = peering.intervalEpoch;
    const acting = peering.actingSet;
    const logEntry: PgLogEntry = {
      version,
      epoch: Math.max(interval, pg.lastUpdateEpoch),
      reqid: req.reqid,
      oid: req.oid,
      namespace: req.namespace,
      locator: req.locator,
      op: outcome.meta === undefined ? 'delete' : 'modify',
      userVersion: outcome.version,
      ret: outcome.ret,
    };
    const existedBefore = sizeBefore !== undefined;
    const existsAfter = outcome.meta !== undefined;
    pg.objects += (existsAfter ? 1 : 0) - (existedBefore ? 1 : 0);
    pg.bytes += (outcome.meta?.size ?? 0) - (sizeBefore ?? 0);
    pg.append(logEntry);
    // Persisted with the write itself: this copy took part in writes of this interval.
    pg.lastEpochActive = Math.max(pg.lastEpochActive, interval);
    const local = this.opts.store.apply(this.txnFor(pg, key, outcome.steps, outcome.meta, logEntry));
    const repop: OsdRepop = {
      pool: key.pool,
      ps: key.ps,
      epoch: interval,
      key: { hash: key.hash, namespace: key.namespace, oid: key.oid, locator: key.locator },
      steps: outcome.steps,
      meta: outcome.meta,
      logEntry,
    };
    const replicas = acting.filter((id) => id !== this.opts.id && id >= 0).map((id) => this.replicate(pg, peering, id, repop));
    const commit = Promise.all([local, ...replicas]).then(
      () => undefined,
      (err: unknown) => {
        this.supersede(pg, interval, interval + 1);
        throw err;
      },
    );
    pg.inflight.set(objKey, commit);
    // Both outcomes are handled here: the caller sees a failure through the returned promise.
    const forget = (): void => {
      if (pg.inflight.get(objKey) === commit) pg.inflight.delete(objKey);
    };
    commit.then(forget, forget);
    return commit;
  }

  private txnFor(pg: PgState, key: ObjectKey, steps: OpOutcome['steps'], meta: OpOutcome['meta'], entry: PgLogEntry) {
    const trim = entry.version % LOG_TRIM_EVERY === 0 && entry.version > PG_LOG_KEEP;
    if (trim) pg.trim(entry.version - PG_LOG_KEEP);
    return {
      objects: [{ key, steps, meta }],
      pgLog: [{ pool: pg.pool, ps: pg.ps, version: entry.version, entry }],
      ...(trim ? { pgLogTrim: [{ pool: pg.pool, ps: pg.ps, toVersion: entry.version - PG_LOG_KEEP }] } : {}),
      pgMeta: [{ pool: pg.pool, ps: pg.ps, value: pg.persisted() }],
    };
  }

  /**
   * Sends one transaction to a replica until it is durable there. It never gives up on a member
   * while the interval lasts (an ack with fewer copies could be lost by the next peering, which
   * may hear only from the member that lacks it); when the interval ends, the write fails.
   */
  private async replicate(pg: PgState, peering: PgPeering, id: number, repop: OsdRepop): Promise<void> {
    const MAX_ATTEMPTS = 50;
    const current = (): boolean => !this.stopping && pg.peering === peering && peering.isActive && peering.intervalEpoch === repop.epoch;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (!current()) break;
      try {
        await this.peer(id).request(MSG.OSD_REPOP, repop);
        return;
      } catch (err) {
        if (this.stopping) throw err;
        if (RadosError.is(err) && err.code === STALE_INTERVAL) {
          this.supersede(pg, repop.epoch, repop.epoch + 1);
          throw err;
        }
        if (RadosError.is(err) && err.code === 'EAGAIN') {
          await new Promise<void>((r) => this.opts.clock.after(10 * (attempt + 1), r));
          continue;
        }
        // Wait for the monitor to publish the replica's fate (down, or back with a new address).
        const epoch = this.map?.epoch ?? 0;
        await this.waitForEpoch(epoch + 1).catch(() => undefined);
      }
    }
    throw RadosError.from('ERESTART', `replicating pg ${repop.pool}.${repop.ps} v${repop.logEntry.version} to osd.${id}: interval e${repop.epoch} ended`);
  }

  /**
   * A newer interval exists somewhere: stop serving this one at once, fetch the newest map and
   * peer again (the map may not change this PG's mapping at all, so peering is forced).
   */
  private supersede(pg: PgState, epoch: number, by: number): void {
    const peering = pg.peering;
    if (peering === undefined || peering.intervalEpoch !== epoch || peering.isSuperseded) return;
    this.run(pg, peering.step({ t: 'superseded', epoch, by }));
    if (!peering.isSuperseded) return;
    this.opts.log.debug(`pg ${pg.pool}.${pg.ps.toString(16)} interval e${epoch} superseded by e${by}`);
    pg.wake();
    void this.waitForEpoch(Math.max(by, (this.map?.epoch ?? 0) + 1))
      .catch(() => undefined)
      .then(() => {
        if (this.stopping || pg.peering !== peering) return;
        pg.intervalKey = '';
        if (this.map) this.updateIntervals(this.map);
      });
  }

  private async handleRepop(repop: OsdRepop): Promise<{ ok: true }> {
    const pg = this.loadPg(repop.pool, repop.ps);
    const key: ObjectKey = { pool: repop.pool, ps: repop.ps, ...repop.key };
    if (repop.epoch < pg.peeredEpoch) {
      throw RadosError.from(STALE_INTERVAL, `repop from epoch ${repop.epoch} for pg ${repop.pool}.${repop.ps} peered at ${pg.peeredEpoch}`);
    }
    if (repop.logEntry.version <= pg.lastUpdate && pg.lookupDuplicate(repop.logEntry.reqid)) {
      return { ok: true }; // a resend of something already applied here
    }
    if (repop.logEntry.version !== pg.lastUpdate + 1) {
      // An earlier entry is still on its way (a resend after a reconnect): the primary retries.
      throw RadosError.from('EAGAIN', `repop v${repop.logEntry.version} for pg ${repop.pool}.${repop.ps} at v${pg.lastUpdate}`);
    }
    const sizeBefore = this.opts.store.view(key).meta?.size;
    pg.objects += (repop.meta ? 1 : 0) - (sizeBefore !== undefined ? 1 : 0);
    pg.bytes += (repop.meta?.size ?? 0) - (sizeBefore ?? 0);
    pg.append(repop.logEntry);
    pg.lastEpochActive = Math.max(pg.lastEpochActive, repop.epoch);
    await this.opts.store.apply(this.txnFor(pg, key, repop.steps, repop.meta, repop.logEntry));
    return { ok: true };
  }

  // ---- peering glue: the pure machine decides, this code carries out its actions ----

  /** Starts a new peering interval for every PG whose acting set, primary or members' up_from changed. */
  private updateIntervals(map: OsdMap): void {
    const self = this.opts.id;
    const downAt = new Map<number, number>();
    for (const o of map.osds) if (!o.up) downAt.set(o.id, o.downAt);
    const probe = map.osds.filter((o) => o.up && o.id !== self).map((o) => o.id);
    for (const pool of map.pools) {
      for (let ps = 0; ps < pool.pgNum; ps++) {
        const m = mapPg(map, pool, ps);
        const member = m.acting.includes(self);
        let pg = this.pgs.get(`${pool.id}.${ps}`);
        if (!member && pg === undefined) continue;
        pg ??= this.loadPg(pool.id, ps);
        const key = `${m.actingPrimary}|${m.acting.join(',')}|${m.acting.map((id) => osdById(map, id)?.upFrom ?? 0).join(',')}|${pool.size}/${pool.minSize}`;
        if (key === pg.intervalKey) continue;
        pg.intervalKey = key;
        if (m.actingPrimary !== self) {
          pg.peering = undefined;
          pg.wake();
          continue;
        }
        const peering = new PgPeering({ self, size: pool.size, minSize: pool.minSize, recoveryMaxActive: this.recoveryMaxActive });
        pg.peering = peering;
        pg.peeredEpoch = Math.max(pg.peeredEpoch, map.epoch);
        this.opts.log.debug(`pg ${pool.id}.${ps.toString(16)} new interval e${map.epoch} acting [${m.acting.join(',')}]`);
        this.run(pg, peering.step({ t: 'interval', epoch: map.epoch, acting: m.acting, primary: self, probe, downAt, local: pg.peerLog() }));
        pg.wake();
      }
    }
  }

  /** Runs peering again for this PG in the current map, unless its interval moved on meanwhile. */
  private repeerLater(pg: PgState, evenIfActive = false): void {
    const peering = pg.peering;
    this.opts.clock.after(REPEER_DELAY_MS, () => {
      if (this.stopping || pg.peering !== peering || peering === undefined || (peering.isActive && !evenIfActive)) return;
      pg.intervalKey = '';
      if (this.map) this.updateIntervals(this.map);
    });
  }

  /** Feeds an event to the PG's machine if it is still in the interval the event belongs to. */
  private feed(pg: PgState, ev: Exclude<PeeringEvent, { t: 'interval' }>): void {
    const peering = pg.peering;
    if (peering === undefined || peering.intervalEpoch !== ev.epoch) return;
    this.run(pg, peering.step(ev));
  }

  private run(pg: PgState, actions: readonly PeeringAction[]): void {
    for (const a of actions) {
      switch (a.a) {
        case 'query':
          void this.queryPeer(pg, a.to, a.epoch);
          break;
        case 'activate':
          this.opts.log.debug(
            `pg ${pg.pool}.${pg.ps.toString(16)} e${a.epoch} activates osd.${a.to}: keep through v${a.keepThrough}, ` +
              `${a.entries.length} new entries, ${a.missing.length} missing${a.backfill ? ', backfill' : ''}`,
          );
          void this.sendActivate(pg, a);
          break;
        case 'recover':
          void this.backgroundRecover(pg, a.epoch, a.name);
          break;
        case 'backfill':
          void this.runBackfill(pg, a.epoch, a.target, a.source).catch((err: unknown) => {
            this.opts.log.warn(`backfill of pg ${pg.pool}.${pg.ps.toString(16)} to osd.${a.target} stopped: ${String(err)}`);
            if (pg.peering?.intervalEpoch === a.epoch) this.repeerLater(pg, true);
          });
          break;
        case 'state':
          this.opts.log.debug(`pg ${pg.pool}.${pg.ps.toString(16)} is ${a.state}`);
          pg.wake();
          this.reportSoon();
          // Stuck on a peer that did not answer: the map may never change to say why, so ask again.
          if (a.state === 'down' || a.state === 'incomplete') this.repeerLater(pg);
          break;
      }
    }
  }

  private async queryPeer(pg: PgState, to: number, epoch: number): Promise<void> {
    try {
      const reply = await this.peer(to).request<OsdPgInfoReply>(
        MSG.OSD_PG_QUERY,
        { pool: pg.pool, ps: pg.ps, epoch } satisfies OsdPgQuery,
        { timeout_ms: PEER_REQUEST_TIMEOUT_MS },
      );
      this.feed(pg, { t: 'info', epoch, from: to, log: { info: reply.info, entries: reply.entries } });
    } catch (err) {
      this.opts.log.debug(`pg query to osd.${to} failed: ${String(err)}`);
      this.feed(pg, { t: 'query-failed', epoch, from: to });
    }
  }

  private async sendActivate(pg: PgState, a: ActivateAction): Promise<void> {
    const body: OsdPgActivate = {
      pool: pg.pool,
      ps: pg.ps,
      epoch: a.epoch,
      keepThrough: a.keepThrough,
      entries: a.entries as PgLogEntry[],
      logTail: a.logTail,
      missing: a.missing,
      backfill: a.backfill,
    };
    try {
      if (a.to === this.opts.id) await this.applyActivate(body);
      else await this.peer(a.to).request(MSG.OSD_PG_ACTIVATE, body, { timeout_ms: PEER_REQUEST_TIMEOUT_MS });
      this.feed(pg, { t: 'activated', epoch: a.epoch, from: a.to });
    } catch (err) {
      this.opts.log.warn(`activating pg ${pg.pool}.${pg.ps.toString(16)} on osd.${a.to} failed: ${String(err)}`);
      this.feed(pg, { t: 'activate-failed', epoch: a.epoch, from: a.to });
    }
  }

  /** Waits (bounded) until this OSD's copy of the PG is an active primary; false if it is not. */
  private async waitActive(pg: PgState): Promise<boolean> {
    const deadline_ms = this.opts.clock.monotonic_ms() + ACTIVE_WAIT_MS;
    for (let i = 0; i < 1000 && !this.stopping; i++) {
      const peering = pg.peering;
      if (peering === undefined) return false;
      if (peering.isActive) return true;
      const left_ms = deadline_ms - this.opts.clock.monotonic_ms();
      if (left_ms <= 0) return false;
      let timer: { cancel(): void } | undefined;
      await Promise.race([pg.changed(), new Promise<void>((r) => (timer = this.opts.clock.after(Math.min(left_ms, 1000), r)))]);
      timer?.cancel();
    }
    return false;
  }

  // ---- recovery ----

  private objectKeyFor(pg: PgState, name: string): ObjectKey {
    const map = this.map;
    invariant(map !== undefined, 'recovery runs with a map');
    const pool = poolById(map, pg.pool);
    if (!pool) throw RadosError.from('ENOENT', `pool ${pg.pool} is gone`);
    const { namespace, oid, locator } = parseObjectName(name);
    const { ps, hash } = objectToPg(pool, oid, namespace, locator);
    invariant(ps === pg.ps, () => `object ${oid} belongs to pg ${pg.pool}.${pg.ps}`);
    return { pool: pg.pool, ps, hash, namespace, oid, locator };
  }

  /**
   * Makes every member that lacks `name` hold the primary's copy of it, pulling it first if the
   * primary lacks it. Runs inside the PG's op queue, so no write to the object interleaves.
   */
  private async recoverObject(pg: PgState, name: string): Promise<void> {
    const peering = pg.peering;
    invariant(peering !== undefined && peering.isActive, 'objects are recovered by an active primary');
    const epoch = peering.intervalEpoch;
    const plan = peering.recoveryPlan(name);
    const key = this.objectKeyFor(pg, name);
    const wireKey = { hash: key.hash, namespace: key.namespace, oid: key.oid, locator: key.locator };
    if (plan.pullFrom !== undefined) await this.pullObject(pg, plan.pullFrom, epoch, wireKey);
    if (plan.pushTo.length > 0) {
      const object = readObjectCopy(this.opts.store, key);
      await Promise.all(
        plan.pushTo.map((osd) =>
          this.peer(osd).request(MSG.OSD_PG_PUSH, { pool: pg.pool, ps: pg.ps, epoch, object } satisfies OsdPgPush, { timeout_ms: PEER_REQUEST_TIMEOUT_MS }),
        ),
      );
    }
    this.recoveredObjects++;
    this.feed(pg, { t: 'recovered', epoch, name });
  }

  private async throttled<T>(fn: () => Promise<T>): Promise<T> {
    while (this.recoveryActive >= this.recoveryMaxActive) await new Promise<void>((r) => this.recoveryWaiters.push(r));
    this.recoveryActive++;
    try {
      return await fn();
    } finally {
      this.recoveryActive--;
      this.recoveryWaiters.shift()?.();
    }
  }

  /** Recovers one object in the background, retrying (bounded) while the interval lasts. */
  private async backgroundRecover(pg: PgState, epoch: number, name: string): Promise<void> {
    const current = (): boolean => pg.peering?.intervalEpoch === epoch && pg.peering.isActive;
    for (let attempt = 0; attempt < RECOVERY_ATTEMPTS_MAX && !this.stopping; attempt++) {
      try {
        await this.throttled(() =>
          pg.enqueue(MAX_QUEUED_OPS_PER_PG, async () => {
            if (!current()) return;
            if (pg.peering?.needsRecovery(name)) await this.recoverObject(pg, name);
            else this.feed(pg, { t: 'recovered', epoch, name });
          }),
        );
        return;
      } catch (err) {
        if (!current()) return;
        this.opts.log.warn(`recovery of ${name.replace(/\0/g, '/')} in pg ${pg.pool}.${pg.ps.toString(16)} failed: ${String(err)}`);
        await new Promise<void>((r) => this.opts.clock.after(RECOVERY_RETRY_MS, r));
      }
    }
    // Out of attempts: peer again from scratch rather than stay 'recovering' for ever.
    if (current() && !this.stopping) {
      pg.intervalKey = '';
      if (this.map) this.updateIntervals(this.map);
    }
  }

  /**
   * Backfill: the target's log cannot say what it lacks, so compare both object listings and
   * copy every object whose version differs (or that exists on one side only).
   */
  private async runBackfill(pg: PgState, epoch: number, target: number, source: number): Promise<void> {
    const self = this.opts.id;
    const current = (): boolean => pg.peering?.intervalEpoch === epoch && pg.peering.isActive;
    const other = target === self ? source : target;
    const theirs = new Map<string, ObjectCopy['meta']>();
    let cursor: unknown;
    for (let page = 0; page * BACKFILL_SCAN_PAGE < BACKFILL_OBJECTS_MAX; page++) {
      if (!current()) return;
      const reply = await this.peer(other).request<OsdPgScanReply>(
        MSG.OSD_PG_SCAN,
        { pool: pg.pool, ps: pg.ps, epoch, cursor, max: BACKFILL_SCAN_PAGE } satisfies OsdPgScan,
        { timeout_ms: PEER_REQUEST_TIMEOUT_MS },
      );
      for (const o of reply.objects) theirs.set(objectNameOf(o.key), o.meta);
      if (reply.cursor === undefined) break;
      cursor = reply.cursor;
    }
    const mine = new Map<string, ObjectCopy['meta']>();
    for (const o of this.scanLocal(pg.pool, pg.ps)) mine.set(objectNameOf(o.key), o.meta);
    const names = new Set([...mine.keys(), ...theirs.keys()]);
    for (const name of names) {
      const [src, dst] = target === self ? [theirs.get(name), mine.get(name)] : [mine.get(name), theirs.get(name)];
      if (sameVersion(src, dst)) continue;
      await this.throttled(() =>
        pg.enqueue(MAX_QUEUED_OPS_PER_PG, async () => {
          if (current() && pg.peering?.needsRecovery(name)) await this.recoverObject(pg, name);
        }),
      );
      if (!current()) return;
    }
    if (target === self) {
      pg.backfilling = false;
      await this.opts.store.apply({ objects: [], pgMeta: [{ pool: pg.pool, ps: pg.ps, value: pg.persisted() }] });
    } else {
      await this.peer(target).request(MSG.OSD_PG_BACKFILLED, { pool: pg.pool, ps: pg.ps, epoch }, { timeout_ms: PEER_REQUEST_TIMEOUT_MS });
    }
    this.opts.log.info(`pg ${pg.pool}.${pg.ps.toString(16)} backfilled osd.${target} (${names.size} objects compared)`);
    this.feed(pg, { t: 'backfilled', epoch, target });
  }

  private scanLocal(pool: number, ps: number): Array<{ key: ObjectCopy['key']; meta: ObjectCopy['meta'] }> {
    const out: Array<{ key: ObjectCopy['key']; meta: ObjectCopy['meta'] }> = [];
    let cursor: ObjectKey | undefined;
    while (out.length < BACKFILL_OBJECTS_MAX) {
      const batch = this.opts.store.listObjects(pool, ps, cursor, BACKFILL_SCAN_PAGE);
      for (const k of batch) {
        out.push({ key: { hash: k.hash, namespace: k.namespace, oid: k.oid, locator: k.locator }, meta: this.opts.store.view(k).meta });
        cursor = k;
      }
      if (batch.length < BACKFILL_SCAN_PAGE) break;
    }
    return out;
  }

  /** Makes the local object identical to `copy` and notes that it is no longer missing here. */
  private async applyCopy(pg: PgState, copy: ObjectCopy): Promise<void> {
    const mutation = mutationForCopy(pg.pool, pg.ps, copy);
    const sizeBefore = this.opts.store.view(mutation.key).meta?.size;
    pg.objects += (copy.meta ? 1 : 0) - (sizeBefore !== undefined ? 1 : 0);
    pg.bytes += (copy.meta?.size ?? 0) - (sizeBefore ?? 0);
    pg.missing.delete(objectNameOf(copy.key));
    if (copy.meta) pg.lastUserVersion = Math.max(pg.lastUserVersion, copy.meta.userVersion);
    await this.opts.store.apply({ objects: [mutation], pgMeta: [{ pool: pg.pool, ps: pg.ps, value: pg.persisted() }] });
  }

  // ---- the replica side of peering and recovery ----

  private refuseStale(pg: PgState, epoch: number, what: string): void {
    if (epoch < pg.peeredEpoch) {
      throw RadosError.from(STALE_INTERVAL, `${what} from epoch ${epoch} for pg ${pg.pool}.${pg.ps} peered at ${pg.peeredEpoch}`);
    }
  }

  private handlePgQuery(q: OsdPgQuery): OsdPgInfoReply {
    const pg = this.loadPg(q.pool, q.ps);
    // From now on, repops of older intervals are refused: the reply is this copy's final word on them.
    pg.peeredEpoch = Math.max(pg.peeredEpoch, q.epoch);
    // A newer primary is peering this PG: if this OSD still leads an older interval, it must stop.
    const mine = pg.peering;
    if (mine !== undefined && mine.intervalEpoch < q.epoch) this.supersede(pg, mine.intervalEpoch, q.epoch);
    const { info, entries } = pg.peerLog();
    return { info, entries: entries as PgLogEntry[] };
  }

  private async applyActivate(a: OsdPgActivate): Promise<{ ok: true }> {
    const pg = this.loadPg(a.pool, a.ps);
    this.refuseStale(pg, a.epoch, 'activation');
    pg.peeredEpoch = a.epoch;
    pg.adopt(a.keepThrough, a.entries, a.logTail);
    pg.lastEpochStarted = a.epoch;
    pg.missing.clear();
    for (const m of a.missing) pg.missing.add(m);
    pg.backfilling = a.backfill;
    await this.opts.store.apply({
      objects: [],
      pgLog: a.entries.map((entry) => ({ pool: a.pool, ps: a.ps, version: entry.version, entry })),
      pgMeta: [{ pool: a.pool, ps: a.ps, value: pg.persisted() }],
    });
    return { ok: true };
  }

  private async handlePush(p: OsdPgPush): Promise<{ ok: true }> {
    const pg = this.loadPg(p.pool, p.ps);
    this.refuseStale(pg, p.epoch, 'push');
    await this.applyCopy(pg, p.object);
    return { ok: true };
  }

  private handlePull(p: OsdPgPull): OsdPgPullReply {
    const pg = this.loadPg(p.pool, p.ps);
    // The primary chose this copy as a source from its info; if that changed meanwhile, it retries.
    if (pg.missing.has(objectNameOf(p.key))) throw RadosError.from('EAGAIN', `${p.key.oid} is missing here too`);
    return { object: readObjectCopy(this.opts.store, { pool: p.pool, ps: p.ps, ...p.key }) };
  }

  private handleScan(s: OsdPgScan): OsdPgScanReply {
    const max = Math.max(1, Math.min(s.max, PGLS_MAX_ENTRIES));
    const cursor = s.cursor as ObjectKey | undefined;
    const batch = this.opts.store.listObjects(s.pool, s.ps, cursor, max);
    const objects = batch.map((k) => ({ key: { hash: k.hash, namespace: k.namespace, oid: k.oid, locator: k.locator }, meta: this.opts.store.view(k).meta }));
    return { objects, cursor: batch.length < max ? undefined : batch[batch.length - 1] };
  }

  private async handleBackfilled(b: { pool: number; ps: number; epoch: number }): Promise<{ ok: true }> {
    const pg = this.loadPg(b.pool, b.ps);
    this.refuseStale(pg, b.epoch, 'backfill completion');
    pg.backfilling = false;
    await this.opts.store.apply({ objects: [], pgMeta: [{ pool: b.pool, ps: b.ps, value: pg.persisted() }] });
    return { ok: true };
  }

  // ---- scrub ----

  private primaryPg(pool: number, ps: number): PgState {
    const pg = this.pgs.get(`${pool}.${ps}`);
    if (pg?.peering === undefined || !pg.peering.isPrimary) throw RadosError.from('EAGAIN', `osd.${this.opts.id} is not the primary of pg ${pool}.${ps.toString(16)}`);
    return pg;
  }

  /** Starts a scrub in the background (the monitor's command returns at once, as Ceph's does). */
  private startScrub(req: OsdPgScrubRequest): { ok: true } {
    const pg = this.primaryPg(req.pool, req.ps);
    const pgid = `${req.pool}.${req.ps.toString(16)}`;
    if (pg.scrubbing !== '') return { ok: true };
    void this.scrubPg(pg, req.deep || req.repair, req.repair).catch((err: unknown) => this.opts.log.warn(`pg ${pgid} scrub stopped: ${String(err)}`));
    return { ok: true };
  }

  /**
   * Compares every acting member's copy of the PG, holding the PG's op queue so that no write
   * lands between the members' listings; a repair then spreads each authoritative copy.
   */
  private async scrubPg(pg: PgState, deep: boolean, repair: boolean): Promise<void> {
    const pgid = `${pg.pool}.${pg.ps.toString(16)}`;
    const what = repair ? 'repair' : deep ? 'deep-scrub' : 'scrub';
    pg.scrubbing = deep ? 'deep' : 'scrub';
    this.reportSoon();
    try {
      await pg.enqueue(MAX_QUEUED_OPS_PER_PG, async () => {
        const peering = pg.peering;
        if (peering === undefined || !peering.isActive || peering.state !== 'active+clean') {
          this.opts.log.warn(`pg ${pgid} ${what} skipped: the pg is ${peering?.state ?? 'not led here'}`);
          return;
        }
        await Promise.allSettled([...pg.inflight.values()]);
        const epoch = peering.intervalEpoch;
        const self = this.opts.id;
        const members = peering.actingSet.filter((id) => id >= 0);
        const maps: ScrubMap[] = await Promise.all(
          members.map(async (osd) => {
            if (osd === self) return { osd, objects: buildScrubMap(this.opts.store, pg.pool, pg.ps, deep) };
            const reply = await this.peer(osd).request<OsdPgScrubMapReply>(
              MSG.OSD_PG_SCRUB_MAP,
              { pool: pg.pool, ps: pg.ps, epoch, deep } satisfies OsdPgScrubMap,
              { timeout_ms: PEER_REQUEST_TIMEOUT_MS },
            );
            return { osd, objects: reply.objects };
          }),
        );
        const found = compareScrubMaps(self, maps, deep);
        const errors = scrubErrorCount(found);
        // Until every repair has landed, the findings stand (a failed repair leaves them visible).
        pg.inconsistencies = found;
        let fixed = 0;
        if (repair) {
          for (const inc of found) {
            if (pg.peering !== peering || !peering.isActive) break;
            await this.repairObject(pg, epoch, inc);
            fixed += inc.shards.length;
          }
          if (fixed === errors) pg.inconsistencies = [];
        }
        // Stamps increase strictly, so a watcher can tell one scrub's end from the next.
        const wall = this.opts.clock.wall();
        const stamp_ms = Math.max(wall.sec * 1000 + Math.floor(wall.nsec / 1e6), (Date.parse(pg.lastScrubStamp) || 0) + 1);
        const stamp = new Date(stamp_ms).toISOString();
        pg.lastScrubStamp = stamp;
        if (deep) pg.lastDeepScrubStamp = stamp;
        const summary = `${pgid} ${what} ${errors} errors${repair ? `, ${fixed} fixed` : ''}`;
        if (errors > 0) this.opts.log.warn(`${summary}: ${found.map((f) => `${f.name.replace(/\0/g, '/')} [${f.errors.join(',')}] on osd.${f.shards.map((x) => x.osd).join(',osd.')}`).join('; ')}`);
        else this.opts.log.info(`${summary} ok`);
      });
    } finally {
      pg.scrubbing = '';
      this.reportSoon();
    }
  }

  /** Copies one object from `from` into this OSD's store (recovery and repair). */
  private async pullObject(pg: PgState, from: number, epoch: number, key: OsdPgPull['key']): Promise<void> {
    const { object } = await this.peer(from).request<OsdPgPullReply>(
      MSG.OSD_PG_PULL,
      { pool: pg.pool, ps: pg.ps, epoch, key } satisfies OsdPgPull,
      { timeout_ms: PEER_REQUEST_TIMEOUT_MS },
    );
    await this.applyCopy(pg, object);
  }

  /** Makes every differing member hold the authoritative copy of one object. */
  private async repairObject(pg: PgState, epoch: number, inc: ScrubInconsistency): Promise<void> {
    const self = this.opts.id;
    const key = this.objectKeyFor(pg, inc.name);
    const wireKey = { hash: key.hash, namespace: key.namespace, oid: key.oid, locator: key.locator };
    if (inc.authoritative !== self) await this.pullObject(pg, inc.authoritative, epoch, wireKey);
    const object = readObjectCopy(this.opts.store, key);
    const targets = inc.shards.map((s) => s.osd).filter((osd) => osd !== self);
    await Promise.all(
      targets.map((osd) =>
        this.peer(osd).request(MSG.OSD_PG_PUSH, { pool: pg.pool, ps: pg.ps, epoch, object } satisfies OsdPgPush, { timeout_ms: PEER_REQUEST_TIMEOUT_MS }),
      ),
    );
  }

  private listInconsistent(req: OsdPgListInconsistent): OsdPgListInconsistentReply {
    const pg = this.primaryPg(req.pool, req.ps);
    return {
      epoch: pg.peering?.intervalEpoch ?? 0,
      inconsistents: pg.inconsistencies.map((inc) => {
        const { namespace, oid, locator } = parseObjectName(inc.name);
        return {
          object: { name: oid, nspace: namespace, locator },
          errors: [],
          union_shard_errors: inc.errors,
          selected_object_info: { osd: inc.authoritative },
          shards: inc.shards.map((s) => ({ osd: s.osd, primary: s.osd === this.opts.id, errors: s.errors })),
        };
      }),
    };
  }

  // ---- failure detection ----

  private updateHeartbeatPeers(map: OsdMap): void {
    if (!this.heartbeat) return;
    const up = new Map<number, number>();
    for (const o of map.osds) if (o.up && o.id !== this.opts.id) up.set(o.id, o.upFrom);
    this.heartbeat.setPeers(up);
  }

  /** The monitor marked us down while we are alive (we were hung, or a peer misjudged us): boot again. */
  private rebootAfterWrongDown(): void {
    if (this.rebooting || this.addr === '') return;
    this.rebooting = true;
    this.opts.log.warn(`osd.${this.opts.id} was marked down while alive; booting again`);
    void this.bootWithMonitor(this.mon, this.addr)
      .catch((err: unknown) => this.opts.log.error(`re-boot failed: ${String(err)}`))
      .finally(() => {
        this.rebooting = false;
      });
  }

  private reportSoon(): void {
    if (this.statsSoon || this.statsTimer === undefined) return;
    this.statsSoon = true;
    this.opts.clock.after(50, () => {
      this.statsSoon = false;
      void this.reportStats();
    });
  }

  private async handlePgls(req: OsdPglsRequest): Promise<OsdPglsReply> {
    if (!this.map || req.epoch > this.map.epoch) await this.waitForEpoch(req.epoch);
    const map = this.map;
    invariant(map !== undefined, 'a map is present after waiting for it');
    const pool = poolById(map, req.pool);
    if (!pool) throw RadosError.from('ENOENT', `pool ${req.pool} does not exist`);
    if (mapPg(map, pool, req.ps).actingPrimary !== this.opts.id) return { entries: [], cursor: req.cursor, retryEpoch: map.epoch + 1 };
    const max = Math.max(1, Math.min(req.max, PGLS_MAX_ENTRIES));
    const entries: Array<{ namespace: string; oid: string; locator: string }> = [];
    let cursor = req.cursor as ObjectKey | undefined;
    // Scan in batches; a namespace filter may skip many keys, so bound the scan too.
    const MAX_SCANNED = max * 16;
    let scanned = 0;
    while (entries.length < max && scanned < MAX_SCANNED) {
      const batch = this.opts.store.listObjects(pool.id, req.ps, cursor, max);
      if (batch.length === 0) return { entries, cursor: undefined };
      for (const k of batch) {
        scanned++;
        cursor = k;
        if (req.namespace === ALL_NSPACES || k.namespace === req.namespace) {
          entries.push({ namespace: k.namespace, oid: k.oid, locator: k.locator });
          if (entries.length >= max) break;
        }
      }
      if (batch.length < max && entries.length < max) {
        const rest = this.opts.store.listObjects(pool.id, req.ps, cursor, 1);
        if (rest.length === 0) return { entries, cursor: undefined };
      }
    }
    return { entries, cursor };
  }

  private async reportStats(): Promise<void> {
    const map = this.map;
    if (!map || this.stopping) return;
    const pgs: PgStat[] = [];
    for (const pool of map.pools) {
      for (let ps = 0; ps < pool.pgNum; ps++) {
        const mapping = mapPg(map, pool, ps);
        if (mapping.actingPrimary !== this.opts.id) continue;
        const pg = this.pgs.get(`${pool.id}.${ps}`);
        let state = pg?.peering?.state || 'peering';
        const scrubErrors = pg === undefined ? 0 : scrubErrorCount(pg.inconsistencies);
        if (pg !== undefined && state.startsWith('active')) {
          if (pg.scrubbing !== '') state += pg.scrubbing === 'deep' ? '+scrubbing+deep' : '+scrubbing';
          if (scrubErrors > 0) state += '+inconsistent';
        }
        pgs.push({
          pool: pool.id,
          ps,
          state,
          objects: pg?.objects ?? 0,
          bytes: pg?.bytes ?? 0,
          lastUpdate: pg?.lastUpdate ?? 0,
          scrubErrors,
          degradedObjects: pg?.peering?.degradedObjects(pg.objects) ?? 0,
          ...(pg?.lastScrubStamp ? { lastScrubStamp: pg.lastScrubStamp } : {}),
          ...(pg?.lastDeepScrubStamp ? { lastDeepScrubStamp: pg.lastDeepScrubStamp } : {}),
        });
      }
    }
    const fs = this.opts.store.statfs();
    let disk = { totalBytes: 0, availBytes: 0 };
    try {
      disk = await diskUsage(this.opts.dataDir);
    } catch {
      // statfs unsupported: report zero capacity rather than fail the report
    }
    const poolIo = [...this.poolIo.entries()].map(([pool, io]) => ({ pool, ...io }));
    try {
      await this.mon.request(MSG.OSD_PG_STATS, {
        id: this.opts.id,
        epoch: map.epoch,
        pgs,
        store: { usedBytes: fs.usedBytes, objects: fs.objects, totalBytes: disk.totalBytes, availBytes: disk.availBytes },
        poolIo,
        recoveredObjects: this.recoveredObjects,
      });
    } catch {
      // the monitor is away; the next report will carry the same information
    }
  }
}

export { ERRNO };

/** Shape check shared by the peering messages: pool, ps and epoch are naturals. */
function checkPgMessage(v: unknown): { pool: number; ps: number; epoch: number } {
  const o = v as Record<string, unknown> | null;
  const nat = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (typeof o !== 'object' || o === null || !nat(o['pool']) || !nat(o['ps']) || !nat(o['epoch'])) {
    throw RadosError.from('EINVAL', 'malformed peering message');
  }
  return o as { pool: number; ps: number; epoch: number };
}

/** Ceph counts one scrub error per differing copy. */
function scrubErrorCount(found: readonly ScrubInconsistency[]): number {
  return found.reduce((n, f) => n + f.shards.length, 0);
}

function checkScrubRequest(v: unknown): OsdPgScrubRequest {
  const o = v as Record<string, unknown> | null;
  const nat = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (typeof o !== 'object' || o === null || !nat(o['pool']) || !nat(o['ps'])) throw RadosError.from('EINVAL', 'malformed scrub request');
  return { pool: o['pool'] as number, ps: o['ps'] as number, deep: o['deep'] === true, repair: o['repair'] === true };
}

/** Bytes of object data a sub-op returned (reads), for the pool's I/O counters. */
function dataBytesOf(out: SubOpOut | undefined): number {
  if (out?.kind === 'data') return out.data.length;
  if (out?.kind === 'dataParts') return out.length;
  return 0;
}

/**
 * The reply as it goes on the wire: a read answered with the store's buffers becomes one 'data'
 * payload whose parts the messenger writes by reference (the client receives one Buffer).
 */
function gatheredForWire(reply: OsdOpReply, store: ObjectStore): unknown {
  if (!reply.results.some((r) => r.out?.kind === 'dataParts')) return reply;
  return {
    ...reply,
    results: reply.results.map((r) => {
      if (r.out?.kind !== 'dataParts') return r;
      const parts = r.out.parts;
      return { ...r, out: { kind: 'data', data: new GatheredBytes(parts, () => store.releaseReadParts?.(parts)) } };
    }),
  };
}
