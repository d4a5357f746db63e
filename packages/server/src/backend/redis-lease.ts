// Node leases (SPEC §9): each node keeps `<prefix>:node:{<id>}` alive (SET … PX ttl, renewed
// every ttl/3, and at once when Redis answers) and lists itself in `<prefix>:nodes` (so does the
// session store, before it records a session of the node's: redis-sessions.ts). Every node also
// looks, at the same pace, for listed nodes whose lease has lapsed (or never came: a node killed
// right after it started): once a lapse has lasted the grace period, the sessions
// that node still held (its set, redis-sessions.ts) are removed from their rooms with cause
// `timeout`, as the dead node's own grace sweep would have done, unless another node took them
// over by a resume meanwhile. No member outlives its node by more than lease TTL + grace (+ one
// renewal interval). Several nodes may reap the same node at once: removals are by session, so
// the second finds nothing left.

import type { RedisClient } from './redis-keys.js';
import { nodeSessionsKey, nodesKey, parseSessionRecord, sessionKey } from './redis-sessions.js';
import type { RoomRef } from './types.js';

export interface NodeLeaseOptions {
  prefix: string;
  nodeID: string;
  leaseTtlMs: number;
  /** How long a dead node's sessions are kept for a resume elsewhere. */
  graceMs: number;
  /** Removes one membership of a session (cause timeout). */
  remove(room: RoomRef, userID: string, sessionID: string): Promise<void>;
  warn(details: object, message: string): void;
  /** Monotonic ms. */
  monoNow(): number;
}

export const leaseKey = (prefix: string, node: string): string => `${prefix}:node:{${node}}`;

export class NodeLease {
  /** Nodes seen without a lease, since when (monotonic ms). */
  private readonly lapsed = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private epoch = 0;
  private busy = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: NodeLeaseOptions,
  ) {}

  start(): void {
    const every = Math.max(50, Math.floor(this.options.leaseTtlMs / 3));
    this.timer = setInterval(() => void this.tick(), every);
    // The first tick finds Redis still connecting: the lease is written as soon as it answers,
    // not a renewal interval later (the node may be serving sessions by then).
    this.redis.on('ready', this.onReady);
    void this.tick();
  }

  /** A graceful stop: the lease goes at once, so the others count the grace from now. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.redis.off('ready', this.onReady);
    if (this.redis.status !== 'ready') return;
    try {
      await this.redis.del(leaseKey(this.options.prefix, this.options.nodeID));
    } catch {
      // The lease lapses by itself.
    }
  }

  private readonly onReady = (): void => void this.tick();

  private async tick(): Promise<void> {
    if (this.busy || this.redis.status !== 'ready') return;
    this.busy = true;
    try {
      await this.renew();
      await this.reap();
    } catch (error) {
      this.options.warn({ err: error }, 'node lease: renewing or reaping failed');
    } finally {
      this.busy = false;
    }
  }

  private async renew(): Promise<void> {
    const { prefix, nodeID, leaseTtlMs } = this.options;
    // The epoch tells this run of the node from an earlier one with the same ID.
    if (this.epoch === 0) this.epoch = await this.redis.incr(`${leaseKey(prefix, nodeID)}:epoch`);
    await Promise.all([
      this.redis.set(leaseKey(prefix, nodeID), String(this.epoch), 'PX', leaseTtlMs),
      this.redis.sadd(nodesKey(prefix), nodeID),
    ]);
  }

  private async reap(): Promise<void> {
    const { prefix, nodeID, graceMs } = this.options;
    const now = this.options.monoNow();
    const nodes = await this.redis.smembers(nodesKey(prefix));
    for (const node of nodes) {
      if (node === nodeID) continue;
      if ((await this.redis.exists(leaseKey(prefix, node))) === 1) {
        this.lapsed.delete(node);
        continue;
      }
      const since = this.lapsed.get(node) ?? now;
      this.lapsed.set(node, since);
      if (now - since < graceMs) continue;
      await this.reapNode(node);
    }
    for (const node of this.lapsed.keys()) if (!nodes.includes(node)) this.lapsed.delete(node);
  }

  private async reapNode(node: string): Promise<void> {
    const { prefix } = this.options;
    const setKey = nodeSessionsKey(prefix, node);
    for (const id of await this.redis.smembers(setKey)) {
      const raw = await this.redis.get(sessionKey(prefix, id));
      const rec = raw === null ? null : parseSessionRecord(raw);
      if (rec !== null && rec.node === node) {
        for (const room of rec.rooms) {
          await this.options.remove({ appID: rec.appID, roomID: room.roomID }, rec.user.userID, id);
        }
        // Kicks are not kept: its client, if it ever comes back, logs in afresh.
        await this.redis.del(sessionKey(prefix, id));
      }
      await this.redis.srem(setKey, id);
    }
    if ((await this.redis.scard(setKey)) === 0) {
      await this.redis.srem(nodesKey(prefix), node);
      this.lapsed.delete(node);
    }
  }
}
