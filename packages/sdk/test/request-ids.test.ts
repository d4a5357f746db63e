// Request ids: the server applies a reliable send once per id and per user, and a user may run
// several engines, so each engine's ids start at its own random point below 2^40.

import { describe, expect, it } from 'vitest';
import { Requests } from '../src/requests.js';

describe('request ids', () => {
  it('start at the injected random point and count up by one', () => {
    const requests = new Requests(() => 0.5);
    expect(requests.nextId()).toBe(2 ** 39 + 1);
    expect(requests.nextId()).toBe(2 ** 39 + 2);
  });

  it('stay positive safe integers at both ends of the range', () => {
    expect(new Requests(() => 0).nextId()).toBe(1);
    const top = new Requests(() => 1 - Number.EPSILON).nextId();
    expect(top).toBeLessThanOrEqual(2 ** 40);
    expect(Number.isSafeInteger(top + 1e9)).toBe(true);
  });

  it('two engines of one user do not start at the same point', () => {
    const starts = new Set(Array.from({ length: 50 }, () => new Requests(Math.random).nextId()));
    expect(starts.size).toBe(50);
  });
});
