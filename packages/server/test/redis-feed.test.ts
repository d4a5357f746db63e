// What the Redis backend does beyond the contract: its log as a Stream bounded by MAXLEN, the
// room's keys going away with its last member, subscriptions that follow local members, and a
// node that misses pub/sub messages (a lost publish, a dropped subscriber connection) still
// delivering every event once and in order, from the log.

import { Code } from '@atrium/protocol';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../../test/support/fault-proxy.js';
import { type TestRedis, useTestRedis } from '../../../test/support/redis.js';
import { roomKeys, userIndexKey } from '../src/backend/redis/keys.js';
import { RedisBackend, type RedisBackendOptions } from '../src/backend/redis/redis.js';
import type { JoinRequest, RoomRef } from '../src/backend/types.js';
import { Node } from './backend-cluster-contract.js';

const APP = 3;
let redis: TestRedis;
let raw: Redis;
let keyPrefix = '';
let testNumber = 0;
let roomNumber = 0;
const opened: RedisBackend[] = [];

useTestRedis((r, client) => {
  redis = r;
  raw = client;
});
beforeEach(() => {
  keyPrefix = `feed${++testNumber}`;
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
});

function node(options: Partial<RedisBackendOptions> = {}): { backend: RedisBackend; node: Node } {
  const backend = new RedisBackend({ url: redis.url, keyPrefix, ...options });
  opened.push(backend);
  return { backend, node: new Node(backend) };
}

const freshRoom = (): RoomRef => ({ appID: APP, roomID: `feed-${++roomNumber}` });

function joinReq(room: RoomRef, userID: string, over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    room,
    user: { userID, userName: userID },
    sessionID: `s-${userID}`,
    multi: false,
    userUpdate: true,
    maxMemberCount: 0,
    duplicateLogin: 'kick-old',
    withMembers: false,
    nowMs: 1000,
    ...over,
  };
}

const actor = (room: RoomRef, userID: string) => ({ room, userID, sessionID: `s-${userID}` });

/** Appends an event to the room's log as a script would, but publishes nothing: a lost message. */
async function writeUnpublished(room: RoomRef, message: string, maxLen = 1024): Promise<number> {
  const keys = roomKeys(keyPrefix, room);
  const seq = await raw.hincrby(keys.meta, 'seq', 1);
  const pos = Number(await raw.hget(keys.meta, 'base')) + seq;
  const event = {
    k: 'bcast',
    msg: { fromUser: { userID: 'ghost', userName: 'ghost' }, message, sendTime: 0, messageID: seq },
  };
  const count = await raw.hlen(keys.members);
  await raw.xadd(
    keys.log,
    'MAXLEN',
    String(maxLen),
    `${seq}-0`,
    'v',
    JSON.stringify(event),
    'c',
    String(count),
    'p',
    String(pos),
  );
  return seq;
}

async function subscriberID(backend: RedisBackend): Promise<string> {
  const list = await raw.client('LIST');
  const line = String(list)
    .split('\n')
    .find((l) => l.includes(`name=atrium:${backend.nodeID}:sub `));
  const id = line?.match(/^id=(\d+)/)?.[1];
  if (id === undefined) throw new Error(`no subscriber connection for ${backend.nodeID}`);
  return id;
}

/** Polls a condition no event announces (a proxy's link count). */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function shardSubscribers(channel: string): Promise<number> {
  const reply = await raw.call('PUBSUB', 'SHARDNUMSUB', channel);
  return Array.isArray(reply) ? Number(reply[1]) : -1;
}

