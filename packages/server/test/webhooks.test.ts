// Webhooks against a real HTTP receiver: each ZEGO event with its fields and signature, the
// room_logout reasons, and room_close when the last member goes — on the in-memory backend and
// on Redis (cluster mode, where the room scripts queue the webhook facts in Redis and a node
// sends them from there: backend/redis/hooks.ts).

import { Code, type LoginReplyData } from '@atrium/protocol';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestRedis, useTestRedis } from '../../../test/support/redis.js';
import { webhookSignature } from '../src/index.js';
import { adminOk, WebhookReceiver } from './admin-helpers.js';
import { APP_ID, Harness, tokenFor } from './helpers.js';

const HOOK_SECRET = 'hook-secret';
const h = new Harness();
const receivers: WebhookReceiver[] = [];
let redis: TestRedis;
let raw: Redis;
useTestRedis((r, client) => {
  redis = r;
  raw = client;
});
afterEach(async () => {
  await h.close();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  // A closing cluster node leaves its sessions for a resume elsewhere: start each test afresh.
  await raw.flushall();
});

type BackendName = 'memory' | 'redis';

async function hooked(options: Parameters<Harness['server']>[0] = {}, backend: BackendName = 'memory') {
  const receiver = await WebhookReceiver.start();
  receivers.push(receiver);
  const s = await h.server({
    ...options,
    ...(backend === 'redis' ? { redis: redis.url } : {}),
    webhook: { url: receiver.url, secret: HOOK_SECRET, retryDelaysMs: [20, 40] },
  });
  return { s, receiver };
}

const deliveredAtLeast = (r: WebhookReceiver, n: number) => r.until(() => r.delivered.length >= n);

describe('webhook signature', () => {
  it('is sha1 of secret, timestamp and nonce sorted as strings (docs/token04.md example)', () => {
    expect(webhookSignature('secret', 1470820198, '123412')).toBe('5bd59fd62953a8059fb7eaba95720f66d19e4517');
  });
});

