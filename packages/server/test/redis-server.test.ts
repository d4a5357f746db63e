// A room server in cluster mode: /readyz follows its Redis connections through an outage, and
// close() leaves no connection behind.

import { describe, expect, it } from 'vitest';
import { type TestRedis, useTestRedis } from '../../../test/support/redis.js';
import { startServer } from './helpers.js';

let redis: TestRedis;
useTestRedis((r) => {
  redis = r;
});

/** Polls a condition that no event announces (an HTTP status), within a deadline. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const readyz = async (httpUrl: string) => (await fetch(`${httpUrl}/readyz`)).status;

async function atriumConnections(): Promise<number> {
  const client = redis.client();
  try {
    const list = String(await client.client('LIST'));
    return list.split('\n').filter((line) => / name=atrium:/.test(line)).length;
  } finally {
    client.disconnect();
  }
}

describe('cluster mode', () => {
  it('/readyz is 503 while Redis is unreachable and 200 once it is back', async () => {
    const server = await startServer({ redis: redis.url });
    try {
      await until('ready', async () => (await readyz(server.httpUrl)) === 200);
      expect(await atriumConnections()).toBe(2);
      await redis.stop();
      await until('not ready', async () => (await readyz(server.httpUrl)) === 503);
      expect(await (await fetch(`${server.httpUrl}/readyz`)).text()).toContain('backend not ready');
      await redis.restart();
      await until('ready again', async () => (await readyz(server.httpUrl)) === 200);
    } finally {
      await server.close();
    }
    await until('connections closed', async () => (await atriumConnections()) === 0);
  });
});
