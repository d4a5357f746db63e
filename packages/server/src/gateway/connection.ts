// One WebSocket link on this server: its heartbeat deadline, its current session and the
// queue that runs its requests one at a time, in arrival order (so one sender's broadcasts
// stay in order and a login cannot race another login of the same session).

import type { Session, SessionSlot } from '../rooms/session.js';
import type { InputBudget } from './input-budget.js';
import type { TransportLink } from './transport.js';

type Task = () => Promise<void>;

/** How long one link's queued requests run before the server turns to the others. */
const SLICE_MS = 20;

export class Connection implements SessionSlot {
  session: Session | undefined;
  /** Monotonic ms of the last frame received. */
  lastFrameAtMs: number;
  closed = false;
  /** Sent its first login or resume. */
  asked = false;
  /** …and waits for its answer (admission counts it). */
  waiting = false;
  /** What the link may still send; replaced by the larger budget once it has a session. */
  budget: InputBudget;
  budgetLoggedIn = false;
  /** Monotonic ms since when the link has had no session (undefined: it has one). */
  sessionlessSinceMs: number | undefined;
  /** Reading resumes then, after a pause for sending too fast. */
  resumeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly tasks: Task[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly link: TransportLink,
    nowMs: number,
    private readonly maxQueued: number,
    private readonly onTaskError: (error: unknown) => void,
    budget: InputBudget,
  ) {
    this.lastFrameAtMs = nowMs;
    this.sessionlessSinceMs = nowMs;
    this.budget = budget;
  }

  /** A request is running or waiting. */
  get busy(): boolean {
    return this.running || this.tasks.length > 0;
  }

  /** Runs `task` after the ones queued before it; false when the queue is full. */
  enqueue(task: Task, force = false): boolean {
    if (!force && this.tasks.length >= this.maxQueued) return false;
    this.tasks.push(task);
    if (!this.running) void this.drain();
    return true;
  }

  /** Resolves once every queued task has run. */
  whenIdle(): Promise<void> {
    if (!this.running && this.tasks.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    this.running = true;
    let sliceStart = performance.now();
    for (let task = this.tasks.shift(); task !== undefined; task = this.tasks.shift()) {
      try {
        await task();
      } catch (error) {
        this.onTaskError(error);
      }
      // A burst of requests on one link lets the rest of the server run every slice: the other
      // links' frames are read and the timers fire meanwhile, instead of after the whole burst.
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