const seqsOf = (n: Node, room: RoomRef) => n.events(room).map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('the log', () => {
  it('holds the last historyMaxEvents events as entries <seq>-0; history reads them by seq', async () => {
    const { backend } = node({ historyMaxEvents: 5 });
    const room = freshRoom();
    await backend.join(joinReq(room, 'u1'));
    for (let i = 0; i < 9; i++) await backend.broadcast({ ...actor(room, 'u1'), message: `m${i}`, nowMs: i });
    const entries = await raw.xrange(roomKeys(keyPrefix, room).log, '-', '+');
    expect(entries.map(([id]) => id)).toEqual(['6-0', '7-0', '8-0', '9-0', '10-0']);
    expect((await backend.history(room, 7))?.map((e) => e.seq)).toEqual([8, 9, 10]);
    expect((await backend.history(room, 5))?.map((e) => e.seq)).toEqual([6, 7, 8, 9, 10]);
    expect(await backend.history(room, 4)).toBeNull();
    expect(await backend.history(room, 10)).toEqual([]);
  });

  it('a room’s keys go with its last member but for a tombstone of its position; a new one starts at seq 1', async () => {
    const { backend } = node({ roomTombstoneMs: 60_000 });
    const room = freshRoom();
    await backend.join(joinReq(room, 'u1'));
    await backend.join(joinReq(room, 'u2'));
    await backend.publishStream({ ...actor(room, 'u1'), streamID: 's1', extraInfo: '' });
    await backend.setRoomExtra({ ...actor(room, 'u2'), key: 'k', value: 'v', maxKeys: 5, nowMs: 1 });
    // Rooms' and users' keys (hash-tagged), not the node's own lease keys.
    const pattern = `${keyPrefix}:{*`;
    expect((await raw.keys(pattern)).length).toBeGreaterThanOrEqual(7);
    await backend.remove({ room, userID: 'u1' });
    expect(await backend.remove({ room, userID: 'u2' })).toEqual({ removed: true, destroyed: true });
    const keys = roomKeys(keyPrefix, room);
    expect(await raw.keys(pattern)).toEqual([keys.gone]);
    expect(await raw.get(keys.gone)).toBe('7');
    const ttl = await raw.pttl(keys.gone);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const again = await backend.join(joinReq(room, 'u3'));
    expect(again.ok && again.created).toBe(true);
    expect(again.ok && again.state.seq).toBe(1);
    expect(await raw.exists(keys.gone)).toBe(0);
    // Positions go on where the old room stopped, so nodes never mistake the new room's events for old ones.
    expect(await raw.hget(keys.meta, 'base')).toBe('7');
    const entries = await raw.xrange(keys.log, '-', '+');
    expect(entries.map(([id, fields]) => [id, fields[fields.indexOf('p') + 1]])).toEqual([['1-0', '8']]);
  });

  it('the user index follows memberships and is empty when the user is in no room', async () => {
    const { backend } = node();
    const [r1, r2] = [freshRoom(), freshRoom()];
    await backend.join(joinReq(r1, 'u1', { multi: true }));
    await backend.join(joinReq(r2, 'u1', { multi: true }));
    const index = userIndexKey(keyPrefix, APP, 'u1');
    expect(Object.keys(await raw.hgetall(index)).sort()).toEqual([r1.roomID, r2.roomID].sort());
    await backend.remove({ room: r1, userID: 'u1' });
    expect(Object.keys(await raw.hgetall(index))).toEqual([r2.roomID]);
    await backend.remove({ room: r2, userID: 'u1' });
    expect(await raw.exists(index)).toBe(0);
  });

  it('an index entry left by a vanished node does not block a reject-new login, and is pruned', async () => {
    const { backend } = node();
    const index = userIndexKey(keyPrefix, APP, 'u1');
    await raw.hset(index, 'gone-room', JSON.stringify({ s: 'dead', m: 0, j: 3, node: 'dead-node' }));
    const r = await backend.join(joinReq(freshRoom(), 'u1', { duplicateLogin: 'reject-new' }));
    expect(r.ok).toBe(true);
    expect(await raw.hexists(index, 'gone-room')).toBe(0);
  });
});

