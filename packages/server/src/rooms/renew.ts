// Renewing a session's token without interrupting it (docs/contract.md, "Tokens"): the new expiry drives
// `expiring`, publish checks and expiry kicks; its privileges apply to the next publish.

import { Code, type RenewFrame } from '@atrium/protocol';
import { checkLoginToken, type TokenCheck } from '../auth/token.js';
import type { Respond, RoomContext } from './context.js';
import { persistSession } from './persist.js';
import { liveSession, type SessionRoom, type SessionSlot } from './session.js';

export async function renew(
  ctx: RoomContext,
  slot: SessionSlot,
  frame: RenewFrame,
  respond: Respond,
): Promise<void> {
  const session = liveSession(slot);
  if (session === undefined || session.rooms.size === 0) return respond.fail(Code.NOT_LOGGED_IN);
  let targets: SessionRoom[];
  if (frame.room !== undefined) {
    const room = session.rooms.get(frame.room);
    if (room === undefined) return respond.fail(Code.NOT_LOGGED_IN);
    targets = [room];
  } else {
    targets = [...session.rooms.values()];
  }
  const secret = ctx.secrets.get(session.appID);
  if (secret === undefined) return respond.fail(Code.APPID_INVALID);
  const now = ctx.now();
  // A token restricted to one room renews that room only; refused when it fits none.
  const checks = targets.map((room) => ({
    room,
    check: checkLoginToken(
      frame.token,
      secret,
      { appID: session.appID, userID: session.user.userID, roomID: room.ref.roomID },
      now,
      { acceptCbc: ctx.options.acceptCbcTokens },
    ),
  }));
  const granted = checks.filter(
    (c): c is { room: SessionRoom; check: Extract<TokenCheck, { ok: true }> } => c.check.ok,
  );
  if (granted.length === 0) {
    const first = checks[0]?.check;
    if (first === undefined || first.ok) return respond.fail(Code.TOKEN_WRONG);
    return respond.fail(first.code, first.ext);
  }
  for (const { room, check } of granted) {
    room.grant = check.grant;
    room.warned = false;
    room.expiryKickSent = false;
  }
  persistSession(ctx, session);
  respond.ok({ expire: granted[0]?.check.grant.expireSec });
}
