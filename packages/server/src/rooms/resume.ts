// Resuming a session on a new link (docs/contract.md "Reconnection", docs/protocol.md "Session
// resume"). Per room the client names the last `seq` it processed; the room's bounded history
// replays what it missed, or a fresh snapshot stands in when the history no longer reaches back.
// Events ordered while the history is read are held and follow the replay, so nothing is lost,
// repeated or reordered.

import {
  Code,
  isErrorCode,
  type ResumedRoom,
  type ResumeFrame,
  type ResumeReplyData,
} from '@atrium/protocol';
import type { RoomState, SequencedEvent } from '../backend/types.js';
import type { ReplayPlan, Respond, RoomContext } from './context.js';
import { endIfEmpty } from './end.js';
import { type Kick, kickedRooms, replayKicks } from './kick.js';
import { leaveRoom } from './leave.js';
import { liveSession, type Session, type SessionRoom, type SessionSlot, sameKey } from './session.js';
import { snapshotFor } from './snapshot.js';
import { takeOver } from './takeover.js';

const SESSION_UNKNOWN = 'session unknown';

/** What was read for one room while its events were held. */
interface RoomRead {
  room: SessionRoom;
  afterSeq: number;
  /** null: the history no longer reaches back to `afterSeq`. */
  replay: SequencedEvent[] | null;
  /** The snapshot standing in for a replay; null when the room is gone. */
  state: RoomState | null;
}

/** What the resume's reply says of each room, and what follows it for the rooms resumed. */
interface Outcome {
  rooms: Record<string, ResumedRoom>;
  resumed: RoomRead[];
  plans: Map<RoomRead, ReplayPlan>;
  kicked: Map<string, Kick>;
}

export async function resume(
  ctx: RoomContext,
  slot: SessionSlot,
  frame: ResumeFrame,
  respond: Respond,
): Promise<void> {
  // Not here: held by another node (cluster mode), which may have died or closed.
  const found = ctx.sessions.get(frame.session) ?? (await takeOver(ctx, frame));
  const session = found !== undefined && sameKey(found.key, frame.key) ? found : undefined;
  if (session === undefined || session.ended) return refuseGone(ctx, slot, frame, respond);
  const current = liveSession(slot);
  if (current !== undefined) {
    return respond.fail(
      Code.INPUT_PARAM,
      current === session ? 'the session is already on this link' : 'this link has another session',
    );
  }

  const generation = session.beginResume();
  let reads: RoomRead[];
  try {
    reads = await readUnderHold(ctx, session, frame, generation);
  } finally {
    session.finishResume();
  }
  if (!session.isLatestResume(generation)) {
    // A newer resume of the same session took over; its holds replaced ours.
    return respond.fail(Code.NOT_LOGGED_IN, 'resumed on another link');
  }
  if (slot.closed || session.ended) {
    for (const read of reads) ctx.local.abandon(session, read.room.ref);
    if (session.ended) return refuseGone(ctx, slot, frame, respond);
    return respond.fail(Code.NOT_LOGGED_IN, 'link closed while resuming');
  }

  const outcome = planRooms(ctx, session, frame, reads);
  if (outcome.resumed.length === 0) {
    endIfEmpty(ctx, undefined, session);
    return refuseGone(ctx, slot, frame, respond);
  }
  answer(ctx, slot, session, outcome, respond);
}

/**
 * Takes the session off any link it still had, gives up the rooms the client no longer names,
 * then reads the others with their events held. The holds are released if the reading fails,
 * unless a newer resume has put its own in their place.
 */
async function readUnderHold(
  ctx: RoomContext,
  session: Session,
  frame: ResumeFrame,
  generation: number,
): Promise<RoomRead[]> {
  // A dead link the sweep has not caught yet must not receive anything from now on.
  ctx.detach(session);
  try {
    // The client gave up the rooms it does not name (a logout lost in the cut, say).
    for (const roomID of [...session.rooms.keys()]) {
      if (!Object.hasOwn(frame.rooms, roomID)) await leaveRoom(ctx, session, roomID);
    }
    return await readRooms(ctx, session, frame.rooms);
  } catch (error) {
    if (session.isLatestResume(generation)) {
      for (const room of session.rooms.values()) ctx.local.abandon(session, room.ref);
    }
    throw error;
  }
}

