// A real `redis-server` for tests: started on a free loopback port with nothing persisted,
// awaited until it answers, killed on teardown. `restart()` kills it and starts a fresh
// one on the same port (an outage, then an empty Redis), for the outage tests of cluster mode.

import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

const REDIS_SERVER = process.env.ATRIUM_REDIS_SERVER ?? 'redis-server';
const START_TIMEOUT_MS = 10_000;

/** Every server a test process started, killed even if a test forgets (or the worker exits). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

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
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    running.delete(child);
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
    const child = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running.add(child);
    this.child = child;
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      if (output.length < 10_000) output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      if (output.length < 10_000) output += chunk.toString();
    });
    const exited = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)));
    });
    exited.catch(() => running.delete(child));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const pid = await Promise.race([serverPid(this.port), exited]);
      // Another test file's server may have taken the port first: ours must be the one answering.
      if (pid === child.pid) return;
      if (pid !== undefined) {
        child.kill('SIGKILL');
        throw new Error(`port ${this.port} is taken by another redis-server`);
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server on ${this.port} did not answer PING: ${output.slice(-500)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The process ID of the Redis answering on a one-off connection; undefined when none answers yet. */
async function serverPid(port: number): Promise<number | undefined> {
  const redis = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const info = await redis.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    return Number.isSafeInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}
