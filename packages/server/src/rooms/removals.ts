// Removing a membership the session no longer claims, and the removals the backend failed to
// make (Redis away mid-way): those are kept and tried again by the server's sweep until they
// are made, so a member whose session ended here never stays in a room for ever. The session's
// stored record (cluster mode) goes only once its removals are made: were this node to die
// first, the others would still find the session, and remove its members.

import type { LeaveCause, RemoveRequest, RoomRef } from '../backend/types.js';
import type { RoomContext } from './context.js';
import { forgetStored } from './persist.js';
import type { Session } from './session.js';

type Host = Pick<RoomContext, 'backend' | 'removals' | 'kicks' | 'options' | 'log'>;
type PlainCause = Exclude<LeaveCause, 'kick'>;

/**
 * Removes the session's membership of a room it no longer claims (left, or a join whose outcome
 * is unknown): now, or by the sweep when the backend fails.
 */
export async function removeUnclaimed(
  ctx: Host,
  session: Session,
  room: RoomRef,
  cause: PlainCause = 'logout',
): Promise<void> {
  const request = { room, userID: session.user.userID, sessionID: session.id, cause };
  if (!(await removeOrOwe(ctx, request))) ctx.removals.add(session.id, [request], false);
}

/**
 * Removes the memberships of a session that ended here; its stored record goes once they are
 * gone (the sweep retries what the backend failed to remove, and forgets the record after).
 */
export async function removeEnded(
  ctx: Host,
  session: Session,
  refs: readonly RoomRef[],
  cause: PlainCause,
): Promise<void> {
  const userID = session.user.userID;
  const requests = refs.map((room) => ({ room, userID, sessionID: session.id, cause }));
  const made = await Promise.all(requests.map((request) => removeOrOwe(ctx, request)));
  const owed = requests.filter((_, i) => made[i] !== true);
  if (owed.length === 0) forgetStored(ctx, session);
  else ctx.removals.add(session.id, owed, true, () => forgetStored(ctx, session));
}

/** True when the backend made the removal. */
async function removeOrOwe(ctx: Host, request: RemoveRequest): Promise<boolean> {
  try {
    await ctx.backend.remove(request);
    return true;
  } catch (error) {
    ctx.log.warn(
      { err: error, session: request.sessionID },
      'removing a member failed: retried by the sweep',
    );
    return false;
  }
}

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

/** What the retries need of the server: the backend's removal, its readiness, and a log. */
export interface RemovalBackend {
  remove(request: RemoveRequest): Promise<unknown>;
  /** False while the backend cannot serve: the pass waits for a later sweep. */
  ready(): boolean;
  /** Cluster mode: another node took the session over (its memberships are not ours to remove). */
  takenElsewhere(sessionID: string): Promise<boolean>;
  log: { warn(details: object, message: string): void };
}

export class PendingRemovals {
  private readonly bySession = new Map<string, Owed>();
  private running = false;

  constructor(private readonly backend: RemovalBackend) {}

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
  async retry(): Promise<void> {
    const backend = this.backend;
    if (this.running || this.bySession.size === 0 || !backend.ready()) return;
    this.running = true;
    try {
      for (const [sessionID, owed] of [...this.bySession]) {
        if (owed.ended && (await backend.takenElsewhere(sessionID))) {
          this.bySession.delete(sessionID);
          continue;
        }
        const left: RemoveRequest[] = [];
        for (const request of owed.requests) {
          try {
            await backend.remove(request);
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
      backend.log.warn({ err: error, owed: this.bySession.size }, 'retrying removals failed');
    } finally {
      this.running = false;
    }
  }
}
