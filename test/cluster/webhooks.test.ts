// Webhooks in cluster mode (docs/operations.md, "Webhooks"; docs/contract.md, "Cluster mode"): the
// room scripts queue each room's webhook facts in Redis and one node at a time sends a room's, so a
// room spread over three nodes yields each event exactly once, in the room's order, with one
// room_seq — and the facts a node was still trying to deliver when it died (kill -9) are delivered
// by another node.

import type { RoomServer } from '@atrium/server';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../../packages/server/test/admin-helpers.js';
import { enter } from '../support/cluster.js';
import { NodeProcess } from '../support/node-process.js';
import { type TestRedis, useTestRedis } from '../support/redis.js';
import { World } from '../support/world.js';

const HOOK_SECRET = 'hook-secret';
const LEASE_TTL_MS = 1000;

let redis: TestRedis;
let world: World;
let receiver: WebhookReceiver;
const processes: NodeProcess[] = [];

useTestRedis((r) => {
  redis = r;
});
afterEach(async () => {
  await world?.close();
  await Promise.all(processes.splice(0).map((p) => p.kill()));
  await receiver?.close();
});

const nodeOptions = (retryDelaysMs: number[]) => ({
  redis: redis.url,
  heartbeatIntervalMs: 250,
  sessionGraceMs: 1500,
  leaseTtlMs: LEASE_TTL_MS,
  webhook: { url: receiver.url, secret: HOOK_SECRET, retryDelaysMs },
});

describe('webhooks of a room spread over three nodes', () => {
  it('each event once, in the room order, with one room_seq', async () => {
    receiver = await WebhookReceiver.start();
    world = new World();
    const nodes: RoomServer[] = [];
    for (let i = 0; i < 3; i++) nodes.push(await world.server(nodeOptions([100, 200])));
    const room = 'hooks-1';
    const [ann, bob, cat] = nodes.map((n) => world.client(n));
    if (ann === undefined || bob === undefined || cat === undefined) throw new Error('clients');
    await enter(ann, room, 'ann');
    await enter(bob, room, 'bob');
    await enter(cat, room, 'cat');
    cat.engine.startPublishingStream('cat-cam');
    await cat.rec.waitFor('publisherStateUpdate', (a) => (a[0] as { state: string }).state === 'PUBLISHING');
    cat.engine.stopPublishingStream('cat-cam');
    // The stop is in once another member is told: only then may the logouts follow it.
    await ann.rec.waitFor('roomStreamUpdate', (a) => a[1] === 'DELETE');
    for (const c of [bob, cat, ann]) await c.engine.logoutRoom(room);
    await receiver.until(() => receiver.events(room).includes('room_close'), 15_000);

    expect(receiver.events(room)).toEqual([
      'room_create',
      'room_login',
      'room_login',
      'room_login',
      'stream_create',
      'stream_close',
      'room_logout',
      'room_logout',
      'room_logout',
      'room_close',
    ]);
    const bodies = receiver.delivered;
    expect(new Set(bodies.map((b) => b.event_id)).size).toBe(bodies.length);
    expect(bodies.filter((b) => b.event === 'room_login').map((b) => b.user_account)).toEqual([
      'ann',
      'bob',
      'cat',
    ]);
    const lifetimes = new Set(bodies.map((b) => b.room_seq ?? b.room_session_id));
    expect(lifetimes.size).toBe(1);
    const [life] = lifetimes;
    expect(life).toMatch(/^\d+$/);
    // Nothing was attempted twice: one sender per room.
    expect(receiver.requests).toHaveLength(bodies.length);
  }, 30_000);
});

describe('a node that dies while delivering a room’s webhooks', () => {
  it('leaves them queued in Redis: another node delivers them, with the same event IDs', async () => {
    receiver = await WebhookReceiver.start();
    let up = false;
    receiver.answer = () => (up ? 200 : 503);
    world = new World();
    // Retries far apart: the dying node is mid-backoff when killed.
    const a = await NodeProcess.start(nodeOptions([60_000]));
    processes.push(a);
    await world.server(nodeOptions([100, 200, 400, 800]));
    const room = 'hooks-2';
    const ann = world.client(a.wsUrl);
    await enter(ann, room, 'ann');
    await receiver.until((r) => r.length >= 1);
    const firstID = receiver.requests[0]?.body.event_id;

    await a.kill();
    up = true;
    // Node B takes the room once A's lock lapses; later it reaps ann (timeout) and the room ends.
    await receiver.until(() => receiver.events(room).includes('room_close'), 20_000);
    expect(receiver.events(room)).toEqual(['room_create', 'room_login', 'room_logout', 'room_close']);
    expect(receiver.delivered[0]?.event_id).toBe(firstID);
    expect(receiver.delivered.find((x) => x.event === 'room_logout')?.reason).toBe(1);
  }, 45_000);
});
