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
import type { Logger } from '../io/log.js';
import type { Clock, Timer } from '../io/clock.js';
import type { StreamTransport } from '../io/tcp.js';
import { diskUsage } from '../io/files.js';
import { locateObject, mapPg, osdById, poolById, type OsdMap } from '../mon/maps/osdmap.js';
import {
  MSG,
  ALL_NSPACES,
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
import { executeOps, isWriteOp, memoryObject, memoryView, precheckRequest, type CopyFromOp, type ObjectView, type OpLimits, type OpOutcome, type SubOp } from './ops/index.js';
import type { ObjectKey, ObjectStore } from './store/object-store.js';
import { PgState, PG_LOG_KEEP, type PgPersisted } from './pg-state.js';
import { isValidOpRequest, isValidPglsRequest, isValidRepop } from './validate.js';
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
const MAP_WAIT_TIMEOUT_MS = 10_000;
const STATS_INTERVAL_MS = 1_000;
const PGLS_MAX_ENTRIES = 1024;
const LOG_TRIM_EVERY = 500;

export class Osd {
  private map: OsdMap | undefined;
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
          if (type === MSG.OSDMAP) this.handleMap((body as OsdMapMessage).map);
        },
      },
    });
    await this.booted;
    this.statsTimer = this.opts.clock.every(STATS_INTERVAL_MS, () => void this.reportStats());
    log.info(`osd.${this.opts.id} up at ${addr}`);
  }

  private async bootWithMonitor(conn: Connection, addr: string): Promise<void> {
    await conn.request<MonHelloReply>(MSG.MON_HELLO, { entityType: 'osd', id: this.opts.id });
    const host = this.opts.host ?? hostname();
    await conn.request(MSG.OSD_BOOT, { id: this.opts.id, addr, host, uuid: this.uuid });
    const { map } = await conn.request<{ map: OsdMap }>(MSG.MON_GET_MAP, {});
    this.handleMap(map);
    await this.reportStats();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.statsTimer?.cancel();
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
    const after = Math.max(0, (persisted?.lastUpdate ?? 0) - PG_LOG_KEEP);
    pg.load(persisted, store.readPgLog(pool, ps, after, PG_LOG_KEEP));
    this.pgs.set(key, pg);
    return pg;
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
    // Tell the monitor about our PGs as soon as the set we lead may have changed, so new pools
    // do not sit in 'unknown' until the next periodic report.
    if (previous && this.statsTimer !== undefined) this.opts.clock.after(0, () => void this.reportStats());
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
        return this.handleOp(body, conn.peer);
      case MSG.OSD_REPOP:
        if (!isValidRepop(body)) throw RadosError.from('EINVAL', 'malformed repop');
        return this.handleRepop(body);
      case MSG.OSD_PGLS:
        if (!isValidPglsRequest(body)) throw RadosError.from('EINVAL', 'malformed pgls request');
        return this.handlePgls(body);
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

  private async handleOp(req: OsdOpRequest, peer = ''): Promise<OsdOpReply> {
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
    const key: ObjectKey = { pool: pool.id, ps: loc.ps, hash: loc.hash, namespace: req.namespace, oid: req.oid, locator: req.locator };
    const objKey = `${req.namespace}\0${req.oid}\0${req.locator}`;
    const classIsWrite = (cls: string, method: string): boolean => this.classes.isWrite(cls, method);
    const write = isWriteOp(req.ops, classIsWrite);
    const copyOp = req.ops.find((o): o is CopyFromOp => o.op === 'copy_from');
    const copySource = copyOp ? await this.fetchCopySource(copyOp) : undefined;
    let pendingCommit: Promise<void> | undefined;
    const reply = await pg.enqueue(MAX_QUEUED_OPS_PER_PG, async (): Promise<OsdOpReply> => {
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
        },
        {
          copySource: () => copySource,
          classIsWrite,
          exec: (cls, method, input, obj) => this.classes.exec(cls, method, input, obj, { clientId: req.reqid[0], addr: peer, now: req.mtime }),
        },
      );
      if (outcome.ret < 0 || outcome.steps.length === 0) {
        pendingCommit = pg.inflight.get(objKey);
        return { ret: outcome.ret, version: outcome.version, results: outcome.results };
      }
      pendingCommit = this.commitWrite(pg, key, objKey, req, outcome, before?.size, map, loc.mapping.acting);
      return { ret: outcome.ret, version: outcome.version, results: outcome.results };
    });
    // Reads wait for earlier writes to the same object to be durable everywhere: a reader must
    // never see a value that could still be lost.
    if (pendingCommit) await pendingCommit;
    this.countIo(pool.id, write, write ? dataBytes : reply.results.reduce((n, r) => n + (r.out?.kind === 'data' ? r.out.data.length : 0), 0));
    return reply;
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

  /** Applies locally (visible at once), replicates, and resolves when every acting OSD has it on disk. */
  private commitWrite(
    pg: PgState,
    key: ObjectKey,
    objKey: string,
    req: OsdOpRequest,
    outcome: OpOutcome,
    sizeBefore: number | undefined,
    map: OsdMap,
    acting: readonly number[],
  ): Promise<void> {
    const version = pg.lastUpdate + 1;
    const logEntry: PgLogEntry = {
      version,
      epoch: map.epoch,
      reqid: req.reqid,
      oid: req.oid,
      namespace: req.namespace,
      op: outcome.meta === undefined ? 'delete' : 'modify',
      userVersion: outcome.version,
      ret: outcome.ret,
    };
    pg.lastUpdate = version;
    pg.lastUserVersion = Math.max(pg.lastUserVersion, outcome.version);
    const existedBefore = sizeBefore !== undefined;
    const existsAfter = outcome.meta !== undefined;
    pg.objects += (existsAfter ? 1 : 0) - (existedBefore ? 1 : 0);
    pg.bytes += (outcome.meta?.size ?? 0) - (sizeBefore ?? 0);
    pg.remember(logEntry);
    const local = this.opts.store.apply(this.txnFor(pg, key, outcome.steps, outcome.meta, logEntry));
    const repop: OsdRepop = {
      pool: key.pool,
      ps: key.ps,
      epoch: map.epoch,
      key: { hash: key.hash, namespace: key.namespace, oid: key.oid, locator: key.locator },
      steps: outcome.steps,
      meta: outcome.meta,
      logEntry,
    };
    const replicas = acting.filter((id) => id !== this.opts.id && id >= 0).map((id) => this.replicate(id, repop));
    const commit = Promise.all([local, ...replicas]).then(() => undefined);
    pg.inflight.set(objKey, commit);
    void commit.finally(() => {
      if (pg.inflight.get(objKey) === commit) pg.inflight.delete(objKey);
    });
    return commit;
  }

  private txnFor(pg: PgState, key: ObjectKey, steps: OpOutcome['steps'], meta: OpOutcome['meta'], entry: PgLogEntry) {
    const trim = entry.version % LOG_TRIM_EVERY === 0 && entry.version > PG_LOG_KEEP;
    return {
      objects: [{ key, steps, meta }],
      pgLog: [{ pool: pg.pool, ps: pg.ps, version: entry.version, entry }],
      ...(trim ? { pgLogTrim: [{ pool: pg.pool, ps: pg.ps, toVersion: entry.version - PG_LOG_KEEP }] } : {}),
      pgMeta: [{ pool: pg.pool, ps: pg.ps, value: pg.persisted() }],
    };
  }

  /**
   * Sends one transaction to a replica until it is durable there, or until the map says the
   * replica left the acting set (it will be brought up to date by recovery, not by this write).
   */
  private async replicate(id: number, repop: OsdRepop): Promise<void> {
    const MAX_ATTEMPTS = 50;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        await this.peer(id).request(MSG.OSD_REPOP, repop);
        return;
      } catch (err) {
        if (this.stopping) throw err;
        const map = this.map;
        const pool = map ? poolById(map, repop.pool) : undefined;
        if (!map || !pool) return;
        const acting = mapPg(map, pool, repop.ps).acting;
        if (!acting.includes(id)) return;
        // Wait for the monitor to publish the replica's fate (down, or back with a new address).
        await this.waitForEpoch(map.epoch + 1).catch(() => undefined);
      }
    }
    throw RadosError.from('ETIMEDOUT', `replicating to osd.${id}`);
  }

  private async handleRepop(repop: OsdRepop): Promise<{ ok: true }> {
    const pg = this.loadPg(repop.pool, repop.ps);
    const key: ObjectKey = { pool: repop.pool, ps: repop.ps, ...repop.key };
    if (repop.logEntry.version <= pg.lastUpdate && pg.lookupDuplicate(repop.logEntry.reqid)) {
      return { ok: true }; // a resend of something already applied here
    }
    const sizeBefore = this.opts.store.view(key).meta?.size;
    pg.lastUpdate = Math.max(pg.lastUpdate, repop.logEntry.version);
    pg.lastUserVersion = Math.max(pg.lastUserVersion, repop.logEntry.userVersion);
    pg.objects += (repop.meta ? 1 : 0) - (sizeBefore !== undefined ? 1 : 0);
    pg.bytes += (repop.meta?.size ?? 0) - (sizeBefore ?? 0);
    pg.remember(repop.logEntry);
    await this.opts.store.apply(this.txnFor(pg, key, repop.steps, repop.meta, repop.logEntry));
    return { ok: true };
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
        const state = mapping.acting.length >= pool.size ? 'active+clean' : mapping.acting.length >= pool.minSize ? 'active+undersized+degraded' : 'undersized+degraded+peered';
        pgs.push({ pool: pool.id, ps, state, objects: pg?.objects ?? 0, bytes: pg?.bytes ?? 0, lastUpdate: pg?.lastUpdate ?? 0 });
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
      });
    } catch {
      // the monitor is away; the next report will carry the same information
    }
  }
}

export { ERRNO };
