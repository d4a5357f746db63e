// This user's streams, ZEGO's way: `startPublishingStream` answers at once (true, false, or a
// thrown `{ errorCode, extendedData }` for bad arguments) and the server's verdict follows as
// `publisherStateUpdate`: PUBLISH_REQUESTING, then PUBLISHING or NO_PUBLISH with its code.
// Signalling only: the media stream an app passes is accepted and ignored.

import {
  Code,
  checkPublishStreamID,
  checkStreamExtraInfo,
  type ErrorCode,
  Limits,
  REQUEST_KINDS,
  utf8Length,
} from '@atrium/protocol';
import { ServerError } from './errors.js';
import type { RoomEmitter } from './events.js';
import type { Session } from './session.js';
import type { PublisherState, PublishOptions, ServerResponse } from './types.js';

export class Publishing {
  constructor(
    private readonly session: Session,
    private readonly emitter: RoomEmitter,
  ) {}

  start(streamID: string, options: unknown): boolean {
    const { session } = this;
    const code = checkPublishStreamID(streamID);
    if (code !== 0) throw new ServerError(code);
    const { roomID, extraInfo } = readPublishOptions(options);
    if (session.activeRooms().length === 0) throw new ServerError(Code.NOT_LOGGED_IN);
    const room = roomID ?? session.firstRoomIn();
    const phase = room === undefined ? 'idle' : session.stateOf(room).phase;
    const own = session.ownStreams;
    // ZEGO answers false, without an event, for a room not logged in and a stream already published.
    if (room === undefined || !(phase === 'logined' || phase === 'reconnecting') || own.has(streamID)) {
      return false;
    }
    const mine = { roomID: room, extraInfo: extraInfo ?? '', confirmed: false };
    own.set(streamID, mine);
    this.tell(streamID, 'PUBLISH_REQUESTING', Code.OK);
    void session
      .request(
        room,
        (id) =>
          extraInfo === undefined
            ? { t: 'pub', id, room, stream: streamID }
            : { t: 'pub', id, room, stream: streamID, extra: extraInfo },
        REQUEST_KINDS.pub.delivery,
      )
      .then((reply) => {
        // Stopped (or the room left) meanwhile: that already told the app.
        if (own.get(streamID) !== mine) return;
        if (reply.code === Code.OK) {
          mine.confirmed = true;
          this.tell(streamID, 'PUBLISHING', Code.OK);
        } else {
          own.delete(streamID);
          this.tell(streamID, 'NO_PUBLISH', reply.code, reply.ext);
        }
      });
    return true;
  }

  /** False only for a streamID that is not a non-empty string; true even when it was not published. */
  stop(streamID: string): boolean {
    if (typeof streamID !== 'string' || streamID === '') return false;
    const own = this.session.ownStreams;
    const stream = own.get(streamID);
    if (stream === undefined) return true;
    // Gone from the app's point of view at once: a rebuilt session must not publish it again.
    own.delete(streamID);
    this.tell(streamID, 'NO_PUBLISH', Code.OK);
    const room = stream.roomID;
    void this.session
      .request(room, (id) => ({ t: 'unpub', id, room, stream: streamID }), REQUEST_KINDS.unpub.delivery)
      .then((reply) => {
        if (reply.code !== Code.OK)
          this.session.log.warn(`stopPublishingStream(${streamID}) failed: ${reply.code}`);
      });
    return true;
  }

  async setExtraInfo(streamID: string, extraInfo: string): Promise<ServerResponse> {
    const { session } = this;
    const code = extraInfoCode(streamID, extraInfo);
    if (code !== 0) throw new ServerError(code);
    if (session.activeRooms().length === 0) throw new ServerError(Code.NOT_LOGGED_IN);
    const stream = session.ownStreams.get(streamID);
    if (stream === undefined) throw new ServerError(Code.PUBLISH_STREAM_NOT_FOUND);
    const room = stream.roomID;
    const reply = await session.request(
      room,
      (id) => ({ t: 'sextra', id, room, stream: streamID, extra: extraInfo }),
      REQUEST_KINDS.sextra.delivery,
    );
    if (reply.code !== Code.OK) throw new ServerError(reply.code, reply.ext);
    stream.extraInfo = extraInfo;
    return { errorCode: Code.OK, extendedData: '' };
  }

  /** After the call returns, as ZEGO delivers it; in call order. */
  private tell(streamID: string, state: PublisherState['state'], errorCode: number, ext?: string): void {
    const result: PublisherState = { state, streamID, errorCode, extendedData: ext ?? '' };
    queueMicrotask(() => this.emitter.emit('publisherStateUpdate', result));
  }
}

function readPublishOptions(options: unknown): Pick<PublishOptions, 'roomID' | 'extraInfo'> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw new ServerError(Code.INPUT_PARAM, 'publishOption must be object');
  const { roomID, extraInfo } = options as PublishOptions;
  if (roomID !== undefined && typeof roomID !== 'string') {
    throw new ServerError(Code.INPUT_PARAM, 'publishOption roomID must be string');
  }
  if (checkStreamExtraInfo(extraInfo) !== 0) {
    throw new ServerError(Code.INPUT_PARAM, 'publishOption extraInfo must be a string of at most 1024 bytes');
  }
  return { roomID, extraInfo };
}

function extraInfoCode(streamID: unknown, extraInfo: unknown): ErrorCode | 0 {
  if (typeof streamID !== 'string' || streamID === '' || typeof extraInfo !== 'string')
    return Code.INPUT_PARAM;
  if (extraInfo === '') return Code.STREAM_EXTRA_EMPTY;
  return utf8Length(extraInfo) > Limits.streamExtraInfoMaxBytes ? Code.STREAM_EXTRA_TOO_LONG : 0;
}
