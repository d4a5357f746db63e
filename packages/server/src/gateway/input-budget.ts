// What one link may send, checked before it is parsed: two token buckets, one of messages (and
// WebSocket pings) and one of bytes as they are read from the socket — so a message trickling in
// toward the payload cap is charged as it comes, not once whole — each holding two seconds' worth. A link that runs a bucket dry is
// paused (its socket is not read) until the bucket has refilled; one that runs it dry again and
// again without ever letting it fill up, or that is deep in debt already (a whole socket read of
// tiny frames), is closed. Links that have not logged in get a far smaller budget.

export interface InputRates {
  framesPerSec: number;
  bytesPerSec: number;
}

/** How many pauses in a row a link may earn before it is closed. */
export const MAX_STRIKES = { loggedIn: 10, beforeLogin: 3 } as const;

/** What to do with the link after a message. */
export type InputVerdict = { kind: 'ok' } | { kind: 'pause'; ms: number } | { kind: 'close' };

const OK: InputVerdict = { kind: 'ok' };
const CLOSE: InputVerdict = { kind: 'close' };
const BURST_SECONDS = 2;

class Bucket {
  readonly capacity: number;
  tokens: number;

  constructor(readonly perSec: number) {
    this.capacity = perSec * BURST_SECONDS;
    this.tokens = this.capacity;
  }

  refill(elapsedMs: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.perSec) / 1000);
  }

  /** Ms until the bucket holds a quarter of its capacity again. */
  msToRecover(): number {
    return Math.ceil(((this.capacity / 4 - this.tokens) * 1000) / this.perSec);
  }
}

export class InputBudget {
  private readonly frames: Bucket;
  private readonly bytes: Bucket;
  private lastMs: number;
  private strikes = 0;
  private pausedUntilMs = 0;

  constructor(
    rates: InputRates,
    private readonly maxStrikes: number,
    nowMs: number,
  ) {
    this.frames = new Bucket(rates.framesPerSec);
    this.bytes = new Bucket(rates.bytesPerSec);
    this.lastMs = nowMs;
  }

  /** Charges `frames` messages and `bytes` read from the socket. */
  take(frames: number, bytes: number, nowMs: number): InputVerdict {
    const elapsed = nowMs - this.lastMs;
    this.lastMs = nowMs;
    this.frames.refill(elapsed);
    this.bytes.refill(elapsed);
    // A link that let its budget fill up again is forgiven its earlier pauses.
    if (this.frames.tokens >= this.frames.capacity && this.bytes.tokens >= this.bytes.capacity)
      this.strikes = 0;
    this.frames.tokens -= frames;
    this.bytes.tokens -= bytes;
    if (this.frames.tokens >= 0 && this.bytes.tokens >= 0) return OK;
    if (this.frames.tokens < -this.frames.capacity || this.bytes.tokens < -this.bytes.capacity) return CLOSE;
    // Frames read from the socket before the pause took hold add to the debt, not to the strikes.
    if (nowMs < this.pausedUntilMs) return OK;
    this.strikes++;
    if (this.strikes > this.maxStrikes) return CLOSE;
    const ms = Math.max(this.frames.msToRecover(), this.bytes.msToRecover(), 1);
    this.pausedUntilMs = nowMs + ms;
    return { kind: 'pause', ms };
  }
}

/** A link's side of its budget: which budget it is on, and the timer that ends a pause. */
export interface BudgetHolder {
  readonly session: unknown;
  readonly closed: boolean;
  budget: InputBudget;
  budgetLoggedIn: boolean;
  resumeTimer: ReturnType<typeof setTimeout> | undefined;
  readonly link: { pause(): void; resume(): void };
}

export interface BudgetRates {
  loggedIn: InputRates;
  beforeLogin: InputRates;
}

/** The budget a new link starts on. */
export function budgetBeforeLogin(rates: BudgetRates, nowMs: number): InputBudget {
  return new InputBudget(rates.beforeLogin, MAX_STRIKES.beforeLogin, nowMs);
}

/**
 * Charges what `holder`'s link read: moves it to the larger budget once it has a session, pauses
 * its reading when it is over (resumed by a timer). The verdict says what was done, or that the
 * link must be closed.
 */
export function charge(
  holder: BudgetHolder,
  rates: BudgetRates,
  frames: number,
  bytes: number,
  nowMs: number,
): InputVerdict {
  if (!holder.budgetLoggedIn && holder.session !== undefined) {
    holder.budgetLoggedIn = true;
    holder.budget = new InputBudget(rates.loggedIn, MAX_STRIKES.loggedIn, nowMs);
  }
  const verdict = holder.budget.take(frames, bytes, nowMs);
  if (verdict.kind !== 'pause') return verdict;
  holder.link.pause();
  if (holder.resumeTimer !== undefined) clearTimeout(holder.resumeTimer);
  holder.resumeTimer = setTimeout(() => {
    holder.resumeTimer = undefined;
    if (!holder.closed) holder.link.resume();
  }, verdict.ms);
  return verdict;
}
