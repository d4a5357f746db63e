// What the cluster suites (test/cluster) share: nodes of a cluster in one World, logging a client
// in, reading user lists and broadcasts out of recorded events, and asking a node or Redis who
// is there.

import type { RoomServer, RoomServerOptions } from '@atrium/server';
import type { Cluster, Redis } from 'ioredis';
import { expect } from 'vitest';
import { until } from './until.js';
import { APP_ID, type Client, token, type World } from './world.js';

/** Short heartbeat, grace and lease, so that a node's death or a cut shows within a test. */
export const FAST_CLUSTER = { heartbeatIntervalMs: 250, sessionGraceMs: 1500, leaseTtlMs: 1000 };

/** `count` nodes in `world`, started one after another, all on the Redis (or Cluster) at `redisUrl`. */
export async function startNodes(
  world: World,
  redisUrl: string,
  count: number,
  options: Partial<RoomServerOptions> = FAST_CLUSTER,
): Promise<RoomServer[]> {
  const out: RoomServer[] = [];
  for (let i = 0; i < count; i++) out.push(await world.server({ ...options, redis: redisUrl }));
  return out;
}

/** Logs `c` in to `room` as `userID` (its name the same), with user updates. */
export async function enter(c: Client, room: string, userID: string): Promise<void> {
  await c.engine.loginRoom(room, token(userID), { userID, userName: userID }, { userUpdate: true });
}

/** The user IDs of a `roomUserUpdate` list, sorted. */
export const ids = (users: unknown) => (users as { userID: string }[]).map((u) => u.userID).sort();

/** The texts of an `IMRecvBroadcastMessage` event's messages. */
export const texts = (args: unknown[]) => (args[1] as { message: string }[]).map((m) => m.message);

/** Every broadcast text `c` received in `room`, in order. */
export const received = (c: Client, room: string) =>
  c.rec.of('IMRecvBroadcastMessage', room).flatMap((a) => texts(a));

/** A broadcast each way between ann and cat in `room`: 'from ann' reaches cat, then cat's 'before' reaches ann. */
export async function broadcastEachWay(ann: Client, cat: Client, room: string): Promise<void> {
  await ann.engine.sendBroadcastMessage(room, 'from ann');
  await cat.rec.waitFor('IMRecvBroadcastMessage', (a) => texts(a).includes('from ann'));
  await cat.engine.sendBroadcastMessage(room, 'before');
  await ann.rec.waitFor('IMRecvBroadcastMessage', (a) => texts(a).includes('before'));
}

/**
 * After ann's resume, with cat's 'while away' sent meanwhile: ann has every broadcast once and in
 * order, ann's own reach cat again, and cat never saw ann leave.
 */
export async function expectNothingLost(ann: Client, cat: Client, room: string): Promise<void> {
  await cat.engine.sendBroadcastMessage(room, 'after');
  await ann.rec.waitFor('IMRecvBroadcastMessage', (a) => texts(a).includes('after'));
  expect(received(ann, room)).toEqual(['before', 'while away', 'after']);
  await ann.engine.sendBroadcastMessage(room, 'back');
  await cat.rec.waitFor('IMRecvBroadcastMessage', (a) => texts(a).includes('back'));
  expect(cat.rec.of('roomUserUpdate', room).filter((a) => a[1] === 'DELETE')).toEqual([]);
}

/** A node's /readyz status: 200 once its Redis connections are up, 503 while they are down. */
export async function readyz(node: { httpUrl: string }): Promise<number> {
  return (await fetch(`${node.httpUrl}/readyz`)).status;
}

/** Waits until each node answers logins (before, it says `bye`). */
export async function untilReady(...nodes: { httpUrl: string }[]): Promise<void> {
  for (const node of nodes) {
    await until(async () => (await readyz(node)) === 200, {
      everyMs: 20,
      failure: () => 'node not ready',
    });
  }
}

/** Sessions the node holds, from its own /metrics. */
export async function sessionsOn(node: { httpUrl: string }): Promise<number> {
  const text = await (await fetch(`${node.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('atrium_sessions '));
  return Number(line?.split(' ')[1]);
}

/** The Redis hash of a room's members (one per user, whichever node holds the session). */
export const membersKey = (room: string) => `atrium:{${APP_ID}:${room}}:members`;

/** The user IDs Redis lists as members of `room`, sorted. */
export async function memberIDs(raw: Redis | Cluster, room: string): Promise<string[]> {
  return (await raw.hkeys(membersKey(room))).sort();
}