describe('subscriptions', () => {
  it('a node listens to a room while it has members there, and only then', async () => {
    const a = node();
    const b = node();
    const room = freshRoom();
    const channel = roomKeys(keyPrefix, room).channel;
    const subscribers = () => shardSubscribers(channel);
    await a.backend.join(joinReq(room, 'u1'));
    expect(await subscribers()).toBe(1);
    await b.backend.broadcast({
      room,
      userID: 'sys',
      sessionID: '',
      asServer: { userName: '' },
      message: 'x',
      nowMs: 0,
    });
    await a.node.reached(room, 2);
    expect(b.node.messages).toEqual([]);
    await b.backend.join(joinReq(room, 'u2'));
    expect(await subscribers()).toBe(2);
    await a.backend.remove({ room, userID: 'u1' });
    expect(await subscribers()).toBe(1);
    // B still has u2 there: it hears A's member leave.
    await b.node.waitFor((m) => m.kind === 'event' && m.event.k === 'leave');
    await b.backend.remove({ room, userID: 'u2' });
    expect(await subscribers()).toBe(0);
  });

  it('a node whose member was removed by another node stops listening', async () => {
    const a = node();
    const b = node();
    const room = freshRoom();
    const channel = roomKeys(keyPrefix, room).channel;
    await a.backend.join(joinReq(room, 'u1'));
    await a.backend.join(joinReq(room, 'u2'));
    await b.backend.remove({ room, userID: 'u1', kick: { code: Code.KICKED_BY_BACKEND, ext: '' } });
    await b.backend.remove({ room, userID: 'u2' });
    await a.node.reached(room, 4);
    expect(await shardSubscribers(channel)).toBe(0);
  });
  it('a node joining while the room is destroyed and re-created delivers the new room’s events', async () => {
    const a = node();
    const b = node();
    for (let round = 0; round < 20; round++) {
      const room = freshRoom();
      await b.backend.join(joinReq(room, `old${round}`));
      // A subscribes, then joins: the old room may end in between, and A's join create a new one.
      const [, joined] = await Promise.all([
        b.backend.remove({ room, userID: `old${round}` }),
        a.backend.join(joinReq(room, `a${round}`)),
      ]);
      if (!joined.ok) throw new Error('join refused');
      await b.backend.join(joinReq(room, `b${round}`));
      await b.backend.broadcast({ ...actor(room, `b${round}`), message: 'hi', nowMs: 0 });
      const after = joined.state.seq;
      await a.node.waitFor(
        (m) => m.kind === 'event' && m.room.roomID === room.roomID && m.event.k === 'bcast',
      );
      // From its own join on, A delivered every event of the room it is in, in order.
      const events = a.node.events(room);
      const from = events.findIndex((e) => e.event.k === 'join' && e.member?.sessionID === `s-a${round}`);
      const mine = events.slice(from);
      expect(mine.map((e) => e.seq)).toEqual(mine.map((_, i) => after + i));
      expect(mine.at(-1)?.event.k).toBe('bcast');
    }
  });

  it('a join made while the subscriber connection is still handshaking subscribes in time', async () => {
    // A slow link stretches ioredis's handshake: a SSUBSCRIBE sent during it would be lost.
    const proxy = await FaultProxy.start(redis.url);
    try {
      proxy.delay(100);
      const a = node({ url: `redis://127.0.0.1:${proxy.port}`, deliveryWaitMs: 60_000 });
      const b = node();
      await until(() => proxy.openLinks >= 2);
      const room = freshRoom();
      await a.backend.join(joinReq(room, 'u1'));
      await b.backend.join(joinReq(room, 'u2'));
      // No log fallback for A (60 s): this can only come by pub/sub.
      await a.node.reached(room, 2);
      expect(seqsOf(a.node, room)).toEqual([1, 2]);
    } finally {
      await proxy.close();
    }
  });
});

