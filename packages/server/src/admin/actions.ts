// The admin API's actions, with ZEGO's parameter names, limits and reply shapes
// (docs/operations.md lists them). Each action validates its parameters, then makes backend
// calls as the business backend (a server actor, not a member).

import {
  AdminCode,
  type AdminErrorCode,
  Code,
  checkRoomID,
  checkStreamExtraInfo,
  checkStreamID,
  checkUserID,
  checkUserName,
  codeMessage,
  Limits,
  utf8Length,
} from '@atrium/protocol';
import type { Backend } from '../backend/backend.js';
import type { Actor, Done, Member, MessageResult, RoomRef } from '../backend/types.js';
import type { LimitName } from '../limits/refusals.js';
import type { AdminParams } from './params.js';

export interface ActionResult {
  code: AdminErrorCode;
  message?: string;
  data?: Record<string, unknown>;
}

export interface ActionContext {
  backend: Backend;
  /** Wall clock, ms. */
  now(): number;
  /** The stream quotas (maxStreamsPerMember, maxStreamsPerRoom); absent: the backend's defaults. */
  streamQuota?: StreamQuota;
  /** A quota refused the action (counted in atrium_limited_total). */
  onLimit?: (limit: LimitName) => void;
}

export interface StreamQuota {
  maxPerMember: number;
  maxPerRoom: number;
}

type Action = (ctx: ActionContext, appID: number, p: AdminParams) => Promise<ActionResult>;

/** ZEGO's limits. */
export const ADMIN_LIMITS = {
  /** SetRoomCapacity's largest MaxMemberCount (the server's maxRoomMembers caps it anyway). */
  roomCapacity: 1_000_000,
  kickUsers: 5,
  describeUsers: 10,
  describeRooms: 10,
  commandTargets: 10,
  userListPage: 200,
  customReasonBytes: 256,
  streamTitleBytes: 127,
} as const;

const ok = (data: Record<string, unknown> = {}): ActionResult => ({ code: AdminCode.OK, data });
const fail = (code: AdminErrorCode, message?: string): ActionResult =>
  message === undefined ? { code } : { code, message };
const inputError = (message: string): ActionResult => fail(AdminCode.INPUT_ERROR, message);

function idParam(
  p: AdminParams,
  name: string,
  check: (v: unknown) => number,
  optional = false,
): string | ActionResult {
  const value = p.one(name);
  if (value === undefined && optional) return '';
  const code = check(value);
  return code === 0 ? (value as string) : inputError(`${name}: ${codeMessage(code)}`);
}

const roomParam = (p: AdminParams) => idParam(p, 'RoomId', checkRoomID);
const userParam = (p: AdminParams, name: string) => idParam(p, name, checkUserID);
const userNameParam = (p: AdminParams) => idParam(p, 'UserName', checkUserName, true);

function listParam(
  p: AdminParams,
  name: string,
  check: (v: unknown) => number,
  limits: { min: number; max: number; tooLong: AdminErrorCode },
): string[] | ActionResult {
  const values = p.list(name);
  if (values.length < limits.min) return inputError(`${name}[] needs at least ${limits.min} value`);
  if (values.length > limits.max) return fail(limits.tooLong, `${name}[] holds at most ${limits.max} values`);
  for (const value of values) {
    const code = check(value);
    if (code !== 0) return inputError(`${name}[]: ${codeMessage(code)}`);
  }
  return [...new Set(values)];
}

function messageParam(p: AdminParams, name: string): string | ActionResult {
  const message = p.one(name);
  if (message === undefined || message === '') return inputError(`${name} is required`);
  if (utf8Length(message) > Limits.messageMaxBytes) {
    return fail(AdminCode.MESSAGE_TOO_LONG, `${name} is longer than ${Limits.messageMaxBytes} bytes`);
  }
  return message;
}

function textParam(p: AdminParams, name: string, maxBytes: number): string | ActionResult {
  const value = p.one(name) ?? '';
  return utf8Length(value) > maxBytes ? inputError(`${name} is longer than ${maxBytes} bytes`) : value;
}

