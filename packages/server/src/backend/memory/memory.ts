// The embedded Backend: one process, plain maps. Each method runs to completion synchronously
// inside its promise, which is what makes it atomic here (the Redis one runs a script per
// method). It has no cluster facet: its sessions live and end on this one node.
// Subscribers are called synchronously, in seq order, before the method's promise settles.

import { Code, Defaults, type RoomEvent, type RoomExtraInfo, type StreamInfo } from '@atrium/protocol';
import { QuotaDefaults, SharedDefaults } from '../../defaults.js';
import type { Backend } from '../backend.js';
import { streamStoppedBy, streamsLeftBecause } from '../stream-delete.js';
import type {
  Actor,
  BackendListener,
  BackendMessage,
  CapacityRequest,
  CommandRequest,
  Done,
  JoinRequest,
  JoinResult,
  Kick,
  KickedMember,
  LeaveCause,
  Member,
  MembershipNote,
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
import { EventHistory } from './history.js';

export interface MemoryBackendOptions {
  /** Sequenced events kept per room for replay. */
  historyMaxEvents?: number;
  /** A subscriber threw; the backend carries on (default: ignore). */
  onListenerError?: (error: unknown) => void;
}

export const MEMORY_BACKEND_DEFAULTS = {
  historyMaxEvents: SharedDefaults.historyMaxEvents,
} as const;

interface MemoryRoom {
  ref: RoomRef;
  seq: number;
  barrageSeq: number;
  maxMemberCount: number;
  /** By userID: one membership per user per room. */
  members: Map<string, Member>;
  /** By streamID, in publish order. */
  streams: Map<string, StreamInfo>;
  /** userID → how many of `streams` are theirs: the per-member quota without a scan. */
  streamsOf: Map<string, number>;
  extra: Map<string, RoomExtraInfo>;
  history: EventHistory;
}

const roomKey = (ref: RoomRef): string => `${ref.appID}/${ref.roomID}`;
const userKey = (appID: number, userID: string): string => `${appID}/${userID}`;
const NOT_MEMBER: Refusal = { ok: false, code: Code.NOT_LOGGED_IN };
const BAD_INPUT: Refusal = { ok: false, code: Code.INPUT_PARAM };
const TOO_MANY_STREAMS: Refusal = { ok: false, code: Code.TOO_MANY_STREAMS };

function dropStream(room: MemoryRoom, stream: StreamInfo): void {
  room.streams.delete(stream.streamID);
  const owner = stream.user.userID;
  const left = (room.streamsOf.get(owner) ?? 1) - 1;
  if (left > 0) room.streamsOf.set(owner, left);
  else room.streamsOf.delete(owner);
}

export class MemoryBackend implements Backend {
  private readonly rooms = new Map<string, MemoryRoom>();
  /** appID/userID → roomID → membership: finds duplicate logins across rooms. */
  private readonly userRooms = new Map<string, Map<string, Member>>();
  private readonly listeners = new Set<BackendListener>();
  private readonly historyMaxEvents: number;
  private readonly onListenerError: (error: unknown) => void;

  constructor(options: MemoryBackendOptions = {}) {
    this.historyMaxEvents = options.historyMaxEvents ?? MEMORY_BACKEND_DEFAULTS.historyMaxEvents;
    this.onListenerError = options.onListenerError ?? (() => {});
  }

  ready(): boolean {
    return true;
  }

  async whenReady(): Promise<void> {}

  subscribe(listener: BackendListener): () => void {
    // A fresh wrapper, so the same function subscribed twice is two subscriptions.
    const wrapped: BackendListener = (m) => listener(m);
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  async join(req: JoinRequest): Promise<JoinResult> {
    const key = roomKey(req.room);
    const existing = this.rooms.get(key);
    if (existing?.members.get(req.user.userID)?.sessionID === req.sessionID) {
      return { ok: false, code: Code.ALREADY_IN_THIS_ROOM };
    }
    const conflicts = this.conflictsOf(req);
    if (conflicts.length > 0 && req.duplicateLogin === 'reject-new') {
      return { ok: false, code: Code.LOGGED_IN_ELSEWHERE };
    }
    if (this.roomsKept(req, conflicts) >= (req.maxRoomsPerUser ?? Defaults.maxRoomsPerUser)) {
      return { ok: false, code: Code.TOO_MANY_ROOMS };
    }
    if (existing !== undefined) {
      const cap = req.maxRoomMembers ?? QuotaDefaults.roomMembers;
      const max = existing.maxMemberCount > 0 ? Math.min(existing.maxMemberCount, cap) : cap;
      const leavingHere = conflicts.some((m) => m.room === req.room.roomID) ? 1 : 0;
      if (existing.members.size - leavingHere >= max) return { ok: false, code: Code.ROOM_FULL };
    }

    const kicked: KickedMember[] = [];
    for (const { room: roomID, member } of conflicts) {
      const ref = { appID: req.room.appID, roomID };
      // The target room is about to gain a member, so it must not be destroyed on the way.
      this.removeMember(
        ref,
        member,
        { code: Code.KICKED_DUPLICATE_LOGIN, ext: '' },
        'kick',
        roomID !== req.room.roomID,
      );
      kicked.push({ room: ref, sessionID: member.sessionID, userID: member.user.userID });
    }

    const created = !this.rooms.has(key);
    const room = this.rooms.get(key) ?? this.createRoom(req.room, req.maxMemberCount);
    const member: Member = {
      user: { userID: req.user.userID, userName: req.user.userName },
      sessionID: req.sessionID,
      multi: req.multi,
      userUpdate: req.userUpdate,
      joinSeq: room.seq + 1,
      joinedAtMs: req.nowMs,
    };
    room.members.set(member.user.userID, member);
    this.indexUser(req.room.appID, req.room.roomID, member);
    this.append(
      room,
      { k: 'join', user: { ...member.user } },
      { sessionID: member.sessionID, joinedAtMs: member.joinedAtMs, created },
    );
    return { ok: true, state: this.stateOf(room, req.withMembers), created, kicked };
  }

  async remove(req: RemoveRequest): Promise<RemoveResult> {
    const room = this.rooms.get(roomKey(req.room));
    const member = room?.members.get(req.userID);
    if (room === undefined || member === undefined) return { removed: false, destroyed: false };
    if (req.sessionID !== undefined && member.sessionID !== req.sessionID) {
      return { removed: false, destroyed: false };
    }
    const cause = req.kick !== undefined ? 'kick' : (req.cause ?? 'logout');
    const destroyed = this.removeMember(req.room, member, req.kick, cause, true);
    return { removed: true, destroyed };
  }

  async setRoomCapacity(req: CapacityRequest): Promise<Done> {
    const room = this.rooms.get(roomKey(req.room));
    if (room === undefined) return NOT_MEMBER;
    room.maxMemberCount = req.maxMemberCount;
    return { ok: true };
  }

  async publishStream(req: PublishStreamRequest): Promise<Done> {
    const found = this.memberOf(req);
    if (found === undefined) return NOT_MEMBER;
    const { room, member } = found;
    const stream = room.streams.get(req.streamID);
    if (stream !== undefined) return stream.user.userID === req.userID ? { ok: true } : BAD_INPUT;
    const perMember = req.maxPerMember ?? QuotaDefaults.streamsPerMember;
    const perRoom = req.maxPerRoom ?? QuotaDefaults.streamsPerRoom;
    if ((room.streamsOf.get(req.userID) ?? 0) >= perMember || room.streams.size >= perRoom) {
      return TOO_MANY_STREAMS;
    }
    const info: StreamInfo = { streamID: req.streamID, user: { ...member.user }, extraInfo: req.extraInfo };
    room.streams.set(req.streamID, info);
    room.streamsOf.set(req.userID, (room.streamsOf.get(req.userID) ?? 0) + 1);
    this.append(room, { k: 'pub', stream: { ...info } });
    return { ok: true };
  }

  async unpublishStream(req: StreamRequest): Promise<Done> {
    const found = this.memberOf(req);
    if (found === undefined) return NOT_MEMBER;
    const stream = found.room.streams.get(req.streamID);
    if (stream === undefined) return BAD_INPUT;
    if (stream.user.userID !== req.userID && req.asServer === undefined) return BAD_INPUT;
    dropStream(found.room, stream);
    const why = streamStoppedBy(req.asServer !== undefined);
    this.append(found.room, { k: 'unpub', stream: { ...stream }, why });
    return { ok: true };
  }

  async setStreamExtra(req: StreamExtraRequest): Promise<Done> {
    const found = this.memberOf(req);
    if (found === undefined) return NOT_MEMBER;
    const stream = found.room.streams.get(req.streamID);
    if (stream === undefined || stream.user.userID !== req.userID) return BAD_INPUT;
    const updated: StreamInfo = { ...stream, extraInfo: req.extraInfo };
    found.room.streams.set(req.streamID, updated);
    this.append(found.room, { k: 'sextra', stream: { ...updated } });
    return { ok: true };
  }

  async setRoomExtra(req: RoomExtraRequest): Promise<Done> {
    const found = this.memberOf(req);
    if (found === undefined) return NOT_MEMBER;
    const { room, member } = found;
    if (!room.extra.has(req.key) && room.extra.size >= req.maxKeys) {
      return { ok: false, code: Code.EXTRA_TOO_MANY_KEYS };
    }
    const info: RoomExtraInfo = {
      key: req.key,
      value: req.value,
      updateUser: { ...member.user },
      updateTime: req.nowMs,
    };
    room.extra.set(req.key, info);
    this.append(room, { k: 'extra', info: { ...info } });
    return { ok: true };
  }

  async broadcast(req: MessageRequest): Promise<MessageResult> {
    const found = this.memberOf(req);
    if (found === undefined) return NOT_MEMBER;
    const messageID = found.room.seq + 1;
    const msg = { fromUser: { ...found.member.user }, message: req.message, sendTime: req.nowMs, messageID };
    this.append(found.room, { k: 'bcast', msg });
    return { ok: true, messageID };
  }

  async barrage(req: MessageRequest): Promise<MessageResult> {
    const found = this.memberOf(req);
    if (found === undefined) return NOT_MEMBER;
    const messageID = ++found.room.barrageSeq;
    const msg = { fromUser: { ...found.member.user }, message: req.message, sendTime: req.nowMs, messageID };
    this.emit({ kind: 'barrage', room: found.room.ref, msg });
    return { ok: true, messageID };
  }

  async command(req: CommandRequest): Promise<Done> {
    const found = this.memberOf(req);
    if (found === undefined) return NOT_MEMBER;
    const event: RoomEvent = { k: 'cmd', from: { ...found.member.user }, msg: req.message, to: [...req.to] };
    if (req.enc !== undefined) event.enc = req.enc;
    this.append(found.room, event);
    return { ok: true };
  }

  async room(ref: RoomRef, withMembers: boolean): Promise<RoomState | null> {
    const room = this.rooms.get(roomKey(ref));
    return room === undefined ? null : this.stateOf(room, withMembers);
  }

  async history(ref: RoomRef, afterSeq: number): Promise<SequencedEvent[] | null> {
    const room = this.rooms.get(roomKey(ref));
    if (room === undefined) return null;
    return room.history.since(Math.max(0, afterSeq), room.seq);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  // ---------------------------------------------------------------- internals

  /** Memberships a new login displaces: same room, or any room when either side is single-room. */
  private conflictsOf(req: JoinRequest): { room: string; member: Member }[] {
    const rooms = this.userRooms.get(userKey(req.room.appID, req.user.userID));
    if (rooms === undefined) return [];
    const out: { room: string; member: Member }[] = [];
    for (const [roomID, member] of rooms) {
      if (member.sessionID === req.sessionID) continue;
      if (roomID === req.room.roomID || !req.multi || !member.multi) out.push({ room: roomID, member });
    }
    return out;
  }

  /** The user's other rooms that stay once this join has displaced its conflicts. */
  private roomsKept(req: JoinRequest, conflicts: { room: string }[]): number {
    const rooms = this.userRooms.get(userKey(req.room.appID, req.user.userID));
    if (rooms === undefined) return 0;
    let kept = 0;
    for (const roomID of rooms.keys()) {
      if (roomID !== req.room.roomID && !conflicts.some((c) => c.room === roomID)) kept++;
    }
    return kept;
  }

  private memberOf(actor: Actor): { room: MemoryRoom; member: Member } | undefined {
    const room = this.rooms.get(roomKey(actor.room));
    if (room !== undefined && actor.asServer !== undefined) {
      const user = { userID: actor.userID, userName: actor.asServer.userName || actor.userID };
      return {
        room,
        member: { user, sessionID: '', multi: false, userUpdate: false, joinSeq: 0, joinedAtMs: 0 },
      };
    }
    const member = room?.members.get(actor.userID);
    if (room === undefined || member === undefined || member.sessionID !== actor.sessionID) return undefined;
    return { room, member };
  }

  /** `unpub` per stream, then `leave`. Returns whether the room was destroyed. */
  private removeMember(
    ref: RoomRef,
    member: Member,
    kick: Kick | undefined,
    cause: LeaveCause,
    destroyIfEmpty: boolean,
  ): boolean {
    const room = this.rooms.get(roomKey(ref));
    if (room === undefined) return false;
    const { userID } = member.user;
    if (kick !== undefined) {
      this.emit({
        kind: 'kick',
        room: room.ref,
        sessionID: member.sessionID,
        userID,
        joinSeq: member.joinSeq,
        code: kick.code,
        ext: kick.ext,
      });
    }
    const why = streamsLeftBecause(cause, kick?.code);
    for (const stream of [...room.streams.values()]) {
      if (stream.user.userID !== userID) continue;
      dropStream(room, stream);
      this.append(room, { k: 'unpub', stream: { ...stream }, why });
    }
    room.members.delete(userID);
    this.unindexUser(ref.appID, ref.roomID, userID);
    const destroyed = destroyIfEmpty && room.members.size === 0;
    this.append(
      room,
      { k: 'leave', user: { ...member.user } },
      { sessionID: member.sessionID, joinedAtMs: member.joinedAtMs, cause, kickCode: kick?.code, destroyed },
    );
    if (destroyed) this.rooms.delete(roomKey(ref));
    return destroyed;
  }

  private createRoom(ref: RoomRef, maxMemberCount: number): MemoryRoom {
    const room: MemoryRoom = {
      ref: { appID: ref.appID, roomID: ref.roomID },
      seq: 0,
      barrageSeq: 0,
      maxMemberCount,
      members: new Map(),
      streams: new Map(),
      streamsOf: new Map(),
      extra: new Map(),
      history: new EventHistory(this.historyMaxEvents),
    };
    this.rooms.set(roomKey(ref), room);
    return room;
  }

  private stateOf(room: MemoryRoom, withMembers: boolean): RoomState {
    const state: RoomState = {
      seq: room.seq,
      maxMemberCount: room.maxMemberCount,
      count: room.members.size,
      streams: [...room.streams.values()].map((s) => ({ ...s, user: { ...s.user } })),
      extra: [...room.extra.values()].map((e) => ({ ...e, updateUser: { ...e.updateUser } })),
    };
    if (withMembers) state.members = [...room.members.values()].map((m) => ({ ...m, user: { ...m.user } }));
    return state;
  }

  private indexUser(appID: number, roomID: string, member: Member): void {
    const key = userKey(appID, member.user.userID);
    let rooms = this.userRooms.get(key);
    if (rooms === undefined) {
      rooms = new Map();
      this.userRooms.set(key, rooms);
    }
    rooms.set(roomID, member);
  }

  private unindexUser(appID: number, roomID: string, userID: string): void {
    const key = userKey(appID, userID);
    const rooms = this.userRooms.get(key);
    rooms?.delete(roomID);
    if (rooms?.size === 0) this.userRooms.delete(key);
  }

  private append(room: MemoryRoom, event: RoomEvent, member?: MembershipNote): void {
    const seq = ++room.seq;
    room.history.append({ seq, event });
    const message: BackendMessage = { kind: 'event', room: room.ref, seq, event, count: room.members.size };
    if (member !== undefined) message.member = member;
    this.emit(message);
  }

  private emit(message: BackendMessage): void {
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
