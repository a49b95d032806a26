// One Lua 5.4 state (wasmoon) that runs cls_lua calls one after another, with Ceph's semantics
// (spec/object-classes.md §3) and Sepia's limits: an instruction budget and a deadline (count
// hook), and a memory cap (our own allocator). Synchronous by design: in production it runs
// inside a worker thread and reaches the object through a blocking HostInvoker.

import { createHash } from 'node:crypto';
import { LUA_REGISTRYINDEX, type LuaWasm } from 'wasmoon';
import { ERRNO, RadosError, strerror } from '../../core/errors.js';
import { invariant } from '../../core/assert.js';
import type { HostCall, HostInvoker, HostReply } from './host.js';
import { MagickImages } from './magick.js';
import { MAGICK_DEFAULT_MAX_PIXELS, type MagickInvoker } from './magick-protocol.js';
import type { LuaRequest } from './request.js';
import {
  LUA_ERRMEM, LUA_MASKCOUNT, LUA_MULTRET, LUA_OK, LUA_RIDX_GLOBALS, LuaT, loadLuaRuntime,
  type RawModule,
} from './raw.js';
import {
  BOOTSTRAP_LUA, BUFFERLIST_METHODS, MAGICK_FUNCTIONS, OBJCLASS_ERRNO_CONSTANTS, OBJCLASS_FUNCTIONS,
  type BufferlistMethod, type ObjclassFunction,
} from './sandbox.js';

export interface LuaBudgets {
  readonly maxInstructions: number;
  readonly maxMemoryBytes: number;
  readonly timeout_ms: number;
  /** `magick` refuses images (source or result) with more pixels: EFBIG. */
  readonly maxImagePixels?: number;
}

export interface LuaCallError {
  readonly message: string;
  readonly traceback?: string;
}

export interface LuaCallResult {
  /** Method result: >= 0 success, negative errno aborts the op. */
  readonly ret: number;
  /** The handler's output bufferlist (empty when the script raised an error). */
  readonly out: Buffer;
  readonly log: string[];
  readonly error?: LuaCallError;
}

/** A global handler the script registered, with its declared flags ("rd", "wr" or "rdwr"). */
export interface LuaMethodDecl {
  readonly name: string;
  readonly flags: string;
}

/** What `describe` finds in a class script: ret < 0 (with error) when its top level fails. */
export interface LuaClassDescription {
  readonly ret: number;
  readonly methods: LuaMethodDecl[];
  readonly log: string[];
  readonly error?: LuaCallError;
}

export interface LuaVmOptions {
  /** Monotonic milliseconds, for the deadline (performance.now in a worker). */
  readonly now_ms: () => number;
  readonly maxCachedScripts?: number;
}

/** Instructions between two hook checks: coarse enough to cost nothing, fine enough to stop fast. */
const HOOK_INTERVAL_INSTRUCTIONS = 10_000;
const DEFAULT_MAX_CACHED_SCRIPTS = 64;
/** objclass.map_get_keys/vals cap (osd_max_omap_entries_per_request). */
const MAX_OMAP_ENTRIES_PER_REQUEST = 1024;
const LOG_MAX_LINES = 1000;
const LOG_MAX_BYTES = 64 * 1024;
/** A bufferlist folds its chunks into one string once it holds this many. */
const BUFFERLIST_MAX_CHUNKS = 16;
const LOG_LEVEL_DEFAULT = 10;

/** Lua 5.4's collector defaults (LUAI_GCPAUSE, LUAI_GCMUL, LUAI_GCSTEPSIZE), restored per call. */
const GC_DEFAULT_PARAMS = [200, 100, 13] as const;
/**
 * Garbage a run of calls may leave before the post-call full collection runs anyway. Small
 * against any sensible memory cap, so a call's cap still counts (nearly) only its own bytes.
 */
const GC_SLACK_BYTES = 128 * 1024;
/** Scripts up to this size key the compiled-chunk cache by their bytes, longer ones by sha256. */
const SCRIPT_KEY_MAX_RAW_BYTES = 4096;

const REG_HANDLERS = 'sepia.handlers';
/** `objclass.register(f)` without flags: read and write, as Ceph's cls_lua methods are. */
const DEFAULT_METHOD_FLAGS = 'rdwr';
const METHOD_FLAGS: ReadonlySet<string> = new Set(['rd', 'wr', 'rdwr']);
/** Globals inspected when describing a class script (its own plus the sandbox's copies). */
const MAX_DESCRIBED_GLOBALS = 10_000;
const MEMORY_ERROR_TEXT = 'not enough memory';
const REG_BUFFERLIST_MT = 'bufferlist';
/** Fixed for the VM's life: scripts cannot reach it (`__metatable` hides it, no debug library). */
const REG_IMAGE_MT = 'magick.image';
/** Bound on the fixed-name C strings: sandbox field names and registry keys. */
const MAX_FIXED_CSTRINGS = 512;
const MAX_CACHED_HANDLER_NAMES = 256;

type CFunction = (L: number) => number;

interface BootstrapRefs {
  readonly makeEnv: number;
  readonly stringLib: number;
  readonly collect: number;
  readonly gcFlags: number;
  readonly protos: { objclass: number; bufferlist: number; meta: number; pcall: number; print: number; magick: number };
}

interface Abort {
  readonly errno: number;
  readonly message: string;
}

/** Per-call mutable state the C functions consult. */
class CallState {
  instructions = 0;
  /** Instructions between two hook calls for this call. */
  hookEvery = HOOK_INTERVAL_INSTRUCTIONS;
  memRefusals = 0;
  abort: Abort | undefined;
  /** Set by a failing objclass.* call until pcall reports it (Ceph's clslua_err). */
  opError: number | undefined;
  traceback: string | undefined;
  logBytes = 0;
  logDropped = 0;
  readonly log: string[] = [];
  /** The call's images, created by the first `magick` call. */
  images: MagickImages | undefined;
  /** Set by `describe`: the top level runs, then the registered globals are listed here. */
  methods: LuaMethodDecl[] | undefined;
  constructor(
    readonly host: HostInvoker | undefined,
    readonly maxInstructions: number,
    readonly maxMemoryBytes: number,
    readonly deadline_ms: number,
    readonly trace: boolean,
    readonly magick: MagickInvoker | undefined = undefined,
    readonly maxImagePixels: number = MAGICK_DEFAULT_MAX_PIXELS,
  ) {}
}

interface Outcome {
  ret: number;
  out?: Buffer;
  error?: LuaCallError;
}

function isLongjmp(err: unknown): boolean {
  // Emscripten's setjmp/longjmp (lua_error) unwinds JS frames by throwing Infinity.
  return err === Infinity;
}

/** WebAssembly.RuntimeError (unreachable, out-of-bounds, abort): the module is now unusable. */
function isTrap(err: unknown): boolean {
  return err instanceof Error && err.name === 'RuntimeError';
}

const utf8 = new TextDecoder('utf-8');

export class LuaVm {
  private readonly L: number;
  private readonly protos: BootstrapRefs['protos'];
  private readonly makeEnvRef: number;
  /** Pristine string library and collectgarbage, reachable only from here. */
  private readonly stringLibRef: number;
  private readonly collectRef: number;
  private readonly scriptCache = new Map<string, number>();
  private readonly maxCachedScripts: number;
  /** Scratch words outside Lua's heap: a size_t for lengths, an int for isnum, "t\0". */
  private readonly scratch: number;
  private readonly fnTrampoline: number;
  private readonly fnMessageHandler: number;
  private readonly fnHook: number;
  private pendingEntry: ((L: number) => void) | undefined;
  private current: CallState | undefined;
  private memUsed = 0;
  private memLimit = Infinity;
  private deadState: string | undefined;
  private cleanupFailures = 0;
  private fullCollections = 0;
  /** Heap bytes right after the last full collection: the VM's live size. */
  private liveBytes = 0;
  /** Registry ref of the cached chunk the current call runs (its _ENV is cleared after it). */
  private chunkInUse: number | undefined;
  /** Registry ref of the sandbox's finalizer marks (see finalizerLeft). */
  private readonly gcFlagsRef: number;
  /** NUL-terminated copies of the fixed names the VM passes to Lua (a small, closed set). */
  private readonly cstrings = new Map<string, number>();
  /** Handler names, from requests: bounded, freed as a whole when full. */
  private readonly handlerNames = new Map<string, number>();

