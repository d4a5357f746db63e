// Node leases and their fencing (docs/contract.md, "Cluster mode"). Each node keeps
// `<prefix>:node:{<id>}` alive (its epoch, PX ttl, renewed every ttl/3, and at once when Redis
// answers) and lists itself in `<prefix>:nodes` (so does the session store, before it records a
// session of the node's: sessions.ts). The epoch tells this run of a node from an earlier one with
// the same ID.
//
// Every node also looks, at the same pace, for listed nodes whose lease has lapsed (or never
// came: a node killed right after it started). Once a lapse has lasted the grace period, a
// surviving node *fences* the lapsed one: it records in `<prefix>:node:{<id>}:fenced` that every
// epoch up to the current one is dead — in one step with checking that the lease is still
// absent, so a node that came back just in time is not fenced. Then it removes the sessions that
// node still held (sessions.ts claims each one first, so a resume elsewhere and the reaper
// cannot both have it), with cause `timeout`, as the dead node's own grace sweep would have done.
// No member outlives its node by more than lease TTL + grace (+ one renewal interval).
//
// The fenced node, if it was only cut off or paused, learns it at its next renewal, which the
// fence refuses: it takes a new epoch and its server ends every session it held (server.ts), so
// nothing it believed survives. Meanwhile it writes nothing: a node whose lease may have lapsed
// (no renewal answered within the TTL, by its own monotonic clock, counted from when the renewal
// was sent) refuses writes (`ensure`), so the reaper never races a write from the node it reaps.

import type { RoomRef } from '../types.js';
import { untilReady } from './connect.js';
import type { RedisClient } from './keys.js';
import { LuaScript } from './scripts.js';
import { nodeSessionsKey, nodesKey, type SessionReaper } from './sessions.js';

export interface NodeLeaseOptions {
  prefix: string;
  nodeID: string;
  leaseTtlMs: number;
  /** How long a dead node's sessions are kept for a resume elsewhere. */
  graceMs: number;
  /** How long a write waits for a connecting Redis before it is refused. */
  connectWaitMs: number;
  /** Claims a dead node's sessions one by one (sessions.ts). */
  reaper: SessionReaper;
  /** Removes one membership of a session (cause timeout). */
  remove(room: RoomRef, userID: string, sessionID: string): Promise<void>;
  warn(details: object, message: string): void;
  /** Monotonic ms. */
  monoNow(): number;
}

/** Thrown by a write while the node cannot prove it holds its lease. */
export class LeaseLostError extends Error {
  constructor() {
    super('node lease not held (Redis unreachable, or the node was fenced)');
    this.name = 'LeaseLostError';
  }
}

export const leaseKey = (prefix: string, node: string): string => `${prefix}:node:{${node}}`;
const epochKey = (prefix: string, node: string): string => `${leaseKey(prefix, node)}:epoch`;
const fenceKey = (prefix: string, node: string): string => `${leaseKey(prefix, node)}:fenced`;

/** How long a node's epoch counter and fence outlive its last renewal. */
const NODE_KEYS_KEEP_MS = 7 * 24 * 3_600_000;

// KEYS: lease, fence, epoch counter. ARGV: epoch, ttl, keep. 0 when this epoch has been fenced.
// The counter is raised to the node's epoch if it is behind (a Redis that came back empty), so
// that a fence written later covers this run.
const RENEW = new LuaScript(
  'renewLease',
  `local epoch = tonumber(ARGV[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') >= epoch then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if tonumber(redis.call('GET', KEYS[3]) or '0') < epoch then redis.call('SET', KEYS[3], ARGV[1]) end
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return 1`,
);

// KEYS: lease, fence, epoch counter. ARGV: keep. 0 when the lease is back (the node is alive).
const FENCE = new LuaScript(
  'fenceNode',
  `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[2], redis.call('GET', KEYS[3]) or '0', 'PX', ARGV[1])
return 1`,
);

