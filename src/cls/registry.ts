// Registered Lua classes (a Sepia extension): the OSD's copy of the monitor's ClassMap, indexed
// for the op path (is this method a write? which script runs it?), and the registration-time
// step that finds a script's methods and their RD/WR flags by running its top level once.
//
// The ClassMap type lives in mon/maps, which this layer may not import; the shapes below are the
// structural subset the OSD needs (registry.test.ts checks that a ClassMap fits them).

import { ERRNO, RadosError } from '../core/errors.js';
import { invariant } from '../core/assert.js';
import { LuaVm, type LuaBudgets, type LuaMethodDecl } from './lua/index.js';

export type RegisteredMethodFlags = 'rd' | 'wr' | 'rdwr';

export interface RegisteredClassView {
  readonly name: string;
  readonly version: number;
  readonly script: string;
  readonly sha256: string;
  readonly methods: ReadonlyArray<{ readonly name: string; readonly flags: RegisteredMethodFlags }>;
}

export interface ClassMapView {
  readonly epoch: number;
  readonly classes: Readonly<Record<string, RegisteredClassView>>;
}

/** Same text as mon/maps/classmap.ts TRACE_METHOD_SUFFIX (checked by registry.test.ts). */
export const TRACE_METHOD_SUFFIX = '+trace';

export interface ResolvedMethod {
  readonly cls: RegisteredClassView;
  readonly method: string;
  readonly write: boolean;
  /** The caller asked for the script's log and traceback (`method+trace`). */
  readonly trace: boolean;
}

export class ClassRegistry {
  private current: ClassMapView = { epoch: 0, classes: {} };
  /** class → method → whether it is write-class. */
  private index = new Map<string, { readonly cls: RegisteredClassView; readonly methods: ReadonlyMap<string, boolean> }>();

  get epoch(): number {
    return this.current.epoch;
  }

  get map(): ClassMapView {
    return this.current;
  }

  /** Adopts a newer map; an older or equal epoch (a late push) is ignored. Returns whether it changed. */
  update(map: ClassMapView): boolean {
    if (map.epoch <= this.current.epoch) return false;
    const index = new Map<string, { cls: RegisteredClassView; methods: ReadonlyMap<string, boolean> }>();
    for (const [name, cls] of Object.entries(map.classes)) {
      invariant(cls.name === name, `class map entry '${name}' names itself '${cls.name}'`);
      index.set(name, { cls, methods: new Map(cls.methods.map((m) => [m.name, m.flags !== 'rd'])) });
    }
    this.current = map;
    this.index = index;
    return true;
  }

  has(cls: string): boolean {
    return this.index.has(cls);
  }

  /** The class and method a call names, or undefined (EOPNOTSUPP) when either is unknown. */
  resolve(cls: string, method: string): ResolvedMethod | undefined {
    const entry = this.index.get(cls);
    if (entry === undefined) return undefined;
    const trace = method.endsWith(TRACE_METHOD_SUFFIX);
    const name = trace ? method.slice(0, -TRACE_METHOD_SUFFIX.length) : method;
    const write = entry.methods.get(name);
    return write === undefined ? undefined : { cls: entry.cls, method: name, write, trace };
  }
}

/** Budgets for running a class script's top level at registration. */
export const DESCRIBE_BUDGETS: LuaBudgets = { maxInstructions: 10_000_000, maxMemoryBytes: 64 * 1024 * 1024, timeout_ms: 5_000 };

export interface ClassScriptDescription {
  readonly methods: ReadonlyArray<{ readonly name: string; readonly flags: RegisteredMethodFlags }>;
  /** objclass.log lines the top level wrote. */
  readonly log: readonly string[];
}

function isFlags(flags: string): flags is RegisteredMethodFlags {
  return flags === 'rd' || flags === 'wr' || flags === 'rdwr';
}

/**
 * Compiles a class script and runs its top level in a private VM with no object behind it
 * (every objclass data call fails with EROFS), then lists the global functions it registered.
 * A script that does not compile or fails is EINVAL carrying the Lua message.
 */
export async function describeClassScript(script: string, budgets: LuaBudgets = DESCRIBE_BUDGETS): Promise<ClassScriptDescription> {
  const vm = await LuaVm.create({ now_ms: () => performance.now(), maxCachedScripts: 1 });
  try {
    const r = vm.describe(script, budgets, () => ({ ret: -ERRNO.EROFS, message: 'no object while registering a class' }));
    if (r.ret < 0) {
      const where = r.error?.traceback === undefined ? '' : `\n${r.error.traceback}`;
      throw new RadosError(ERRNO.EINVAL, `class script failed: ${r.error?.message ?? `error ${r.ret}`}${where}`);
    }
    const methods = r.methods.map((m: LuaMethodDecl) => {
      invariant(isFlags(m.flags), `the VM accepted flags '${m.flags}'`);
      return { name: m.name, flags: m.flags };
    });
    return { methods, log: r.log };
  } finally {
    vm.close();
  }
}
