// Webhooks of one server: the backend's room events become ZEGO-style webhook events
// (events.ts), delivered in order per room with retries (delivery.ts).

import type { Logger } from 'pino';
import type { BackendMessage } from '../backend/types.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { ResolvedWebhook } from '../options.js';
import { WebhookDelivery } from './delivery.js';
import { WebhookEvents } from './events.js';

export interface Webhooks {
  observe(message: BackendMessage): void;
  readonly depth: number;
  /** Waits up to the configured drain time for queued events, then drops the rest. */
  close(): Promise<void>;
}

export function createWebhooks(
  options: ResolvedWebhook,
  deps: { now(): number; log: Logger; metrics: ServerMetrics },
): Webhooks {
  let lifetimes = 0;
  // Digits only, as ZEGO's room_seq: creation time, then a counter for rooms born in the same ms.
  const newRoomSeq = () => `${deps.now()}${String(++lifetimes % 1_000_000).padStart(6, '0')}`;
  const events = new WebhookEvents(deps.now, newRoomSeq);
  const delivery = new WebhookDelivery({ ...options, ...deps });
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
