// Test harness for the built-in classes: methods run inside real compound ops of the op engine
// against in-memory objects, as on an OSD (a negative return aborts the op, nothing applied).
// MemoryPool also stands in for an IoCtx so client helpers and CLI commands can be tested.

import { RadosError, neg } from '../../core/errors.js';
import { executeOps, type OpHooks, type ScratchObject } from '../../osd/ops/engine.js';
import { ABSENT, applySteps, memoryView, type MemoryObjectState } from '../../osd/ops/memory-view.js';
import { DEFAULT_OP_LIMITS, type OpOutcome, type SubOp, type SubOpResult, type Timespec } from '../../osd/ops/types.js';
import { BUILTIN_CLASSES } from './index.js';
import type { ClsCaller } from './types.js';

export const T0: Timespec = { sec: 1_700_000_000, nsec: 0 };

export function caller(clientId = 4123, over: Partial<ClsCaller> = {}): ClsCaller {
  return { clientId, addr: `127.0.0.1:0/${clientId * 7}`, now: T0, ...over };
}

/** The exec hook an OSD would install, dispatching to BUILTIN_CLASSES for one caller. */
export function builtinHooks(who: ClsCaller): OpHooks {
  return {
    exec: async (cls: string, name: string, input: Buffer, obj: ScratchObject) => {
      const m = BUILTIN_CLASSES.get(cls)?.get(name);
      if (m === undefined) return { ret: neg('EOPNOTSUPP'), out: Buffer.alloc(0) };
      return m.run(obj, input, who);
    },
    classIsWrite: (cls: string, name: string) => BUILTIN_CLASSES.get(cls)?.get(name)?.flags.write ?? true,
  };
}

export interface Call {
  readonly outcome: OpOutcome;
  /** The exec sub-op's result (ret and output bytes). */
  readonly ret: number;
  readonly out: Buffer;
  readonly after: MemoryObjectState;
}

function execResult(results: readonly SubOpResult[], at: number): { ret: number; out: Buffer } {
  const r = results[at];
  return { ret: r?.ret ?? 0, out: r?.out?.kind === 'data' ? r.out.data : Buffer.alloc(0) };
}

/** Runs `before ++ [exec(cls.method, input)] ++ after` as one compound op and applies it. */
export async function call(
  state: MemoryObjectState,
  cls: string,
  name: string,
  input: Buffer = Buffer.alloc(0),
  opts: { who?: ClsCaller; before?: readonly SubOp[]; after?: readonly SubOp[]; operationFlags?: number } = {},
): Promise<Call> {
  const who = opts.who ?? caller();
  const ops: SubOp[] = [...(opts.before ?? []), { op: 'exec', cls, method: name, input }, ...(opts.after ?? [])];
  const ctx = { mtime: who.now, operationFlags: opts.operationFlags ?? 0, pgLastUserVersion: 10, limits: DEFAULT_OP_LIMITS };
  const outcome = await executeOps(memoryView(state), ops, ctx, builtinHooks(who));
  const after = outcome.ret >= 0 ? applySteps(state, outcome.steps, outcome.meta) : state;
  const at = opts.before?.length ?? 0;
  const r = outcome.ret < 0 && outcome.results[at]?.ret === 0 ? { ret: outcome.ret, out: Buffer.alloc(0) } : execResult(outcome.results, at);
  return { outcome, ret: r.ret, out: r.out, after };
}

/** A pool of in-memory objects shared by several fake clients, with a settable clock. */
export class MemoryPool {
  readonly objects = new Map<string, MemoryObjectState>();
  now: Timespec = T0;

  state(oid: string): MemoryObjectState {
    return this.objects.get(oid) ?? ABSENT;
  }

  /** An IoCtx look-alike for one client: `operate` behaves as IoCtx.operate does. */
  client(clientId: number, addr = `127.0.0.1:0/${clientId * 7}`): MemoryIoCtx {
    return new MemoryIoCtx(this, clientId, addr);
  }
}

export class MemoryIoCtx {
  constructor(
    private readonly pool: MemoryPool,
    readonly clientId: number,
    readonly addr: string,
  ) {}

  async operate(oid: string, op: { readonly ops: readonly SubOp[]; readonly operationFlags: number }): Promise<{ ret: number; version: number; results: readonly SubOpResult[] }> {
    const who: ClsCaller = { clientId: this.clientId, addr: this.addr, now: this.pool.now };
    const state = this.pool.state(oid);
    const ctx = { mtime: this.pool.now, operationFlags: op.operationFlags, pgLastUserVersion: 10, limits: DEFAULT_OP_LIMITS };
    const outcome = await executeOps(memoryView(state), op.ops, ctx, builtinHooks(who));
    if (outcome.ret < 0) throw new RadosError(-outcome.ret, `operate ${oid}`);
    const after = applySteps(state, outcome.steps, outcome.meta);
    if (after.exists) this.pool.objects.set(oid, after);
    else this.pool.objects.delete(oid);
    return { ret: outcome.ret, version: outcome.version, results: outcome.results };
  }
}
