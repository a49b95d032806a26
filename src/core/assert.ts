// Always-on invariants (TigerBeetle style): a broken invariant is a programmer error and stops
// the process instead of corrupting stored data. Operating errors are RadosError values instead.

export class InvariantError extends Error {
  constructor(message: string) {
    super(`invariant violated: ${message}`);
    this.name = 'InvariantError';
  }
}

/**
 * `message` may be a function so hot paths do not build a template string on every call (number
 * formatting showed up in profiles: checkU32 on object hashes cost ~1% of an OSD).
 */
export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'string' ? message : message());
}

export function unreachable(value: never, message = 'unreachable'): never {
  throw new InvariantError(`${message}: ${JSON.stringify(value)}`);
}
