// Webhooks in cluster mode: one sender per room, and nothing lost with a node. The room scripts
// queue each webhook-relevant event's facts (HookFacts: the event, the room's lifetime ID, Redis's
// time, what a stream_close needs) in the room's own list, `{<app>:<room>}:hooks`, in the same
// atomic step as the change itself (scripts.ts, `record`). Any node may send them: a node
// takes a room by its lock (`:hooklock`, SET NX PX, renewed while it sends), hands the room's
// facts to the sink in order, and removes each only once the sink is done with it (delivered, or
// given up after its retries). A node that dies mid-way leaves the fact at the head of the list
// and the lock to lapse; the next node sends it again, with the same event_id (at least once).
//
// Finding the rooms with facts waiting: the node whose script queued one lists the room in
// `<prefix>:hooks:pending` right after (a sorted set, not in the room's slot, so a separate
// step); a node killed between the two leaves a room unlisted, which a slow scan of the keys
// (every `scanMs`) lists again. A sender that finds a room's list empty unlists it, then looks
// once more, so a fact queued meanwhile is never stranded.
//
// Fairness: a node sends at most `maxRooms` rooms at once. When every slot is taken and other
// rooms wait, a room gives up its slot after each fact and is listed again at the back, so a
// room that never stops churning delays the others by one fact at a time, never for good.

import { randomInt } from 'node:crypto';
import type { StreamInfo } from '@atrium/protocol';
import { Cluster } from 'ioredis';
import type { HookFacts, HookQueue, RoomRef } from '../types.js';
import { parseChannelMessage } from './codec.js';
import type { FeedLog } from './feed.js';
import { type RedisClient, roomKeys } from './keys.js';
import { REDIS_BACKEND_DEFAULTS, type RedisBackendOptions } from './options.js';
import { LuaScript } from './scripts.js';

export interface RedisHookQueueOptions {
  prefix: string;
  nodeID: string;
  /** A room's lock lives this long unrenewed (renewed every third of it). */
  lockTtlMs: number;
  /** How often the pending rooms are looked at. */
  pollMs: number;
  /** How often the keys are scanned for rooms nobody listed (a node died in between). */
  scanMs: number;
  /** Rooms this node sends at once. */
  maxRooms: number;
  log: FeedLog;
}

// KEYS: lock, hooks. ARGV: node, the head as read. Dequeues the head while this node holds the lock.
const POP_HEAD = new LuaScript(
  'popHook',
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('LINDEX', KEYS[2], 0) == ARGV[2] then redis.call('LPOP', KEYS[2]) end
return 1`,
);

// KEYS: lock. ARGV: node, ttl ('0': let go). Renews or releases the lock while this node holds it.
const KEEP_LOCK = new LuaScript(
  'keepHookLock',
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`,
);

/** A room's queue key back to the room: `<prefix>:{<appID>:<roomID>}:hooks`. */
function roomOfKey(prefix: string, key: string): RoomRef | undefined {
  const m = /^(.*):\{(\d+):([^}]*)\}:hooks$/.exec(key);
  if (m === null || m[1] !== prefix) return undefined;
  return { appID: Number(m[2]), roomID: m[3] ?? '' };
}

const memberOf = (ref: RoomRef): string => `${ref.appID}:${ref.roomID}`;
function roomOfMember(member: string): RoomRef | undefined {
  const at = member.indexOf(':');
  const appID = Number(member.slice(0, at));
  return at < 1 || !Number.isSafeInteger(appID) ? undefined : { appID, roomID: member.slice(at + 1) };
}

