// Removals the backend failed to make (Redis away mid-way): kept and tried again by the server's
// sweep until they are made, so a member whose session ended here never stays in a room for
// ever. The session's stored record (cluster mode) goes only once its removals are made: were
// this node to die first, the others would still find the session, and remove its members.

import type { RemoveRequest } from '../backend/types.js';
import type { RoomContext } from './context.js';

interface Owed {
  requests: RemoveRequest[];
  /**
   * The session ended here: if another node has taken it over meanwhile, its memberships are
   * that node's now and are not removed. (A room the session left by logout is removed anyway.)
   */
  ended: boolean;
  /** Runs once every removal is made. */
  done: () => void;
}

export class PendingRemovals {
  private readonly bySession = new Map<string, Owed>();
  private running = false;

  /** Whether removals of this session's memberships are still owed (its resume must wait). */
  owes(sessionID: string): boolean {
    return this.bySession.get(sessionID)?.ended === true;
  }

  add(sessionID: string, requests: RemoveRequest[], ended: boolean, done: () => void = () => {}): void {
    const owed = this.bySession.get(sessionID);
    if (owed === undefined) {
      this.bySession.set(sessionID, { requests: [...requests], ended, done });
      return;
    }
    owed.requests.push(...requests);
    owed.ended ||= ended;
    const before = owed.done;
    owed.done = () => {
      before();
      done();
    };
  }

  /** One pass (the sweep's); passes do not overlap. */
  async retry(ctx: RoomContext): Promise<void> {
    if (this.running || this.bySession.size === 0 || ctx.backend.ready?.() === false) return;
    this.running = true;
    try {
      for (const [sessionID, owed] of [...this.bySession]) {
        if (owed.ended && ctx.store.shared && (await ctx.store.takenElsewhere(sessionID))) {
          this.bySession.delete(sessionID);
          continue;
        }
        const left: RemoveRequest[] = [];
        for (const request of owed.requests) {
          try {
            await ctx.backend.remove(request);
          } catch {
            left.push(request);
          }
        }
        owed.requests = left;
        if (left.length > 0) continue;
        this.bySession.delete(sessionID);
        owed.done();
      }
    } catch (error) {
      ctx.log.warn({ err: error, owed: this.bySession.size }, 'retrying removals failed');
    } finally {
      this.running = false;
    }
  }
}
