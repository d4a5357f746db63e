// The engine's session with the server: its rooms (each a state machine from room.ts), the one
// link they share, and the requests in flight. The public facade (engine.ts) validates input and
// shapes results; everything that changes a room's state goes through `apply` here.

import { type ClientRequest, Code, LEGACY_STATE, REQUEST_KINDS, type ZegoUser } from '@atrium/protocol';
import type { ReconnectPolicy } from './backoff.js';
import type { RoomEmitter } from './events.js';
import type { LinkFailure } from './failure.js';
import { Feed } from './feed.js';
import { Link, type OnlineEvents, type Timers } from './link.js';
import type { Logger } from './log.js';
import { Logins, type PendingLogin } from './login.js';
import { Recovery } from './recovery.js';
import { type Outgoing, type Reply, Requests } from './requests.js';
import {
  INITIAL_ROOM_STATE,
  type RoomEmit,
  type RoomInput,
  type RoomState,
  type TimerEffect,
  transition,
} from './room.js';
import { type AppEvent, emptyView, type RoomView } from './view.js';

export interface SessionOptions {
  readonly appID: number;
  readonly urls: readonly string[];
  readonly webSocket: unknown;
  readonly loginTimeoutMs: number;
  /** Rounds of the URLs all refusing after which a first login fails at once (0: never). */
  readonly loginRefusedRounds: number;
  readonly reconnectWindowMs: number;
  readonly connectTimeoutMs: number;
  readonly closeGraceMs: number;
  readonly retryPolicy: ReconnectPolicy;
  readonly timers: Timers;
  readonly now: () => number;
  /** Uniform in [0, 1): where request ids start. */
  readonly random: () => number;
  readonly onlineEvents: OnlineEvents | null;
  readonly log: Logger;
  readonly emitter: RoomEmitter;
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
  /** A resume's replay runs up to this seq: RECONNECTED once it is processed. */
  recoverAt: number | undefined;
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

export class Session {
  readonly rooms = new Map<string, RoomEntry>();
  readonly ownStreams = new Map<string, OwnStream>();
  readonly requests: Requests;
  readonly link: Link;
  multiRoom = false;
  user: ZegoUser | undefined;
  credential: { session: string; key: string } | undefined;
  readonly recovery: Recovery;
  readonly logins: Logins;
  private readonly feed: Feed;
  /** Operations that need the link kept although no room may be active (a logout's reply). */
  private holds = 0;

