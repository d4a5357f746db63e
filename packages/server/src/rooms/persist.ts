// Sessions shared between the nodes of a cluster (docs/contract.md, "Cluster mode"): each change
// of a session's rooms, kicks or grants is written to the backend's session store, so that when
// its client resumes on another node (its node died or closed, or the load balancer chose
// another) that node can take the session over (takeover.ts). Without a cluster facet the
// backend keeps nothing and none of this happens.

import { hashKey, type StoredRoom, type StoredSession } from '../backend/session-store.js';
import type { RoomContext } from './context.js';
import type { Session } from './session.js';

type Host = Pick<RoomContext, 'backend' | 'kicks' | 'options' | 'log'>;

function storedOf(ctx: Host, session: Session, joining?: StoredRoom): StoredSession {
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
export async function recordJoining(ctx: Host, session: Session, joining: StoredRoom): Promise<void> {
  await ctx.backend.cluster?.sessions.save(storedOf(ctx, session, joining));
}

/** Records the session's current rooms and kicks (in the background: writes keep their order). */
export function persistSession(ctx: Host, session: Session): void {
  const store = ctx.backend.cluster?.sessions;
  if (store === undefined || session.ended) return;
  store
    .save(storedOf(ctx, session))
    .catch((error: unknown) => ctx.log.warn({ err: error, session: session.id }, 'saving a session failed'));
}

/** The session ended here: its record goes, but its kicks stay for `kickMemoryMs`. */
export function forgetStored(ctx: Host, session: Session): void {
  const store = ctx.backend.cluster?.sessions;
  if (store === undefined) return;
  const { kicks, keyHash } = storedOf(ctx, session);
  store
    .end(session.id, kicks, keyHash, ctx.options.kickMemoryMs)
    .catch((error: unknown) =>
      ctx.log.warn({ err: error, session: session.id }, 'ending a stored session failed'),
    );
}
