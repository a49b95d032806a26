// Decoding of cls_lua's two request formats into one LuaRequest. Both are what Ceph clients send
// (spec/object-classes.md §3.1), so the quirks are kept: eval_json reads the input as a C string
// and tolerates a trailing comma; eval_bufferlist is a versioned struct (v1, compat 1).

import { ERRNO } from '../../core/errors.js';
import { RadosError } from '../../core/errors.js';

export const LUA_CLASS = 'lua';
export const LUA_METHODS = ['eval_json', 'eval_bufferlist'] as const;
export type LuaMethod = (typeof LUA_METHODS)[number];

export interface LuaRequest {
  /** Lua source as bytes or text (bytes are what eval_bufferlist carries, kept exact). */
  readonly script: string | Buffer;
  /** Global function to call; '' = run the script only. */
  readonly handler: string;
  readonly input: Buffer;
  /** Ask for a Lua traceback in the error report (Sepia extension). */
  readonly trace?: boolean;
}

const STRUCT_V = 1;
/** Sepia's v2 appends a u8 `trace` flag; Ceph (compat 1) skips it, as the length allows. */
const STRUCT_V_TRACE = 2;
const STRUCT_COMPAT = 1;
const U32_BYTES = 4;
const STRUCT_HEADER_BYTES = 2 + U32_BYTES;

function invalid(what: string): RadosError {
  return new RadosError(ERRNO.EINVAL, `lua: ${what}`);
}

/** The bytes before the first NUL: Ceph hands the input to its JSON reader as a C string. */
function cString(input: Buffer): Buffer {
  const nul = input.indexOf(0);
  return nul < 0 ? input : input.subarray(0, nul);
}

/** Removes commas directly before `}` or `]` outside string literals. */
export function stripTrailingCommas(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      out += c;
      if (c === '\\' && i + 1 < text.length) {
        out += text[i + 1] as string;
        i++;
      } else if (c === '"') {
        inString = false;
      }
      continue;
    }
    if (c === '"') inString = true;
    if (c === ',') {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j] as string)) j++;
      if (text[j] === '}' || text[j] === ']') continue;
    }
    out += c;
  }
  return out;
}

/**
 * eval_json: {"script": string, "handler": string, "input"?: string}; anything else → EINVAL.
 * Sepia also reads `"trace": true` (Ceph ignores unknown keys, so the same body works there).
 */
export function parseEvalJson(input: Buffer): LuaRequest {
  let value: unknown;
  try {
    value = JSON.parse(stripTrailingCommas(cString(input).toString('utf8')));
  } catch {
    throw invalid('eval_json input is not parseable JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('eval_json input is not a JSON object');
  }
  const fields = value as Record<string, unknown>;
  const { script, handler } = fields;
  if (typeof script !== 'string') throw invalid("eval_json 'script' is missing or not a string");
  if (typeof handler !== 'string') throw invalid("eval_json 'handler' is missing or not a string");
  const handlerInput = fields['input'];
  if (handlerInput !== undefined && typeof handlerInput !== 'string') {
    throw invalid("eval_json 'input' is not a string");
  }
  const trace = fields['trace'];
  if (trace !== undefined && typeof trace !== 'boolean') throw invalid("eval_json 'trace' is not a boolean");
  const req = { script, handler, input: Buffer.from(handlerInput ?? '', 'utf8') };
  return trace === true ? { ...req, trace } : req;
}

class Cursor {
  private pos: number;
  constructor(
    private readonly buf: Buffer,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }
  u32(): number {
    if (this.pos + U32_BYTES > this.end) throw invalid('eval_bufferlist input is truncated');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += U32_BYTES;
    return v;
  }
  /** Bytes left inside the struct. */
  get left(): number {
    return this.end - this.pos;
  }
  u8(): number {
    if (this.pos + 1 > this.end) throw invalid('eval_bufferlist input is truncated');
    return this.buf.readUInt8(this.pos++);
  }
  bytes(): Buffer {
    const len = this.u32();
    if (len > this.end - this.pos) throw invalid('eval_bufferlist input is truncated');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}

/** eval_bufferlist: u8 struct_v, u8 compat, u32 len, then script, handler, input (u32 + bytes each). */
export function parseEvalBufferlist(input: Buffer): LuaRequest {
  if (input.length < STRUCT_HEADER_BYTES) throw invalid('eval_bufferlist input is truncated');
  const compat = input.readUInt8(1);
  if (compat > STRUCT_COMPAT) throw invalid(`eval_bufferlist compat ${compat} is newer than ${STRUCT_COMPAT}`);
  const len = input.readUInt32LE(2);
  if (len > input.length - STRUCT_HEADER_BYTES) throw invalid('eval_bufferlist input is truncated');
  // Fields a newer struct_v appends after `input` are skipped: the length bounds the struct.
  const cursor = new Cursor(input, STRUCT_HEADER_BYTES, STRUCT_HEADER_BYTES + len);
  const script = cursor.bytes();
  const handler = cursor.bytes();
  const handlerInput = cursor.bytes();
  const req = { script, handler: cString(handler).toString('utf8'), input: handlerInput };
  const structV = input.readUInt8(0);
  return structV >= STRUCT_V_TRACE && cursor.left > 0 && cursor.u8() !== 0 ? { ...req, trace: true } : req;
}

/** Builds what Ceph's cls_lua client helper sends for eval_bufferlist (v2 with the trace flag when asked). */
export function encodeEvalBufferlist(req: { script: string | Buffer; handler: string; input: Buffer; trace?: boolean }): Buffer {
  const parts = [Buffer.from(req.script), Buffer.from(req.handler, 'utf8'), req.input];
  const traceBytes = req.trace === true ? 1 : 0;
  const bodyLen = parts.reduce((n, p) => n + U32_BYTES + p.length, 0) + traceBytes;
  const out = Buffer.alloc(STRUCT_HEADER_BYTES + bodyLen);
  out.writeUInt8(traceBytes > 0 ? STRUCT_V_TRACE : STRUCT_V, 0);
  out.writeUInt8(STRUCT_COMPAT, 1);
  out.writeUInt32LE(bodyLen, 2);
  let pos = STRUCT_HEADER_BYTES;
  for (const p of parts) {
    out.writeUInt32LE(p.length, pos);
    p.copy(out, pos + U32_BYTES);
    pos += U32_BYTES + p.length;
  }
  if (traceBytes > 0) out.writeUInt8(1, pos);
  return out;
}

/** Dispatch by method name; an unknown method is EOPNOTSUPP as for any unknown class method. */
export function parseLuaRequest(method: string, input: Buffer): LuaRequest {
  switch (method) {
    case 'eval_json':
      return parseEvalJson(input);
    case 'eval_bufferlist':
      return parseEvalBufferlist(input);
    default:
      throw new RadosError(ERRNO.EOPNOTSUPP, `lua: no method ${method}`);
  }
}
