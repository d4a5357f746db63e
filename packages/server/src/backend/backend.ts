// The Backend seam (docs/architecture.md, "The backend seam"): everything about a room that must
// be shared by every node of a cluster — membership, streams, extra info, the room's sequence,
// its bounded history and the fan-out of its events. Nothing above this seam knows which
// implementation runs: memory/ is the embedded one, redis/ the cluster one, and both pass the
// same contract suite (test/backend-contract.ts).
//
// Every mutation is ONE atomic call: check, mutate, bump the room's `seq`, append the events to
// the bounded history, publish them to subscribers. Refusals are data (`{ ok: false, code }`);
// a method rejects only when the backend itself fails (e.g. Redis is down).
//
// What only a backend shared by several nodes can do (sessions resumed on another node, webhook
// facts queued durably, nonces claimed across nodes, fencing) is one optional facet, `cluster`:
// a caller checks it once, and with the in-memory backend none of it exists.

import type { SessionStore } from './session-store.js';
import type {
  BackendListener,
  CapacityRequest,
  CommandRequest,
  Done,
  HookQueue,
  JoinRequest,
  JoinResult,
  Kick,
  MessageRequest,
  MessageResult,
  PublishStreamRequest,
  RemoveRequest,
  RemoveResult,
  RoomExtraRequest,
  RoomRef,
  RoomState,
  SequencedEvent,
  StreamExtraRequest,
  StreamRequest,
} from './types.js';

/** A resume's claim on a membership held by another node: held, or why not (a kick, or gone). */
export type AdoptResult = { held: true } | { held: false; kick?: Kick };

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
  /**
   * Overrides an existing room's maxMemberCount (whoever created it, with whatever count), so a
   * squatter cannot lock a room; members already in stay. Code.NOT_LOGGED_IN when the room does
   * not exist. No event: members learn nothing of it.
   */
  setRoomCapacity(request: CapacityRequest): Promise<Done>;

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

  /** Whether the backend can serve now (/readyz); the in-memory one always can. */
  ready(): boolean;
  /** Resolves once `ready()`, or after the backend's connect timeout (the server starts anyway). */
  whenReady(): Promise<void>;

  /** Present on a backend several nodes share (Redis): see ClusterFacet. */
  readonly cluster?: ClusterFacet;

  close(): Promise<void>;
}

/** What a backend shared by the nodes of a cluster offers beyond rooms. */
export interface ClusterFacet {
  /** Where sessions are kept, so a client resumes on any node (rooms/persist.ts, takeover.ts). */
  readonly sessions: SessionStore;
  /**
   * Resume on a node that did not hold the session: this node now delivers the room's events to
   * it. Not held when `sessionID` no longer holds the membership; then the kick that removed it,
   * if it was kicked within the grace period (its node may never have heard).
   */
  adopt(room: RoomRef, userID: string, sessionID: string): Promise<AdoptResult>;
  /** Another node took the membership over: this one stops receiving the room for it. */
  release(room: RoomRef, userID: string, sessionID: string): void;
  /**
   * `listener` is told when the backend has lost its state (Redis came back empty): no session
   * this node holds is known to it any more.
   */
  onReset(listener: () => void): () => void;
  /**
   * `listener` is told when this node learns it was fenced: cut off from the others for longer
   * than its lease and the grace period, it had its sessions removed by them. It must end every
   * session it holds; the backend accepts its writes again by then.
   */
  onFenced(listener: () => void): () => void;
  /**
   * Webhook facts queued by the backend itself (durable, one sender per room), when webhooks are
   * on: the server sends from here instead of deriving them from the events it is told.
   */
  readonly hookQueue: HookQueue | undefined;
  /**
   * Records an admin request's SignatureNonce for `keepMs` across every node; false when it was
   * used already (a replay sent to another node).
   */
  claimNonce(appID: number, nonce: string, keepMs: number): Promise<boolean>;
}
