// Lease fencing at its edges (docs/contract.md, "Cluster mode"), each once a way to leave a ghost member:
// 1. Redis answering a node later than its lease TTL when a session's grace runs out: the
//    removal is not fenced (a removal only takes away) and is retried until made; the session's
//    record goes only after.
// 2. A join in flight while the node learns it was fenced: the session it was for has ended, so
//    the membership just made is removed instead of bringing the session back.
// 3. Fencing after Redis restarted empty: a node renews its lease on a new connection before it
//    writes again, and its renewal restores the epoch counter, so a later fence covers it.

import type { RoomServer } from '@atrium/server';
import type { Redis } from 'ioredis';
import { afterEach, describe, it } from 'vitest';
import { TestClient } from '../../packages/server/test/helpers.js';
import { memberIDs, membersKey, sessionsOn, untilReady } from '../support/cluster.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { type TestRedis, useTestRedis } from '../support/redis.js';
import { until } from '../support/until.js';
import { World } from '../support/world.js';

const LEASE_TTL_MS = 600;
const base = { heartbeatIntervalMs: 250, leaseTtlMs: LEASE_TTL_MS };

let redis: TestRedis;
let raw: Redis;
let world: World;
let proxy: FaultProxy | undefined;
const clients: TestClient[] = [];

useTestRedis((r, client) => {
  redis = r;
  raw = client;
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.terminate();
  await proxy?.close();
  proxy = undefined;
  await world?.close();
});

/** Node A reaches Redis through a proxy that can cut it off; node B directly. */
async function nodes(aGraceMs: number, bGraceMs: number): Promise<[RoomServer, RoomServer]> {
  world = new World();
  proxy = await FaultProxy.start(redis.url);
  const a = await world.server({
    ...base,
    sessionGraceMs: aGraceMs,
    redis: `redis://127.0.0.1:${proxy.port}`,
  });
  const b = await world.server({ ...base, sessionGraceMs: bGraceMs, redis: redis.url });
  await untilReady(a, b);
  return [a, b];
}

async function client(node: RoomServer): Promise<TestClient> {
  const c = await TestClient.connect(node.wsUrl);
  clients.push(c);
  return c;
}

/** The node that holds `userID`'s membership of `room`, and its session there. */
async function memberOf(room: string, userID: string): Promise<{ node: string; s: string } | undefined> {
  const rec = await raw.hget(membersKey(room), userID);
  return rec === null ? undefined : (JSON.parse(rec) as { node: string; s: string });
}

/** What Redis holds of a member that should be gone: nobody will ever remove it without both. */
async function stillThere(room: string, userID: string): Promise<string> {
  const m = await memberOf(room, userID);
  const record = await raw.get(`atrium:session:{${m?.s}}`);
  const listed = await raw.sismember(`atrium:node:{${m?.node}}:sessions`, m?.s ?? '');
  return `${userID} is still a member of ${room}: ${JSON.stringify(m)}; session record ${record}; listed in its node's sessions: ${listed}`;
}

describe('Redis slower than the lease TTL for a moment', () => {
  it('does not leave the member of a session whose grace ran out during it', async () => {
    // Redis merely slow for A; B would fence A only after 20 s of lapse in any case.
    const [a] = await nodes(300, 20_000);
    const room = 'review-short-cut';
    const ann = await client(a);
    await ann.joined(room, 'ann');

    // Ann's link drops; A's Redis answers 0.8 s late from now on, longer than A's lease TTL: A
    // cannot show it holds its lease, though it is renewed in Redis. Her 300 ms of grace run out.
    ann.socket.terminate();
    proxy?.delay(400);
    await until(async () => (await sessionsOn(a)) === 0, { timeoutMs: 10_000 });
    proxy?.heal();

    // The session ended on A (grace over): its member must leave the room.
    await until(async () => !(await memberIDs(raw, room)).includes('ann'), {
      timeoutMs: 10_000,
      failure: () => 'ann never left',
    }).catch(async () => {
      throw new Error(await stillThere(room, 'ann'));
    });
  }, 40_000);
});

describe('a join in flight while the node learns it was fenced', () => {
  it('leaves no member of the fenced session behind', async () => {
    const [a] = await nodes(1500, 1500);
    const room1 = 'review-fence-join-1';
    const room2 = 'review-fence-join-2';
    const ann = await client(a);
    const session = (await ann.joined(room1, 'ann', { multi: true })).session;

    proxy?.blackhole();
    // Sent now, it waits in A on the session record's write until the cut heals.
    ann.login(room2, 'ann', { multi: true }).catch(() => undefined);
    // B fences A and removes ann's membership.
    await until(async () => !(await memberIDs(raw, room1)).includes('ann'), { timeoutMs: 15_000 });
    proxy?.heal();
    // A learns the fence and ends ann's session: her link is closed.
    await until(() => ann.closedCode !== undefined, { timeoutMs: 10_000 });

    // Whatever became of the join, no member of the ended session may stay in room2.
    await until(async () => (await memberOf(room2, 'ann'))?.s !== session, {
      timeoutMs: 10_000,
      failure: () => 'ghost',
    }).catch(async () => {
      throw new Error(await stillThere(room2, 'ann'));
    });
  }, 60_000);
});

describe('fencing after Redis restarted empty', () => {
  it('still refuses the fenced node, which then ends its sessions', async () => {
    const [a, b] = await nodes(1500, 1500);
    await redis.restart();
    await until(async () => (await raw.ping().catch(() => '')) === 'PONG', { timeoutMs: 15_000 });
    await untilReady(a, b);
    const room = 'review-restart-fence';
    const ann = await client(a);
    await until(async () => (await ann.login(room, 'ann')).code === 0, { timeoutMs: 15_000 });
    const nodeA = (await memberOf(room, 'ann'))?.node;

    proxy?.blackhole();
    await until(async () => !(await memberIDs(raw, room)).includes('ann'), { timeoutMs: 15_000 });
    const fence = await raw.get(`atrium:node:{${nodeA}}:fenced`);
    proxy?.heal();

    // Fenced, A must end ann's session and close her link, as without the restart.
    await until(() => ann.closedCode !== undefined, { timeoutMs: 20_000 }).catch(async () => {
      const state = {
        fence,
        epoch: await raw.get(`atrium:node:{${nodeA}}:epoch`),
        lease: await raw.get(`atrium:node:{${nodeA}}`),
        sessionsOnA: await sessionsOn(a),
        members: await memberIDs(raw, room),
      };
      throw new Error(`A was never told it was fenced: ${JSON.stringify(state)}`);
    });
  }, 60_000);
});
