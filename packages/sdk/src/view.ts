// What the app has been told about one room: the other users (when it asked for them), their
// streams, the room's extra info and the online count. Room events update it as they are
// delivered, so a fresh snapshot can later be diffed against it (snapshot.ts).

import type { RoomEvent, RoomExtraInfo, RoomSnapshot, StreamInfo, ZegoUser } from '@atrium/protocol';
import type { RoomEventName, RoomEvents } from './events.js';

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
      return { name: 'roomStreamUpdate', args: [roomID, 'ADD', [event.stream], ''] };
    case 'unpub':
      view.streams.delete(event.stream.streamID);
      return { name: 'roomStreamUpdate', args: [roomID, 'DELETE', [event.stream], ''] };
    case 'sextra':
      view.streams.set(event.stream.streamID, event.stream);
      return { name: 'streamExtraInfoUpdate', args: [roomID, [event.stream]] };
    case 'extra':
      view.extra.set(event.info.key, event.info);
      return { name: 'roomExtraInfoUpdate', args: [roomID, [event.info]] };
    case 'bcast':
      return { name: 'IMRecvBroadcastMessage', args: [roomID, [event.msg]] };
    case 'cmd':
      return { name: 'IMRecvCustomCommand', args: [roomID, event.from, event.msg] };
  }
}
