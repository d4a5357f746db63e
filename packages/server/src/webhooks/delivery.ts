// Delivering webhook events to the business backend: POST JSON, signed per attempt, retried
// after each delay of `retryDelaysMs` (ZEGO: 2, 4, 8, 16, 32 s), in order per room — a room's
// next event waits until the one before it is delivered or given up — while other rooms flow.
// The queue is bounded: when full, a new event is refused (dropped, logged, counted) rather
// than an old one, so what does arrive of a room is still its events in order, without holes
// in the middle. At most `maxConcurrent` requests are in flight; a room waiting out a retry
// delay holds no request slot.

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

/** What became of an event: delivered, given up after its retries, or never tried to the end. */
export type DeliveryOutcome = 'delivered' | 'gave_up' | 'dropped';

interface Queued {
  event: WebhookEvent;
  settle?: (outcome: DeliveryOutcome) => void;
}

interface RoomLine {
  key: string;
  items: Queued[];
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
  private readonly waiting: RoomLine[] = [];
  private readonly inFlight = new Set<AbortController>();
  private readonly setTimer: (fn: () => void, ms: number) => () => void;
  private sending = 0;
  private queued = 0;
  private closed = false;
  private dropsUnlogged = 0;
  private lastDropLogMs = Number.NEGATIVE_INFINITY;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: WebhookDeliveryOptions) {
    this.setTimer = o.setTimer ?? defaultTimer;
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
    if (this.queued >= this.o.maxQueued) {
      if (countDrops) {
        this.o.metrics.webhookDropped('queue_full');
        this.noteDrop();
      }
      return false;
    }
    const key = `${event.room.appID} ${event.room.roomID}`;
    let line = this.lines.get(key);
    if (line === undefined) {
      line = { key, items: [], state: 'idle', failures: 0 };
      this.lines.set(key, line);
    }
    line.items.push(item);
    this.queued++;
    if (line.state === 'idle') this.schedule(line);
    return true;
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
    this.waiting.length = 0;
    this.queued = 0;
  }

  private schedule(line: RoomLine): void {
    if (this.closed) return;
    if (this.sending < this.o.maxConcurrent) void this.attemptHead(line);
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
    const delivered = await this.attempt(event);
    this.sending--;
    if (this.closed) return;
    this.o.metrics.webhookAttempt(delivered);
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

  /** One signed POST; true on a 2xx answer. */
  private async attempt(event: WebhookEvent): Promise<boolean> {
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
    try {
      const res = await fetch(this.o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(this.o.timeoutMs)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
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
