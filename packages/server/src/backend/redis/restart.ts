// Telling a restarted Redis from a reconnect to the same one (cluster mode): its run_id changes.
// A restarted Redis is treated as empty, even if it persisted its data (what this node held may
// be older than what it kept): room positions start again, so the feed forgets what it
// delivered, and the nodes drop the sessions they held; their clients log in afresh.
//
// On a Redis Cluster each primary has its own run_id, so each is asked (by address): a primary
// seen before with another run_id has restarted, and that shard's rooms, user indexes and
// session records are gone. The whole backend resets then, as for one Redis — not only the
// rooms of that shard: a session's memberships, its record and its user's index live on
// different shards, so which sessions the lost one touched cannot be told apart cheaply, and a
// client logging in afresh is always correct. A primary at a new address is only recorded.

import { Cluster, type Redis } from 'ioredis';
import type { FeedLog } from './feed.js';
import type { RedisClient } from './keys.js';

/** A primary that does not answer INFO in this long is skipped (asked again next time). */
const INFO_TIMEOUT_MS = 3000;

export class RestartWatch {
  /** run_id by primary address (host:port); one entry for a single Redis. */
  private readonly runIDs = new Map<string, string>();
  private readonly listeners = new Set<() => void>();
  /** Checks run one at a time, so a late answer from before a restart cannot undo a newer one. */
  private running: Promise<void> = Promise.resolve();
  /** A check queued behind the running one: later triggers share it. */
  private queued: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly log: FeedLog,
    /** Runs first, before the listeners. */
    private readonly forget: () => void,
  ) {
    if (redis instanceof Cluster) {
      // A restarted primary's connection ends; ioredis makes a new one ('+node') when a command
      // for its slots is redirected or the slots are read again ('refresh'): ask then.
      redis.on('+node', () => void this.check());
      redis.on('refresh', () => void this.check());
    }
  }

  onReset(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** After each (re)connect; resolves once every primary reachable now has been asked. */
  check(): Promise<void> {
    if (this.queued === undefined) {
      const next = this.running.then(() => {
        this.queued = undefined;
        return this.checkNow();
      });
      this.queued = next;
      this.running = next;
    }
    return this.queued;
  }

  private async checkNow(): Promise<void> {
    const nodes = this.redis instanceof Cluster ? this.redis.nodes('master') : [this.redis];
    const answers = await Promise.all(
      nodes.map(async (node) => ({ address: addressOf(node), id: await runIDOf(node) })),
    );
    let restarted: string | undefined;
    for (const { address, id } of answers) {
      if (id === undefined) continue; // Unreachable now: the next check asks again.
      const before = this.runIDs.get(address);
      this.runIDs.set(address, id);
      if (before !== undefined && before !== id) restarted = address;
    }
    if (restarted === undefined) return;
    this.log.warn(
      { node: restarted, runID: this.runIDs.get(restarted) },
      'redis restarted: sessions dropped, room positions start again',
    );
    this.forget();
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.log.warn({ err: error }, 'a reset listener failed');
      }
    }
  }
}

function addressOf(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

async function runIDOf(node: Redis): Promise<string | undefined> {
  let cancel = () => {};
  const timeout = new Promise<undefined>((resolve) => {
    const timer = setTimeout(resolve, INFO_TIMEOUT_MS);
    cancel = () => clearTimeout(timer);
  });
  try {
    const info = await Promise.race([node.info('server'), timeout]);
    return info === undefined ? undefined : /run_id:(\w+)/.exec(info)?.[1];
  } catch {
    return undefined;
  } finally {
    cancel();
  }
}
