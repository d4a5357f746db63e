// This node's side of the Redis pub/sub: one shard channel per room, subscribed while the node
// has members in the room (joined through it) or a join in flight, and a complete, ordered
// stream of each such room's events for the subscribers. A gap in a room's `seq` (messages
// missed while the subscriber connection was down, say) is filled from the room's log before
// anything after it is delivered; duplicates are dropped. The backend's calls wait here until
// their own events have been delivered, as the in-memory backend delivers before it returns.

import type { BackendListener, BackendMessage, RoomRef } from '../types.js';
import { type FeedEntry, parseChannelMessage, parseLogEntries } from './codec.js';
import type { RedisClient } from './keys.js';
import { type RoomKeys, roomKeyList, roomKeys } from './keys.js';
import { Scripts } from './scripts.js';

export interface FeedLog {
  warn(details: object, message: string): void;
}

export interface RoomFeedOptions {
  keyPrefix: string;
  /** How long a call waits for its own events through pub/sub before reading the log instead. */
  deliveryWaitMs: number;
  /** How long a join waits for the subscriber connection to be up before it fails. */
  subscribeTimeoutMs: number;
  onListenerError: (error: unknown) => void;
  log: FeedLog;
}

interface Waiter {
  /** A position to be delivered, or a barrage messageID to be seen. */
  until: number;
  barrage: boolean;
  resolve: () => void;
  timer: ReturnType<typeof setTimeout>;
}

/** A room this node is subscribed to. */
export interface WatchedRoom {
  readonly ref: RoomRef;
  readonly keys: RoomKeys;
  /** Resolves once the subscription is in place: a join must not run before. */
  subscribed: Promise<void>;
}

interface RoomWatch extends WatchedRoom {
  joining: number;
  /** Members joined through this node, by userID, with the position of their join. */
  locals: Map<string, { sessionID: string; joinPos: number }>;
  /** While joins are in flight: the last `leave` position per userID (a join result may lag it). */
  leftAt: Map<string, number>;
  /**
   * The position of the last event delivered; undefined until the first one after subscribing.
   * Positions, unlike seqs, keep growing across a re-creation of the room.
   */
  pos: number | undefined;
  barrageSeen: number;
  catchingUp: boolean;
  backlog: FeedEntry[];
  waiters: Waiter[];
  subscribeFailed: boolean;
}

export class RoomFeed {
  private readonly rooms = new Map<string, RoomWatch>();
  private readonly listeners = new Set<BackendListener>();
  private closed = false;

  constructor(
    private readonly command: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly options: RoomFeedOptions,
  ) {
    subscriber.on('smessage', (channel: string, payload: string) => this.onMessage(channel, payload));
  }

