// Atrium under test in cluster mode: `createRoomServer` from the built package on the Redis named
// in argv[2] (JSON `{ redis, …extra options }`), alone in this process. servers/atrium.mjs always
// brings its own in-memory backend, which the server refuses next to `redis`, hence this node.
// Started by bench/cluster-fanout.mjs through lib/procs.mjs.

import { serveParent, watchEventLoop } from '../lib/child.mjs';
import { APP_ID, SERVER_SECRET } from '../lib/common.mjs';

const { createRoomServer } = await import('../../packages/server/dist/index.js');
const extra = JSON.parse(process.argv[2] ?? '{}');
if (typeof extra.redis !== 'string') throw new Error('servers/atrium-redis.mjs wants { redis: "redis://…" }');
const server = await createRoomServer({
  apps: [{ appID: APP_ID, serverSecret: SERVER_SECRET }],
  port: 0,
  host: '127.0.0.1',
  logLevel: 'silent',
  ...extra,
});

const loop = watchEventLoop();
const ready = serveParent({
  loopDelay: async () => loop.read(),
  stop: async () => {
    await server.close();
    return true;
  },
});
ready({ url: server.wsUrl, port: Number(new URL(server.wsUrl).port) });
