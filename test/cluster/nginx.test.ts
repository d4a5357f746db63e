// The nginx example of docs/operations.md, run: a real nginx with that config in front of two
// nodes sharing one Redis, and SDKs that know only nginx's URL. The WebSocket upgrade must pass
// through it, idle links must outlive the heartbeats, and when a node closes nginx must send the
// SDK's own reconnect to the other node, where the session resumes with nothing lost.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { WS_PATH } from '@atrium/protocol';
import type { RoomServer } from '@atrium/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickRetry } from '../reconnect/net.js';
import {
  broadcastEachWay,
  enter,
  expectNothingLost,
  ids,
  sessionsOn,
  startNodes,
} from '../support/cluster.js';
import { NGINX_EXAMPLE, TestNginx } from '../support/nginx.js';
import { TestRedis } from '../support/redis.js';
import { until } from '../support/until.js';
import { World } from '../support/world.js';

const OPERATIONS_MD = fileURLToPath(new URL('../../docs/operations.md', import.meta.url));

let redis: TestRedis;
let world: World;
let nodes: RoomServer[];
let nginx: TestNginx;

beforeAll(async () => {
  redis = await TestRedis.start();
  world = new World();
  nodes = await startNodes(world, redis.url, 2);
  nginx = await TestNginx.start(nodes.map((n) => new URL(n.httpUrl).host));
});
afterAll(async () => {
  await world?.close();
  await nginx?.stop();
  await redis?.stop();
});

const hostOf = (node: RoomServer) => new URL(node.httpUrl).host;

/** Waits until `check` holds; on timeout, says what nginx logged. */
function untilNginx(check: () => Promise<boolean>, what: string): Promise<void> {
  return until(check, { failure: () => `${what}: not in time; nginx said ${nginx.errors.slice(-800)}` });
}

describe('the nginx example in front of a cluster', () => {
  it('is the config docs/operations.md shows, with the WebSocket path the SDK and server use', async () => {
    const example = await readFile(NGINX_EXAMPLE, 'utf8');
    const docs = await readFile(OPERATIONS_MD, 'utf8');
    const blocks = [...docs.matchAll(/^```nginx\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    expect(blocks).toContain(example);
    expect(example).toContain(`location ${WS_PATH} {`);
    expect(nginx.wsUrl.endsWith(WS_PATH)).toBe(true);
  });

  it('answers /healthz and /readyz from both nodes', async () => {
    for (const path of ['/healthz', '/healthz', '/readyz', '/readyz']) {
      const res = await fetch(`${nginx.httpUrl}${path}`);
      expect(res.status, path).toBe(200);
    }
    // Round robin: each path twice in a row, so each reached each node once.
    await untilNginx(async () => (await nginx.accessLog()).length >= 4, 'access log');
    const lines = (await nginx.accessLog()).filter(
      (l) => l.startsWith('GET /healthz') || l.startsWith('GET /readyz'),
    );
    expect(lines.sort()).toEqual(
      [
        `GET /healthz 200 ${hostOf(nodes[0] as RoomServer)}`,
        `GET /healthz 200 ${hostOf(nodes[1] as RoomServer)}`,
        `GET /readyz 200 ${hostOf(nodes[0] as RoomServer)}`,
        `GET /readyz 200 ${hostOf(nodes[1] as RoomServer)}`,
      ].sort(),
    );
  });

  it('carries a room across nodes, and a closed node’s client resumes on the other through nginx', async () => {
    const room = 'behind-nginx';
    const ann = world.client(nginx.wsUrl, { retryPolicy: quickRetry });
    const cat = world.client(nginx.wsUrl, { retryPolicy: quickRetry });
    await enter(ann, room, 'ann');
    const annNode = (await sessionsOn(nodes[0] as RoomServer)) === 1 ? nodes[0] : nodes[1];
    const catNode = annNode === nodes[0] ? nodes[1] : nodes[0];
    if (annNode === undefined || catNode === undefined) throw new Error('nodes');
    await enter(cat, room, 'cat');
    // Round robin put them on different nodes: the room below is a cross-node one.
    expect([await sessionsOn(annNode), await sessionsOn(catNode)]).toEqual([1, 1]);
    await ann.rec.waitFor('roomUserUpdate', (a) => a[1] === 'ADD' && ids(a[2]).includes('cat'));
    expect(ids(cat.rec.of('roomUserUpdate', room)[0]?.[2])).toEqual(['ann']);

    await broadcastEachWay(ann, cat, room);
    // Neither link was cut on its way through nginx.
    expect(ann.rec.states(room).filter((s) => s.startsWith('RECONNECT'))).toEqual([]);
    expect(cat.rec.states(room).filter((s) => s.startsWith('RECONNECT'))).toEqual([]);

    const mark = ann.rec.mark();
    await annNode.close();
    // ann's link ended: nginx logged its upgrade, answered 101 by ann's node.
    await untilNginx(
      async () => (await nginx.accessLog()).includes(`GET ${WS_PATH} 101 ${hostOf(annNode)}`),
      'the upgrade in the access log',
    );
    await cat.engine.sendBroadcastMessage(room, 'while away');
    // The SDK knows only nginx's URL, and round robin's next pick is ann's (closed) node again:
    // nginx must pass the upgrade on to the other one (proxy_next_upstream).
    const back = await ann.rec.waitForState(room, 'RECONNECTED', { from: mark, timeoutMs: 15_000 });
    expect(back[3]).toBe('{"recovered":true}');
    expect(await sessionsOn(catNode)).toBe(2);
    // Passed on within the one request: the SDK was never answered 502 and left to retry.
    expect((await nginx.accessLog()).filter((l) => / 5\d\d /.test(l))).toEqual([]);

    await expectNothingLost(ann, cat, room);
  }, 40_000);
});
