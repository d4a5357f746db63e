// Resuming on another node of a cluster (docs/contract.md, "Reconnection" and "Cluster mode") with
// every node alive: a node that closes hands its sessions over (its clients resume elsewhere with
// nothing lost), a link to one node cut while that node lives on resumes on another and the first
// node then lets the session go without ending it, and a reliable send whose acknowledgement was
// lost is applied once even when its resend reaches another node.

import type { RoomServer } from '@atrium/server';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { quickRetry } from '../reconnect/net.js';
import { enter, ids, received, sessionsOn, startNodes, texts } from '../support/cluster.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { type TestRedis, useTestRedis } from '../support/redis.js';
import { until } from '../support/until.js';
import { type Client, World } from '../support/world.js';

let redis: TestRedis;
let raw: Redis;
let world: World;
const proxies: FaultProxy[] = [];
let roomNumber = 0;

useTestRedis((r, client) => {
  redis = r;
  raw = client;
});
afterEach(async () => {
  await world?.close();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function nodes(count: number): Promise<RoomServer[]> {
  world = new World();
  return startNodes(world, redis.url, count);
}

async function proxyTo(server: RoomServer): Promise<FaultProxy> {
  const proxy = await FaultProxy.start(server.wsUrl);
  proxies.push(proxy);
  return proxy;
}

/** Two nodes; cat in a fresh room on node B, ann on node A through a proxy, with node B to fall back on. */
async function annBehindProxy() {
  const [a, b] = await nodes(2);
  if (a === undefined || b === undefined) throw new Error('nodes');
  const room = `elsewhere-${++roomNumber}`;
  const proxy = await proxyTo(a);
  const ann = world.client([proxy.wsUrl, b.wsUrl], { retryPolicy: quickRetry });
  const cat = world.client(b);
  await enter(cat, room, 'cat');
  await enter(ann, room, 'ann');
  return { a, b, room, proxy, ann, cat };
}

const deletions = (c: Client, room: string) =>
  c.rec
    .of('roomUserUpdate', room)
    .filter((a) => a[1] === 'DELETE')
    .flatMap((a) => ids(a[2]));

describe('resuming on another node', () => {
  it('a node that closes: its clients resume on another with {"recovered":true}, the others see nothing', async () => {
    const [a, b] = await nodes(2);
    if (a === undefined || b === undefined) throw new Error('nodes');
    const room = `elsewhere-${++roomNumber}`;
    const ann = world.client([a.wsUrl, b.wsUrl], { retryPolicy: quickRetry });
    const cat = world.client(b);
    await enter(cat, room, 'cat');
    await enter(ann, room, 'ann');
    await ann.engine.startPublishingStream('ann-cam');
    await cat.rec.waitFor('roomStreamUpdate', (e) => e[1] === 'ADD');
    const [markAnn, markCat] = [ann.rec.mark(), cat.rec.mark()];
    await cat.engine.sendBroadcastMessage(room, 'before');
    await a.close();
    await cat.engine.sendBroadcastMessage(room, 'while away');
    const back = await ann.rec.waitForState(room, 'RECONNECTED', { from: markAnn });
    expect(back[3]).toBe('{"recovered":true}');
    await cat.engine.sendBroadcastMessage(room, 'after');
    await ann.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('after'));
    expect(received(ann, room)).toEqual(['before', 'while away', 'after']);
    // Node B reaps the closed node once its lease is gone and the grace period has passed.
    await until(async () => (await raw.smembers('atrium:nodes')).length === 1);
    await ann.engine.sendBroadcastMessage(room, 'still here');
    await cat.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('still here'));
    expect(deletions(cat, room)).toEqual([]);
    expect(cat.rec.all.slice(markCat).filter((r) => r.event === 'roomStreamUpdate')).toEqual([]);
  }, 30_000);

  it('a link cut while its node lives on: resumed on another node, the first lets it go without ending it', async () => {
    const { a, b, room, proxy, ann, cat } = await annBehindProxy();
    await cat.rec.waitFor('roomUserUpdate', (e) => e[1] === 'ADD' && ids(e[2]).includes('ann'));
    const mark = ann.rec.mark();
    proxy.down();
    const back = await ann.rec.waitForState(room, 'RECONNECTED', { from: mark });
    expect(back[3]).toBe('{"recovered":true}');
    // Node A's grace period for its copy runs out: it drops the copy...
    await until(async () => (await sessionsOn(a)) === 0);
    // ...without removing the member that now lives on node B.
    await ann.engine.sendBroadcastMessage(room, 'still here');
    await cat.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('still here'));
    const hello = await cat.engine.sendBroadcastMessage(room, 'hello ann');
    expect(hello.errorCode).toBe(0);
    await ann.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('hello ann'));
    expect(deletions(cat, room)).toEqual([]);
    expect(await sessionsOn(b)).toBe(2);
  }, 30_000);

  it('a send whose acknowledgement was lost is applied once though its resend reaches another node', async () => {
    const { room, proxy, ann, cat } = await annBehindProxy();
    // Slow enough that the reply is still on its way when the message has reached cat.
    proxy.delay(400);
    const sent = ann.engine.sendBroadcastMessage(room, 'ack lost');
    const [, delivered] = await cat.rec.waitFor('IMRecvBroadcastMessage', (e) =>
      texts(e).includes('ack lost'),
    );
    proxy.down();
    const result = await sent;
    expect(result.errorCode).toBe(0);
    expect(result.messageID).toBe((delivered as { messageID: number }[])[0]?.messageID);
    const back = await ann.rec.waitForState(room, 'RECONNECTED');
    expect(back[3]).toBe('{"recovered":true}');
    await ann.engine.sendBroadcastMessage(room, 'barrier');
    await cat.rec.waitFor('IMRecvBroadcastMessage', (e) => texts(e).includes('barrier'));
    expect(received(cat, room)).toEqual(['ack lost', 'barrier']);
  }, 30_000);
});
