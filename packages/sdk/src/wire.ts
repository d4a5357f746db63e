// Shape checks for what the server sends. The server is trusted to be right, not to be bug-free:
// a malformed frame is logged and skipped, never allowed to throw inside the SDK.

import type {
  BroadcastMessageInfo,
  LoginReplyData,
  RoomEvent,
  RoomEventFrame,
  RoomExtraInfo,
  RoomSnapshot,
  StreamInfo,
  ZegoUser,
} from '@atrium/protocol';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isList = <T>(v: unknown, item: (x: unknown) => x is T): v is T[] => Array.isArray(v) && v.every(item);

export function isUser(v: unknown): v is ZegoUser {
  return isObj(v) && isStr(v.userID) && (v.userName === undefined || isStr(v.userName));
}

export function isStream(v: unknown): v is StreamInfo {
  return isObj(v) && isStr(v.streamID) && isUser(v.user) && isStr(v.extraInfo);
}

export function isExtraInfo(v: unknown): v is RoomExtraInfo {
  return isObj(v) && isStr(v.key) && isStr(v.value) && isUser(v.updateUser) && isNum(v.updateTime);
}

export function isMessage(v: unknown): v is BroadcastMessageInfo {
  return (
    isObj(v) &&
    isUser(v.fromUser) &&
    isStr(v.message) &&
    isNum(v.sendTime) &&
    (isNum(v.messageID) || isStr(v.messageID))
  );
}

export function isSnapshot(v: unknown): v is RoomSnapshot {
  return (
    isObj(v) &&
    isNum(v.seq) &&
    (v.users === undefined || isList(v.users, isUser)) &&
    isList(v.streams, isStream) &&
    isList(v.extra, isExtraInfo) &&
    isNum(v.count)
  );
}

export function readLoginData(data: unknown): LoginReplyData | null {
  return isObj(data) && isStr(data.session) && isStr(data.key) && isSnapshot(data.snapshot)
    ? (data as unknown as LoginReplyData)
    : null;
}

/** `upTo`: the seq of the last replayed event (0: none); absent from servers that do not say. */
export type ResumedRoom = { replayed: true; upTo?: number } | { replayed: false; snapshot: RoomSnapshot };

/** Per room of a successful resume; rooms the reply leaves out or garbles are absent. */
export function readResumedRooms(data: unknown): Map<string, ResumedRoom> {
  const rooms = new Map<string, ResumedRoom>();
  if (!isObj(data) || !isObj(data.rooms)) return rooms;
  for (const [roomID, r] of Object.entries(data.rooms)) {
    if (!isObj(r)) continue;
    if (r.replayed === true) {
      const upTo = typeof r.upTo === 'number' && Number.isFinite(r.upTo) ? r.upTo : undefined;
      rooms.set(roomID, upTo === undefined ? { replayed: true } : { replayed: true, upTo });
    } else if (r.replayed === false && isSnapshot(r.snapshot))
      rooms.set(roomID, { replayed: false, snapshot: r.snapshot });
  }
  return rooms;
}

/** The event of an `ev` frame, or null when its fields do not fit its kind. */
export function readRoomEvent(frame: RoomEventFrame): RoomEvent | null {
  const f = frame as unknown as Obj;
  switch (f.k) {
    case 'join':
    case 'leave':
      return isUser(f.user) ? (frame as RoomEvent) : null;
    case 'pub':
    case 'unpub':
    case 'sextra':
      return isStream(f.stream) ? (frame as RoomEvent) : null;
    case 'extra':
      return isExtraInfo(f.info) ? (frame as RoomEvent) : null;
    case 'bcast':
      return isMessage(f.msg) ? (frame as RoomEvent) : null;
    case 'cmd':
      return isUser(f.from) && isStr(f.msg) && (f.enc === undefined || f.enc === 'json' || f.enc === 'bin')
        ? (frame as RoomEvent)
        : null;
    default:
      return null;
  }
}
