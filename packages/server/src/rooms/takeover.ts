// Taking over a session another node held (cluster mode, docs/contract.md "Cluster mode"): its
// client resumes here because its node died or closed, or the load balancer chose this one.
// The stored record (persist.ts) says which memberships it had; each one this node can adopt
// from the backend becomes its own, with the session's kicks and grants.

import type { ResumeFrame } from '@atrium/protocol';
import type { RoomContext } from './context.js';
import { forgetStored, persistSession } from './persist.js';
import { Session, type SessionRoom } from './session.js';

/**
 * A resume of a session this node does not hold: take it over from the store, with the
 * memberships it still has. Undefined when unknown (or its key does not match) or when nothing
 * is left of it but kicks, which are then known here for the refusal.
 */
export async function takeOver(ctx: RoomContext, frame: ResumeFrame): Promise<Session | undefined> {
  const cluster = ctx.backend.cluster;
  // Ended here, its removals still owed: there is nothing to resume into.
  if (cluster === undefined || ctx.removals.owes(frame.session)) return undefined;
  const stored = await cluster.sessions.take(frame.session, frame.key);
  if (stored === null) return undefined;
  const session = new Session(stored.id, frame.key, stored.appID, stored.user, stored.multi);
  for (const [roomID, kick] of Object.entries(stored.kicks)) ctx.kicks.record(session, roomID, kick);
  for (const room of stored.rooms) {
    const ref = { appID: stored.appID, roomID: room.roomID };
    const adopted = await cluster.adopt(ref, stored.user.userID, stored.id);
    if (!adopted.held) {
      // Kicked while its node was dead or cut off: that node never recorded it, the room did.
      if (adopted.kick !== undefined) ctx.kicks.record(session, room.roomID, adopted.kick);
      continue;
    }
    const taken: SessionRoom = {
      ref,
      userUpdate: room.userUpdate,
      joinSeq: room.joinSeq,
      grant: room.grant,
      warned: false,
      expiryKickSent: false,
    };
    session.rooms.set(room.roomID, taken);
  }
  // Two resumes of it racing on this node: the first one made it ours.
  const raced = ctx.sessions.get(stored.id);
  if (raced !== undefined) return raced;
  if (session.rooms.size === 0) {
    forgetStored(ctx, session);
    return undefined;
  }
  // As if its link had just broken here: the resume under way attaches it.
  session.detach(ctx.monoNow());
  ctx.sessions.set(session.id, session);
  persistSession(ctx, session);
  ctx.log.debug({ session: session.id, rooms: session.rooms.size }, 'session taken over from another node');
  return session;
}
