// A session: one engine's identity on this server, created by its first login and ended when
// its last room is left. It is a separate object from its link so that it can outlive a broken
// link for the grace period once resume lands (today a link's end ends its session at once).

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
  /** Absent while detached from any link (the resume grace period, later). */
  link: TransportLink | undefined;
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
}
