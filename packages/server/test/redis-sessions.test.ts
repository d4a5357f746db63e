// The session store of cluster mode against a real redis-server: the resume key is kept only as
// a hash and checked on take; a take moves the session to the taking node, after which the old
// node can neither overwrite nor delete the record; kicks outlive the session for the grace
// period; the per-user window of applied request IDs stays bounded; a node holding a session is
// listed among the nodes (so the reaper finds it even if it died before its lease was written).

import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../../../test/support/redis.js';
import { RedisSessionStore } from '../src/backend/redis/sessions.js';
import { hashKey, type StoredSession } from '../src/backend/session-store.js';

let raw: Redis;
let prefixNumber = 0;

useTestRedis((_redis, client) => {
  raw = client;
});

function stores(nodes: string[], appliedWindow = 512): RedisSessionStore[] {
  const prefix = `sessions${++prefixNumber}`;
  return nodes.map(
    (nodeID) => new RedisSessionStore(raw, { prefix, nodeID, appliedWindow, appliedTtlMs: 60_000 }),
  );
}

const KEY = 'the-resume-key-itself';

function session(id: string): StoredSession {
  return {
    id,
    keyHash: hashKey(KEY),
    appID: 7,
    user: { userID: 'ann', userName: 'Ann' },
    multi: false,
    rooms: [
      {
        roomID: 'r1',
        userUpdate: true,
        joinSeq: 3,
        grant: {
          expireSec: 2_000_000_000,
          privileges: { roomID: '', canLogin: true, canPublish: true, streamIDs: [] },
        },
      },
    ],
    kicks: {},
  };
}

async function allValues(): Promise<string> {
  const keys = await raw.keys('*');
  const values = await Promise.all(
    keys.map(async (k) => {
      const type = await raw.type(k);
      if (type === 'string') return (await raw.get(k)) ?? '';
      if (type === 'set') return (await raw.smembers(k)).join(' ');
      if (type === 'hash') return JSON.stringify(await raw.hgetall(k));
      return '';
    }),
  );
  return keys.join(' ') + values.join(' ');
}

describe('RedisSessionStore', () => {
  it('keeps only a hash of the resume key and hands the session over only for the right key', async () => {
    const [a, b] = stores(['node-a', 'node-b']);
    if (a === undefined || b === undefined) throw new Error('stores');
    await a.save(session('s1'));
    expect(await allValues()).not.toContain(KEY);
    expect(await b.take('s1', 'wrong-key')).toBeNull();
    expect(await b.take('unknown', KEY)).toBeNull();
    const taken = await b.take('s1', KEY);
    expect(taken?.rooms.map((r) => r.roomID)).toEqual(['r1']);
    expect(taken?.rooms[0]?.grant.privileges).toEqual({
      roomID: '',
      canLogin: true,
      canPublish: true,
      streamIDs: [],
    });
    expect(await a.takenElsewhere('s1')).toBe(true);
    expect(await b.takenElsewhere('s1')).toBe(false);
  });

  it('after a take, the old node can neither overwrite nor delete the record', async () => {
    const [a, b] = stores(['node-a', 'node-b']);
    if (a === undefined || b === undefined) throw new Error('stores');
    await a.save(session('s2'));
    await b.take('s2', KEY);
    await a.save({ ...session('s2'), rooms: [] });
    await a.end('s2', {}, hashKey(KEY), 1000);
    const again = await b.take('s2', KEY);
    expect(again?.rooms).toHaveLength(1);
  });

  it('lists a node among the nodes as it records a session there, before any lease of its', async () => {
    const prefix = `sessions${prefixNumber + 1}`;
    const [a, b] = stores(['node-a', 'node-b']);
    if (a === undefined || b === undefined) throw new Error('stores');
    // No NodeLease runs here: a node killed before its first renewal still gets reaped.
    await a.save(session('s5'));
    expect(await raw.smembers(`${prefix}:nodes`)).toEqual(['node-a']);
    expect(await raw.smembers(`${prefix}:node:{node-a}:sessions`)).toEqual(['s5']);
    await b.take('s5', KEY);
    expect((await raw.smembers(`${prefix}:nodes`)).sort()).toEqual(['node-a', 'node-b']);
    expect(await raw.smembers(`${prefix}:node:{node-b}:sessions`)).toEqual(['s5']);
  });

  it("a reaper claims a dead node's session in one step: no resume can take it after, its node cannot write it", async () => {
    const [dead, reaper, other] = stores(['node-a', 'node-b', 'node-c']);
    if (dead === undefined || reaper === undefined || other === undefined) throw new Error('stores');
    await dead.save(session('s6'));
    const claimed = await reaper.claim('s6', 'node-a');
    expect(claimed?.rooms.map((r) => r.roomID)).toEqual(['r1']);
    // A second reaper (or the same one after a crash) may claim again and finish the job.
    expect((await other.claim('s6', 'node-a'))?.id).toBe('s6');
    expect(await other.take('s6', KEY)).toBeNull();
    expect(await dead.take('s6', KEY)).toBeNull();
    await dead.save({ ...session('s6'), rooms: [] });
    await reaper.finish('s6');
    // Nor can the fenced node bring the record back afterwards.
    await dead.save(session('s6'));
    expect(await other.take('s6', KEY)).toBeNull();
    expect(await raw.keys(`sessions${prefixNumber}:session:{s6}`)).toEqual([]);
  });

  it('a resume that took the session first wins: the reaper of its old node finds nothing to claim', async () => {
    const [dead, reaper, other] = stores(['node-a', 'node-b', 'node-c']);
    if (dead === undefined || reaper === undefined || other === undefined) throw new Error('stores');
    await dead.save(session('s7'));
    expect(await other.take('s7', KEY)).not.toBeNull();
    expect(await reaper.claim('s7', 'node-a')).toBeNull();
    expect(await reaper.claim('unknown', 'node-a')).toBeNull();
    expect((await other.take('s7', KEY))?.rooms).toHaveLength(1);
  });

  it("keeps an ended session's kicks for the grace period, and nothing else of it", async () => {
    const [a, b] = stores(['node-a', 'node-b']);
    if (a === undefined || b === undefined) throw new Error('stores');
    await a.save(session('s3'));
    await a.end('s3', { r1: { code: 1002050, ext: '' } }, hashKey(KEY), 60_000);
    const left = await b.take('s3', KEY);
    expect(left?.rooms).toEqual([]);
    expect(left?.kicks).toEqual({ r1: { code: 1002050, ext: '' } });
    await a.save(session('s4'));
    await a.end('s4', {}, hashKey(KEY), 60_000);
    expect(await b.take('s4', KEY)).toBeNull();
  });

  it("bounds a user's window of applied request IDs, dropping the oldest", async () => {
    const [a, b] = stores(['node-a', 'node-b'], 5);
    if (a === undefined || b === undefined) throw new Error('stores');
    for (let id = 1; id <= 8; id++) {
      await a.recordApplied(7, 'ann', id, { t: 'bcast', room: 'r1', print: id, sessionID: 's', code: 0 });
    }
    expect(await b.applied(7, 'ann', 3)).toBeNull();
    expect(await b.applied(7, 'ann', 4)).toMatchObject({ t: 'bcast', print: 4, code: 0 });
    expect(await b.applied(7, 'ann', 8)).toMatchObject({ print: 8 });
    expect(await b.applied(7, 'bob', 8)).toBeNull();
  });
});
