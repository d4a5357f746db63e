// A session: one engine's identity on this server, created by its first login and ended when
// its last room is left or when the grace period after its link broke runs out. It is a separate
// object from its link so that it can outlive a broken link and be resumed on a new one.

import type { ZegoUser } from '@atrium/protocol';
import type { TokenGrant } from '../auth/token.js';
import type { RoomRef } from '../backend/types.js';
import type { TransportLink } from '../gateway/transport.js';

/** This session's membership of one room. */
export interface SessionRoom {
  ref: RoomRef;
  userUpdate: boolean;
  /** Tells this membership from an earlier or later one of the same session (kicks). */
  joinSeq: number;
  grant: TokenGrant;
  /** `expiring` was sent for the current grant. */
  warned: boolean;
  /** A token-expiry kick was asked of the backend for the current grant. */
  expiryKickSent: boolean;
}

export class Session {
  readonly rooms = new Map<string, SessionRoom>();
  /** Absent while detached from any link (the resume grace period). */
  link: TransportLink | undefined;
  /** Monotonic ms when the session lost its link; undefined while attached. */
  detachedAtMs: number | undefined;
  /** Bumped by every resume: an older, slower resume must not attach the session afterwards. */
  resumeGen = 0;
  /** Resumes under way (reading history): the grace sweep leaves the session to them. */
  resuming = 0;
  ended = false;

  constructor(
    readonly id: string,
    /** The resume credential. */
    readonly key: string,
    readonly appID: number,
    readonly user: Required<ZegoUser>,
    /** Multi-room mode, fixed by the first login. */
    readonly multi: boolean,
  ) {}

  send(data: string): void {
    this.link?.send(data);
  }
}

/** Where a connection keeps its current session; the rules create and end sessions in it. */
export interface SessionSlot {
  session: Session | undefined;
  readonly link: TransportLink;
  /** The link has gone: what a request still running on it does must not attach anything to it. */
  readonly closed: boolean;
}
