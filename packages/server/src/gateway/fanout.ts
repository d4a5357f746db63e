// This node's side of each room: which local sessions are members, and the fan-out of the
// backend's messages to them. An event is encoded once; the transport writes the same bytes to
// every recipient of its topic (`members`: everyone; `watchers`: members with userUpdate).

import { encodeFrame, type RoomEvent } from '@atrium/protocol';
import type { BackendMessage, KickMessage, RoomRef, SequencedEvent } from '../backend/types.js';
import type { LocalRooms, ReplayPlan } from '../rooms/context.js';
import type { Session, SessionRoom } from '../rooms/session.js';
import { type Audience, audienceOf, isVisibleTo } from '../rooms/visibility.js';
import type { Transport, TransportLink } from './transport.js';

interface LocalMember {
  session: Session;
  userUpdate: boolean;
}

interface Buffered {
  seq: number;
  event: RoomEvent;
  data: string;
}

/** A join or a resume in flight: what arrived for the room before its result did. */
interface Pending {
  buffer: Buffered[];
  kick?: KickMessage;
  /** A resuming session is already a member: its kicks apply at once, not after a join. */
  resume?: true;
}

interface LocalRoom {
  ref: RoomRef;
  /** Topic of every member; a space cannot occur in a roomID, so topics never collide. */
  membersTopic: string;
  watchersTopic: string;
  members: Map<string, LocalMember>;
  pending: Map<Session, Pending>;
  /** The latest member count known, as of `countSeq`. */
  count: number;
  countSeq: number;
  /** The count last sent in a `count` frame; -1 before the first member is admitted. */
  countSent: number;
  countSentAtMs: number;
  /** Every event after this seq has passed through here (undefined: none yet). */
  observedAfter: number | undefined;
  lastForMembers: LastSeen;
  lastForWatchers: LastSeen;
  /** userID → the last command addressed to it. */
  lastListed: Map<string, number>;
}

const keyOf = (ref: RoomRef): string => `${ref.appID} ${ref.roomID}`;

/**
 * The last event of one audience (everyone, or the user watchers) and whom it left out, plus the
 * last one before it that left out someone else: enough to tell any member the last of these
 * events it could see.
 */
class LastSeen {
  private seq = 0;
  private except = '';
  /** The latest seq whose left-out user is not `except`. */
  private other = 0;

  note(seq: number, exceptUserID: string): void {
    if (exceptUserID !== this.except) {
      this.other = this.seq;
      this.except = exceptUserID;
    }
    this.seq = seq;
  }

  lastFor(userID: string): number {
    return userID === this.except ? this.other : this.seq;
  }
}

export class RoomFanout implements LocalRooms {
  private readonly rooms = new Map<string, LocalRoom>();
  /** Rooms whose count changed since the last `count` frame. */
  private readonly countDue = new Set<LocalRoom>();

  constructor(
    private readonly transport: Transport,
    private readonly onlineCountIntervalMs: number,
    /** Monotonic ms, for the count interval. */
    private readonly monoNow: () => number,
    /**
     * Rooms with fewer members than this get their count on every join and leave, right after
     * the event (a small room's badge never lags its member list); larger ones at most once per
     * interval, where a count per change would cost a frame per member per change.
     */
    private readonly countEveryChangeBelow = 0,
  ) {}

  expect(session: Session, ref: RoomRef): void {
    this.roomOf(ref).pending.set(session, { buffer: [] });
  }

  admit(session: Session, joined: SessionRoom, snapshotSeq: number, count: number): KickMessage | undefined {
    const room = this.roomOf(joined.ref);
    // The join subscribed before it ran: everything after its snapshot comes through here.
    room.observedAfter ??= snapshotSeq;
    const pending = room.pending.get(session);
    room.pending.delete(session);
    const recipient = { userID: session.user.userID, userUpdate: joined.userUpdate };
    room.members.set(recipient.userID, { session, userUpdate: joined.userUpdate });
    this.subscribe(room, session.link, joined.userUpdate);
    for (const item of pending?.buffer ?? []) {
      if (item.seq > snapshotSeq && isVisibleTo(item.event, recipient)) session.send(item.data);
    }
    if (snapshotSeq > room.countSeq) {
      room.count = count;
      room.countSeq = snapshotSeq;
    }
    if (room.countSent < 0) {
      room.countSent = count;
      room.countSentAtMs = this.monoNow();
    }
    if (room.count !== room.countSent) this.countDue.add(room);
    return pending?.kick?.joinSeq === joined.joinSeq ? pending.kick : undefined;
  }

