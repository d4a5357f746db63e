// The Backend seam (ARCHITECTURE principle 2): everything about a room that must be shared by
// every node of a cluster — membership, streams, extra info, the room's sequence, its bounded
// history and the fan-out of its events. Nothing above this seam knows which implementation
// runs; memory.ts is the embedded one, a Redis one will pass the same contract suite.
//
// Every mutation is ONE atomic call: check, mutate, bump the room's `seq`, append the events to
// the bounded history, publish them to subscribers. Refusals are data (`{ ok: false, code }`);
// a method rejects only when the backend itself fails (e.g. Redis is down).

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
import type { SessionStore } from './session-store.js';

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
  /** Applies only when this join creates the room; 0 = unlimited. */
  maxMemberCount: number;
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
  | Refusal<typeof Code.ROOM_FULL | typeof Code.ALREADY_IN_THIS_ROOM | typeof Code.LOGGED_IN_ELSEWHERE>;

export interface RemoveRequest {
  room: RoomRef;
  userID: string;
  /** Remove only this session's membership (a newer one of the same user stays). */
  sessionID?: string;
  /** Tell the session it was kicked (a `kick` message); absent for a plain leave. */
  kick?: { code: number; ext: string };
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

/** A resume's claim on a membership held by another node: held, or why not (a kick, or gone). */
export type AdoptResult = { held: true } | { held: false; kick?: { code: number; ext: string } };

export interface Backend {
  /**
   * Messages published from now on reach `listener`, in the order of each room, once each: at
   * least those of the rooms this node has members in (joined through it) or a join in flight
   * to — all a cluster node is told (Redis); the in-memory backend tells every room.
   */
  subscribe(listener: BackendListener): () => void;

  /** Duplicate-login handling, capacity, then the `join` event; creates the room if needed. */
  join(request: JoinRequest): Promise<JoinResult>;
  /** `unpub` for each of the member's streams, then `leave`; destroys the room when empty. */
  remove(request: RemoveRequest): Promise<RemoveResult>;

  /** A stream ID belongs to one user in a room (Code.INPUT_PARAM otherwise); publishing it again is a no-op. */
  publishStream(request: PublishStreamRequest): Promise<Done>;
  unpublishStream(request: StreamRequest): Promise<Done>;
  setStreamExtra(request: StreamExtraRequest): Promise<Done>;
  /** Newest wins for an existing key. */
  setRoomExtra(request: RoomExtraRequest): Promise<Done>;

  /** Sequenced; `messageID` is the event's `seq`. */
  broadcast(request: MessageRequest): Promise<MessageResult>;
  /** Not sequenced; `messageID` comes from a separate per-room counter. */
  barrage(request: MessageRequest): Promise<MessageResult>;
  /** Sequenced; delivered to the `to` users only (the filter is the subscriber's). */
  command(request: CommandRequest): Promise<Done>;

  /** The room now, or null when it does not exist. */
  room(room: RoomRef, withMembers: boolean): Promise<RoomState | null>;
  /** Events after `afterSeq`, or null when the history no longer reaches back that far (resume). */
  history(room: RoomRef, afterSeq: number): Promise<SequencedEvent[] | null>;

  /** Where sessions are kept for resume; absent: in their node's memory only. */
  sessions?(): SessionStore;
  /**
   * Resume on a node that did not hold the session (cluster mode): this node now delivers the
   * room's events to it. Not held when `sessionID` no longer holds the membership; then the kick
   * that removed it, if it was kicked within the grace period (its node may never have heard).
   */
  adopt?(room: RoomRef, userID: string, sessionID: string): Promise<AdoptResult>;
  /** Another node took the membership over: this one stops receiving the room for it. */
  release?(room: RoomRef, userID: string, sessionID: string): void;

  /**
   * `listener` is told when the backend has lost its state (Redis came back empty): no session
   * this node holds is known to it any more.
   */
  onReset?(listener: () => void): () => void;

  /**
   * `listener` is told when this node learns it was fenced (cluster mode): cut off from the
   * others for longer than its lease and the grace period, it had its sessions removed by them.
   * It must end every session it holds; the backend accepts its writes again by then.
   */
  onFenced?(listener: () => void): () => void;

  /**
   * Cluster mode: webhook facts are queued by the backend itself (durable, one sender per room);
   * the server sends from here instead of deriving them from the events it is told.
   */
  hookQueue?(): HookQueue | undefined;

  /**
   * Cluster mode: records an admin request's SignatureNonce for `keepMs` across every node;
   * false when it was used already (a replay sent to another node). Absent: the node's own
   * memory is enough.
   */
  claimNonce?(appID: number, nonce: string, keepMs: number): Promise<boolean>;

  /** Whether the backend can serve now (/readyz); absent means always. */
  ready?(): boolean;
  /** Resolves once `ready()`, or after the backend's connect timeout (the server starts anyway). */
  whenReady?(): Promise<void>;

  close(): Promise<void>;
}
