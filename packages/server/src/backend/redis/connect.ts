// The connections of a cluster node to Redis: one Redis, or a Redis Cluster (sharded pub/sub
// through one subscriber per primary) for a comma-separated list of seed URLs; each named, and
// each saying once per outage that it is failing (ioredis retries for ever and reports every
// failed attempt).

import { Cluster, Redis } from 'ioredis';
import type { FeedLog } from './feed.js';
import type { RedisClient } from './keys.js';

/** A connection for `role` ('cmd', 'sub'), named so CLIENT LIST tells a node's connections apart. */
export function connect(url: string, nodeID: string, role: string, log: FeedLog): RedisClient {
  const options = { maxRetriesPerRequest: 3, connectionName: `atrium:${nodeID}:${role}` };
  const redis = open(url, options);
  let failing = false;
  redis.on('error', (error: Error) => {
    if (failing) return;
    failing = true;
    log.warn({ err: error, connection: role }, 'redis connection failing (retrying)');
  });
  redis.on('ready', () => {
    if (!failing) return;
    failing = false;
    log.warn({ connection: role }, 'redis connection back');
  });
  return redis;
}

function open(url: string, options: { maxRetriesPerRequest: number; connectionName: string }): RedisClient {
  const urls = url
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length <= 1) return new Redis(url, options);
  const first = new URL(urls[0] ?? '');
  const password = first.password === '' ? undefined : decodeURIComponent(first.password);
  return new Cluster(
    urls.map((u) => {
      const parsed = new URL(u);
      return { host: parsed.hostname, port: Number(parsed.port || 6379) };
    }),
    {
      shardedSubscribers: true,
      redisOptions: {
        ...options,
        ...(password === undefined ? {} : { password }),
        ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
      },
    },
  );
}

/** Resolves once the connection is ready, or after `timeoutMs` (the caller checks which). */
export function untilReady(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, timeoutMs));
    redis.on('ready', done);
  });
}

export async function quit(redis: RedisClient): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
