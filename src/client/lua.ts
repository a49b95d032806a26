// Typed calls into cls_lua: builds the eval_json / eval_bufferlist request Ceph's class `lua`
// takes, sends it as an exec sub-op (a write op, as Ceph's own helper does) and returns the
// method's result. With `trace: true` the OSD also returns the script's log lines and, on
// failure, the Lua error message and traceback (a Sepia extension; Ceph ignores the flag).
// With `className` it calls a class registered cluster-wide (`sepia cls register`) instead:
// no script travels, and the OSD runs the method as a read or a write as the script declared.

import { ERRNO, RadosError } from '../core/errors.js';
import type { ExecTrace, SubOpResult } from '../osd/ops/types.js';
import { OperateError, type IoCtx, type OpOptions } from './ioctx.js';
import { WriteOp } from './ops.js';
import { TRACE_METHOD_SUFFIX } from '../mon/maps/classmap.js';

export interface LuaCallOptions extends OpOptions {
  /** Lua source carried with the request (Ceph's way). */
  readonly script?: string;
  /** A class registered cluster-wide by name (`sepia cls register`); excludes `script`. */
  readonly className?: string;
  /**
   * Global function the script registered with objclass.register; '' runs the script only.
   * With `className`, the method to call (required).
   */
  readonly handler: string;
  /** Handler input: bytes, text, or a value sent as its JSON text. */
  readonly input?: Buffer | string | object;
  /** Ask for the script's log and the Lua error/traceback. */
  readonly trace?: boolean;
}

export interface LuaCallResult {
  /** The handler's return value (0 for a mutating call, whose output Ceph drops). */
  readonly ret: number;
  readonly out: Buffer;
  /** Log lines (objclass.log, print), when `trace` was asked for. */
  readonly log?: readonly string[];
}

/** A failed Lua call: the errno, plus the Lua error and log when `trace` was asked for. */
export class LuaCallError extends RadosError {
  constructor(
    errno: number,
    message: string,
    readonly luaError: ExecTrace['error'],
    readonly log: readonly string[],
    /** Output a handler appended before returning a negative errno (Ceph returns it too). */
    readonly out: Buffer,
  ) {
    super(errno, message);
    this.name = 'LuaCallError';
  }
}

const U32_BYTES = 4;
/** eval_json reads its body as a C string: a NUL in the script or input would cut it short. */
const NUL = '\u0000';

function inputBytes(input: LuaCallOptions['input']): Buffer {
  if (input === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(input)) return input;
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  return Buffer.from(JSON.stringify(input), 'utf8');
}

/**
 * The request body and method: eval_json when everything is NUL-free UTF-8 text (readable in
 * traces and OSD logs), else eval_bufferlist, which is binary safe.
 */
export function encodeLuaRequest(script: string, handler: string, input: Buffer, trace: boolean): { method: string; body: Buffer } {
  const text = input.toString('utf8');
  const jsonSafe = Buffer.from(text, 'utf8').equals(input) && !text.includes(NUL) && !script.includes(NUL) && !handler.includes(NUL);
  if (jsonSafe) {
    const body: Record<string, unknown> = { script, handler, input: text };
    if (trace) body['trace'] = true;
    return { method: 'eval_json', body: Buffer.from(JSON.stringify(body), 'utf8') };
  }
  const parts = [Buffer.from(script, 'utf8'), Buffer.from(handler, 'utf8'), input];
  const traceBytes = trace ? 1 : 0;
  const len = parts.reduce((n, p) => n + U32_BYTES + p.length, 0) + traceBytes;
  const body = Buffer.alloc(2 + U32_BYTES + len);
  // struct_v 2 (Sepia) appends the trace flag; compat stays 1 so Ceph skips it.
  body.writeUInt8(trace ? 2 : 1, 0);
  body.writeUInt8(1, 1);
  body.writeUInt32LE(len, 2);
  let pos = 2 + U32_BYTES;
  for (const p of parts) {
    body.writeUInt32LE(p.length, pos);
    p.copy(body, pos + U32_BYTES);
    pos += U32_BYTES + p.length;
  }
  if (trace) body.writeUInt8(1, pos);
  return { method: 'eval_bufferlist', body };
}

function outData(r: SubOpResult | undefined): Buffer {
  return r?.out?.kind === 'data' ? r.out.data : Buffer.alloc(0);
}

/**
 * Runs a Lua handler on `oid` inside its primary OSD. Resolves with the handler's result;
 * rejects with LuaCallError (a RadosError) when the handler fails, carrying the Lua error text,
 * traceback and log when `trace` is set.
 */
export async function lua(io: IoCtx, oid: string, opts: LuaCallOptions): Promise<LuaCallResult> {
  const trace = opts.trace === true;
  let op: WriteOp;
  if (opts.className !== undefined) {
    if (opts.script !== undefined) throw new RadosError(ERRNO.EINVAL, `lua call on ${oid}: give a script or a className, not both`);
    if (opts.handler === '') throw new RadosError(ERRNO.EINVAL, `lua class '${opts.className}' on ${oid}: no method`);
    // Sent in a write op like any exec; the OSD classifies it by the method's declared flags.
    op = new WriteOp().exec(opts.className, opts.handler + (trace ? TRACE_METHOD_SUFFIX : ''), inputBytes(opts.input));
  } else {
    if (opts.script === undefined) throw new RadosError(ERRNO.EINVAL, `lua call on ${oid}: no script`);
    const { method, body } = encodeLuaRequest(opts.script, opts.handler, inputBytes(opts.input), trace);
    op = new WriteOp().exec('lua', method, body);
  }
  const sendOpts = opts.signal === undefined ? {} : { signal: opts.signal };
  try {
    const r = await io.operate(oid, op, sendOpts);
    const first = r.results[0];
    const result = { ret: first?.ret ?? r.ret, out: outData(first) };
    return trace ? { ...result, log: first?.trace?.log ?? [] } : result;
  } catch (err: unknown) {
    if (!(err instanceof OperateError)) throw err;
    const first = err.results[0];
    const luaError = first?.trace?.error;
    const detail = luaError === undefined ? '' : `: ${luaError.message}`;
    const what = opts.className === undefined ? opts.handler || '(script)' : `${opts.className}.${opts.handler}`;
    throw new LuaCallError(err.errno, `lua ${what} on ${io.poolName}/${oid}${detail}`, luaError, first?.trace?.log ?? [], outData(first));
  }
}
