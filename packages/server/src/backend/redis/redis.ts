// The cluster-mode Backend: every room in Redis, changed by one Lua script per call (check,
// mutate, sequence, log, publish; scripts.ts), its events fanned out by sharded pub/sub to the
// nodes that have members in it (feed.ts). Its cluster facet (cluster.ts) shares sessions,
// webhook facts and admin nonces between the nodes. Any number of nodes share one Redis;
// each room has one total order whichever node wrote.
//
// A room's keys share one Cluster slot, a user's index of rooms has another, so a login that
// displaces the user's membership of another room takes three steps, each atomic: join the
// room (a duplicate in the same room is displaced inside it), record the membership in the
// user index (which returns the memberships it displaces, and so decides races: the later
// record wins), then remove those from their rooms with a kick. See docs/operations.md.

import { randomBytes } from 'node:crypto';
import { Code } from '@atrium/protocol';
import { QuotaDefaults } from '../../defaults.js';
import type { Backend, ClusterFacet } from '../backend.js';
import { streamStoppedBy, streamsLeftBecause } from '../stream-delete.js';
import type {
  Actor,
  BackendListener,
  CapacityRequest,
  CommandRequest,
  Done,
  JoinRequest,
  JoinResult,
  Kick,
  KickedMember,
  LeaveCause,
  MessageRequest,
  MessageResult,
  PublishStreamRequest,
  Refusal,
  RemoveRequest,
  RemoveResult,
  RoomExtraRequest,
  RoomRef,
  RoomState,
  SequencedEvent,
  StreamExtraRequest,
  StreamRequest,
} from '../types.js';
import { RedisCluster } from './cluster.js';
import {
  asArray,
  asInt,
  asString,
  flag,
  historyOf,
  jsonNumber,
  parseLogEntries,
  parseState,
} from './codec.js';
import { connect, quit, untilReady } from './connect.js';
import { type FeedLog, RoomFeed } from './feed.js';
import { hookQueueOf, type RedisHookQueue } from './hooks.js';
import { type RedisClient, type RoomKeys, roomKeyList, roomKeys } from './keys.js';
import { NodeLease } from './lease.js';
import { REDIS_BACKEND_DEFAULTS, type RedisBackendOptions } from './options.js';
import { RestartWatch } from './restart.js';
import { type LuaScript, Scripts } from './scripts.js';
import { RedisSessionStore } from './sessions.js';
import { UserIndex } from './user-index.js';

// The options are declared beside the backend, and imported from it.
export { REDIS_BACKEND_DEFAULTS, type RedisBackendOptions } from './options.js';

const NOT_MEMBER: Refusal = { ok: false, code: Code.NOT_LOGGED_IN };
const BAD_INPUT: Refusal = { ok: false, code: Code.INPUT_PARAM };
const ELSEWHERE = { ok: false, code: Code.LOGGED_IN_ELSEWHERE } as const;
const TOO_MANY_ROOMS = { ok: false, code: Code.TOO_MANY_ROOMS } as const;
const DUPLICATE_KICK = { code: Code.KICKED_DUPLICATE_LOGIN, ext: '' };
const silentLog: FeedLog = { warn: () => {} };

interface Removal {
  room: RoomRef;
  userID: string;
  sessionID?: string;
  joinPos?: number;
  kick?: Kick;
  cause?: Exclude<LeaveCause, 'kick'>;
}

export class RedisBackend implements Backend {
  readonly nodeID: string;
  readonly cluster: ClusterFacet;
  private readonly redis: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly feed: RoomFeed;
  private readonly index: UserIndex;
  private readonly store: RedisSessionStore;
  private readonly lease: NodeLease;
  private readonly prefix: string;
  private readonly maxLen: string;
  private readonly tombstoneMs: string;
  /** How long a kick is kept in its room for a resume elsewhere (kickMemoryMs). */
  private readonly kickKeepMs: string;
  /** The last argument of every room script: the webhook queue's bound, '0' when off. */
  private readonly hooksMax: string;
  private readonly hooks: RedisHookQueue | undefined;
  private readonly subscribeTimeoutMs: number;
  private readonly log: FeedLog;
  private subscriberWasReady = false;
  private readonly restarts: RestartWatch;