/** Holds each named room's events, then reads its history, or its snapshot if that is gone. */
async function readRooms(
  ctx: RoomContext,
  session: Session,
  lastSeqs: Record<string, number>,
): Promise<RoomRead[]> {
  const named = [...session.rooms.values()].filter((room) => Object.hasOwn(lastSeqs, room.ref.roomID));
  // Asked before the holds: the events held from now on are delivered after the replay anyway.
  const starts = named.map((room) => {
    // Nothing from before this membership began, whatever the client says.
    const clientSeq = Math.max(lastSeqs[room.ref.roomID] ?? 0, room.joinSeq);
    return ctx.local.resumeFrom(session, room.ref, clientSeq, room.userUpdate);
  });
  for (const room of named) ctx.local.hold(session, room.ref);
  return Promise.all(
    named.map(async (room, i): Promise<RoomRead> => {
      const afterSeq = starts[i] ?? room.joinSeq;
      const replay = await ctx.backend.history(room.ref, afterSeq);
      const state = replay === null ? await ctx.backend.room(room.ref, room.userUpdate) : null;
      return { room, afterSeq, replay, state };
    }),
  );
}

/** Per room read: a replay, a snapshot, or nothing (kicked meanwhile, or the room is gone). */
function planRooms(ctx: RoomContext, session: Session, frame: ResumeFrame, reads: RoomRead[]): Outcome {
  const outcome: Outcome = { rooms: {}, resumed: [], plans: new Map(), kicked: new Map() };
  for (const read of reads) {
    const roomID = read.room.ref.roomID;
    if (session.rooms.get(roomID) !== read.room) continue; // kicked while we read: below
    if (read.replay !== null) {
      const plan = ctx.local.replayFor(session, read.room, read.afterSeq, read.replay);
      outcome.plans.set(read, plan);
      outcome.rooms[roomID] = { replayed: true, upTo: plan.upTo };
    } else if (read.state !== null) {
      const snapshot = snapshotFor(session.user.userID, read.room.userUpdate, read.state);
      outcome.rooms[roomID] = { replayed: false, snapshot };
    } else {
      // The backend lost the room under a member: nothing to resume into.
      session.rooms.delete(roomID);
      ctx.local.leave(session, read.room.ref);
      continue;
    }
    outcome.resumed.push(read);
  }
  outcome.kicked = kickedRooms(Object.keys(frame.rooms), ctx.kicks.kicksOf(session.id, session.key));
  for (const [roomID, kick] of outcome.kicked) outcome.rooms[roomID] = { kicked: kick.code, ext: kick.ext };
  return outcome;
}

/**
 * Everything from here to the last replayed event runs without a pause, so the reply, the
 * replay and the held events reach the link before any live event of these rooms.
 */
function answer(
  ctx: RoomContext,
  slot: SessionSlot,
  session: Session,
  outcome: Outcome,
  respond: Respond,
): void {
  session.attach(slot.link);
  slot.session = session;
  replayKicks(slot.link, outcome.kicked);
  const data: ResumeReplyData = { hb: ctx.options.heartbeatIntervalMs, rooms: outcome.rooms };
  respond.ok(data);
  for (const read of outcome.resumed) {
    const plan = outcome.plans.get(read);
    if (plan !== undefined) ctx.local.release(session, read.room, plan);
    else if (read.state !== null) ctx.local.admit(session, read.room, read.state.seq, read.state.count);
  }
  const { resumed, kicked } = outcome;
  ctx.log.debug({ session: session.id, rooms: resumed.length, kicked: kicked.size }, 'session resumed');
}

/**
 * The session is gone. If it was kicked from the rooms named, the client hears each kick and the
 * refusal carries the kick's code, so it ends those rooms in KICKOUT instead of logging in again
 * (which would kick the winner); otherwise it is refused as unknown and logs in afresh.
 */
function refuseGone(ctx: RoomContext, slot: SessionSlot, frame: ResumeFrame, respond: Respond): void {
  const named = Object.keys(frame.rooms);
  const kicked = kickedRooms(named, ctx.kicks.kicksOf(frame.session, frame.key));
  replayKicks(slot.link, kicked);
  const last = [...kicked.values()].at(-1);
  if (last !== undefined && kicked.size === named.length) {
    respond.fail(isErrorCode(last.code) ? last.code : Code.KICKED_BY_BACKEND, last.ext);
  } else {
    respond.fail(Code.NOT_LOGGED_IN, SESSION_UNKNOWN);
  }
}
