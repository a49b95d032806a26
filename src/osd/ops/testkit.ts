// Helpers for the op engine's tests: run a compound op against an in-memory object and apply
// the result, as the OSD would.

import { executeOps, type OpHooks } from './engine.js';
import { ABSENT, applySteps, memoryObject, memoryView, type MemoryObjectState } from './memory-view.js';
import { DEFAULT_OP_LIMITS, type OpContext, type OpLimits, type OpOutcome, type SubOp, type SubOpOut } from './types.js';

export const MiB = 1024 * 1024;
export const MAX = DEFAULT_OP_LIMITS.maxObjectSizeBytes;

export function context(over: { limits?: Partial<OpLimits>; operationFlags?: number; pgLastUserVersion?: number; target?: OpContext['target'] } = {}): OpContext {
  const ctx: OpContext = {
    mtime: { sec: 1_700_000_000, nsec: 5 },
    operationFlags: over.operationFlags ?? 0,
    pgLastUserVersion: over.pgLastUserVersion ?? 10,
    limits: { ...DEFAULT_OP_LIMITS, ...over.limits },
  };
  return over.target === undefined ? ctx : { ...ctx, target: over.target };
}

export interface Run {
  readonly outcome: OpOutcome;
  readonly before: MemoryObjectState;
  /** State after applying the steps (unchanged when ret < 0). */
  readonly after: MemoryObjectState;
}

export async function run(
  state: MemoryObjectState,
  ops: readonly SubOp[],
  opts: { ctx?: OpContext; hooks?: OpHooks } = {},
): Promise<Run> {
  const outcome = await executeOps(memoryView(state), ops, opts.ctx ?? context(), opts.hooks);
  const after = outcome.ret >= 0 ? applySteps(state, outcome.steps, outcome.meta) : state;
  return { outcome, before: state, after };
}

export const obj = memoryObject;
export const absent = ABSENT;
export const b = (s: string): Buffer => Buffer.from(s);

export function dataOf(out: SubOpOut | undefined): string {
  if (out?.kind !== 'data') throw new Error(`expected data output, got ${out?.kind}`);
  return out.data.toString('latin1');
}