describe.each<BackendName>(['memory', 'redis'])('webhook events (%s backend)', (backend) => {
  it('a room’s life: room_create, room_login, stream_create, stream_close, room_logout, room_close', async () => {
    const { s, receiver } = await hooked({}, backend);
    const [ann, bob] = [await h.client(s), await h.client(s)];
    const before = Date.now();
    const annLogin: LoginReplyData = await ann.joined('r1', 'ann', { userName: 'Ann' });
    await ann.request({ t: 'pub', room: 'r1', stream: 'cam', extra: 'hd' });
    const bobLogin = await bob.joined('r1', 'bob');
    await ann.request({ t: 'unpub', room: 'r1', stream: 'cam' });
    await adminOk(s, 'KickoutUser', { RoomId: 'r1', UserId: ['bob'] });
    await ann.request({ t: 'logout' });
    await deliveredAtLeast(receiver, 8);
    const bodies = receiver.delivered;
    expect(bodies.map((b) => b.event)).toEqual([
      'room_create',
      'room_login',
      'stream_create',
      'room_login',
      'stream_close',
      'room_logout',
      'room_logout',
      'room_close',
    ]);
    for (const b of bodies) {
      expect(b.signature).toBe(webhookSignature(HOOK_SECRET, b.timestamp as number, b.nonce as string));
      expect(b.timestamp).toBeGreaterThanOrEqual(Math.floor(before / 1000));
      expect(b.room_id).toBe('r1');
    }
    expect(new Set(bodies.map((b) => b.event_id)).size).toBe(bodies.length);
    const [create, annIn, streamUp, bobIn, streamDown, bobOut, annOut, close] = bodies;
    const lifetime = create?.room_session_id;
    expect(lifetime).toMatch(/^\d+$/);
    expect(create).toMatchObject({
      appid: APP_ID,
      id_name: 'ann',
      room_create_time: expect.stringMatching(/^\d+$/),
    });
    expect(annIn).toMatchObject({
      appid: String(APP_ID),
      room_name: 'r1',
      room_seq: lifetime,
      user_account: 'ann',
      user_nickname: 'Ann',
      session_id: annLogin.session,
      login_time: expect.any(Number),
    });
    expect(annIn?.login_time).toBeGreaterThanOrEqual(before);
    expect(bobIn).toMatchObject({ user_account: 'bob', user_nickname: 'bob', session_id: bobLogin.session });
    const stream = {
      appid: String(APP_ID),
      room_session_id: lifetime,
      channel_id: 'r1',
      stream_id: 'cam',
      stream_alias: 'cam',
      user_id: 'ann',
      user_name: 'Ann',
      publish_id: 'ann',
      publish_name: 'Ann',
      stream_sid: expect.any(String),
      stream_seq: expect.stringMatching(/^\d+$/),
    };
    expect(streamUp).toMatchObject({
      ...stream,
      extra_info: 'hd',
      title: '',
      create_time_ms: expect.stringMatching(/^\d+$/),
    });
    expect(streamDown).toMatchObject({ ...stream, type: 0, stream_sid: streamUp?.stream_sid });
    expect(bobOut).toMatchObject({
      room_seq: lifetime,
      user_account: 'bob',
      session_id: bobLogin.session,
      login_time: bobIn?.login_time,
      logout_time: expect.any(Number),
      reason: 3,
    });
    expect(annOut).toMatchObject({ user_account: 'ann', reason: 0, login_time: annIn?.login_time });
    expect(close).toMatchObject({ appid: APP_ID, room_session_id: lifetime, close_reason: 0 });
    // A room created again is another lifetime.
    await ann.joined('r1', 'ann');
    await deliveredAtLeast(receiver, 10);
    expect(receiver.delivered[8]).toMatchObject({ event: 'room_create' });
    expect(receiver.delivered[8]?.room_session_id).not.toBe(lifetime);
  });

  it('room_logout reasons: 1 when the grace period runs out, 3 for a duplicate login, 4 for token expiry', async () => {
    let skewMs = 0;
    const { s, receiver } = await hooked(
      {
        now: () => Date.now() + skewMs,
        sessionGraceMs: 0,
        heartbeatIntervalMs: 200,
        kickOnTokenExpiry: true,
      },
      backend,
    );
    const logouts = (roomID: string) =>
      receiver.delivered
        .filter((b) => b.event === 'room_logout' && b.room_id === roomID)
        .map((b) => b.reason);
    const closes = (roomID: string) =>
      receiver.delivered
        .filter((b) => b.event === 'room_close' && b.room_id === roomID)
        .map((b) => b.close_reason);

    const gone = await h.client(s);
    await gone.joined('grace', 'gus');
    await gone.close();
    await receiver.until(() => closes('grace').length === 1);
    expect(logouts('grace')).toEqual([1]);
    expect(closes('grace')).toEqual([1]);

    const [first, second] = [await h.client(s), await h.client(s)];
    await first.joined('dup', 'dan');
    await second.joined('dup', 'dan');
    await receiver.until(() => logouts('dup').length === 1);
    expect(logouts('dup')).toEqual([3]);

    const short = await h.client(s);
    await short.joined('expiry', 'eve', { token: tokenFor('eve', { ttlSec: 60 }) });
    skewMs = 61_000;
    await short.waitFor((f) => f.t === 'kick' && f.code === Code.TOKEN_EXPIRED);
    await receiver.until(() => closes('expiry').length === 1);
    expect(logouts('expiry')).toEqual([4]);
    expect(closes('expiry')).toEqual([3]);
  });

  it('a room ending with streams still listed closes them before room_close', async () => {
    const { s, receiver } = await hooked({}, backend);
    const ann = await h.client(s);
    await ann.joined('r1', 'ann');
    await ann.request({ t: 'pub', room: 'r1', stream: 'own' });
    await adminOk(s, 'AddStream', { RoomId: 'r1', UserId: 'cdn', StreamId: 'relay' });
    await ann.request({ t: 'logout' });
    await receiver.until(() => receiver.events().includes('room_close'));
    const tail = receiver.delivered.slice(2).map((b) => [b.event, b.stream_id, b.type]);
    expect(tail).toEqual([
      ['stream_create', 'own', undefined],
      ['stream_create', 'relay', undefined],
      ['stream_close', 'own', 0],
      ['room_logout', undefined, undefined],
      ['stream_close', 'relay', 1],
      ['room_close', undefined, undefined],
    ]);
  });
});

describe('webhook events at shutdown (memory backend)', () => {
  it('server.close() lets the sessions’ ends reach the receiver before it resolves', async () => {
    const { s, receiver } = await hooked();
    const ann = await h.client(s);
    await ann.joined('r1', 'ann');
    await deliveredAtLeast(receiver, 2);
    await s.close();
    expect(receiver.events()).toEqual(['room_create', 'room_login', 'room_logout', 'room_close']);
  });
});
