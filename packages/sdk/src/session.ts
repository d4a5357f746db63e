// The engine's session with the server: its rooms (each a state machine from room.ts), the one
// link they share, and the requests in flight. The public facade (engine.ts) validates input and
// shapes results; everything that changes a room's state goes through `apply` here.

import {
  type ClientRequest,
  Code,
  codeMessage,
  LEGACY_STATE,
  type RoomEventFrame,
  type ServerFrame,
  type ZegoUser,
} from '@atrium/protocol';
import type { ReconnectPolicy } from './backoff.js';
import { RoomError } from './errors.js';
import type { RoomEmitter } from './events.js';
import { Link, type OnlineEvents, type Timers } from './link.js';
import type { Logger } from './log.js';
import { Recovery } from './recovery.js';
import { type Outgoing, type Reply, Requests } from './requests.js';
import { INITIAL_ROOM_STATE, type RoomEmit, type RoomInput, type RoomState, transition } from './room.js';
import { diffEvents, diffViews } from './snapshot.js';
import { type AppEvent, applyRoomEvent, emptyView, type RoomView, viewFromSnapshot } from './view.js';
import { isMessage, readLoginData, readRoomEvent } from './wire.js';

export interface SessionOptions {
  readonly appID: number;
  readonly urls: readonly string[];
  readonly webSocket: unknown;
  readonly loginTimeoutMs: number;
  readonly reconnectWindowMs: number;
  readonly connectTimeoutMs: number;
  readonly closeGraceMs: number;
  readonly retryPolicy: ReconnectPolicy;
  readonly timers: Timers;
  readonly now: () => number;
  readonly onlineEvents: OnlineEvents | null;
  readonly log: Logger;
  readonly emitter: RoomEmitter;
}

interface PendingLogin {
  /** A switch becomes a plain login if its frame was lost in a cut. */
  kind: 'login' | 'switch';
  readonly from: string;
  readonly resolve: (ok: boolean) => void;
  readonly reject: (err: RoomError) => void;
  deadline: unknown;
  /** The id of the frame on the current link, once sent. */
  sentId: number | undefined;
}

export interface RoomEntry {
  readonly roomID: string;
  state: RoomState;
  /** The newest token: a fresh login after a refused resume uses it. */
  token: string;
  userUpdate: boolean;
  maxMemberCount: number | undefined;
  /** What the app has been told about the room. */
  view: RoomView;
  /** The last event sequence processed; events at or below it are duplicates. */
  lastSeq: number;
  pendingLogin: PendingLogin | undefined;
  windowTimer: unknown;
  /** Reliable requests waiting for the room to be back. */
  outbox: Outgoing[];
}

export interface OwnStream {
  readonly roomID: string;
  extraInfo: string;
  /** The server accepted it; only those are published again after a rebuilt session. */
  confirmed: boolean;
}

export interface LoginParams {
  token: string;
  user: ZegoUser;
  userUpdate: boolean;
  maxMemberCount: number | undefined;
  /** switchRoom: the room left in the same round trip. */
  from?: string;
}

export class Session {
  readonly rooms = new Map<string, RoomEntry>();
  readonly ownStreams = new Map<string, OwnStream>();
  readonly requests = new Requests();
  readonly link: Link;
  multiRoom = false;
  user: ZegoUser | undefined;
  credential: { session: string; key: string } | undefined;
  private readonly recovery: Recovery;
  /** Operations that need the link kept although no room may be active (a logout's reply). */
  private holds = 0;

  constructor(readonly options: SessionOptions) {
    this.link = new Link(
      {
        urls: options.urls,
        webSocket: options.webSocket,
        timers: options.timers,
        now: options.now,
        retryPolicy: options.retryPolicy,
        connectTimeoutMs: options.connectTimeoutMs,
        closeGraceMs: options.closeGraceMs,
        onlineEvents: options.onlineEvents,
        log: options.log,
      },
      {
        onOpen: () => this.recovery.linkUp(),
        onFrame: (frame) => this.onFrame(frame),
        onDown: () => this.linkDown(),
        onGiveUp: () => this.gaveUp(),
      },
    );
    this.recovery = new Recovery(this);
  }

  get log(): Logger {
    return this.options.log;
  }

  stateOf(roomID: string): RoomState {
    return this.rooms.get(roomID)?.state ?? INITIAL_ROOM_STATE;
  }

  /** Rooms that are not idle: logining, logined or reconnecting. */
  activeRooms(): RoomEntry[] {
    return [...this.rooms.values()].filter((e) => e.state.phase !== 'idle');
  }

