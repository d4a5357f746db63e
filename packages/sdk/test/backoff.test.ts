import { Defaults } from '@atrium/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffPolicy, nextDelayMs, retryCeilingMs } from '../src/backoff.js';

const MIN = Defaults.backoffMinMs;
const MAX = Defaults.backoffMaxMs;

describe('nextDelayMs', () => {
  it('draws under a ceiling that doubles from 250 ms to the 5 s cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => retryCeilingMs(a, MIN, MAX))).toEqual([
      250, 500, 1000, 2000, 4000, 5000, 5000, 5000,
    ]);
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => nextDelayMs(a, MIN, MAX, 0.5))).toEqual([
      125, 250, 500, 1000, 2000, 2500, 2500, 2500,
    ]);
  });

  it('full jitter on every retry, the first included: the whole window [0, ceiling] is used', () => {
    expect(nextDelayMs(0, MIN, MAX, 0)).toBe(0);
    expect(nextDelayMs(0, MIN, MAX, 0.999999)).toBe(250);
    expect(nextDelayMs(30, MIN, MAX, 0)).toBe(0);
    expect(nextDelayMs(30, MIN, MAX, 0.999999)).toBe(5000);
  });

  it('survives nonsense input', () => {
    expect(nextDelayMs(-3, MIN, MAX, 0.5)).toBe(125);
    expect(nextDelayMs(Number.NaN, MIN, MAX, 0.5)).toBe(125);
    expect(nextDelayMs(1e9, MIN, MAX, Number.NaN)).toBe(2500);
  });

  it('stays within [0, ceiling], and the ceiling never shrinks as attempts grow (property)', () => {
    fc.assert(
      fc.property(
        fc.nat(100),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const ceiling = retryCeilingMs(attempt, MIN, MAX);
          const d = nextDelayMs(attempt, MIN, MAX, r);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(ceiling);
          expect(retryCeilingMs(attempt + 1, MIN, MAX)).toBeGreaterThanOrEqual(ceiling);
        },
      ),
    );
  });

  it('a cohort that broke together spreads over the window from the first retry (no lockstep)', () => {
    // 1000 clients' first retries, with evenly spread draws: no 25 ms slice holds more than 1/8 of them.
    const first = Array.from({ length: 1000 }, (_, i) => nextDelayMs(0, MIN, MAX, i / 1000));
    const slices = new Map<number, number>();
    for (const d of first) slices.set(Math.floor(d / 25), (slices.get(Math.floor(d / 25)) ?? 0) + 1);
    expect(Math.max(...slices.values())).toBeLessThanOrEqual(125);
    expect(new Set(first).size).toBeGreaterThan(200);
  });
});

describe('backoffPolicy', () => {
  it('keeps the ceiling within half the outage so far (at least 1 s): a short outage is retried briskly', () => {
    const policy = backoffPolicy({ random: () => 0.999999 });
    const delay = (retryCount: number, elapsedMs: number) =>
      policy.nextRetryDelayInMs({ retryCount, elapsedMs, serverUrl: 'ws://x' });
    expect(delay(0, 0)).toBe(250);
    expect(delay(5, 500)).toBe(1000); // 2 s outage-so-far or less: at most 1 s
    expect(delay(5, 3000)).toBe(1500);
    expect(delay(5, 8000)).toBe(4000);
    expect(delay(5, 60_000)).toBe(5000); // a long one backs off to the 5 s cap
    expect(delay(5, Number.NaN)).toBe(1000);
  });

  it('uses retryCount and the injected random source, and never gives up by itself', () => {
    const policy = backoffPolicy({ minMs: 100, maxMs: 1000, random: () => 0.5 });
    const ctx = (retryCount: number) => ({ retryCount, elapsedMs: 1e9, serverUrl: 'ws://x' });
    expect(policy.nextRetryDelayInMs(ctx(0))).toBe(50);
    expect(policy.nextRetryDelayInMs(ctx(3))).toBe(400);
    expect(policy.nextRetryDelayInMs(ctx(9))).toBe(500);
  });
});
