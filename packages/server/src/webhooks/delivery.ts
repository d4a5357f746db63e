// Delivering webhook events to the business backend: POST JSON, signed per attempt, retried
// after each delay of `retryDelaysMs` (ZEGO: 2, 4, 8, 16, 32 s), in order per room — a room's
// next event waits until the one before it is delivered or given up — while other rooms flow.
// The queue is bounded, and shared fairly: a room may hold `maxQueuedPerRoom` events, beyond
// which its new ones are refused (dropped, logged, counted) rather than its old ones. When the
// whole queue is full, room after room opened and closed (one user walking through rooms, say)
// must not push out the events of rooms still open, so what gives way is, in this order: an
// event of a room lifetime already closed (its room_close last), else the newest event of the
// room holding the most, if it holds more than ROOM_FLOOR and more than the room asking, else
// the new event itself — so a room keeps its first ROOM_FLOOR events, and one room's churn can
// delay the others, never drop their events. At most
// `maxConcurrent` requests are in flight, taken by the rooms in turn (a room whose event was
// just answered goes to the back of the line); a room waiting out a retry delay holds no slot.
//
// A request is the receiver's to answer, not to steer: redirects are not followed (a 3xx is a
// failed attempt), at most RESPONSE_MAX_BYTES of an answer are read, and credentials in the
// URL go as an Authorization: Basic header. Every failed attempt is logged with its cause.

import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { WebhookEvent } from './events.js';
import { webhookSignature } from './signature.js';

export interface WebhookDeliveryOptions {
  url: string;
  secret: string;
  /** Delay before each retry; its length is the number of retries. */
  retryDelaysMs: readonly number[];
  /** One attempt's deadline. */
  timeoutMs: number;
  /** Events waiting (in flight included) beyond which new ones are refused. */
  maxQueued: number;
  /** Events one room may have waiting (in flight included). */
  maxQueuedPerRoom: number;
  maxConcurrent: number;
  /** Wall clock, ms (the signed timestamp). */
  now(): number;
  log: Logger;
  metrics: ServerMetrics;
  setTimer?: (fn: () => void, ms: number) => () => void;
}

/** ZEGO sends appid as a number in these two events and as a string in the others. */
const NUMERIC_APPID = new Set(['room_create', 'room_close']);
const DROP_LOG_EVERY_MS = 10_000;
/** Of an answer, only its status matters: this much of its body is read, the rest discarded. */
export const RESPONSE_MAX_BYTES = 64 * 1024;
/** Events of an open room a full queue never takes from it (room_create, room_login…). */
export const ROOM_FLOOR = 4;

/** The URL to POST to, without credentials, and the Authorization header they make. */
export function webhookTarget(url: string): { url: string; authorization?: string } {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return { url };
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  return { url: parsed.toString(), authorization };
}

/** Why an attempt failed, for the log: an HTTP status, a timeout, or the network error's code. */
type AttemptResult = { ok: true } | { ok: false; status?: number; cause: string };

/** What became of an event: delivered, given up after its retries, or never tried to the end. */
export type DeliveryOutcome = 'delivered' | 'gave_up' | 'dropped';

interface Queued {
  event: WebhookEvent;
  settle?: (outcome: DeliveryOutcome) => void;
}

interface RoomLine {
  key: string;
  items: Queued[];
  /** The first this many items belong to room lifetimes that have closed (a room_close among them). */
  closed: number;
  state: 'idle' | 'waiting' | 'sending' | 'backoff';
  /** Failed attempts of the head event. */
  failures: number;
  cancelBackoff?: () => void;
}

const defaultTimer = (fn: () => void, ms: number): (() => void) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

