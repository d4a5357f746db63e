// What both Atrium server scripts do alike (servers/atrium.mjs on its in-memory backend,
// servers/atrium-redis.mjs on Redis): the server on a loopback port with the benchmark's app and
// no logs, then the `stop` command and the ready message lib/procs.mjs waits for.

import { serveParent } from './child.mjs';
import { APP_ID, SERVER_SECRET } from './common.mjs';

/** `createRoomServer` (from the build under test) with the benchmark's app; `options` added. */
export function startAtrium(createRoomServer, options) {
  return createRoomServer({
    apps: [{ appID: APP_ID, serverSecret: SERVER_SECRET }],
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    ...options,
  });
}

/** Serves `handlers` and `stop` (closes the server) to the parent, then says ready with the URL. */
export function serveAtrium(server, handlers) {
  const ready = serveParent({
    ...handlers,
    stop: async () => {
      await server.close();
      return true;
    },
  });
  ready({ url: server.wsUrl, port: Number(new URL(server.wsUrl).port) });
}
