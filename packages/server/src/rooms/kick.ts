// Where a kick happens. The backend removes a member with a kick (a duplicate login, the admin
// API, a token that expired) and tells the node holding its session, which applies it here:
// the member's room is forgotten and its client told. Kicks outlive the session they hit, for
// `kickMemoryMs` (by default the SDK's whole reconnect window, past the grace period): a session
// kicked while its link was down (or silently dead) must not come back by resuming, and its
// client must learn the kick's code instead of logging in afresh, which would kick the winner
// in turn (docs/contract.md, "Kicks"). A resuming client is sent the kicks it missed.

import { encodeFrame } from '@atrium/protocol';
import type { KickMessage } from '../backend/types.js';
import type { RoomContext } from './context.js';
import { persistSession } from './persist.js';
import { type Session, sameKey } from './session.js';

/** A kick as a client hears it: the code (a Code, or the admin API's own) and its text. */
export interface Kick {
  code: number;
  ext: string;
}

/** The backend removed one of our sessions from a room: tell it, and forget the room. */
export function applyKick(ctx: RoomContext, kick: KickMessage): void {
  const session = ctx.sessions.get(kick.sessionID);
  const room = session?.rooms.get(kick.room.roomID);
  if (session === undefined || room === undefined) return;
  // A stale kick of an earlier membership of the same session must not remove this one.
  if (room.joinSeq !== kick.joinSeq || room.ref.appID !== kick.room.appID) return;
  session.rooms.delete(kick.room.roomID);
  ctx.local.leave(session, room.ref);
  // Remembered even when sent: the link may be dead without anyone knowing yet.
  ctx.kicks.record(session, kick.room.roomID, { code: kick.code, ext: kick.ext });
  persistSession(ctx, session);
  session.send(kickFrame(kick.room.roomID, kick));
  ctx.log.info({ session: session.id, appID: room.ref.appID, code: kick.code }, 'session kicked from a room');
  if (session.rooms.size === 0) ctx.settleSoon(session);
}

const kickFrame = (room: string, kick: Kick): string =>
  encodeFrame({ t: 'kick', room, code: kick.code, ext: kick.ext });

/** Of the rooms a resume names, those the session was kicked from. */
export function kickedRooms(
  roomIDs: readonly string[],
  kicks: ReadonlyMap<string, Kick> | undefined,
): Map<string, Kick> {
  const out = new Map<string, Kick>();
  if (kicks === undefined) return out;
  for (const roomID of roomIDs) {
    const kick = kicks.get(roomID);
    if (kick !== undefined) out.set(roomID, kick);
  }
  return out;
}

/** The kicks a resuming client missed, as the `kick` frames it would have had on a live link. */
export function replayKicks(link: { send(data: string): void }, kicked: ReadonlyMap<string, Kick>): void {
  for (const [room, kick] of kicked) link.send(kickFrame(room, kick));
}

interface Tombstone {
  /** The session's resume credential, so only its holder learns of the kicks. */
  key: string;
  rooms: Map<string, Kick>;
  /** The latest kick, monotonic ms: the record lasts `kickMemoryMs` from then. */
  lastAtMs: number;
}

/** The kick memory: the rooms each session was kicked from, for its resume to learn. */
export class KickTombstones {
  private readonly bySession = new Map<string, Tombstone>();

  constructor(
    /** Monotonic ms. */
    private readonly monoNow: () => number,
  ) {}

  get size(): number {
    return this.bySession.size;
  }

  record(session: Pick<Session, 'id' | 'key'>, roomID: string, kick: Kick): void {
    let stone = this.bySession.get(session.id);
    if (stone === undefined) {
      stone = { key: session.key, rooms: new Map(), lastAtMs: 0 };
      this.bySession.set(session.id, stone);
    }
    stone.rooms.set(roomID, { code: kick.code, ext: kick.ext });
    stone.lastAtMs = this.monoNow();
  }

  /** The session is in the room again: an earlier kick from it is history. */
  forget(sessionID: string, roomID: string): void {
    const stone = this.bySession.get(sessionID);
    stone?.rooms.delete(roomID);
    if (stone?.rooms.size === 0) this.bySession.delete(sessionID);
  }

  /** The rooms the session was kicked from, for the holder of its key only. */
  kicksOf(sessionID: string, key: string): ReadonlyMap<string, Kick> | undefined {
    const stone = this.bySession.get(sessionID);
    return stone !== undefined && sameKey(stone.key, key) ? stone.rooms : undefined;
  }

  /** Drops the records older than `keepMs` (called by the server's one sweep). */
  prune(keepMs: number): void {
    const now = this.monoNow();
    for (const [id, stone] of this.bySession) {
      if (now - stone.lastAtMs > keepMs) this.bySession.delete(id);
    }
  }
}
