// Retry delays (docs/contract.md, "Reconnection"): an exponential ceiling from 250 ms to a 5 s
// cap, and full jitter under it on every retry: the delay is drawn uniformly from [0, ceiling].
// Clients that broke together (a server restart, a load balancer dropping every link) come back
// spread over the whole window from their first retry on, instead of in lockstep waves. The
// ceiling also stays within half the time the link has been down (never under 1 s): a short
// outage is retried briskly, so its members are back soon after it ends; only a long one backs
// off all the way to 5 s.

import { Defaults } from '@atrium/protocol';

/** The ceiling of retry number `attempt` (0 = the first retry): minMs · 2^attempt, capped. */
export function retryCeilingMs(attempt: number, minMs: number, maxMs: number): number {
  const safeAttempt = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  // 2^31 is far past any cap; bounding the exponent keeps the product finite.
  const exponential = minMs * 2 ** Math.min(safeAttempt, 31);
  return Math.min(Math.max(exponential, minMs), maxMs);
}

/**
 * The delay before retry number `attempt`: `rand` (a uniform draw in [0, 1)) of its ceiling, so it
 * lies in [0, ceiling].
 */
export function nextDelayMs(attempt: number, minMs: number, maxMs: number, rand: number): number {
  const r = Number.isFinite(rand) ? Math.min(Math.max(rand, 0), 1) : 0.5;
  return Math.round(retryCeilingMs(attempt, minMs, maxMs) * r);
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

/** The ceiling's bound during an outage: half its length so far, at least this. */
export const OUTAGE_CEILING_FLOOR_MS = 1_000;

/** The default policy: never gives up by itself; the login and reconnect windows end retrying. */
export function backoffPolicy(options: BackoffPolicyOptions = {}): ReconnectPolicy {
  const minMs = options.minMs ?? Defaults.backoffMinMs;
  const maxMs = options.maxMs ?? Defaults.backoffMaxMs;
  const random = options.random ?? Math.random;
  return {
    nextRetryDelayInMs: (context) => {
      const elapsed = Number.isFinite(context.elapsedMs) ? Math.max(0, context.elapsedMs) : 0;
      const outageCap = Math.max(OUTAGE_CEILING_FLOOR_MS, elapsed / 2);
      return nextDelayMs(context.retryCount, minMs, Math.max(minMs, Math.min(maxMs, outageCap)), random());
    },
  };
}
