// Output formats that match Ceph's tools byte for byte: bufferlist::hexdump, byte_u_t sizes,
// utime_t timestamps.

/** Ceph's bufferlist hexdump: 16 bytes a line, identical runs folded into '*', final offset line. */
export function hexdump(buf: Buffer): string {
  const lines: string[] = [];
  let previous: string | undefined;
  let starred = false;
  for (let offset = 0; offset < buf.length; offset += 16) {
    const row = buf.subarray(offset, Math.min(offset + 16, buf.length));
    const key = row.length === 16 ? row.toString('hex') : undefined;
    if (key !== undefined && key === previous) {
      if (!starred) lines.push('*');
      starred = true;
      continue;
    }
    starred = false;
    previous = key;
    let hex = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) hex += ' ';
      const b = row[i];
      hex += b === undefined ? '   ' : `${b.toString(16).padStart(2, '0')} `;
    }
    let ascii = '';
    for (const b of row) ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
  }
  lines.push(buf.length.toString(16).padStart(8, '0'));
  return `${lines.join('\n')}\n`;
}

const BYTE_UNITS = [' B', ' KiB', ' MiB', ' GiB', ' TiB', ' PiB', ' EiB'];

/** Ceph's byte_u_t: "0 B", "24 KiB", "1.7 GiB" (one decimal only while it fits in 7 characters). */
export function byteU(bytes: number): string {
  let n = bytes;
  let index = 0;
  while (n >= 1024 && index < BYTE_UNITS.length - 1) {
    n = Math.floor(n / 1024);
    index++;
  }
  const unit = BYTE_UNITS[index] ?? ' B';
  if (index === 0) return `${bytes}${unit}`;
  const value = bytes / 2 ** (10 * index);
  for (let precision = 2; precision > 0; precision--) {
    const s = `${value.toFixed(precision)}${unit}`;
    if (s.length < 8) return s;
  }
  return `${value.toFixed(0)}${unit}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** utime_t's text form in local time: 2026-11-23T12:46:57.000000+0000. */
export function utime(sec: number, nsec: number): string {
  const d = new Date(sec * 1000);
  const offsetMin = -d.getTimezoneOffset();
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)}T` +
    `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(Math.floor(nsec / 1000), 6)}` +
    `${sign}${pad(Math.floor(abs / 60), 2)}${pad(abs % 60, 2)}`
  );
}

/** Ceph's TextTable: columns padded to the widest cell, two spaces apart. */
export function textTable(columns: ReadonlyArray<{ name: string; align: 'left' | 'right' }>, rows: ReadonlyArray<readonly string[]>): string {
  const widths = columns.map((c, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? '').length), c.name.length));
  const fmt = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const w = widths[i] ?? 0;
        return columns[i]?.align === 'right' ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .replace(/\s+$/, '');
  return [fmt(columns.map((c) => c.name)), ...rows.map(fmt)].map((l) => `${l}\n`).join('');
}
