// `sepia rados ...`: Ceph's `rados` tool — same arguments, same output, same exit codes.
import { RadosError, cephStrerror, ERRNO } from '../core/errors.js';
import { Rados } from '../client/rados.js';
import { ALL_NSPACES, type IoCtx } from '../client/ioctx.js';
import { WriteOp } from '../client/ops.js';
import type { CliIo } from './cli-io.js';
import { byteU, hexdump, textTable, utime } from './format.js';
import { BENCH_DEFAULTS, cleanupRun, runBench } from './bench-cmd.js';
import { runLockCommand } from './lock-cmd.js';

export const RADOS_USAGE = `usage: sepia rados [options] [commands]
POOL COMMANDS
   lspools                          list pools
   mkpool <pool-name>               create pool <pool-name>
   rmpool <pool-name> [<pool-name> --yes-i-really-really-mean-it]
                                    remove pool <pool-name>
   purge <pool-name> --yes-i-really-really-mean-it
                                    remove all objects from pool <pool-name> without removing it
   df                               show per-pool and total usage
   ls                               list objects in pool

OBJECT COMMANDS
   get <obj-name> <outfile>         fetch object
   put <obj-name> <infile> [--offset offset]
                                    write object with start offset (default:0)
   append <obj-name> <infile>       append object
   truncate <obj-name> length       truncate object
   create <obj-name>                create object
   rm <obj-name> ... [--force-full] remove object(s), --force-full forces remove when cluster is full
   cp <obj-name> [target-obj]       copy object
   listxattr <obj-name>
   getxattr <obj-name> attr
   setxattr <obj-name> attr val
   rmxattr <obj-name> attr
   stat <obj-name>                  stat the named object
   stat2 <obj-name>                 stat2 the named object (with high precision time)
   touch <obj-name> [timestamp]     change the named object modification time
   listomapkeys <obj-name>          list the keys in the object map
   listomapvals <obj-name>          list the keys and vals in the object map
   getomapval <obj-name> <key> [file] show the value for the specified key
                                    in the object's object map
   setomapval <obj-name> <key> <val | --input-file file>
   rmomapkey <obj-name> <key>
   clearomap <obj-name> [obj-name2 obj-name3...] clear all the omap keys for the specified objects
   getomapheader <obj-name> [file]
   setomapheader <obj-name> <val>
   set-alloc-hint <obj-name> <expected-object-size> <expected-write-size>
                                    set allocation hint for an object
   bench <seconds> write|seq|rand [-t concurrent_operations] [--no-cleanup] [--run-name run_name] [--max-objects N]
                                    default is 16 concurrent IOs and 4 MB ops
                                    default is to clean up after write benchmark
                                    default run-name is 'benchmark_last_metadata'
   lock list <obj-name>
                                    list all advisory locks on an object
   lock get <obj-name> <lock-name> [--lock-cookie locker-cookie] [--lock-tag locker-tag] [--lock-description locker-desc] [--lock-duration locker-dur] [--lock-type locker-type]
                                    try to acquire a lock
   lock break <obj-name> <lock-name> <locker-name> [--lock-cookie locker-cookie]
                                    try to break a lock acquired by another client
   lock info <obj-name> <lock-name>
                                    show lock information
   cleanup [--run-name run_name] [--prefix prefix]
                                    clean up a previous benchmark operation
                                    default run-name is 'benchmark_last_metadata'

GLOBAL OPTIONS:
   -p pool
   --pool=pool
        select given pool by name
   -c FILE
   --conf=FILE
        read configuration from the given configuration file
   -N namespace
   --namespace=namespace
        specify the namespace to use for the object
   --all
        Use with ls to list objects in all namespaces
        Put in CEPH_ARGS environment variable to make this the default
   --default
        Use with ls to list objects in default namespace
        Takes precedence over --all in case --all is in environment
   --target-pool=pool
        select target pool by name
   --object-locator object_locator
        set object_locator for operation
   --target-locator
        set object locator for the target of cp
   --target-nspace
        set namespace for the target of cp
   --offset
        set the offset for put
   --input-file FILE
        take the value for setomapval from a file
   -f [--format] plain|json|json-pretty
        select output format

BENCH OPTIONS:
   -t N
   --concurrent-ios=N
        Set number of concurrent I/O operations
   -b op_size
        set the block size for put/get ops and for write benchmarking
   -O object_size
        set the object size for put/get ops and for write benchmarking
   --max-objects
        set the max number of objects for write benchmarking
   --run-name
        specify a run name for the bench
   --no-cleanup
        keep the objects a write benchmark wrote
`;

