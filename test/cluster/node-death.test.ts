// Cluster mode (docs/contract.md): a node dies (kill -9): three server processes on one real Redis,
// real engines given every node's URL. The dead node's clients resume on the others with nothing
// lost ({"recovered":true}); a member whose client never comes back is removed once the dead node's
// lease has lapsed and the grace period has passed (the others get DELETE); nobody else is
// disturbed.

import { afterEach, describe, expect, it } from 'vitest';
import { enter, ids, texts } from '../support/cluster.js';
import { NodeProcess } from '../support/node-process.js';
import { type TestRedis, useTestRedis } from '../support/redis.js';
import { World } from '../support/world.js';

const HEARTBEAT_MS = 250;
const GRACE_MS = 1500;
const LEASE_TTL_MS = 1000;

let redis: TestRedis;
let world: World;
const nodes: NodeProcess[] = [];

useTestRedis((r) => {
  redis = r;
});
afterEach(async () => {
  await world?.close();
  await Promise.all(nodes.splice(0).map((n) => n.kill()));
});

async function startNodes(count: number): Promise<NodeProcess[]> {
  world = new World();
  const started = await Promise.all(
    Array.from({ length: count }, () =>
      NodeProcess.start({
        redis: redis.url,
        heartbeatIntervalMs: HEARTBEAT_MS,
        sessionGraceMs: GRACE_MS,
        leaseTtlMs: LEASE_TTL_MS,
      }),
    ),
  );
  nodes.push(...started);
  return started;
}

describe('a node killed with members', () => {
  it('its clients resume on other nodes (recovered), the one that never returns is removed after grace + lease TTL, nobody else is disturbed', async () => {
    const [a, b, c] = await startNodes(3);
    if (a === undefined || b === undefined || c === undefined) throw new Error('nodes');
    const room = 'death-1';
    // ann and bob come through node A; ann knows every node, bob only A (so bob never returns).
    const ann = world.client([a.wsUrl, b.wsUrl, c.wsUrl], { reconnectWindowMs: 20_000 });
    const bob = world.client([a.wsUrl], { reconnectWindowMs: 20_000 });
    const cat = world.client([b.wsUrl, c.wsUrl]);
    const dan = world.client([c.wsUrl, b.wsUrl]);
    await enter(cat, room, 'cat');
    await enter(dan, room, 'dan');
    await enter(ann, room, 'ann');
    await enter(bob, room, 'bob');
    await ann.engine.startPublishingStream('ann-cam');
    for (const x of [cat, dan]) {
      await x.rec.waitFor('roomUserUpdate', (e) => e[1] === 'ADD' && ids(e[2]).includes('bob'));
      await x.rec.waitFor('roomStreamUpdate', (e) => e[1] === 'ADD');
    }
    const marks = [ann, cat, dan].map((x) => x.rec.mark());

    const killedAt = Date.now();
    await a.kill();
    const back = await ann.rec.waitForState(room, 'RECONNECTED', { from: marks[0], timeoutMs: 15_000 });
    expect(back[3]).toBe('{"recovered":true}');

    // Bob's membership outlives neither the lease nor the grace period by much.
    for (const x of [cat, dan]) {
      const gone = await x.rec.waitFor(
        'roomUserUpdate',
        (e) => e[1] === 'DELETE' && ids(e[2]).includes('bob'),
        {
          timeoutMs: 15_000,
        },
      );
      expect(gone).toBeDefined();
    }
    const removedAfterMs = Date.now() - killedAt;
    expect(removedAfterMs).toBeGreaterThanOrEqual(GRACE_MS);
    expect(removedAfterMs).toBeLessThan(GRACE_MS + LEASE_TTL_MS + 4000);

    // Ann is still in the room with her stream, for everyone, and the room works across nodes.
    const sent = await ann.engine.sendBroadcastMessage(room, 'after the death');
    expect(sent.errorCode).toBe(0);
    for (const x of [cat, dan]) {
      await x.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('after the death'));
    }
    const hello = await cat.engine.sendBroadcastMessage(room, 'hello ann');
    expect(hello.errorCode).toBe(0);
    await ann.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('hello ann'));
    // Nobody saw ann (or her stream) go, nor cat or dan; ann saw only bob go.
    for (const [i, x] of [ann, cat, dan].entries()) {
      const deleted = x.rec
        .of('roomUserUpdate', room)
        .slice(0)
        .filter((e) => e[1] === 'DELETE')
        .flatMap((e) => ids(e[2]));
      const since = x.rec.all.slice(marks[i]);
      expect(since.filter((r) => r.event === 'roomStreamUpdate' && r.args[1] === 'DELETE')).toEqual([]);
      expect(deleted.filter((u) => u !== 'bob')).toEqual([]);
    }
    expect(cat.rec.states(room).filter((s) => s.startsWith('RECONNECTING'))).toEqual([]);
  }, 60_000);
});