/** A queued entry: the channel message of the event plus `l` (life), `w` (ms), `o`, `x`. */
export function parseHookEntry(room: RoomRef, raw: string): HookFacts | undefined {
  const message = parseChannelMessage(raw);
  if (message?.kind !== 'entry') return undefined;
  const extra = JSON.parse(raw) as { l?: unknown; w?: unknown; o?: unknown; x?: unknown };
  if (typeof extra.l !== 'string' || typeof extra.w !== 'number') return undefined;
  const { seq, event, member } = message.entry;
  const facts: HookFacts = { room, seq, event, life: extra.l, atMs: extra.w };
  if (member !== undefined) facts.member = member;
  if (typeof extra.o === 'number') facts.pubSeq = extra.o;
  if (Array.isArray(extra.x)) facts.closing = extra.x as { stream: StreamInfo; pubSeq: number }[];
  return facts;
}

/** The backend's webhook queue when webhooks are on (a queue bound above 0), else undefined. */
export function hookQueueOf(
  redis: RedisClient,
  prefix: string,
  nodeID: string,
  leaseTtlMs: number,
  options: Pick<RedisBackendOptions, 'webhookQueueMax' | 'webhookScanMs' | 'webhookMaxRooms'>,
  log: FeedLog,
): RedisHookQueue | undefined {
  if ((options.webhookQueueMax ?? 0) <= 0) return undefined;
  const d = REDIS_BACKEND_DEFAULTS;
  return new RedisHookQueue(redis, {
    prefix,
    nodeID,
    // A sender that died lets go of its rooms as fast as its lease lets go of its sessions.
    lockTtlMs: leaseTtlMs,
    pollMs: Math.max(100, Math.floor(leaseTtlMs / 3)),
    scanMs: options.webhookScanMs ?? d.webhookScanMs,
    maxRooms: options.webhookMaxRooms ?? d.webhookMaxRooms,
    log,
  });
}