  static async create(opts: LuaVmOptions): Promise<LuaVm> {
    const { lua, m } = await loadLuaRuntime();
    return new LuaVm(lua, m, opts);
  }

  private constructor(
    private readonly lua: LuaWasm,
    private readonly m: RawModule,
    private readonly opts: LuaVmOptions,
  ) {
    this.maxCachedScripts = opts.maxCachedScripts ?? DEFAULT_MAX_CACHED_SCRIPTS;
    this.scratch = m._malloc(16);
    invariant(this.scratch !== 0, 'scratch allocation');
    m.HEAPU8.set([0x74, 0], this.scratch + 8);
    const alloc = m.addFunction((_ud, ptr, osize, nsize) => this.allocate(ptr, osize, nsize), 'iiiii');
    const L = lua.lua_newstate(alloc, null);
    invariant(L !== 0, 'lua_newstate failed');
    this.L = L;
    this.fnTrampoline = this.cfunction(() => {
      const entry = this.pendingEntry;
      invariant(entry !== undefined, 'trampoline without entry');
      this.pendingEntry = undefined;
      entry(this.L);
      return 0;
    });
    this.fnMessageHandler = this.cfunction((l) => this.messageHandler(l));
    this.fnHook = m.addFunction((l) => this.hook(l), 'vii');
    let refs: BootstrapRefs | undefined;
    const status = this.protectedRun(() => {
      refs = this.bootstrap();
    });
    invariant(status === LUA_OK && refs !== undefined, `lua bootstrap failed: ${this.errorText(-1)}`);
    this.makeEnvRef = refs.makeEnv;
    this.stringLibRef = refs.stringLib;
    this.collectRef = refs.collect;
    this.gcFlagsRef = refs.gcFlags;
    this.protos = refs.protos;
    this.m._lua_settop(L, 0);
  }

  /** Why the VM can no longer be used (a WebAssembly trap); undefined while healthy. */
  get dead(): string | undefined {
    return this.deadState;
  }

  get memoryUsedBytes(): number {
    return this.memUsed;
  }

  /** Post-call collections that ended in an error (expected 0; exposed for tests and metrics). */
  get cleanupFailureCount(): number {
    return this.cleanupFailures;
  }

  /** Post-call full collections so far (a call that leaves no finalizer and little garbage skips it). */
  get fullCollectionCount(): number {
    return this.fullCollections;
  }

  close(): void {
    if (this.deadState === undefined) this.lua.lua_close(this.L);
    this.deadState ??= 'closed';
  }

  /** Runs one request to completion. Never throws for script behaviour; see LuaCallResult. */
  call(req: LuaRequest, budgets: LuaBudgets, host: HostInvoker, magick?: MagickInvoker): LuaCallResult {
    return this.run(req, budgets, host, magick, undefined);
  }

  /**
   * Runs a class script's top level (no handler) and lists the globals it registered with
   * `objclass.register(f, flags)`, sorted by name. A script that does not compile or fails at
   * its top level reports ret < 0 and the Lua error.
   */
  describe(script: string | Buffer, budgets: LuaBudgets, host: HostInvoker): LuaClassDescription {
    const methods: LuaMethodDecl[] = [];
    const r = this.run({ script, handler: '', input: Buffer.alloc(0), trace: true }, budgets, host, undefined, methods);
    methods.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const base = { ret: r.ret, methods: r.ret < 0 ? [] : methods, log: r.log };
    return r.error === undefined ? base : { ...base, error: r.error };
  }

  private run(req: LuaRequest, budgets: LuaBudgets, host: HostInvoker, magick: MagickInvoker | undefined, methods: LuaMethodDecl[] | undefined): LuaCallResult {
    invariant(this.deadState === undefined, `lua vm is unusable: ${this.deadState}`);
    invariant(budgets.maxInstructions > 0 && budgets.maxMemoryBytes > 0 && budgets.timeout_ms > 0, 'budgets');
    const c = new CallState(
      host, budgets.maxInstructions, budgets.maxMemoryBytes, this.opts.now_ms() + budgets.timeout_ms, req.trace === true,
      magick, budgets.maxImagePixels ?? MAGICK_DEFAULT_MAX_PIXELS,
    );
    c.hookEvery = Math.max(1, Math.min(HOOK_INTERVAL_INSTRUCTIONS, Math.floor(budgets.maxInstructions)));
    c.methods = methods;
    let outcome: Outcome = { ret: -ERRNO.EIO };
    this.memLimit = this.memUsed + budgets.maxMemoryBytes;
    this.current = c;
    try {
      this.m._lua_sethook(this.L, this.fnHook, LUA_MASKCOUNT, c.hookEvery);
      const status = this.protectedRun((L) => {
        outcome = this.entry(L, req, c);
      });
      if (status !== LUA_OK) outcome = this.classify(status, c, this.errorText(-1));
      this.cleanup(budgets);
    } catch (err: unknown) {
      // A trap inside WebAssembly (e.g. abort() after a Lua panic) leaves the module unusable.
      if (!isTrap(err) && !isLongjmp(err)) throw err;
      this.deadState = `lua runtime trapped: ${String(err)}`;
      outcome = { ret: -ERRNO.EFAULT, error: { message: this.deadState } };
    } finally {
      this.current = undefined;
      this.memLimit = Infinity;
    }
    return this.finish(outcome, c);
  }

  private finish(outcome: Outcome, c: CallState): LuaCallResult {
    const log = c.log;
    if (c.logDropped > 0) log.push(`(${c.logDropped} log lines dropped)`);
    const error = outcome.error === undefined
      ? undefined
      : c.traceback !== undefined && c.trace
        ? { message: outcome.error.message, traceback: c.traceback }
        : outcome.error;
    const out = outcome.error === undefined ? (outcome.out ?? Buffer.alloc(0)) : Buffer.alloc(0);
    return error === undefined ? { ret: outcome.ret, out, log } : { ret: outcome.ret, out, log, error };
  }

  // ---- the call itself (runs inside the protected trampoline) ----

