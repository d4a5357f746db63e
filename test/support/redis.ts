// A real `redis-server` for tests: started on a free loopback port with nothing persisted,
// awaited until it answers, killed on teardown. `restart()` kills it and starts a fresh
// one on the same port (an outage, then an empty Redis), for the outage tests of cluster mode.

import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { exitOf, outputOf, stopChild, track } from './children.js';
import { freePort } from './ports.js';
import { until } from './until.js';

const REDIS_SERVER = process.env.ATRIUM_REDIS_SERVER ?? 'redis-server';
const START_TIMEOUT_MS = 10_000;

export class TestRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  /** Starts a server on a free port; retries on another port if that one was taken meanwhile. */
  static async start(): Promise<TestRedis> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const redis = new TestRedis(await freePort());
      try {
        await redis.launch();
        return redis;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Kills the server (SIGKILL: an outage, not a clean shutdown). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child !== undefined) await stopChild(child);
  }

  /** Kills the server and starts an empty one on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** After `stop()`: an empty server on the same port again (the end of a held outage). */
  async startAgain(): Promise<void> {
    await this.launch();
  }

  /** A client of this server for inspecting keys from tests; the caller quits it. */
  client(): Redis {
    return new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 1, lazyConnect: false });
  }

  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = track(spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.child = child;
    const output = outputOf(child, 10_000);
    const exited = exitOf(child, (code) => `redis-server exited (${code}): ${output().slice(-500)}`);
    try {
      await until(
        async () => {
          const pid = await Promise.race([serverPid(this.port), exited]);
          // Another test file's server may have taken the port first: ours must be the one answering.
          if (pid !== undefined && pid !== child.pid) {
            throw new Error(`port ${this.port} is taken by another redis-server`);
          }
          return pid === child.pid;
        },
        {
          timeoutMs: START_TIMEOUT_MS,
          everyMs: 20,
          failure: () => `redis-server on ${this.port} did not answer PING: ${output().slice(-500)}`,
        },
      );
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }
}

/**
 * Runs `fn` on a one-off connection to the Redis on `port` that fails at once (no retries, no
 * offline queue) when none answers; the connection is closed after.
 */
export async function withConnection<T>(port: number, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** The process ID of the Redis answering on a one-off connection; undefined when none answers yet. */
async function serverPid(port: number): Promise<number | undefined> {
  try {
    const info = await withConnection(port, (redis) => redis.info('server'));
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    return Number.isSafeInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A redis-server for the calling test file: started before its tests, with a client for reading
 * keys, both handed to `use`; stopped after the file's last test.
 */
export function useTestRedis(use: (redis: TestRedis, raw: Redis) => void): void {
  let redis: TestRedis | undefined;
  let raw: Redis | undefined;
  beforeAll(async () => {
    redis = await TestRedis.start();
    raw = redis.client();
    raw.on('error', () => {});
    use(redis, raw);
  });
  afterAll(async () => {
    raw?.disconnect();
    await redis?.stop();
  });
}
