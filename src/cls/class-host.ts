// The OSD's object-class host: dispatches `exec(class, method, input)` sub-ops to built-in
// TypeScript classes or to cls_lua scripts, against the op's scratch object.
import { RadosError, neg } from '../core/errors.js';
import type { ScratchObject } from '../osd/ops/index.js';
import type { ExecTrace, Timespec } from '../osd/ops/types.js';
import { LuaPool, LUA_CLASS, parseLuaRequest, type LuaPoolOptions } from './lua/index.js';
import { BUILTIN_CLASSES } from './builtin/index.js';
import { scratchHost } from './scratch-host.js';

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

  /** Whether the method is registered with the WR flag (an unknown method counts as a write). */
  isWrite(cls: string, method: string): boolean {
    if (cls === LUA_CLASS) return true;
    const m = BUILTIN_CLASSES.get(cls)?.get(method);
    return m === undefined ? true : m.flags.write;
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
      const r = await this.lua.call(req, scratchHost(obj, obj.version(), 0));
      if (r.error) this.log(`lua ${req.handler}: ${r.error.message}`);
      for (const line of r.log) this.log(`lua log: ${line}`);
      if (req.trace !== true) return { ret: r.ret, out: r.out };
      return { ret: r.ret, out: r.out, trace: r.error === undefined ? { log: r.log } : { log: r.log, error: r.error } };
    }
    const m = BUILTIN_CLASSES.get(cls)?.get(method);
    if (m === undefined) return { ret: neg('EOPNOTSUPP'), out: Buffer.alloc(0) };
    try {
      return await m.run(obj, input, caller);
    } catch (err) {
      if (RadosError.is(err)) return { ret: -err.errno, out: Buffer.alloc(0) };
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.lua.close();
  }
}
