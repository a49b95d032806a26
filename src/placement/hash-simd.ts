// crush_hash32_rjenkins1_3 for four items at once with WebAssembly SIMD (i32x4 lanes): straw2
// hashes every item of a bucket with the same (x, r), and the hash's mixing is plain 32-bit
// sub/xor/shift, which i32x4 does lane-wise. One call costs about what one scalar hash costs,
// for four. The module (a few hundred bytes) is assembled here rather than shipped as a binary;
// where WebAssembly SIMD is missing, `simdHash4` is null and callers use the scalar code.

const CRUSH_HASH_SEED = 1315423911;
const CRUSH_X0 = 231232;
const CRUSH_Y0 = 1232;

// Opcodes (core and the 0xFD SIMD prefix).
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_XOR = 0x73;
const SIMD = 0xfd;
const V128_STORE = 0x0b;
const I32X4_SPLAT = 0x11;
const I32X4_REPLACE_LANE = 0x1c;
const V128_XOR = 0x51;
const I32X4_SHL = 0xab;
const I32X4_SHR_U = 0xad;
const I32X4_SUB = 0xb1;

function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const simdOp = (op: number): number[] => [SIMD, ...uleb(op)];

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

/** The module: `h4(x, r, b0, b1, b2, b3)` stores the four hashes at memory offset 0. */
function assemble(): Uint8Array {
  // Params 0..5 are i32; locals 6..11 are v128: a, b, c, h, x, y.
  const A = 6, B = 7, C = 8, H = 9, X = 10, Y = 11;
  const code: number[] = [];
  const splatConst = (v: number, local: number): void => {
    code.push(I32_CONST, ...sleb(v), ...simdOp(I32X4_SPLAT), LOCAL_SET, local);
  };
  code.push(LOCAL_GET, 0, ...simdOp(I32X4_SPLAT), LOCAL_SET, A);
  code.push(LOCAL_GET, 1, ...simdOp(I32X4_SPLAT), LOCAL_SET, C);
  code.push(LOCAL_GET, 2, ...simdOp(I32X4_SPLAT));
  for (let lane = 1; lane < 4; lane++) code.push(LOCAL_GET, 2 + lane, ...simdOp(I32X4_REPLACE_LANE), lane);
  code.push(LOCAL_SET, B);
  // h = seed ^ x ^ r ^ b, lane-wise.
  code.push(I32_CONST, ...sleb(CRUSH_HASH_SEED), LOCAL_GET, 0, I32_XOR, LOCAL_GET, 1, I32_XOR);
  code.push(...simdOp(I32X4_SPLAT), LOCAL_GET, B, ...simdOp(V128_XOR), LOCAL_SET, H);
  splatConst(CRUSH_X0, X);
  splatConst(CRUSH_Y0, Y);
  // One line of Jenkins' mix: p = (p - q - r) ^ (r shifted).
  const line = (p: number, q: number, r: number, shift: number, left: boolean): void => {
    code.push(LOCAL_GET, p, LOCAL_GET, q, ...simdOp(I32X4_SUB), LOCAL_GET, r, ...simdOp(I32X4_SUB));
    code.push(LOCAL_GET, r, I32_CONST, ...sleb(shift), ...simdOp(left ? I32X4_SHL : I32X4_SHR_U), ...simdOp(V128_XOR));
    code.push(LOCAL_SET, p);
  };
  const mix = (a: number, b: number, c: number): void => {
    line(a, b, c, 13, false);
    line(b, c, a, 8, true);
    line(c, a, b, 13, false);
    line(a, b, c, 12, false);
    line(b, c, a, 16, true);
    line(c, a, b, 5, false);
    line(a, b, c, 3, false);
    line(b, c, a, 10, true);
    line(c, a, b, 15, false);
  };
  mix(A, B, H);
  mix(C, X, H);
  mix(Y, A, H);
  mix(B, X, H);
  mix(Y, C, H);
  // Store h at address 0 (alignment 2^4, offset 0).
  code.push(I32_CONST, 0, LOCAL_GET, H, ...simdOp(V128_STORE), 4, 0);
  const body = [...uleb(1), ...uleb(6), 0x7b, ...code, 0x0b];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...uleb(1), 0x60, ...uleb(6), 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, ...uleb(0)]),
    ...section(3, [...uleb(1), ...uleb(0)]),
    ...section(5, [...uleb(1), 0x00, ...uleb(1)]),
    ...section(7, [...uleb(2), ...name('h4'), 0x00, ...uleb(0), ...name('m'), 0x02, ...uleb(0)]),
    ...section(10, [...uleb(1), ...uleb(body.length), ...body]),
  ];
  return Uint8Array.from(bytes);
}

export interface SimdHash4 {
  /** Hashes (x, b_i, r) for four items; results (as int32) land in `out[0..3]`. */
  readonly h4: (x: number, r: number, b0: number, b1: number, b2: number, b3: number) => void;
  readonly out: Int32Array;
}

/** The slice of the WebAssembly global used here (the project's type libraries do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

function instantiate(): SimdHash4 | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    const instance = new wasm.Instance(new wasm.Module(assemble()), {});
    const h4 = instance.exports['h4'];
    const buffer = (instance.exports['m'] as { buffer?: unknown } | undefined)?.buffer;
    if (typeof h4 !== 'function' || !(buffer instanceof ArrayBuffer)) return null;
    return { h4: h4 as SimdHash4['h4'], out: new Int32Array(buffer, 0, 4) };
  } catch {
    // No SIMD support: the scalar hashes give the same results.
    return null;
  }
}

export const simdHash4: SimdHash4 | null = instantiate();
