// Admission control for reconnect storms (docs/operations.md, "Reconnect storms"). When every
// member comes back at once (a node restarted, a load balancer dropped its links), serving the
// links in arrival order queues thousands of handshakes and resumes behind each other: the
// event loop falls behind, heartbeats go unread, a newcomer's login waits behind the wave, and
// clients give up on attempts the server is still serving, retrying on top of them. Instead,
// the server watches its own event-loop lag and the links still waiting for their first login
// or resume. Past the budget, a new link waits at the door, unanswered, and is let in as answers
// go out (entry-queue.ts); while that line moves too slowly, newcomers are told to come back
// later (`bye` with a `retryMs` drawn from a window that grows with the wave), so the wave is
// reshaped rather than queued without end. A link that declares a fresh login
// (`?intent=login`) goes in at once: it is one request, the wave is thousands. While members
// are kept out, grace periods stretch (see `graceFromMs`, by one grace period at most), so a
// member kept out still resumes.

import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

export interface AdmissionOptions {
  /** The event-loop lag (p99 over each period) the server aims to stay under. */
  lagBudgetMs: number;
  /**
   * Links that may wait for the answer to their first login or resume at once; 0 lets the server
   * find the number itself from its measured lag (it grows while the lag is under budget, halves
   * above).
   */
  maxPendingLinks: number;
  /**
   * How much longer a grace period may last because links were turned away: at most this long
   * past its normal end (the session grace period), so a stream of shed links cannot keep a
   * departed member in its rooms for ever.
   */
  maxGraceStretchMs: number;
}

/** What a new link says it comes for, from its URL's `intent` parameter. */
export type LinkIntent = 'login' | 'resume' | 'unknown';

/**
 * Let in or not. A link let in from the line (`waiting`) counts as waiting for its answer from
 * the moment it opens, so one answer going out lets one link in, not the whole line.
 */
export type Verdict = { admit: true; waiting?: true } | { admit: false; retryMs: number };

/** How often the lag is read and the automatic budget adjusted. */
export const ADMISSION_PERIOD_MS = 100;
/** The automatic budget's bounds and its start. */
const AUTO_MIN = 16;
const AUTO_MAX = 4096;
const AUTO_START = 256;
const AUTO_STEP = 32;
/** A shed link waits at least this long, plus its share of the window. */
const RETRY_MIN_MS = 100;
const WINDOW_MIN_MS = 250;
const WINDOW_MAX_MS = 10_000;
/**
 * The line is moving too slowly once the link at its head has waited this long: newcomers are
 * then turned away instead of joining it. Measured, not estimated from a rate (after a quiet
 * spell the rate reads near zero just when the wave arrives), and well inside the SDK's connect
 * timeout (8 s at least), so a client is not made to give up on an attempt about to be served.
 */
const MAX_HEAD_WAIT_MS = 1000;
const ADMIT: Verdict = { admit: true };
const ADMIT_WAITING: Verdict = { admit: true, waiting: true };

export function intentOf(url: string | undefined): LinkIntent {
  const query = url?.split('?')[1];
  const intent = query === undefined ? null : new URLSearchParams(query).get('intent');
  return intent === 'login' || intent === 'resume' ? intent : 'unknown';
}

export class Admission {
  /** p99 event-loop lag of the last period, ms. */
  lagMs = 0;
  /** Links that asked to log in or resume and have not had their answer yet. */
  pending = 0;
  /**
   * Monotonic ms until which the server has kept a member out: the end of the delay it gave the
   * last link shed, or the moment a link last waited in line or left it; -Infinity when none was.
   */
  keptOutUntilMs = Number.NEGATIVE_INFINITY;
  /** Links shed so far (a counter for metrics and benchmarks). */
  shedTotal = 0;
  /** Links made to wait in line at the door so far. */
  queuedTotal = 0;
  /**
   * Admitted links whose client went away before its first login or resume was answered: work
   * the server took on for nobody (a client that timed out and retried). Counted, for metrics.
   */
  abandonedTotal = 0;
  private cap: number;
  private readonly histogram: IntervalHistogram;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Links let in in the current period, and the per-second rate (smoothed). */
  private admittedNow = 0;
  private admitRate = 0;

  constructor(
    private readonly options: AdmissionOptions,
    private readonly monoNow: () => number,
    private readonly random: () => number = Math.random,
  ) {
    this.cap = options.maxPendingLinks > 0 ? options.maxPendingLinks : AUTO_START;
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
  }

