// Prometheus metrics of one server (GET /metrics). Each server has its own Registry, never the
// global one, so several servers in one process (tests, benchmarks) keep separate counts.
// Gauges that mirror live state read it at scrape time instead of being kept in step.

import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { BackendMessage } from '../backend/types.js';

/** How a `resume` request ended. */
export type ResumeOutcome =
  /** Every room replayed from the client's seq. */
  | 'replayed'
  /** Resumed, but at least one room answered with a fresh snapshot instead. */
  | 'snapshot'
  /** No such session (grace over, server restarted), a wrong key, or kicked meanwhile. */
  | 'refused';

/** Why a webhook event did not reach the business backend. */
export type WebhookDropReason = 'queue_full' | 'room_full' | 'gave_up' | 'closing';

/** What the metrics read at scrape time. */
export interface MetricSources {
  links(): number;
  sessions(): number;
  /** Rooms with at least one member held by this server. */
  rooms(): number;
  /** Memberships held by this server. */
  members(): number;
  webhookQueueDepth(): number;
  /** Admission control: the event-loop lag it reads, links waiting for answers or in line, and its counters. */
  admission?(): AdmissionReading;
}

export interface AdmissionReading {
  lagMs: number;
  /** Links let in and waiting for the answer to their first login or resume. */
  pending: number;
  /** Links held at the door, in line, now. */
  waiting: number;
  shed: number;
  abandoned: number;
  /** Links made to wait in line, and those that left it unserved (client gone, or held too long). */
  queued: number;
  left: number;
}

const NO_ADMISSION: AdmissionReading = {
  lagMs: 0,
  pending: 0,
  waiting: 0,
  shed: 0,
  abandoned: 0,
  queued: 0,
  left: 0,
};