/** Options that take a value (Ceph's rados accepts --opt value and --opt=value). */
const VALUE_OPTS = new Map<string, string>([
  ['-p', 'pool'], ['--pool', 'pool'], ['-c', 'conf'], ['--conf', 'conf'], ['-N', 'namespace'], ['--namespace', 'namespace'],
  ['--object-locator', 'object-locator'], ['--target-pool', 'target-pool'], ['--target-locator', 'target-locator'],
  ['--target-nspace', 'target-nspace'], ['--offset', 'offset'], ['--input-file', 'input-file'], ['-f', 'format'],
  ['--format', 'format'], ['-b', 'block-size'], ['--block-size', 'block-size'], ['-t', 'concurrent-ios'],
  ['--concurrent-ios', 'concurrent-ios'], ['-O', 'object-size'], ['--object-size', 'object-size'], ['--run-name', 'run-name'],
  ['--prefix', 'prefix'], ['--max-objects', 'max-objects'], ['--lock-cookie', 'lock-cookie'], ['--lock-tag', 'lock-tag'],
  ['--lock-description', 'lock-description'], ['--lock-duration', 'lock-duration'], ['--lock-type', 'lock-type'],
  ['-o', 'output'], ['--output', 'output'], ['--omap-key', 'omap-key'], ['--obj-name', 'obj-name'], ['-m', 'mon-host'],
]);
const FLAG_OPTS = new Map<string, string>([
  ['--all', 'all'], ['--default', 'default'], ['--no-cleanup', 'no-cleanup'], ['--pretty-format', 'pretty-format'],
  ['--force-full', 'force-full'], ['-h', 'help'], ['--help', 'help'], ['--no-hints', 'no-hints'], ['--no-verify', 'no-verify'],
  ['--reuse-bench', 'reuse-bench'], ['--show-time', 'show-time'],
]);

export interface RadosArgs {
  readonly opts: Map<string, string>;
  readonly nargs: string[];
}

export function parseRadosArgs(argv: readonly string[]): RadosArgs {
  const opts = new Map<string, string>();
  const nargs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    const valueOpt = VALUE_OPTS.get(name);
    if (valueOpt !== undefined) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw RadosError.from('EINVAL', `${name} requires an argument`);
      opts.set(valueOpt, v);
      continue;
    }
    const flag = FLAG_OPTS.get(a);
    if (flag !== undefined) {
      opts.set(flag, 'true');
      continue;
    }
    nargs.push(a);
  }
  return { opts, nargs };
}

class ExitError extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Runs one `rados` invocation; returns the process exit code. */
export async function runRados(argv: readonly string[], io: CliIo, defaults: { conf?: string } = {}): Promise<number> {
  let args: RadosArgs;
  try {
    args = parseRadosArgs(argv);
  } catch (err) {
    io.stderr(`${err instanceof Error ? err.message.replace(/: \(\d+\).*$/, '') : String(err)}\n`);
    return 1;
  }
  const { opts, nargs } = args;
  if (opts.has('help') || nargs.length === 0) {
    (opts.has('help') ? io.stdout : io.stderr)(RADOS_USAGE);
    return opts.has('help') ? 0 : 1;
  }
  const cmd = nargs[0] ?? '';
  if (!KNOWN.has(cmd)) {
    io.stderr(`unrecognized command ${cmd}; -h or --help for usage\nerror 22: ${cephStrerror(ERRNO.EINVAL)}\n`);
    return 1;
  }
  const format = opts.get('format');
  if (format !== undefined && format !== 'json' && format !== 'json-pretty' && format !== 'plain') {
    io.stderr(`unrecognized format: ${format}\n`);
    // Ceph's rados returns -EINVAL from main here; the shell sees it as 234.
    return 256 - ERRNO.EINVAL;
  }
  const conf = opts.get('conf') ?? defaults.conf;
  let rados: Rados;
  try {
    rados = await Rados.connect({
      ...(conf !== undefined ? { conf } : {}),
      ...(opts.has('mon-host') ? { monHost: opts.get('mon-host') ?? '' } : {}),
      options: { client_mount_timeout: '30' },
    });
  } catch (err) {
    if (RadosError.is(err) && err.code === 'ENOENT' && err.message.includes('config file')) {
      io.stderr(`global_init: unable to open config file from search list ${conf ?? './sepia.conf'}\n`);
    } else {
      io.stderr(`couldn't connect to cluster: ${RadosError.is(err) ? cephStrerror(err.errno) : String(err)}\n`);
    }
    return 1;
  }
  try {
    return await runCommand(rados, cmd, nargs, opts, io);
  } catch (err) {
    if (err instanceof ExitError) return err.code;
    throw err;
  } finally {
    await rados.close();
  }
}

