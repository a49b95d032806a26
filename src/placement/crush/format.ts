// C-style number formatting, so that text Sepia prints matches Ceph's tools byte for byte.
// JavaScript's toFixed rounds exact ties away from zero while glibc's printf rounds them to even
// (e.g. 0.0625 → "0.062"), so the rounding is done here on the exact binary value.

function exactRational(v: number): { num: bigint; den: bigint } {
  // Every finite double is m·2^e; scaling by powers of two is exact, so this finds e in at most
  // 1074 steps.
  let e = 0;
  let scaled = v;
  while (!Number.isInteger(scaled) && e < 1100) {
    scaled *= 2;
    e++;
  }
  return { num: BigInt(scaled), den: 1n << BigInt(e) };
}

/** printf("%.<digits>f", v) with glibc's round-half-to-even on exact ties. */
export function formatFixed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
  const negative = v < 0 || Object.is(v, -0);
  const { num, den } = exactRational(Math.abs(v));
  const scale = 10n ** BigInt(digits);
  const scaled = num * scale;
  let q = scaled / den;
  const rem = scaled % den;
  if (rem * 2n > den || (rem * 2n === den && q % 2n === 1n)) q += 1n;
  let s = q.toString();
  if (digits > 0) {
    s = s.padStart(digits + 1, '0');
    s = `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
  }
  return negative ? `-${s}` : s;
}

/** C++ `ostream << double` with default flags: printf("%g") at precision 6. */
export function formatGeneral(v: number, precision = 6): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  const [mantissa, expText] = v.toExponential(precision - 1).split('e') as [string, string];
  const exp = Number.parseInt(expText, 10);
  if (exp < -4 || exp >= precision) {
    let m = mantissa;
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const sign = exp < 0 ? '-' : '+';
    return `${m}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  let s = formatFixed(v, Math.max(precision - 1 - exp, 0));
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}
