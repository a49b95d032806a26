// `numops`: numbers kept as decimal text in omap values (Ceph's cls_numops), updated in place
// by `add` and `mul`. Parsing follows C's strtod and printing C++'s stream output with 10
// significant digits (printf "%.10g"), so values read the same as under Ceph.

import { neg } from '../../core/errors.js';
import { DecodeError, Decoder, Encoder } from '../../codec/ceph-encoding.js';
import { method, objectClass } from './method.js';
import type { ObjectClass } from './types.js';

/** Significant digits of stored results (Ceph's DECIMAL_PRECISION). */
export const NUMOPS_PRECISION_DIGITS = 10;

/** A parsed double; NaN's sign is carried separately because JS does not preserve it. */
export interface CDouble {
  readonly value: number;
  readonly negativeNan: boolean;
}

const STRTOD_FULL =
  /^[ \t\n\v\f\r]*([+-]?)(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP]([+-]?\d+))?|(inf(?:inity)?)|(nan(?:\([0-9A-Za-z_]*\))?))$/i;

/**
 * C's strtod over a C string (text up to the first NUL), accepted only when it consumes every
 * character, as numops requires. The empty string is 0 (strtod consumes nothing and stops on
 * the terminator). Returns undefined for anything else.
 */
export function parseCDouble(text: string): CDouble | undefined {
  const nul = text.indexOf('\0');
  const s = nul >= 0 ? text.slice(0, nul) : text;
  if (s === '') return { value: 0, negativeNan: false };
  const m = STRTOD_FULL.exec(s);
  if (m === null) return undefined;
  const negative = m[1] === '-';
  const sign = negative ? -1 : 1;
  if (m[2] !== undefined) return { value: sign * Number(m[2]), negativeNan: false };
  if (m[3] !== undefined) {
    const [intPart = '', fracPart = ''] = m[3].split('.');
    const digits = BigInt(`0x${intPart}${fracPart}`);
    const exp = Number(m[4] ?? '0') - 4 * fracPart.length;
    return { value: sign * Number(digits) * 2 ** exp, negativeNan: false };
  }
  if (m[5] !== undefined) return { value: sign * Infinity, negativeNan: false };
  return { value: NaN, negativeNan: negative };
}

/** The exact decimal expansion of a finite double: value = digits × 10^exp10, digits without leading zeros. */
function exactDecimal(abs: number): { digits: string; exp10: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, abs);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  if (exp2 >= 0) return { digits: (mantissa << BigInt(exp2)).toString(), exp10: 0 };
  // m / 2^k = m·5^k / 10^k: exact, and at most ~770 digits for the smallest subnormal.
  return { digits: (mantissa * 5n ** BigInt(-exp2)).toString(), exp10: exp2 };
}

/** printf("%.<precision>g") for a double, rounding half to even on the exact value as glibc does. */
export function formatCDouble(x: CDouble, precision = NUMOPS_PRECISION_DIGITS): string {
  const { value } = x;
  if (Number.isNaN(value)) return x.negativeNan ? '-nan' : 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  if (value === 0) return `${sign}0`;
  const p = Math.max(precision, 1);
  const { digits, exp10 } = exactDecimal(Math.abs(value));
  let x10 = digits.length - 1 + exp10;
  let kept: bigint;
  if (digits.length > p) {
    const cut = BigInt(digits.length - p);
    const n = BigInt(digits);
    const scale = 10n ** cut;
    kept = n / scale;
    const rem = n % scale;
    const half = scale / 2n;
    if (rem > half || (rem === half && kept % 2n === 1n)) kept += 1n;
    if (kept.toString().length > p) {
      kept /= 10n;
      x10 += 1;
    }
  } else {
    kept = BigInt(digits) * 10n ** BigInt(p - digits.length);
  }
  const sig = kept.toString();
  const trim = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (x10 >= -4 && x10 < p) {
    const fixed = x10 >= 0 ? `${sig.slice(0, x10 + 1)}.${sig.slice(x10 + 1)}` : `0.${'0'.repeat(-x10 - 1)}${sig}`;
    return `${sign}${trim(fixed)}`;
  }
  const mant = trim(`${sig.slice(0, 1)}.${sig.slice(1)}`);
  const e = Math.abs(x10);
  return `${sign}${mant}e${x10 < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
}

/** Applies `op`, carrying NaN signs like x86 does: a NaN operand propagates, an invalid op yields -nan. */
function combine(stored: CDouble, given: CDouble, op: (a: number, b: number) => number): CDouble {
  const value = op(stored.value, given.value);
  if (!Number.isNaN(value)) return { value, negativeNan: false };
  if (Number.isNaN(stored.value)) return stored;
  if (Number.isNaN(given.value)) return given;
  return { value, negativeNan: true };
}

/** Input of add and mul: two plain encoded strings (key, operand), no version header. */
export function encodeNumopsInput(key: string, operand: string): Buffer {
  return new Encoder().string(key).string(operand).finish();
}

function numopsMethod(op: (a: number, b: number) => number) {
  return method('rdwr', ({ obj, input }) => {
    let key: string;
    let operandText: string;
    try {
      const d = new Decoder(input);
      key = d.string();
      operandText = d.string();
    } catch (err) {
      if (err instanceof DecodeError) return neg('EINVAL');
      throw err;
    }
    const operand = parseCDouble(operandText);
    if (operand === undefined) return neg('EINVAL');
    // A missing key, a missing object and an empty value all count as 0.
    const storedBytes = obj.omapGet(key) ?? Buffer.alloc(0);
    let stored: CDouble = { value: 0, negativeNan: false };
    if (storedBytes.length > 0) {
      const parsed = parseCDouble(storedBytes.toString('latin1'));
      if (parsed === undefined) return neg('EBADMSG');
      stored = parsed;
    }
    const result = formatCDouble(combine(stored, operand, op));
    obj.omapSet([[key, Buffer.from(result, 'latin1')]]);
    return 0;
  });
}

export const NUMOPS_CLASS: ObjectClass = objectClass({
  add: numopsMethod((a, b) => a + b),
  mul: numopsMethod((a, b) => a * b),
});