export class NodeLease {
  /** Nodes seen without a lease, since when (monotonic ms). */
  private readonly lapsed = new Map<string, number>();
  /** When this node last looked (monotonic ms): a gap in its own looking voids what it saw. */
  private lastReapAtMs: number | undefined;
  private readonly fencedListeners = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private epoch = 0;
  /** Writes are allowed until then (monotonic ms). */
  private validUntil = Number.NEGATIVE_INFINITY;
  /** A pass (renewal, then reaping) in flight; a renewal alone, as `ensure` waits for. */
  private running: Promise<void> | undefined;
  private renewing: Promise<void> | undefined;
  /** Fenced, and the listeners not told yet (the new epoch's first renewal failed). */
  private fencedUntold = false;
  private stopped = false;

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
    this.redis.on('close', this.onClose);
    void this.tick();
  }

  /** Whether this node may write now. */
  holds(): boolean {
    return this.options.monoNow() < this.validUntil;
  }

  /** Resolves when this node may write: renews first if needed; LeaseLostError otherwise. */
  async ensure(): Promise<void> {
    if (this.holds()) return;
    // Stopped (the node is closing): its lease is gone for good.
    if (this.stopped) throw new LeaseLostError();
    // Still connecting (a node just started, or Redis just came back): wait for it a while.
    const deadline = this.options.monoNow() + this.options.connectWaitMs;
    await untilReady(this.redis, this.options.connectWaitMs);
    if (this.redis.status === 'ready') {
      // A renewal only (not a whole reaping pass), and not for ever on a silent link.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadline - this.options.monoNow()));
      });
      await Promise.race([this.renewOnce(), late]);
      clearTimeout(timer);
    }
    if (!this.holds()) throw new LeaseLostError();
  }

  /** Redis lost its state (restarted empty): this node takes a new epoch from the new counter. */
  forgetEpoch(): void {
    this.epoch = 0;
    this.validUntil = Number.NEGATIVE_INFINITY;
  }

  /** `listener` is told when this node learns it was fenced (it holds a new epoch by then). */
  onFenced(listener: () => void): () => void {
    this.fencedListeners.add(listener);
    return () => {
      this.fencedListeners.delete(listener);
    };
  }

  /** A graceful stop: the lease goes at once, so the others count the grace from now. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.redis.off('ready', this.onReady);
    this.redis.off('close', this.onClose);
    this.validUntil = Number.NEGATIVE_INFINITY;
    if (this.redis.status !== 'ready') return;
    try {
      await this.redis.del(leaseKey(this.options.prefix, this.options.nodeID));
    } catch {
      // The lease lapses by itself.
    }
  }

  private readonly onReady = (): void => void this.tick();
  /**
   * A new connection may reach a Redis that lost the lease (restarted, failed over): nothing is
   * written on it before the lease is renewed there.
   */
  private readonly onClose = (): void => {
    this.validUntil = Number.NEGATIVE_INFINITY;
  };

  /** One renewal and reaping pass; concurrent callers share the one in flight. */
  private tick(): Promise<void> {
    if (this.stopped || this.redis.status !== 'ready') return Promise.resolve();
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    await this.renewOnce();
    try {
      if (this.holds()) await this.reap();
    } catch (error) {
      this.options.warn({ err: error }, 'node lease: reaping failed');
    }
  }

  private renewOnce(): Promise<void> {
    this.renewing ??= this.renew()
      .catch((error: unknown) => this.options.warn({ err: error }, 'node lease: renewing failed'))
      .finally(() => {
        this.renewing = undefined;
      });
    return this.renewing;
  }

  private async renew(): Promise<void> {
    const { prefix, nodeID, leaseTtlMs } = this.options;
    const sentAt = this.options.monoNow();
    if (this.epoch === 0) this.epoch = await this.redis.incr(epochKey(prefix, nodeID));
    const epoch = this.epoch;
    const keys = [leaseKey(prefix, nodeID), fenceKey(prefix, nodeID), epochKey(prefix, nodeID)];
    const renewed = await RENEW.run(this.redis, keys, [epoch, leaseTtlMs, NODE_KEYS_KEEP_MS]);
    // The epoch was dropped meanwhile (Redis restarted): this renewal, of the old one, proves
    // nothing; the next one takes a new epoch.
    if (epoch !== this.epoch) return;
    if (renewed === 1) {
      this.validUntil = sentAt + leaseTtlMs;
      await this.redis.sadd(nodesKey(prefix), nodeID);
      if (this.fencedUntold) this.tellFenced();
      return;
    }
    // Fenced: the others have removed, or are removing, what this node held. A new epoch, then
    // the server lets every session go (told once the new epoch holds, whenever that is).
    this.validUntil = Number.NEGATIVE_INFINITY;
    this.options.warn({ epoch: this.epoch }, 'node lease: this node was fenced; its sessions end');
    this.epoch = 0;
    this.fencedUntold = true;
    await this.renew();
  }

  private tellFenced(): void {
    this.fencedUntold = false;
    for (const listener of this.fencedListeners) {
      try {
        listener();
      } catch (error) {
        this.options.warn({ err: error }, 'a fenced listener failed');
      }
    }
  }

  private async reap(): Promise<void> {
    const { prefix, nodeID, graceMs, leaseTtlMs } = this.options;
    const now = this.options.monoNow();
    // This node was paused or cut off itself: the lapses it counted may be its own doing.
    if (this.lastReapAtMs !== undefined && now - this.lastReapAtMs > leaseTtlMs) this.lapsed.clear();
    this.lastReapAtMs = now;
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
      const keys = [leaseKey(prefix, node), fenceKey(prefix, node), epochKey(prefix, node)];
      if ((await FENCE.run(this.redis, keys, [NODE_KEYS_KEEP_MS])) !== 1) {
        this.lapsed.delete(node);
        continue;
      }
      await this.reapNode(node);
    }
    for (const node of this.lapsed.keys()) if (!nodes.includes(node)) this.lapsed.delete(node);
  }

  private async reapNode(node: string): Promise<void> {
    const { prefix, reaper } = this.options;
    const setKey = nodeSessionsKey(prefix, node);
    for (const id of await this.redis.smembers(setKey)) {
      // A reaper stops well before its own lease would lapse: renewing comes first.
      if (this.options.monoNow() > this.validUntil - this.options.leaseTtlMs / 3) return;
      // A session resumed elsewhere meanwhile is no longer this node's, and is left alone.
      const rec = await reaper.claim(id, node);
      if (rec !== null) {
        for (const room of rec.rooms) {
          await this.options.remove({ appID: rec.appID, roomID: room.roomID }, rec.user.userID, id);
        }
        await reaper.finish(id);
      }
      await this.redis.srem(setKey, id);
    }
    if ((await this.redis.scard(setKey)) === 0) {
      await this.redis.srem(nodesKey(prefix), node);
      this.lapsed.delete(node);
    }
  }
}
