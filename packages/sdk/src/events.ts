// The one interface of the engine's events (signatures as in the ZEGO Express Web SDK) and a small
// typed emitter. Unknown event names are refused with `false`, never a throw, so pages written for
// the full ZEGO SDK (media events and all) still run their room parts.

import type {
  BroadcastMessageInfo,
  LegacyRoomState,
  RoomExtraInfo,
  RoomStateChangedReason,
  StreamInfo,
  ZegoUser,
} from '@atrium/protocol';
import type { Logger } from './log.js';
import type { PublisherState, RecvTransparentMessage } from './types.js';

// The payloads are typed as plainly as the contract types them; the SDK delivers ZEGO's richer
// shapes (ZegoStreamList with its URL fields, numeric broadcast and string barrage IDs). Method
// syntax on purpose: TypeScript compares a method's parameters both ways, so an app's callback
// typed with ZEGO's names (ZegoStreamList[], ZegoBarrageMessageInfo[]) is accepted by `on`.
export interface RoomEvents {
  /** A room's state changed: `reason` is the new state, `errorCode` why (0 for none), `extendedData` JSON or ''. */
  roomStateChanged(
    roomID: string,
    reason: RoomStateChangedReason,
    errorCode: number,
    extendedData: string,
  ): void;
  /** The same change in the legacy three-state view (not emitted for LOGOUT_FAILED). */
  roomStateUpdate(roomID: string, state: LegacyRoomState, errorCode: number, extendedData: string): void;
  /** Other users joined or left; only for rooms logged in with `userUpdate: true`. Never the user itself. */
  roomUserUpdate(roomID: string, updateType: 'ADD' | 'DELETE', userList: ZegoUser[]): void;
  /** The room's member count: after login, then at most every 30 s while it changes. */
  roomOnlineUserCountUpdate(roomID: string, count: number): void;
  /**
   * Other users' streams were added or deleted. On DELETE, `extendedData` is
   * `{"stream_delete_reason":[{stream_id, code, description}]}`; otherwise ''.
   */
  roomStreamUpdate(
    roomID: string,
    updateType: 'ADD' | 'DELETE',
    streamList: StreamInfo[],
    extendedData: string,
  ): void;
  /** Another user changed the extra info of its stream. */
  streamExtraInfoUpdate(roomID: string, streamList: StreamInfo[]): void;
  /** Room extra info set by another user (also once after login when the room has any). */
  roomExtraInfoUpdate(roomID: string, roomExtraInfoList: RoomExtraInfo[]): void;
  /** Broadcast messages from other users, exactly once and in room order. */
  IMRecvBroadcastMessage(roomID: string, chatData: BroadcastMessageInfo[]): void;
  /** Barrage messages from other users: best effort, may be dropped under load. */
  IMRecvBarrageMessage(roomID: string, messageInfo: BroadcastMessageInfo[]): void;
  /** A custom command sent to this user (or to the whole room). */
  IMRecvCustomCommand(roomID: string, fromUser: ZegoUser, command: string): void;
  /** The token of this room expires in 30 s: call `renewToken`. */
  tokenWillExpire(roomID: string): void;
  /** A transparent (binary) message sent to this user or to the whole room. */
  recvRoomTransparentMessage(roomID: string, message: RecvTransparentMessage): void;
  /** The signalling outcome of `startPublishingStream` / `stopPublishingStream` for one of this user's streams. */
  publisherStateUpdate(result: PublisherState): void;
}

export type RoomEventName = keyof RoomEvents;

/** A callback for a name the SDK may not know: accepted by the type, refused at run time. */
export type AnyCallback = (...args: never[]) => unknown;

/**
 * A name that is not one of the room events (a ZEGO media event, say): accepted by the types so
 * ported pages compile, refused at run time. A known name never matches, so its callback stays typed.
 */
export type NotARoomEvent<E extends string> = E extends RoomEventName ? never : E;

/** Every room event the engine emits, in the order api.d.ts lists them. */
export const ROOM_EVENT_NAMES: readonly RoomEventName[] = [
  'roomStateChanged',
  'roomStateUpdate',
  'roomUserUpdate',
  'roomOnlineUserCountUpdate',
  'roomStreamUpdate',
  'streamExtraInfoUpdate',
  'roomExtraInfoUpdate',
  'IMRecvBroadcastMessage',
  'IMRecvBarrageMessage',
  'IMRecvCustomCommand',
  'tokenWillExpire',
  'recvRoomTransparentMessage',
  'publisherStateUpdate',
];

const EVENT_NAMES: ReadonlySet<string> = new Set<string>(ROOM_EVENT_NAMES);

export function isRoomEventName(name: unknown): name is RoomEventName {
  return typeof name === 'string' && EVENT_NAMES.has(name);
}

export class RoomEmitter {
  private readonly callbacks = new Map<RoomEventName, AnyCallback[]>();

  constructor(private readonly log: Logger) {}

  on(event: string, callback: unknown): boolean {
    if (!isRoomEventName(event) || typeof callback !== 'function') {
      this.log.debug(`on(${String(event)}): not a room event of this SDK, ignored`);
      return false;
    }
    const list = this.callbacks.get(event) ?? [];
    // Registered again: kept once, as ZEGO does, so it is not called twice.
    if (!list.includes(callback as AnyCallback)) list.push(callback as AnyCallback);
    this.callbacks.set(event, list);
    return true;
  }

  /** Without a callback, every callback of the event goes; with one, that one (true even if it was not there, as ZEGO). */
  off(event: string, callback?: unknown): boolean {
    if (!isRoomEventName(event)) return false;
    if (callback === undefined) {
      this.callbacks.delete(event);
      return true;
    }
    const list = this.callbacks.get(event);
    const at = list?.indexOf(callback as AnyCallback) ?? -1;
    if (list !== undefined && at >= 0) list.splice(at, 1);
    return true;
  }

  emit<K extends RoomEventName>(event: K, ...args: Parameters<RoomEvents[K]>): void {
    const list = this.callbacks.get(event);
    if (list === undefined) return;
    // A copy: callbacks added or removed while emitting take effect from the next emit.
    for (const callback of [...list]) {
      try {
        (callback as (...a: Parameters<RoomEvents[K]>) => unknown)(...args);
      } catch (err) {
        this.log.error(`a ${event} callback threw; the SDK carries on`, err);
      }
    }
  }
}
