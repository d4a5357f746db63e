// The room as one member sees it at a `seq`: at login, and on a resume whose history no longer
// reaches back.

import type { RoomSnapshot } from '@atrium/protocol';
import type { RoomState } from '../backend/types.js';

/** `users` (the other members) only for a member that asked for user updates. */
export function snapshotFor(selfUserID: string, userUpdate: boolean, state: RoomState): RoomSnapshot {
  const snapshot: RoomSnapshot = {
    seq: state.seq,
    streams: state.streams,
    extra: state.extra,
    count: state.count,
  };
  if (userUpdate) {
    snapshot.users = (state.members ?? [])
      .filter((m) => m.user.userID !== selfUserID)
      .map((m) => ({ userID: m.user.userID, userName: m.user.userName }));
  }
  return snapshot;
}