  constructor(options: RedisBackendOptions) {
    const d = REDIS_BACKEND_DEFAULTS;
    this.nodeID = options.nodeID ?? randomBytes(9).toString('base64url');
    this.prefix = options.keyPrefix ?? d.keyPrefix;
    this.maxLen = String(options.historyMaxEvents ?? d.historyMaxEvents);
    this.tombstoneMs = String(options.roomTombstoneMs ?? d.roomTombstoneMs);
    this.log = options.log ?? silentLog;
    this.redis = connect(options.url, this.nodeID, 'cmd', this.log);
    this.subscriber = connect(options.url, this.nodeID, 'sub', this.log);
    this.index = new UserIndex(this.redis, this.prefix, this.nodeID);
    this.feed = new RoomFeed(this.redis, this.subscriber, {
      keyPrefix: this.prefix,
      deliveryWaitMs: options.deliveryWaitMs ?? d.deliveryWaitMs,
      subscribeTimeoutMs: options.subscribeTimeoutMs ?? d.subscribeTimeoutMs,
      onListenerError: options.onListenerError ?? (() => {}),
      log: this.log,
    });
    const graceMs = options.sessionGraceMs ?? d.sessionGraceMs;
    this.kickKeepMs = String(Math.max(graceMs, options.kickMemoryMs ?? d.kickMemoryMs));
    this.subscribeTimeoutMs = options.subscribeTimeoutMs ?? d.subscribeTimeoutMs;
    const leaseTtlMs = options.leaseTtlMs ?? d.leaseTtlMs;
    this.hooksMax = String(options.webhookQueueMax ?? 0);
    this.hooks = hookQueueOf(this.redis, this.prefix, this.nodeID, leaseTtlMs, options, this.log);
    this.store = new RedisSessionStore(this.redis, {
      prefix: this.prefix,
      nodeID: this.nodeID,
      appliedWindow: options.appliedWindow ?? d.appliedWindow,
      appliedTtlMs: graceMs + 600_000,
    });
    this.lease = new NodeLease(this.redis, {
      prefix: this.prefix,
      nodeID: this.nodeID,
      leaseTtlMs,
      graceMs,
      connectWaitMs: options.subscribeTimeoutMs ?? d.subscribeTimeoutMs,
      reaper: this.store,
      remove: async (room, userID, sessionID) => {
        await this.removeMembership({ room, userID, sessionID, cause: 'timeout' });
      },
      warn: (details, message) => this.log.warn(details, message),
      monoNow: () => performance.now(),
    });
    this.lease.start();
    this.restarts = new RestartWatch(this.redis, this.log, () => {
      this.feed.reset();
      this.lease.forgetEpoch();
    });
    this.cluster = new RedisCluster({
      redis: this.redis,
      prefix: this.prefix,
      feed: this.feed,
      sessions: this.store,
      lease: this.lease,
      restarts: this.restarts,
      hooks: this.hooks,
      adoptScript: (room, userID, sessionID) =>
        this.run(Scripts.adopt, this.keysOf(room), [userID, sessionID, this.nodeID, this.kickKeepMs]),
    });
    this.redis.on('ready', () => void this.restarts.check());
    this.subscriber.on('ready', () => {
      // After a reconnect, messages published while it was down never arrive: read the logs
      // (from scratch if the server restarted).
      const wasReady = this.subscriberWasReady;
      this.subscriberWasReady = true;
      if (wasReady) void this.restarts.check().then(() => this.feed.resync());
    });
  }

  subscribe(listener: BackendListener): () => void {
    return this.feed.subscribe(listener);
  }

  ready(): boolean {
    return this.redis.status === 'ready' && this.subscriber.status === 'ready';
  }

  async whenReady(): Promise<void> {
    const deadline = performance.now() + this.subscribeTimeoutMs;
    await untilReady(this.redis, this.subscribeTimeoutMs);
    await untilReady(this.subscriber, deadline - performance.now());
  }

