// The end of a session on this node: the one place a session is marked ended and taken out of
// this node's sessions and rooms. What becomes of its memberships in the backend depends on why
// it ended (the lifecycle diagram is in session.ts).

import type { RoomContext } from './context.js';
import { forgetStored } from './persist.js';
import { removeEnded } from './removals.js';
import { type EndReason, liveSession, roomRefs, type Session, type SessionSlot } from './session.js';

/**
 * Ends the session here (once: a second call does nothing). Its memberships are then
 * - 'emptied': none are left; the stored record goes.
 * - 'expired': removed (`leave` with cause timeout), the stored record after them.
 * - 'taken': kept, another node holds them now; this node stops receiving their rooms.
 * - 'lost': as 'taken' at once (a resume arriving meanwhile finds the session gone), then
 *   removed unless another node has taken the session over: for a fenced node, whose reaper
 *   may have missed a membership written late.
 */
export async function endSession(ctx: RoomContext, session: Session, why: EndReason): Promise<void> {
  if (!session.end(why)) return;
  ctx.sessions.delete(session.id);
  const refs = roomRefs(session);
  const cluster = ctx.backend.cluster;
  const handedOver = why === 'taken' || why === 'lost';
  for (const ref of refs) {
    ctx.local.leave(session, ref);
    if (handedOver) cluster?.release(ref, session.user.userID, session.id);
  }
  session.rooms.clear();
  if (why === 'emptied') return forgetStored(ctx, session);
  ctx.log.debug({ session: session.id, rooms: refs.length, why }, 'session ended');
  if (why === 'taken') return;
  if (why === 'lost' && (await cluster?.sessions.takenElsewhere(session.id)) === true) return;
  await removeEnded(ctx, session, refs, 'timeout');
}

/** Ends the session if it has no room left (a session ends with its last room). */
export function endIfEmpty(ctx: RoomContext, slot: SessionSlot | undefined, session: Session): void {
  if (session.rooms.size === 0) void endSession(ctx, session, 'emptied');
  if (slot !== undefined) liveSession(slot);
}
