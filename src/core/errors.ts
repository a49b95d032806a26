// Errno vocabulary shared by every layer: Ceph reports failures as negative Linux errno values,
// and users coming from Ceph read them as "(2) No such file or directory". Keep names, numbers and
// strerror texts exactly as Linux/glibc prints them so CLI output matches Ceph's tools.

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EFBIG: 27,
  ENOSPC: 28,
  EROFS: 30,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ENODATA: 61,
  ENOLINK: 67,
  EPROTO: 71,
  EBADMSG: 74,
  EOVERFLOW: 75,
  ERESTART: 85,
  EMSGSIZE: 90,
  EOPNOTSUPP: 95,
  EADDRINUSE: 98,
  ECONNRESET: 104,
  ENOTCONN: 107,
  ESHUTDOWN: 108,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EINPROGRESS: 115,
  EDQUOT: 122,
  ECANCELED: 125,
} as const;

export type ErrnoName = keyof typeof ERRNO;

/** glibc strerror() texts, as Ceph's CLI prints them after "(N) ". */
const STRERROR: Record<ErrnoName, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EIO: 'Input/output error',
  E2BIG: 'Argument list too long',
  ENOEXEC: 'Exec format error',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  EFBIG: 'File too large',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  EDOM: 'Numerical argument out of domain',
  ERANGE: 'Numerical result out of range',
  EDEADLK: 'Resource deadlock avoided',
  ENAMETOOLONG: 'File name too long',
  ENOLCK: 'No locks available',
  ENOSYS: 'Function not implemented',
  ENOTEMPTY: 'Directory not empty',
  ENODATA: 'No data available',
  ENOLINK: 'Link has been severed',
  EPROTO: 'Protocol error',
  EBADMSG: 'Bad message',
  EOVERFLOW: 'Value too large for defined data type',
  ERESTART: 'Interrupted system call should be restarted',
  EMSGSIZE: 'Message too long',
  EOPNOTSUPP: 'Operation not supported',
  EADDRINUSE: 'Address already in use',
  ECONNRESET: 'Connection reset by peer',
  ENOTCONN: 'Transport endpoint is not connected',
  ESHUTDOWN: 'Cannot send after transport endpoint shutdown',
  ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused',
  EINPROGRESS: 'Operation now in progress',
  EDQUOT: 'Disk quota exceeded',
  ECANCELED: 'Operation canceled',
};

const NAME_BY_NUMBER = new Map<number, ErrnoName>(
  (Object.entries(ERRNO) as Array<[ErrnoName, number]>).map(([name, n]) => [n, name]),
);

/** Name for a positive errno number, or undefined if Sepia does not know it. */
export function errnoName(errno: number): ErrnoName | undefined {
  return NAME_BY_NUMBER.get(Math.abs(errno));
}

/** "No such file or directory" for 2 / -2; "Unknown error N" like glibc for the rest. */
export function strerror(errno: number): string {
  const name = errnoName(errno);
  return name === undefined ? `Unknown error ${Math.abs(errno)}` : STRERROR[name];
}

/** Ceph's "(2) No such file or directory" rendering (cpp_strerror). */
export function cephStrerror(errno: number): string {
  const n = Math.abs(errno);
  return `(${n}) ${strerror(n)}`;
}

/** Negative return value for an errno name: the OSD's convention (`return -ENOENT`). */
export function neg(name: ErrnoName): number {
  return -ERRNO[name];
}

const RADOS_ERROR_BRAND = Symbol.for('sepia.RadosError');

/**
 * The one error type Sepia's public API rejects with. `code` is the stable errno name,
 * `errno` the positive number; `message` names the operation and object.
 */
export class RadosError extends Error {
  readonly code: ErrnoName | 'EUNKNOWN';
  readonly errno: number;
  readonly [RADOS_ERROR_BRAND] = true;

  constructor(errno: number, message: string, options?: { cause?: unknown }) {
    const n = Math.abs(errno);
    super(`${message}: ${cephStrerror(n)}`, options);
    this.name = 'RadosError';
    this.errno = n;
    this.code = errnoName(n) ?? 'EUNKNOWN';
  }

  static is(value: unknown): value is RadosError {
    return typeof value === 'object' && value !== null && RADOS_ERROR_BRAND in value;
  }

  static from(name: ErrnoName, message: string, options?: { cause?: unknown }): RadosError {
    return new RadosError(ERRNO[name], message, options);
  }
}
