// The grace period of a session whose link broke (SPEC §6): kept, unseen by the others, for
// `sessionGraceMs`; then it ends and the others get `unpub` for each stream and `leave`. Checked
// by the server's one sweep, so a thousand broken links cost no timers. In cluster mode the
// client may have resumed the session on another node meanwhile: it is then dropped here only.

import type { RoomContext } from './context.js';
import { endSession } from './leave.js';
import type { Session } from './session.js';
import { dropSession } from './takeover.js';

/** Sessions whose end is being decided (the store is asked first): one decision each. */
const ending = new WeakSet<Session>();

/** Ends the detached sessions whose grace ran out by `nowMs` (monotonic). */
export function expireDetached(ctx: RoomContext, nowMs: number): void {
  const graceMs = ctx.options.sessionGraceMs;
  for (const session of ctx.sessions.values()) {
    const since = session.detachedAtMs;
    // A resume reading history right now gets to finish; it attaches the session or gives up.
    if (session.link !== undefined || since === undefined || session.resuming > 0) continue;
    if (nowMs - since < graceMs || ending.has(session)) continue;
    ending.add(session);
    endOrDrop(ctx, session)
      .catch((error: unknown) =>
        ctx.log.error({ err: error, session: session.id }, 'ending a session failed'),
      )
      .finally(() => ending.delete(session));
  }
}

async function endOrDrop(ctx: RoomContext, session: Session): Promise<void> {
  if (ctx.store.shared && (await ctx.store.takenElsewhere(session.id))) {
    dropSession(ctx, session, 'resumed on another node');
    return;
  }
  // Resumed here while the store was asked.
  if (session.link !== undefined || session.resuming > 0) return;
  await endSession(ctx, session, 'grace period over');
}
