// Records every event an engine emits, in order, so tests await events instead of sleeping.

import { ROOM_EVENT_NAMES, type RoomEngine, type RoomEventName } from '../src/index.js';

const EVENTS = ROOM_EVENT_NAMES;

export interface Recorded {
  readonly event: RoomEventName;
  readonly args: readonly unknown[];
  readonly at: number;
}

type Waiter = { match: (r: Recorded) => boolean; resolve: (r: Recorded) => void };

export class Recorder {
  readonly all: Recorded[] = [];
  private waiters: Waiter[] = [];

  constructor(engine: RoomEngine) {
    for (const event of EVENTS) {
      const on = engine.on.bind(engine) as (e: string, cb: (...args: unknown[]) => void) => boolean;
      on(event, (...args) => this.push({ event, args, at: Date.now() }));
    }
  }

  private push(r: Recorded): void {
    this.all.push(r);
    const due = this.waiters.filter((w) => w.match(r));
    this.waiters = this.waiters.filter((w) => !due.includes(w));
    for (const w of due) w.resolve(r);
  }

  /** `reason:code` of a room's roomStateChanged events. */
  states(roomID: string): string[] {
    return this.of('roomStateChanged', roomID).map((a) => `${a[1]}:${a[2]}`);
  }

  of(event: RoomEventName, roomID?: string): (readonly unknown[])[] {
    return this.all
      .filter((r) => r.event === event && (roomID === undefined || r.args[0] === roomID))
      .map((r) => r.args);
  }

  /** Event names (with the reason for state changes) since `from`, for order checks. */
  names(from = 0): string[] {
    return this.all
      .slice(from)
      .filter((r) => r.event !== 'roomStateUpdate')
      .map((r) => (r.event === 'roomStateChanged' ? String(r.args[1]) : r.event));
  }

  mark(): number {
    return this.all.length;
  }

  /** The first matching event since `from` (already recorded, or still to come). */
  waitFor(
    event: RoomEventName,
    match: (args: readonly unknown[]) => boolean = () => true,
    { from = 0, timeoutMs = 5000 } = {},
  ): Promise<Recorded> {
    const pred = (r: Recorded) => r.event === event && match(r.args);
    const seen = this.all.slice(from).find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${event} within ${timeoutMs} ms; saw ${this.names().join(', ')}`));
      }, timeoutMs);
      const waiter: Waiter = {
        match: pred,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.waiters.push(waiter);
    });
  }

  waitForState(
    roomID: string,
    reason: string,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<Recorded> {
    return this.waitFor('roomStateChanged', (a) => a[0] === roomID && a[1] === reason, options);
  }
}

/** Resolves after `ms`; only for proving that nothing happens in a while. */
export const quietFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
