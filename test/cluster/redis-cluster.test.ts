// Cluster mode on a real Redis Cluster (three primaries, no replicas): the rooms' keys spread
// over the slots by their hash tags, sharded pub/sub through a subscriber per primary. The
// cross-node scenario holds as on one Redis: users on different nodes see each other, every
// broadcast reaches every member once in the room's one order, a duplicate login on one node
// kicks the session on another, and a closing node's client resumes on another with nothing lost.

import type { RoomServer } from '@atrium/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { quickRetry } from '../reconnect/net.js';
import { enter, ids, received, startNodes, texts } from '../support/cluster.js';
import { TestRedisCluster } from '../support/redis-cluster.js';
import { joined, token, World } from '../support/world.js';

let redis: TestRedisCluster;
let world: World;
let roomNumber = 0;

beforeAll(async () => {
  redis = await TestRedisCluster.start();
}, 60_000);
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => world?.close());

async function nodes(count: number): Promise<RoomServer[]> {
  world = new World();
  return startNodes(world, redis.url, count, { heartbeatIntervalMs: 250, sessionGraceMs: 1500 });
}

describe('on a Redis Cluster', () => {
  it('a room across three nodes: presence, one order of broadcasts, cross-node duplicate-login kick', async () => {
    const [s0, s1, s2] = await nodes(3);
    if (s0 === undefined || s1 === undefined || s2 === undefined) throw new Error('nodes');
    // Several rooms, so their keys land on different primaries.
    for (let r = 0; r < 3; r++) {
      const room = `rc-${++roomNumber}`;
      const ann = await joined(world, s0, room, `ann${r}`);
      const bob = await joined(world, s1, room, `bob${r}`);
      const cat = await joined(world, s2, room, `cat${r}`);
      expect(ids(cat.rec.of('roomUserUpdate', room)[0]?.[2])).toEqual([`ann${r}`, `bob${r}`]);
      await ann.rec.waitFor('roomUserUpdate', (a) => a[1] === 'ADD' && ids(a[2]).includes(`cat${r}`));
      const members = [ann, bob, cat];
      const sent = await Promise.all(
        members.flatMap((c, who) =>
          Array.from({ length: 10 }, (_, i) => c.engine.sendBroadcastMessage(room, `${who}:${i}`)),
        ),
      );
      expect(sent.every((x) => x.errorCode === 0)).toBe(true);
      for (const c of members) {
        await c.rec.waitFor('IMRecvBroadcastMessage', () => received(c, room).length >= 20);
      }
      // Each gets the others' 20, once each, in messageID order (the room's one order).
      for (const c of members) {
        const got = c.rec
          .of('IMRecvBroadcastMessage', room)
          .flatMap((a) => (a[1] as { messageID: number }[]).map((m) => Number(m.messageID)));
        expect(got).toHaveLength(20);
        expect(got).toEqual([...got].sort((x, y) => x - y));
      }
      // bob logs in again through node C: node B's session is kicked.
      const bob2 = world.client(s2);
      await bob2.engine.loginRoom(
        room,
        token(`bob${r}`),
        { userID: `bob${r}`, userName: 'b' },
        { userUpdate: true },
      );
      await bob.rec.waitFor('roomStateChanged', (a) => a[1] === 'KICKOUT' && a[2] === 1002050);
    }
    // The rooms and users really are spread over the primaries.
    const perNode = await redis.keysPerNode('atrium:{');
    expect(perNode.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('a closing node: its client resumes on another with {"recovered":true}', async () => {
    const [a, b] = await nodes(2);
    if (a === undefined || b === undefined) throw new Error('nodes');
    const room = `rc-${++roomNumber}`;
    const ann = world.client([a.wsUrl, b.wsUrl], { retryPolicy: quickRetry });
    const cat = world.client(b);
    await enter(cat, room, 'cat');
    await enter(ann, room, 'ann');
    await cat.rec.waitFor('roomUserUpdate', (e) => e[1] === 'ADD' && ids(e[2]).includes('ann'));
    const mark = ann.rec.mark();
    await a.close();
    await cat.engine.sendBroadcastMessage(room, 'while away');
    const back = await ann.rec.waitForState(room, 'RECONNECTED', { from: mark });
    expect(back[3]).toBe('{"recovered":true}');
    await ann.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('while away'));
    await ann.engine.sendBroadcastMessage(room, 'back');
    await cat.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('back'));
    expect(cat.rec.of('roomUserUpdate', room).filter((e) => e[1] === 'DELETE')).toEqual([]);
  }, 30_000);
});
