// The run's event trace: every network delivery, fault and workload result, in order. Its hash is
// what "the same seed gives the same run" is checked against; its tail is printed on failure.

import { createHash, type Hash } from 'node:crypto';

/** Lines kept for printing when a run fails. */
const TAIL_LINES_MAX = 400;
/** Lines kept whole when a caller asks for the full trace (determinism tests compare them). */
const FULL_LINES_MAX = 2_000_000;

export class Trace {
  private readonly hash: Hash = createHash('sha256');
  private readonly tail: string[] = [];
  private readonly full: string[] | undefined;
  private count = 0;
  /** Daemon log lines: kept for diagnosis but not hashed (they carry process-wide counters). */
  private readonly logTail: string[] = [];

  constructor(opts: { keepAll?: boolean; echo?: boolean } = {}) {
    this.full = opts.keepAll === true ? [] : undefined;
    this.echo = opts.echo === true;
  }

  private readonly echo: boolean;

  add(now_ms: number, line: string): void {
    const text = `${now_ms.toFixed(3)} ${line}`;
    this.hash.update(text).update('\n');
    this.count++;
    this.tail.push(text);
    if (this.tail.length > TAIL_LINES_MAX) this.tail.shift();
    if (this.full !== undefined && this.full.length < FULL_LINES_MAX) this.full.push(text);
    if (this.echo) process.stdout.write(`${text}\n`);
  }

  log(now_ms: number, line: string): void {
    const text = `${now_ms.toFixed(3)} ${line}`;
    this.logTail.push(text);
    if (this.logTail.length > TAIL_LINES_MAX) this.logTail.shift();
    if (this.echo) process.stdout.write(`${text}\n`);
  }

  get lines(): number {
    return this.count;
  }

  /** Hash of every line so far (the trace keeps running after this). */
  digest(): string {
    return this.hash.copy().digest('hex').slice(0, 16);
  }

  fullLines(): readonly string[] {
    return this.full ?? [];
  }

  tailLines(): readonly string[] {
    return this.tail;
  }

  logLines(): readonly string[] {
    return this.logTail;
  }
}
