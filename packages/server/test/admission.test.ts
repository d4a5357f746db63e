// Admission control's rules with the lag handed in: who gets in, how long the others are told to
// wait, how the automatic budget moves, and where a grace period counts from.
import { afterEach, describe, expect, it } from 'vitest';
import { Admission, intentOf } from '../src/gateway/admission.js';

let admission: Admission | undefined;
afterEach(() => admission?.stop());

function make(maxPendingLinks: number, random = () => 0.5, now = () => 1000) {
  admission = new Admission({ lagBudgetMs: 50, maxPendingLinks, maxGraceStretchMs: 30_000 }, now, random);
  return admission;
}

describe('Admission', () => {
  it('reads the intent from the link URL', () => {
    expect(intentOf('/ws?intent=login')).toBe('login');
    expect(intentOf('/ws?x=1&intent=resume')).toBe('resume');
    expect(intentOf('/ws')).toBe('unknown');
    expect(intentOf('/ws?intent=admin')).toBe('unknown');
    expect(intentOf(undefined)).toBe('unknown');
  });

  it('admits up to the budget of links waiting for their answer, then sheds until one is served', () => {
    const a = make(3);
    for (let i = 0; i < 3; i++) {
      expect(a.consider('resume')).toEqual({ admit: true });
      a.asked();
    }
    const shed = a.consider('resume');
    expect(shed.admit).toBe(false);
    expect(a.consider('unknown').admit).toBe(false);
    expect(a.shedTotal).toBe(2);
    a.served();
    expect(a.consider('resume')).toEqual({ admit: true });
    a.asked();
    // A link whose client left before its answer frees its place too, and is counted.
    a.served(true);
    expect(a.abandonedTotal).toBe(1);
    expect(a.consider('resume')).toEqual({ admit: true });
  });

  it('links that never ask (idle, never logging in) take no place: they cannot lock the returning members out', () => {
    const a = make(3);
    for (let i = 0; i < 1000; i++) expect(a.consider('login')).toEqual({ admit: true });
    expect(a.pending).toBe(0);
    expect(a.consider('resume')).toEqual({ admit: true });
  });

  it('a fresh login is admitted however far behind the server is', () => {
    const a = make(1);
    a.consider('resume');
    a.asked();
    a.observe(10_000);
    expect(a.consider('resume').admit).toBe(false);
    expect(a.consider('login')).toEqual({ admit: true });
  });

  it('sheds on lag past twice the budget while links wait for their answer, not on a lag spike alone', () => {
    const a = make(1000);
    a.observe(101);
    expect(a.consider('resume').admit).toBe(true);
    a.asked();
    expect(a.consider('resume').admit).toBe(false);
    a.observe(20);
    expect(a.consider('resume').admit).toBe(true);
  });

  it('spreads the shed over a window of at least 250 ms after a 100 ms floor, longer as the work ahead grows', () => {
    const draws = [0, 0.999];
    const a = make(1, () => draws.shift() ?? 0.5);
    a.consider('resume');
    a.asked();
    const first = a.consider('resume');
    const second = a.consider('resume');
    if (first.admit || second.admit) throw new Error('expected shedding');
    expect(first.retryMs).toBe(100);
    expect(second.retryMs).toBeGreaterThanOrEqual(349);
    // Links turned away do not widen it (they count whoever knocks: junk would stretch every
    // member's delay)...
    for (let i = 0; i < 2000; i++) a.consider('resume');
    a.observe(10);
    const afterJunk = a.consider('resume');
    if (afterJunk.admit) throw new Error('expected shedding');
    expect(afterJunk.retryMs).toBeLessThanOrEqual(350);
    // ...the work ahead does: a long line at the door, up to 10 s (or half a grace period).
    const later = a.atDoor('resume', 2000, 1001);
    if (later === 'wait' || later.admit) throw new Error('expected shedding');
    expect(later.retryMs).toBeGreaterThan(5_000);
    expect(later.retryMs).toBeLessThanOrEqual(10_100);
  });

  it('the automatic budget halves when the loop lags and grows back while it keeps up', () => {
    const a = make(0);
    const fill = () => {
      let admitted = 0;
      while (a.consider('resume').admit) {
        a.asked();
        admitted++;
      }
      for (let i = 0; i < admitted; i++) a.served();
      return admitted;
    };
    expect(fill()).toBe(256);
    a.observe(80); // over the 50 ms budget, under twice it
    expect(fill()).toBe(128);
    for (let i = 0; i < 10; i++) a.observe(5);
    expect(fill()).toBe(128 + 10 * 32);
  });

  it('a grace period counts from the end of the retry delay the last link shed was given, stretched one grace period at most', () => {
    let now = 1000;
    const a = make(
      1,
      () => 0.5,
      () => now,
    );
    expect(a.graceFromMs(900)).toBe(900);
    a.consider('resume');
    a.asked();
    now = 5000;
    const shed = a.consider('resume');
    if (shed.admit) throw new Error('not shed');
    // A member told to come back in retryMs may be the last to come: its grace covers the wait.
    expect(a.graceFromMs(900)).toBe(5000 + shed.retryMs);
    expect(a.graceFromMs(9000)).toBe(9000);
    // Links shed for ever after do not keep a departed member for ever.
    now = 100_000;
    a.consider('resume');
    expect(a.graceFromMs(900)).toBe(900 + 30_000);
  });
});