  hold(session: Session, ref: RoomRef): void {
    this.roomOf(ref).pending.set(session, { buffer: [], resume: true });
  }

  replayFor(
    session: Session,
    joined: SessionRoom,
    afterSeq: number,
    replay: readonly SequencedEvent[],
  ): ReplayPlan {
    const room = this.roomOf(joined.ref);
    const recipient = { userID: session.user.userID, userUpdate: joined.userUpdate };
    const plan: ReplayPlan = { frames: [], upTo: 0 };
    // Replayed and held events overlap (both saw what happened while the history was read):
    // the seq, strictly increasing, lets each one through once and in order.
    let last = afterSeq;
    for (const { seq, event } of replay) {
      if (seq <= last) continue;
      last = seq;
      if (isVisibleTo(event, recipient)) {
        plan.frames.push(encodeFrame({ t: 'ev', room: room.ref.roomID, seq, ...event }));
        plan.upTo = seq;
      }
    }
    for (const item of room.pending.get(session)?.buffer ?? []) {
      if (item.seq <= last) continue;
      last = item.seq;
      if (isVisibleTo(item.event, recipient)) {
        plan.frames.push(item.data);
        plan.upTo = item.seq;
      }
    }
    return plan;
  }

  release(session: Session, joined: SessionRoom, plan: ReplayPlan): void {
    const room = this.roomOf(joined.ref);
    room.pending.delete(session);
    room.members.set(session.user.userID, { session, userUpdate: joined.userUpdate });
    for (const frame of plan.frames) session.send(frame);
    // The `count` frames sent while the link was down are not in the history: the count now,
    // unless this node never sent one (the replayed joins and leaves carry it then).
    if (room.countSent >= 0) session.send(encodeFrame({ t: 'count', room: room.ref.roomID, n: room.count }));
    this.subscribe(room, session.link, joined.userUpdate);
  }

  abandon(session: Session, ref: RoomRef): void {
    const room = this.rooms.get(keyOf(ref));
    if (room === undefined) return;
    room.pending.delete(session);
    this.dropIfUnused(room);
  }

  leave(session: Session, ref: RoomRef): void {
    const room = this.rooms.get(keyOf(ref));
    if (room === undefined) return;
    const member = room.members.get(session.user.userID);
    if (member?.session === session) {
      room.members.delete(session.user.userID);
      room.lastListed.delete(session.user.userID);
      this.unsubscribe(room, session.link);
    }
    room.pending.delete(session);
    this.dropIfUnused(room);
  }

  /** A kick for a session whose join is still in flight is kept for `admit`; true if kept. */
  holdKick(kick: KickMessage): boolean {
    const room = this.rooms.get(keyOf(kick.room));
    if (room === undefined) return false;
    for (const [session, pending] of room.pending) {
      if (session.id === kick.sessionID && pending.resume !== true) {
        pending.kick = kick;
        return true;
      }
    }
    return false;
  }

  /** A backend message: a room event or a barrage, for the local members that may see it. */
  deliver(message: Exclude<BackendMessage, KickMessage>): void {
    const room = this.rooms.get(keyOf(message.room));
    if (room === undefined) return;
    if (message.kind === 'barrage') {
      const data = encodeFrame({ t: 'barrage', room: room.ref.roomID, msg: message.msg });
      const except = this.linkOf(room, message.msg.fromUser.userID);
      this.transport.publish(room.membersTopic, data, { except, droppable: true });
      return;
    }
    const { seq, event } = message;
    const audience = audienceOf(event);
    this.observe(room, seq, audience);
    if (seq > room.countSeq) {
      room.countSeq = seq;
      room.count = message.count;
      if (room.countSent >= 0 && room.count !== room.countSent) {
        this.countDue.add(room);
        // After the event itself, so the member list and the count change together.
        if (room.count < this.countEveryChangeBelow) queueMicrotask(() => this.sendCount(room));
      }
    }
    const data = encodeFrame({ t: 'ev', room: room.ref.roomID, seq, ...event });
    for (const pending of room.pending.values()) pending.buffer.push({ seq, event, data });
    switch (audience.kind) {
      case 'members':
      case 'user-watchers': {
        const topic = audience.kind === 'members' ? room.membersTopic : room.watchersTopic;
        this.transport.publish(topic, data, { except: this.linkOf(room, audience.exceptUserID) });
        return;
      }
      case 'listed':
        for (const userID of new Set(audience.userIDs)) room.members.get(userID)?.session.send(data);
        return;
    }
  }

