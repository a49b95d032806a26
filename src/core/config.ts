// sepia.conf: Ceph's INI dialect with Ceph's option names. Pure parsing and lookup; reading the
// file is src/io's job. Spaces, dashes and underscores in option names are equivalent, as in Ceph.

import { RadosError } from './errors.js';

export type OptionType = 'str' | 'int' | 'size' | 'bool' | 'float' | 'secs';

export interface OptionSpec {
  readonly type: OptionType;
  readonly default: string | number | boolean;
  readonly help: string;
}

const MiB = 1024 * 1024;

/** Every option Sepia reads, with Ceph's name and default where Ceph has the option. */
export const OPTIONS = {
  fsid: { type: 'str', default: '', help: 'cluster id' },
  mon_host: { type: 'str', default: '127.0.0.1:6789', help: 'monitor address host:port' },
  mon_data: { type: 'str', default: '', help: 'monitor data directory' },
  osd_data: { type: 'str', default: '', help: 'OSD data directory' },
  public_addr: { type: 'str', default: '127.0.0.1', help: 'address a daemon binds (host or host:port)' },
  run_dir: { type: 'str', default: '', help: 'directory for pid files' },
  log_file: { type: 'str', default: '', help: 'log file path (empty: stderr)' },
  log_level: { type: 'str', default: 'info', help: 'debug, info, warn or error' },
  osd_pool_default_size: { type: 'int', default: 3, help: 'replicas of a new pool' },
  osd_pool_default_min_size: { type: 'int', default: 0, help: 'min replicas to serve I/O (0: size - size/2)' },
  osd_pool_default_pg_num: { type: 'int', default: 32, help: 'PGs of a new pool' },
  osd_pool_default_pgp_num: { type: 'int', default: 0, help: 'PGs for placement of a new pool (0: pg_num)' },
  mon_allow_pool_delete: { type: 'bool', default: false, help: 'allow removing pools' },
  osd_max_object_size: { type: 'size', default: 128 * MiB, help: 'largest object in bytes' },
  osd_max_object_name_len: { type: 'int', default: 2048, help: 'longest object name in bytes' },
  osd_max_object_namespace_len: { type: 'int', default: 256, help: 'longest namespace in bytes' },
  osd_max_attr_name_len: { type: 'int', default: 100, help: 'longest xattr name' },
  osd_max_attr_size: { type: 'size', default: 0, help: 'largest xattr value (0: no limit)' },
  osd_max_write_size: { type: 'int', default: 90, help: 'largest write message in MB' },
  osd_max_omap_entries_per_request: { type: 'int', default: 1024, help: 'omap entries per listing reply' },
  osd_max_omap_bytes_per_request: { type: 'size', default: 1024 * MiB, help: 'omap bytes per listing reply' },
  osd_max_write_op_reply_len: { type: 'int', default: 64, help: 'per-op output bytes of a RETURNVEC write' },
  osd_client_message_size_cap: { type: 'size', default: 500 * MiB, help: 'unreplied client request bytes before the OSD stops reading' },
  objecter_inflight_op_bytes: { type: 'size', default: 100 * MiB, help: 'client bytes in flight' },
  objecter_inflight_ops: { type: 'int', default: 1024, help: 'client ops in flight' },
  osd_heartbeat_interval: { type: 'secs', default: 6, help: 'seconds between OSD peer pings' },
  osd_heartbeat_grace: { type: 'secs', default: 20, help: 'seconds without a ping reply before reporting a peer down' },
  mon_osd_down_out_interval: { type: 'secs', default: 600, help: 'seconds down before an OSD is marked out' },
  mon_osd_min_down_reporters: { type: 'int', default: 2, help: 'distinct OSDs that must report a peer before it is marked down' },
  osd_recovery_max_active: { type: 'int', default: 3, help: 'object recoveries in flight per OSD' },
  rados_osd_op_timeout: { type: 'secs', default: 0, help: 'client op timeout in seconds (0: none)' },
  rados_mon_op_timeout: { type: 'secs', default: 0, help: 'client monitor command timeout in seconds (0: none)' },
  client_mount_timeout: { type: 'secs', default: 300, help: 'seconds to wait for the monitor when connecting' },
  osd_cls_lua_max_instructions: { type: 'int', default: 100_000_000, help: 'Lua instructions per class call' },
  osd_cls_lua_max_memory_bytes: { type: 'size', default: 64 * MiB, help: 'Lua memory per class call' },
  osd_cls_lua_timeout_ms: { type: 'int', default: 5000, help: 'Lua wall-clock deadline per class call' },
  osd_cls_lua_max_workers: { type: 'int', default: 2, help: 'Lua worker threads per OSD' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;
type ValueOf<N extends OptionName> = (typeof OPTIONS)[N]['type'] extends 'str'
  ? string
  : (typeof OPTIONS)[N]['type'] extends 'bool'
    ? boolean
    : number;

/** Ceph treats 'osd max object size', 'osd-max-object-size' and 'osd_max_object_size' alike. */
export function normalizeOptionName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

export interface ConfSection {
  readonly name: string;
  readonly values: ReadonlyMap<string, string>;
}

export class ConfParseError extends RadosError {
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(22, `sepia.conf line ${line}: ${detail}`);
  }
}

const MAX_CONF_LINES = 100_000;

/** Parses Ceph's INI dialect: [sections], key = value, '#' and ';' comments, quoted values. */
export function parseConf(text: string): ConfSection[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_CONF_LINES) throw new ConfParseError(MAX_CONF_LINES, 'file too long');
  const sections: Array<{ name: string; values: Map<string, string> }> = [];
  let current: { name: string; values: Map<string, string> } | undefined;
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.replace(/(^|\s)[#;].*$/, '').trim();
    if (line === '') return;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      const name = (header[1] ?? '').trim();
      current = sections.find((s) => s.name === name);
      if (current === undefined) {
        current = { name, values: new Map() };
        sections.push(current);
      }
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ConfParseError(lineNo, `expected 'key = value', got '${raw.trim()}'`);
    if (current === undefined) throw new ConfParseError(lineNo, 'option outside a [section]');
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value.startsWith('"') || value.startsWith("'")) && value.endsWith(value[0] ?? '')) {
      value = value.slice(1, -1);
    }
    current.values.set(normalizeOptionName(line.slice(0, eq)), value);
  });
  return sections;
}

