// Diff a fresh room snapshot against what the app was last told (docs/contract.md, "Reconnection":
// when resume is impossible): the app hears only what changed while it was away, never the room
// again.

import type { RoomExtraInfo, StreamInfo, ZegoUser } from '@atrium/protocol';
import { type AppEvent, type RoomView, streamsAdded, streamsDeleted } from './view.js';

export interface SnapshotDiff {
  readonly usersAdded: ZegoUser[];
  readonly usersDeleted: ZegoUser[];
  readonly streamsAdded: StreamInfo[];
  readonly streamsDeleted: StreamInfo[];
  /** Streams still there whose extra info changed. */
  readonly streamsChanged: StreamInfo[];
  /** Room extra info keys that changed or appeared; a key that vanished comes with value ''. */
  readonly extraChanged: RoomExtraInfo[];
  /** The new online count, or null when unchanged. */
  readonly count: number | null;
}

export function diffViews(told: RoomView, fresh: RoomView): SnapshotDiff {
  const usersAdded: ZegoUser[] = [];
  const usersDeleted: ZegoUser[] = [];
  // Users are compared only when both sides track them (the room was joined with userUpdate).
  if (told.users !== null && fresh.users !== null) {
    for (const [id, user] of fresh.users) if (!told.users.has(id)) usersAdded.push(user);
    for (const [id, user] of told.users) if (!fresh.users.has(id)) usersDeleted.push(user);
  }

  const streamsAdded: StreamInfo[] = [];
  const streamsDeleted: StreamInfo[] = [];
  const streamsChanged: StreamInfo[] = [];
  for (const [id, stream] of fresh.streams) {
    const before = told.streams.get(id);
    if (before === undefined) streamsAdded.push(stream);
    else if (before.user.userID !== stream.user.userID) {
      // The same ID now belongs to someone else: a different stream to the app.
      streamsDeleted.push(before);
      streamsAdded.push(stream);
    } else if (before.extraInfo !== stream.extraInfo) streamsChanged.push(stream);
  }
  for (const [id, stream] of told.streams) if (!fresh.streams.has(id)) streamsDeleted.push(stream);

  const extraChanged: RoomExtraInfo[] = [];
  for (const [key, info] of fresh.extra) {
    const before = told.extra.get(key);
    if (
      before === undefined ||
      before.value !== info.value ||
      before.updateUser.userID !== info.updateUser.userID
    ) {
      extraChanged.push(info);
    }
  }
  // ZEGO has no "delete key" event; an emptied value is the closest the app can be told.
  for (const [key, info] of told.extra) if (!fresh.extra.has(key)) extraChanged.push({ ...info, value: '' });

  return {
    usersAdded,
    usersDeleted,
    streamsAdded,
    streamsDeleted,
    streamsChanged,
    extraChanged,
    count: fresh.count !== null && fresh.count !== told.count ? fresh.count : null,
  };
}

/** The events that tell the app a diff: removals before additions, the count last. */
export function diffEvents(roomID: string, diff: SnapshotDiff): AppEvent[] {
  const events: AppEvent[] = [];
  if (diff.usersDeleted.length > 0) {
    events.push({ name: 'roomUserUpdate', args: [roomID, 'DELETE', diff.usersDeleted] });
  }
  if (diff.usersAdded.length > 0)
    events.push({ name: 'roomUserUpdate', args: [roomID, 'ADD', diff.usersAdded] });
  if (diff.streamsDeleted.length > 0) events.push(streamsDeleted(roomID, diff.streamsDeleted));
  if (diff.streamsAdded.length > 0) events.push(streamsAdded(roomID, diff.streamsAdded));
  if (diff.streamsChanged.length > 0) {
    events.push({ name: 'streamExtraInfoUpdate', args: [roomID, diff.streamsChanged] });
  }
  if (diff.extraChanged.length > 0)
    events.push({ name: 'roomExtraInfoUpdate', args: [roomID, diff.extraChanged] });
  if (diff.count !== null) events.push({ name: 'roomOnlineUserCountUpdate', args: [roomID, diff.count] });
  return events;
}
