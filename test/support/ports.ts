// A free loopback port for a child process (redis-server, nginx, a room server process) that
// cannot be told to take port 0 and report back.

import { createServer } from 'node:net';

/** A port that was free a moment ago: the caller's child should retry if it lost it meanwhile. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
