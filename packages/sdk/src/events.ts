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

export interface RoomEvents {
  roomStateChanged: (
    roomID: string,
    reason: RoomStateChangedReason,
    errorCode: number,
    extendedData: string,
  ) => void;
  roomStateUpdate: (roomID: string, state: LegacyRoomState, errorCode: number, extendedData: string) => void;
  roomUserUpdate: (roomID: string, updateType: 'ADD' | 'DELETE', userList: ZegoUser[]) => void;
  roomOnlineUserCountUpdate: (roomID: string, count: number) => void;
  roomStreamUpdate: (
    roomID: string,
    updateType: 'ADD' | 'DELETE',
    streamList: StreamInfo[],
    extendedData: string,
  ) => void;
  streamExtraInfoUpdate: (roomID: string, streamList: StreamInfo[]) => void;
  roomExtraInfoUpdate: (roomID: string, roomExtraInfoList: RoomExtraInfo[]) => void;
  IMRecvBroadcastMessage: (roomID: string, chatData: BroadcastMessageInfo[]) => void;
  IMRecvBarrageMessage: (roomID: string, messageInfo: BroadcastMessageInfo[]) => void;
  IMRecvCustomCommand: (roomID: string, fromUser: ZegoUser, command: string) => void;
  tokenWillExpire: (roomID: string) => void;
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
    list.push(callback as AnyCallback);
    this.callbacks.set(event, list);
    return true;
  }

  /** Without a callback, every callback of the event goes; with one, its last registration. */
  off(event: string, callback?: unknown): boolean {
    if (!isRoomEventName(event)) return false;
    const list = this.callbacks.get(event);
    if (callback === undefined) {
      this.callbacks.delete(event);
      return true;
    }
    const at = list?.lastIndexOf(callback as AnyCallback) ?? -1;
    if (list === undefined || at < 0) return false;
    list.splice(at, 1);
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