function intParam(
  p: AdminParams,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number | ActionResult {
  const text = p.one(name);
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    return inputError(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

const isFail = (v: unknown): v is ActionResult => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A backend refusal of a server actor: only a missing room is expected. */
function refused(result: Done | MessageResult): ActionResult {
  if (result.ok) return ok();
  if (result.code === Code.NOT_LOGGED_IN) return fail(AdminCode.ROOM_NOT_EXIST);
  return inputError(codeMessage(result.code));
}

function serverActor(room: RoomRef, userID: string, userName: string): Actor {
  return { room, userID, sessionID: '', asServer: { userName: userName || userID } };
}

async function kickAll(ctx: ActionContext, room: RoomRef, userIDs: readonly string[], ext: string) {
  const kick = { code: Code.KICKED_BY_BACKEND, ext };
  for (const userID of userIDs) await ctx.backend.remove({ room, userID, kick });
}

const kickoutUser: Action = async (ctx, appID, p) => {
  const roomID = roomParam(p);
  if (isFail(roomID)) return roomID;
  const userIDs = listParam(p, 'UserId', checkUserID, {
    min: 1,
    max: ADMIN_LIMITS.kickUsers,
    tooLong: AdminCode.USER_LIST_TOO_LONG,
  });
  if (isFail(userIDs)) return userIDs;
  const reason = textParam(p, 'CustomReason', ADMIN_LIMITS.customReasonBytes);
  if (isFail(reason)) return reason;
  const room = { appID, roomID };
  if ((await ctx.backend.room(room, false)) === null) return fail(AdminCode.ROOM_NOT_EXIST);
  await kickAll(ctx, room, userIDs, reason);
  return ok();
};

const closeRoom: Action = async (ctx, appID, p) => {
  const roomID = roomParam(p);
  if (isFail(roomID)) return roomID;
  const reason = textParam(p, 'CustomReason', ADMIN_LIMITS.customReasonBytes);
  if (isFail(reason)) return reason;
  const room = { appID, roomID };
  const state = await ctx.backend.room(room, true);
  if (state === null) return fail(AdminCode.ROOM_NOT_EXIST);
  await kickAll(
    ctx,
    room,
    (state.members ?? []).map((m) => m.user.userID),
    reason,
  );
  return ok();
};

const describeUserNum: Action = async (ctx, appID, p) => {
  const roomIDs = listParam(p, 'RoomId', checkRoomID, {
    min: 1,
    max: ADMIN_LIMITS.describeRooms,
    tooLong: AdminCode.INPUT_ERROR,
  });
  if (isFail(roomIDs)) return roomIDs;
  const counts = await Promise.all(roomIDs.map((roomID) => ctx.backend.room({ appID, roomID }, false)));
  return ok({
    UserCountList: roomIDs.map((roomID, i) => ({
      RoomId: roomID,
      UserCount: counts[i]?.count ?? 0,
      AdminUserCount: 0,
    })),
  });
};

const describeUsers: Action = async (ctx, appID, p) => {
  const roomID = roomParam(p);
  if (isFail(roomID)) return roomID;
  const userIDs = listParam(p, 'UserId', checkUserID, {
    min: 1,
    max: ADMIN_LIMITS.describeUsers,
    tooLong: AdminCode.USER_LIST_TOO_LONG,
  });
  if (isFail(userIDs)) return userIDs;
  const state = await ctx.backend.room({ appID, roomID }, true);
  const members = new Map((state?.members ?? []).map((m) => [m.user.userID, m]));
  return ok({
    UserList: userIDs.map((userID) => {
      const m = members.get(userID);
      return m === undefined
        ? { UserId: userID, UserName: '', Status: 0, LoginTime: 0 }
        : { UserId: userID, UserName: m.user.userName, Status: 1, LoginTime: m.joinedAtMs };
    }),
  });
};

const describeUserList: Action = async (ctx, appID, p) => {
  const roomID = roomParam(p);
  if (isFail(roomID)) return roomID;
  const mode = intParam(p, 'Mode', 0, 1, 0);
  if (isFail(mode)) return mode;
  // 0 is "the default" as in ZEGO's docs (0–200, default 200).
  const limit = intParam(p, 'Limit', 0, ADMIN_LIMITS.userListPage, ADMIN_LIMITS.userListPage);
  if (isFail(limit)) return limit;
  const marker = p.one('Marker') ?? '';
  if (marker !== '' && !/^\d{1,15}$/.test(marker))
    return inputError('Marker is not one this server returned');
  const state = await ctx.backend.room({ appID, roomID }, true);
  // Login order is join order: a membership's joinSeq orders it and survives other leaves.
  const ascending = mode === 0;
  let members: Member[] = [...(state?.members ?? [])].sort((a, b) =>
    ascending ? a.joinSeq - b.joinSeq : b.joinSeq - a.joinSeq,
  );
  if (marker !== '') {
    const after = Number(marker);
    members = members.filter((m) => (ascending ? m.joinSeq > after : m.joinSeq < after));
  }
  const page = members.slice(0, limit === 0 ? ADMIN_LIMITS.userListPage : limit);
  const last = page[page.length - 1];
  return ok({
    Marker: page.length < members.length && last !== undefined ? String(last.joinSeq) : '',
    UserList: page.map((m) => ({ UserId: m.user.userID, UserName: m.user.userName })),
  });
};

function messageAction(send: 'broadcast' | 'barrage'): Action {
  return async (ctx, appID, p) => {
    const roomID = roomParam(p);
    if (isFail(roomID)) return roomID;
    const userID = userParam(p, 'UserId');
    if (isFail(userID)) return userID;
    const userName = userNameParam(p);
    if (isFail(userName)) return userName;
    const message = messageParam(p, 'MessageContent');
    if (isFail(message)) return message;
    const actor = serverActor({ appID, roomID }, userID, userName);
    const result = await ctx.backend[send]({ ...actor, message, nowMs: ctx.now() });
    return result.ok ? ok({ MessageId: result.messageID }) : refused(result);
  };
}

const sendCustomCommand: Action = async (ctx, appID, p) => {
  const roomID = roomParam(p);
  if (isFail(roomID)) return roomID;
  const from = userParam(p, 'FromUserId');
  if (isFail(from)) return from;
  const listed = listParam(p, 'ToUserId', checkUserID, {
    min: 0,
    max: ADMIN_LIMITS.commandTargets,
    tooLong: AdminCode.USER_LIST_TOO_LONG,
  });
  if (isFail(listed)) return listed;
  const message = messageParam(p, 'MessageContent');
  if (isFail(message)) return message;
  const room = { appID, roomID };
  let to = listed;
  if (to.length === 0) {
    // ZEGO: without ToUserId the command goes to everyone in the room.
    const state = await ctx.backend.room(room, true);
    if (state === null) return fail(AdminCode.ROOM_NOT_EXIST);
    to = (state.members ?? []).map((m) => m.user.userID).filter((id) => id !== from);
  }
  return refused(await ctx.backend.command({ ...serverActor(room, from, ''), message, to }));
};

const addStream: Action = async (ctx, appID, p) => {
  const roomID = roomParam(p);
  if (isFail(roomID)) return roomID;
  const userID = userParam(p, 'UserId');
  if (isFail(userID)) return userID;
  const userName = userNameParam(p);
  if (isFail(userName)) return userName;
  const streamID = idParam(p, 'StreamId', checkStreamID);
  if (isFail(streamID)) return streamID;
  const extraInfo = idParam(p, 'ExtraInfo', (v) => checkStreamExtraInfo(v ?? ''), true);
  if (isFail(extraInfo)) return extraInfo;
  const title = textParam(p, 'StreamTitle', ADMIN_LIMITS.streamTitleBytes);
  if (isFail(title)) return title;
  const result = await ctx.backend.publishStream({
    ...serverActor({ appID, roomID }, userID, userName),
    streamID,
    extraInfo,
    ...ctx.streamQuota,
  });
  if (!result.ok && result.code === Code.INPUT_PARAM)
    return inputError('StreamId is published by another user');
  if (!result.ok && result.code === Code.TOO_MANY_STREAMS) {
    ctx.onLimit?.('streams');
    return inputError(`${codeMessage(result.code)} (${result.code})`);
  }
  return refused(result);
};

const deleteStream: Action = async (ctx, appID, p) => {
  const roomID = roomParam(p);
  if (isFail(roomID)) return roomID;
  const userID = userParam(p, 'UserId');
  if (isFail(userID)) return userID;
  const streamID = idParam(p, 'StreamId', checkStreamID);
  if (isFail(streamID)) return streamID;
  const result = await ctx.backend.unpublishStream({
    ...serverActor({ appID, roomID }, userID, ''),
    streamID,
  });
  if (!result.ok && result.code === Code.INPUT_PARAM) return inputError('StreamId is not in the room');
  return refused(result);
};

const describeSimpleStreamList: Action = async (ctx, appID, p) => {
  const roomID = roomParam(p);
  if (isFail(roomID)) return roomID;
  const state = await ctx.backend.room({ appID, roomID }, false);
  return ok({
    StreamList: (state?.streams ?? []).map((s) => ({
      StreamId: s.streamID,
      UserId: s.user.userID,
      UserName: s.user.userName ?? s.user.userID,
      ExtraInfo: s.extraInfo,
    })),
  });
};

/**
 * Atrium's own: the business backend sets an existing room's capacity (its maxMemberCount, 0 = up
 * to the server's maxRoomMembers), whoever created the room with whatever count, so a member that
 * created it with maxMemberCount 1 cannot lock everyone else out. Members already in stay.
 */
const setRoomCapacity: Action = async (ctx, appID, p) => {
  const roomID = roomParam(p);
  if (isFail(roomID)) return roomID;
  if ((p.one('MaxMemberCount') ?? '') === '') return inputError('MaxMemberCount is missing');
  const max = intParam(p, 'MaxMemberCount', 0, ADMIN_LIMITS.roomCapacity, 0);
  if (isFail(max)) return max;
  return refused(await ctx.backend.setRoomCapacity({ room: { appID, roomID }, maxMemberCount: max }));
};

export const ADMIN_ACTIONS: ReadonlyMap<string, Action> = new Map<string, Action>([
  ['KickoutUser', kickoutUser],
  ['DescribeUserNum', describeUserNum],
  ['DescribeUsers', describeUsers],
  ['DescribeUserList', describeUserList],
  ['SendBroadcastMessage', messageAction('broadcast')],
  ['SendBarrageMessage', messageAction('barrage')],
  ['SendCustomCommand', sendCustomCommand],
  ['AddStream', addStream],
  ['DeleteStream', deleteStream],
  ['DescribeSimpleStreamList', describeSimpleStreamList],
  ['CloseRoom', closeRoom],
  ['SetRoomCapacity', setRoomCapacity],
]);
