// Byte-order helpers shared by the op engine and the in-memory view. Ceph sorts omap keys and
// compares values as raw bytes (std::string / memcmp order); JavaScript compares strings by UTF-16
// code unit, which disagrees for characters above U+FFFF. UTF-8 byte order equals code point
// order, so comparing code points gives Ceph's order without encoding either string.

/** Bytewise (UTF-8) comparison of two keys: negative, 0 or positive. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Only surrogates (0xD800..0xDFFF) break code-unit order; fall back to code points there.
    if ((ca >= 0xd800 && ca <= 0xdfff) || (cb >= 0xd800 && cb <= 0xdfff)) {
      const pa = a.codePointAt(i) ?? ca;
      const pb = b.codePointAt(i) ?? cb;
      if (pa !== pb) return pa < pb ? -1 : 1;
      continue;
    }
    return ca < cb ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Keys sorted bytewise, duplicates kept. */
export function sortKeys(keys: Iterable<string>): string[] {
  return [...keys].sort(compareKeys);
}

/** Half-open byte intervals [start, end) kept sorted and disjoint; for allocated-extent maps. */
export type Interval = readonly [start: number, end: number];

export function addInterval(set: readonly Interval[], start: number, end: number): Interval[] {
  if (end <= start) return [...set];
  const out: Interval[] = [];
  let s = start;
  let e = end;
  for (const [a, b] of set) {
    if (b < s || a > e) out.push([a, b]);
    else {
      s = Math.min(s, a);
      e = Math.max(e, b);
    }
  }
  out.push([s, e]);
  return out.sort((x, y) => x[0] - y[0]);
}

export function subtractInterval(set: readonly Interval[], start: number, end: number): Interval[] {
  if (end <= start) return [...set];
  const out: Interval[] = [];
  for (const [a, b] of set) {
    if (b <= start || a >= end) {
      out.push([a, b]);
      continue;
    }
    if (a < start) out.push([a, start]);
    if (b > end) out.push([end, b]);
  }
  return out;
}

export function clipIntervals(set: readonly Interval[], start: number, end: number): Interval[] {
  const out: Interval[] = [];
  for (const [a, b] of set) {
    const s = Math.max(a, start);
    const e = Math.min(b, end);
    if (e > s) out.push([s, e]);
  }
  return out;
}

/** [offset, length] pairs (the ObjectView convention) to intervals and back. */
export function extentsToIntervals(extents: ReadonlyArray<readonly [number, number]>): Interval[] {
  let set: Interval[] = [];
  for (const [offset, length] of extents) set = addInterval(set, offset, offset + length);
  return set;
}

export function intervalsToExtents(set: readonly Interval[]): Array<[number, number]> {
  return set.map(([a, b]) => [a, b - a]);
}
