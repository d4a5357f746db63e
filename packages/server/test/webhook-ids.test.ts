// Cluster webhooks: a room's lifetime ID (room_seq) is `<creation ms><base % 1e6>`, and `base` is
// 0 for every room created for the first time, so two rooms born in the same millisecond (on any
// node, in any app) share it. Their event_ids must still differ: receivers drop duplicates by
// event_id, so the room is part of it.

import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type TestRedis, useTestRedis } from '../../../test/support/redis.js';
import { parseHookEntry } from '../src/backend/redis/hooks.js';
import { roomKeys } from '../src/backend/redis/keys.js';
import { RedisBackend } from '../src/backend/redis/redis.js';
import type { RoomRef } from '../src/backend/types.js';
import { webhookEventsOf } from '../src/webhooks/events.js';
import { joinReq } from './backend-contract.js';

let redis: TestRedis;
let raw: Redis;

useTestRedis((r, client) => {
  redis = r;
  raw = client;
});

/** The event_ids of the webhook facts queued for `room`. */
async function eventIDs(prefix: string, room: RoomRef): Promise<string[]> {
  const entries = await raw.lrange(roomKeys(prefix, room).hooks, 0, -1);
  return entries.flatMap((entry) => {
    const facts = parseHookEntry(room, entry);
    return facts === undefined ? [] : webhookEventsOf(facts).map((event) => event.id);
  });
}

describe('cluster webhook event IDs', () => {
  it('differ between two rooms created in the same millisecond', async () => {
    const keyPrefix = 'review-ids';
    // Webhooks on; nobody sends, so the facts stay queued for this test to read.
    const a = new RedisBackend({ url: redis.url, keyPrefix, webhookQueueMax: 100 });
    const b = new RedisBackend({ url: redis.url, keyPrefix, webhookQueueMax: 100 });
    try {
      const roomX = { appID: 1, roomID: 'x' };
      const roomY = { appID: 2, roomID: 'y' };
      const nowMs = Date.now();
      expect((await a.join(joinReq(roomX, 'ann', { nowMs }))).ok).toBe(true);
      expect((await b.join(joinReq(roomY, 'bob', { nowMs }))).ok).toBe(true);
      const x = await eventIDs(keyPrefix, roomX);
      const y = await eventIDs(keyPrefix, roomY);
      expect(x).toHaveLength(2); // room_create, room_login
      expect(y).toHaveLength(2);
      expect(x.filter((id) => y.includes(id))).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
