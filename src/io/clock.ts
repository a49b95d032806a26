// Time behind an interface so protocol code can run on a virtual clock in the simulator.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds on a monotonic clock (for timeouts and intervals). */
  monotonic_ms(): number;
  /** Wall-clock time, for object mtimes and log lines. */
  wall(): { sec: number; nsec: number };
  after(delay_ms: number, fn: () => void): Timer;
  every(interval_ms: number, fn: () => void): Timer;
}

export const realClock: Clock = {
  monotonic_ms: () => performance.now(),
  wall: () => {
    const ms = Date.now();
    // Date.now has millisecond precision; hrtime adds sub-ms digits so stat2 shows ns precision.
    const sub_ns = Number(process.hrtime.bigint() % 1_000_000n);
    return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 + sub_ns };
  },
  after: (delay_ms, fn) => {
    const t = setTimeout(fn, delay_ms);
    return { cancel: () => clearTimeout(t) };
  },
  every: (interval_ms, fn) => {
    const t = setInterval(fn, interval_ms);
    t.unref();
    return { cancel: () => clearInterval(t) };
  },
};

/**
 * Resolves after delay_ms on `clock` (default: real time); for retry back-off only, never as a
 * stand-in for synchronisation.
 */
export function delay(delay_ms: number, signal?: AbortSignal, clock: Clock = realClock): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = clock.after(delay_ms, resolve);
    signal?.addEventListener(
      'abort',
      () => {
        t.cancel();
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * An AbortSignal that aborts with a 'TimeoutError' after timeout_ms on `clock`, like
 * AbortSignal.timeout (which always uses real time). Call cancel() once the guarded work is done
 * so a virtual clock does not keep a dead timer queued.
 */
export function timeoutSignal(timeout_ms: number, clock: Clock = realClock): { signal: AbortSignal; cancel(): void } {
  if (clock === realClock) return { signal: AbortSignal.timeout(timeout_ms), cancel: () => undefined };
  const controller = new AbortController();
  const timer = clock.after(timeout_ms, () => {
    controller.abort(new DOMException(`timed out after ${timeout_ms} ms`, 'TimeoutError'));
  });
  return { signal: controller.signal, cancel: () => timer.cancel() };
}