  subscribe(listener: BackendListener): () => void {
    const wrapped: BackendListener = (m) => listener(m);
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  /** A join is about to run: watch the room (until `exit`). */
  enter(ref: RoomRef): WatchedRoom {
    const room = this.watch(ref);
    room.joining++;
    return room;
  }

  /** The join of `userID` succeeded: keep watching while that membership lasts. */
  entered(handle: WatchedRoom, userID: string, sessionID: string, joinPos: number): void {
    const room = handle as RoomWatch;
    if ((room.leftAt.get(userID) ?? 0) > joinPos) return;
    room.locals.set(userID, { sessionID, joinPos });
  }

  exit(handle: WatchedRoom): void {
    const room = handle as RoomWatch;
    room.joining--;
    if (room.joining === 0) room.leftAt.clear();
    this.unwatchIfIdle(room);
  }

  /** A membership taken over from another node by a resume: watched while it lasts. */
  async adopt(
    ref: RoomRef,
    userID: string,
    check: () => Promise<{ sessionID: string; joinPos: number } | null>,
  ): Promise<boolean> {
    const handle = this.enter(ref);
    try {
      await handle.subscribed;
      const member = await check();
      if (member === null) return false;
      this.entered(handle, userID, member.sessionID, member.joinPos);
      return true;
    } finally {
      this.exit(handle);
    }
  }

  /** Another node holds the membership now: this one stops watching the room for it. */
  forget(ref: RoomRef, userID: string, sessionID: string): void {
    const room = this.rooms.get(roomKeys(this.options.keyPrefix, ref).channel);
    if (room === undefined) return;
    if (room.locals.get(userID)?.sessionID === sessionID) room.locals.delete(userID);
    this.unwatchIfIdle(room);
  }

  /** Resolves once this node has delivered the room's event at `pos` (at once if it does not watch it). */
  settle(ref: RoomRef, pos: number): Promise<void> {
    return this.wait(ref, pos, false);
  }

  /** Resolves once this node has seen the barrage `messageID` (best effort: or after the wait). */
  settleBarrage(ref: RoomRef, messageID: number): Promise<void> {
    return this.wait(ref, messageID, true);
  }

  /** The subscriber connection is back: subscribe again and fill what was missed meanwhile. */
  async resync(): Promise<void> {
    await Promise.all(
      [...this.rooms.values()].map(async (room) => {
        try {
          await this.subscriber.ssubscribe(room.keys.channel);
          await this.catchUp(room);
        } catch (error) {
          this.options.log.warn({ err: error, room: room.keys.channel }, 'resubscribing a room failed');
        }
      }),
    );
  }

  /**
   * Redis lost its data (restarted empty): positions start again from 0, so what this node
   * delivered so far says nothing about what comes next.
   */
  reset(): void {
    for (const room of this.rooms.values()) {
      room.pos = undefined;
      room.barrageSeen = 0;
      room.backlog = [];
      room.leftAt.clear();
      this.release(room);
      room.waiters = [];
    }
  }

  close(): void {
    this.closed = true;
    for (const room of this.rooms.values()) this.release(room);
    this.rooms.clear();
    this.listeners.clear();
  }

  // ---------------------------------------------------------------- internals

  private watch(ref: RoomRef): RoomWatch {
    const keys = roomKeys(this.options.keyPrefix, ref);
    const existing = this.rooms.get(keys.channel);
    if (existing !== undefined) {
      if (existing.subscribeFailed) this.subscribeTo(existing);
      return existing;
    }
    const room: RoomWatch = {
      ref: { appID: ref.appID, roomID: ref.roomID },
      keys,
      subscribed: Promise.resolve(),
      joining: 0,
      locals: new Map(),
      leftAt: new Map(),
      pos: undefined,
      barrageSeen: 0,
      catchingUp: false,
      backlog: [],
      waiters: [],
      subscribeFailed: false,
    };
    this.subscribeTo(room);
    this.rooms.set(keys.channel, room);
    return room;
  }

  private subscribeTo(room: RoomWatch): void {
    room.subscribeFailed = false;
    // Not before the connection is ready: ioredis sends SSUBSCRIBE during its handshake, and
    // the INFO of its ready check then fails in subscriber mode and the subscription is lost.
    room.subscribed = this.subscriberReady().then(async () => {
      await this.subscriber.ssubscribe(room.keys.channel);
    });
    room.subscribed.catch(() => {
      // The joins awaiting it fail; the next join of the room tries again.
      room.subscribeFailed = true;
    });
  }

  private subscriberReady(): Promise<void> {
    const sub = this.subscriber;
    if (sub.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        sub.off('ready', onReady);
        sub.off('end', onEnd);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onReady = () => done();
      const onEnd = () => done(new Error('the Redis subscriber connection was closed'));
      const timer = setTimeout(
        () => done(new Error(`the Redis subscriber connection is not ready (${sub.status})`)),
        this.options.subscribeTimeoutMs,
      );
      sub.on('ready', onReady);
      sub.on('end', onEnd);
    });
  }

  private unwatchIfIdle(room: RoomWatch): void {
    if (room.joining > 0 || room.locals.size > 0 || this.rooms.get(room.keys.channel) !== room) return;
    this.rooms.delete(room.keys.channel);
    this.release(room);
    // Not ready: the connection's subscriptions are gone anyway (ioredis may restore this one
    // on reconnect; its messages are then ignored).
    if (!this.closed && this.subscriber.status === 'ready') {
      this.subscriber.sunsubscribe(room.keys.channel).catch((error: unknown) => {
        this.options.log.warn({ err: error, room: room.keys.channel }, 'unsubscribing a room failed');
      });
    }
  }

  private release(room: RoomWatch): void {
    for (const w of room.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve();
    }
  }

