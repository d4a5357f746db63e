// This node's side of the Redis pub/sub: one shard channel per room, subscribed while the node
// has members in the room (joined through it) or a join in flight, and a complete, ordered
// stream of each such room's events for the subscribers. A gap in a room's `seq` (messages
// missed while the subscriber connection was down, say) is filled from the room's log before
// anything after it is delivered; duplicates are dropped. The backend's calls wait here until
// their own events have been delivered, as the in-memory backend delivers before it returns.

import type { Redis } from 'ioredis';
import { type FeedEntry, parseChannelMessage, parseLogEntries } from './redis-codec.js';
import { type RoomKeys, roomKeys } from './redis-keys.js';
import type { BackendListener, BackendMessage, RoomRef } from './types.js';

export interface FeedLog {
  warn(details: object, message: string): void;
}

export interface RoomFeedOptions {
  keyPrefix: string;
  /** How long a call waits for its own events through pub/sub before reading the log instead. */
  deliveryWaitMs: number;
  onListenerError: (error: unknown) => void;
  log: FeedLog;
}

interface Waiter {
  /** A `seq` to be delivered, or a barrage messageID to be seen. */
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
  readonly subscribed: Promise<void>;
}

interface RoomWatch extends WatchedRoom {
  joining: number;
  /** Members joined through this node, by userID. */
  locals: Map<string, { sessionID: string; joinSeq: number }>;
  /** While joins are in flight: the last `leave` seq seen per userID (a join result may lag it). */
  leftAt: Map<string, number>;
  /** The last seq delivered; undefined until the first event after subscribing. */
  seq: number | undefined;
  barrageSeen: number;
  catchingUp: boolean;
  backlog: FeedEntry[];
  waiters: Waiter[];
}

export class RoomFeed {
  private readonly rooms = new Map<string, RoomWatch>();
  private readonly listeners = new Set<BackendListener>();
  private closed = false;

  constructor(
    private readonly command: Redis,
    private readonly subscriber: Redis,
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
  entered(handle: WatchedRoom, userID: string, sessionID: string, joinSeq: number): void {
    const room = handle as RoomWatch;
    if ((room.leftAt.get(userID) ?? 0) > joinSeq) return;
    room.locals.set(userID, { sessionID, joinSeq });
  }

  exit(handle: WatchedRoom): void {
    const room = handle as RoomWatch;
    room.joining--;
    if (room.joining === 0) room.leftAt.clear();
    this.unwatchIfIdle(room);
  }

  /** Resolves once this node has delivered `seq` of the room (at once if it does not watch it). */
  settle(ref: RoomRef, seq: number): Promise<void> {
    return this.wait(ref, seq, false);
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
    if (existing !== undefined) return existing;
    const subscribed = this.subscriber.ssubscribe(keys.channel).then(() => undefined);
    // A failed subscription fails the join awaiting it; nobody else waits on it.
    subscribed.catch(() => {});
    const room: RoomWatch = {
      ref: { appID: ref.appID, roomID: ref.roomID },
      keys,
      subscribed,
      joining: 0,
      locals: new Map(),
      leftAt: new Map(),
      seq: undefined,
      barrageSeen: 0,
      catchingUp: false,
      backlog: [],
      waiters: [],
    };
    this.rooms.set(keys.channel, room);
    return room;
  }

  private unwatchIfIdle(room: RoomWatch): void {
    if (room.joining > 0 || room.locals.size > 0 || this.rooms.get(room.keys.channel) !== room) return;
    this.rooms.delete(room.keys.channel);
    this.release(room);
    if (!this.closed) {
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
    return room.seq !== undefined && room.seq >= until;
  }

  /** Pub/sub did not bring it in time: read the log (events), or give up waiting (barrage). */
  private async overdue(room: RoomWatch, waiter: Waiter): Promise<void> {
    if (!waiter.barrage) {
      // Nothing came since subscribing: start from just before what this call wrote.
      room.seq ??= waiter.until - 1;
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
    if (room.seq !== undefined && entry.seq <= room.seq) return;
    if (room.seq === undefined || entry.seq === room.seq + 1) {
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
    if (room.catchingUp || room.seq === undefined) return;
    room.catchingUp = true;
    try {
      const reply = await this.command.xrange(room.keys.log, `(${room.seq}-0`, '+');
      const entries = parseLogEntries(reply);
      for (const entry of entries) this.deliverInOrder(room, entry);
    } catch (error) {
      this.options.log.warn(
        { err: error, room: room.keys.channel },
        'reading a room log to fill a gap failed',
      );
    } finally {
      room.catchingUp = false;
      const backlog = room.backlog.splice(0).sort((a, b) => a.seq - b.seq);
      for (const entry of backlog) this.deliverInOrder(room, entry);
      this.wake(room);
      this.unwatchIfIdle(room);
    }
  }

  /** Delivers anything newer; a gap left here cannot be filled any more (the log was trimmed). */
  private deliverInOrder(room: RoomWatch, entry: FeedEntry): void {
    if (room.seq !== undefined && entry.seq <= room.seq) return;
    if (room.seq !== undefined && entry.seq > room.seq + 1) {
      this.options.log.warn(
        { room: room.keys.channel, fromSeq: room.seq + 1, toSeq: entry.seq - 1 },
        'room events lost: the log no longer holds them',
      );
    }
    this.deliver(room, entry);
  }

  private deliver(room: RoomWatch, entry: FeedEntry): void {
    room.seq = entry.seq;
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
      if (local !== undefined && local.joinSeq < entry.seq) room.locals.delete(userID);
      if (room.joining > 0) room.leftAt.set(userID, entry.seq);
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
