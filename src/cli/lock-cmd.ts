// `sepia rados lock get|list|info|break`: advisory locks, with exactly the output of Ceph's
// `rados lock` (compact JSON without a trailing newline; "ERROR: …" then "error N: …" on
// failure, exit code 1). spec/rados-cli.txt, "locks".

import { cephStrerror, ERRNO, RadosError } from '../core/errors.js';
import type { Timespec } from '../osd/ops/types.js';
import { breakLock, getLockInfo, listLocks, lockExclusive, lockShared, type LockIo } from '../client/lock.js';
import type { CliIo } from './cli-io.js';
import { utime } from './format.js';

export const LOCK_USAGE = `usage: sepia rados -p <pool> lock <command> <obj> [<lock-name>] [options]
   lock list <obj>                  list the advisory locks of an object
   lock info <obj> <lock-name>      show a lock's type, tag and lockers
   lock get <obj> <lock-name>       take a lock
        [--lock-cookie <c>] [--lock-tag <t>] [--lock-description <d>]
        [--lock-duration <seconds>] [--lock-type exclusive|shared]
   lock break <obj> <lock-name> <locker-name e.g. client.4123> [--lock-cookie <c>]
`;

/** utime_t printed as Ceph does: small values are relative seconds, large ones a local date. */
const UTIME_RELATIVE_BELOW_SEC = 60 * 60 * 24 * 365 * 10;

export function utimeText(t: Timespec): string {
  if (t.sec < UTIME_RELATIVE_BELOW_SEC) return `${t.sec}.${String(Math.floor(t.nsec / 1000)).padStart(6, '0')}`;
  return utime(t.sec, t.nsec);
}

/** Integer seconds with an optional IEC suffix (Ceph parses --lock-duration with strict_iecstrtoll). */
function parseDuration(text: string): number | undefined {
  const m = /^(\d+)([KMGTPE]i?B?)?$/.exec(text);
  if (m === null) return undefined;
  const power = m[2] === undefined ? 0 : 'KMGTPE'.indexOf(m[2][0] ?? 'K') + 1;
  const value = Number(m[1]) * 1024 ** power;
  return Number.isSafeInteger(value) && value <= 0xffff_ffff ? value : undefined;
}

function json(value: unknown, opts: ReadonlyMap<string, string>): string {
  const pretty = opts.get('format') === 'json-pretty' || opts.has('pretty-format');
  return pretty ? `${JSON.stringify(value, null, 4)}\n` : JSON.stringify(value);
}

/**
 * Runs `lock <cmd> <obj> ...` (nargs[0] is 'lock'); prints what `rados` prints and returns the
 * exit code. Operating errors are reported, never thrown.
 */
export async function runLockCommand(
  io: LockIo,
  poolName: string,
  nargs: readonly string[],
  opts: ReadonlyMap<string, string>,
  out: CliIo,
): Promise<number> {
  void poolName;
  const fail = (message: string, errno: number): number => {
    out.stderr(`${message}\nerror ${errno}: ${cephStrerror(errno)}\n`);
    return 1;
  };
  const usage = (): number => {
    out.stderr(LOCK_USAGE);
    return 1;
  };
  const call = async (what: string, fn: () => Promise<number>): Promise<number> => {
    try {
      return await fn();
    } catch (err) {
      if (!RadosError.is(err)) throw err;
      return fail(`ERROR: ${what}: ${cephStrerror(err.errno)}`, err.errno);
    }
  };

  const cmd = nargs[1];
  const oid = nargs[2];
  if (cmd === undefined || oid === undefined) return usage();

  const cookie = opts.get('lock-cookie') ?? '';
  const tag = opts.get('lock-tag') ?? '';
  const description = opts.get('lock-description') ?? '';
  let duration_s = 0;
  const durationText = opts.get('lock-duration');
  if (durationText !== undefined) {
    const d = parseDuration(durationText);
    if (d === undefined) return fail(`Invalid value for lock-duration: '${durationText}'`, ERRNO.EINVAL);
    duration_s = d;
  }
  const typeText = opts.get('lock-type') ?? 'exclusive';
  if (typeText !== 'exclusive' && typeText !== 'shared') return fail('unknown lock type was specified, aborting', ERRNO.EINVAL);

  if (cmd === 'list') {
    return call('rados_list_locks()', async () => {
      const locks = await listLocks(io, oid);
      out.stdout(json({ objname: oid, locks: locks.map((name) => ({ name })) }, opts));
      return 0;
    });
  }

  const lockName = nargs[3];
  if (lockName === undefined) return usage();

  if (cmd === 'info') {
    return call('rados_lock_get_lock_info()', async () => {
      const info = await getLockInfo(io, oid, lockName);
      const lockers = info.lockers.map((l) => ({
        name: l.name,
        cookie: l.cookie,
        description: l.description,
        expiration: utimeText(l.expiration),
        addr: l.addr,
      }));
      out.stdout(json({ name: lockName, type: info.type, tag: info.tag, lockers }, opts));
      return 0;
    });
  }

  if (cmd === 'get') {
    return call('failed locking', async () => {
      const lockOpts = { description, duration_s };
      if (typeText === 'shared') await lockShared(io, oid, lockName, cookie, tag, lockOpts);
      else await lockExclusive(io, oid, lockName, cookie, { ...lockOpts, tag });
      return 0;
    });
  }

  const locker = nargs[4];
  if (cmd !== 'break' || locker === undefined) return usage();
  if (!/^(mon|mds|osd|client|mgr)\.-?\d+$/.test(locker)) {
    return fail(`ERROR: failed to parse locker name (${locker})`, ERRNO.EINVAL);
  }
  return call('failed breaking lock', async () => {
    await breakLock(io, oid, lockName, locker, cookie);
    return 0;
  });
}
