// Webhooks of one server: the backend's room events become ZEGO-style webhook events
// (events.ts), delivered in order per room with retries (delivery.ts). In cluster mode the
// backend queues each room's webhook facts itself (durable, one sender per room:
// backend/redis/hooks.ts) and this server sends the rooms it takes from there instead.

import type { Logger } from 'pino';
import type { BackendMessage, HookQueue } from '../backend/types.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { ResolvedWebhook } from '../options.js';
import { WebhookDelivery } from './delivery.js';
import { WebhookEvents, webhookEventsOf } from './events.js';

export interface Webhooks {
  observe(message: BackendMessage): void;
  readonly depth: number;
  /** Waits up to the configured drain time for queued events, then drops the rest. */
  close(): Promise<void>;
}

export function createWebhooks(
  options: ResolvedWebhook,
  deps: { now(): number; log: Logger; metrics: ServerMetrics },
  queue?: HookQueue,
): Webhooks {
  const delivery = new WebhookDelivery({ ...options, ...deps });
  if (queue !== undefined) {
    // A fact leaves the queue once each of its events is delivered or given up; one abandoned
    // at shutdown stays queued for another node.
    queue.start(async (facts) => {
      const outcomes = await Promise.all(webhookEventsOf(facts).map((event) => delivery.send(event)));
      return outcomes.every((outcome) => outcome !== 'dropped');
    });
    return {
      observe() {},
      get depth() {
        return delivery.depth;
      },
      async close() {
        await queue.stop();
        await delivery.close(options.drainOnCloseMs);
      },
    };
  }
  let lifetimes = 0;
  // Digits only, as ZEGO's room_seq: creation time, then a counter for rooms born in the same ms.
  const newRoomSeq = () => `${deps.now()}${String(++lifetimes % 1_000_000).padStart(6, '0')}`;
  const events = new WebhookEvents(deps.now, newRoomSeq);
  return {
    observe(message) {
      for (const event of events.derive(message)) delivery.enqueue(event);
    },
    get depth() {
      return delivery.depth;
    },
    close: () => delivery.close(options.drainOnCloseMs),
  };
}
