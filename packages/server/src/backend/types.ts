// The vocabulary of the Backend seam (backend.ts): rooms, members, their events and the requests
// that change them, as every implementation and every caller spells them.

import type {
  BroadcastMessageInfo,
  Code,
  CommandEncoding,
  ErrorCode,
  RoomEvent,
  RoomExtraInfo,
  StreamInfo,
  ZegoUser,
} from '@atrium/protocol';

/** A kick as a kicked client hears it: a Code (or the admin API's own number) and its text. */
export interface Kick {
  code: number;
  ext: string;
}

export interface RoomRef {
  appID: number;
  roomID: string;
}

/** One user's membership of one room, held by exactly one session. */
export interface Member {
  /** `userName` is always set (it defaults to the userID). */
  user: Required<ZegoUser>;
  sessionID: string;
  /** Joined in multi-room mode; a single-room membership excludes the user from every other room. */
  multi: boolean;
  userUpdate: boolean;
  /** The `seq` of this membership's `join` event: tells one membership from a later one. */
  joinSeq: number;
  joinedAtMs: number;
}

/** The shared state of a room at one `seq`. */
export interface RoomState {
  seq: number;
  maxMemberCount: number;
  count: number;
  /** Present when asked for (a Redis backend can skip reading a big member list). */
  members?: Member[];
  streams: StreamInfo[];
  extra: RoomExtraInfo[];
}

export interface SequencedEvent {
  seq: number;
  event: RoomEvent;
}

/** Why a member left a room (webhooks' `room_logout` reason). A kick carries its code. */
export type LeaveCause = 'logout' | 'timeout' | 'kick';

/**
 * What the backend knows about a `join` or `leave` beyond the event itself, for the business
 * backend's view (webhooks, metrics); never sent to clients.
 */
export interface MembershipNote {
  sessionID: string;
  joinedAtMs: number;
  /** On a `join`: this join created the room. */
  created?: boolean;
  /** On a `leave`. */
  cause?: LeaveCause;
  /** On a `leave` by a kick: its code. */
  kickCode?: number;
  /** On a `leave`: the room had no members left and is gone. */
  destroyed?: boolean;
}

/** What a backend publishes to every subscribed node. */
export type BackendMessage =
  /** A sequenced room event; `count` is the member count right after it. */
  | {
      kind: 'event';
      room: RoomRef;
      seq: number;
      event: RoomEvent;
      count: number;
      /** On `join` and `leave` events. */
      member?: MembershipNote;
    }
  /** Best effort, no sequence, never in the history. */
  | { kind: 'barrage'; room: RoomRef; msg: BroadcastMessageInfo }
  /** A session was removed from a room by someone else; only the node holding it acts. */
  | {
      kind: 'kick';
      room: RoomRef;
      sessionID: string;
      userID: string;
      joinSeq: number;
      code: number;
      ext: string;
    };

export type KickMessage = Extract<BackendMessage, { kind: 'kick' }>;

/**
 * Everything a room event's webhooks are made of (webhooks/events.ts derives them). In cluster
 * mode the room's script queues these facts in the same step as the change, so whichever node
 * sends them derives the same events, with the same IDs.
 */
export interface HookFacts {
  room: RoomRef;
  seq: number;
  event: RoomEvent;
  member?: MembershipNote;
  /** The room's lifetime ID (ZEGO's room_seq / room_session_id): digits. */
  life: string;
  /** When it happened, wall ms. */
  atMs: number;
  /** On `unpub`: the seq of the stream's `pub` (its stream_sid). */
  pubSeq?: number;
  /** On a `leave` that ended the room: streams still listed, closed with it. */
  closing?: { stream: StreamInfo; pubSeq: number }[];
}

/** Cluster mode's durable webhook queue: each room's facts, in order, one sender at a time. */
export interface HookQueue {
  /**
   * From now on, takes rooms with queued facts and hands each room's to `sink` in order; a fact
   * is dequeued once `sink` resolves true (false: it stays, for this node later or another one).
   */
  start(sink: (facts: HookFacts) => Promise<boolean>): void;
  /** Stops taking rooms (the queued facts stay in the backend for the other nodes). */
  stop(): Promise<void>;
}