const SIZE_SUFFIX: Record<string, number> = {
  '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: MiB, mb: MiB, mib: MiB, g: 1024 * MiB, gb: 1024 * MiB, gib: 1024 * MiB,
};

function parseValue(name: string, spec: OptionSpec, raw: string): string | number | boolean {
  switch (spec.type) {
    case 'str':
      return raw;
    case 'bool': {
      const v = raw.toLowerCase();
      if (['true', 'yes', '1', 'on'].includes(v)) return true;
      if (['false', 'no', '0', 'off'].includes(v)) return false;
      throw RadosError.from('EINVAL', `option ${name}: '${raw}' is not a boolean`);
    }
    case 'int':
    case 'secs':
    case 'float': {
      const n = Number(raw);
      if (!Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n))) {
        throw RadosError.from('EINVAL', `option ${name}: '${raw}' is not a number`);
      }
      return n;
    }
    case 'size': {
      const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(raw.trim());
      const mult = m ? SIZE_SUFFIX[(m[2] ?? '').toLowerCase()] : undefined;
      if (!m || mult === undefined) throw RadosError.from('EINVAL', `option ${name}: '${raw}' is not a size`);
      return Math.floor(Number(m[1]) * mult);
    }
  }
}

/**
 * The configuration one daemon or client sees: [global] < [type] < [type.id] < overrides.
 * Unknown options are kept (for forward compatibility) but typed getters only serve known ones.
 */
export class Config {
  private readonly values = new Map<string, string>();

  constructor(
    sections: readonly ConfSection[],
    readonly entity: { readonly type: 'mon' | 'osd' | 'client'; readonly id: string },
    overrides: ReadonlyMap<string, string> = new Map(),
  ) {
    const order = ['global', entity.type, `${entity.type}.${entity.id}`];
    for (const sectionName of order) {
      const section = sections.find((s) => s.name === sectionName);
      if (section) for (const [k, v] of section.values) this.values.set(k, v);
    }
    for (const [k, v] of overrides) this.values.set(normalizeOptionName(k), v);
    // Validate every known option now, so a bad value fails at start-up, not mid-operation.
    for (const name of Object.keys(OPTIONS) as OptionName[]) this.get(name);
  }

  get<N extends OptionName>(name: N): ValueOf<N> {
    const spec: OptionSpec = OPTIONS[name];
    const raw = this.values.get(name);
    if (raw === undefined) return spec.default as ValueOf<N>;
    return parseValue(name, spec, raw) as ValueOf<N>;
  }

  raw(name: string): string | undefined {
    return this.values.get(normalizeOptionName(name));
  }

  /** Every known option with its effective value (for `config show`). */
  dump(): Record<string, string | number | boolean> {
    const out: Record<string, string | number | boolean> = {};
    for (const name of Object.keys(OPTIONS) as OptionName[]) out[name] = this.get(name);
    return out;
  }
}

/** Renders a sepia.conf (used when a local cluster is created). */
export function renderConf(sections: ReadonlyArray<{ name: string; values: ReadonlyArray<readonly [string, string | number | boolean]> }>): string {
  const out: string[] = [];
  for (const s of sections) {
    out.push(`[${s.name}]`);
    for (const [k, v] of s.values) out.push(`\t${k} = ${String(v)}`);
    out.push('');
  }
  return out.join('\n');
}

/** "127.0.0.1:6789" → host and port. */
export function parseHostPort(value: string, defaultPort: number): { host: string; port: number } {
  const first = value.split(/[,\s]+/)[0] ?? '';
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(first.replace(/^v[12]:/, ''));
  const host = m?.[1] ?? '';
  const port = m?.[2] !== undefined ? Number(m[2]) : defaultPort;
  if (host === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw RadosError.from('EINVAL', `bad address '${value}'`);
  }
  return { host, port };
}
