// Sessions shared between the nodes of a cluster (SPEC §9): each change of a session's rooms,
// kicks or grants is written to the backend's session store, so that when its client resumes on
// another node (its node died or closed, or the load balancer chose another) that node takes
// the session over: the memberships it still holds, its kicks, its grants. With the in-memory
// backend the store keeps nothing and none of this happens.

import type { ResumeFrame } from '@atrium/protocol';
import { hashKey, type StoredRoom, type StoredSession } from '../backend/session-store.js';
import type { RoomContext } from './context.js';
import { removeEnded } from './leave.js';
import { Session, type SessionRoom } from './session.js';

function storedOf(ctx: RoomContext, session: Session, joining?: StoredRoom): StoredSession {
  const kicks: StoredSession['kicks'] = {};
  for (const [roomID, kick] of ctx.kicks.kicksOf(session.id, session.key) ?? []) kicks[roomID] = kick;
  const stored: StoredSession = {
    id: session.id,
    keyHash: hashKey(session.key),
    appID: session.appID,
    user: session.user,
    multi: session.multi,
    rooms: [...session.rooms.values()].map((r) => ({
      roomID: r.ref.roomID,
      userUpdate: r.userUpdate,
      joinSeq: r.joinSeq,
      grant: r.grant,
    })),
    kicks,
  };
  if (joining !== undefined) stored.rooms.push(joining);
  return stored;
}

/**
 * Before a join in cluster mode: the session is recorded with the room it is joining, so that if
 * this node dies right after the join, the others know the membership is its to remove.
 */
export async function recordJoining(ctx: RoomContext, session: Session, joining: StoredRoom): Promise<void> {
  if (!ctx.store.shared) return;
  await ctx.store.save(storedOf(ctx, session, joining));
}

/** Records the session's current rooms and kicks (in the background: writes keep their order). */
export function persistSession(ctx: RoomContext, session: Session): void {
  if (!ctx.store.shared || session.ended) return;
  ctx.store
    .save(storedOf(ctx, session))
    .catch((error: unknown) => ctx.log.warn({ err: error, session: session.id }, 'saving a session failed'));
}

/** The session ended here: its record goes, but its kicks stay for `kickMemoryMs`. */
export function forgetSession(ctx: RoomContext, session: Session): void {
  if (!ctx.store.shared) return;
  const { kicks, keyHash } = storedOf(ctx, session);
  ctx.store
    .end(session.id, kicks, keyHash, ctx.options.kickMemoryMs)
    .catch((error: unknown) =>
      ctx.log.warn({ err: error, session: session.id }, 'ending a stored session failed'),
    );
}

/**
 * A resume of a session this node does not hold: take it over from the store, with the
 * memberships it still has. Undefined when unknown (or its key does not match) or when nothing
 * is left of it but kicks, which are then known here for the refusal.
 */
export async function takeOver(ctx: RoomContext, frame: ResumeFrame): Promise<Session | undefined> {
  // Ended here, its removals still owed: there is nothing to resume into.
  if (!ctx.store.shared || ctx.removals.owes(frame.session)) return undefined;
  const stored = await ctx.store.take(frame.session, frame.key);
  if (stored === null) return undefined;
  const session = new Session(stored.id, frame.key, stored.appID, stored.user, stored.multi);
  for (const [roomID, kick] of Object.entries(stored.kicks)) ctx.kicks.record(session, roomID, kick);
  for (const room of stored.rooms) {
    const ref = { appID: stored.appID, roomID: room.roomID };
    const adopted = (await ctx.backend.adopt?.(ref, stored.user.userID, stored.id)) ?? { held: false };
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
    forgetSession(ctx, session);
    return undefined;
  }
  session.detachedAtMs = ctx.monoNow();
  ctx.sessions.set(session.id, session);
  persistSession(ctx, session);
  ctx.log.debug({ session: session.id, rooms: session.rooms.size }, 'session taken over from another node');
  return session;
}

/**
 * Drops the session here without touching its memberships: another node took it over, or the
 * backend lost them all (Redis came back empty).
 */
export function dropSession(ctx: RoomContext, session: Session, why: string): void {
  if (session.ended) return;
  session.ended = true;
  ctx.sessions.delete(session.id);
  for (const room of session.rooms.values()) {
    ctx.local.leave(session, room.ref);
    ctx.backend.release?.(room.ref, session.user.userID, session.id);
  }
  session.rooms.clear();
  ctx.log.debug({ session: session.id, why }, 'session dropped');
}

/**
 * Ends the session here at once (a resume arriving meanwhile finds it gone), then removes its
 * memberships unless another node has taken it over: for a fenced node, whose reaper may have
 * missed a membership written late.
 */
export async function endDropped(ctx: RoomContext, session: Session, why: string): Promise<void> {
  if (session.ended) return;
  const rooms = [...session.rooms.values()].map((room) => room.ref);
  dropSession(ctx, session, why);
  if (await ctx.store.takenElsewhere(session.id)) return;
  await removeEnded(ctx, session, rooms, 'timeout');
}
