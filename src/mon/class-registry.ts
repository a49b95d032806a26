// The monitor's side of registered object classes: keeps the ClassMap, persists every epoch
// before anyone sees it, pushes it to every booted OSD and waits for their acks, and serves the
// `cls register|rm|ls|info|getmap` commands. The script's methods and flags come with the
// register command: the monitor runs no Lua, so the client finds them by running the script's
// top level (src/cls/registry.ts describeClassScript; `sepia cls register` does this).
import { createHash } from 'node:crypto';
import { RadosError } from '../core/errors.js';
import type { Connection } from '../msg/index.js';
import type { Logger } from '../io/log.js';
import { MSG, type ClassMapMessage, type MonCommand, type MonCommandReply } from '../proto/messages.js';
import {
  classByName, classSummary, emptyClassMap, isClassMap, isClassMethodFlags, listClasses, registerClass, removeClass,
  type ClassMap, type ClassMethodDecl,
} from './maps/classmap.js';

/** The slice of the monitor store this needs (MonStore and the simulator's store both have it). */
export interface ClassMapStore {
  getValue(key: string): unknown;
  setValue(key: string, value: unknown): Promise<void>;
}

const STORE_KEY = 'classmap';
/** How long a change waits for each OSD's ack before answering anyway (that OSD refetches at boot). */
const PUSH_TIMEOUT_MS = 5_000;

export const CLS_COMMANDS: ReadonlySet<string> = new Set(['cls register', 'cls rm', 'cls ls', 'cls info', 'cls getmap']);

export function loadClassMap(store: ClassMapStore): ClassMap {
  const stored = store.getValue(STORE_KEY);
  return isClassMap(stored) ? stored : emptyClassMap();
}

export class MonClassRegistry {
  private map: ClassMap;
  /** Changes are serialised: each is durable and pushed before the next starts. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: ClassMapStore,
    private readonly now: () => string,
    private readonly osdSessions: () => Iterable<readonly [number, Connection]>,
    private readonly log: Logger,
  ) {
    this.map = loadClassMap(store);
  }

  get classMap(): ClassMap {
    return this.map;
  }

  async command(cmd: MonCommand): Promise<MonCommandReply> {
    const name = (): string => {
      const v = cmd['name'];
      if (typeof v !== 'string' || v === '') throw RadosError.from('EINVAL', "missing required argument 'name'");
      return v;
    };
    switch (cmd.prefix) {
      case 'cls register': {
        const cls = name();
        const script = cmd['script'];
        if (typeof script !== 'string') throw RadosError.from('EINVAL', "missing required argument 'script'");
        const version = cmd['version'];
        if (version !== undefined && typeof version !== 'number') throw RadosError.from('EINVAL', 'version must be a number');
        const methods = parseMethods(cmd['methods']);
        const bytes = Buffer.from(script, 'utf8');
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        const map = await this.propose((m) =>
          registerClass(m, this.now(), { name: cls, script, sha256, size_bytes: bytes.length, methods, ...(version === undefined ? {} : { version }) }),
        );
        const c = classByName(map, cls);
        return { ret: 0, outs: `registered class ${cls} version ${c?.version ?? '?'}`, out: c === undefined ? undefined : classSummary(c) };
      }
      case 'cls rm': {
        const cls = name();
        await this.propose((m) => removeClass(m, cls));
        return { ret: 0, outs: `removed class ${cls}` };
      }
      case 'cls ls':
        return { ret: 0, outs: '', out: listClasses(this.map) };
      case 'cls info': {
        const c = classByName(this.map, name());
        if (c === undefined) throw RadosError.from('ENOENT', `class '${String(cmd['name'])}' is not registered`);
        return { ret: 0, outs: '', out: classSummary(c) };
      }
      case 'cls getmap':
        return { ret: 0, outs: '', out: this.map };
      default:
        throw RadosError.from('EINVAL', `unknown command '${cmd.prefix}'`);
    }
  }

  private propose(change: (m: ClassMap) => ClassMap): Promise<ClassMap> {
    const run = async (): Promise<ClassMap> => {
      const next = change(this.map);
      if (next === this.map) return this.map;
      await this.store.setValue(STORE_KEY, next);
      this.map = next;
      await this.push(next);
      return next;
    };
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** Sends the map to every booted OSD and waits (bounded) for each to hold it. */
  private async push(map: ClassMap): Promise<void> {
    const body: ClassMapMessage = { map };
    const sends = [...this.osdSessions()].map(async ([id, conn]) => {
      try {
        await conn.request(MSG.CLASSMAP, body, { timeout_ms: PUSH_TIMEOUT_MS });
      } catch (err) {
        this.log.warn(`osd.${id} did not take classmap e${map.epoch}: ${String(err)}`);
      }
    });
    await Promise.all(sends);
    this.log.info(`classmap e${map.epoch}: ${Object.keys(map.classes).length} classes, pushed to ${sends.length} OSDs`);
  }
}

function parseMethods(v: unknown): ClassMethodDecl[] {
  if (!Array.isArray(v)) throw RadosError.from('EINVAL', "missing required argument 'methods'");
  return v.map((m: unknown) => {
    const r = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
    const flags = r['flags'];
    if (typeof r['name'] !== 'string' || !isClassMethodFlags(flags)) throw RadosError.from('EINVAL', 'each method needs a name and flags rd, wr or rdwr');
    return { name: r['name'], flags };
  });
}
