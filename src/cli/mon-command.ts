// Shared plumbing of the administration commands (osd, pg, cls, config): a short-lived client,
// and Ceph's `ceph` conventions — status text on stderr, data on stdout, exit code = errno.
import { errnoName } from '../core/errors.js';
import { Rados } from '../client/rados.js';
import type { MonCommandReply } from '../proto/messages.js';

export async function withRados<T>(conf: string, fn: (r: Rados) => Promise<T>): Promise<T> {
  const rados = await Rados.connect({ conf, options: { client_mount_timeout: '10' } });
  try {
    return await fn(rados);
  } finally {
    await rados.close();
  }
}

export function fail(errno: number, message: string): void {
  process.stderr.write(`Error ${errnoName(errno) ?? errno}: ${message}\n`);
  process.exitCode = errno;
}

/** True when the reply succeeded; prints its status text either way. */
export function finish(reply: MonCommandReply): boolean {
  if (reply.ret < 0) {
    fail(-reply.ret, reply.outs);
    return false;
  }
  if (reply.outs !== '') process.stderr.write(`${reply.outs}\n`);
  return true;
}
