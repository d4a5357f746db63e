// Finding the membership a room request acts as.

import type { Actor } from '../backend/types.js';
import { liveSession, type Session, type SessionRoom, type SessionSlot } from './session.js';

export interface Acting {
  session: Session;
  room: SessionRoom;
  actor: Actor;
}

/** The session's membership of `roomID`, or undefined (→ Code.NOT_LOGGED_IN). */
export function actingIn(slot: SessionSlot, roomID: string): Acting | undefined {
  const session = liveSession(slot);
  const room = session?.rooms.get(roomID);
  if (session === undefined || room === undefined) return undefined;
  return { session, room, actor: { room: room.ref, userID: session.user.userID, sessionID: session.id } };
}