  async join(req: JoinRequest): Promise<JoinResult> {
    const { room, user } = req;
    const watched = this.feed.enter(room);
    try {
      await watched.subscribed;
      await this.lease.ensure();
      if (req.duplicateLogin === 'reject-new' && (await this.index.loggedInElsewhere(req))) return ELSEWHERE;
      if (await this.index.tooManyRooms(req)) return TOO_MANY_ROOMS;
      const reply = asArray(
        await this.run(Scripts.join, watched.keys, [
          user.userID,
          user.userName,
          req.sessionID,
          flag(req.multi),
          flag(req.userUpdate),
          String(req.maxMemberCount),
          req.duplicateLogin,
          flag(req.withMembers),
          jsonNumber(req.nowMs),
          this.nodeID,
          String(Code.KICKED_DUPLICATE_LOGIN),
          this.kickKeepMs,
          String(streamsLeftBecause('kick', Code.KICKED_DUPLICATE_LOGIN)),
          String(req.maxRoomMembers ?? QuotaDefaults.roomMembers),
        ]),
        'join',
      );
      const status = asString(reply[0], 'join status');
      if (status === 'already') return { ok: false, code: Code.ALREADY_IN_THIS_ROOM };
      if (status === 'elsewhere') return ELSEWHERE;
      if (status === 'full') return { ok: false, code: Code.ROOM_FULL };
      this.hooks?.noted(room);
      const state = parseState(reply[4], req.withMembers);
      const joinPos = asInt(reply[5], 'join position');
      this.feed.entered(watched, user.userID, req.sessionID, joinPos);
      const kicked: KickedMember[] = [];
      const sameRoomKicked = asString(reply[2], 'kicked session');
      if (sameRoomKicked !== '') kicked.push({ room, sessionID: sameRoomKicked, userID: user.userID });

      const displaced = await this.index.record(req, joinPos);
      if (displaced === 'refused' || displaced === 'toomany') {
        // Lost a race with another login of the user: undone.
        await this.removeMembership({ room, userID: user.userID, sessionID: req.sessionID, joinPos });
        return displaced === 'refused' ? ELSEWHERE : TOO_MANY_ROOMS;
      }
      for (const other of displaced) {
        const ref = { appID: room.appID, roomID: other.roomID };
        const removal = { room: ref, userID: user.userID, ...other, kick: DUPLICATE_KICK };
        const { removed } = await this.removeMembership(removal);
        if (removed) kicked.push({ room: ref, sessionID: other.sessionID, userID: user.userID });
      }
      await this.feed.settle(room, joinPos);
      return { ok: true, state, created: asInt(reply[1], 'created') === 1, kicked };
    } finally {
      this.feed.exit(watched);
    }
  }

  async remove(req: RemoveRequest): Promise<RemoveResult> {
    const removal: Removal = { room: req.room, userID: req.userID };
    if (req.sessionID !== undefined) removal.sessionID = req.sessionID;
    if (req.kick !== undefined) removal.kick = req.kick;
    if (req.cause !== undefined) removal.cause = req.cause;
    return this.removeMembership(removal);
  }

  async setRoomCapacity(req: CapacityRequest): Promise<Done> {
    await this.lease.ensure();
    const reply = asArray(
      await this.run(Scripts.setCapacity, this.keysOf(req.room), [String(req.maxMemberCount)]),
      'setCapacity',
    );
    return asString(reply[0], 'setCapacity status') === 'ok' ? { ok: true } : NOT_MEMBER;
  }

  async publishStream(req: PublishStreamRequest): Promise<Done> {
    const done = await this.mutate(Scripts.publishStream, req, [
      req.streamID,
      req.extraInfo,
      String(req.maxPerMember ?? QuotaDefaults.streamsPerMember),
      String(req.maxPerRoom ?? QuotaDefaults.streamsPerRoom),
    ]);
    if (done.ok) this.hooks?.noted(req.room);
    return done;
  }

  async unpublishStream(req: StreamRequest): Promise<Done> {
    const why = streamStoppedBy(req.asServer !== undefined);
    const done = await this.mutate(Scripts.unpublishStream, req, [req.streamID, String(why)]);
    if (done.ok) this.hooks?.noted(req.room);
    return done;
  }

  async setStreamExtra(req: StreamExtraRequest): Promise<Done> {
    return this.mutate(Scripts.streamExtra, req, [req.streamID, req.extraInfo]);
  }

  async setRoomExtra(req: RoomExtraRequest): Promise<Done> {
    return this.mutate(Scripts.roomExtra, req, [
      req.key,
      req.value,
      String(req.maxKeys),
      jsonNumber(req.nowMs),
    ]);
  }

  async broadcast(req: MessageRequest): Promise<MessageResult> {
    const result = await this.act(Scripts.broadcast, req, [req.message, jsonNumber(req.nowMs)]);
    if (!result.ok) return result;
    await this.feed.settle(req.room, result.pos);
    return { ok: true, messageID: result.value };
  }

  async barrage(req: MessageRequest): Promise<MessageResult> {
    const result = await this.act(Scripts.barrage, req, [req.message, jsonNumber(req.nowMs)]);
    if (!result.ok) return result;
    await this.feed.settleBarrage(req.room, result.value);
    return { ok: true, messageID: result.value };
  }

