// Logging in to a room and switching rooms, with the checks in the order docs/protocol.md
// gives: identifiers, appID, token, the session's own rules, then (atomically, in the backend)
// duplicate login and room capacity.

import {
  Code,
  checkAppID,
  checkRoomID,
  checkUser,
  type ErrorCode,
  type LoginFrame,
  type LoginReplyData,
  type SwitchFrame,
  type ZegoUser,
} from '@atrium/protocol';
import { checkLoginToken, type TokenGrant } from '../auth/token.js';
import type { JoinResult, RoomRef, RoomState } from '../backend/types.js';
import type { Respond, RoomContext } from './context.js';
import { endIfEmpty } from './end.js';
import { applyKick } from './kick.js';
import { leaveRoom } from './leave.js';
import { forgetStored, persistSession, recordJoining } from './persist.js';
import { removeEnded, removeUnclaimed } from './removals.js';
import { liveSession, Session, type SessionRoom, type SessionSlot } from './session.js';
import { snapshotFor } from './snapshot.js';

/** A room the session asks to enter, as the login or switch frame gives it. */
interface Asked {
  roomID: string;
  token: string;
  userUpdate?: boolean;
  maxMemberCount?: number;
}

interface Entry {
  roomID: string;
  user: Required<ZegoUser>;
  userUpdate: boolean;
  maxMemberCount: number;
  grant: TokenGrant;
}

type Admission = { ok: true; entry: Entry } | { ok: false; code: ErrorCode; ext?: string };

export async function login(
  ctx: RoomContext,
  slot: SessionSlot,
  frame: LoginFrame,
  respond: Respond,
): Promise<void> {
  // Kicked out of its last room and not yet ended: this login starts afresh.
  const left = liveSession(slot);
  if (left !== undefined) endIfEmpty(ctx, slot, left);
  const idCode = checkRoomID(frame.room) || checkUser(frame.user);
  if (idCode !== 0) return respond.fail(idCode);
  if (checkAppID(frame.appID) !== 0) return respond.fail(Code.APPID_INVALID);
  const user = { userID: frame.user.userID, userName: frame.user.userName || frame.user.userID };
  const current = liveSession(slot);
  const admitted = admit(ctx, frame.appID, user, { ...frame, roomID: frame.room }, current);
  if (!admitted.ok) return refuse(ctx, frame.appID, admitted, respond);
  const session = current ?? new Session(ctx.newID(), ctx.newID(), frame.appID, user, frame.multi === true);
  try {
    await enterRoom(ctx, slot, session, admitted.entry, respond);
  } finally {
    endIfEmpty(ctx, slot, session);
  }
}

/**
 * Leaves `from`, then logs in to `room` as the session's user. `from` is left whatever the
 * outcome, because the SDK has already reported it logged out; a refused target then leaves
 * the session in no room at all, exactly as two separate calls would.
 */
export async function switchRoom(
  ctx: RoomContext,
  slot: SessionSlot,
  frame: SwitchFrame,
  respond: Respond,
): Promise<void> {
  const session = liveSession(slot);
  if (session === undefined || !session.rooms.has(frame.from)) return respond.fail(Code.NOT_LOGGED_IN);
  try {
    await leaveRoom(ctx, session, frame.from);
    const idCode = checkRoomID(frame.room);
    if (idCode !== 0) return respond.fail(idCode);
    const admitted = admit(ctx, session.appID, session.user, { ...frame, roomID: frame.room }, session);
    if (!admitted.ok) return refuse(ctx, session.appID, admitted, respond);
    await enterRoom(ctx, slot, session, admitted.entry, respond);
  } finally {
    endIfEmpty(ctx, slot, session);
  }
}

/** A refused login; the multi-room limit of the session is counted with the user's. */
function refuse(
  ctx: RoomContext,
  appID: number,
  refusal: { code: ErrorCode; ext?: string },
  respond: Respond,
): void {
  if (refusal.code === Code.TOO_MANY_ROOMS) ctx.limited('rooms_per_user', { appID });
  respond.fail(refusal.code, refusal.ext);
}

/** Steps 2 to 4 of the login rules, shared by login and switch: the app, the token, the session. */
function admit(
  ctx: RoomContext,
  appID: number,
  user: Required<ZegoUser>,
  asked: Asked,
  session: Session | undefined,
): Admission {
  const secret = ctx.secrets.get(appID);
  if (secret === undefined) return { ok: false, code: Code.APPID_INVALID };
  const claims = { appID, userID: user.userID, roomID: asked.roomID };
  const token = checkLoginToken(asked.token, secret, claims, ctx.now(), {
    acceptCbc: ctx.options.acceptCbcTokens,
  });
  if (!token.ok) return token;
  const refusal = session === undefined ? 0 : sessionRefusal(ctx, session, appID, user.userID, asked.roomID);
  if (refusal !== 0) return { ok: false, code: refusal };
  const entry: Entry = {
    roomID: asked.roomID,
    user,
    userUpdate: asked.userUpdate === true,
    maxMemberCount: asked.maxMemberCount ?? 0,
    grant: token.grant,
  };
  return { ok: true, entry };
}

