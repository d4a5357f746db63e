// The grace period of a session whose link broke (docs/contract.md, "Reconnection"): kept,
// unseen by the others, for `sessionGraceMs`; then it ends and the others get `unpub` for each
// stream and `leave`. Checked by the server's one sweep, so a thousand broken links cost no
// timers. In cluster mode the client may have resumed the session on another node meanwhile:
// it is then ended here only, its memberships left to that node.

import type { RoomContext } from './context.js';
import { endSession } from './end.js';
import type { Session } from './session.js';

/**
 * Ends the detached sessions whose grace ran out by `nowMs` (monotonic). `graceFrom` says where a
 * grace period counts from: its detach, or later while the server was turning links away (a
 * member kept out by admission control must still be able to resume).
 */
export function expireDetached(
  ctx: RoomContext,
  nowMs: number,
  graceFrom: (detachedAtMs: number) => number = (ms) => ms,
): void {
  const graceMs = ctx.options.sessionGraceMs;
  for (const session of ctx.sessions.values()) {
    const detachedAt = session.detachedAtMs;
    // A resume reading history right now gets to finish; it attaches the session or gives up.
    if (detachedAt === undefined || session.resuming) continue;
    const since = graceFrom(detachedAt);
    if (nowMs - since < graceMs || session.graceEnding) continue;
    session.graceEnding = true;
    endAfterGrace(ctx, session)
      .catch((error: unknown) =>
        ctx.log.error({ err: error, session: session.id }, 'ending a session failed'),
      )
      .finally(() => {
        session.graceEnding = false;
      });
  }
}

async function endAfterGrace(ctx: RoomContext, session: Session): Promise<void> {
  const store = ctx.backend.cluster?.sessions;
  if (store !== undefined && (await store.takenElsewhere(session.id))) {
    return endSession(ctx, session, 'taken');
  }
  // Resumed here while the store was asked.
  if (session.link !== undefined || session.resuming) return;
  await endSession(ctx, session, 'expired');
}
