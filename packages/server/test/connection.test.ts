// One link's request queue: its requests run one at a time, in order, and a long burst of them
// lets the rest of the server run between slices instead of holding the event loop to the end.

import { describe, expect, it } from 'vitest';
import { Connection } from '../src/gateway/connection.js';
import { InputBudget } from '../src/gateway/input-budget.js';
import type { TransportLink } from '../src/gateway/transport.js';

/** Work that keeps the CPU for `ms`, as a fan-out to many members does. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Spinning on purpose.
  }
}

describe('a link’s request queue', () => {
  it('runs a burst in order, and lets the event loop turn while it does', async () => {
    const budget = new InputBudget({ framesPerSec: 100, bytesPerSec: 1000 }, 1, 0);
    const conn = new Connection(
      {} as TransportLink,
      0,
      1000,
      (error) => {
        throw error;
      },
      budget,
    );
    const ran: string[] = [];
    for (let i = 0; i < 20; i++) {
      conn.enqueue(async () => {
        busy(5);
        ran.push(`task ${i}`);
      });
    }
    // Runs at the event loop's next turn: without slices, only after all 100 ms of the burst.
    setImmediate(() => ran.push('other work'));
    await conn.whenIdle();
    const other = ran.indexOf('other work');
    expect(other).toBeGreaterThan(0);
    expect(other).toBeLessThan(ran.length - 1);
    expect(ran.filter((r) => r !== 'other work')).toEqual(Array.from({ length: 20 }, (_, i) => `task ${i}`));
  });
});
