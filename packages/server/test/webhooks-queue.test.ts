// What a full webhook queue gives up, at the delivery level: an open room keeps its first
// ROOM_FLOOR events whoever asks; the events of closed room lifetimes go first (room_close the
// last of them), even a head waiting in line or out a retry delay, and a dropped head is never
// sent afterwards.

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.js';
import { ServerMetrics } from '../src/metrics/metrics.js';
import { WebhookDelivery, type WebhookDeliveryOptions } from '../src/webhooks/delivery.js';
import type { WebhookEvent, WebhookEventName } from '../src/webhooks/events.js';
import { WebhookReceiver } from './admin-helpers.js';
import { heldReceiver } from './webhook-helpers.js';

const receivers: WebhookReceiver[] = [];
const deliveries: WebhookDelivery[] = [];
afterEach(async () => {
  await Promise.all(deliveries.splice(0).map((d) => d.close(0)));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const zero = () => 0;
let metrics: ServerMetrics;

/** Failed attempts so far, as the delivery counted them (once it has taken the answer in). */
async function failedAttempts(): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith('atrium_webhook_attempts_total{result="error"}'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function delivery(url: string, o: Partial<WebhookDeliveryOptions>): WebhookDelivery {
  metrics = new ServerMetrics({
    links: zero,
    sessions: zero,
    rooms: zero,
    members: zero,
    webhookQueueDepth: zero,
  });
  const d = new WebhookDelivery({
    url,
    secret: 's',
    retryDelaysMs: [],
    timeoutMs: 30_000,
    maxQueued: 10,
    maxQueuedPerRoom: 100,
    maxConcurrent: 1,
    now: Date.now,
    log: pino({ level: 'silent' }),
    metrics,
    ...o,
  });
  deliveries.push(d);
  return d;
}

let ids = 0;
const ev = (roomID: string, event: WebhookEventName): WebhookEvent => ({
  room: { appID: 1, roomID },
  event,
  id: `e${++ids}`,
  fields: { room_id: roomID },
});
const LIFETIME: WebhookEventName[] = ['room_create', 'room_login', 'room_logout', 'room_close'];

describe('a full webhook queue', () => {
  it('never takes an open room below its first events: a newcomer is dropped instead', async () => {
    const { receiver, open } = await heldReceiver(receivers);
    const d = delivery(receiver.url, { maxQueued: 8 });
    for (const room of ['a', 'b', 'c', 'd']) {
      expect(d.enqueue(ev(room, 'room_create'))).toBe(true);
      expect(d.enqueue(ev(room, 'room_login'))).toBe(true);
    }
    // Full, every room at two events: nobody gives way to a ninth.
    expect(d.enqueue(ev('e', 'room_create'))).toBe(false);
    open();
    await receiver.until(() => receiver.delivered.length === 8);
    for (const room of ['a', 'b', 'c', 'd'])
      expect(receiver.events(room)).toEqual(['room_create', 'room_login']);
    expect(receiver.events('e')).toEqual([]);
  });

  it('gives up a closed room’s events first, its room_close last, a head waiting in line included', async () => {
    const { receiver, open } = await heldReceiver(receivers);
    const d = delivery(receiver.url, { maxQueued: 6 });
    // 'x' takes the one slot (held by the receiver); 'gone' opens and closes behind it.
    d.enqueue(ev('x', 'room_create'));
    for (const name of LIFETIME) expect(d.enqueue(ev('gone', name))).toBe(true);
    d.enqueue(ev('v1', 'room_create'));
    expect(d.depth).toBe(6);
    // Open rooms keep coming: each takes one of gone's events, room_close last.
    for (const room of ['v2', 'v3']) {
      expect(d.enqueue(ev(room, 'room_create')), room).toBe(true);
      expect(d.enqueue(ev(room, 'room_login')), room).toBe(true);
    }
    expect(d.depth).toBe(6);
    open();
    await receiver.until(() => receiver.delivered.length === 6);
    expect(receiver.events('gone')).toEqual([]);
    expect(receiver.events('v3')).toEqual(['room_create', 'room_login']);
    await until(() => d.depth === 0);
  });

  it('a closed room’s head waiting out a retry delay gives way too, and is never sent again', async () => {
    const receiver = await WebhookReceiver.start();
    receivers.push(receiver);
    receiver.answer = (r) => (r.body.room_id === 'gone' ? 503 : 200);
    const d = delivery(receiver.url, { maxQueued: 4, maxConcurrent: 2, retryDelaysMs: [60_000] });
    for (const name of LIFETIME) d.enqueue(ev('gone', name));
    // Its head failed once and waits a minute for its retry.
    await until(async () => (await failedAttempts()) === 1);
    for (const room of ['v1', 'v2']) {
      expect(d.enqueue(ev(room, 'room_create'))).toBe(true);
      expect(d.enqueue(ev(room, 'room_login'))).toBe(true);
    }
    await receiver.until(() => receiver.delivered.length === 4);
    await until(() => d.depth === 0);
    expect(receiver.requests.filter((r) => r.body.room_id === 'gone')).toHaveLength(1);
  });
});
