// The line at the door (gateway/entry-queue.ts) with admission's budget fixed: who goes in at
// once, who waits and in what order, how much is let in per turn, what happens to a client that
// leaves while in line, and when a line is too long to wait in.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Admission } from '../src/gateway/admission.js';
import { EntryQueue, MAX_HOLD_MS, SLICE_MS } from '../src/gateway/entry-queue.js';
import type { Door, LinkRequest } from '../src/gateway/transport.js';

interface TestDoor extends Door {
  entered: number;
  dropped: number;
  leave(): void;
}

/** A link at the door; going in, it opens as the gateway opens one (`opened`). */
function door(order?: string[], name?: string, opened?: () => void): TestDoor {
  let gone: (() => void) | undefined;
  const d: TestDoor = {
    entered: 0,
    dropped: 0,
    drop() {
      d.dropped++;
      gone?.();
    },
    enter() {
      d.entered++;
      if (order !== undefined && name !== undefined) order.push(name);
      opened?.();
    },
    onGone(fn) {
      gone = fn;
    },
    leave() {
      gone?.();
    },
  };
  return d;
}

const resume = (): LinkRequest => ({ url: '/ws?intent=resume' });

let admission: Admission;
let clockMs = 0;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate', 'setInterval'] });
  clockMs = 0;
  admission = new Admission({ lagBudgetMs: 50, maxPendingLinks: 2, maxGraceStretchMs: 30_000 }, () => 1000);
});
afterEach(() => {
  admission.stop();
  vi.useRealTimers();
});

/** Fills admission's budget (2 links waiting for their answer). */
function fill(): void {
  admission.asked();
  admission.asked();
}

describe('EntryQueue', () => {
  it('lets a link in at once while the server keeps up, and tells the gateway so once', () => {
    const queue = new EntryQueue(admission, () => clockMs);
    const d = door();
    const request = resume();
    queue.knock(request, d);
    expect(d.entered).toBe(1);
    expect(queue.decided(request)).toEqual({ admit: true });
    expect(queue.decided(request)).toBeUndefined();
  });

  it('while the server is behind, returning links wait in line and go in oldest first as answers go out; a fresh login goes in at once', () => {
    const queue = new EntryQueue(admission, () => clockMs);
    fill();
    const order: string[] = [];
    const doors = ['a', 'b', 'c'].map((name) => {
      const request = resume();
      // As the gateway does: a link let in from the line waits for its answer from its opening.
      const d = door(order, name, () => {
        const verdict = queue.decided(request);
        if (verdict?.admit === true && verdict.waiting === true) admission.asked();
      });
      queue.knock(request, d);
      return d;
    });
    const login = door(order, 'login');
    queue.knock({ url: '/ws?intent=login' }, login);
    expect(order).toEqual(['login']);
    expect(queue.size).toBe(3);
    // Members kept waiting are not punished for it: a grace period counts from their wait.
    expect(admission.graceFromMs(0)).toBe(1000);
    vi.advanceTimersByTime(50);
    expect(order).toEqual(['login']);
    // One answer goes out: the oldest goes in (only it: it waits for its answer from then on).
    admission.served();
    vi.advanceTimersByTime(10);
    expect(order).toEqual(['login', 'a']);
    expect(admission.pending).toBe(2);
    admission.served();
    admission.served();
    vi.advanceTimersByTime(10);
    expect(order).toEqual(['login', 'a', 'b', 'c']);
    expect(doors.map((d) => d.entered)).toEqual([1, 1, 1]);
    expect(queue.size).toBe(0);
  });

  it('a client that leaves while in line is never let in, and is counted', () => {
    const queue = new EntryQueue(admission, () => clockMs);
    fill();
    const a = door();
    const b = door();
    queue.knock(resume(), a);
    queue.knock(resume(), b);
    a.leave();
    expect(queue.size).toBe(1);
    expect(queue.leftTotal).toBe(1);
    admission.served();
    admission.served();
    vi.advanceTimersByTime(10);
    expect(a.entered).toBe(0);
    expect(b.entered).toBe(1);
  });

  it(`a link held ${MAX_HOLD_MS} ms without being let in is dropped unanswered (one gone silent is not held for ever)`, () => {
    const queue = new EntryQueue(admission, () => clockMs);
    fill();
    const old = door();
    queue.knock(resume(), old);
    clockMs = 500;
    const young = door();
    queue.knock(resume(), young);
    clockMs = MAX_HOLD_MS + 1;
    vi.advanceTimersByTime(10);
    expect(old.dropped).toBe(1);
    expect(young.dropped).toBe(0);
    expect(queue.size).toBe(1);
    expect(queue.droppedTotal).toBe(1);
  });

  it(`lets links in for at most ${SLICE_MS} ms of a turn, then yields to the event loop`, () => {
    const wide = new Admission({ lagBudgetMs: 50, maxPendingLinks: 1000, maxGraceStretchMs: 1 }, () => 1000);
    const wideQueue = new EntryQueue(wide, () => clockMs);
    // The line forms while the server is behind (one link waits for its answer, the lag is high).
    wide.asked();
    wide.observe(1000);
    const doors: TestDoor[] = [];
    for (let i = 0; i < 20; i++) {
      const d = door();
      // Each upgrade takes 1 ms of the turn.
      d.enter = () => {
        d.entered++;
        clockMs += 1;
      };
      doors.push(d);
      wideQueue.knock(resume(), d);
    }
    expect(wideQueue.size).toBe(20);
    wide.observe(0);
    vi.advanceTimersToNextTimer();
    expect(doors.filter((d) => d.entered === 1).length).toBe(SLICE_MS);
    vi.advanceTimersToNextTimer();
    expect(doors.filter((d) => d.entered === 1).length).toBe(2 * SLICE_MS);
    vi.advanceTimersByTime(100);
    expect(wideQueue.size).toBe(0);
    wide.stop();
  });

  it('while the line moves too slowly (its head has waited over a second), newcomers are turned away with a retry delay; they are let in to be told so', () => {
    const queue = new EntryQueue(admission, () => clockMs);
    fill();
    const knock = () => {
      const request = resume();
      queue.knock(request, door());
      return queue.decided(request);
    };
    for (let i = 0; i < 100; i++) expect(knock()).toBeUndefined();
    clockMs = 1000;
    expect(knock()).toBeUndefined();
    clockMs = 1001;
    const shed = knock();
    expect(shed).toMatchObject({ admit: false });
    // Within half a grace period (the stretch covers it), after at least 100 ms.
    const retryMs = (shed as { retryMs: number }).retryMs;
    expect(retryMs).toBeGreaterThanOrEqual(100);
    expect(retryMs).toBeLessThanOrEqual(100 + 15_000);
    expect(queue.size).toBe(101);
    expect(admission.shedTotal).toBe(1);
    expect(admission.queuedTotal).toBe(101);
  });
});