  /** The room a call without a roomID means: the only (or first) room the user is in. */
  firstRoomIn(): string | undefined {
    for (const entry of this.rooms.values()) {
      if (entry.state.phase === 'logined' || entry.state.phase === 'reconnecting') return entry.roomID;
    }
    return undefined;
  }

  /** The server does not echo the user's own extra info; a later snapshot diff must not either. */
  noteOwnExtraInfo(roomID: string, key: string, value: string): void {
    const entry = this.rooms.get(roomID);
    const user = this.user;
    if (entry === undefined || user === undefined || entry.state.phase === 'idle') return;
    entry.view.extra.set(key, { key, value, updateUser: user, updateTime: this.options.now() });
  }

  roomsIn(phase: RoomState['phase']): RoomEntry[] {
    return [...this.rooms.values()].filter((e) => e.state.phase === phase);
  }

  // ------------------------------------------------------------------ the state machine's shell

  /** Feed the room's machine, act on its effects, then tell the app. */
  apply(entry: RoomEntry, input: RoomInput): void {
    const before = entry.state.phase;
    const t = transition(entry.state, input);
    entry.state = t.state;
    const after = t.state.phase;
    if (before !== after) {
      if (before === 'reconnecting') this.options.timers.clearTimeout(entry.windowTimer);
      if (after === 'reconnecting') {
        entry.windowTimer = this.options.timers.setTimeout(() => {
          if (entry.state.phase === 'reconnecting') this.apply(entry, { type: 'windowExpired' });
        }, this.options.reconnectWindowMs);
      }
      if (after === 'idle') this.forget(entry);
    }
    for (const effect of t.effects) {
      if (effect.kind === 'flush') this.flush(entry);
      else this.drop(entry, effect.code);
    }
    for (const emit of t.emits) this.emitState(entry.roomID, emit);
    if (after === 'idle') this.releaseLinkIfUnused();
  }

  emitState(roomID: string, emit: RoomEmit): void {
    const { emitter, log } = this.options;
    log.info(
      `room ${roomID}: ${emit.reason} ${emit.errorCode}${emit.extendedData ? ` ${emit.extendedData}` : ''}`,
    );
    emitter.emit('roomStateChanged', roomID, emit.reason, emit.errorCode, emit.extendedData);
    const legacy = LEGACY_STATE[emit.reason];
    if (legacy !== null) emitter.emit('roomStateUpdate', roomID, legacy, emit.errorCode, emit.extendedData);
  }

  /** Tell the app room events, stopping if a callback took the app out of the room meanwhile. */
  tell(entry: RoomEntry, events: readonly AppEvent[]): void {
    for (const event of events) {
      if (entry.state.phase === 'idle') return;
      (this.options.emitter.emit as (name: string, ...args: unknown[]) => void)(event.name, ...event.args);
    }
  }

  private forget(entry: RoomEntry): void {
    const pending = entry.pendingLogin;
    if (pending !== undefined) this.options.timers.clearTimeout(pending.deadline);
    for (const [streamID, stream] of this.ownStreams) {
      if (stream.roomID === entry.roomID) this.ownStreams.delete(streamID);
    }
  }

  private flush(entry: RoomEntry): void {
    const queued = entry.outbox;
    entry.outbox = [];
    for (const [i, out] of queued.entries()) {
      if (!this.requests.send(this.link, out)) {
        entry.outbox = queued.slice(i);
        return;
      }
    }
  }

  private drop(entry: RoomEntry, code: number): void {
    const waiting = [...entry.outbox, ...this.requests.takeRoom(entry.roomID)];
    entry.outbox = [];
    for (const out of waiting) out.onReply({ code });
  }

  /** Nothing needs the server any more: close the link, the session is over. */
  private releaseLinkIfUnused(): void {
    if (this.holds > 0 || this.activeRooms().length > 0) return;
    this.link.stop();
    this.credential = undefined;
    this.recovery.reset();
    for (const out of this.requests.takeAll()) out.onReply({ code: Code.NOT_LOGGED_IN });
  }

  // ------------------------------------------------------------------ login, switch, logout