  start(): void {
    this.histogram.enable();
    this.timer = setInterval(() => this.period(), ADMISSION_PERIOD_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  /** A new link from a transport without a door (it opens every link at once), before anything is written to it. */
  consider(intent: LinkIntent): Verdict {
    return intent !== 'login' && this.overloaded() ? this.shed(0) : this.letIn();
  }

  /**
   * A link at the door, held by the transport before its upgrade is answered (entry-queue.ts),
   * with `queued` others already in line, the first of them waiting for `headWaitMs`: let in
   * now, turned away, or `wait` in line. A fresh login is let in at once; the rest wait while the
   * server is behind, and are turned away to come back later while the line moves too slowly
   * (MAX_HEAD_WAIT_MS).
   */
  atDoor(intent: LinkIntent, queued: number, headWaitMs: number): Verdict | 'wait' {
    if (intent === 'login' || (queued === 0 && !this.overloaded())) return this.letIn();
    if (headWaitMs > MAX_HEAD_WAIT_MS) return this.shed(queued);
    this.keepOutUntil(this.monoNow());
    this.queuedTotal++;
    return 'wait';
  }

  /** Whether the next link in line may be let in now. */
  mayLetIn(): boolean {
    return !this.overloaded();
  }

  /**
   * A link is let in: at once, or (`fromLine`) from the line, and then the gateway counts it as
   * waiting for its answer as soon as it opens (`asked`), before the next one in line is looked at.
   */
  letIn(fromLine = false): Verdict {
    this.admittedNow++;
    if (!fromLine) return ADMIT;
    this.keepOutUntil(this.monoNow());
    return ADMIT_WAITING;
  }

  /**
   * An admitted link sent its first login or resume: it waits for its answer from now on. A link
   * that only sits there costs nothing here (the login deadline deals with it), so idle links
   * cannot fill the budget and lock the returning members out.
   */
  asked(): void {
    this.pending++;
  }

  /** A link that asked got the answer to its first login or resume, or (`abandoned`) went away without one. */
  served(abandoned = false): void {
    if (this.pending > 0) this.pending--;
    if (abandoned) this.abandonedTotal++;
  }

  /**
   * Where a detached session's grace period counts from: its detach, or the end of the last
   * keeping out (`keptOutUntilMs`) if that came later. A member the server kept out, or told to
   * come back in a few seconds, is not punished for it; a shed link told to wait longer than the
   * line then took to drain would otherwise come back to a session already ended.
   */
  graceFromMs(detachedAtMs: number): number {
    return Math.max(
      detachedAtMs,
      Math.min(this.keptOutUntilMs, detachedAtMs + this.options.maxGraceStretchMs),
    );
  }

  /** Test hook: take a lag reading as if a period had passed. */
  observe(lagMs: number): void {
    this.adjust(lagMs);
  }

  /**
   * Too many links waiting for their answer, or the loop lagging while some are: a lag spike with
   * nobody waiting (a GC, one heavy request) is not a storm, and turning a lone newcomer away for
   * it would only add an attempt.
   */
  private overloaded(): boolean {
    return this.pending >= this.cap || (this.pending > 0 && this.lagMs > 2 * this.options.lagBudgetMs);
  }

  /**
   * Spread over a window as long as the wave needs to get through at the rate links are being
   * served now, so the members shed together do not come back together.
   */
  private retryMs(queued: number): number {
    // The work ahead, not the links turned away: those count whoever knocks, and junk upgrades
    // would otherwise stretch every member's delay.
    const waiting = this.pending + queued;
    const windowMs = Math.min(
      WINDOW_MAX_MS,
      // Back within half a grace period, so the stretch (graceFromMs) always covers the wait.
      this.options.maxGraceStretchMs / 2,
      Math.max(WINDOW_MIN_MS, (1000 * waiting) / Math.max(this.admitRate, AUTO_MIN)),
    );
    return Math.round(RETRY_MIN_MS + this.random() * windowMs);
  }

  private shed(queued: number): Verdict {
    this.shedTotal++;
    const retryMs = this.retryMs(queued);
    this.keepOutUntil(this.monoNow() + retryMs);
    return { admit: false, retryMs };
  }

  private keepOutUntil(ms: number): void {
    if (ms > this.keptOutUntilMs) this.keptOutUntilMs = ms;
  }

  private period(): void {
    const lagMs = this.histogram.percentile(99) / 1e6;
    this.histogram.reset();
    this.adjust(Number.isFinite(lagMs) ? lagMs : 0);
  }

  private adjust(lagMs: number): void {
    this.lagMs = lagMs;
    const perSecond = 1000 / ADMISSION_PERIOD_MS;
    this.admitRate = 0.7 * this.admitRate + 0.3 * this.admittedNow * perSecond;
    this.admittedNow = 0;
    if (this.options.maxPendingLinks > 0) return;
    // Additive increase while the loop keeps up, multiplicative decrease when it falls behind.
    if (lagMs > this.options.lagBudgetMs) this.cap = Math.max(AUTO_MIN, Math.floor(this.cap / 2));
    else this.cap = Math.min(AUTO_MAX, this.cap + AUTO_STEP);
  }
}