  private wait(ref: RoomRef, until: number, barrage: boolean): Promise<void> {
    const room = this.rooms.get(roomKeys(this.options.keyPrefix, ref).channel);
    if (room === undefined || this.reached(room, until, barrage)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        until,
        barrage,
        resolve,
        timer: setTimeout(() => void this.overdue(room, waiter), this.options.deliveryWaitMs),
      };
      room.waiters.push(waiter);
    });
  }

  private reached(room: RoomWatch, until: number, barrage: boolean): boolean {
    if (barrage) return room.barrageSeen >= until;
    return room.pos !== undefined && room.pos >= until;
  }

  /** Pub/sub did not bring it in time: read the log (events), or give up waiting (barrage). */
  private async overdue(room: RoomWatch, waiter: Waiter): Promise<void> {
    if (!waiter.barrage) {
      // Nothing came since subscribing: start from just before what this call wrote.
      room.pos ??= waiter.until - 1;
      await this.catchUp(room);
    }
    room.waiters = room.waiters.filter((w) => w !== waiter);
    waiter.resolve();
  }

  private onMessage(channel: string, payload: string): void {
    const room = this.rooms.get(channel);
    if (room === undefined) return;
    const message = parseChannelMessage(payload);
    if (message === undefined) {
      this.options.log.warn({ room: channel }, 'ignored a malformed room message');
      return;
    }
    if (message.kind === 'barrage') {
      room.barrageSeen = Math.max(room.barrageSeen, Number(message.msg.messageID));
      this.emit({ kind: 'barrage', room: room.ref, msg: message.msg });
      this.wake(room);
      return;
    }
    this.accept(room, message.entry);
  }

  private accept(room: RoomWatch, entry: FeedEntry): void {
    if (room.catchingUp) {
      room.backlog.push(entry);
      return;
    }
    if (room.pos !== undefined && entry.pos <= room.pos) return;
    if (room.pos === undefined || entry.pos === room.pos + 1) {
      this.deliver(room, entry);
      this.wake(room);
      this.unwatchIfIdle(room);
      return;
    }
    room.backlog.push(entry);
    void this.catchUp(room);
  }

  /** Delivers what the log holds after the last delivered seq, then what came meanwhile. */
  private async catchUp(room: RoomWatch): Promise<void> {
    if (room.catchingUp || room.pos === undefined) return;
    room.catchingUp = true;
    try {
      const reply = await Scripts.since.run(this.command, roomKeyList(room.keys), [
        room.keys.channel,
        '0',
        '0',
        String(room.pos),
      ]);
      const entries = parseLogEntries(reply);
      for (const entry of entries) this.deliverInOrder(room, entry);
    } catch (error) {
      this.options.log.warn(
        { err: error, room: room.keys.channel },
        'reading a room log to fill a gap failed',
      );
    } finally {
      room.catchingUp = false;
      const backlog = room.backlog.splice(0).sort((a, b) => a.pos - b.pos);
      for (const entry of backlog) this.deliverInOrder(room, entry);
      this.wake(room);
      this.unwatchIfIdle(room);
    }
  }

  /** Delivers anything newer; a gap left here cannot be filled any more (the log was trimmed). */
  private deliverInOrder(room: RoomWatch, entry: FeedEntry): void {
    if (room.pos !== undefined && entry.pos <= room.pos) return;
    if (room.pos !== undefined && entry.pos > room.pos + 1) {
      this.options.log.warn(
        { room: room.keys.channel, missed: entry.pos - room.pos - 1, beforeSeq: entry.seq },
        'room events lost: the log no longer holds them',
      );
    }
    this.deliver(room, entry);
  }

  private deliver(room: RoomWatch, entry: FeedEntry): void {
    room.pos = entry.pos;
    if (entry.kick !== undefined) this.emit({ kind: 'kick', room: room.ref, ...entry.kick });
    const message: BackendMessage = {
      kind: 'event',
      room: room.ref,
      seq: entry.seq,
      event: entry.event,
      count: entry.count,
    };
    if (entry.member !== undefined) message.member = entry.member;
    this.emit(message);
    if (entry.event.k === 'leave') {
      const userID = entry.event.user.userID;
      const local = room.locals.get(userID);
      if (local !== undefined && local.joinPos < entry.pos) room.locals.delete(userID);
      if (room.joining > 0) room.leftAt.set(userID, entry.pos);
    }
  }

  private wake(room: RoomWatch): void {
    if (room.waiters.length === 0) return;
    room.waiters = room.waiters.filter((w) => {
      if (!this.reached(room, w.until, w.barrage)) return true;
      clearTimeout(w.timer);
      w.resolve();
      return false;
    });
  }

  private emit(message: BackendMessage): void {
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (error) {
        this.options.onListenerError(error);
      }
    }
  }
}
