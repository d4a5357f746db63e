// What the room rules run against: the Backend, this node's sessions and fan-out, the options,
// a clock and an ID source, all passed in so the rules stay plain functions.

import type { ErrorCode } from '@atrium/protocol';
import type { Logger } from 'pino';
import type { Backend } from '../backend/backend.js';
import type { KickMessage, RoomRef, SequencedEvent } from '../backend/types.js';
import type { LimitName } from '../limits/refusals.js';
import type { ReplyMetrics } from '../metrics/replies.js';
import type { ResolvedOptions } from '../options.js';
import type { KickTombstones } from './kick.js';
import type { PendingRemovals } from './removals.js';
import type { Session, SessionRoom } from './session.js';

/** This node's side of membership: which local sessions receive a room's events. */
export interface LocalRooms {
  /** Called before the backend join, so events ordered before the reply reaches us are not lost. */
  expect(session: Session, ref: RoomRef): void;
  /**
   * The join succeeded and its reply has been sent: deliver the events buffered since
   * `expect` that come after `snapshotSeq`, then live ones. Returns a kick of this very
   * membership that arrived before the join's result did (possible with a remote backend).
   */
  admit(session: Session, room: SessionRoom, snapshotSeq: number, count: number): KickMessage | undefined;
  /** The join failed. */
  abandon(session: Session, ref: RoomRef): void;
  /** The session no longer receives the room's events. */
  leave(session: Session, ref: RoomRef): void;
  /**
   * Where a resume may start reading the room's history for this member: `clientSeq`, or later
   * when nothing since was visible to it (and this node saw it all).
   */
  resumeFrom(session: Session, ref: RoomRef, clientSeq: number, userUpdate: boolean): number;
  /**
   * A resume starts reading the room's history: hold the room's events for the session from now
   * on (kicks are applied as usual, the session already being a member).
   */
  hold(session: Session, ref: RoomRef): void;
  /**
   * What a resume will deliver the member, worked out before its reply (which names the last
   * seq): the events of `replay` after `afterSeq` it may see, then those held since `hold` that
   * come after them.
   */
  replayFor(
    session: Session,
    room: SessionRoom,
    afterSeq: number,
    replay: readonly SequencedEvent[],
  ): ReplayPlan;
  /** The resume's reply has been sent: deliver the planned events, then live ones. */
  release(session: Session, room: SessionRoom, plan: ReplayPlan): void;
}

/** The frames a resume delivers for one room, and the seq of the last event among them (0: none). */
export interface ReplayPlan {
  frames: string[];
  upTo: number;
}

/** The one reply to a request. */
export interface Respond {
  ok(data?: unknown): void;
  fail(code: ErrorCode, ext?: string): void;
}

export interface RoomContext {
  backend: Backend;
  options: ResolvedOptions;
  /** appID → server secret. */
  secrets: ReadonlyMap<number, string>;
  /** Sessions held by this node, by ID. */
  sessions: Map<string, Session>;
  local: LocalRooms;
  /** Wall clock, ms. */
  now(): number;
  /** Monotonic ms (grace periods). */
  monoNow(): number;
  /** Unguessable IDs for sessions and resume keys. */
  newID(): string;
  /**
   * After the requests already queued on the session's link: end it if it has no room left.
   * (A kick can empty a session while a login of the same session is still in flight.)
   */
  settleSoon(session: Session): void;
  /**
   * Takes the session off its link, if it still has one (a dead link not yet noticed, when the
   * client resumes from a new one): that link is closed and nothing it still sends counts.
   */
  detach(session: Session): void;
  /** Kicks remembered for the grace period, so a kicked session cannot resume. */
  kicks: KickTombstones;
  /** Removals the backend failed to make, retried by the sweep. */
  removals: PendingRemovals;
  /** Counts logins and resumes by what the rules answered. */
  metrics: ReplyMetrics;
  /** A quota refused a request: counted in atrium_limited_total and logged (rate-limited). */
  limited(limit: LimitName, detail?: Record<string, unknown>): void;
  log: Logger;
}