const KNOWN = new Set([
  'lspools', 'mkpool', 'rmpool', 'purge', 'df', 'ls', 'get', 'put', 'append', 'truncate', 'create', 'rm', 'cp', 'listxattr',
  'getxattr', 'setxattr', 'rmxattr', 'stat', 'stat2', 'touch', 'listomapkeys', 'listomapvals', 'getomapval', 'setomapval',
  'rmomapkey', 'clearomap', 'getomapheader', 'setomapheader', 'set-alloc-hint', 'bench', 'cleanup', 'lock',
]);

const OP_SIZE_BYTES = 4 * 1024 * 1024;

function errText(err: unknown): string {
  if (RadosError.is(err)) return cephStrerror(err.errno);
  throw err;
}

async function runCommand(rados: Rados, cmd: string, nargs: string[], opts: Map<string, string>, io: CliIo): Promise<number> {
  const poolName = opts.get('pool');
  const usage = (): never => {
    io.stderr(RADOS_USAGE);
    throw new ExitError(1);
  };
  const openPool = async (): Promise<IoCtx> => {
    if (poolName === undefined) usage();
    try {
      const ioctx = await rados.openIoCtx(poolName ?? '');
      const ns = opts.get('namespace');
      if (ns !== undefined) ioctx.setNamespace(ns);
      const loc = opts.get('object-locator');
      if (loc !== undefined) ioctx.setLocatorKey(loc);
      return ioctx;
    } catch (err) {
      io.stderr(`error opening pool ${poolName ?? ''}: ${errText(err)}\n`);
      throw new ExitError(1);
    }
  };
  const arg = (i: number): string => nargs[i] ?? usage();
  const json = opts.get('format')?.startsWith('json') === true;
  const pretty = opts.get('format') === 'json-pretty';
  /** Ceph's JSONFormatter output: compact without a final newline, pretty with one. */
  const printJson = (value: CephJson): void => io.stdout(cephJson(value, pretty));

  switch (cmd) {
    case 'lspools': {
      // Ceph's rados prints the plain list whatever --format says.
      for (const p of await rados.listPools()) io.stdout(`${p}\n`);
      return 0;
    }
    case 'mkpool': {
      const name = arg(1);
      try {
        await rados.createPool(name);
      } catch (err) {
        io.stderr(`error creating pool ${name}: ${errText(err)}\n`);
        return 1;
      }
      io.stdout(`successfully created pool ${name}\n`);
      return 0;
    }
    case 'rmpool': {
      const name = arg(1);
      if (nargs.length < 4 || nargs[2] !== name || nargs[3] !== '--yes-i-really-really-mean-it') {
        io.stderr(
          'WARNING:\n  This will PERMANENTLY DESTROY an entire pool of objects with no way back.\n' +
            '  To confirm, pass the pool to remove twice, followed by\n  --yes-i-really-really-mean-it\n',
        );
        return 1;
      }
      try {
        await rados.deletePool(name);
      } catch (err) {
        io.stderr(`pool ${name} could not be removed\n`);
        if (RadosError.is(err) && err.code === 'EPERM') {
          io.stderr('Check your monitor configuration - `mon allow pool delete` is set to false by default, change it to true to allow deletion of pools\n');
        }
        return 1;
      }
      io.stdout(`successfully deleted pool ${name}\n`);
      return 0;
    }
    case 'purge': {
      const name = arg(1);
      if (nargs[2] !== '--yes-i-really-really-mean-it') {
        io.stderr('WARNING:\n  This will PERMANENTLY DESTROY all objects from a pool with no way back.\n  To confirm, follow pool with --yes-i-really-really-mean-it\n');
        return 1;
      }
      let ioctx: IoCtx;
      try {
        ioctx = await rados.openIoCtx(name);
      } catch (err) {
        io.stderr(`error pool ${name}: ${errText(err)}\n`);
        return 1;
      }
      ioctx.setNamespace(ALL_NSPACES);
      const all: Array<{ name: string; namespace: string; locator: string }> = [];
      for await (const o of ioctx.listObjects()) all.push(o);
      for (const o of all) {
        const one = await rados.openIoCtx(name);
        one.setNamespace(o.namespace).setLocatorKey(o.locator);
        await one.remove(o.name).catch(() => undefined);
      }
      io.stdout(`successfully purged pool ${name}\n`);
      return 0;
    }
    case 'df':
      return df(rados, poolName, json ? printJson : undefined, io);
    case 'ls': {
      if (poolName === undefined) {
        io.stderr('either pool name or pg id needs to be specified\n');
        return 1;
      }
      const ioctx = await openPool();
      const wildcard = !opts.has('namespace') && opts.has('all') && !opts.has('default');
      if (wildcard) ioctx.setNamespace(ALL_NSPACES);
      const objects: CephJson[] = [];
      for await (const o of ioctx.listObjects()) {
        if (json) objects.push({ namespace: o.namespace, name: o.name, ...(o.locator !== '' ? { locator: o.locator } : {}) });
        else io.stdout(`${wildcard ? `${o.namespace}\t` : ''}${o.name}${o.locator !== '' ? `\t${o.locator}` : ''}\n`);
      }
      if (json) printJson(objects);
      return 0;
    }
    case 'stat':
    case 'stat2': {
      const ioctx = await openPool();
      const oid = arg(1);
      try {
        // Ceph's stat has no formatted output; stat truncates the mtime to seconds, stat2 keeps it.
        const st = await ioctx.stat2(oid);
        const nsec = cmd === 'stat2' ? st.mtime.nsec : 0;
        io.stdout(`${poolName ?? ''}/${prettify(oid)} mtime ${utime(st.mtime.sec, nsec)}, size ${st.size}\n`);
        return 0;
      } catch (err) {
        io.stderr(` error stat-ing ${poolName ?? ''}/${prettify(oid)}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'get': {
      const ioctx = await openPool();
      const oid = arg(1);
      const outFile = arg(2);
      try {
        const data = await ioctx.read(oid);
        if (outFile === '-') io.stdout(data);
        else await io.writeFile(outFile, data);
        return 0;
      } catch (err) {
        io.stderr(`error getting ${poolName ?? ''}/${prettify(oid)}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'put':
    case 'append': {
      const ioctx = await openPool();
      const oid = arg(1);
      const inFile = arg(2);
      let data: Buffer;
      try {
        data = inFile === '-' ? await io.readStdin() : await io.readFile(inFile);
      } catch (err) {
        // Ceph prints this and still exits 0 (observed on 16.2.15).
        const code = (err as NodeJS.ErrnoException).code;
        const errno = code !== undefined && code in ERRNO ? ERRNO[code as keyof typeof ERRNO] : ERRNO.EIO;
        io.stderr(`error reading input file ${inFile}: ${cephStrerror(errno)}\n`);
        return 0;
      }
      try {
        if (cmd === 'append') {
          for (let off = 0; off < data.length || off === 0; off += OP_SIZE_BYTES) {
            await ioctx.append(oid, data.subarray(off, off + OP_SIZE_BYTES));
            if (data.length === 0) break;
          }
        } else {
          const offsetOpt = opts.get('offset');
          const base = offsetOpt !== undefined ? Number(offsetOpt) : 0;
          if (!Number.isInteger(base) || base < 0) {
            io.stderr(`Invalid value for offset: '${offsetOpt ?? ''}'\n`);
            return 1;
          }
          if (offsetOpt === undefined) {
            // A fresh put replaces the object, then streams the rest in op-sized writes.
            await ioctx.writeFull(oid, data.subarray(0, OP_SIZE_BYTES));
            for (let off = OP_SIZE_BYTES; off < data.length; off += OP_SIZE_BYTES) {
              await ioctx.write(oid, data.subarray(off, off + OP_SIZE_BYTES), off);
            }
          } else if (data.length === 0) {
            // Ceph replaces the object with an empty one, then makes the hole up to the offset.
            await ioctx.writeFull(oid, data);
            if (base > 0) await ioctx.truncate(oid, base);
          } else {
            for (let off = 0; off < data.length; off += OP_SIZE_BYTES) {
              await ioctx.write(oid, data.subarray(off, off + OP_SIZE_BYTES), base + off);
            }
          }
        }
        return 0;
      } catch (err) {
        io.stderr(`error ${cmd === 'put' ? 'putting' : 'appending'} ${poolName ?? ''}/${prettify(oid)}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'truncate': {
      const ioctx = await openPool();
      const oid = arg(1);
      const sizeText = arg(2);
      const size = Number(sizeText);
      if (!/^-?\d+$/.test(sizeText)) {
        io.stderr(`Invalid value for size: '${sizeText}'\n`);
        return 1;
      }
      if (size < 0) {
        io.stderr('error, cannot truncate to negative value\n');
        return usage();
      }
      try {
        await ioctx.truncate(oid, size);
      } catch (err) {
        // Ceph keeps the error as the command's result: a second line and exit status 1.
        const text = errText(err);
        io.stderr(`error truncating oid ${prettify(oid)} to ${size}: ${text}\n`);
        io.stderr(`error ${RadosError.is(err) ? err.errno : 0}: ${text}\n`);
        return 1;
      }
      return 0;
    }
    case 'create': {
      const ioctx = await openPool();
      const oid = arg(1);
      try {
        await ioctx.create(oid, { exclusive: true });
        return 0;
      } catch (err) {
        io.stderr(`error creating ${poolName ?? ''}/${prettify(oid)}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'touch': {
      const ioctx = await openPool();
      const oid = arg(1);
      try {
        await ioctx.create(oid, { exclusive: false });
        return 0;
      } catch (err) {
        io.stderr(` error touch-ing ${poolName ?? ''}/${prettify(oid)}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'rm': {
      const ioctx = await openPool();
      if (nargs.length < 2) usage();
      for (const oid of nargs.slice(1)) {
        try {
          await ioctx.remove(oid);
        } catch (err) {
          const ns = opts.get('namespace');
          io.stderr(`error removing ${poolName ?? ''}>${ns ? `${ns}/` : ''}${prettify(oid)}: ${errText(err)}\n`);
          return 1;
        }
      }
      return 0;
    }
    case 'cp': {
      const ioctx = await openPool();
      const src = arg(1);
      const target = opts.get('target-pool') ?? poolName ?? '';
      if (nargs.length < 3 && target === poolName) {
        io.stderr('cannot copy object into itself\n');
        return 1;
      }
      const dst = nargs[2] ?? src;
      let targetCtx: IoCtx;
      try {
        targetCtx = await rados.openIoCtx(target);
      } catch (err) {
        io.stderr(`error opening target pool ${target}: ${errText(err)}\n`);
        return 1;
      }
      const tl = opts.get('target-locator') ?? '';
      if (tl !== '') targetCtx.setLocatorKey(tl);
      const tn = opts.get('target-nspace') ?? '';
      if (tn !== '') targetCtx.setNamespace(tn);
      try {
        await targetCtx.operate(
          dst,
          new WriteOp().copyFrom({ pool: ioctx.poolId, oid: src, namespace: ioctx.getNamespace(), locator: opts.get('object-locator') ?? '' }),
        );
        return 0;
      } catch (err) {
        io.stderr(`error copying ${poolName ?? ''}/${src} => ${target}/${dst}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'setxattr': {
      const ioctx = await openPool();
      const oid = arg(1);
      const name = arg(2);
      const value = nargs[3] !== undefined ? Buffer.from(nargs[3]) : await io.readStdin();
      try {
        await ioctx.setXattr(oid, name, value);
        return 0;
      } catch (err) {
        io.stderr(`error setting xattr ${poolName ?? ''}/${prettify(oid)}/${name}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'getxattr': {
      const ioctx = await openPool();
      const oid = arg(1);
      const name = arg(2);
      try {
        io.stdout(await ioctx.getXattr(oid, name));
        return 0;
      } catch (err) {
        io.stderr(`error getting xattr ${poolName ?? ''}/${prettify(oid)}/${name}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'rmxattr': {
      const ioctx = await openPool();
      const oid = arg(1);
      const name = arg(2);
      try {
        await ioctx.rmXattr(oid, name);
        return 0;
      } catch (err) {
        io.stderr(`error removing xattr ${poolName ?? ''}/${prettify(oid)}/${name}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'listxattr': {
      const ioctx = await openPool();
      const oid = arg(1);
      try {
        const attrs = await ioctx.getXattrs(oid);
        for (const name of [...attrs.keys()].sort(byteOrder)) io.stdout(`${name}\n`);
        return 0;
      } catch (err) {
        io.stderr(`error getting xattr set ${poolName ?? ''}/${prettify(oid)}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'getomapheader': {
      const ioctx = await openPool();
      const oid = arg(1);
      try {
        const header = await ioctx.omapGetHeader(oid);
        const outFile = nargs[2];
        if (outFile !== undefined) {
          io.stderr(`Writing to ${outFile}\n`);
          await io.writeFile(outFile, header);
        } else {
          io.stdout(`header (${header.length} bytes) :\n${hexdump(header)}\n`);
        }
        return 0;
      } catch (err) {
        io.stderr(`error getting omap header ${poolName ?? ''}/${prettify(oid)}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'setomapheader': {
      const ioctx = await openPool();
      const oid = arg(1);
      try {
        await ioctx.omapSetHeader(oid, Buffer.from(arg(2)));
        return 0;
      } catch (err) {
        io.stderr(`error setting omap value ${poolName ?? ''}/${prettify(oid)}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'setomapval': {
      const ioctx = await openPool();
      const oid = arg(1);
      const key = opts.get('omap-key') ?? arg(2);
      const valueIndex = opts.has('omap-key') ? 2 : 3;
      let value: Buffer;
      const inputFile = opts.get('input-file');
      if (inputFile !== undefined) {
        try {
          value = await io.readFile(inputFile);
        } catch (err) {
          io.stderr(`error reading file ${inputFile}: ${String((err as Error).message)}\n`);
          return 1;
        }
      } else if (nargs[valueIndex] !== undefined) {
        value = Buffer.from(nargs[valueIndex] ?? '');
      } else {
        value = await io.readStdin();
      }
      try {
        await ioctx.omapSet(oid, new Map([[key, value]]));
        return 0;
      } catch (err) {
        io.stderr(`error setting omap value ${poolName ?? ''}/${oid}/${prettify(key)}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'getomapval': {
      const ioctx = await openPool();
      const oid = arg(1);
      const key = opts.get('omap-key') ?? arg(2);
      const outFile = nargs[opts.has('omap-key') ? 2 : 3];
      let values: Map<string, Buffer>;
      try {
        values = await ioctx.omapGetValsByKeys(oid, [key]);
      } catch (err) {
        io.stderr(`error getting omap value ${poolName ?? ''}/${prettify(oid)}/${prettify(key)}: ${errText(err)}\n`);
        return 1;
      }
      const value = values.get(key);
      if (value === undefined) {
        io.stdout(`No such key: ${poolName ?? ''}/${prettify(oid)}/${prettify(key)}\n`);
        return 1;
      }
      if (outFile !== undefined) {
        io.stderr(`Writing to ${outFile}\n`);
        await io.writeFile(outFile, value);
      } else {
        io.stdout(`value (${value.length} bytes) :\n${hexdump(value)}\n`);
      }
      return 0;
    }
    case 'rmomapkey': {
      const ioctx = await openPool();
      const oid = arg(1);
      const key = opts.get('omap-key') ?? arg(2);
      try {
        await ioctx.omapRmKeys(oid, [key]);
        return 0;
      } catch (err) {
        io.stderr(`error removing omap key ${poolName ?? ''}/${prettify(oid)}/${prettify(key)}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'clearomap': {
      const ioctx = await openPool();
      if (nargs.length < 2) usage();
      for (const oid of nargs.slice(1)) {
        try {
          await ioctx.omapClear(oid);
        } catch (err) {
          io.stderr(`error clearing omap keys ${poolName ?? ''}/${prettify(oid)}/${errText(err)}\n`);
          return 1;
        }
      }
      return 0;
    }
    case 'listomapkeys': {
      const ioctx = await openPool();
      const oid = arg(1);
      try {
        // Ceph prints keys as they page in (1,024 per request) and has no formatted variant.
        let startAfter = '';
        for (let page = 0; page < MAX_OMAP_PAGES; page++) {
          const { keys, more } = await ioctx.omapGetKeys(oid, { startAfter, max: OMAP_PAGE_KEYS });
          io.stdout(keys.map((k) => `${k}\n`).join(''));
          const last = keys[keys.length - 1];
          if (!more || last === undefined) break;
          startAfter = last;
        }
        return 0;
      } catch (err) {
        io.stderr(`error getting omap key set ${poolName ?? ''}/${prettify(oid)}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'listomapvals': {
      const ioctx = await openPool();
      const oid = arg(1);
      try {
        for await (const [k, v] of ioctx.omapIterate(oid, { pageSize: OMAP_PAGE_KEYS })) {
          const kb = Buffer.from(k);
          // A key with any non-printable byte is dumped in hex, as Ceph does.
          io.stdout(`${isPrintable(kb) ? k : `key (${kb.length} bytes):\n${hexdump(kb)}`}\nvalue (${v.length} bytes) :\n${hexdump(v)}\n`);
        }
        return 0;
      } catch (err) {
        io.stderr(`error getting omap keys ${poolName ?? ''}/${prettify(oid)}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'set-alloc-hint': {
      const ioctx = await openPool();
      const oid = arg(1);
      const objSize = Number(arg(2));
      const writeSize = Number(arg(3));
      if (!Number.isInteger(objSize)) {
        io.stderr(`couldn't parse expected_object_size: ${nargs[2] ?? ''}\n`);
        return usage();
      }
      if (!Number.isInteger(writeSize)) {
        io.stderr(`couldn't parse expected_write_size: ${nargs[3] ?? ''}\n`);
        return usage();
      }
      try {
        await ioctx.setAllocHint(oid, objSize, writeSize);
        return 0;
      } catch (err) {
        io.stderr(`error setting alloc-hint ${poolName ?? ''}/${prettify(oid)}: ${errText(err)}\n`);
        return 1;
      }
    }
    case 'bench': {
      const ioctx = await openPool();
      const secondsText = arg(1);
      const seconds = Number(secondsText);
      if (!/^\d+$/.test(secondsText)) {
        io.stderr(`Invalid value for seconds: '${secondsText}'\n`);
        return 1;
      }
      const mode = arg(2);
      if (mode !== 'write' && mode !== 'seq' && mode !== 'rand') return usage();
      if (mode !== 'write' && opts.has('block-size')) {
        io.stderr("-b|--block_size option can be used only with `write' bench test\n");
        return 1;
      }
      const num = (k: string, d: number): number => {
        const v = opts.get(k);
        if (v === undefined) return d;
        const n = parseSize(v);
        if (n === undefined) throw new ExitError(usageError(io, `Invalid value for ${k}: '${v}'`));
        return n;
      };
      let opSize = num('block-size', BENCH_DEFAULTS.opSize);
      let objectSize = num('object-size', 0);
      if (objectSize === 0) objectSize = opSize;
      else if (objectSize < opSize) opSize = objectSize;
      try {
        await runBench(
          ioctx,
          {
            seconds,
            mode,
            opSize,
            objectSize,
            concurrency: num('concurrent-ios', BENCH_DEFAULTS.concurrency),
            maxObjects: num('max-objects', 0),
            cleanup: !opts.has('no-cleanup'),
            runName: opts.get('run-name') ?? BENCH_DEFAULTS.runName,
            json,
            hints: !opts.has('no-hints'),
            reuseBench: opts.has('reuse-bench'),
            showTime: opts.has('show-time'),
            verify: !opts.has('no-verify'),
          },
          io,
        );
        return 0;
      } catch (err) {
        if (!RadosError.is(err)) throw err;
        io.stderr(`error during benchmark: ${cephStrerror(err.errno)}\nerror ${err.errno}: ${cephStrerror(err.errno)}\n`);
        return 1;
      }
    }
    case 'lock': {
      const ioctx = await openPool();
      return runLockCommand(ioctx, poolName ?? '', nargs, opts, io);
    }
    case 'cleanup': {
      const ioctx = await openPool();
      try {
        await cleanupRun(ioctx, opts.get('run-name') ?? BENCH_DEFAULTS.runName, opts.get('prefix'), num16(opts), io);
        return 0;
      } catch (err) {
        if (!RadosError.is(err)) throw err;
        io.stderr(`error during cleanup: ${cephStrerror(err.errno)}\nerror ${err.errno}: ${cephStrerror(err.errno)}\n`);
        return 1;
      }
    }
    default:
      io.stderr(`unrecognized command ${cmd}; -h or --help for usage\nerror 22: ${cephStrerror(ERRNO.EINVAL)}\n`);
      return 1;
  }
}

function num16(opts: Map<string, string>): number {
  const n = Number(opts.get('concurrent-ios') ?? 16);
  return Number.isInteger(n) && n > 0 ? n : 16;
}

function usageError(io: CliIo, msg: string): number {
  io.stderr(`${msg}\n`);
  return 1;
}

/** Sizes as Ceph's tools take them: 4096, 4K, 4M, 1G. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)([KkMmGg]?)[Bb]?$/.exec(text);
  if (!m) return undefined;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Number(m[1]) * mult;
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

async function df(rados: Rados, poolName: string | undefined, printJson: ((v: CephJson) => void) | undefined, io: CliIo): Promise<number> {
  if (poolName !== undefined) {
    try {
      await rados.openIoCtx(poolName);
    } catch (err) {
      io.stderr(`error opening pool ${poolName}: ${errText(err)}\n`);
      return 1;
    }
  }
  const reply = await rados.monCommand({ prefix: 'df' });
  const out = reply.out as {
    pools: Array<{ name: string; id: number; objects: number; bytes: number; copies: number; degraded: number; rdOps: number; rdBytes: number; wrOps: number; wrBytes: number }>;
    status: { pgmap: { num_objects: number; bytes_used: number; bytes_avail: number; bytes_total: number } };
  };
  // Ceph's librados returns the stats in a map keyed by pool name: bytewise name order.
  const pools = out.pools.filter((p) => poolName === undefined || p.name === poolName).sort((a, b) => byteOrder(a.name, b.name));
  const total = out.status.pgmap;
  const usedBytes = (p: { id: number; bytes: number }): number => p.bytes * (rados.osdMap.pools.find((x) => x.id === p.id)?.size ?? 1);
  if (printJson) {
    // Field names and order of Ceph's `rados df --format json`; rd/wr bytes are whole KiB there.
    printJson({
      pools: pools.map((p) => ({
        name: p.name, id: p.id, size_bytes: usedBytes(p), size_kb: Math.ceil(usedBytes(p) / 1024), num_objects: p.objects, num_object_clones: 0,
        num_object_copies: p.copies, num_objects_missing_on_primary: 0, num_objects_unfound: 0, num_objects_degraded: p.degraded,
        read_ops: p.rdOps, read_bytes: Math.floor(p.rdBytes / 1024) * 1024, write_ops: p.wrOps, write_bytes: Math.floor(p.wrBytes / 1024) * 1024,
        compress_bytes_used: 0, compress_under_bytes: 0,
      })),
      total_objects: total.num_objects,
      total_used: Math.floor(total.bytes_used / 1024),
      total_avail: Math.floor(total.bytes_avail / 1024),
      total_space: Math.floor(total.bytes_total / 1024),
    });
    return 0;
  }
  const cols = ['POOL_NAME', 'USED', 'OBJECTS', 'CLONES', 'COPIES', 'MISSING_ON_PRIMARY', 'UNFOUND', 'DEGRADED', 'RD_OPS', 'RD', 'WR_OPS', 'WR', 'USED COMPR', 'UNDER COMPR'];
  const rows = pools.map((p) => [
    p.name, byteU(usedBytes(p)), String(p.objects), '0', String(p.copies), '0', '0', String(p.degraded),
    String(p.rdOps), byteU(Math.floor(p.rdBytes / 1024) * 1024), String(p.wrOps), byteU(Math.floor(p.wrBytes / 1024) * 1024), '0 B', '0 B',
  ]);
  io.stdout(textTable(cols.map((name, i) => ({ name, align: i === 0 ? ('left' as const) : ('right' as const) })), rows));
  io.stdout(
    `\ntotal_objects    ${total.num_objects}\ntotal_used       ${byteU(total.bytes_used)}\ntotal_avail      ${byteU(total.bytes_avail)}\ntotal_space      ${byteU(total.bytes_total)}\n`,
  );
  return 0;
}

/** Keys per omap listing request, as Ceph's rados tool asks for. */
const OMAP_PAGE_KEYS = 1024;
/** A stated bound on omap pages one command walks (over a billion keys). */
const MAX_OMAP_PAGES = 1_000_000;

/** C isprint() in the C locale, byte by byte. */
function isPrintable(bytes: Buffer): boolean {
  return bytes.every((b) => b >= 0x20 && b < 0x7f);
}

/** Ceph's prettify(): names with a non-printable byte print as "(binary key)". */
function prettify(name: string): string {
  return isPrintable(Buffer.from(name, 'utf8')) ? name : '(binary key)';
}

export type CephJson = string | number | boolean | readonly CephJson[] | { readonly [key: string]: CephJson };

/** Ceph's JSON string escaping: quote, backslash, slash, tab, newline, other controls as \u00XX. */
function cephQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '/') out += '\\/';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Renders a value the way Ceph's JSONFormatter does: compact, or "pretty" with four-space
 * indentation, a space after each colon and a newline after the outermost section.
 */
export function cephJson(value: CephJson, pretty: boolean): string {
  let out = '';
  const stack: Array<{ isArray: boolean; size: number }> = [];
  const indent = (): string => '    '.repeat(Math.max(0, stack.length - 1));
  const printName = (name: string): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) return;
    if (top.size > 0) out += pretty ? `,\n${indent()}` : ',';
    else if (pretty) out += `\n${indent()}`;
    if (pretty && top.isArray) out += '    ';
    if (!top.isArray) out += `${pretty ? '    ' : ''}"${name}"${pretty ? ': ' : ':'}`;
    top.size++;
  };
  const emit = (name: string, v: CephJson): void => {
    if (typeof v !== 'object') {
      printName(name);
      out += typeof v === 'string' ? cephQuote(v) : String(v);
      return;
    }
    const isArray = Array.isArray(v);
    printName(name);
    out += isArray ? '[' : '{';
    stack.push({ isArray, size: 0 });
    if (isArray) for (const item of v as readonly CephJson[]) emit('', item);
    else for (const [k, item] of Object.entries(v)) emit(k, item);
    const top = stack[stack.length - 1];
    if (pretty && top !== undefined && top.size > 0) out += `\n${indent()}`;
    out += isArray ? ']' : '}';
    stack.pop();
    if (pretty && stack.length === 0) out += '\n';
  };
  emit('', value);
  return out;
}
