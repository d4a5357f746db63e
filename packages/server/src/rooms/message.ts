// Room messages and room extra info: broadcast (reliable, sequenced), barrage (best effort),
// custom command (sequenced, to listed users), extra info (newest wins, limited keys).

import {
  type BarrageFrame,
  type BroadcastFrame,
  Code,
  type CommandFrame,
  checkMessage,
  checkRoomExtraInfo,
  checkUserIDList,
  type RoomExtraFrame,
} from '@atrium/protocol';
import type { MessageResult } from '../backend/types.js';
import type { Respond, RoomContext } from './context.js';
import { actingIn } from './member.js';
import type { SessionSlot } from './session.js';

function answerMessage(result: MessageResult, respond: Respond): void {
  if (result.ok) respond.ok({ messageID: result.messageID });
  else respond.fail(result.code);
}

/** Broadcast and barrage differ only in what the backend promises: ordered and kept, or not. */
async function roomMessage(
  kind: 'broadcast' | 'barrage',
  ctx: RoomContext,
  slot: SessionSlot,
  frame: BroadcastFrame | BarrageFrame,
  respond: Respond,
): Promise<void> {
  const code = checkMessage(frame.msg);
  if (code !== 0) return respond.fail(code);
  const acting = actingIn(slot, frame.room);
  if (acting === undefined) return respond.fail(Code.NOT_LOGGED_IN);
  answerMessage(await ctx.backend[kind]({ ...acting.actor, message: frame.msg, nowMs: ctx.now() }), respond);
}

export const broadcast = (ctx: RoomContext, slot: SessionSlot, frame: BroadcastFrame, respond: Respond) =>
  roomMessage('broadcast', ctx, slot, frame, respond);

export const barrage = (ctx: RoomContext, slot: SessionSlot, frame: BarrageFrame, respond: Respond) =>
  roomMessage('barrage', ctx, slot, frame, respond);

export async function command(
  ctx: RoomContext,
  slot: SessionSlot,
  frame: CommandFrame,
  respond: Respond,
): Promise<void> {
  const code = checkMessage(frame.msg) || checkUserIDList(frame.to);
  if (code !== 0) return respond.fail(code);
  const acting = actingIn(slot, frame.room);
  if (acting === undefined) return respond.fail(Code.NOT_LOGGED_IN);
  const to = [...new Set(frame.to)];
  const result = await ctx.backend.command({ ...acting.actor, message: frame.msg, to });
  if (result.ok) respond.ok();
  else respond.fail(result.code);
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
