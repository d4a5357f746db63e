// A session: one engine's identity on this server, created by its first login and ended when
// its last room is left or when the grace period after its link broke runs out. It is a separate
// object from its link so that it can outlive a broken link and be resumed on a new one.
//
// Its lifecycle on this node (docs/architecture.md, "The session lifecycle"):
//
//          its login's join made          the link closed, or a resume began
//   (new) ──────────────────────► attached ─────────────────────────────────► detached
//                                   │  ▲                                          │
//                                   │  └──── attach(link): a resume answered ─────┤
//                                   │                                             │
//                  end('emptied'): last room left                 end('expired'): grace over
//                  end('expired'): lone server closing            end('taken'): resumed elsewhere
//                  end('lost'): backend lost state, fenced        end('lost'): likewise
//                                   ▼                                             ▼
//                                 ended ◄──────────────────────────────────────────
//
//   - A resume racing the grace period: `beginResume()` counts it in flight and the grace sweep
//     leaves the session alone until it finishes (it attaches the session, or gives up). Every
//     resume gets a generation; only the newest may attach (an older, slower one is refused).
//   - Takeover (cluster mode): a session resumed from another node's record starts here
//     detached, as if its link had just broken, until its resume attaches it.
//   - Fencing (cluster mode): a node cut off from Redis for longer than its lease ends every
//     session at once ('lost'); their memberships are removed unless another node took them.
//
// `attach`, `detach` and `end` are the only writers of the state; `end` returns false when the
// session had already ended, so whatever follows an end runs once (rooms/end.ts).

import { createHash, timingSafeEqual } from 'node:crypto';
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

/** Why a session ended; see `endSession` (rooms/end.ts) for what each does to its memberships. */
export type EndReason =
  /** Its last room was left (logout, switch, kick): nothing left to remove. */
  | 'emptied'
  /** Its grace period ran out, or the server closed with nobody to resume it: removed. */
  | 'expired'
  /** Another node took it over: its memberships are that node's now. */
  | 'taken'
  /** The backend lost this node's memberships, or this node was fenced. */
  | 'lost';

type State =
  | { readonly name: 'new' }
  | { readonly name: 'attached'; readonly link: TransportLink }
  | { readonly name: 'detached'; readonly sinceMs: number }
  | { readonly name: 'ended'; readonly why: EndReason };

export class Session {
  readonly rooms = new Map<string, SessionRoom>();
  private state: State = { name: 'new' };
  /** The generation of the newest resume: an older, slower resume must not attach afterwards. */
  private resumes = 0;
  /** Resumes under way (reading history): the grace sweep leaves the session to them. */
  private resumesInFlight = 0;
  /** The grace sweep is deciding this session's end (the store is asked first): one decision. */
  graceEnding = false;

  constructor(
    readonly id: string,
    /** The resume credential. */
    readonly key: string,
    readonly appID: number,
    readonly user: Required<ZegoUser>,
    /** Multi-room mode, fixed by the first login. */
    readonly multi: boolean,
  ) {}

  /** Absent unless attached (detached: the resume grace period). */
  get link(): TransportLink | undefined {
    return this.state.name === 'attached' ? this.state.link : undefined;
  }

  /** Monotonic ms when the session lost its link; undefined unless detached. */
  get detachedAtMs(): number | undefined {
    return this.state.name === 'detached' ? this.state.sinceMs : undefined;
  }

  get ended(): boolean {
    return this.state.name === 'ended';
  }

  /** Whether a resume is reading history for it right now. */
  get resuming(): boolean {
    return this.resumesInFlight > 0;
  }

  send(data: string): void {
    this.link?.send(data);
  }

  /** Puts the session on `link` (its first login's, or a resume's). */
  attach(link: TransportLink): void {
    if (this.state.name !== 'ended') this.state = { name: 'attached', link };
  }

  /**
   * Takes the session off its link (or, for one taken over from another node, marks it as
   * waiting for its resume), from `nowMs` on; returns the link it had.
   */
  detach(nowMs: number): TransportLink | undefined {
    const link = this.link;
    if (this.state.name === 'attached' || this.state.name === 'new') {
      this.state = { name: 'detached', sinceMs: nowMs };
    }
    return link;
  }

  /** False when it had already ended: whatever follows an end must run once. */
  end(why: EndReason): boolean {
    if (this.state.name === 'ended') return false;
    this.state = { name: 'ended', why };
    return true;
  }

  /** A resume starts; returns its generation. Pair with `finishResume`. */
  beginResume(): number {
    this.resumesInFlight++;
    return ++this.resumes;
  }

  finishResume(): void {
    this.resumesInFlight--;
  }

  /** No newer resume has started since the one of this generation. */
  isLatestResume(generation: number): boolean {
    return this.resumes === generation;
  }
}

/** Where a connection keeps its current session; the rules create and end sessions in it. */
export interface SessionSlot {
  session: Session | undefined;
  readonly link: TransportLink;
  /** The link has gone: what a request still running on it does must not attach anything to it. */
  readonly closed: boolean;
}

/** The slot's session, forgetting one that has ended meanwhile. */
export function liveSession(slot: SessionSlot): Session | undefined {
  if (slot.session?.ended) slot.session = undefined;
  return slot.session;
}

/** Compares resume credentials in constant time (hashes first, so lengths do not matter). */
export function sameKey(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The session's membership refs, in the order it joined them. */
export function roomRefs(session: Session): RoomRef[] {
  return [...session.rooms.values()].map((room) => room.ref);
}