  constructor(readonly options: SessionOptions) {
    this.requests = new Requests(options.random);
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
        // A server shedding a reconnect storm still lets fresh logins in at once.
        intent: () => (this.credential === undefined ? 'login' : 'resume'),
      },
      {
        onOpen: () => this.recovery.linkUp(),
        onFrame: (frame) => this.feed.frame(frame),
        onDown: () => this.linkDown(),
        onGiveUp: () => this.gaveUp(),
        onAttemptFailed: (failure, refusedInARow) => this.attemptFailed(failure, refusedInARow),
      },
    );
    this.recovery = new Recovery(this);
    this.logins = new Logins(this);
    this.feed = new Feed(this);
  }

  /** The room's entry, made on first use. */
  entryFor(roomID: string): RoomEntry {
    let entry = this.rooms.get(roomID);
    if (entry === undefined) {
      entry = {
        roomID,
        state: INITIAL_ROOM_STATE,
        token: '',
        userUpdate: false,
        maxMemberCount: undefined,
        view: emptyView(false),
        lastSeq: 0,
        recoverAt: undefined,
        pendingLogin: undefined,
        windowTimer: undefined,
        outbox: [],
      };
      this.rooms.set(roomID, entry);
    }
    return entry;
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

  /** Feed the room's machine, act on its timer effects and its effects, then tell the app. */
  apply(entry: RoomEntry, input: RoomInput): void {
    const t = transition(entry.state, input);
    entry.state = t.state;
    for (const timer of t.timers) this.runTimer(entry, timer);
    for (const effect of t.effects) {
      if (effect.kind === 'flush') this.flush(entry);
      else this.drop(entry, effect.code);
    }
    for (const emit of t.emits) this.emitState(entry.roomID, emit);
    if (t.state.phase === 'idle') this.releaseLinkIfUnused();
  }

  private runTimer(entry: RoomEntry, timer: TimerEffect): void {
    const { timers, reconnectWindowMs } = this.options;
    switch (timer.kind) {
      case 'clearWindow':
        timers.clearTimeout(entry.windowTimer);
        return;
      case 'armWindow':
        entry.windowTimer = timers.setTimeout(() => {
          if (entry.state.phase === 'reconnecting') this.apply(entry, this.windowExpired());
        }, reconnectWindowMs);
        return;
      case 'forget':
        this.forget(entry);
    }
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

  // ------------------------------------------------------------------ logout, renew

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
      if (entry.pendingLogin !== undefined) this.logins.cancel(entry);
      else this.apply(entry, { type: 'logoutCalled', multiRoom: this.multiRoom });
    }
    return answered;
  }

  /** Runs `fn` with the link kept even if no room is active meanwhile (switchRoom's gap). */
  holdingLink<T>(fn: () => T): T {
    this.holds++;
    try {
      return fn();
    } finally {
      this.holds--;
      this.releaseLinkIfUnused();
    }
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
      const out: Outgoing = { id: frame.id, frame, kind: REQUEST_KINDS.logout.delivery, onReply: release };
      if (!this.requests.send(this.link, out)) release();
    });
  }

  /** Fire and forget (a timed-out login's undo): nobody waits for the reply. */
  sendOnce(frame: ClientRequest): void {
    if (!this.link.isOpen) return;
    this.requests.send(this.link, { id: frame.id, frame, kind: 'once', onReply: () => {} });
  }

  /** New token for one room or all; a later fresh login uses it. False when no room is in use. */
  renew(token: string, roomID?: string): boolean {
    const targets =
      roomID === undefined ? this.activeRooms() : this.activeRooms().filter((e) => e.roomID === roomID);
    for (const entry of targets) {
      entry.token = token;
      if (entry.state.phase === 'logining') continue;
      const room = entry.roomID;
      const renewal = (id: number): ClientRequest => ({ t: 'renew', id, token, room });
      void this.request(room, renewal, REQUEST_KINDS.renew.delivery).then((reply) => {
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

  /** RECONNECT_FAILED 1002053, saying why the link could not be brought back. */
  private windowExpired(): RoomInput {
    const ext = this.link.lastFailure?.text;
    return ext === undefined ? { type: 'windowExpired' } : { type: 'windowExpired', ext };
  }

  /**
   * A first connect that finds nothing listening at any URL, `loginRefusedRounds` times round,
   * fails the logins waiting for it now instead of at the end of their window: a wrong URL or a
   * server that is not running is not a network blip. Never once a room is in (reconnecting
   * keeps trying for the whole window).
   */
  private attemptFailed(failure: LinkFailure, refusedInARow: number): void {
    const rounds = this.options.loginRefusedRounds;
    if (rounds <= 0 || refusedInARow < rounds * this.options.urls.length) return;
    if (this.roomsIn('logined').length > 0 || this.roomsIn('reconnecting').length > 0) return;
    for (const entry of this.roomsIn('logining')) {
      if (entry.pendingLogin !== undefined)
        this.logins.fail(entry, Code.NETWORK_BROKEN, undefined, failure.text);
    }
  }

  private gaveUp(): void {
    for (const entry of this.activeRooms()) {
      if (entry.pendingLogin !== undefined) {
        this.logins.fail(entry, Code.NETWORK_BROKEN, undefined, this.link.lastFailure?.text);
      } else if (entry.state.phase === 'reconnecting') this.apply(entry, this.windowExpired());
    }
  }

  /** Logs out of everything and releases the link and every timer. */
  destroy(): void {
    void this.logout();
    this.link.stop();
    for (const out of this.requests.takeAll()) out.onReply({ code: Code.NOT_LOGGED_IN });
  }
}