export class WebhookDelivery {
  private readonly lines = new Map<string, RoomLine>();
  /** The lines with events of closed room lifetimes (`closed` > 0): a full queue's first givers. */
  private readonly closedLines = new Set<RoomLine>();
  private readonly waiting: RoomLine[] = [];
  private readonly inFlight = new Set<AbortController>();
  private readonly setTimer: (fn: () => void, ms: number) => () => void;
  private readonly target: { url: string; authorization?: string };
  private sending = 0;
  private queued = 0;
  private closed = false;
  private dropsUnlogged = 0;
  private lastDropLogMs = Number.NEGATIVE_INFINITY;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: WebhookDeliveryOptions) {
    this.setTimer = o.setTimer ?? defaultTimer;
    this.target = webhookTarget(o.url);
  }

  /** Events waiting or in flight. */
  get depth(): number {
    return this.queued;
  }

  /** False when the event was dropped (queue full, or closing). */
  enqueue(event: WebhookEvent): boolean {
    return this.push({ event });
  }

  /**
   * Resolves with what became of the event (cluster mode waits for it before dequeuing). One not
   * sent is not counted as dropped: it stays queued in Redis, for this node later or another.
   */
  send(event: WebhookEvent): Promise<DeliveryOutcome> {
    return new Promise((settle) => {
      if (!this.push({ event, settle }, false)) settle('dropped');
    });
  }

  private push(item: Queued, countDrops = true): boolean {
    const { event } = item;
    if (this.closed) {
      if (countDrops) this.o.metrics.webhookDropped('closing');
      return false;
    }
    const key = `${event.room.appID} ${event.room.roomID}`;
    const held = this.lines.get(key)?.items.length ?? 0;
    if (held >= this.o.maxQueuedPerRoom || (this.queued >= this.o.maxQueued && !this.evictFor(held))) {
      if (countDrops) {
        this.o.metrics.webhookDropped(held >= this.o.maxQueuedPerRoom ? 'room_full' : 'queue_full');
        this.noteDrop();
      }
      return false;
    }
    let line = this.lines.get(key);
    if (line === undefined) {
      line = { key, items: [], closed: 0, state: 'idle', failures: 0 };
      this.lines.set(key, line);
    }
    line.items.push(item);
    this.queued++;
    if (event.event === 'room_close') {
      line.closed = line.items.length;
      this.closedLines.add(line);
    }
    if (line.state === 'idle') this.schedule(line);
    return true;
  }

  /**
   * The queue is full: something gives way for an event of a room holding `held`. First an event
   * of a closed room lifetime (room_close the last of them), else the newest of the room holding
   * the most, when it holds more than ROOM_FLOOR and more than `held` + 1. False when neither.
   */
  private evictFor(held: number): boolean {
    const closed = this.closedVictim();
    if (closed !== undefined) {
      this.dropAt(closed.line, closed.index);
      return true;
    }
    let fattest: RoomLine | undefined;
    for (const line of this.lines.values()) {
      if (fattest === undefined || line.items.length > fattest.items.length) fattest = line;
    }
    if (fattest === undefined || fattest.items.length <= Math.max(held + 1, ROOM_FLOOR)) return false;
    // The head may be in flight; the tail of a line of two or more never is.
    this.dropAt(fattest, fattest.items.length - 1);
    return true;
  }

  /** An event of a closed room lifetime not in flight: any but a room_close first. */
  private closedVictim(): { line: RoomLine; index: number } | undefined {
    let lastResort: { line: RoomLine; index: number } | undefined;
    for (const line of this.closedLines) {
      for (let i = line.state === 'sending' ? 1 : 0; i < line.closed; i++) {
        if (line.items[i]?.event.event !== 'room_close') return { line, index: i };
        lastResort ??= { line, index: i };
      }
    }
    return lastResort;
  }

  /** Drops a queued event not in flight; the line goes on with the rest (or ends when none). */
  private dropAt(line: RoomLine, index: number): void {
    const [dropped] = line.items.splice(index, 1);
    this.queued--;
    if (index < line.closed) line.closed--;
    if (line.closed === 0) this.closedLines.delete(line);
    if (dropped?.settle === undefined) this.o.metrics.webhookDropped('queue_full');
    else dropped.settle('dropped');
    if (index > 0) return;
    // The head went: the next one starts afresh (a backoff or a place in line carries over).
    line.failures = 0;
    if (line.items.length > 0) return;
    line.cancelBackoff?.();
    line.cancelBackoff = undefined;
    const waitingAt = this.waiting.indexOf(line);
    if (waitingAt >= 0) this.waiting.splice(waitingAt, 1);
    line.state = 'idle';
    this.lines.delete(line.key);
  }

  /**
   * Stops: waits up to `drainMs` for what is queued (retries included), then abandons the rest
   * (counted as dropped, reason closing) and aborts requests in flight.
   */
  async close(drainMs: number): Promise<void> {
    if (this.queued > 0 && drainMs > 0) {
      await new Promise<void>((resolve) => {
        const cancel = this.setTimer(resolve, drainMs);
        this.idleWaiters.push(() => {
          cancel();
          resolve();
        });
      });
    }
    this.closed = true;
    // Events sent for a durable queue (cluster mode) stay there; only the others are lost.
    let lost = 0;
    for (const line of this.lines.values()) {
      line.cancelBackoff?.();
      for (const item of line.items) {
        if (item.settle === undefined) lost++;
        else item.settle('dropped');
      }
    }
    for (const abort of this.inFlight) abort.abort();
    if (lost > 0) {
      this.o.metrics.webhookDropped('closing', lost);
      this.o.log.warn({ dropped: lost }, 'webhook events abandoned at shutdown');
    }
    this.lines.clear();
    this.closedLines.clear();
    this.waiting.length = 0;
    this.queued = 0;
  }

  private schedule(line: RoomLine): void {
    if (this.closed) return;
    // Rooms already waiting go first: a busy room must not keep the slot its last event freed.
    if (this.sending < this.o.maxConcurrent && this.waiting.length === 0) void this.attemptHead(line);
    else {
      line.state = 'waiting';
      this.waiting.push(line);
    }
  }

  private async attemptHead(line: RoomLine): Promise<void> {
    const event = line.items[0]?.event;
    if (event === undefined) return;
    line.state = 'sending';
    this.sending++;
    const result = await this.attempt(event);
    const delivered = result.ok;
    this.sending--;
    if (this.closed) return;
    this.o.metrics.webhookAttempt(delivered);
    if (!result.ok) {
      this.o.log.warn(
        {
          event: event.event,
          eventID: event.id,
          appID: event.room.appID,
          attempt: line.failures + 1,
          status: result.status,
          cause: result.cause,
        },
        'webhook attempt failed',
      );
    }
    if (delivered) {
      this.o.metrics.webhookDelivered(event.event);
      this.finishHead(line, 'delivered');
    } else if (line.failures < this.o.retryDelaysMs.length) {
      const delay = this.o.retryDelaysMs[line.failures] ?? 0;
      line.failures++;
      line.state = 'backoff';
      line.cancelBackoff = this.setTimer(() => {
        line.cancelBackoff = undefined;
        this.schedule(line);
      }, delay);
    } else {
      this.o.metrics.webhookDropped('gave_up');
      this.o.log.warn(
        { event: event.event, appID: event.room.appID, attempts: line.failures + 1 },
        'webhook event given up',
      );
      this.finishHead(line, 'gave_up');
    }
    this.pump();
  }

  private finishHead(line: RoomLine, outcome: DeliveryOutcome): void {
    line.items.shift()?.settle?.(outcome);
    line.failures = 0;
    this.queued--;
    if (line.closed > 0 && --line.closed === 0) this.closedLines.delete(line);
    if (line.items.length > 0) this.schedule(line);
    else {
      line.state = 'idle';
      this.lines.delete(line.key);
    }
    if (this.queued === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private pump(): void {
    while (this.sending < this.o.maxConcurrent) {
      const next = this.waiting.shift();
      if (next === undefined) return;
      void this.attemptHead(next);
    }
  }

  /** One signed POST; ok on a 2xx answer. */
  private async attempt(event: WebhookEvent): Promise<AttemptResult> {
    const timestamp = Math.floor(this.o.now() / 1000);
    const nonce = String(randomInt(1, 2 ** 47));
    const body = {
      event: event.event,
      appid: NUMERIC_APPID.has(event.event) ? event.room.appID : String(event.room.appID),
      timestamp,
      nonce,
      signature: webhookSignature(this.o.secret, timestamp, nonce),
      event_id: event.id,
      ...event.fields,
    };
    const abort = new AbortController();
    this.inFlight.add(abort);
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.target.authorization !== undefined) headers.authorization = this.target.authorization;
    try {
      const res = await fetch(this.target.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        // A redirect would re-post a signed event wherever the receiver points: not followed.
        redirect: 'manual',
        signal: AbortSignal.any([abort.signal, timeout]),
      });
      await discardBody(res);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      const cause = location === null ? `HTTP ${res.status}` : `HTTP ${res.status} redirect (not followed)`;
      return { ok: false, status: res.status, cause };
    } catch (error) {
      if (timeout.aborted) return { ok: false, cause: `timeout after ${this.o.timeoutMs} ms` };
      if (abort.signal.aborted) return { ok: false, cause: 'aborted at shutdown' };
      return { ok: false, cause: networkCause(error) };
    } finally {
      this.inFlight.delete(abort);
    }
  }

  /** A full queue can drop thousands a second: one log line per interval says how many. */
  private noteDrop(): void {
    this.dropsUnlogged++;
    const now = this.o.now();
    if (now - this.lastDropLogMs < DROP_LOG_EVERY_MS) return;
    this.o.log.warn(
      { dropped: this.dropsUnlogged, maxQueued: this.o.maxQueued },
      'webhook queue full: events dropped',
    );
    this.dropsUnlogged = 0;
    this.lastDropLogMs = now;
  }
}

/** Reads at most RESPONSE_MAX_BYTES of an answer and drops the connection's rest. */
async function discardBody(res: Response): Promise<void> {
  const reader = res.body?.getReader();
  if (reader === undefined) return;
  let read = 0;
  try {
    while (read <= RESPONSE_MAX_BYTES) {
      const chunk = await reader.read();
      if (chunk.done) return;
      read += chunk.value.byteLength;
    }
    await reader.cancel();
  } catch {
    // A body cut short changes nothing: the status is in.
  }
}

/** `ECONNREFUSED`, `ENOTFOUND`…: the code under fetch's generic "fetch failed". */
function networkCause(error: unknown): string {
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
