// Getting the rooms back after a cut (docs/contract.md, "Reconnection"). On a fresh link: `resume`
// the session with the last sequence of each room; a room the server replays is RECONNECTED
// {"recovered":true} once the replay is in; a room it cannot replay comes with a snapshot. A
// refused resume means the session is gone: each room logs in again with the token held, the fresh
// snapshot is diffed against what the app was told, and only the differences are emitted before
// RECONNECTED {"recovered":false}.

import { Code, type RoomSnapshot, type ZegoUser } from '@atrium/protocol';
import type { Link } from './link.js';
import type { Logger } from './log.js';
import type { Logins } from './login.js';
import type { Reply, Requests } from './requests.js';
import { isKickCode, type RoomInput, type RoomState } from './room.js';
import type { OwnStream, RoomEntry, SessionOptions } from './session.js';
import { diffEvents, diffViews } from './snapshot.js';
import type { AppEvent } from './view.js';
import { viewFromSnapshot } from './view.js';
import { readLoginData, readResumedRooms } from './wire.js';

/** What recovery needs of the engine's session (session.ts implements it). */
export interface RecoveryHost {
  readonly link: Pick<Link, 'isOpen' | 'barrier' | 'send'>;
  readonly requests: Pick<Requests, 'nextId' | 'send'>;
  readonly logins: Pick<Logins, 'sendPending'>;
  readonly options: Pick<SessionOptions, 'appID'>;
  readonly ownStreams: ReadonlyMap<string, OwnStream>;
  readonly log: Logger;
  readonly user: ZegoUser | undefined;
  readonly multiRoom: boolean;
  credential: { session: string; key: string } | undefined;
  roomsIn(phase: RoomState['phase']): RoomEntry[];
  apply(entry: RoomEntry, input: RoomInput): void;
  tell(entry: RoomEntry, events: readonly AppEvent[]): void;
}

export class Recovery {
  /** A resume is in flight: new logins wait for it, so they join the resumed session. */
  private resuming = false;

  constructor(private readonly session: RecoveryHost) {}

  /** Whether a login may go out now. */
  get ready(): boolean {
    return this.session.link.isOpen && !this.resuming;
  }

  reset(): void {
    this.resuming = false;
  }

  linkUp(): void {
    const { session } = this;
    const away = session.roomsIn('reconnecting');
    if (away.length > 0 && session.credential !== undefined) {
      this.resume(away, session.credential);
      return;
    }
    this.relogin(away);
    session.logins.sendPending();
  }

  private resume(away: RoomEntry[], credential: { session: string; key: string }): void {
    const { session } = this;
    const id = session.requests.nextId();
    const rooms: Record<string, number> = {};
    for (const entry of away) {
      rooms[entry.roomID] = entry.lastSeq;
      entry.recoverAt = undefined;
    }
    this.resuming = session.requests.send(session.link, {
      id,
      frame: { t: 'resume', id, session: credential.session, key: credential.key, rooms },
      kind: 'recover',
      onReply: (reply) => this.resumed(reply),
    });
  }

  private resumed(reply: Reply): void {
    const { session } = this;
    this.resuming = false;
    const away = session.roomsIn('reconnecting');
    if (reply.code !== Code.OK) {
      session.credential = undefined;
      // A kicked session must not come back by logging in again: that would kick the winner.
      if (isKickCode(reply.code)) {
        for (const entry of away)
          session.apply(entry, { type: 'reconnectRefused', code: reply.code, ext: reply.ext ?? '' });
      } else {
        session.log.info(`resume refused (${reply.code}); logging in again`);
        this.relogin(away);
      }
      session.logins.sendPending();
      return;
    }
    const resumed = readResumedRooms(reply.data);
    const replayed: RoomEntry[] = [];
    const lost: RoomEntry[] = [];
    for (const entry of away) {
      const room = resumed.get(entry.roomID);
      if (room === undefined) lost.push(entry);
      else if (room.replayed && room.upTo !== undefined) {
        // The reply says where the replay ends: RECONNECTED once that event is in (feed.ts).
        if (entry.lastSeq >= room.upTo) session.apply(entry, { type: 'recovered', recovered: true });
        else entry.recoverAt = room.upTo;
      } else if (room.replayed) replayed.push(entry);
      // The session survived, and with it the user's streams: nothing to publish again.
      else this.rebuilt(entry, room.snapshot, false);
    }
    if (replayed.length > 0) {
      // A server that does not say where the replay ends: a ping answered after it tells.
      session.link.barrier(() => {
        for (const entry of replayed) {
          if (entry.state.phase === 'reconnecting')
            session.apply(entry, { type: 'recovered', recovered: true });
        }
      });
    }
    this.relogin(lost);
    session.logins.sendPending();
  }

  /** Log in afresh, per room, with the newest token held. */
  private relogin(entries: RoomEntry[]): void {
    const { session } = this;
    const user = session.user;
    if (user === undefined) return;
    for (const entry of entries) {
      entry.recoverAt = undefined;
      const id = session.requests.nextId();
      const frame = {
        t: 'login' as const,
        id,
        appID: session.options.appID,
        room: entry.roomID,
        token: entry.token,
        user,
        ...(entry.userUpdate ? { userUpdate: true } : {}),
        ...(entry.maxMemberCount !== undefined ? { maxMemberCount: entry.maxMemberCount } : {}),
        ...(session.multiRoom ? { multi: true } : {}),
      };
      session.requests.send(session.link, {
        id,
        frame,
        kind: 'recover',
        room: entry.roomID,
        onReply: (reply) => this.reloggedIn(entry, reply),
      });
    }
  }

  private reloggedIn(entry: RoomEntry, reply: Reply): void {
    const { session } = this;
    if (entry.state.phase !== 'reconnecting') return;
    const data = reply.code === Code.OK ? readLoginData(reply.data) : null;
    if (data === null) {
      const code = reply.code === Code.OK ? Code.INTERNAL : reply.code;
      session.apply(entry, { type: 'reconnectRefused', code, ext: reply.ext ?? '' });
      return;
    }
    session.credential = { session: data.session, key: data.key };
    this.rebuilt(entry, data.snapshot, true);
  }

  /** Tell the app only what changed while it was away, then RECONNECTED {"recovered":false}. */
  private rebuilt(entry: RoomEntry, snapshot: RoomSnapshot, republish: boolean): void {
    const { session } = this;
    const user = session.user;
    if (user === undefined) return;
    const fresh = viewFromSnapshot(snapshot, user.userID, entry.userUpdate);
    const events = diffEvents(entry.roomID, diffViews(entry.view, fresh));
    entry.view = fresh;
    // A fresh snapshot starts a new count: the room may even have been created anew.
    entry.lastSeq = snapshot.seq;
    session.tell(entry, events);
    if (entry.state.phase !== 'reconnecting') return;
    if (republish) this.republish(entry);
    session.apply(entry, { type: 'recovered', recovered: false });
  }

  /** A new session has none of the user's streams: publish again what the app still publishes. */
  private republish(entry: RoomEntry): void {
    const { session } = this;
    for (const [streamID, stream] of session.ownStreams) {
      if (stream.roomID !== entry.roomID || !stream.confirmed) continue;
      const id = session.requests.nextId();
      session.requests.send(session.link, {
        id,
        frame: { t: 'pub', id, room: entry.roomID, stream: streamID, extra: stream.extraInfo },
        kind: 'once',
        room: entry.roomID,
        onReply: (reply) => {
          if (reply.code !== Code.OK) session.log.warn(`publishing ${streamID} again failed: ${reply.code}`);
        },
      });
    }
  }
}
