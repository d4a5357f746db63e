// What the server pushes, turned into what the app hears: replies to their requests, room events
// in server order and at most once (docs/contract.md, invariant 5), kicks, counts, barrage, token warnings.

import { Code, type RoomEventFrame, type ServerFrame } from '@atrium/protocol';
import type { Logger } from './log.js';
import type { Logins } from './login.js';
import type { Requests } from './requests.js';
import type { RoomInput } from './room.js';
import type { RoomEntry, SessionOptions } from './session.js';
import { type AppEvent, applyRoomEvent } from './view.js';
import { isMessage, readRoomEvent } from './wire.js';

/** What the feed needs of the engine's session (session.ts implements it). */
export interface FeedHost {
  readonly rooms: ReadonlyMap<string, RoomEntry>;
  readonly requests: Pick<Requests, 'reply'>;
  readonly logins: Pick<Logins, 'fail'>;
  readonly options: Pick<SessionOptions, 'emitter' | 'log'>;
  readonly log: Logger;
  apply(entry: RoomEntry, input: RoomInput): void;
  tell(entry: RoomEntry, events: readonly AppEvent[]): void;
}

export class Feed {
  constructor(private readonly session: FeedHost) {}

  frame(frame: ServerFrame): void {
    const { session } = this;
    const { emitter, log } = session.options;
    switch (frame.t) {
      case 'reply':
        session.requests.reply(frame);
        return;
      case 'ev':
        this.roomEvent(frame);
        return;
      case 'error':
        log.warn(`the server could not read a frame: ${frame.code} ${frame.msg}`);
        return;
      case 'hello':
      case 'pong':
      case 'bye':
        return;
    }
    const entry = session.rooms.get(frame.room);
    if (entry === undefined) return;
    const phase = entry.state.phase;
    switch (frame.t) {
      case 'kick': {
        const code = typeof frame.code === 'number' ? frame.code : Code.KICKED_BY_BACKEND;
        const ext = typeof frame.ext === 'string' ? frame.ext : '';
        // Before the login's reply, a kick fails the login (exactly one of LOGINED / LOGIN_FAILED).
        if (entry.pendingLogin !== undefined) session.logins.fail(entry, code, undefined, ext);
        else session.apply(entry, { type: 'kicked', code, ext });
        return;
      }
      case 'count':
        if ((phase === 'logined' || phase === 'reconnecting') && typeof frame.n === 'number') {
          entry.view.count = frame.n;
          emitter.emit('roomOnlineUserCountUpdate', entry.roomID, frame.n);
        }
        return;
      case 'barrage':
        // ZEGO's barrage IDs are strings.
        if (phase === 'logined' && isMessage(frame.msg))
          emitter.emit('IMRecvBarrageMessage', entry.roomID, [
            { ...frame.msg, messageID: String(frame.msg.messageID) },
          ]);
        return;
      case 'expiring':
        if (phase !== 'idle') emitter.emit('tokenWillExpire', entry.roomID);
        return;
    }
  }

  private roomEvent(frame: RoomEventFrame): void {
    const { session } = this;
    const entry = session.rooms.get(frame.room);
    if (entry === undefined || !(entry.state.phase === 'logined' || entry.state.phase === 'reconnecting'))
      return;
    if (typeof frame.seq !== 'number' || !(frame.seq > entry.lastSeq)) return;
    entry.lastSeq = frame.seq;
    const event = readRoomEvent(frame);
    if (event === null) session.log.warn(`room ${frame.room}: skipped a malformed event (seq ${frame.seq})`);
    else {
      const told = applyRoomEvent(entry.view, entry.roomID, event);
      if (told !== null) session.tell(entry, [told]);
    }
    // The last event of a resume's replay: the room is back.
    if (entry.recoverAt !== undefined && entry.lastSeq >= entry.recoverAt) {
      entry.recoverAt = undefined;
      if (entry.state.phase === 'reconnecting') session.apply(entry, { type: 'recovered', recovered: true });
    }
  }
}