export class RedisHookQueue implements HookQueue {
  private readonly pendingKey: string;
  /** Rooms this node sends now, by pending-set member: the room and its drain's own token. */
  private readonly active = new Map<string, { ref: RoomRef; drain: object }>();
  private timers: ReturnType<typeof setInterval>[] = [];
  private sink: ((facts: HookFacts) => Promise<boolean>) | undefined;
  private stopped = false;
  private polling = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly o: RedisHookQueueOptions,
  ) {
    this.pendingKey = `${o.prefix}:hooks:pending`;
  }

  /** A script of this node may have queued facts for `ref`: list the room for the senders. */
  noted(ref: RoomRef): void {
    this.redis
      .zadd(this.pendingKey, Date.now(), memberOf(ref))
      .then(() => this.poll())
      .catch((error: unknown) => this.o.log.warn({ err: error }, 'webhook queue: listing a room failed'));
  }

  start(sink: (facts: HookFacts) => Promise<boolean>): void {
    this.sink = sink;
    this.timers = [
      setInterval(() => void this.poll(), this.o.pollMs),
      setInterval(() => void this.renewLocks(), Math.max(50, Math.floor(this.o.lockTtlMs / 3))),
      setInterval(() => void this.scan(), this.o.scanMs),
    ];
    void this.scan().then(() => this.poll());
  }

  /** Stops taking rooms; the ones being sent let go of their lock once their current fact is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** Claims pending rooms, up to `maxRooms` at once, and sends each. */
  private async poll(): Promise<void> {
    if (this.sink === undefined || this.stopped || this.polling || this.redis.status !== 'ready') return;
    this.polling = true;
    try {
      const free = this.o.maxRooms - this.active.size;
      if (free <= 0) return;
      // A window at a random place: with several nodes, each looks at other rooms than the
      // ones the others hold locked.
      const want = free * 2;
      const total = await this.redis.zcard(this.pendingKey);
      const start = total > want ? randomInt(total - want + 1) : 0;
      const members = await this.redis.zrange(this.pendingKey, start, start + want - 1);
      for (const member of members) {
        if (this.active.has(member) || this.active.size >= this.o.maxRooms) continue;
        const ref = roomOfMember(member);
        if (ref === undefined) {
          await this.redis.zrem(this.pendingKey, member);
          continue;
        }
        const lock = roomKeys(this.o.prefix, ref).hookLock;
        const taken = await this.redis.set(lock, this.o.nodeID, 'PX', this.o.lockTtlMs, 'NX');
        if (taken !== 'OK') continue;
        const drain = {};
        this.active.set(member, { ref, drain });
        void this.drain(member, ref, drain);
      }
    } catch (error) {
      this.o.log.warn({ err: error }, 'webhook queue: polling failed');
    } finally {
      this.polling = false;
    }
  }

  /** Sends the room's facts in order until its list is empty, the lock is lost or the node stops. */
  private async drain(member: string, ref: RoomRef, drain: object): Promise<void> {
    const keys = roomKeys(this.o.prefix, ref);
    const sink = this.sink;
    // A drain whose lock was lost stops; one started after (the lock taken again) is another.
    const mine = () => this.active.get(member)?.drain === drain;
    let yielded = false;
    try {
      while (!this.stopped && sink !== undefined && mine()) {
        const head = await this.redis.lindex(keys.hooks, 0);
        if (head === null) {
          await this.redis.zrem(this.pendingKey, member);
          // Queued after the look above, by a node whose own listing came before our unlisting.
          if ((await this.redis.llen(keys.hooks)) > 0)
            await this.redis.zadd(this.pendingKey, Date.now(), member);
          return;
        }
        const facts = parseHookEntry(ref, head);
        if (facts === undefined)
          this.o.log.warn({ appID: ref.appID }, 'webhook queue: an unreadable entry dropped');
        else if (!(await sink(facts))) return; // Not sent to the end (closing): it stays queued.
        if ((await POP_HEAD.run(this.redis, [keys.hookLock, keys.hooks], [this.o.nodeID, head])) !== 1)
          return;
        if (await this.othersWaiting()) {
          await this.redis.zadd(this.pendingKey, Date.now(), member);
          yielded = true;
          return;
        }
      }
    } catch (error) {
      this.o.log.warn({ err: error, appID: ref.appID }, 'webhook queue: sending a room failed');
    } finally {
      // A drain whose lock went to another one leaves the lock alone: it is not ours.
      if (mine()) {
        this.active.delete(member);
        await KEEP_LOCK.run(this.redis, [keys.hookLock], [this.o.nodeID, '0']).catch(() => undefined);
      }
      if (yielded) void this.poll();
    }
  }

  /** Every slot of this node taken, and more rooms listed than it sends: take turns. */
  private async othersWaiting(): Promise<boolean> {
    if (this.active.size < this.o.maxRooms) return false;
    return (await this.redis.zcard(this.pendingKey)) > this.active.size;
  }

  private async renewLocks(): Promise<void> {
    for (const [member, { ref }] of this.active) {
      const lock = roomKeys(this.o.prefix, ref).hookLock;
      try {
        const kept = await KEEP_LOCK.run(this.redis, [lock], [this.o.nodeID, this.o.lockTtlMs]);
        // Another node has the room now: stop after the current fact (it may be sent twice).
        if (kept !== 1) this.active.delete(member);
      } catch {
        // Redis away: the lock may lapse; the pop checks it.
      }
    }
  }

  /** Lists the rooms whose queue holds facts: a node may have died between queueing and listing. */
  private async scan(): Promise<void> {
    if (this.stopped || this.redis.status !== 'ready') return;
    const shards = this.redis instanceof Cluster ? this.redis.nodes('master') : [this.redis];
    try {
      for (const shard of shards) {
        let cursor = '0';
        do {
          const [next, keys] = await shard.scan(cursor, 'MATCH', `${this.o.prefix}:{*}:hooks`, 'COUNT', 500);
          cursor = next;
          for (const key of keys) {
            const ref = roomOfKey(this.o.prefix, key);
            if (ref !== undefined) await this.redis.zadd(this.pendingKey, 'NX', Date.now(), memberOf(ref));
          }
        } while (cursor !== '0');
      }
    } catch (error) {
      this.o.log.warn({ err: error }, 'webhook queue: scanning failed');
    }
  }
}