  login(roomID: string, params: LoginParams): Promise<boolean> {
    let entry = this.rooms.get(roomID);
    if (entry === undefined) {
      entry = this.newEntry(roomID, INITIAL_ROOM_STATE);
      this.rooms.set(roomID, entry);
    }
    entry.token = params.token;
    entry.userUpdate = params.userUpdate;
    entry.maxMemberCount = params.maxMemberCount;
    entry.view = emptyView(params.userUpdate);
    entry.lastSeq = 0;
    this.user = params.user;
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
    this.apply(entry, { type: 'loginCalled' });
    // A LOGINING callback may already have logged out of the room again.
    if (pending !== undefined && entry.pendingLogin === pending) {
      const room = entry;
      const login = pending;
      login.deadline = this.options.timers.setTimeout(
        () => this.loginTimedOut(room, login),
        this.options.loginTimeoutMs,
      );
      this.link.start();
      if (this.recovery.ready) this.sendLogin(room);
    }
    return promise;
  }

  /**
   * A login refused before any traffic (bad parameters, local rules): LOGINING, LOGIN_FAILED.
   * `remember`: the roomID is valid, so getRoomState answers LOGIN_FAILED for it from now on.
   */
  refuseLogin(roomID: string, code: number, remember: boolean): Promise<boolean> {
    const failed = transition(INITIAL_ROOM_STATE, { type: 'loginCalled' });
    const refused = transition(failed.state, { type: 'loginFailed', code });
    for (const emit of [...failed.emits, ...refused.emits]) this.emitState(roomID, emit);
    if (remember) {
      const entry = this.rooms.get(roomID);
      if (entry === undefined) this.rooms.set(roomID, this.newEntry(roomID, refused.state));
      else if (entry.state.phase === 'idle') entry.state = refused.state;
    }
    return Promise.reject(new RoomError(code));
  }

  private newEntry(roomID: string, state: RoomState): RoomEntry {
    return {
      roomID,
      state,
      token: '',
      userUpdate: false,
      maxMemberCount: undefined,
      view: emptyView(false),
      lastSeq: 0,
      pendingLogin: undefined,
      windowTimer: undefined,
      outbox: [],
    };
  }

  sendPendingLogins(): void {
    for (const entry of this.roomsIn('logining')) this.sendLogin(entry);
  }

  private sendLogin(entry: RoomEntry): void {
    const pending = entry.pendingLogin;
    const user = this.user;
    if (pending === undefined || pending.sentId !== undefined || user === undefined) return;
    const id = this.requests.nextId();
    const frame: ClientRequest =
      pending.kind === 'switch'
        ? { t: 'switch', id, from: pending.from, room: entry.roomID, token: entry.token }
        : { t: 'login', id, appID: this.options.appID, room: entry.roomID, token: entry.token, user };
    if (entry.userUpdate) frame.userUpdate = true;
    if (entry.maxMemberCount !== undefined) frame.maxMemberCount = entry.maxMemberCount;
    if (frame.t === 'login' && this.multiRoom) frame.multi = true;
    const sent = this.requests.send(this.link, {
      id,
      frame,
      kind: 'login',
      room: entry.roomID,
      onReply: (reply) => this.loginReplied(entry, pending, reply),
    });
    if (sent) pending.sentId = id;
  }

  private loginReplied(entry: RoomEntry, pending: PendingLogin, reply: Reply): void {
    if (entry.pendingLogin !== pending) return;
    const data = reply.code === Code.OK ? readLoginData(reply.data) : null;
    const user = this.user;
    if (data === null || user === undefined) {
      const code = reply.code === Code.OK ? Code.INTERNAL : reply.code;
      this.failLogin(entry, pending, code, reply.msg ?? codeMessage(code), reply.ext);
      return;
    }
    entry.pendingLogin = undefined;
    this.options.timers.clearTimeout(pending.deadline);
    this.credential = { session: data.session, key: data.key };
    entry.view = viewFromSnapshot(data.snapshot, user.userID, entry.userUpdate);
    entry.lastSeq = data.snapshot.seq;
    this.apply(entry, { type: 'loginSucceeded' });
    // The first ADDs after LOGINED: what is already there, as a diff from nothing.
    this.tell(entry, diffEvents(entry.roomID, diffViews(emptyView(entry.userUpdate), entry.view)));
    pending.resolve(true);
  }

  private failLogin(entry: RoomEntry, pending: PendingLogin, code: number, msg: string, ext?: string): void {
    entry.pendingLogin = undefined;
    this.options.timers.clearTimeout(pending.deadline);
    const input: RoomInput =
      ext === undefined ? { type: 'loginFailed', code } : { type: 'loginFailed', code, ext };
    this.apply(entry, input);
    pending.reject(new RoomError(code, msg));
  }