  private entry(L: number, req: LuaRequest, c: CallState): Outcome {
    this.m._lua_settop(L, 0);
    if (c.trace) this.m._lua_pushcclosure(L, this.fnMessageHandler, 0);
    else this.m._lua_pushnil(L);
    const msgh = 1;
    this.buildEnv(L);
    const env = this.m._lua_gettop(L);
    this.m._lua_createtable(L, 0, 4);
    this.m._lua_setfield(L, LUA_REGISTRYINDEX, this.cstr(REG_HANDLERS));

    const loaded = this.loadScript(L, req.script);
    if (loaded !== undefined) return { ret: -ERRNO.EIO, error: { message: loaded } };
    const chunk = this.m._lua_gettop(L);
    this.m._lua_pushvalue(L, env);
    this.m._lua_setupvalue(L, chunk, 1);
    this.m._lua_pushvalue(L, chunk);
    let status = this.m._lua_pcallk(L, 0, 0, c.trace ? msgh : 0, 0, 0);
    if (status !== LUA_OK) return this.classify(status, c, this.errorText(-1));

    if (c.methods !== undefined) {
      this.listRegistered(L, env, c.methods);
      return { ret: 0 };
    }
    if (req.handler === '') return { ret: 0 };
    this.m._lua_settop(L, env);
    const out = this.pushBufferlist(L, undefined);
    this.m._lua_getglobal(L, this.handlerName(req.handler));
    const fn = this.m._lua_gettop(L);
    if (this.m._lua_type(L, fn) !== LuaT.FUNCTION) {
      return { ret: -ERRNO.EOPNOTSUPP, error: { message: `handler '${req.handler}' is not a function` } };
    }
    this.m._lua_getfield(L, LUA_REGISTRYINDEX, this.cstr(REG_HANDLERS));
    this.m._lua_pushvalue(L, fn);
    const registered = this.m._lua_rawget(L, -2) !== LuaT.NIL;
    this.m._lua_settop(L, fn);
    if (!registered) return { ret: -ERRNO.EIO, error: { message: 'Handler is not registered' } };

    this.pushBufferlist(L, req.input);
    this.m._lua_pushvalue(L, out);
    status = this.m._lua_pcallk(L, 2, LUA_MULTRET, c.trace ? msgh : 0, 0, 0);
    if (status !== LUA_OK) return this.classify(status, c, this.errorText(-1));
    const results = this.m._lua_gettop(L) - fn + 1;
    let ret = 0;
    if (results > 0) {
      const n = this.m._lua_tointegerx(L, -1, this.scratch + 4);
      if (this.m.HEAP32[(this.scratch + 4) >> 2] === 0) {
        return { ret: -ERRNO.EIO, error: { message: `handler returned a ${this.typeName(-1)}, not an integer` } };
      }
      // Ceph stores the result in a C int.
      ret = Number(BigInt.asIntN(32, n));
    }
    return { ret, out: this.bufferlistBytes(L, out) };
  }

  /** Appends every global of `env` that holds a registered handler, with its flags. */
  private listRegistered(L: number, env: number, out: LuaMethodDecl[]): void {
    const lua = this.lua;
    this.m._lua_settop(L, env);
    this.m._lua_getfield(L, LUA_REGISTRYINDEX, this.cstr(REG_HANDLERS));
    const handlers = this.m._lua_gettop(L);
    this.m._lua_pushnil(L);
    for (let seen = 0; lua.lua_next(L, env) !== 0; seen++) {
      if (seen >= MAX_DESCRIBED_GLOBALS) this.raise(L, `more than ${MAX_DESCRIBED_GLOBALS} globals`);
      if (this.m._lua_type(L, -2) === LuaT.STRING && this.m._lua_type(L, -1) === LuaT.FUNCTION) {
        this.m._lua_pushvalue(L, -1);
        if (this.m._lua_rawget(L, handlers) === LuaT.STRING) {
          out.push({ name: utf8.decode(this.stringAt(L, -3)), flags: utf8.decode(this.stringAt(L, -1)) });
        }
        this.m._lua_settop(L, -2);
      }
      this.m._lua_settop(L, -2);
    }
  }

  /** Ceph's mapping: limits first, then memory, then a failing objclass call's errno, else EIO. */
  private classify(status: number, c: CallState, message: string): Outcome {
    if (c.abort !== undefined) return { ret: -c.abort.errno, error: { message: c.abort.message } };
    // luaL_Buffer reports a refused allocation as a plain error with the memory error text.
    if (status === LUA_ERRMEM || (c.memRefusals > 0 && message === MEMORY_ERROR_TEXT)) {
      return { ret: -ERRNO.ENOMEM, error: { message: `${message} (memory cap ${c.maxMemoryBytes} bytes)` } };
    }
    if (c.opError !== undefined) {
      const ret = c.opError < 0 ? c.opError : -ERRNO.EFAULT;
      return { ret, error: { message } };
    }
    return { ret: -ERRNO.EIO, error: { message } };
  }

