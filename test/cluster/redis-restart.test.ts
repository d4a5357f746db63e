// Redis lost under a cluster (docs/contract.md, "Cluster mode"): during an outage /readyz is false
// and a new login waits (each node answers `bye` 1002051 with retryMs, and the SDK tries again)
// instead of failing; a Redis that comes back empty leaves no ghost — every node drops the sessions
// it held, their clients log in afresh ({"recovered":false}) — and no reliable message sent
// meanwhile is lost.

import type { RoomServer } from '@atrium/server';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { quickRetry } from '../reconnect/net.js';
import { enter, ids, memberIDs, readyz, received, startNodes, texts } from '../support/cluster.js';
import { type TestRedis, useTestRedis } from '../support/redis.js';
import { until } from '../support/until.js';
import { World } from '../support/world.js';

let redis: TestRedis;
let raw: Redis;
let world: World;

useTestRedis((r, client) => {
  redis = r;
  raw = client;
});
afterEach(async () => world?.close());

async function nodes(count: number): Promise<RoomServer[]> {
  world = new World();
  return startNodes(world, redis.url, count);
}

describe('Redis restarted under a cluster', () => {
  it('comes back empty under load: no ghosts, every reliable send applied, clients rebuilt (recovered:false)', async () => {
    const [a, b] = await nodes(2);
    if (a === undefined || b === undefined) throw new Error('nodes');
    const room = 'restart-1';
    const ann = world.client([a.wsUrl, b.wsUrl], { retryPolicy: quickRetry, reconnectWindowMs: 30_000 });
    const bob = world.client([b.wsUrl, a.wsUrl], { retryPolicy: quickRetry, reconnectWindowMs: 30_000 });
    const cat = world.client([a.wsUrl, b.wsUrl], { retryPolicy: quickRetry, reconnectWindowMs: 30_000 });
    await enter(ann, room, 'ann');
    await enter(bob, room, 'bob');
    await enter(cat, room, 'cat');
    await ann.rec.waitFor('roomUserUpdate', (e) => e[1] === 'ADD' && ids(e[2]).includes('cat'));
    const marks = [ann, bob, cat].map((c) => c.rec.mark());

    // Sends keep coming from two nodes while Redis goes away and comes back empty.
    const sends: Promise<{ errorCode: number }>[] = [];
    let sending = true;
    const load = (async () => {
      for (let i = 0; sending; i++) {
        sends.push(ann.engine.sendBroadcastMessage(room, `ann-${i}`));
        sends.push(bob.engine.sendBroadcastMessage(room, `bob-${i}`));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await ann.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('bob-5'));
    await redis.restart();
    for (const [i, c] of [ann, bob, cat].entries()) {
      const back = await c.rec.waitForState(room, 'RECONNECTED', { from: marks[i], timeoutMs: 20_000 });
      expect(back[3]).toBe('{"recovered":false}');
    }
    sending = false;
    await load;
    const results = await Promise.all(sends);
    expect(results.filter((r) => r.errorCode !== 0)).toEqual([]);

    // After the storm: each sees the others, Redis holds exactly the three members, and a message
    // from each reaches the other two once.
    expect(await memberIDs(raw, room)).toEqual(['ann', 'bob', 'cat']);
    for (const c of [ann, bob, cat]) {
      await c.engine.sendBroadcastMessage(room, `last from ${c === ann ? 'ann' : c === bob ? 'bob' : 'cat'}`);
    }
    for (const [c, others] of [
      [ann, ['bob', 'cat']],
      [bob, ['ann', 'cat']],
      [cat, ['ann', 'bob']],
    ] as const) {
      for (const o of others) {
        await c.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes(`last from ${o}`));
        expect(received(c, room).filter((t) => t === `last from ${o}`)).toHaveLength(1);
      }
    }
    // Every send reached the members in the room when it was applied; those after the restart
    // reached everyone who was back, once each.
    const annSent = received(bob, room).filter((t) => t.startsWith('ann-'));
    expect(new Set(annSent).size).toBe(annSent.length);
  }, 60_000);

  it('held down: /readyz is false and a new login waits, then succeeds once Redis is back', async () => {
    const [a, b] = await nodes(2);
    if (a === undefined || b === undefined) throw new Error('nodes');
    const room = 'restart-2';
    const ann = world.client([a.wsUrl, b.wsUrl], { retryPolicy: quickRetry });
    await enter(ann, room, 'ann');
    await redis.stop();
    await until(async () => (await readyz(a)) === 503 && (await readyz(b)) === 503, { timeoutMs: 15_000 });
    const dan = world.client([b.wsUrl, a.wsUrl], { retryPolicy: quickRetry, loginTimeoutMs: 30_000 });
    let settled = false;
    const login = enter(dan, room, 'dan').finally(() => {
      settled = true;
    });
    // Refused with bye + retryMs over and over, not failed: the login is still pending.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(settled).toBe(false);
    await redis.startAgain();
    await until(async () => (await readyz(a)) === 200 && (await readyz(b)) === 200, { timeoutMs: 15_000 });
    await login;
    const back = await ann.rec.waitForState(room, 'RECONNECTED', { timeoutMs: 20_000 });
    expect(back[3]).toBe('{"recovered":false}');
    await dan.rec.waitFor('roomUserUpdate', (e) => e[1] === 'ADD' && ids(e[2]).includes('ann'));
    expect(await memberIDs(raw, room)).toEqual(['ann', 'dan']);
  }, 60_000);
});
