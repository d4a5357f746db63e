// Leaving rooms by logout (and by a switch, or a resume that no longer names a room). A member
// leaving produces `unpub` for each of its streams, then `leave` (the backend does both in one
// call). Kicks are in kick.ts, the end of a whole session in end.ts.

import { Code, type LogoutFrame } from '@atrium/protocol';
import type { LeaveCause } from '../backend/types.js';
import type { Respond, RoomContext } from './context.js';
import { endIfEmpty } from './end.js';
import { persistSession } from './persist.js';
import { removeUnclaimed } from './removals.js';
import { liveSession, type Session, type SessionSlot } from './session.js';

// message.ts still imports it from here; it lives in session.ts now (to go once that import moves).

/** Removes one room of the session: locally first, so nothing of it is delivered afterwards. */
export async function leaveRoom(
  ctx: RoomContext,
  session: Session,
  roomID: string,
  cause: Exclude<LeaveCause, 'kick'> = 'logout',
): Promise<void> {
  const room = session.rooms.get(roomID);
  if (room === undefined) return;
  session.rooms.delete(roomID);
  ctx.local.leave(session, room.ref);
  if (session.rooms.size > 0) persistSession(ctx, session);
  await removeUnclaimed(ctx, session, room.ref, cause);
}

export async function logout(
  ctx: RoomContext,
  slot: SessionSlot,
  frame: LogoutFrame,
  respond: Respond,
): Promise<void> {
  const session = liveSession(slot);
  if (session === undefined) return respond.fail(Code.NOT_LOGGED_IN);
  if (frame.room !== undefined) {
    if (!session.rooms.has(frame.room)) return respond.fail(Code.ROOM_NOT_LOGGED_IN);
    await leaveRoom(ctx, session, frame.room);
  } else {
    await Promise.all([...session.rooms.keys()].map((roomID) => leaveRoom(ctx, session, roomID)));
  }
  endIfEmpty(ctx, slot, session);
  respond.ok();
}
