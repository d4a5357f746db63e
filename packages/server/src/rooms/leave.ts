// Leaving rooms: logout, kicks, and the end of a session. A member leaving produces `unpub`
// for each of its streams, then `leave` (the backend does both in one call).

import { Code, encodeFrame, type LogoutFrame } from '@atrium/protocol';
import type { KickMessage, LeaveCause, RemoveRequest, RoomRef } from '../backend/types.js';
import type { Respond, RoomContext } from './context.js';
import type { Session, SessionSlot } from './session.js';
import { forgetSession, persistSession } from './takeover.js';

/** The slot's session, forgetting one that has ended meanwhile. */
export function liveSession(slot: SessionSlot): Session | undefined {
  if (slot.session?.ended) slot.session = undefined;
  return slot.session;
}

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

/**
 * Removes the session's membership of a room it no longer claims (left, or a join whose outcome
 * is unknown): now, or by the sweep when the backend fails.
 */
export async function removeUnclaimed(
  ctx: RoomContext,
  session: Session,
  room: RoomRef,
  cause: Exclude<LeaveCause, 'kick'> = 'logout',
): Promise<void> {
  const request = { room, userID: session.user.userID, sessionID: session.id, cause };
  if (!(await removeOrOwe(ctx, request))) ctx.removals.add(session.id, [request], false);
}

/** True when the backend made the removal. */
async function removeOrOwe(ctx: RoomContext, request: RemoveRequest): Promise<boolean> {
  try {
    await ctx.backend.remove(request);
    return true;
  } catch (error) {
    ctx.log.warn(
      { err: error, session: request.sessionID },
      'removing a member failed: retried by the sweep',
    );
    return false;
  }
}

/**
 * Removes the memberships of a session that ended here; its stored record goes once they are
 * gone (the sweep retries what the backend failed to remove, and forgets the record after).
 */
export async function removeEnded(
  ctx: RoomContext,
  session: Session,
  refs: readonly RoomRef[],
  cause: Exclude<LeaveCause, 'kick'>,
): Promise<void> {
  const userID = session.user.userID;
  const requests = refs.map((room) => ({ room, userID, sessionID: session.id, cause }));
  const made = await Promise.all(requests.map((request) => removeOrOwe(ctx, request)));
  const owed = requests.filter((_, i) => made[i] !== true);
  if (owed.length === 0) forgetSession(ctx, session);
  else ctx.removals.add(session.id, owed, true, () => forgetSession(ctx, session));
}

/** Ends the session if it has no room left (a session ends with its last room). */
export function settle(ctx: RoomContext, slot: SessionSlot | undefined, session: Session): void {
  if (session.rooms.size === 0 && !session.ended) {
    session.ended = true;
    ctx.sessions.delete(session.id);
    forgetSession(ctx, session);
  }
  if (slot !== undefined) liveSession(slot);
}

/** Ends the session in every room: its grace period ran out, or the server is closing. */
export async function endSession(ctx: RoomContext, session: Session, why: string): Promise<void> {
  if (session.ended) return;
  session.ended = true;
  ctx.sessions.delete(session.id);
  const refs = [...session.rooms.values()].map((room) => room.ref);
  for (const ref of refs) ctx.local.leave(session, ref);
  session.rooms.clear();
  await removeEnded(ctx, session, refs, 'timeout');
  if (refs.length > 0) ctx.log.debug({ session: session.id, rooms: refs.length, why }, 'session ended');
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
  settle(ctx, slot, session);
  respond.ok();
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
  session.send(encodeFrame({ t: 'kick', room: kick.room.roomID, code: kick.code, ext: kick.ext }));
  ctx.log.info({ session: session.id, appID: room.ref.appID, code: kick.code }, 'session kicked from a room');
  if (session.rooms.size === 0) ctx.settleSoon(session);
}
