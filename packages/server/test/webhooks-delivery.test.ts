// Webhook delivery against a receiver that fails, stalls and answers out of turn on purpose:
// retries after each configured delay, per-room order (a room's next event waits for the one
// before it), other rooms flowing while one is stuck, giving up, and the bounded queue.

import { afterEach, describe, expect, it } from 'vitest';
import type { RoomServer, WebhookOptions } from '../src/index.js';
import { type Received, WebhookReceiver } from './admin-helpers.js';
import { Harness } from './helpers.js';

const h = new Harness();
const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await h.close();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function hooked(webhook: Partial<WebhookOptions> = {}) {
  const receiver = await WebhookReceiver.start();
  receivers.push(receiver);
  const s = await h.server({
    webhook: { url: receiver.url, secret: 's', retryDelaysMs: [30, 60], ...webhook },
  });
  return { s, receiver };
}

async function metric(s: RoomServer, name: string): Promise<number> {
  const text = await (await fetch(`${s.httpUrl}/metrics`)).text();
  // `name` as exposed, labels included: `atrium_x_total{result="error"}`.
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** A promise with its resolve, to hold a receiver's answer until the test lets it go. */
function gate(): { open: () => void; wait: Promise<void> } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, wait };
}

describe('retries', () => {
  it('an event answered 500 is sent again after each delay; the room’s next event waits for it', async () => {
    const { s, receiver } = await hooked({ retryDelaysMs: [50, 100] });
    // Every event fails its first attempt.
    receiver.answer = (r) => (r.attempt === 1 ? 500 : 200);
    const ann = await h.client(s);
    await ann.joined('r1', 'ann');
    await ann.request({ t: 'pub', room: 'r1', stream: 'cam' });
    await receiver.until(() => receiver.delivered.length === 3);
    expect(receiver.events()).toEqual(['room_create', 'room_login', 'stream_create']);
    const tries = receiver.requests.map((r) => [r.body.event, r.attempt]);
    // Strictly one event at a time for the room: first attempt, retry, then the next event.
    expect(tries).toEqual([
      ['room_create', 1],
      ['room_create', 2],
      ['room_login', 1],
      ['room_login', 2],
      ['stream_create', 1],
      ['stream_create', 2],
    ]);
    const [first, retry] = receiver.requests;
    // The first delay (50 ms), with a margin for a loaded machine on the early side only.
    expect((retry?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(40);
    // Re-signed per attempt, the same event_id.
    expect(retry?.body.event_id).toBe(first?.body.event_id);
    expect(retry?.body.nonce).not.toBe(first?.body.nonce);
    expect(await metric(s, 'atrium_webhook_attempts_total{result="error"}')).toBe(3);
    expect(await metric(s, 'atrium_webhooks_delivered_total{event="room_login"}')).toBe(1);
  });

  it('gives up after the last retry (counted), then the room’s next event goes', async () => {
    const { s, receiver } = await hooked({ retryDelaysMs: [20, 20] });
    receiver.answer = (r) => (r.body.event === 'room_create' ? 503 : 200);
    const ann = await h.client(s);
    await ann.joined('r1', 'ann');
    await receiver.until(() => receiver.delivered.length === 1);
    expect(receiver.requests.map((r) => [r.body.event, r.attempt])).toEqual([
      ['room_create', 1],
      ['room_create', 2],
      ['room_create', 3],
      ['room_login', 1],
    ]);
    expect(await metric(s, 'atrium_webhooks_dropped_total{reason="gave_up"}')).toBe(1);
  });

  it('a receiver that does not answer in timeoutMs counts as a failure and is retried', async () => {
    // The deadline covers a whole attempt, connecting included: long enough for an answered
    // attempt to get through on a loaded machine (at 100 ms the first one sometimes timed out
    // before reaching the receiver, so the retry was the one stalled and nothing was left).
    const { s, receiver } = await hooked({ timeoutMs: 2000, retryDelaysMs: [10] });
    const stall = gate();
    receiver.answer = async (r) => {
      if (r.attempt === 1 && r.body.event === 'room_create') await stall.wait;
      return 200;
    };
    const ann = await h.client(s);
    await ann.joined('r1', 'ann');
    await receiver.until(() => receiver.delivered.length >= 2);
    expect(receiver.requests.slice(0, 2).map((r) => [r.body.event, r.attempt])).toEqual([
      ['room_create', 1],
      ['room_create', 2],
    ]);
    // The sender gave up on the stalled attempt (its deadline), not the receiver.
    await receiver.requests[0]?.cut;
    stall.open();
    expect(await metric(s, 'atrium_webhook_attempts_total{result="error"}')).toBe(1);
  });
});

describe('order per room, other rooms flowing', () => {
  it('a stalled room holds only its own events; they follow in order once it answers', async () => {
    const { s, receiver } = await hooked();
    const stall = gate();
    receiver.answer = async (r: Received) => {
      if (r.body.room_id === 'slow') await stall.wait;
      return 200;
    };
    const [a, b] = [await h.client(s), await h.client(s)];
    await a.joined('slow', 'ann');
    await a.request({ t: 'pub', room: 'slow', stream: 's1' });
    await a.request({ t: 'unpub', room: 'slow', stream: 's1' });
    await b.joined('fast', 'bob');
    await b.request({ t: 'pub', room: 'fast', stream: 'f1' });
    await receiver.until(() => receiver.events('fast').length === 3);
    // The slow room has one request out (its first event), nothing after it.
    expect(receiver.requests.filter((r) => r.body.room_id === 'slow').map((r) => r.body.event)).toEqual([
      'room_create',
    ]);
    stall.open();
    await receiver.until(() => receiver.events('slow').length === 4);
    expect(receiver.events('slow')).toEqual(['room_create', 'room_login', 'stream_create', 'stream_close']);
    expect(receiver.events('fast')).toEqual(['room_create', 'room_login', 'stream_create']);
  });

  it('answers that come back out of order across rooms never reorder a room', async () => {
    const { s, receiver } = await hooked({ maxConcurrent: 4 });
    // Earlier requests answer later: the receiver reverses the order it answers in.
    receiver.answer = async (r) => {
      await new Promise((resolve) => setTimeout(resolve, r.body.room_id === 'r1' ? 60 : 5));
      return 200;
    };
    const clients = await Promise.all(['r1', 'r2', 'r3'].map(() => h.client(s)));
    await Promise.all(
      clients.map(async (c, i) => {
        await c.joined(`r${i + 1}`, `u${i}`);
        for (let k = 0; k < 3; k++) {
          await c.request({ t: 'pub', room: `r${i + 1}`, stream: `s${k}` });
        }
      }),
    );
    await receiver.until(() => receiver.delivered.length === 15);
    for (const room of ['r1', 'r2', 'r3']) {
      const streams = receiver.delivered.filter((b) => b.room_id === room && b.event === 'stream_create');
      expect(streams.map((b) => b.stream_id)).toEqual(['s0', 's1', 's2']);
      expect(receiver.events(room).slice(0, 2)).toEqual(['room_create', 'room_login']);
    }
  });
});

describe('the bounded queue', () => {
  it('refuses new events beyond maxQueued, counts them, and shows its depth', async () => {
    const { s, receiver } = await hooked({ maxQueued: 3 });
    const stall = gate();
    receiver.answer = async () => {
      await stall.wait;
      return 200;
    };
    const ann = await h.client(s);
    await ann.joined('r1', 'ann');
    for (const stream of ['a', 'b', 'c']) await ann.request({ t: 'pub', room: 'r1', stream });
    // room_create, room_login, stream_create a are queued; b and c were refused.
    expect(await metric(s, 'atrium_webhook_queue_depth')).toBe(3);
    expect(await metric(s, 'atrium_webhooks_dropped_total{reason="queue_full"}')).toBe(2);
    stall.open();
    await receiver.until(() => receiver.delivered.length === 3);
    expect(receiver.delivered.map((b) => b.stream_id ?? b.event)).toEqual(['room_create', 'room_login', 'a']);
    expect(await metric(s, 'atrium_webhook_queue_depth')).toBe(0);
  });
});
