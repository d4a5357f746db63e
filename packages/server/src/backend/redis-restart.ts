// Telling a restarted Redis from a reconnect to the same one (cluster mode): its run_id changes.
// A restarted Redis is treated as empty, even if it persisted its data (what this node held may
// be older than what it kept): room positions start again, so the feed forgets what it
// delivered, and the nodes drop the sessions they held; their clients log in afresh.

import type { FeedLog } from './redis-feed.js';
import type { RedisClient } from './redis-keys.js';

export class RestartWatch {
  private runID: string | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly redis: RedisClient,
    private readonly log: FeedLog,
    /** Runs first, before the listeners. */
    private readonly forget: () => void,
  ) {}

  onReset(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** After each (re)connect. */
  async check(): Promise<void> {
    // A Cluster has a run_id per node, and INFO goes to any of them: not told apart here.
    if (this.redis.isCluster) return;
    let info: string;
    try {
      info = await this.redis.info('server');
    } catch {
      return; // The next 'ready' asks again.
    }
    const id = /run_id:(\w+)/.exec(info)?.[1];
    if (id === undefined || id === this.runID) return;
    const before = this.runID;
    this.runID = id;
    if (before === undefined) return;
    this.log.warn({ runID: id }, 'redis restarted: sessions dropped, room positions start again');
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
