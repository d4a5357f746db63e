// Retry delays (docs/contract.md, "Reconnection"): exponential from 250 ms to a 5 s cap, with the
// jitter applied after the cap so that a storm of clients stuck at the cap still spreads out
// instead of retrying in lockstep.

import { Defaults } from '@atrium/protocol';

/** ± this share of the capped delay. */
export const JITTER_RATIO = 0.2;

/**
 * The delay before retry number `attempt` (0 = the first retry).
 * `rand` is a uniform draw in [0, 1); the result lies in [capped·0.8, capped·1.2].
 */
export function nextDelayMs(attempt: number, minMs: number, maxMs: number, rand: number): number {
  const safeAttempt = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  // 2^31 is far past any cap; bounding the exponent keeps the product finite.
  const exponential = minMs * 2 ** Math.min(safeAttempt, 31);
  const capped = Math.min(Math.max(exponential, minMs), maxMs);
  const r = Number.isFinite(rand) ? Math.min(Math.max(rand, 0), 1) : 0.5;
  return Math.round(capped * (1 - JITTER_RATIO + 2 * JITTER_RATIO * r));
}

/** What a retry policy is told before each retry (LiveKit's ReconnectContext, trimmed). */
export interface ReconnectContext {
  /** Retries already made since the link was last up (0 before the first retry). */
  readonly retryCount: number;
  /** Time since the link was lost, or since connecting started. */
  readonly elapsedMs: number;
  /** The URL the next attempt will use. */
  readonly serverUrl: string;
}

/** Injectable retry policy (LiveKit's ReconnectPolicy shape): a delay, or `null` to give up. */
export interface ReconnectPolicy {
  nextRetryDelayInMs(context: ReconnectContext): number | null;
}

export interface BackoffPolicyOptions {
  minMs?: number;
  maxMs?: number;
  random?: () => number;
}

/** The default policy: never gives up by itself; the login and reconnect windows end retrying. */
export function backoffPolicy(options: BackoffPolicyOptions = {}): ReconnectPolicy {
  const minMs = options.minMs ?? Defaults.backoffMinMs;
  const maxMs = options.maxMs ?? Defaults.backoffMaxMs;
  const random = options.random ?? Math.random;
  return {
    nextRetryDelayInMs: (context) => nextDelayMs(context.retryCount, minMs, maxMs, random()),
  };
}