  async command(req: CommandRequest): Promise<Done> {
    return this.mutate(Scripts.command, req, [req.message, JSON.stringify(req.to), req.enc ?? '']);
  }

  async room(ref: RoomRef, withMembers: boolean): Promise<RoomState | null> {
    const reply = asArray(await this.run(Scripts.roomState, this.keysOf(ref), [flag(withMembers)]), 'room');
    return reply.length === 0 ? null : parseState(reply, withMembers);
  }

  async history(ref: RoomRef, afterSeq: number): Promise<SequencedEvent[] | null> {
    const after = String(Math.max(0, Math.floor(afterSeq)));
    const reply = asArray(await this.run(Scripts.history, this.keysOf(ref), [after]), 'history');
    if (asString(reply[0], 'history status') !== 'ok') return null;
    return historyOf(parseLogEntries(reply[1]));
  }

  async close(): Promise<void> {
    await this.hooks?.stop();
    await this.lease.stop();
    this.feed.close();
    await Promise.all([quit(this.redis), quit(this.subscriber)]);
  }

  // ---------------------------------------------------------------- internals

  private keysOf(ref: RoomRef): RoomKeys {
    return roomKeys(this.prefix, ref);
  }

  private run(script: LuaScript, keys: RoomKeys, args: readonly string[]): Promise<unknown> {
    return script.run(this.redis, roomKeyList(keys), [
      keys.channel,
      this.maxLen,
      this.tombstoneMs,
      ...args,
      this.hooksMax,
    ]);
  }

  /**
   * An actor script: its number (a seq, a messageID) and the position of its last event (0 if
   * none), or a refusal.
   */
  private async act(
    script: LuaScript,
    actor: Actor,
    args: readonly string[],
  ): Promise<{ ok: true; value: number; pos: number } | Refusal> {
    await this.lease.ensure();
    const server = actor.asServer;
    const reply = asArray(
      await this.run(script, this.keysOf(actor.room), [
        actor.userID,
        actor.sessionID,
        flag(server !== undefined),
        server?.userName ?? '',
        ...args,
      ]),
      script.name,
    );
    switch (asString(reply[0], `${script.name} status`)) {
      case 'ok':
        return {
          ok: true,
          value: asInt(reply[1], `${script.name} value`),
          pos: asInt(reply[2], `${script.name} position`),
        };
      case 'notmember':
        return NOT_MEMBER;
      case 'toomany':
        return { ok: false, code: Code.EXTRA_TOO_MANY_KEYS };
      case 'toomanystreams':
        return { ok: false, code: Code.TOO_MANY_STREAMS };
      default:
        return BAD_INPUT;
    }
  }

  /** A sequenced change: done once this node has delivered it (when it watches the room). */
  private async mutate(script: LuaScript, actor: Actor, args: readonly string[]): Promise<Done> {
    const result = await this.act(script, actor, args);
    if (!result.ok) return result;
    if (result.pos > 0) await this.feed.settle(actor.room, result.pos);
    return { ok: true };
  }

  /**
   * Not fenced by the lease, unlike the writes that add: a removal only takes away (by session,
   * or whoever holds the membership for a kick), so a late one makes no ghost, and refusing it
   * while Redis is merely slow would leave one.
   */
  private async removeMembership(removal: Removal): Promise<RemoveResult> {
    const reply = asArray(
      await this.run(Scripts.remove, this.keysOf(removal.room), [
        removal.userID,
        removal.sessionID ?? '',
        String(removal.joinPos ?? 0),
        removal.kick === undefined ? '' : String(removal.kick.code),
        removal.kick?.ext ?? '',
        removal.cause ?? 'logout',
        this.kickKeepMs,
        String(
          removal.kick === undefined
            ? streamsLeftBecause(removal.cause ?? 'logout')
            : streamsLeftBecause('kick', removal.kick.code),
        ),
      ]),
      'remove',
    );
    if (asInt(reply[0], 'removed') !== 1) return { removed: false, destroyed: false };
    this.hooks?.noted(removal.room);
    const destroyed = asInt(reply[1], 'destroyed') === 1;
    const sessionID = asString(reply[2], 'removed session');
    const joinPos = asInt(reply[3], 'removed join position');
    await Promise.all([
      this.index.forget(removal.room, removal.userID, sessionID, joinPos),
      this.feed.settle(removal.room, asInt(reply[4], 'remove position')),
    ]);
    return { removed: true, destroyed };
  }
}