  private loginTimedOut(entry: RoomEntry, pending: PendingLogin): void {
    if (entry.pendingLogin !== pending) return;
    // The server may still log us in after all; a logout right behind the login undoes it.
    if (pending.sentId !== undefined)
      this.sendOnce({ t: 'logout', id: this.requests.nextId(), room: entry.roomID });
    this.failLogin(entry, pending, Code.NETWORK_BROKEN, codeMessage(Code.NETWORK_BROKEN));
  }

  /**
   * Leave one room or all; settles once the server has answered (so a login elsewhere right
   * after sees the room without us), the link went down, or there was no link to tell.
   */
  logout(roomID?: string): Promise<void> {
    const targets =
      roomID === undefined ? this.activeRooms() : this.activeRooms().filter((e) => e.roomID === roomID);
    if (targets.length === 0) {
      if (roomID !== undefined) {
        const t = transition(this.stateOf(roomID), { type: 'logoutCalled', multiRoom: this.multiRoom });
        for (const emit of t.emits) this.emitState(roomID, emit);
      }
      return Promise.resolve();
    }
    const frame: ClientRequest = { t: 'logout', id: this.requests.nextId() };
    if (roomID !== undefined) frame.room = roomID;
    const answered = this.sendAndHold(frame);
    for (const entry of targets) {
      const pending = entry.pendingLogin;
      entry.pendingLogin = undefined;
      if (pending !== undefined) this.options.timers.clearTimeout(pending.deadline);
      this.apply(entry, { type: 'logoutCalled', multiRoom: this.multiRoom });
      // The app cancelled its own login: LOGOUT is what happened to the room, not LOGIN_FAILED.
      pending?.reject(new RoomError(Code.ROOM_NOT_LOGGED_IN, 'login cancelled by logoutRoom'));
    }
    return answered;
  }

