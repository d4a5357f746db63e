// Records every event an engine emits, in order, and lets a test await the next one that
// matches — so tests wait on events, never on sleeps.

import { ROOM_EVENT_NAMES, type RoomEngine, type RoomEventName } from '@atrium/sdk';

export type { RoomEventName };

export interface Recorded {
  event: RoomEventName;
  args: unknown[];
  at: number;
}

type Waiter = { match: (r: Recorded) => boolean; resolve: (r: Recorded) => void; from: number };

export class Recorder {
  readonly all: Recorded[] = [];
  private waiters: Waiter[] = [];

  constructor(engine: RoomEngine) {
    for (const event of ROOM_EVENT_NAMES) {
      const cb = (...args: unknown[]) => this.push({ event, args, at: Date.now() });
      // The typed `on` wants each event's own signature; a recorder takes them all alike.
      (engine.on as (e: string, cb: (...a: unknown[]) => void) => boolean)(event, cb);
    }
  }

  private push(r: Recorded): void {
    this.all.push(r);
    const index = this.all.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (index >= w.from && w.match(r)) {
        w.resolve(r);
        return false;
      }
      return true;
    });
  }

  /** Events of one kind, optionally for one room. */
  of(event: RoomEventName, roomID?: string): unknown[][] {
    return this.all
      .filter((r) => r.event === event && (roomID === undefined || r.args[0] === roomID))
      .map((r) => r.args);
  }

  /** The `roomStateChanged` reasons of a room, in order, with their codes. */
  states(roomID: string): string[] {
    return this.of('roomStateChanged', roomID).map((a) => `${a[1]}:${a[2]}`);
  }

  /** Resolves with the first event (already recorded since `from`, or coming) that matches. */
  waitFor(
    event: RoomEventName,
    match: (args: unknown[]) => boolean = () => true,
    { timeoutMs = 10_000, from = 0 } = {},
  ): Promise<unknown[]> {
    const pred = (r: Recorded) => r.event === event && match(r.args);
    const seen = this.all.slice(from).find(pred);
    if (seen) return Promise.resolve(seen.args);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${event}; saw ${this.describe()}`));
      }, timeoutMs);
      const waiter: Waiter = {
        match: pred,
        from,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r.args);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Waits for a room's state to reach `reason`. */
  waitForState(roomID: string, reason: string, opts?: { timeoutMs?: number; from?: number }) {
    return this.waitFor('roomStateChanged', (a) => a[0] === roomID && a[1] === reason, opts);
  }

  /** A mark to pass as `from`: only events after this point count. */
  mark(): number {
    return this.all.length;
  }

  describe(): string {
    return this.all
      .slice(-15)
      .map((r) => `${r.event}(${JSON.stringify(r.args).slice(0, 120)})`)
      .join(', ');
  }
}
