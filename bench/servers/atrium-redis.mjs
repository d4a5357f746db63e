// Atrium under test in cluster mode: `createRoomServer` from the built package on the Redis named
// in argv[2] (JSON `{ redis, …extra options }`), alone in this process. servers/atrium.mjs always
// brings its own in-memory backend, which the server refuses next to `redis`, hence this node.
// Started by bench/cluster-fanout.mjs through lib/procs.mjs.

import { serveAtrium, startAtrium } from '../lib/atrium-node.mjs';
import { watchEventLoop } from '../lib/child.mjs';

const { createRoomServer } = await import('../../packages/server/dist/index.js');
const extra = JSON.parse(process.argv[2] ?? '{}');
if (typeof extra.redis !== 'string') throw new Error('servers/atrium-redis.mjs wants { redis: "redis://…" }');
const server = await startAtrium(createRoomServer, extra);

const loop = watchEventLoop();
serveAtrium(server, { loopDelay: async () => loop.read() });
