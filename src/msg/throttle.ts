// Receive-side budget shared by every connection of one listener, like Ceph's
// osd_client_message_size_cap: request bytes read and not yet replied. Over the cap, a connection
// that receives a request stops reading its socket until replies bring the total back down, so
// one daemon's memory is bounded no matter how many clients push at once.

import { invariant } from '../core/assert.js';

export class RecvThrottle {
  private used_bytes = 0;
  /** Connections that paused their socket, keyed by their resume callback. */
  private readonly paused = new Set<() => void>();

  constructor(readonly cap_bytes: number) {
    invariant(Number.isSafeInteger(cap_bytes) && cap_bytes > 0, `receive cap ${cap_bytes}`);
  }

  get unreplied_bytes(): number {
    return this.used_bytes;
  }

  /** Count a received request; true when the caller must pause its socket (and park `resume`). */
  take(size_bytes: number, resume: () => void): boolean {
    invariant(size_bytes >= 0, 'negative take');
    this.used_bytes += size_bytes;
    if (this.used_bytes <= this.cap_bytes) return false;
    this.paused.add(resume);
    return true;
  }

  release(size_bytes: number): void {
    this.used_bytes -= size_bytes;
    invariant(this.used_bytes >= 0, 'receive throttle went negative');
    if (this.used_bytes > this.cap_bytes || this.paused.size === 0) return;
    const resumes = [...this.paused];
    this.paused.clear();
    for (const resume of resumes) resume();
  }

  /** A connection went away: it no longer waits to resume. */
  forget(resume: () => void): void {
    this.paused.delete(resume);
  }
}
