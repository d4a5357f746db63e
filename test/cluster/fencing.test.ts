// Cluster mode (docs/contract.md), lease fencing: a node that is alive but cut off from Redis for
// longer than its lease TTL + grace has its sessions removed by the others (the others see its
// members leave). When the cut heals, the node learns from its next renewal that it was fenced: it
// takes a new epoch and ends every session it held, so its clients come back (bye 1002051, then a
// fresh login: {"recovered":false}) instead of believing, forever, that they are in rooms where
// nobody sees them. Writes from the fenced run never land.

import { Code } from '@atrium/protocol';
import type { RoomServer } from '@atrium/server';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { quickRetry } from '../reconnect/net.js';
import { memberIDs, untilReady } from '../support/cluster.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { type TestRedis, useTestRedis } from '../support/redis.js';
import { type Client, token, World } from '../support/world.js';

const GRACE_MS = 1500;
const LEASE_TTL_MS = 600;

let redis: TestRedis;
let raw: Redis;
let world: World;
let proxy: FaultProxy | undefined;

useTestRedis((r, client) => {
  redis = r;
  raw = client;
});
afterEach(async () => {
  // The proxy first: a node whose Redis is blackholed would wait on it while closing.
  await proxy?.close();
  proxy = undefined;
  await world?.close();
});

const options = { heartbeatIntervalMs: 250, sessionGraceMs: GRACE_MS, leaseTtlMs: LEASE_TTL_MS };
const ids = (users: unknown) => (users as { userID: string }[]).map((u) => u.userID).sort();
const texts = (args: unknown[]) => (args[1] as { message: string }[]).map((m) => m.message);
const updatesOf = (c: Client, room: string, userID: string) =>
  c.rec
    .of('roomUserUpdate', room)
    .filter((e) => ids(e[2]).includes(userID))
    .map((e) => e[1]);

async function enter(c: Client, room: string, userID: string): Promise<void> {
  await c.engine.loginRoom(room, token(userID), { userID, userName: userID }, { userUpdate: true });
}

/** Node A reaches Redis through a proxy that can cut it off; node B directly. */
async function nodes(): Promise<[RoomServer, RoomServer]> {
  world = new World();
  proxy = await FaultProxy.start(redis.url);
  const a = await world.server({ ...options, redis: `redis://127.0.0.1:${proxy.port}` });
  const b = await world.server({ ...options, redis: redis.url });
  await untilReady(a, b);
  return [a, b];
}

describe('a node cut off from Redis beyond its lease and grace', () => {
  it('is fenced: the others remove its members; healed, it ends its sessions and its clients come back', async () => {
    const [a, b] = await nodes();
    const room = 'fence-1';
    // Ann knows only node A: she cannot move, so only the fence can bring her back.
    const ann = world.client([a.wsUrl], { retryPolicy: quickRetry, reconnectWindowMs: 30_000 });
    const bob = world.client([b.wsUrl], { retryPolicy: quickRetry });
    await enter(ann, room, 'ann');
    await enter(bob, room, 'bob');
    await ann.engine.startPublishingStream('ann-cam');
    await bob.rec.waitFor('roomStreamUpdate', (e) => e[1] === 'ADD');
    const annMark = ann.rec.mark();

    proxy?.blackhole();
    // Node B fences A once its lease has been gone for the grace period: ann leaves for bob.
    await bob.rec.waitFor('roomUserUpdate', (e) => e[1] === 'DELETE' && ids(e[2]).includes('ann'), {
      timeoutMs: 15_000,
    });
    expect(bob.rec.of('roomStreamUpdate', room).map((e) => e[1])).toEqual(['ADD', 'DELETE']);
    expect(await memberIDs(raw, room)).toEqual(['bob']);
    // Ann's link to A never broke: without the fence she would stay LOGINED, unseen, for ever.
    expect(ann.rec.states(room).slice(-1)).toEqual(['LOGINED:0']);

    proxy?.heal();
    const back = await ann.rec.waitForState(room, 'RECONNECTED', { from: annMark, timeoutMs: 15_000 });
    expect(back[3]).toBe('{"recovered":false}');
    await bob.rec.waitFor('roomUserUpdate', (e) => e[1] === 'ADD' && ids(e[2]).includes('ann'));
    expect(await memberIDs(raw, room)).toEqual(['ann', 'bob']);
    // Node A runs on a new epoch: the fenced one is over.
    const epochs = await raw.keys('atrium:node:{*}:fenced');
    expect(epochs).toHaveLength(1);

    // The room works across the two nodes again, and ann left and came back exactly once.
    expect((await ann.engine.sendBroadcastMessage(room, 'back')).errorCode).toBe(0);
    await bob.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('back'));
    expect((await bob.engine.sendBroadcastMessage(room, 'welcome')).errorCode).toBe(0);
    await ann.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('welcome'));
    expect(updatesOf(bob, room, 'ann')).toEqual(['ADD', 'DELETE', 'ADD']);
  }, 60_000);
});

describe('a session kicked while its node is gone', () => {
  it('learns the kick when it resumes on another node (KICKOUT 1002050) instead of logging in again and kicking the winner', async () => {
    world = new World();
    const a = await world.server({ ...options, redis: redis.url });
    const b = await world.server({ ...options, redis: redis.url });
    await untilReady(a, b);
    const room = 'fence-kick-1';
    const old = world.client([a.wsUrl, b.wsUrl], { retryPolicy: quickRetry, reconnectWindowMs: 30_000 });
    const bob = world.client([b.wsUrl], { retryPolicy: quickRetry });
    await enter(old, room, 'ann');
    await enter(bob, room, 'bob');
    const mark = old.rec.mark();

    // Ann's first device loses its network, then its node closes: nobody holds her session live.
    old.engine.debug.simulateNetwork('down');
    await a.close();
    // Her second device logs in on B, displacing the first: only the room can remember the kick.
    const winner = world.client([b.wsUrl], { retryPolicy: quickRetry });
    await enter(winner, room, 'ann');

    old.engine.debug.simulateNetwork('up');
    const kicked = await old.rec.waitForState(room, 'KICKOUT', { from: mark, timeoutMs: 15_000 });
    expect(kicked[2]).toBe(Code.KICKED_DUPLICATE_LOGIN);
    // The winner stays, and the room works for it.
    expect((await bob.engine.sendBroadcastMessage(room, 'still there?')).errorCode).toBe(0);
    await winner.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('still there?'));
    expect(winner.rec.states(room).filter((s) => s.startsWith('KICKOUT'))).toEqual([]);
    expect(await memberIDs(raw, room)).toEqual(['ann', 'bob']);
  }, 60_000);
});