  /** Sends and keeps the link open until the reply (or the link's end) settles it. */
  private sendAndHold(frame: ClientRequest): Promise<void> {
    if (!this.link.isOpen) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.holds++;
      const release = () => {
        this.holds--;
        resolve();
        this.releaseLinkIfUnused();
      };
      if (!this.requests.send(this.link, { id: frame.id, frame, kind: 'once', onReply: release })) release();
    });
  }

  /** Fire and forget (a timed-out login's undo): nobody waits for the reply. */
  private sendOnce(frame: ClientRequest): void {
    if (!this.link.isOpen) return;
    this.requests.send(this.link, { id: frame.id, frame, kind: 'once', onReply: () => {} });
  }

  /**
   * switchRoom: LOGOUT for `from` now; the login to `to` carries the leave in the same frame.
   * The link is held through the gap where no room is active.
   */
  switchRoom(from: RoomEntry, to: string, params: LoginParams): Promise<boolean> {
    this.holds++;
    try {
      this.apply(from, { type: 'logoutCalled', multiRoom: this.multiRoom });
      return this.login(to, { ...params, from: from.roomID });
    } finally {
      this.holds--;
      this.releaseLinkIfUnused();
    }
  }

  /** New token for one room or all; a later fresh login uses it. False when no room is in use. */
  renew(token: string, roomID?: string): boolean {
    const targets =
      roomID === undefined ? this.activeRooms() : this.activeRooms().filter((e) => e.roomID === roomID);
    for (const entry of targets) {
      entry.token = token;
      if (entry.state.phase === 'logining') continue;
      const room = entry.roomID;
      void this.request(room, (id) => ({ t: 'renew', id, token, room }), 'reliable').then((reply) => {
        if (reply.code !== Code.OK) this.log.warn(`renewToken for ${room} failed: ${reply.code}`);
      });
    }
    return targets.length > 0;
  }

  // ------------------------------------------------------------------ requests of a room

  /**
   * Reliable requests made while the room is away wait in its outbox and keep their id; `once`
   * requests (barrage) fail fast with 1000002 unless the room is in.
   */
  request(roomID: string, build: (id: number) => ClientRequest, kind: 'reliable' | 'once'): Promise<Reply> {
    const entry = this.rooms.get(roomID);
    const phase = entry?.state.phase;
    return new Promise<Reply>((resolve) => {
      if (
        entry === undefined ||
        !(phase === 'logined' || (phase === 'reconnecting' && kind === 'reliable'))
      ) {
        resolve({ code: Code.NOT_LOGGED_IN });
        return;
      }
      const id = this.requests.nextId();
      const out: Outgoing = { id, frame: build(id), kind, room: roomID, onReply: resolve };
      if (phase === 'reconnecting') entry.outbox.push(out);
      else if (!this.requests.send(this.link, out)) {
        if (kind === 'reliable') entry.outbox.push(out);
        else resolve({ code: Code.NOT_LOGGED_IN });
      }
    });
  }

  // ------------------------------------------------------------------ the link's news

  private linkDown(): void {
    this.recovery.reset();
    const requeue = new Map<string, Outgoing[]>();
    for (const out of this.requests.takeAll()) {
      const entry = out.room === undefined ? undefined : this.rooms.get(out.room);
      const phase = entry?.state.phase;
      if (out.kind === 'login') {
        const pending = entry?.pendingLogin;
        if (pending !== undefined && pending.sentId === out.id) {
          pending.sentId = undefined;
          pending.kind = 'login';
        }
      } else if (
        out.kind === 'reliable' &&
        entry !== undefined &&
        (phase === 'logined' || phase === 'reconnecting')
      ) {
        requeue.set(entry.roomID, [...(requeue.get(entry.roomID) ?? []), out]);
      } else if (out.kind !== 'recover') {
        out.onReply({ code: Code.NOT_LOGGED_IN });
      }
    }
    // Sent before anything queued since, so they go first again, with their ids.
    for (const [roomID, outs] of requeue) {
      const entry = this.rooms.get(roomID);
      if (entry !== undefined) entry.outbox = [...outs, ...entry.outbox];
    }
    for (const entry of this.roomsIn('logined')) this.apply(entry, { type: 'linkLost' });
  }

  private gaveUp(): void {
    for (const entry of this.activeRooms()) {
      const pending = entry.pendingLogin;
      if (pending !== undefined)
        this.failLogin(entry, pending, Code.NETWORK_BROKEN, codeMessage(Code.NETWORK_BROKEN));
      else if (entry.state.phase === 'reconnecting') this.apply(entry, { type: 'windowExpired' });
    }
  }

  private onFrame(frame: ServerFrame): void {
    const { emitter, log } = this.options;
    switch (frame.t) {
      case 'reply':
        this.requests.reply(frame);
        return;
      case 'ev':
        this.onRoomEvent(frame);
        return;
      case 'error':
        log.warn(`the server could not read a frame: ${frame.code} ${frame.msg}`);
        return;
      case 'hello':
      case 'pong':
      case 'bye':
        return;
    }
    const entry = this.rooms.get(frame.room);
    if (entry === undefined) return;
    const phase = entry.state.phase;
    switch (frame.t) {
      case 'kick': {
        const code = typeof frame.code === 'number' ? frame.code : Code.KICKED_BY_BACKEND;
        const ext = typeof frame.ext === 'string' ? frame.ext : '';
        const pending = entry.pendingLogin;
        if (pending !== undefined) this.failLogin(entry, pending, code, codeMessage(code), ext);
        else this.apply(entry, { type: 'kicked', code, ext });
        return;
      }
      case 'count':
        if ((phase === 'logined' || phase === 'reconnecting') && typeof frame.n === 'number') {
          entry.view.count = frame.n;
          emitter.emit('roomOnlineUserCountUpdate', entry.roomID, frame.n);
        }
        return;
      case 'barrage':
        if (phase === 'logined' && isMessage(frame.msg))
          emitter.emit('IMRecvBarrageMessage', entry.roomID, [frame.msg]);
        return;
      case 'expiring':
        if (phase !== 'idle') emitter.emit('tokenWillExpire', entry.roomID);
        return;
    }
  }

  /** Events of one room in server order, each at most once (SPEC §5 invariant 5). */
  private onRoomEvent(frame: RoomEventFrame): void {
    const entry = this.rooms.get(frame.room);
    if (entry === undefined || !(entry.state.phase === 'logined' || entry.state.phase === 'reconnecting'))
      return;
    if (typeof frame.seq !== 'number' || !(frame.seq > entry.lastSeq)) return;
    entry.lastSeq = frame.seq;
    const event = readRoomEvent(frame);
    if (event === null) {
      this.log.warn(`room ${frame.room}: skipped a malformed event (seq ${frame.seq})`);
      return;
    }
    const told = applyRoomEvent(entry.view, entry.roomID, event);
    if (told !== null) this.tell(entry, [told]);
  }

  /** Logs out of everything and releases the link and every timer. */
  destroy(): void {
    void this.logout();
    this.link.stop();
    for (const out of this.requests.takeAll()) out.onReply({ code: Code.NOT_LOGGED_IN });
  }
}
