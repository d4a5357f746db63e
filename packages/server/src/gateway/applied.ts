// Reliable sends are applied at most once per client request ID (docs/contract.md,
// "Reconnection"): a send whose reply was lost in a cut comes again with the same ID, and must
// get the same reply without being applied twice; which requests, and per user or per session,
// is the protocol's request table (REQUEST_KINDS). Kept per user (appID, userID), a bounded window of the IDs applied and their
// replies, for as long as the user has a session here or is within the grace period. In cluster
// mode the applied IDs are also written to the session store, so a resend that reaches another
// node (the first one died with the reply unsent) is recognised there.

import { type AppliedOnceRequest, Code, type ErrorCode, requestKind } from '@atrium/protocol';
import type { SessionStore } from '../backend/session-store.js';
import { SharedDefaults } from '../defaults.js';
import type { Respond } from '../rooms/context.js';
import type { Session } from '../rooms/session.js';

type ReliableSend = AppliedOnceRequest;

interface Outcome {
  code: ErrorCode;
  ext?: string;
  data?: unknown;
}

interface Applied {
  t: string;
  room: string;
  /** Of the request's content: another client's request under the same ID is not a resend. */
  print: number;
  sessionID: string;
  /** Settles with the reply once applied; undefined when it was refused (so not applied). */
  done: Promise<Outcome | undefined>;
}

interface UserWindow {
  ids: Map<number, Applied>;
  /** Monotonic ms since the user has had no session here; undefined while it has one. */
  idleSinceMs: number | undefined;
}

export interface AppliedRequestsOptions {
  /** IDs remembered per user. */
  windowSize: number;
}

export const APPLIED_DEFAULTS: AppliedRequestsOptions = { windowSize: SharedDefaults.appliedWindow };

/** Records the first reply given, and passes it on. */
class Recording implements Respond {
  outcome: Outcome | undefined;

  constructor(private readonly inner: Respond) {}

  ok(data?: unknown): void {
    this.outcome ??= data === undefined ? { code: Code.OK } : { code: Code.OK, data };
    this.inner.ok(data);
  }

  fail(code: ErrorCode, ext?: string): void {
    this.outcome ??= ext === undefined ? { code } : { code, ext };
    this.inner.fail(code, ext);
  }
}

function answer(respond: Respond, outcome: Outcome): void {
  if (outcome.code === Code.OK) respond.ok(outcome.data);
  else respond.fail(outcome.code, outcome.ext);
}

export const userKeyOf = (session: Session): string => `${session.appID}/${session.user.userID}`;

/** FNV-1a over the request's content; two engines of one user may pick the same ID by chance. */
function fingerprint(frame: ReliableSend): number {
  let text: string;
  switch (frame.t) {
    case 'bcast':
      text = frame.msg;
      break;
    case 'cmd':
      text = `${frame.enc ?? ''}\0${frame.msg}\0${frame.to.join('\0')}`;
      break;
    case 'extra':
      text = `${frame.key}\0${frame.value}`;
      break;
    case 'pub':
      text = `${frame.stream}\0${frame.extra ?? ''}`;
      break;
    case 'unpub':
      text = frame.stream;
      break;
    case 'sextra':
      text = `${frame.stream}\0${frame.extra}`;
      break;
  }
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class AppliedRequests {
  private readonly users = new Map<string, UserWindow>();

  constructor(
    private readonly options: AppliedRequestsOptions = APPLIED_DEFAULTS,
    /** Cluster mode's store, where applied IDs are shared between nodes. */
    private readonly store: SessionStore | undefined = undefined,
  ) {}

  get userCount(): number {
    return this.users.size;
  }

  /**
   * Applies `frame` through `apply`, unless the same request was applied already: then the
   * reply it got is given again. A resend racing its original waits for it.
   */
  async once(
    session: Session,
    frame: ReliableSend,
    respond: Respond,
    apply: (respond: Respond) => Promise<void>,
  ): Promise<void> {
    const window = this.windowOf(userKeyOf(session));
    const print = fingerprint(frame);
    const seen = window.ids.get(frame.id);
    if (seen !== undefined && this.sameRequest(seen, frame, print, session)) {
      const outcome = await seen.done;
      if (outcome !== undefined) return answer(respond, outcome);
    } else if (seen === undefined && this.store !== undefined) {
      const stored = await this.store.applied(session.appID, session.user.userID, frame.id);
      if (stored !== null && this.sameRequest(stored, frame, print, session)) {
        const outcome: Outcome = { code: stored.code as ErrorCode };
        if (stored.ext !== undefined) outcome.ext = stored.ext;
        if (stored.data !== undefined) outcome.data = stored.data;
        return answer(respond, outcome);
      }
    }
    const recording = new Recording(respond);
    let settle: (outcome: Outcome | undefined) => void = () => {};
    const entry: Applied = {
      t: frame.t,
      room: frame.room,
      print,
      sessionID: session.id,
      done: new Promise((resolve) => {
        settle = resolve;
      }),
    };
    window.ids.delete(frame.id);
    window.ids.set(frame.id, entry);
    this.trim(window);
    try {
      await apply(recording);
    } finally {
      const applied = recording.outcome?.code === Code.OK ? recording.outcome : undefined;
      if (applied === undefined && window.ids.get(frame.id) === entry) window.ids.delete(frame.id);
      settle(applied);
      if (applied !== undefined && this.store !== undefined) {
        await this.share(this.store, session, frame, print, applied);
      }
    }
  }

  /**
   * The sweep: forgets users that have had no session here for `keepMs` (the grace period).
   * `liveUsers`: the user keys of the sessions held now.
   */
  sweep(liveUsers: ReadonlySet<string>, nowMs: number, keepMs: number): void {
    for (const [user, window] of this.users) {
      if (liveUsers.has(user)) window.idleSinceMs = undefined;
      else if (window.idleSinceMs === undefined) window.idleSinceMs = nowMs;
      else if (nowMs - window.idleSinceMs >= keepMs) this.users.delete(user);
    }
  }

  private async share(
    store: SessionStore,
    session: Session,
    frame: ReliableSend,
    print: number,
    outcome: Outcome,
  ): Promise<void> {
    try {
      await store.recordApplied(session.appID, session.user.userID, frame.id, {
        t: frame.t,
        room: frame.room,
        print,
        sessionID: session.id,
        ...outcome,
      });
    } catch {
      // Best effort: the local window still holds it; only a resend to another node could repeat.
    }
  }

  private sameRequest(
    seen: Pick<Applied, 't' | 'room' | 'print' | 'sessionID'>,
    frame: ReliableSend,
    print: number,
    session: Session,
  ): boolean {
    if (seen.t !== frame.t || seen.room !== frame.room || seen.print !== print) return false;
    // A state change resent under a new session (the old one expired, and its streams with it)
    // must be applied again to hold; a message must not be delivered twice.
    return requestKind(frame.t).appliedOnce === 'user' || seen.sessionID === session.id;
  }

  private windowOf(user: string): UserWindow {
    let window = this.users.get(user);
    if (window === undefined) {
      window = { ids: new Map(), idleSinceMs: undefined };
      this.users.set(user, window);
    }
    return window;
  }

  private trim(window: UserWindow): void {
    for (const id of window.ids.keys()) {
      if (window.ids.size <= this.options.windowSize) return;
      window.ids.delete(id);
    }
  }
}
