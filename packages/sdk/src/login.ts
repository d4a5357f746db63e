// The app's logins and switches (docs/contract.md, the state machine): LOGINING at once; the frame
// goes out as soon as a link is ready (a resume in flight goes first, so a new room joins the
// resumed session); the login keeps trying through cuts until its deadline; exactly one of LOGINED
// / LOGIN_FAILED comes before the promise settles.

import { type ClientRequest, Code, codeMessage, type ZegoUser } from '@atrium/protocol';
import { RoomError } from './errors.js';
import type { Link } from './link.js';
import type { Recovery } from './recovery.js';
import type { Reply, Requests } from './requests.js';
import { INITIAL_ROOM_STATE, type RoomEmit, type RoomInput, type RoomState, transition } from './room.js';
import type { RoomEntry, SessionOptions } from './session.js';
import { diffEvents, diffViews } from './snapshot.js';
import { type AppEvent, emptyView, viewFromSnapshot } from './view.js';
import { readLoginData } from './wire.js';

export interface PendingLogin {
  /** A switch becomes a plain login if its frame was lost in a cut. */
  kind: 'login' | 'switch';
  readonly from: string;
  readonly resolve: (ok: boolean) => void;
  readonly reject: (err: RoomError) => void;
  deadline: unknown;
  /** The id of the frame on the current link, once sent. */
  sentId: number | undefined;
}

export interface LoginParams {
  token: string;
  user: ZegoUser;
  userUpdate: boolean;
  maxMemberCount: number | undefined;
  /** switchRoom: the room left in the same round trip. */
  from?: string;
}

/** What the logins need of the engine's session (session.ts implements it). */
export interface LoginsHost {
  readonly link: Pick<Link, 'start' | 'send' | 'lastFailure'>;
  readonly requests: Pick<Requests, 'nextId' | 'send'>;
  readonly recovery: Pick<Recovery, 'ready'>;
  readonly options: Pick<SessionOptions, 'appID' | 'timers' | 'loginTimeoutMs'>;
  readonly multiRoom: boolean;
  user: ZegoUser | undefined;
  credential: { session: string; key: string } | undefined;
  entryFor(roomID: string): RoomEntry;
  roomsIn(phase: RoomState['phase']): RoomEntry[];
  apply(entry: RoomEntry, input: RoomInput): void;
  emitState(roomID: string, emit: RoomEmit): void;
  tell(entry: RoomEntry, events: readonly AppEvent[]): void;
  holdingLink<T>(fn: () => T): T;
  sendOnce(frame: ClientRequest): void;
}

export class Logins {
  constructor(private readonly session: LoginsHost) {}

  start(roomID: string, params: LoginParams): Promise<boolean> {
    const { session } = this;
    const entry = session.entryFor(roomID);
    entry.token = params.token;
    entry.userUpdate = params.userUpdate;
    entry.maxMemberCount = params.maxMemberCount;
    entry.view = emptyView(params.userUpdate);
    entry.lastSeq = 0;
    session.user = params.user;
    let pending: PendingLogin | undefined;
    const promise = new Promise<boolean>((resolve, reject) => {
      pending = {
        kind: params.from === undefined ? 'login' : 'switch',
        from: params.from ?? '',
        resolve,
        reject,
        deadline: undefined,
        sentId: undefined,
      };
    });
    entry.pendingLogin = pending;
    session.apply(entry, { type: 'loginCalled' });
    // A LOGINING callback may already have logged out of the room again.
    if (pending !== undefined && entry.pendingLogin === pending) {
      const login = pending;
      const { timers, loginTimeoutMs } = session.options;
      login.deadline = timers.setTimeout(() => this.timedOut(entry, login), loginTimeoutMs);
      session.link.start();
      if (session.recovery.ready) this.send(entry);
    }
    return promise;
  }

  /**
   * A login refused before any traffic (bad parameters, local rules): LOGINING, LOGIN_FAILED.
   * `remember`: the roomID is valid, so getRoomState answers LOGIN_FAILED for it from now on.
   */
  refuse(roomID: string, code: number, remember: boolean): Promise<boolean> {
    const { session } = this;
    const called = transition(INITIAL_ROOM_STATE, { type: 'loginCalled' });
    const refused = transition(called.state, { type: 'loginFailed', code });
    for (const emit of [...called.emits, ...refused.emits]) session.emitState(roomID, emit);
    if (remember) {
      const entry = session.entryFor(roomID);
      if (entry.state.phase === 'idle') entry.state = refused.state;
    }
    return Promise.reject(new RoomError(code));
  }

