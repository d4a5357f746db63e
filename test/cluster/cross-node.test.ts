// Cluster mode end to end (docs/contract.md, "Cluster mode"): three room servers sharing one real
// Redis — in this process, and again as three separate server processes (the built CLI) — real
// engines logged in through different nodes. A room is one room whichever node its members came
// through: they see each other, every event reaches every member once and in the room's one order,
// a duplicate login on one node kicks the session on another, and a room emptied on every node is
// gone from Redis.

import { AdminCode } from '@atrium/protocol';
import type { RoomServer } from '@atrium/server';
import type { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { admin, adminOk } from '../../packages/server/test/admin-helpers.js';
import { FAST_CLUSTER, ids, startNodes } from '../support/cluster.js';
import { NodeProcess } from '../support/node-process.js';
import { type TestRedis, useTestRedis } from '../support/redis.js';
import { APP_ID, type Client, joined, token, World } from '../support/world.js';

let redis: TestRedis;
let raw: Redis;
let world: World;
let roomNumber = 0;

useTestRedis((r, client) => {
  redis = r;
  raw = client;
});
afterEach(async () => {
  await world?.close();
  await Promise.all(processes.splice(0).map((p) => p.kill()));
});

/** What the tests need of a node, whether it runs in this process or as its own. */
type Node = Pick<RoomServer, 'wsUrl' | 'httpUrl'>;
const MODES = ['in one process', 'as separate processes'] as const;
let mode: (typeof MODES)[number] = 'in one process';
const processes: NodeProcess[] = [];

async function cluster(): Promise<Node[]> {
  world = new World();
  const options = { ...FAST_CLUSTER, onlineCountIntervalMs: 200 };
  if (mode === 'in one process') return startNodes(world, redis.url, 3, options);
  const started = await Promise.all([0, 1, 2].map(() => NodeProcess.start({ ...options, redis: redis.url })));
  processes.push(...started);
  return started;
}

const freshRoom = () => `cross-${++roomNumber}`;
const messages = (c: Client, roomID: string) =>
  c.rec
    .of('IMRecvBroadcastMessage', roomID)
    .flatMap((a) => a[1] as { message: string; messageID: number; fromUser: { userID: string } }[]);

describe.each(MODES)('three nodes %s', (m) => {
  beforeAll(() => {
    mode = m;
  });

  describe('a room across three nodes', () => {
    it('users logged in through different nodes see each other come and go', async () => {
      const [s0, s1, s2] = await cluster();
      if (s0 === undefined || s1 === undefined || s2 === undefined) return;
      const room = freshRoom();
      const ann = await joined(world, s0, room, 'ann');
      const bob = await joined(world, s1, room, 'bob');
      const cat = await joined(world, s2, room, 'cat');
      expect(ids(cat.rec.of('roomUserUpdate', room)[0]?.[2])).toEqual(['ann', 'bob']);
      await ann.rec.waitFor('roomUserUpdate', (a) => a[1] === 'ADD' && ids(a[2]).includes('cat'));
      await bob.rec.waitFor('roomUserUpdate', (a) => a[1] === 'ADD' && ids(a[2]).includes('cat'));
      expect(ids(ann.rec.of('roomUserUpdate', room).flatMap((a) => a[2] as unknown[]))).toEqual([
        'bob',
        'cat',
      ]);
      await ann.rec.waitFor('roomOnlineUserCountUpdate', (a) => a[1] === 3);
      await bob.engine.logoutRoom(room);
      for (const c of [ann, cat]) {
        await c.rec.waitFor('roomUserUpdate', (a) => a[1] === 'DELETE' && ids(a[2]).includes('bob'));
      }
      await cat.rec.waitFor('roomOnlineUserCountUpdate', (a) => a[1] === 2);
    });

    it('every member receives every broadcast exactly once, in the one order of the room', async () => {
      const [s0, s1, s2] = await cluster();
      if (s0 === undefined || s1 === undefined || s2 === undefined) return;
      const room = freshRoom();
      const members = [
        await joined(world, s0, room, 'ann'),
        await joined(world, s1, room, 'bob'),
        await joined(world, s2, room, 'cat'),
        await joined(world, s0, room, 'dan'),
      ];
      const perSender = 15;
      const sent = await Promise.all(
        members.flatMap((c, who) =>
          Array.from({ length: perSender }, (_, i) => c.engine.sendBroadcastMessage(room, `${who}:${i}`)),
        ),
      );
      expect(sent.every((r) => r.errorCode === 0)).toBe(true);
      const all = members.length * perSender;
      for (const c of members) {
        await c.rec.waitFor('IMRecvBroadcastMessage', () => messages(c, room).length >= all - perSender);
      }
      // Whoever sent through whichever node, one order: increasing messageIDs (= the room's seq).
      const orders = members.map((c) => messages(c, room).map((m) => m.messageID));
      for (const [who, order] of orders.entries()) {
        expect(order).toEqual([...order].sort((a, b) => a - b));
        expect(new Set(order).size).toBe(all - perSender);
        expect(messages(members[who] as Client, room).some((m) => m.message.startsWith(`${who}:`))).toBe(
          false,
        );
        // Each sender's own messages arrive in the order they were sent.
        for (let other = 0; other < members.length; other++) {
          if (other === who) continue;
          const theirs = messages(members[who] as Client, room).filter((m) =>
            m.message.startsWith(`${other}:`),
          );
          expect(theirs.map((m) => m.message)).toEqual(
            Array.from({ length: perSender }, (_, i) => `${other}:${i}`),
          );
        }
      }
      // Any two members agree on the order of the messages both received.
      const everyone = new Set(orders.flat());
      const merged = [...everyone].sort((a, b) => a - b);
      for (const order of orders) expect(order).toEqual(merged.filter((id) => order.includes(id)));
    });

    it('streams, extra info, barrage and custom commands cross nodes; a late joiner gets the lists', async () => {
      const [s0, s1, s2] = await cluster();
      if (s0 === undefined || s1 === undefined || s2 === undefined) return;
      const room = freshRoom();
      const ann = await joined(world, s0, room, 'ann');
      const bob = await joined(world, s1, room, 'bob');
      expect(ann.engine.startPublishingStream('ann-cam', undefined, { extraInfo: 'hd' })).toBe(true);
      const [, type, list] = await bob.rec.waitFor('roomStreamUpdate');
      const urls = { urlsFLV: '', urlsRTMP: '', urlsHLS: '', urlsHttpsFLV: '', urlsHttpsHLS: '' };
      expect([type, list]).toEqual([
        'ADD',
        [{ streamID: 'ann-cam', user: { userID: 'ann', userName: 'name-ann' }, extraInfo: 'hd', ...urls }],
      ]);
      await ann.engine.setStreamExtraInfo('ann-cam', 'sd');
      await bob.rec.waitFor(
        'streamExtraInfoUpdate',
        (a) => (a[1] as { extraInfo: string }[])[0]?.extraInfo === 'sd',
      );
      await expect(bob.engine.setRoomExtraInfo(room, 'topic', 'cats')).resolves.toMatchObject({
        errorCode: 0,
      });
      await ann.rec.waitFor('roomExtraInfoUpdate', (a) => (a[1] as { value: string }[])[0]?.value === 'cats');
      expect((await bob.engine.sendBarrageMessage(room, 'wow')).errorCode).toBe(0);
      await ann.rec.waitFor(
        'IMRecvBarrageMessage',
        (a) => (a[1] as { message: string }[])[0]?.message === 'wow',
      );
      expect((await ann.engine.sendCustomCommand(room, 'mute', ['bob'])).errorCode).toBe(0);
      const [, from, command] = await bob.rec.waitFor('IMRecvCustomCommand');
      expect([from, command]).toMatchObject([{ userID: 'ann' }, 'mute']);

      const cat = await joined(world, s2, room, 'cat');
      expect(cat.rec.of('roomStreamUpdate', room)[0]?.slice(1, 3)).toEqual([
        'ADD',
        [{ streamID: 'ann-cam', user: { userID: 'ann', userName: 'name-ann' }, extraInfo: 'sd', ...urls }],
      ]);
      const extra = (cat.rec.of('roomExtraInfoUpdate', room)[0]?.[1] ?? []) as { value: string }[];
      expect(extra[0]?.value).toBe('cats');
      await ann.engine.logoutRoom(room);
      for (const c of [bob, cat]) await c.rec.waitFor('roomStreamUpdate', (a) => a[1] === 'DELETE');
    });
  });

  describe('duplicate logins across nodes', () => {
    it('a login on node B kicks the session on node A with KICKOUT 1002050; the room lists the user once', async () => {
      const [s0, s1, s2] = await cluster();
      if (s0 === undefined || s1 === undefined || s2 === undefined) return;
      const room = freshRoom();
      const old = await joined(world, s0, room, 'ann');
      const watcher = await joined(world, s2, room, 'bob');
      const fresh = world.client(s1);
      await fresh.engine.loginRoom(room, token('ann'), { userID: 'ann' });
      await old.rec.waitForState(room, 'KICKOUT');
      expect(old.rec.states(room)).toEqual(['LOGINING:0', 'LOGINED:0', 'KICKOUT:1002050']);
      expect(fresh.engine.getRoomState(room)).toBe('LOGINED');
      const mark = watcher.rec.mark();
      await fresh.engine.sendBroadcastMessage(room, 'still here');
      await watcher.rec.waitFor('IMRecvBroadcastMessage', undefined, { from: mark });
      await expect(old.engine.sendBroadcastMessage(room, 'gone')).rejects.toMatchObject({
        errorCode: expect.any(Number),
      });
      const late = await joined(world, s2, room, 'cat');
      expect(ids(late.rec.of('roomUserUpdate', room)[0]?.[2])).toEqual(['ann', 'bob']);
    });

    it('single-room: a login to another room through another node kicks the older session', async () => {
      const [s0, s1] = await cluster();
      if (s0 === undefined || s1 === undefined) return;
      const [r1, r2] = [freshRoom(), freshRoom()];
      const old = await joined(world, s0, r1, 'ann');
      const fresh = world.client(s1);
      await fresh.engine.loginRoom(r2, token('ann'), { userID: 'ann' });
      await old.rec.waitForState(r1, 'KICKOUT');
      expect(old.rec.states(r1).at(-1)).toBe('KICKOUT:1002050');
    });

    it('KickoutUser sent to node C kicks a session on node A (1002055, with the reason); a custom command from C reaches A', async () => {
      const [a, b, c] = await cluster();
      if (a === undefined || b === undefined || c === undefined) return;
      const room = freshRoom();
      const ann = await joined(world, a, room, 'ann');
      const bob = await joined(world, b, room, 'bob');
      await bob.rec.waitFor('roomUserUpdate', (e) => e[1] === 'ADD' && ids(e[2]).includes('ann'));
      await adminOk(c, 'SendCustomCommand', {
        RoomId: room,
        FromUserId: 'backend',
        ToUserId: ['ann'],
        MessageContent: 'hello from C',
      });
      const [, , command] = await ann.rec.waitFor('IMRecvCustomCommand');
      expect(command).toBe('hello from C');
      await adminOk(c, 'KickoutUser', { RoomId: room, UserId: ['ann'], CustomReason: 'moderated' });
      const [, , code, ext] = await ann.rec.waitForState(room, 'KICKOUT');
      expect(code).toBe(1002055);
      expect(ext).toContain('moderated');
      await bob.rec.waitFor('roomUserUpdate', (e) => e[1] === 'DELETE' && ids(e[2]).includes('ann'));
      expect(ann.engine.getRoomState(room)).toBe('KICKOUT');
    });
  });

  describe('the admin API across nodes', () => {
    it('a signed request replayed to another node is refused (Code 3): its nonce is used cluster-wide', async () => {
      const [a, b, c] = await cluster();
      if (a === undefined || b === undefined || c === undefined) return;
      const room = freshRoom();
      await joined(world, a, room, 'ann');
      const once = { nonce: `replay-${room}`, timestampSec: Math.floor(Date.now() / 1000) };
      const first = await admin(a, 'DescribeUserNum', { RoomId: [room] }, once);
      expect(first.reply.Code).toBe(0);
      for (const other of [b, c, a]) {
        const replay = await admin(other, 'DescribeUserNum', { RoomId: [room] }, once);
        expect(replay.reply.Code).toBe(AdminCode.NONCE_REUSED);
      }
    });
  });

  describe('room lifetime in Redis', () => {
    it('a room emptied on every node is gone from Redis but for its seq tombstone', async () => {
      const servers = await cluster();
      const room = freshRoom();
      const clients = await Promise.all(servers.map((s, i) => joined(world, s, room, `u${i}`)));
      const prefix = `atrium:{${APP_ID}:${room}}`;
      expect((await raw.keys(`${prefix}:*`)).length).toBeGreaterThanOrEqual(3);
      expect(await raw.call('PUBSUB', 'SHARDNUMSUB', `${prefix}:ch`)).toEqual([`${prefix}:ch`, 3]);
      for (const c of clients) await c.engine.logoutRoom(room);
      expect(await raw.keys(`${prefix}:*`)).toEqual([`${prefix}:gone`]);
      expect(await raw.call('PUBSUB', 'SHARDNUMSUB', `${prefix}:ch`)).toEqual([`${prefix}:ch`, 0]);
      // This room's users only: a node closing leaves its sessions for a resume elsewhere (others' keys).
      expect(await raw.keys(`atrium:{${APP_ID}:u:u[0-9]}:*`)).toEqual([]);
    });
  });
});
