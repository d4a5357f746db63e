// Streams (signaling only): publish, unpublish and stream extra info, with the token's
// publish privilege and expiry checked on every new publish.

import {
  Code,
  checkStreamExtraInfo,
  checkStreamID,
  type PublishFrame,
  type StreamExtraFrame,
  type UnpublishFrame,
} from '@atrium/protocol';
import { checkPublishGrant } from '../auth/token.js';
import type { Done } from '../backend/types.js';
import type { Respond, RoomContext } from './context.js';
import { actingIn } from './member.js';
import type { SessionSlot } from './session.js';

function answer(result: Done, respond: Respond): void {
  if (result.ok) respond.ok();
  else respond.fail(result.code);
}

export async function publishStream(
  ctx: RoomContext,
  slot: SessionSlot,
  frame: PublishFrame,
  respond: Respond,
): Promise<void> {
  const code = checkStreamID(frame.stream) || checkStreamExtraInfo(frame.extra);
  if (code !== 0) return respond.fail(code);
  const acting = actingIn(slot, frame.room);
  if (acting === undefined) return respond.fail(Code.NOT_LOGGED_IN);
  const allowed = checkPublishGrant(acting.room.grant, frame.stream, ctx.now());
  if (!allowed.ok) return respond.fail(allowed.code, allowed.ext);
  const result = await ctx.backend.publishStream({
    ...acting.actor,
    streamID: frame.stream,
    extraInfo: frame.extra ?? '',
    maxPerMember: ctx.options.maxStreamsPerMember,
    maxPerRoom: ctx.options.maxStreamsPerRoom,
  });
  if (!result.ok && result.code === Code.TOO_MANY_STREAMS) {
    ctx.limited('streams', { appID: acting.actor.room.appID });
  }
  answer(result, respond);
}

export async function unpublishStream(
  ctx: RoomContext,
  slot: SessionSlot,
  frame: UnpublishFrame,
  respond: Respond,
): Promise<void> {
  const code = checkStreamID(frame.stream);
  if (code !== 0) return respond.fail(code);
  const acting = actingIn(slot, frame.room);
  if (acting === undefined) return respond.fail(Code.NOT_LOGGED_IN);
  answer(await ctx.backend.unpublishStream({ ...acting.actor, streamID: frame.stream }), respond);
}

export async function setStreamExtra(
  ctx: RoomContext,
  slot: SessionSlot,
  frame: StreamExtraFrame,
  respond: Respond,
): Promise<void> {
  const code = checkStreamID(frame.stream) || checkStreamExtraInfo(frame.extra);
  if (code !== 0) return respond.fail(code);
  const acting = actingIn(slot, frame.room);
  if (acting === undefined) return respond.fail(Code.NOT_LOGGED_IN);
  const result = await ctx.backend.setStreamExtra({
    ...acting.actor,
    streamID: frame.stream,
    extraInfo: frame.extra,
  });
  answer(result, respond);
}
