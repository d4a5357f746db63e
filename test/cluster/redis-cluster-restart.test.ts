// One primary of a Redis Cluster restarted empty (same port, same nodes.conf: it keeps its slots,
// its data is gone) under two nodes in cluster mode: each node sees that primary's run_id change
// and resets as for a single Redis restarted — every session it held is dropped, not only those
// in rooms on that shard — so the clients of a room on the lost shard log in afresh
// ({"recovered":false}), the clients of a room on a surviving shard are reconnected too, and
// afterwards both rooms hold exactly the live clients, each sending to the others once.

import type { RoomServer } from '@atrium/server';
import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { quickRetry } from '../reconnect/net.js';
import {
  enter,
  FAST_CLUSTER,
  ids,
  memberIDs,
  membersKey,
  received,
  startNodes,
  texts,
} from '../support/cluster.js';
import { TestRedisCluster } from '../support/redis-cluster.js';
import { World } from '../support/world.js';

let redis: TestRedisCluster;
let raw: Cluster;
let world: World;

beforeAll(async () => {
  redis = await TestRedisCluster.start();
  raw = new Cluster(redis.ports.map((port) => ({ host: '127.0.0.1', port })));
  raw.on('error', () => {});
}, 60_000);
afterAll(async () => {
  raw?.disconnect();
  await redis?.stop();
});
afterEach(async () => world?.close());

async function nodes(count: number): Promise<RoomServer[]> {
  world = new World();
  // Each client sends 50 broadcasts a second, and the ones held while it reconnects all at once
  // when it is back: beyond the default message rate, which this test is not about.
  return startNodes(world, redis.url, count, { ...FAST_CLUSTER, rateMessagesBurst: 10_000 });
}

/** Two room names: one whose keys live on primary `lost`'s slots, one on another primary. */
async function roomsAcross(): Promise<{ lost: number; onLost: string; onKept: string }> {
  let found: { lost: number; onLost: string } | undefined;
  for (let i = 0; i < 100; i++) {
    const room = `shard-${i}`;
    const primary = await redis.primaryOf(membersKey(room));
    if (found === undefined) found = { lost: primary, onLost: room };
    else if (primary !== found.lost) return { ...found, onKept: room };
  }
  throw new Error('no two rooms on different primaries');
}

describe('one primary of a Redis Cluster restarted empty', () => {
  it('every node resets: clients log in afresh, no ghosts on either shard, sends go on', async () => {
    const [a, b] = await nodes(2);
    if (a === undefined || b === undefined) throw new Error('nodes');
    const { lost, onLost, onKept } = await roomsAcross();
    const opts = { retryPolicy: quickRetry, reconnectWindowMs: 30_000 };
    const ann = world.client([a.wsUrl, b.wsUrl], opts);
    const bob = world.client([b.wsUrl, a.wsUrl], opts);
    const cat = world.client([a.wsUrl, b.wsUrl], opts);
    const dan = world.client([b.wsUrl, a.wsUrl], opts);
    const users = [
      { c: ann, id: 'ann', room: onLost },
      { c: bob, id: 'bob', room: onLost },
      { c: cat, id: 'cat', room: onKept },
      { c: dan, id: 'dan', room: onKept },
    ];
    for (const u of users) await enter(u.c, u.room, u.id);
    await ann.rec.waitFor('roomUserUpdate', (e) => e[1] === 'ADD' && ids(e[2]).includes('bob'));
    await cat.rec.waitFor('roomUserUpdate', (e) => e[1] === 'ADD' && ids(e[2]).includes('dan'));
    const marks = users.map((u) => u.c.rec.mark());

    // Sends keep coming in both rooms, from both nodes, while the primary goes away and comes back.
    const sends: Promise<{ errorCode: number }>[] = [];
    let sending = true;
    const load = (async () => {
      for (let i = 0; sending; i++) {
        for (const u of users) sends.push(u.c.engine.sendBroadcastMessage(u.room, `${u.id}-${i}`));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await ann.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('bob-5'));
    await cat.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('dan-5'));
    await redis.restart(lost);

    // The lost shard's clients log in afresh; the others are dropped too (the whole backend
    // reset), which nothing but the reset would do: their shard and their links were untouched.
    for (const [i, u] of users.entries()) {
      const back = await u.c.rec.waitForState(u.room, 'RECONNECTED', { from: marks[i], timeoutMs: 20_000 });
      if (u.room === onLost) expect(back[3]).toBe('{"recovered":false}');
    }
    sending = false;
    await load;
    const results = await Promise.all(sends);
    expect(results.filter((r) => r.errorCode !== 0)).toEqual([]);

    // After the storm: each room holds exactly its live clients, and a message from each reaches
    // the other once.
    expect(await memberIDs(raw, onLost)).toEqual(['ann', 'bob']);
    expect(await memberIDs(raw, onKept)).toEqual(['cat', 'dan']);
    for (const u of users) await u.c.engine.sendBroadcastMessage(u.room, `last from ${u.id}`);
    for (const [c, room, other] of [
      [ann, onLost, 'bob'],
      [bob, onLost, 'ann'],
      [cat, onKept, 'dan'],
      [dan, onKept, 'cat'],
    ] as const) {
      await c.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes(`last from ${other}`));
      expect(received(c, room).filter((t) => t === `last from ${other}`)).toHaveLength(1);
      const sent = received(c, room).filter((t) => t.startsWith(`${other}-`));
      expect(new Set(sent).size).toBe(sent.length);
    }
  }, 90_000);
});
