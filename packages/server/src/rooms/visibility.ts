// Who receives a room event (docs/protocol.md, "Room events"). The fan-out routes by
// `audienceOf`; `isVisibleTo` is the same rule for one recipient (buffered and replayed events).

import type { RoomEvent } from '@atrium/protocol';

export type Audience =
  /** Members that asked for user updates, except `exceptUserID`. */
  | { kind: 'user-watchers'; exceptUserID: string }
  /** Every member except `exceptUserID`. */
  | { kind: 'members'; exceptUserID: string }
  /** The listed users only. */
  | { kind: 'listed'; userIDs: readonly string[] };

export function audienceOf(event: RoomEvent): Audience {
  switch (event.k) {
    case 'join':
    case 'leave':
      return { kind: 'user-watchers', exceptUserID: event.user.userID };
    case 'pub':
    case 'unpub':
    case 'sextra':
      return { kind: 'members', exceptUserID: event.stream.user.userID };
    case 'extra':
      return { kind: 'members', exceptUserID: event.info.updateUser.userID };
    case 'bcast':
      return { kind: 'members', exceptUserID: event.msg.fromUser.userID };
    case 'cmd':
      // No list: the whole room but the sender.
      return event.to.length === 0
        ? { kind: 'members', exceptUserID: event.from.userID }
        : { kind: 'listed', userIDs: event.to };
  }
}

export interface Recipient {
  userID: string;
  userUpdate: boolean;
}

export function isVisibleTo(event: RoomEvent, recipient: Recipient): boolean {
  const audience = audienceOf(event);
  switch (audience.kind) {
    case 'user-watchers':
      return recipient.userUpdate && recipient.userID !== audience.exceptUserID;
    case 'members':
      return recipient.userID !== audience.exceptUserID;
    case 'listed':
      return audience.userIDs.includes(recipient.userID);
  }
}
