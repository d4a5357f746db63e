// The webhook queue of cluster mode against a real redis-server: a fact queued by a node that
// died before listing its room is found by the scan; a room's facts reach one sink in order and
// leave the queue only once the sink is done with them; a fact the sink gives back stays.

import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../test/support/redis.js';
import { RedisHookQueue } from '../src/backend/redis/hooks.js';
import { roomKeys } from '../src/backend/redis/keys.js';
import type { HookFacts } from '../src/backend/types.js';

let raw: Redis;
let prefixNumber = 0;

useTestRedis((_redis, client) => {
  raw = client;
});

const silent = { warn: () => {} };

function queue(prefix: string, nodeID: string): RedisHookQueue {
  return new RedisHookQueue(raw, {
    prefix,
    nodeID,
    lockTtlMs: 1000,
    pollMs: 50,
    scanMs: 100,
    maxRooms: 4,
    log: silent,
  });
}

/** A queued fact as the room scripts write it: the channel message plus life and time. */
const fact = (seq: number, userID: string) =>
  JSON.stringify({
    s: seq,
    p: seq,
    c: 1,
    v: { k: 'join', user: { userID, userName: userID } },
    l: '17000000000000000001',
    w: 1700000000000,
  });

function collect(): {
  seen: HookFacts[];
  until(n: number): Promise<void>;
  sink(f: HookFacts): Promise<boolean>;
} {
  const seen: HookFacts[] = [];
  let wake = () => {};
  return {
    seen,
    async sink(f) {
      seen.push(f);
      wake();
      return true;
    },
    async until(n) {
      while (seen.length < n) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

describe('RedisHookQueue', () => {
  it('finds a room nobody listed (its node died right after queueing) and sends its facts in order, once', async () => {
    const prefix = `hooks${++prefixNumber}`;
    const ref = { appID: 7, roomID: 'r1' };
    const key = roomKeys(prefix, ref).hooks;
    await raw.rpush(key, fact(1, 'ann'), fact(2, 'bob'), fact(3, 'cat'));
    const [a, b] = [queue(prefix, 'node-a'), queue(prefix, 'node-b')];
    const got = collect();
    a.start((f) => got.sink(f));
    b.start((f) => got.sink(f));
    await got.until(3);
    expect(
      got.seen.map((f) => [f.seq, f.event.k === 'join' ? f.event.user.userID : '', f.life, f.room]),
    ).toEqual([
      [1, 'ann', '17000000000000000001', ref],
      [2, 'bob', '17000000000000000001', ref],
      [3, 'cat', '17000000000000000001', ref],
    ]);
    while ((await raw.exists(key)) === 1) await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all([a.stop(), b.stop()]);
    expect(got.seen).toHaveLength(3);
  });

  it('keeps a fact the sink gives back (the node is closing) for the next sender', async () => {
    const prefix = `hooks${++prefixNumber}`;
    const ref = { appID: 7, roomID: 'r2' };
    const key = roomKeys(prefix, ref).hooks;
    await raw.rpush(key, fact(1, 'ann'));
    const closing = queue(prefix, 'node-a');
    let offered = () => {};
    const wasOffered = new Promise<void>((resolve) => (offered = resolve));
    closing.start(async () => {
      offered();
      return false;
    });
    await wasOffered;
    await closing.stop();
    // Its lock goes with it: the next node sends the fact at once.
    while ((await raw.exists(roomKeys(prefix, ref).hookLock)) === 1)
      await new Promise((r) => setTimeout(r, 20));
    expect(await raw.llen(key)).toBe(1);
    const next = queue(prefix, 'node-b');
    const got = collect();
    next.start((f) => got.sink(f));
    await got.until(1);
    await next.stop();
    expect(got.seen[0]?.seq).toBe(1);
  });
});
