// What the app has been told about one room: the other users (when it asked for them), their
// streams, the room's extra info and the online count. Room events update it as they are
// delivered, so a fresh snapshot can later be diffed against it (snapshot.ts).

import {
  type RoomEvent,
  type RoomExtraInfo,
  type RoomSnapshot,
  StreamDeleteReason,
  type StreamInfo,
  streamDeleteDescription,
  type ZegoUser,
} from '@atrium/protocol';
import { fromBase64 } from './base64.js';
import type { RoomEventName, RoomEvents } from './events.js';
import type { ZegoStreamList } from './types.js';

export interface RoomView {
  /** `null`: the room was joined without `userUpdate`, so users are neither told nor tracked. */
  readonly users: Map<string, ZegoUser> | null;
  readonly streams: Map<string, StreamInfo>;
  readonly extra: Map<string, RoomExtraInfo>;
  count: number | null;
}

/** One event for the app, ready to emit. */
export type AppEvent = {
  [K in RoomEventName]: { readonly name: K; readonly args: Parameters<RoomEvents[K]> };
}[RoomEventName];

export function emptyView(userUpdate: boolean): RoomView {
  return { users: userUpdate ? new Map() : null, streams: new Map(), extra: new Map(), count: null };
}

/**
 * The view a snapshot describes. The user's own entries are left out: the server never tells a
 * member about itself, and the app knows its own streams.
 */
export function viewFromSnapshot(snapshot: RoomSnapshot, selfUserID: string, userUpdate: boolean): RoomView {
  const view = emptyView(userUpdate);
  if (view.users !== null) {
    for (const user of snapshot.users ?? []) {
      if (user.userID !== selfUserID) view.users.set(user.userID, user);
    }
  }
  for (const stream of snapshot.streams) {
    if (stream.user.userID !== selfUserID) view.streams.set(stream.streamID, stream);
  }
  for (const info of snapshot.extra) view.extra.set(info.key, info);
  view.count = snapshot.count;
  return view;
}

/** A stream as ZEGO's `roomStreamUpdate` lists it: no CDN here, so its URL fields are empty. */
function zegoStream(stream: StreamInfo): ZegoStreamList {
  return { ...stream, urlsFLV: '', urlsRTMP: '', urlsHLS: '', urlsHttpsFLV: '', urlsHttpsHLS: '' };
}

export function streamsAdded(roomID: string, streams: readonly StreamInfo[]): AppEvent {
  return { name: 'roomStreamUpdate', args: [roomID, 'ADD', streams.map(zegoStream), ''] };
}

/** DELETE with ZEGO's `stream_delete_reason` list; `why` 0 when the reason is not known. */
export function streamsDeleted(
  roomID: string,
  streams: readonly StreamInfo[],
  why: number = StreamDeleteReason.UNKNOWN,
): AppEvent {
  const reasons = streams.map((s) => ({
    stream_id: s.streamID,
    code: why,
    description: streamDeleteDescription(why),
  }));
  const ext = JSON.stringify({ stream_delete_reason: reasons });
  return { name: 'roomStreamUpdate', args: [roomID, 'DELETE', streams.map(zegoStream), ext] };
}

/** A command's content as the sender gave it: text, an object (sent as JSON), or bytes (base64). */
function commandEvent(roomID: string, event: Extract<RoomEvent, { k: 'cmd' }>): AppEvent | null {
  if (event.enc === 'bin') {
    const content = fromBase64(event.msg);
    if (content === null) return null;
    return { name: 'recvRoomTransparentMessage', args: [roomID, { sendUser: event.from, content }] };
  }
  if (event.enc === 'json') {
    // ZEGO hands an object command to receivers as the object, though its type says string.
    let command: unknown;
    try {
      command = JSON.parse(event.msg);
    } catch {
      return null;
    }
    return { name: 'IMRecvCustomCommand', args: [roomID, event.from, command as string] };
  }
  return { name: 'IMRecvCustomCommand', args: [roomID, event.from, event.msg] };
}

/** Apply one room event to the view; returns what to tell the app, or null for nothing. */
export function applyRoomEvent(view: RoomView, roomID: string, event: RoomEvent): AppEvent | null {
  switch (event.k) {
    case 'join':
      if (view.users === null) return null;
      view.users.set(event.user.userID, event.user);
      return { name: 'roomUserUpdate', args: [roomID, 'ADD', [event.user]] };
    case 'leave':
      if (view.users === null) return null;
      view.users.delete(event.user.userID);
      return { name: 'roomUserUpdate', args: [roomID, 'DELETE', [event.user]] };
    case 'pub':
      view.streams.set(event.stream.streamID, event.stream);
      return streamsAdded(roomID, [event.stream]);
    case 'unpub':
      view.streams.delete(event.stream.streamID);
      return streamsDeleted(roomID, [event.stream], event.why);
    case 'sextra':
      view.streams.set(event.stream.streamID, event.stream);
      return { name: 'streamExtraInfoUpdate', args: [roomID, [event.stream]] };
    case 'extra':
      view.extra.set(event.info.key, event.info);
      return { name: 'roomExtraInfoUpdate', args: [roomID, [event.info]] };
    case 'bcast':
      return {
        name: 'IMRecvBroadcastMessage',
        args: [roomID, [{ ...event.msg, messageID: Number(event.msg.messageID) }]],
      };
    case 'cmd':
      return commandEvent(roomID, event);
  }
}