/** Step 4 of the login rules: what the session itself allows. */
function sessionRefusal(
  ctx: RoomContext,
  session: Session,
  appID: number,
  userID: string,
  roomID: string,
): ErrorCode | 0 {
  const sameIdentity = session.appID === appID && session.user.userID === userID;
  if (session.rooms.has(roomID) && session.appID === appID) return Code.ALREADY_IN_THIS_ROOM;
  if (session.rooms.size === 0) return 0;
  if (!session.multi) return Code.ALREADY_IN_ROOM;
  if (!sameIdentity) return Code.MULTI_ROOM_USER_MISMATCH;
  if (session.rooms.size >= ctx.options.maxRoomsPerUser) return Code.TOO_MANY_ROOMS;
  return 0;
}

/** Steps 5 and 6 (one backend call), then the reply and the start of the room's events. */
async function enterRoom(
  ctx: RoomContext,
  slot: SessionSlot,
  session: Session,
  entry: Entry,
  respond: Respond,
): Promise<void> {
  const ref = { appID: session.appID, roomID: entry.roomID };
  const joined = await joinBackend(ctx, session, ref, entry);
  if (!joined.ok && joined.code === Code.ALREADY_IN_THIS_ROOM) {
    // The session does not hold the room (checked above), yet the backend says it does: the same
    // join ran twice, its first reply lost to a reconnect. Undone; the client logs in again.
    await abandonJoin(ctx, session, ref, true);
    throw new Error('a join ran twice (its first reply lost): undone, to be sent again');
  }
  if (!joined.ok) {
    if (joined.code === Code.ROOM_FULL) ctx.limited('room_members', { appID: ref.appID });
    if (joined.code === Code.TOO_MANY_ROOMS) ctx.limited('rooms_per_user', { appID: ref.appID });
    await abandonJoin(ctx, session, ref, false);
    return respond.fail(joined.code);
  }
  if (session.ended) {
    // Ended while its join was in flight (this node was fenced, or the backend reset): the
    // membership just made is nobody's, and must not bring the session back.
    ctx.local.abandon(session, ref);
    await removeEnded(ctx, session, [ref], 'timeout');
    return respond.fail(Code.CONNECTION_INTERRUPTED);
  }
  const room = holdRoom(ctx, slot, session, ref, entry, joined.state);
  respond.ok(loginReply(ctx, session, room, joined.state));
  const kickedMeanwhile = ctx.local.admit(session, room, joined.state.seq, joined.state.count);
  if (kickedMeanwhile !== undefined) applyKick(ctx, kickedMeanwhile);
  ctx.log.debug(
    { session: session.id, appID: ref.appID, created: joined.created, kicked: joined.kicked.length },
    'login',
  );
}

/** The join itself: recorded first (cluster mode), the room's events expected, then the call. */
async function joinBackend(
  ctx: RoomContext,
  session: Session,
  ref: RoomRef,
  entry: Entry,
): Promise<JoinResult> {
  const joining = { roomID: entry.roomID, userUpdate: entry.userUpdate, joinSeq: 0, grant: entry.grant };
  await recordJoining(ctx, session, joining);
  ctx.local.expect(session, ref);
  try {
    return await ctx.backend.join({
      room: ref,
      user: entry.user,
      sessionID: session.id,
      multi: session.multi,
      userUpdate: entry.userUpdate,
      maxMemberCount: entry.maxMemberCount,
      maxRoomMembers: ctx.options.maxRoomMembers,
      maxRoomsPerUser: ctx.options.maxRoomsPerUser,
      duplicateLogin: ctx.options.duplicateLogin,
      withMembers: entry.userUpdate,
      nowMs: ctx.now(),
    });
  } catch (error) {
    // The join may have run before the call failed (Redis lost mid-way).
    await abandonJoin(ctx, session, ref, true);
    throw error;
  }
}

/** The join was made: the session holds the room (and, on its first login, this link). */
function holdRoom(
  ctx: RoomContext,
  slot: SessionSlot,
  session: Session,
  ref: RoomRef,
  entry: Entry,
  state: RoomState,
): SessionRoom {
  // The backend's state is taken right after this membership's `join` event.
  const room: SessionRoom = {
    ref,
    userUpdate: entry.userUpdate,
    joinSeq: state.seq,
    grant: entry.grant,
    warned: false,
    expiryKickSent: false,
  };
  session.rooms.set(entry.roomID, room);
  ctx.kicks.forget(session.id, entry.roomID);
  if (!ctx.sessions.has(session.id)) {
    ctx.sessions.set(session.id, session);
    session.attach(slot.link);
    slot.session = session;
  }
  persistSession(ctx, session);
  return room;
}

/**
 * The join did not happen (`undo`: or may have, and whatever it made is removed): the room's
 * events stop coming here, and the record goes back to what the session holds (or goes).
 */
async function abandonJoin(ctx: RoomContext, session: Session, ref: RoomRef, undo: boolean): Promise<void> {
  ctx.local.abandon(session, ref);
  if (undo) await removeUnclaimed(ctx, session, ref);
  if (ctx.sessions.has(session.id)) persistSession(ctx, session);
  else forgetStored(ctx, session);
}

function loginReply(ctx: RoomContext, session: Session, room: SessionRoom, state: RoomState): LoginReplyData {
  return {
    session: session.id,
    key: session.key,
    hb: ctx.options.heartbeatIntervalMs,
    expire: room.grant.expireSec,
    snapshot: snapshotFor(session.user.userID, room.userUpdate, state),
  };
}