  /** LOGOUT for `from` now; the login to `to` carries the leave in the same frame. */
  switchRoom(from: RoomEntry, to: string, params: LoginParams): Promise<boolean> {
    const { session } = this;
    // No room is active between the two steps; the link must not be released in that gap.
    return session.holdingLink(() => {
      session.apply(from, { type: 'logoutCalled', multiRoom: session.multiRoom });
      return this.start(to, { ...params, from: from.roomID });
    });
  }

  sendPending(): void {
    for (const entry of this.session.roomsIn('logining')) this.send(entry);
  }

  private send(entry: RoomEntry): void {
    const { session } = this;
    const pending = entry.pendingLogin;
    const user = session.user;
    if (pending === undefined || pending.sentId !== undefined || user === undefined) return;
    const id = session.requests.nextId();
    const frame: ClientRequest =
      pending.kind === 'switch'
        ? { t: 'switch', id, from: pending.from, room: entry.roomID, token: entry.token }
        : { t: 'login', id, appID: session.options.appID, room: entry.roomID, token: entry.token, user };
    if (entry.userUpdate) frame.userUpdate = true;
    if (entry.maxMemberCount !== undefined) frame.maxMemberCount = entry.maxMemberCount;
    if (frame.t === 'login' && session.multiRoom) frame.multi = true;
    const sent = session.requests.send(session.link, {
      id,
      frame,
      kind: 'login',
      room: entry.roomID,
      onReply: (reply) => this.replied(entry, pending, reply),
    });
    if (sent) pending.sentId = id;
  }

  private replied(entry: RoomEntry, pending: PendingLogin, reply: Reply): void {
    const { session } = this;
    if (entry.pendingLogin !== pending) return;
    const data = reply.code === Code.OK ? readLoginData(reply.data) : null;
    const user = session.user;
    if (data === null || user === undefined) {
      const code = reply.code === Code.OK ? Code.INTERNAL : reply.code;
      this.fail(entry, code, reply.msg ?? codeMessage(code), reply.ext);
      return;
    }
    entry.pendingLogin = undefined;
    session.options.timers.clearTimeout(pending.deadline);
    session.credential = { session: data.session, key: data.key };
    entry.view = viewFromSnapshot(data.snapshot, user.userID, entry.userUpdate);
    entry.lastSeq = data.snapshot.seq;
    session.apply(entry, { type: 'loginSucceeded' });
    // The first ADDs after LOGINED: what is already there, as a diff from nothing.
    session.tell(entry, diffEvents(entry.roomID, diffViews(emptyView(entry.userUpdate), entry.view)));
    pending.resolve(true);
  }

  /** LOGIN_FAILED with `code`, then the rejection with the same code. */
  fail(entry: RoomEntry, code: number, msg: string = codeMessage(code), ext?: string): void {
    const pending = entry.pendingLogin;
    if (pending === undefined) return;
    entry.pendingLogin = undefined;
    this.session.options.timers.clearTimeout(pending.deadline);
    const input: RoomInput =
      ext === undefined ? { type: 'loginFailed', code } : { type: 'loginFailed', code, ext };
    this.session.apply(entry, input);
    pending.reject(new RoomError(code, msg));
  }

  /** The app logged out while logging in: LOGOUT is what happened to the room, not LOGIN_FAILED. */
  cancel(entry: RoomEntry): void {
    const pending = entry.pendingLogin;
    if (pending === undefined) return;
    entry.pendingLogin = undefined;
    this.session.options.timers.clearTimeout(pending.deadline);
    this.session.apply(entry, { type: 'logoutCalled', multiRoom: this.session.multiRoom });
    pending.reject(new RoomError(Code.ROOM_NOT_LOGGED_IN, 'login cancelled by logoutRoom'));
  }

  private timedOut(entry: RoomEntry, pending: PendingLogin): void {
    if (entry.pendingLogin !== pending) return;
    // The server may still log us in after all; a logout right behind the login undoes it.
    if (pending.sentId !== undefined) {
      this.session.sendOnce({ t: 'logout', id: this.session.requests.nextId(), room: entry.roomID });
    }
    this.fail(entry, Code.NETWORK_BROKEN, undefined, this.session.link.lastFailure?.text);
  }
}
