// The OSD's object-class host: dispatches `exec(class, method, input)` sub-ops to built-in
// TypeScript classes, to cls_lua scripts, or to Lua classes registered cluster-wide (ClassMap),
// against the op's scratch object.
import { RadosError, neg } from '../core/errors.js';
import type { ScratchObject } from '../osd/ops/index.js';
import type { ExecTrace, Timespec } from '../osd/ops/types.js';
import { LuaPool, LUA_CLASS, parseLuaRequest, type LuaPoolOptions } from './lua/index.js';
import { BUILTIN_CLASSES } from './builtin/index.js';
import { scratchHost } from './scratch-host.js';
import { ClassRegistry, type ClassMapView } from './registry.js';
import type { LuaRequest } from './lua/index.js';

export interface ExecCaller {
  readonly clientId: number;
  readonly addr: string;
  readonly now: Timespec;
}

export interface ExecResult {
  readonly ret: number;
  readonly out: Buffer;
  /** The script's log and error, when the request asked for them (Lua `trace`). */
  readonly trace?: ExecTrace;
}

export class ClassHost {
  private readonly lua: LuaPool;

  constructor(opts: { lua: LuaPoolOptions; log?: (msg: string) => void }) {
    this.lua = new LuaPool(opts.lua);
    this.log = opts.log ?? (() => undefined);
  }

  private readonly log: (msg: string) => void;
  private readonly registry = new ClassRegistry();

  /** Adopts a newer ClassMap (pushed by the monitor, or fetched at boot); returns the epoch held. */
  updateClassMap(map: ClassMapView): { epoch: number } {
    if (this.registry.update(map)) this.log(`classmap e${map.epoch}: ${Object.keys(map.classes).length} registered classes`);
    return { epoch: this.registry.epoch };
  }

  get classMapEpoch(): number {
    return this.registry.epoch;
  }

  /** Whether the method is registered with the WR flag (an unknown method counts as a write). */
  isWrite(cls: string, method: string): boolean {
    if (cls === LUA_CLASS) return true;
    const builtin = BUILTIN_CLASSES.get(cls);
    if (builtin !== undefined) {
      const m = builtin.get(method);
      return m === undefined ? true : m.flags.write;
    }
    return this.registry.resolve(cls, method)?.write ?? true;
  }

  async exec(cls: string, method: string, input: Buffer, obj: ScratchObject, caller: ExecCaller): Promise<ExecResult> {
    if (cls === LUA_CLASS) {
      let req;
      try {
        req = parseLuaRequest(method, input);
      } catch (err) {
        if (RadosError.is(err)) return { ret: -err.errno, out: Buffer.alloc(0) };
        throw err;
      }
      return this.runLua(req, req.handler, obj);
    }
    const builtin = BUILTIN_CLASSES.get(cls);
    if (builtin === undefined) {
      const r = this.registry.resolve(cls, method);
      if (r === undefined) return { ret: neg('EOPNOTSUPP'), out: Buffer.alloc(0) };
      // The worker caches the compiled chunk, so only the first call on each worker compiles it.
      const req: LuaRequest = { script: r.cls.script, handler: r.method, input, trace: r.trace };
      return this.runLua(req, `${cls}.${r.method} v${r.cls.version}`, obj);
    }
    const m = builtin.get(method);
    if (m === undefined) return { ret: neg('EOPNOTSUPP'), out: Buffer.alloc(0) };
    try {
      return await m.run(obj, input, caller);
    } catch (err) {
      if (RadosError.is(err)) return { ret: -err.errno, out: Buffer.alloc(0) };
      throw err;
    }
  }

  private async runLua(req: LuaRequest, what: string, obj: ScratchObject): Promise<ExecResult> {
    const r = await this.lua.call(req, scratchHost(obj, obj.version(), 0));
    if (r.error) this.log(`lua ${what}: ${r.error.message}`);
    for (const line of r.log) this.log(`lua log: ${line}`);
    if (req.trace !== true) return { ret: r.ret, out: r.out };
    return { ret: r.ret, out: r.out, trace: r.error === undefined ? { log: r.log } : { log: r.log, error: r.error } };
  }

  async close(): Promise<void> {
    await this.lua.close();
  }
}
