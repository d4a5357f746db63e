// Token deadlines of a session, checked by the server's sweep: `expiring` shortly before a
// room's token expires, and under `kickOnTokenExpiry` the kick once it has.

import { Code, Defaults, encodeFrame } from '@atrium/protocol';
import type { RoomContext } from './context.js';
import type { Session } from './session.js';

export function checkTokenDeadlines(ctx: RoomContext, session: Session, nowMs: number): void {
  for (const room of session.rooms.values()) {
    const expireMs = room.grant.expireSec * 1000;
    // A detached session is told after it resumes, when a link can carry the warning.
    if (!room.warned && session.link !== undefined && nowMs >= expireMs - Defaults.tokenWarnBeforeMs) {
      room.warned = true;
      session.send(encodeFrame({ t: 'expiring', room: room.ref.roomID }));
    }
    if (ctx.options.kickOnTokenExpiry && !room.expiryKickSent && nowMs >= expireMs) {
      room.expiryKickSent = true;
      // The backend's kick message comes back to applyKick, like any other kick.
      ctx.backend
        .remove({
          room: room.ref,
          userID: session.user.userID,
          sessionID: session.id,
          kick: { code: Code.TOKEN_EXPIRED, ext: 'token expired' },
        })
        .catch((error: unknown) => ctx.log.error({ err: error }, 'token expiry kick failed'));
    }
  }
}