export interface ServerMetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event loop, GC); they cannot be torn down. */
  processMetrics?: boolean;
}

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly logins: Counter<'code'>;
  private readonly kicks: Counter<'code'>;
  private readonly resumes: Counter<'outcome'>;
  private readonly frames: Counter;
  private readonly roomMessages: Counter<'kind'>;
  private readonly adminRequests: Counter<'action' | 'code'>;
  private readonly delivered: Counter<'event'>;
  private readonly attempts: Counter<'result'>;
  private readonly dropped: Counter<'reason'>;
  private readonly limitedTotal: Counter<'limit'>;

  constructor(sources: MetricSources, options: ServerMetricsOptions = {}) {
    const admissionOf = () => sources.admission?.() ?? NO_ADMISSION;
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('atrium_links', 'Open WebSocket links.', () => sources.links());
    gauge('atrium_sessions', 'Sessions held by this server (including those waiting to be resumed).', () =>
      sources.sessions(),
    );
    gauge('atrium_rooms', 'Rooms with at least one member held by this server.', () => sources.rooms());
    gauge(
      'atrium_event_loop_lag_ms',
      'Event-loop lag (p99 of the last 100 ms), as admission control reads it.',
      () => admissionOf().lagMs,
    );
    gauge(
      'atrium_admission_pending_links',
      'Links admitted and waiting for their first login or resume.',
      () => admissionOf().pending,
    );
    gauge(
      'atrium_admission_waiting_links',
      'New links held at the door, in line to be let in, while the server is behind.',
      () => admissionOf().waiting,
    );
    const counter = (name: string, help: string, read: () => number) => {
      let seen = 0;
      return new Counter({
        name,
        help,
        registers,
        collect() {
          const now = read();
          this.inc(now - seen);
          seen = now;
        },
      });
    };
    counter(
      'atrium_admission_shed_total',
      'New links told to come back later (bye with retryMs) while the server was behind.',
      () => admissionOf().shed,
    );
    counter(
      'atrium_admission_abandoned_total',
      'Admitted links closed by their client before their first login or resume was answered.',
      () => admissionOf().abandoned,
    );
    counter(
      'atrium_admission_queued_total',
      'New links made to wait in line at the door before being let in.',
      () => admissionOf().queued,
    );
    counter(
      'atrium_admission_left_total',
      'Links that left the line unserved: their client went away, or they were held too long and dropped.',
      () => admissionOf().left,
    );
    gauge('atrium_room_members', 'Room memberships held by this server.', () => sources.members());
    gauge('atrium_webhook_queue_depth', 'Webhook events waiting to be delivered (in flight included).', () =>
      sources.webhookQueueDepth(),
    );
    this.logins = new Counter({
      name: 'atrium_logins_total',
      help: 'Login and switch requests by result code (0 = success).',
      labelNames: ['code'],
      registers,
    });
    this.kicks = new Counter({
      name: 'atrium_kicks_total',
      help: 'Sessions of this server removed from a room by a kick, by code.',
      labelNames: ['code'],
      registers,
    });
    this.resumes = new Counter({
      name: 'atrium_resumes_total',
      help: 'Resume requests by outcome (replayed, snapshot, refused).',
      labelNames: ['outcome'],
      registers,
    });
    this.frames = new Counter({
      name: 'atrium_frames_delivered_total',
      help: 'Frames written to links (a fan-out counts once per recipient).',
      registers,
    });
    this.roomMessages = new Counter({
      name: 'atrium_room_messages_total',
      help: 'Messages sent into rooms by kind (bcast, barrage, cmd), from members and the admin API.',
      labelNames: ['kind'],
      registers,
    });
    this.adminRequests = new Counter({
      name: 'atrium_admin_requests_total',
      help: 'Admin API requests by action and reply Code.',
      labelNames: ['action', 'code'],
      registers,
    });
    this.delivered = new Counter({
      name: 'atrium_webhooks_delivered_total',
      help: 'Webhook events the business backend accepted (2xx), by event.',
      labelNames: ['event'],
      registers,
    });
    this.attempts = new Counter({
      name: 'atrium_webhook_attempts_total',
      help: 'Webhook HTTP attempts by result (ok, error).',
      labelNames: ['result'],
      registers,
    });
    this.dropped = new Counter({
      name: 'atrium_webhooks_dropped_total',
      help: 'Webhook events never delivered, by reason (queue_full, gave_up, closing).',
      labelNames: ['reason'],
      registers,
    });
    this.limitedTotal = new Counter({
      name: 'atrium_limited_total',
      help: 'Refusals by limit (docs/operations.md, "Limits"): links cut, paused or refused, frames shed.',
      labelNames: ['limit'],
      registers,
    });
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });
  }

  /** Every backend message: kicks of this server's sessions, room messages. */
  observe(message: BackendMessage, isLocalSession: (sessionID: string) => boolean): void {
    switch (message.kind) {
      case 'event': {
        const k = message.event.k;
        if (k === 'bcast' || k === 'cmd') this.roomMessages.inc({ kind: k });
        return;
      }
      case 'barrage':
        this.roomMessages.inc({ kind: 'barrage' });
        return;
      case 'kick':
        if (isLocalSession(message.sessionID)) this.kicks.inc({ code: String(message.code) });
        return;
    }
  }

  login(code: number): void {
    this.logins.inc({ code: String(code) });
  }

  resume(outcome: ResumeOutcome): void {
    this.resumes.inc({ outcome });
  }

  framesDelivered(count: number): void {
    if (count > 0) this.frames.inc(count);
  }

  adminRequest(action: string, code: number): void {
    this.adminRequests.inc({ action, code: String(code) });
  }

  webhookAttempt(ok: boolean): void {
    this.attempts.inc({ result: ok ? 'ok' : 'error' });
  }

  webhookDelivered(event: string): void {
    this.delivered.inc({ event });
  }

  webhookDropped(reason: WebhookDropReason, count = 1): void {
    if (count > 0) this.dropped.inc({ reason }, count);
  }

  limited(limit: string, count = 1): void {
    this.limitedTotal.inc({ limit }, count);
  }

  /** The text exposition and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
