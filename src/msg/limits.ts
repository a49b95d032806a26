// Every queue in the messenger has a stated bound; these are them. Defaults follow Ceph where
// Ceph has the knob (objecter_inflight_op_bytes/ops, osd_client_message_size_cap).

import { invariant } from '../core/assert.js';
import { DEFAULT_FRAME_LIMITS, checkFrameLimits, type FrameLimits } from '../codec/frame.js';

const MiB = 1024 * 1024;

export interface MessengerLimits extends FrameLimits {
  /** Sender: request bytes admitted and not yet answered (objecter_inflight_op_bytes). */
  maxInflightBytes: number;
  /** Sender: requests admitted and not yet answered (objecter_inflight_ops). */
  maxInflightRequests: number;
  /**
   * Receiver: request bytes read and not yet replied, summed over all connections of a listener
   * (osd_client_message_size_cap); above it, connections that receive more stop being read.
   */
  maxInflightRecvBytes: number;
  /** Oneway messages queued while disconnected, or sitting unsent in the socket: dropped beyond. */
  maxQueuedOnewayBytes: number;
  connectTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

export const DEFAULT_MESSENGER_LIMITS: Readonly<MessengerLimits> = Object.freeze({
  ...DEFAULT_FRAME_LIMITS,
  maxInflightBytes: 100 * MiB,
  maxInflightRequests: 1024,
  maxInflightRecvBytes: 500 * MiB,
  maxQueuedOnewayBytes: 64 * MiB,
  connectTimeoutMs: 5_000,
  reconnectMinMs: 50,
  reconnectMaxMs: 2_000,
});

export function resolveLimits(overrides: Partial<MessengerLimits> | undefined): MessengerLimits {
  const limits: MessengerLimits = { ...DEFAULT_MESSENGER_LIMITS, ...overrides };
  checkFrameLimits(limits);
  for (const key of ['maxInflightBytes', 'maxInflightRequests', 'maxInflightRecvBytes', 'maxQueuedOnewayBytes',
    'connectTimeoutMs', 'reconnectMinMs', 'reconnectMaxMs'] as const) {
    invariant(Number.isSafeInteger(limits[key]) && limits[key] > 0, `messenger limit ${key}=${limits[key]} must be a positive integer`);
  }
  invariant(limits.reconnectMinMs <= limits.reconnectMaxMs, 'reconnectMinMs <= reconnectMaxMs');
  return limits;
}