describe('missed messages', () => {
  it('an event whose publish never arrived is read from the log before the next one', async () => {
    const a = node();
    const b = node();
    const room = freshRoom();
    await a.backend.join(joinReq(room, 'u1'));
    await b.backend.join(joinReq(room, 'u2'));
    await a.node.reached(room, 2);
    const lost = await writeUnpublished(room, 'lost');
    await b.backend.broadcast({ ...actor(room, 'u2'), message: 'after', nowMs: 0 });
    await a.node.reached(room, lost + 1);
    expect(seqsOf(a.node, room)).toEqual(range(1, 4));
    expect(a.node.events(room)[2]).toMatchObject({ seq: 3, event: { k: 'bcast', msg: { message: 'lost' } } });
  });

  it('what was published while a subscriber was cut off arrives after it reconnects, once and in order', async () => {
    const a = node();
    const b = node();
    const [busy, quiet] = [freshRoom(), freshRoom()];
    for (const room of [busy, quiet]) {
      await a.backend.join(joinReq(room, 'u1', { multi: true }));
      await b.backend.join(joinReq(room, 'u2', { multi: true }));
      await a.node.reached(room, 2);
    }
    await raw.client('KILL', 'ID', await subscriberID(a.backend));
    // ioredis waits before reconnecting: these are published while A is not subscribed.
    for (let i = 0; i < 3; i++) {
      await b.backend.broadcast({ ...actor(busy, 'u2'), message: `busy${i}`, nowMs: i });
      await b.backend.broadcast({ ...actor(quiet, 'u2'), message: `quiet${i}`, nowMs: i });
    }
    // The quiet room gets nothing more: only the resync after the reconnect can bring these.
    await a.node.reached(quiet, 5);
    await b.backend.broadcast({ ...actor(busy, 'u2'), message: 'later', nowMs: 9 });
    await a.node.reached(busy, 6);
    expect(seqsOf(a.node, busy)).toEqual(range(1, 6));
    expect(seqsOf(a.node, quiet)).toEqual(range(1, 5));
    expect(
      a.node.events(quiet).map((e) => (e.event.k === 'bcast' ? e.event.msg.message : e.event.k)),
    ).toEqual(['join', 'join', 'quiet0', 'quiet1', 'quiet2']);
  });

  it('events the log no longer holds are reported lost, and what follows is delivered', async () => {
    const warnings: string[] = [];
    const a = node({ historyMaxEvents: 2, log: { warn: (_d, message) => warnings.push(message) } });
    const b = node({ historyMaxEvents: 2 });
    const room = freshRoom();
    await a.backend.join(joinReq(room, 'u1'));
    await b.backend.join(joinReq(room, 'u2'));
    await a.node.reached(room, 2);
    for (let i = 0; i < 5; i++) await writeUnpublished(room, `lost${i}`, 2);
    await b.backend.broadcast({ ...actor(room, 'u2'), message: 'after', nowMs: 0 });
    await a.node.reached(room, 8);
    // The log keeps 2: by the time 8 arrives, 3..6 are gone and 7 is all that can be read.
    expect(seqsOf(a.node, room)).toEqual([1, 2, 7, 8]);
    expect(warnings).toContain('room events lost: the log no longer holds them');
  });

  it('a call returns once its own events are delivered, also while the subscriber reconnects', async () => {
    const a = node({ deliveryWaitMs: 100 });
    const room = freshRoom();
    await a.backend.join(joinReq(room, 'u1'));
    // Published while the subscriber is away: the log brings it (after the wait, or the resync).
    await raw.client('KILL', 'ID', await subscriberID(a.backend));
    await a.backend.broadcast({ ...actor(room, 'u1'), message: 'mine', nowMs: 0 });
    expect(seqsOf(a.node, room)).toEqual([1, 2]);
    await a.backend.broadcast({ ...actor(room, 'u1'), message: 'next', nowMs: 0 });
    expect(seqsOf(a.node, room)).toEqual([1, 2, 3]);
  });
});