  /**
   * Where a resume of this member may start reading the room's history: `clientSeq` (the last
   * event its client processed), or later when every event since was one it could not see (a
   * member without user updates is not shown joins and leaves) and all of them passed through
   * here. A quiet member then resumes from the room's recent past instead of needing history
   * back to an old seq, which the bounded history may no longer hold.
   */
  resumeFrom(session: Session, ref: RoomRef, clientSeq: number, userUpdate: boolean): number {
    const room = this.rooms.get(keyOf(ref));
    if (room?.observedAfter === undefined || room.observedAfter > clientSeq) return clientSeq;
    const userID = session.user.userID;
    const lastVisible = Math.max(
      room.lastForMembers.lastFor(userID),
      userUpdate ? room.lastForWatchers.lastFor(userID) : 0,
      room.lastListed.get(userID) ?? 0,
    );
    return lastVisible <= clientSeq ? Math.max(clientSeq, room.countSeq) : clientSeq;
  }

  /** `count` frames for rooms whose count changed, at most once per interval per room. */
  flushCounts(): void {
    const now = this.monoNow();
    for (const room of this.countDue) {
      if (now - room.countSentAtMs < this.onlineCountIntervalMs) continue;
      this.sendCount(room, now);
    }
  }

  private sendCount(room: LocalRoom, now = this.monoNow()): void {
    this.countDue.delete(room);
    if (room.count === room.countSent || this.rooms.get(keyOf(room.ref)) !== room) return;
    room.countSent = room.count;
    room.countSentAtMs = now;
    this.transport.publish(
      room.membersTopic,
      encodeFrame({ t: 'count', room: room.ref.roomID, n: room.count }),
    );
  }

  /** A session's link changed (detached, or resumed on a new one): move its subscriptions. */
  relink(session: Session, from: TransportLink | undefined): void {
    for (const joined of session.rooms.values()) {
      const room = this.rooms.get(keyOf(joined.ref));
      if (room === undefined) continue;
      this.unsubscribe(room, from);
      this.subscribe(room, session.link, joined.userUpdate);
    }
  }

  private observe(room: LocalRoom, seq: number, audience: Audience): void {
    room.observedAfter ??= seq - 1;
    if (audience.kind === 'listed') {
      for (const userID of audience.userIDs) if (room.members.has(userID)) room.lastListed.set(userID, seq);
      return;
    }
    // An event for everyone is one for the watchers too.
    room.lastForWatchers.note(seq, audience.exceptUserID);
    if (audience.kind === 'members') room.lastForMembers.note(seq, audience.exceptUserID);
  }

  private roomOf(ref: RoomRef): LocalRoom {
    const key = keyOf(ref);
    let room = this.rooms.get(key);
    if (room === undefined) {
      room = {
        ref: { appID: ref.appID, roomID: ref.roomID },
        membersTopic: `m ${key}`,
        watchersTopic: `w ${key}`,
        members: new Map(),
        pending: new Map(),
        count: 0,
        countSeq: 0,
        countSent: -1,
        countSentAtMs: 0,
        observedAfter: undefined,
        lastForMembers: new LastSeen(),
        lastForWatchers: new LastSeen(),
        lastListed: new Map(),
      };
      this.rooms.set(key, room);
    }
    return room;
  }

  private dropIfUnused(room: LocalRoom): void {
    if (room.members.size > 0 || room.pending.size > 0) return;
    this.rooms.delete(keyOf(room.ref));
    this.countDue.delete(room);
  }

  private linkOf(room: LocalRoom, userID: string): TransportLink | undefined {
    return room.members.get(userID)?.session.link;
  }

  private subscribe(room: LocalRoom, link: TransportLink | undefined, userUpdate: boolean): void {
    link?.subscribe(room.membersTopic);
    if (userUpdate) link?.subscribe(room.watchersTopic);
  }

  private unsubscribe(room: LocalRoom, link: TransportLink | undefined): void {
    link?.unsubscribe(room.membersTopic);
    link?.unsubscribe(room.watchersTopic);
  }
}
