// Room messages and room extra info: broadcast (reliable, sequenced), barrage (best effort),
// custom command and transparent message (sequenced, to listed users or the whole room), extra
// info (newest wins, limited keys). Message failures use ZEGO's IM codes: 1009001 empty, 1009013
// message too long, 1009002 command too long, 1009005 a room the session is not in (1000002 when
// it is in none).

import {
  type BarrageFrame,
  type BroadcastFrame,
  Code,
  type CommandFrame,
  checkCommand,
  checkMessage,
  checkRoomExtraInfo,
  checkUserIDList,
  type ErrorCode,
  type RoomExtraFrame,
} from '@atrium/protocol';
import type { Done, MessageResult } from '../backend/types.js';
import type { Respond, RoomContext } from './context.js';
import { actingIn } from './member.js';
import type { SessionSlot } from './session.js';
import { liveSession } from './session.js';

/** A message to a room the session is not in: 1009005 while it is in others, else 1000002 (as ZEGO). */
function notInRoom(slot: SessionSlot): ErrorCode {
  return (liveSession(slot)?.rooms.size ?? 0) > 0 ? Code.MESSAGE_NOT_IN_ROOM : Code.NOT_LOGGED_IN;
}

function answer(result: MessageResult | Done, respond: Respond): void {
  if (!result.ok) respond.fail(result.code);
  else if ('messageID' in result) respond.ok({ messageID: result.messageID });
  else respond.ok();
}

/** Broadcast and barrage differ only in what the backend promises: ordered and kept, or not. */
async function roomMessage(
  kind: 'broadcast' | 'barrage',
  ctx: RoomContext,
  slot: SessionSlot,
  frame: BroadcastFrame | BarrageFrame,
  respond: Respond,
): Promise<void> {
  const code = checkMessage(frame.msg, ctx.options.messageMaxBytes);
  if (code !== 0) return respond.fail(code);
  const acting = actingIn(slot, frame.room);
  if (acting === undefined) return respond.fail(notInRoom(slot));
  answer(await ctx.backend[kind]({ ...acting.actor, message: frame.msg, nowMs: ctx.now() }), respond);
}

export const broadcast = (ctx: RoomContext, slot: SessionSlot, frame: BroadcastFrame, respond: Respond) =>
  roomMessage('broadcast', ctx, slot, frame, respond);

export const barrage = (ctx: RoomContext, slot: SessionSlot, frame: BarrageFrame, respond: Respond) =>
  roomMessage('barrage', ctx, slot, frame, respond);

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** An object command arrives as JSON; receivers parse it back, so it must be an object's. */
function isJSONObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

/** The content's size in bytes as the sender meant it: a transparent message's bytes, else UTF-8 text. */
function checkCommandContent(frame: CommandFrame, maxBytes: number): ErrorCode | 0 {
  if (frame.enc === undefined) return checkCommand(frame.msg, maxBytes);
  if (frame.enc === 'json')
    return checkCommand(frame.msg, maxBytes) || (isJSONObject(frame.msg) ? 0 : Code.INPUT_PARAM);
  if (frame.enc !== 'bin' || frame.msg.length % 4 !== 0 || !BASE64.test(frame.msg)) return Code.INPUT_PARAM;
  if (frame.msg === '') return Code.MESSAGE_EMPTY;
  const padding = frame.msg.endsWith('==') ? 2 : frame.msg.endsWith('=') ? 1 : 0;
  return (frame.msg.length / 4) * 3 - padding > maxBytes ? Code.COMMAND_TOO_LONG : 0;
}

/** A custom command or a transparent message: to the listed users, or (empty list) the whole room. */
export async function command(
  ctx: RoomContext,
  slot: SessionSlot,
  frame: CommandFrame,
  respond: Respond,
): Promise<void> {
  const code = checkCommandContent(frame, ctx.options.messageMaxBytes) || checkUserIDList(frame.to);
  if (code !== 0) return respond.fail(code);
  const acting = actingIn(slot, frame.room);
  if (acting === undefined) return respond.fail(notInRoom(slot));
  const to = [...new Set(frame.to)];
  const request = { ...acting.actor, message: frame.msg, to };
  answer(
    await ctx.backend.command(frame.enc === undefined ? request : { ...request, enc: frame.enc }),
    respond,
  );
}

export async function setRoomExtra(
  ctx: RoomContext,
  slot: SessionSlot,
  frame: RoomExtraFrame,
  respond: Respond,
): Promise<void> {
  const { options } = ctx;
  const code = checkRoomExtraInfo(frame.key, frame.value, {
    keyMaxBytes: options.roomExtraKeyMaxBytes,
    valueMaxBytes: options.roomExtraValueMaxBytes,
  });
  if (code !== 0) return respond.fail(code);
  const acting = actingIn(slot, frame.room);
  if (acting === undefined) return respond.fail(Code.NOT_LOGGED_IN);
  const result = await ctx.backend.setRoomExtra({
    ...acting.actor,
    key: frame.key,
    value: frame.value,
    maxKeys: options.roomExtraMaxKeys,
    nowMs: ctx.now(),
  });
  if (result.ok) respond.ok();
  else respond.fail(result.code);
}
