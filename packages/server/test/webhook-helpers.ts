// Shared setup for the webhook tests that run one scenario on both backends: a Harness, the
// receivers and Redis backends a file opens (each closed when done), a test Redis, and a receiver
// that holds its answers back until told.

import { afterAll, afterEach } from 'vitest';
import { useTestRedis } from '../../../test/support/redis.js';
import type { RedisBackendOptions } from '../src/backend/redis/options.js';
import { RedisBackend } from '../src/backend/redis/redis.js';
import type { Backend } from '../src/index.js';
import { WebhookReceiver } from './admin-helpers.js';
import { Harness } from './helpers.js';

export interface WebhookRig {
  h: Harness;
  /** Receivers to close after each test. */
  receivers: WebhookReceiver[];
  /** A Redis backend on this file's test Redis, closed after the file's tests. */
  redisBackend(options: Omit<RedisBackendOptions, 'url'>): RedisBackend;
}

/** Call once at the top of a test file. */
export function useWebhookRig(): WebhookRig {
  const h = new Harness();
  const receivers: WebhookReceiver[] = [];
  const backends: Backend[] = [];
  afterEach(async () => {
    await h.close();
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    await Promise.all(backends.splice(0).map((b) => b.close()));
  });
  let redisUrl = '';
  useTestRedis((redis) => {
    redisUrl = redis.url;
  });
  return {
    h,
    receivers,
    redisBackend(options) {
      const backend = new RedisBackend({ url: redisUrl, ...options });
      backends.push(backend);
      return backend;
    },
  };
}

/** A receiver (added to `receivers`) holding every answer until `open()`, then 200 to everything. */
export async function heldReceiver(
  receivers: WebhookReceiver[],
): Promise<{ receiver: WebhookReceiver; open: () => void }> {
  const receiver = await WebhookReceiver.start();
  receivers.push(receiver);
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  receiver.answer = () => opened.then(() => 200);
  return { receiver, open };
}
