// One room's churn must not cost another room its webhook events: 19 quiet rooms and one that
// never stops publishing, against a slow receiver and a small queue, on both backends. Every
// quiet room's events arrive, and while the busy room still has events to send (the rooms take
// turns: none waits for the churning one to run dry).

import { describe, expect, it } from 'vitest';
import type { RoomServer, WebhookOptions } from '../src/index.js';
import { WebhookReceiver } from './admin-helpers.js';
import type { TestClient } from './helpers.js';
import { useWebhookRig } from './webhook-helpers.js';

const { h, receivers, redisBackend } = useWebhookRig();

const QUIET_ROOMS = 19;
const PER_ROOM = 40;
const webhook: Partial<WebhookOptions> = {
  secret: 's',
  retryDelaysMs: [],
  maxQueued: 60,
  maxQueuedPerRoom: PER_ROOM,
  maxConcurrent: 2,
};

/** Publishes and stops a stream `times` times: two webhook events each. */
async function churn(c: TestClient, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await c.request({ t: 'pub', room: 'busy', stream: `s${i}` });
    await c.request({ t: 'unpub', room: 'busy', stream: `s${i}` });
  }
}

async function scenario(s: RoomServer, receiver: WebhookReceiver): Promise<void> {
  const busy = await h.client(s);
  await busy.joined('busy', 'churner');
  // The busy room alone first: it fills what it may of the queue.
  await churn(busy, 150);
  const quiet = await Promise.all(Array.from({ length: QUIET_ROOMS }, () => h.client(s)));
  // The quiet rooms join while the busy room keeps churning.
  await Promise.all([churn(busy, 100), ...quiet.map((c, i) => c.joined(`quiet-${i}`, `user-${i}`))]);
  await receiver.until(
    () => quiet.every((_c, i) => receiver.events(`quiet-${i}`).join() === 'room_create,room_login'),
    30_000,
  );
  for (let i = 0; i < QUIET_ROOMS; i++) {
    expect(receiver.events(`quiet-${i}`), `quiet-${i}`).toEqual(['room_create', 'room_login']);
  }
  // The busy room was not drained first: it still had events after the last quiet one.
  const order = receiver.delivered.map((b) => String(b.room_id));
  const lastQuiet = Math.max(...quiet.map((_c, i) => order.lastIndexOf(`quiet-${i}`)));
  await receiver.until(
    () => receiver.delivered.slice(lastQuiet + 1).some((b) => b.room_id === 'busy'),
    30_000,
  );
}

/** A receiver answering each request after `ms`: slower than the rooms make events. */
async function slowReceiver(ms: number): Promise<WebhookReceiver> {
  const receiver = await WebhookReceiver.start();
  receivers.push(receiver);
  receiver.answer = () => new Promise((resolve) => setTimeout(() => resolve(200), ms));
  return receiver;
}

describe('webhook fairness across 20 rooms against a slow receiver', () => {
  it('in memory: the busy room is capped and gives way; every quiet room’s events arrive', async () => {
    const receiver = await slowReceiver(10);
    const s = await h.server({ webhook: { url: receiver.url, ...webhook } as WebhookOptions });
    await scenario(s, receiver);
  }, 60_000);

  it('on Redis: the rooms take turns for the sender’s slots; every quiet room’s events arrive', async () => {
    const receiver = await slowReceiver(10);
    const backend = redisBackend({
      keyPrefix: `fair${Date.now()}`,
      webhookQueueMax: PER_ROOM,
      // One room sent at a time: without turns, the busy room would hold it until it ran dry.
      webhookMaxRooms: 1,
      // Pending rooms looked at every 300 ms.
      leaseTtlMs: 900,
    });
    const s = await h.server({ backend, webhook: { url: receiver.url, ...webhook } as WebhookOptions });
    await scenario(s, receiver);
  }, 60_000);
});