  private buildEnv(L: number): void {
    this.m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.makeEnvRef));
    const { objclass, bufferlist, meta, pcall, print, magick } = this.protos;
    for (const ref of [objclass, bufferlist, meta, pcall, print, magick]) {
      this.m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(ref));
    }
    this.m._lua_callk(L, 6, 2, 0, 0);
    this.m._lua_setfield(L, LUA_REGISTRYINDEX, this.cstr(REG_BUFFERLIST_MT));
    this.m._lua_pushvalue(L, -1);
    // `load` without an env argument and lua_getglobal both use the registry's globals.
    this.m._lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  }

  /** Pushes the compiled chunk (cached by sha256); returns the error text on a syntax error. */
  private loadScript(L: number, script: string | Buffer): string | undefined {
    const lua = this.lua;
    const raw = typeof script === 'string' ? Buffer.from(script, 'utf8') : script;
    // Ceph compiles script.c_str(): the source ends at the first NUL.
    const nul = raw.indexOf(0);
    const source = nul < 0 ? raw : raw.subarray(0, nul);
    // Short sources are their own key (exact, and cheaper than hashing); long ones hash.
    const key = source.length <= SCRIPT_KEY_MAX_RAW_BYTES
      ? `r${source.toString('latin1')}`
      : `h${createHash('sha256').update(source).digest('hex')}`;
    const cached = this.scriptCache.get(key);
    if (cached !== undefined) {
      this.scriptCache.delete(key);
      this.scriptCache.set(key, cached);
      this.m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(cached));
      this.chunkInUse = cached;
      return undefined;
    }
    const buf = this.m._malloc(source.length + 1);
    if (buf === 0) return strerror(ERRNO.ENOMEM);
    let status: number;
    try {
      this.m.HEAPU8.set(source, buf);
      this.m.HEAPU8[buf + source.length] = 0;
      // The source doubles as chunk name, as luaL_loadstring does: errors read [string "..."].
      status = this.m._luaL_loadbufferx(L, buf, source.length, buf, this.scratch + 8);
    } finally {
      this.m._free(buf);
    }
    if (status !== LUA_OK) return this.errorText(-1);
    this.m._lua_pushvalue(L, -1);
    const ref = lua.luaL_ref(L, LUA_REGISTRYINDEX);
    this.scriptCache.set(key, ref);
    this.chunkInUse = ref;
    while (this.scriptCache.size > this.maxCachedScripts) {
      const [oldest, oldRef] = this.scriptCache.entries().next().value as [string, number];
      this.scriptCache.delete(oldest);
      lua.luaL_unref(L, LUA_REGISTRYINDEX, oldRef);
    }
    return undefined;
  }

  /**
   * Drops every reference the call created. A full collection then runs, while no host is
   * attached and the hook stops any Lua a finalizer runs, whenever the call may have left a
   * finalizer behind (a metatable with `__gc` passed to setmetatable, or its bufferlist
   * metatable's `__gc` replaced), hit a limit, or the heap has grown GC_SLACK_BYTES past the
   * live size the last full collection measured. Otherwise Lua's incremental collector frees
   * the call's garbage during later calls: that garbage holds no finalizer, so no later call
   * can be reached from it.
   */
  private cleanup(budgets: LuaBudgets): void {
    const m = this.m;
    const c = this.current;
    invariant(c !== undefined, 'cleanup outside a call');
    this.current = new CallState(undefined, 1, budgets.maxMemoryBytes, 0, false);
    this.current.abort = { errno: ERRNO.ETIMEDOUT, message: 'finalizer ran after its call ended' };
    this.memLimit = Math.max(this.memLimit, this.memUsed + budgets.maxMemoryBytes);
    m._lua_settop(this.L, 0);
    let full = c.abort !== undefined || c.memRefusals > 0 || this.memUsed > this.liveBytes + GC_SLACK_BYTES;
    let tuned = false;
    const status = this.protectedRun((L) => {
      const marks = this.takeGcMarks(L);
      full ||= marks.finalizer;
      tuned = marks.tuned;
      m._lua_createtable(L, 0, 0);
      m._lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
      m._lua_pushnil(L);
      m._lua_setfield(L, LUA_REGISTRYINDEX, this.cstr(REG_HANDLERS));
      m._lua_pushnil(L);
      m._lua_setfield(L, LUA_REGISTRYINDEX, this.cstr(REG_BUFFERLIST_MT));
      // Only the chunk this call ran holds its _ENV: every other cached chunk was cleared after
      // its own call.
      if (this.chunkInUse !== undefined) {
        m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.chunkInUse));
        m._lua_pushnil(L);
        m._lua_setupvalue(L, -2, 1);
        m._lua_settop(L, 0);
      }
      // A script may have replaced the string metatable's fields; strings get a new one.
      m._lua_pushlstring(L, this.scratch, 0);
      m._lua_createtable(L, 0, 1);
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.stringLibRef));
      m._lua_setfield(L, -2, this.cstr('__index'));
      m._lua_setmetatable(L, -2);
      m._lua_settop(L, 0);
      // C calls only: the hook counts Lua instructions, so only finalizers can be stopped here.
      // A script may have stopped the collector or changed its mode and parameters.
      if (tuned) {
        this.collect(L, 'restart');
        this.collect(L, 'incremental', ...GC_DEFAULT_PARAMS);
      }
      if (full) this.collect(L, 'collect');
    });
    this.chunkInUse = undefined;
    // Errors inside finalizers never surface (Lua turns them into warnings); anything else
    // left the state consistent because it ran under lua_pcall.
    this.cleanupFailures += status === LUA_OK ? 0 : 1;
    if (full && status === LUA_OK) {
      this.liveBytes = this.memUsed;
      this.fullCollections++;
    }
    m._lua_settop(this.L, 0);
    this.current = c;
  }

  /**
   * What the call did to the collector, and resets the marks. `finalizer`: it may have marked
   * an object for finalization. The sandbox's setmetatable records a metatable with `__gc` (Lua
   * marks an object only when its metatable has `__gc` at setmetatable time), and a bufferlist
   * finalizes through the call's metatable, whose `__gc` a script can replace. `tuned`: it
   * called collectgarbage, which may have stopped the collector or changed its mode.
   */
  private takeGcMarks(L: number): { finalizer: boolean; tuned: boolean } {
    const m = this.m;
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.gcFlagsRef));
    const flags = m._lua_gettop(L);
    const marked = m._lua_getfield(L, flags, this.cstr('marked')) !== LuaT.NIL;
    const tuned = m._lua_getfield(L, flags, this.cstr('tuned')) !== LuaT.NIL;
    m._lua_pushnil(L);
    m._lua_setfield(L, flags, this.cstr('marked'));
    m._lua_pushnil(L);
    m._lua_setfield(L, flags, this.cstr('tuned'));
    let replaced = false;
    if (m._lua_getfield(L, LUA_REGISTRYINDEX, this.cstr(REG_BUFFERLIST_MT)) === LuaT.TABLE) {
      m._lua_getfield(L, -1, this.cstr('__gc'));
      m._lua_getfield(L, flags, this.cstr('bufferlist_gc'));
      replaced = m._lua_rawequal(L, -1, -2) === 0;
    }
    m._lua_settop(L, flags - 1);
    return { finalizer: marked || replaced, tuned };
  }

  private collect(L: number, option: string, ...params: number[]): void {
    this.m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.collectRef));
    this.m._lua_pushstring(L, this.cstr(option));
    for (const p of params) this.m._lua_pushinteger(L, BigInt(p));
    this.m._lua_callk(L, 1 + params.length, 0, 0, 0);
  }

  // ---- protected execution, hook, allocator ----

  /** Runs `entry` inside lua_pcall so that every Lua error (including out-of-memory) is caught. */
  private protectedRun(entry: (L: number) => void): number {
    invariant(this.pendingEntry === undefined, 'protectedRun is not reentrant');
    this.pendingEntry = entry;
    this.m._lua_pushcclosure(this.L, this.fnTrampoline, 0);
    const status = this.m._lua_pcallk(this.L, 0, 0, 0, 0, 0);
    this.pendingEntry = undefined;
    return status;
  }

  /**
   * Wraps a JS function as a lua_CFunction. lua_error unwinds by throwing through our frames;
   * anything else our code throws becomes a Lua error instead of tearing through C frames.
   */
  private cfunction(fn: CFunction): number {
    return this.m.addFunction((l) => {
      try {
        return fn(l);
      } catch (err: unknown) {
        if (isLongjmp(err) || isTrap(err)) throw err;
        this.pushText(l, `internal error: ${err instanceof Error ? err.message : String(err)}`);
        return this.lua.lua_error(l);
      }
    }, 'ii');
  }

  private hook(L: number): void {
    const c = this.current;
    if (c === undefined) return;
    c.instructions += c.hookEvery;
    if (c.abort === undefined && c.instructions > c.maxInstructions) {
      c.abort = { errno: ERRNO.ETIMEDOUT, message: `instruction budget exceeded (${c.maxInstructions} instructions)` };
    }
    if (c.abort === undefined && this.opts.now_ms() > c.deadline_ms) {
      c.abort = { errno: ERRNO.ETIMEDOUT, message: 'deadline exceeded' };
    }
    // Raised again at every hook once set: pcall cannot swallow a limit.
    if (c.abort !== undefined) this.raise(L, c.abort.message);
  }

  private allocate(ptr: number, osize: number, nsize: number): number {
    const m = this.m;
    if (nsize === 0) {
      if (ptr !== 0) {
        this.memUsed -= osize;
        m._free(ptr);
      }
      return 0;
    }
    // With ptr NULL, osize encodes the object type rather than a size.
    const delta = ptr !== 0 ? nsize - osize : nsize;
    if (delta > 0 && this.memUsed + delta > this.memLimit) {
      // One refusal may be cured by Lua's emergency collection (or caught by the script);
      // a second one in the same call means the call lives at its cap, so it is aborted and
      // pcall can no longer swallow the failure.
      const c = this.current;
      if (c !== undefined) {
        c.memRefusals++;
        if (c.memRefusals >= 2 && c.abort === undefined) {
          c.abort = { errno: ERRNO.ENOMEM, message: `memory cap exceeded (${c.maxMemoryBytes} bytes)` };
        }
      }
      return 0;
    }
    const moved = m._realloc(ptr, nsize);
    if (moved !== 0) this.memUsed += delta;
    return moved;
  }

  private messageHandler(L: number): number {
    const c = this.current;
    if (c !== undefined && c.abort === undefined && c.traceback === undefined) {
      this.lua.luaL_traceback(L, L, null, 1);
      c.traceback = this.lua.lua_tolstring(L, -1, null);
      this.m._lua_settop(L, 1);
    }
    return 1;
  }

  // ---- bootstrap: C functions, prototypes, env factory ----

  private bootstrap(): BootstrapRefs {
    const lua = this.lua;
    const L = this.L;
    lua.luaopen_base(L);
    this.m._lua_settop(L, 0);
    const reg = (): number => lua.luaL_ref(L, LUA_REGISTRYINDEX);

    this.m._lua_createtable(L, 0, OBJCLASS_FUNCTIONS.length + OBJCLASS_ERRNO_CONSTANTS.length);
    const objclass = this.objclassFunctions();
    for (const name of OBJCLASS_FUNCTIONS) {
      this.m._lua_pushcclosure(L, this.cfunction(objclass[name]), 0);
      this.m._lua_setfield(L, -2, this.cstr(name));
    }
    for (const [name, errno] of OBJCLASS_ERRNO_CONSTANTS) {
      this.m._lua_pushinteger(L, BigInt(errno));
      this.m._lua_setfield(L, -2, this.cstr(name));
    }
    const objclassRef = reg();

    this.m._lua_createtable(L, 0, 1);
    this.m._lua_pushcclosure(L, this.cfunction((l) => {
      this.pushBufferlist(l, undefined);
      return 1;
    }), 0);
    this.m._lua_setfield(L, -2, this.cstr('new'));
    const bufferlistRef = reg();

    this.m._lua_createtable(L, 0, BUFFERLIST_METHODS.length + 2);
    const methods = this.bufferlistMethods();
    for (const name of BUFFERLIST_METHODS) {
      this.m._lua_pushcclosure(L, this.cfunction(methods[name]), 0);
      this.m._lua_setfield(L, -2, this.cstr(name));
    }
    const metaRef = reg();

    this.m._lua_getglobal(L, this.cstr('pcall'));
    this.m._lua_pushcclosure(L, this.cfunction((l) => this.pcallWrapper(l)), 1);
    const pcallRef = reg();
    this.m._lua_pushcclosure(L, this.cfunction((l) => this.print(l)), 0);
    const printRef = reg();
    const magickRef = this.bootstrapMagick(reg);

    // The bootstrap chunk gets the pristine libraries; only it keeps references to them.
    const source = Buffer.from(BOOTSTRAP_LUA, 'utf8');
    const buf = this.m._malloc(source.length + 1);
    invariant(buf !== 0, 'bootstrap allocation');
    let status: number;
    try {
      this.m.HEAPU8.set(source, buf);
      this.m.HEAPU8[buf + source.length] = 0;
      const name = this.scratch + 12;
      this.m.HEAPU8.set([0x3d, 0x73, 0x65, 0], name); // "=se": chunk name
      status = this.m._luaL_loadbufferx(L, buf, source.length, name, this.scratch + 8);
    } finally {
      this.m._free(buf);
    }
    invariant(status === LUA_OK, `bootstrap does not compile: ${this.errorText(-1)}`);
    this.m._lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua.luaopen_string(L);
    this.m._lua_pushvalue(L, -1);
    const stringLibRef = reg();
    lua.luaopen_table(L);
    lua.luaopen_math(L);
    lua.luaopen_debug(L);
    this.m._lua_getfield(L, -1, this.cstr('setmetatable'));
    this.m._lua_rotate(L, -2, -1);
    this.m._lua_settop(L, -2);
    this.m._lua_callk(L, 5, 2, 0, 0);
    const gcFlagsRef = reg();
    const makeEnvRef = reg();
    this.m._lua_getglobal(L, this.cstr('collectgarbage'));
    const collectRef = reg();
    return {
      makeEnv: makeEnvRef,
      stringLib: stringLibRef,
      collect: collectRef,
      gcFlags: gcFlagsRef,
      protos: { objclass: objclassRef, bufferlist: bufferlistRef, meta: metaRef, pcall: pcallRef, print: printRef, magick: magickRef },
    };
  }

  /** pcall that reports a failing objclass.* call as `false, -errno, message` (spec §3.6). */
  private pcallWrapper(L: number): number {
    const lua = this.lua;
    const nargs = this.m._lua_gettop(L);
    this.m._lua_pushvalue(L, lua.lua_upvalueindex(1));
    this.m._lua_rotate(L, 1, 1);
    this.m._lua_callk(L, nargs, LUA_MULTRET, 0, 0);
    const c = this.current;
    if (c?.abort !== undefined) this.raise(L, c.abort.message);
    if (c?.opError !== undefined) {
      const ret = c.opError;
      c.opError = undefined;
      this.m._lua_pushinteger(L, BigInt(ret));
      this.m._lua_rotate(L, -2, 1);
    }
    return this.m._lua_gettop(L);
  }

  private print(L: number): number {
    const n = this.m._lua_gettop(L);
    const parts: string[] = [];
    for (let i = 1; i <= n; i++) {
      const ptr = this.m._luaL_tolstring(L, i, this.scratch);
      parts.push(utf8.decode(this.heapView(ptr, this.m.HEAPU32[this.scratch >> 2] ?? 0)));
      this.m._lua_settop(L, -2);
    }
    this.appendLog(parts.join('\t'));
    return 0;
  }

  private appendLog(line: string): void {
    const c = this.current;
    if (c === undefined) return;
    if (c.log.length >= LOG_MAX_LINES || c.logBytes + line.length > LOG_MAX_BYTES) {
      c.logDropped++;
      return;
    }
    c.logBytes += line.length;
    c.log.push(line);
  }

  // ---- magick module (images through the image worker; see magick.ts) ----

  /** Builds the magick prototype table and the image metatable; returns the prototype's ref. */
  private bootstrapMagick(reg: () => number): number {
    const lua = this.lua;
    const L = this.L;
    const fns = this.magickFunctions();
    const methods = ['get_width', 'get_height', 'get_format', 'set_format', 'set_quality', 'get_blob', 'resize', 'clone', 'destroy'] as const;
    invariant(lua.luaL_newmetatable(L, REG_IMAGE_MT) !== 0, 'image metatable registered twice');
    this.m._lua_createtable(L, 0, methods.length + 1);
    for (const name of methods) {
      this.m._lua_pushcclosure(L, this.cfunction(fns[name]), 0);
      this.m._lua_setfield(L, -2, this.cstr(name));
    }
    // img:thumb(spec) changes the image; magick.thumb(img, spec) returns a new blob (leafo's magick).
    this.m._lua_pushcclosure(L, this.cfunction(fns.thumb_method), 0);
    this.m._lua_setfield(L, -2, this.cstr('thumb'));
    this.m._lua_setfield(L, -2, this.cstr('__index'));
    this.pushText(L, REG_IMAGE_MT);
    this.m._lua_setfield(L, -2, this.cstr('__name'));
    lua.lua_pushboolean(L, 0);
    this.m._lua_setfield(L, -2, this.cstr('__metatable'));
    this.m._lua_settop(L, -2);

    this.m._lua_createtable(L, 0, MAGICK_FUNCTIONS.length);
    for (const name of MAGICK_FUNCTIONS) {
      this.m._lua_pushcclosure(L, this.cfunction(fns[name]), 0);
      this.m._lua_setfield(L, -2, this.cstr(name));
    }
    return reg();
  }

  private images(L: number): MagickImages {
    const c = this.current;
    if (c?.host === undefined) return this.raise(L, 'magick called outside of a method call');
    c.images ??= new MagickImages(c.magick, c.maxImagePixels, c.deadline_ms);
    return c.images;
  }

  /** Runs `fn`; a RadosError becomes the flagged op error (its errno), a deadline an abort. */
  private magickOp<T>(L: number, fn: (images: MagickImages) => T): T {
    const images = this.images(L);
    let failure: RadosError | undefined;
    let value: T | undefined;
    try {
      value = fn(images);
    } catch (err: unknown) {
      if (!RadosError.is(err)) throw err;
      failure = err;
    }
    const c = this.current;
    if (c !== undefined && c.abort === undefined && this.opts.now_ms() > c.deadline_ms) {
      c.abort = { errno: ERRNO.ETIMEDOUT, message: failure?.message ?? 'deadline exceeded' };
    }
    if (c?.abort !== undefined) return this.raise(L, c.abort.message);
    if (failure !== undefined) return this.raiseOp(L, -failure.errno, failure.message);
    return value as T;
  }

  private argImage(L: number, idx: number): number {
    const ud = this.m._luaL_checkudata(L, idx, this.cstr(REG_IMAGE_MT));
    return this.m.HEAPU32[ud >> 2] ?? 0;
  }

  /** An image blob argument: a Lua string or a bufferlist, copied out of the Lua heap. */
  private argBlob(L: number, idx: number): Uint8Array {
    if (this.m._lua_type(L, idx) === LuaT.STRING) return Uint8Array.from(this.stringAt(L, idx));
    return this.argBufferlist(L, idx);
  }

  private pushImage(L: number, id: number): number {
    const ud = this.m._lua_newuserdatauv(L, 4, 0);
    this.m.HEAPU32[ud >> 2] = id;
    this.m._luaL_setmetatable(L, this.cstr(REG_IMAGE_MT));
    return 1;
  }

  private magickFunctions(): Record<
    'load_image_from_blob' | 'thumb' | 'thumb_method' | 'get_width' | 'get_height' | 'get_format' | 'set_format'
    | 'set_quality' | 'get_blob' | 'resize' | 'clone' | 'destroy',
    CFunction
  > {
    const lua = this.lua;
    const int = (L: number, n: number): number => {
      this.m._lua_pushinteger(L, BigInt(n));
      return 1;
    };
    return {
      load_image_from_blob: (L) => {
        const blob = this.argBlob(L, 1);
        const loaded = this.magickOp(L, (im) => im.load(blob));
        if (typeof loaded === 'number') return this.pushImage(L, loaded);
        this.m._lua_pushnil(L);
        this.pushText(L, loaded.failed);
        return 2;
      },
      // magick.thumb(img_or_blob, spec) → blob string; the image itself is left as it was.
      thumb: (L) => {
        const spec = this.argString(L, 2);
        const given = lua.luaL_testudata(L, 1, REG_IMAGE_MT) !== 0 ? this.argImage(L, 1) : undefined;
        const blob = given === undefined ? this.argBlob(L, 1) : undefined;
        const out = this.magickOp(L, (im) => {
          let id: number;
          if (given !== undefined) {
            id = im.clone(given);
          } else {
            const loaded = im.load(blob ?? new Uint8Array(0));
            if (typeof loaded !== 'number') throw new RadosError(ERRNO.EINVAL, loaded.failed);
            id = loaded;
          }
          try {
            im.thumb(id, spec);
            return im.blob(id);
          } finally {
            im.destroy(id);
          }
        });
        this.pushBytes(L, out);
        return 1;
      },
      thumb_method: (L) => {
        const id = this.argImage(L, 1);
        const spec = this.argString(L, 2);
        this.magickOp(L, (im) => im.thumb(id, spec));
        this.m._lua_settop(L, 1);
        return 1;
      },
      get_width: (L) => {
        const id = this.argImage(L, 1);
        return int(L, this.magickOp(L, (im) => im.size(id).width));
      },
      get_height: (L) => {
        const id = this.argImage(L, 1);
        return int(L, this.magickOp(L, (im) => im.size(id).height));
      },
      get_format: (L) => {
        const id = this.argImage(L, 1);
        this.pushText(L, this.magickOp(L, (im) => im.format(id)));
        return 1;
      },
      set_format: (L) => {
        const id = this.argImage(L, 1);
        const format = this.argString(L, 2);
        this.magickOp(L, (im) => im.setFormat(id, format));
        lua.lua_pushboolean(L, 1);
        return 1;
      },
      set_quality: (L) => {
        const id = this.argImage(L, 1);
        const quality = this.argInt(L, 2);
        this.magickOp(L, (im) => im.setQuality(id, quality));
        lua.lua_pushboolean(L, 1);
        return 1;
      },
      get_blob: (L) => {
        const id = this.argImage(L, 1);
        this.pushBytes(L, this.magickOp(L, (im) => im.blob(id)));
        return 1;
      },
      resize: (L) => {
        const id = this.argImage(L, 1);
        const width = this.argInt(L, 2);
        const height = this.argInt(L, 3);
        this.magickOp(L, (im) => im.resize(id, width, height));
        this.m._lua_settop(L, 1);
        return 1;
      },
      clone: (L) => {
        const id = this.argImage(L, 1);
        return this.pushImage(L, this.magickOp(L, (im) => im.clone(id)));
      },
      destroy: (L) => {
        const id = this.argImage(L, 1);
        this.magickOp(L, (im) => im.destroy(id));
        return 0;
      },
    };
  }

  // ---- objclass module ----

  private objclassFunctions(): Record<ObjclassFunction, CFunction> {
    const lua = this.lua;
    return {
      register: (L) => {
        lua.luaL_checktype(L, 1, LuaT.FUNCTION);
        // Sepia: an optional second argument declares the method's flags (registered classes).
        const flagsType = this.m._lua_type(L, 2);
        let flags: string = DEFAULT_METHOD_FLAGS;
        if (flagsType !== LuaT.NONE && flagsType !== LuaT.NIL) {
          flags = flagsType === LuaT.STRING ? utf8.decode(this.stringAt(L, 2)).toLowerCase() : '';
          if (!METHOD_FLAGS.has(flags)) this.raise(L, `register: flags must be "rd", "wr" or "rdwr"`);
        }
        this.m._lua_settop(L, 1);
        this.m._lua_getfield(L, LUA_REGISTRYINDEX, this.cstr(REG_HANDLERS));
        invariant(this.m._lua_type(L, -1) === LuaT.TABLE, 'handler registry missing');
        this.m._lua_pushvalue(L, 1);
        if (this.m._lua_rawget(L, -2) !== LuaT.NIL) this.raise(L, 'Cannot register handler more than once');
        this.m._lua_settop(L, -2);
        this.m._lua_pushvalue(L, 1);
        this.pushText(L, flags);
        lua.lua_rawset(L, -3);
        return 0;
      },
      log: (L) => this.log(L),
      create: (L) => this.op(L, { fn: 'create', exclusive: lua.lua_toboolean(L, 1) !== 0 }, () => 0),
      remove: (L) => this.op(L, { fn: 'remove' }, () => 0),
      stat: (L) => this.op(L, { fn: 'stat' }, (r) => {
        invariant(r.stat !== undefined, 'stat reply without stat');
        this.m._lua_pushinteger(L, BigInt(r.stat.size));
        this.m._lua_pushinteger(L, BigInt(r.stat.mtime_sec));
        return 2;
      }),
      read: (L) => {
        const offset = this.argInt(L, 1);
        const length = this.argInt(L, 2);
        return this.op(L, { fn: 'read', offset, length }, (r) => this.pushData(L, r));
      },
      write: (L) => {
        const offset = this.argInt(L, 1);
        const length = this.argInt(L, 2);
        const data = this.argBufferlist(L, 3);
        // The OSD rejects a write whose extent length differs from its data (an op error).
        if (length !== data.length) return this.raiseOp(L, -ERRNO.EINVAL);
        return this.op(L, { fn: 'write', offset, data }, () => 0);
      },
      write_full: (L) => this.op(L, { fn: 'write_full', data: this.argBufferlist(L, 1) }, () => 0),
      getxattr: (L) => this.op(L, { fn: 'getxattr', name: this.argString(L, 1) }, (r) => this.pushData(L, r)),
      getxattrs: (L) => this.op(L, { fn: 'getxattrs' }, (r) => this.pushEntries(L, r.entries ?? [])),
      setxattr: (L) => {
        const name = this.argString(L, 1);
        const value = this.argBufferlist(L, 2);
        // Ceph quirk: returns its bufferlist argument.
        return this.op(L, { fn: 'setxattr', name, value }, () => {
          this.m._lua_pushvalue(L, 2);
          return 1;
        });
      },
      map_get_val: (L) => this.op(L, { fn: 'map_get_val', key: this.argString(L, 1) }, (r) => this.pushData(L, r)),
      map_set_val: (L) => {
        const key = this.argString(L, 1);
        const value = this.argBufferlist(L, 2);
        return this.op(L, { fn: 'map_set_vals', entries: [[key, value]] }, () => 0);
      },
      map_set_vals: (L) => this.mapSetVals(L),
      map_get_keys: (L) => {
        const startAfter = this.argString(L, 1);
        const max = this.omapMax(this.argInt(L, 2));
        return this.op(L, { fn: 'map_get_keys', startAfter, max }, (r) => {
          const keys = r.keys ?? [];
          this.m._lua_createtable(L, 0, keys.length);
          for (const key of keys) {
            this.pushKey(L, key);
            lua.lua_pushboolean(L, 1);
            lua.lua_rawset(L, -3);
          }
          return 1;
        });
      },
      map_get_vals: (L) => {
        const startAfter = this.argString(L, 1);
        const prefix = this.argString(L, 2);
        const max = this.omapMax(this.argInt(L, 3));
        return this.op(L, { fn: 'map_get_vals', startAfter, prefix, max }, (r) => this.pushEntries(L, r.entries ?? []));
      },
      map_read_header: (L) => this.op(L, { fn: 'map_read_header' }, (r) => this.pushData(L, r)),
      map_write_header: (L) => this.op(L, { fn: 'map_write_header', value: this.argBufferlist(L, 1) }, () => 0),
      map_remove_key: (L) => this.op(L, { fn: 'map_remove_key', key: this.argString(L, 1) }, () => 0),
      map_clear: (L) => this.op(L, { fn: 'map_clear' }, () => 0),
      current_version: (L) => this.op(L, { fn: 'current_version' }, (r) => {
        this.m._lua_pushinteger(L, BigInt(r.ret));
        return 1;
      }),
      current_subop_num: (L) => this.op(L, { fn: 'current_subop_num' }, (r) => {
        this.m._lua_pushinteger(L, BigInt(r.ret));
        return 1;
      }),
      current_subop_version: (L) => {
        const version = this.hostCall(L, { fn: 'current_version' });
        const subop = this.hostCall(L, { fn: 'current_subop_num' });
        if (version.ret < 0) return this.raiseOp(L, version.ret);
        if (subop.ret < 0) return this.raiseOp(L, subop.ret);
        this.pushText(L, `${version.ret}.${subop.ret}`);
        return 1;
      },
    };
  }

  private omapMax(max: number): number {
    return Math.max(0, Math.min(max, MAX_OMAP_ENTRIES_PER_REQUEST));
  }

  /** One nested sub-op: a negative reply raises the flagged Lua error, else `push` the results. */
  private op(L: number, call: HostCall, push: (reply: HostReply) => number): number {
    const reply = this.hostCall(L, call);
    if (reply.ret < 0) return this.raiseOp(L, reply.ret, reply.message);
    return push(reply);
  }

  private hostCall(L: number, call: HostCall): HostReply {
    const c = this.current;
    if (c?.host === undefined) return this.raise(L, 'objclass called outside of a method call');
    const reply = c.host(call);
    if (reply.message !== undefined) this.appendLog(reply.message);
    // A host wait can outlive the deadline; report it instead of continuing.
    if (c.abort === undefined && this.opts.now_ms() > c.deadline_ms) {
      c.abort = { errno: ERRNO.ETIMEDOUT, message: 'deadline exceeded' };
    }
    if (c.abort !== undefined) return this.raise(L, c.abort.message);
    return reply;
  }

  private raiseOp(L: number, ret: number, message?: string): never {
    invariant(ret < 0, 'op error must be negative');
    const c = this.current;
    if (c !== undefined) c.opError = ret;
    return this.raise(L, message ?? strerror(-ret));
  }

  private raise(L: number, message: string): never {
    this.pushText(L, message);
    this.lua.lua_error(L);
    throw new Error('unreachable: lua_error returned');
  }

  private log(L: number): number {
    const lua = this.lua;
    const nargs = this.m._lua_gettop(L);
    if (nargs === 0) return 0;
    let first = 1;
    if (nargs > 1 && lua.lua_isnumber(L, 1) !== 0) {
      const level = Math.trunc(lua.lua_tonumberx(L, 1, null));
      if (level >= 0) first = 2;
    }
    const parts = nargs - first + 1;
    lua.luaL_checkstack(L, parts * 2, 'objclass.log');
    for (let i = first; i <= nargs; i++) {
      const t = this.m._lua_type(L, i);
      if (t === LuaT.STRING || t === LuaT.NUMBER) this.m._lua_pushvalue(L, i);
      else if (t === LuaT.BOOLEAN) this.pushText(L, lua.lua_toboolean(L, i) !== 0 ? 'true' : 'false');
      else this.pushText(L, lua.lua_typename(L, t));
      if (i < nargs) this.pushText(L, ' ');
    }
    this.m._lua_concat(L, parts * 2 - 1);
    this.appendLog(utf8.decode(this.stringAt(L, -1)));
    return 1;
  }

  private mapSetVals(L: number): number {
    const lua = this.lua;
    lua.luaL_checktype(L, 1, LuaT.TABLE);
    const entries = new Map<string, Uint8Array>();
    this.m._lua_settop(L, 1);
    this.m._lua_pushnil(L);
    while (lua.lua_next(L, 1) !== 0) {
      const kt = this.m._lua_type(L, -2);
      let key: string;
      if (kt === LuaT.STRING) {
        key = this.cText(this.stringAt(L, -2));
      } else if (kt === LuaT.NUMBER) {
        // Convert a copy: lua_tolstring on the key itself would break lua_next.
        this.m._lua_pushvalue(L, -2);
        key = this.cText(this.stringAt(L, -1));
        this.m._lua_settop(L, -2);
      } else {
        return this.raiseOp(L, -ERRNO.EINVAL, `map_set_vals: invalid key type (${lua.lua_typename(L, kt)})`);
      }
      const vt = this.m._lua_type(L, -1);
      if (vt !== LuaT.STRING) {
        return this.raiseOp(L, -ERRNO.EINVAL, `map_set_vals: invalid val type (${lua.lua_typename(L, vt)}) for key (${key})`);
      }
      entries.set(key, Uint8Array.from(this.stringAt(L, -1)));
      this.m._lua_settop(L, -2);
    }
    if (entries.size === 0) return 0;
    return this.op(L, { fn: 'map_set_vals', entries: [...entries] }, () => 0);
  }

  // ---- argument and value helpers ----

  /** A fixed name as a C string, allocated once outside the Lua heap (not counted by the cap). */
  private cstr(name: string): number {
    const known = this.cstrings.get(name);
    if (known !== undefined) return known;
    invariant(this.cstrings.size < MAX_FIXED_CSTRINGS, 'too many fixed C strings');
    const ptr = this.allocCstr(name);
    this.cstrings.set(name, ptr);
    return ptr;
  }

  private handlerName(name: string): number {
    const known = this.handlerNames.get(name);
    if (known !== undefined) return known;
    if (this.handlerNames.size >= MAX_CACHED_HANDLER_NAMES) {
      for (const ptr of this.handlerNames.values()) this.m._free(ptr);
      this.handlerNames.clear();
    }
    const ptr = this.allocCstr(name);
    this.handlerNames.set(name, ptr);
    return ptr;
  }

  private allocCstr(name: string): number {
    const bytes = Buffer.from(name, 'utf8');
    const ptr = this.m._malloc(bytes.length + 1);
    invariant(ptr !== 0, 'C string allocation');
    this.m.HEAPU8.set(bytes, ptr);
    this.m.HEAPU8[ptr + bytes.length] = 0;
    return ptr;
  }

  /** luaL_checkinteger, narrowed to a C int like Ceph's binding. */
  private argInt(L: number, idx: number): number {
    return Number(BigInt.asIntN(32, this.m._luaL_checkinteger(L, idx)));
  }

  /** luaL_checkstring as Ceph uses it: a C string, so it ends at the first NUL. */
  private argString(L: number, idx: number): string {
    const ptr = this.m._luaL_checklstring(L, idx, this.scratch);
    return this.cText(this.heapView(ptr, this.m.HEAPU32[this.scratch >> 2] ?? 0));
  }

  /** A copy of a bufferlist argument's bytes (the copy outlives Lua allocations). */
  private argBufferlist(L: number, idx: number): Uint8Array {
    this.m._luaL_checkudata(L, idx, this.cstr(REG_BUFFERLIST_MT));
    return Uint8Array.from(this.bufferlistView(L, idx));
  }

  private cText(bytes: Uint8Array): string {
    const nul = bytes.indexOf(0);
    return utf8.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
  }

  private pushKey(L: number, key: string): void {
    const bytes = Buffer.from(key, 'utf8');
    const nul = bytes.indexOf(0);
    this.pushBytes(L, nul < 0 ? bytes : bytes.subarray(0, nul));
  }

  private pushData(L: number, reply: HostReply): number {
    this.pushBufferlist(L, reply.data ?? new Uint8Array(0));
    return 1;
  }

  private pushEntries(L: number, entries: ReadonlyArray<readonly [string, Uint8Array]>): number {
    this.m._lua_createtable(L, 0, entries.length);
    for (const [key, value] of entries) {
      this.pushKey(L, key);
      this.pushBufferlist(L, value);
      this.lua.lua_rawset(L, -3);
    }
    return 1;
  }

  /** lua_rawlen returns lua_Unsigned, a 64-bit integer that arrives as a BigInt. */
  private rawlen(L: number, idx: number): number {
    return Number(this.m._lua_rawlen(L, idx) as unknown as bigint);
  }

  private heapView(ptr: number, len: number): Uint8Array {
    return this.m.HEAPU8.subarray(ptr, ptr + len);
  }

  /** View of the Lua string at idx; valid until the next Lua allocation. Only for strings/numbers. */
  private stringAt(L: number, idx: number): Uint8Array {
    const ptr = this.m._lua_tolstring(L, idx, this.scratch);
    return this.heapView(ptr, this.m.HEAPU32[this.scratch >> 2] ?? 0);
  }

  /** Binary-safe: copies into the WASM heap and lets lua_pushlstring copy it into a Lua string. */
  private pushBytes(L: number, bytes: Uint8Array): void {
    if (bytes.length === 0) {
      this.m._lua_pushlstring(L, this.scratch, 0);
      return;
    }
    const ptr = this.m._malloc(bytes.length);
    if (ptr === 0) this.raise(L, strerror(ERRNO.ENOMEM));
    try {
      this.m.HEAPU8.set(bytes, ptr);
      this.m._lua_pushlstring(L, ptr, bytes.length);
    } finally {
      this.m._free(ptr);
    }
  }

  private pushText(L: number, text: string): void {
    this.pushBytes(L, Buffer.from(text, 'utf8'));
  }

  private typeName(idx: number): string {
    return this.lua.lua_typename(this.L, this.m._lua_type(this.L, idx));
  }

  /** Error value at idx as text, without calling metamethods (a script's __tostring could loop). */
  private errorText(idx: number): string {
    const t = this.m._lua_type(this.L, idx);
    if (t === LuaT.STRING || t === LuaT.NUMBER) return utf8.decode(this.stringAt(this.L, idx));
    return `(error object is a ${this.lua.lua_typename(this.L, t)} value)`;
  }

  // ---- bufferlist: userdata { u32 length } with one user value, a table of string chunks ----

  private pushBufferlist(L: number, data: Uint8Array | undefined): number {
    const ud = this.m._lua_newuserdatauv(L, 4, 1);
    this.m._lua_createtable(L, 1, 0);
    if (data !== undefined && data.length > 0) {
      this.pushBytes(L, data);
      this.m._lua_rawseti(L, -2, 1n);
    }
    this.m._lua_setiuservalue(L, -2, 1);
    this.m._luaL_setmetatable(L, this.cstr(REG_BUFFERLIST_MT));
    this.m.HEAPU32[ud >> 2] = data?.length ?? 0;
    return this.m._lua_gettop(L);
  }

  private blLength(ud: number): number {
    return this.m.HEAPU32[ud >> 2] ?? 0;
  }

  /** Folds the chunks into one string and leaves it on top of the stack. */
  private pushFolded(L: number, idx: number): void {
    const lua = this.lua;
    const at = this.m._lua_absindex(L, idx);
    this.m._lua_getiuservalue(L, at, 1);
    const chunks = this.m._lua_gettop(L);
    const n = this.rawlen(L, chunks);
    if (n === 0) {
      this.m._lua_pushlstring(L, this.scratch, 0);
    } else if (n === 1) {
      this.m._lua_rawgeti(L, chunks, 1n);
    } else {
      lua.luaL_checkstack(L, n, 'bufferlist');
      for (let i = 1; i <= n; i++) this.m._lua_rawgeti(L, chunks, BigInt(i));
      this.m._lua_concat(L, n);
      this.m._lua_pushvalue(L, -1);
      this.m._lua_rawseti(L, chunks, 1n);
      for (let i = 2; i <= n; i++) {
        this.m._lua_pushnil(L);
        this.m._lua_rawseti(L, chunks, BigInt(i));
      }
    }
    this.m._lua_rotate(L, chunks, 1);
    this.m._lua_settop(L, -2);
  }

  /** Bytes of the bufferlist at idx (a view; the folded string stays anchored in its chunks). */
  private bufferlistView(L: number, idx: number): Uint8Array {
    this.pushFolded(L, idx);
    const view = this.stringAt(L, -1);
    this.m._lua_settop(L, -2);
    return view;
  }

  private bufferlistBytes(L: number, idx: number): Buffer {
    return Buffer.from(this.bufferlistView(L, idx));
  }

  private compareBufferlists(L: number): number {
    this.m._luaL_checkudata(L, 1, this.cstr(REG_BUFFERLIST_MT));
    this.m._luaL_checkudata(L, 2, this.cstr(REG_BUFFERLIST_MT));
    const a = Buffer.from(this.bufferlistView(L, 1));
    return Buffer.compare(a, this.bufferlistView(L, 2));
  }

  private bufferlistMethods(): Record<BufferlistMethod, CFunction> {
    const lua = this.lua;
    return {
      append: (L) => {
        const ud = this.m._luaL_checkudata(L, 1, this.cstr(REG_BUFFERLIST_MT));
        if (this.m._lua_type(L, 2) !== LuaT.STRING) lua.luaL_typeerror(L, 2, 'string');
        this.m._lua_getiuservalue(L, 1, 1);
        const n = this.rawlen(L, -1) + 1;
        this.m._lua_pushvalue(L, 2);
        this.m._lua_rawseti(L, -2, BigInt(n));
        const added = this.rawlen(L, 2);
        this.m.HEAPU32[ud >> 2] = this.blLength(ud) + added;
        if (n >= BUFFERLIST_MAX_CHUNKS) this.pushFolded(L, 1);
        return 0;
      },
      str: (L) => {
        this.m._luaL_checkudata(L, 1, this.cstr(REG_BUFFERLIST_MT));
        this.pushFolded(L, 1);
        return 1;
      },
      __len: (L) => {
        const ud = this.m._luaL_checkudata(L, 1, this.cstr(REG_BUFFERLIST_MT));
        this.m._lua_pushinteger(L, BigInt(this.blLength(ud)));
        return 1;
      },
      __eq: (L) => {
        const a = lua.luaL_testudata(L, 1, REG_BUFFERLIST_MT);
        const b = lua.luaL_testudata(L, 2, REG_BUFFERLIST_MT);
        const equal = a !== 0 && b !== 0 && this.compareBufferlists(L) === 0;
        lua.lua_pushboolean(L, equal ? 1 : 0);
        return 1;
      },
      __lt: (L) => {
        lua.lua_pushboolean(L, this.compareBufferlists(L) < 0 ? 1 : 0);
        return 1;
      },
      __le: (L) => {
        lua.lua_pushboolean(L, this.compareBufferlists(L) <= 0 ? 1 : 0);
        return 1;
      },
      __concat: (L) => {
        const a = this.m._luaL_checkudata(L, 1, this.cstr(REG_BUFFERLIST_MT));
        const b = this.m._luaL_checkudata(L, 2, this.cstr(REG_BUFFERLIST_MT));
        const length = this.blLength(a) + this.blLength(b);
        // Strings are immutable, so sharing them makes the result independent of later appends.
        const result = this.pushBufferlist(L, undefined);
        this.m._lua_getiuservalue(L, result, 1);
        this.pushFolded(L, 1);
        this.m._lua_rawseti(L, -2, 1n);
        this.pushFolded(L, 2);
        this.m._lua_rawseti(L, -2, 2n);
        this.m._lua_settop(L, result);
        this.m.HEAPU32[this.m._lua_touserdata(L, result) >> 2] = length;
        return 1;
      },
      // Chunks are Lua strings; the collector frees them with the userdata.
      __gc: () => 0,
    };
  }
}
