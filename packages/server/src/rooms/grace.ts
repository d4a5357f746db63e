// The grace period of a session whose link broke (SPEC §6): kept, unseen by the others, for
// `sessionGraceMs`; then it ends and the others get `unpub` for each stream and `leave`. Checked
// by the server's one sweep, so a thousand broken links cost no timers.

import type { RoomContext } from './context.js';
import { endSession } from './leave.js';

/** Ends the detached sessions whose grace ran out by `nowMs` (monotonic). */
export function expireDetached(ctx: RoomContext, nowMs: number): void {
  const graceMs = ctx.options.sessionGraceMs;
  for (const session of ctx.sessions.values()) {
    const since = session.detachedAtMs;
    // A resume reading history right now gets to finish; it attaches the session or gives up.
    if (session.link !== undefined || since === undefined || session.resuming > 0) continue;
    if (nowMs - since < graceMs) continue;
    endSession(ctx, session, 'grace period over').catch((error: unknown) =>
      ctx.log.error({ err: error, session: session.id }, 'ending a session failed'),
    );
  }
}
