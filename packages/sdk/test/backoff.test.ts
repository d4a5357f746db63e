import { Defaults } from '@atrium/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffPolicy, JITTER_RATIO, nextDelayMs } from '../src/backoff.js';

const MIN = Defaults.backoffMinMs;
const MAX = Defaults.backoffMaxMs;

describe('nextDelayMs', () => {
  it('doubles from 250 ms to the 5 s cap (mid jitter)', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => nextDelayMs(a, MIN, MAX, 0.5))).toEqual([
      250, 500, 1000, 2000, 4000, 5000, 5000, 5000,
    ]);
  });

  it('applies the jitter after the cap: clients at the cap still spread over ±20%', () => {
    expect(nextDelayMs(30, MIN, MAX, 0)).toBe(4000);
    expect(nextDelayMs(30, MIN, MAX, 0.999999)).toBe(6000);
  });

  it('survives nonsense input', () => {
    expect(nextDelayMs(-3, MIN, MAX, 0.5)).toBe(250);
    expect(nextDelayMs(Number.NaN, MIN, MAX, 0.5)).toBe(250);
    expect(nextDelayMs(1e9, MIN, MAX, Number.NaN)).toBe(5000);
  });

  it('stays within [capped·(1−j), capped·(1+j)] and never shrinks as attempts grow (property)', () => {
    fc.assert(
      fc.property(
        fc.nat(100),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const capped = Math.min(MIN * 2 ** attempt, MAX);
          const d = nextDelayMs(attempt, MIN, MAX, r);
          expect(d).toBeGreaterThanOrEqual(Math.floor(capped * (1 - JITTER_RATIO)));
          expect(d).toBeLessThanOrEqual(Math.ceil(capped * (1 + JITTER_RATIO)));
          expect(nextDelayMs(attempt + 1, MIN, MAX, r)).toBeGreaterThanOrEqual(d);
        },
      ),
    );
  });

  it('gives distinct delays at the cap for distinct draws (no lockstep)', () => {
    const delays = new Set([0.1, 0.3, 0.5, 0.7, 0.9].map((r) => nextDelayMs(50, MIN, MAX, r)));
    expect(delays.size).toBe(5);
  });
});

describe('backoffPolicy', () => {
  it('uses retryCount and the injected random source, and never gives up by itself', () => {
    const policy = backoffPolicy({ minMs: 100, maxMs: 1000, random: () => 0.5 });
    const ctx = (retryCount: number) => ({ retryCount, elapsedMs: 1e9, serverUrl: 'ws://x' });
    expect(policy.nextRetryDelayInMs(ctx(0))).toBe(100);
    expect(policy.nextRetryDelayInMs(ctx(3))).toBe(800);
    expect(policy.nextRetryDelayInMs(ctx(9))).toBe(1000);
  });
});