export type BackendListener = (message: BackendMessage) => void;

export type Refusal<C extends ErrorCode = ErrorCode> = { ok: false; code: C };
export type Done = { ok: true } | Refusal;

/** The membership a request acts as; a mutation by a session that is no longer a member is refused. */
export interface Actor {
  room: RoomRef;
  userID: string;
  sessionID: string;
  /**
   * The business backend acting as `userID` through the admin API (ZEGO's server-side
   * sender): no membership needed and `sessionID` is ignored; refused with
   * Code.NOT_LOGGED_IN only when the room does not exist. Unpublishing then removes the
   * stream whoever published it.
   */
  asServer?: { userName: string };
}

export interface JoinRequest {
  room: RoomRef;
  user: Required<ZegoUser>;
  sessionID: string;
  multi: boolean;
  userUpdate: boolean;
  /** Applies only when this join creates the room; 0 = unlimited (up to `maxRoomMembers`). */
  maxMemberCount: number;
  /**
   * The server's cap on a room's members, whatever its maxMemberCount: a join beyond either is
   * refused with Code.ROOM_FULL. Absent: QuotaDefaults.roomMembers.
   */
  maxRoomMembers?: number;
  /**
   * Rooms this user (appID, userID) may be in at once across all its sessions and nodes, counting
   * this one and not those the join displaces: beyond it the join is refused with
   * Code.TOO_MANY_ROOMS. Absent: Defaults.maxRoomsPerUser.
   */
  maxRoomsPerUser?: number;
  duplicateLogin: 'kick-old' | 'reject-new';
  /** Include `members` in the returned state. */
  withMembers: boolean;
  nowMs: number;
}

export interface KickedMember {
  room: RoomRef;
  sessionID: string;
  userID: string;
}

export type JoinResult =
  | { ok: true; state: RoomState; created: boolean; kicked: KickedMember[] }
  | Refusal<
      | typeof Code.ROOM_FULL
      | typeof Code.ALREADY_IN_THIS_ROOM
      | typeof Code.LOGGED_IN_ELSEWHERE
      | typeof Code.TOO_MANY_ROOMS
    >;

/** The business backend sets a room's capacity (its maxMemberCount; 0 = up to the server's cap). */
export interface CapacityRequest {
  room: RoomRef;
  maxMemberCount: number;
}

export interface RemoveRequest {
  room: RoomRef;
  userID: string;
  /** Remove only this session's membership (a newer one of the same user stays). */
  sessionID?: string;
  /** Tell the session it was kicked (a `kick` message); absent for a plain leave. */
  kick?: Kick;
  /** Why a plain leave happened (default 'logout'); a kick is always 'kick'. */
  cause?: Exclude<LeaveCause, 'kick'>;
}

export interface RemoveResult {
  removed: boolean;
  /** The room had no members left and is gone, extra info with it. */
  destroyed: boolean;
}

export interface PublishStreamRequest extends Actor {
  streamID: string;
  extraInfo: string;
  /**
   * A new stream beyond this many of `userID`'s in the room, or beyond `maxPerRoom` in the room,
   * is refused (Code.TOO_MANY_STREAMS); republishing a listed stream is not a new one. Absent:
   * the server's defaults (QuotaDefaults). Together they bound a room's snapshot, and so every
   * login and resume reply.
   */
  maxPerMember?: number;
  maxPerRoom?: number;
}

export interface StreamRequest extends Actor {
  streamID: string;
}

export interface StreamExtraRequest extends Actor {
  streamID: string;
  extraInfo: string;
}

export interface RoomExtraRequest extends Actor {
  key: string;
  value: string;
  /** A new key beyond this many is refused (Code.EXTRA_TOO_MANY_KEYS). */
  maxKeys: number;
  nowMs: number;
}

export interface MessageRequest extends Actor {
  message: string;
  nowMs: number;
}

export interface CommandRequest extends Actor {
  message: string;
  /** Empty: every other member of the room. */
  to: string[];
  /** How `message` is to be read (an object command's JSON, a transparent message's base64). */
  enc?: CommandEncoding;
}

export type MessageResult = { ok: true; messageID: number } | Refusal;
