// The wire protocol (docs/protocol.md): JSON text frames, one WebSocket per engine carrying
// every room. Encode and decode live here alone so a binary codec can replace them.
//
// Decoders never throw: bad input is data, `{ ok: false, code }`, answered with its code.

import { Code, type ErrorCode } from './codes.js';
import { Limits } from './limits.js';

// ------------------------------------------------------------------ shared shapes

export interface ZegoUser {
  userID: string;
  userName?: string;
}

export interface StreamInfo {
  streamID: string;
  user: ZegoUser;
  extraInfo: string;
}

export interface RoomExtraInfo {
  key: string;
  value: string;
  updateUser: ZegoUser;
  updateTime: number;
}

export interface BroadcastMessageInfo {
  fromUser: ZegoUser;
  message: string;
  sendTime: number;
  messageID: number | string;
}

// ------------------------------------------------------------------ client → server

/** Every request carries `id`, a client-made positive integer echoed by its reply. */
export interface LoginFrame {
  t: 'login';
  id: number;
  appID: number;
  room: string;
  token: string;
  user: ZegoUser;
  /** Deliver user joins and leaves (`roomUserUpdate`) to this member. */
  userUpdate?: boolean;
  /** Set by the room's creator: 0 or absent = unlimited. */
  maxMemberCount?: number;
  /** Multi-room mode: this login adds a room instead of refusing with 1002001. */
  multi?: boolean;
}

export interface LogoutFrame {
  t: 'logout';
  id: number;
  /** Absent: every room of the session. */
  room?: string;
}

export interface SwitchFrame {
  t: 'switch';
  id: number;
  from: string;
  room: string;
  token: string;
  userUpdate?: boolean;
  maxMemberCount?: number;
}

export interface RenewFrame {
  t: 'renew';
  id: number;
  token: string;
  /** Absent: every room of the session. */
  room?: string;
}

export interface BroadcastFrame {
  t: 'bcast';
  id: number;
  room: string;
  msg: string;
}

export interface BarrageFrame {
  t: 'barrage';
  id: number;
  room: string;
  msg: string;
}

/**
 * How a command's `msg` is to be read: absent, text (`sendCustomCommand` with a string); `json`,
 * an object command as JSON (the receiver gets the object back); `bin`, base64 of a transparent
 * message's bytes (`sendTransparentMessage`).
 */
export type CommandEncoding = 'json' | 'bin';

/** A custom command or a transparent message; an empty `to` means every other member. */
export interface CommandFrame {
  t: 'cmd';
  id: number;
  room: string;
  msg: string;
  to: string[];
  enc?: CommandEncoding;
}

export interface RoomExtraFrame {
  t: 'extra';
  id: number;
  room: string;
  key: string;
  value: string;
}

export interface PublishFrame {
  t: 'pub';
  id: number;
  room: string;
  stream: string;
  extra?: string;
}

export interface UnpublishFrame {
  t: 'unpub';
  id: number;
  room: string;
  stream: string;
}

export interface StreamExtraFrame {
  t: 'sextra';
  id: number;
  room: string;
  stream: string;
  extra: string;
}

/** Resume a session after a cut: `rooms` maps each room to the last `seq` processed. */
export interface ResumeFrame {
  t: 'resume';
  id: number;
  session: string;
  key: string;
  rooms: Record<string, number>;
}

/** Application heartbeat; the server answers `pong`. Browsers cannot see WebSocket pings. */
export interface PingFrame {
  t: 'ping';
}

export type ClientFrame =
  | LoginFrame
  | LogoutFrame
  | SwitchFrame
  | RenewFrame
  | BroadcastFrame
  | BarrageFrame
  | CommandFrame
  | RoomExtraFrame
  | PublishFrame
  | UnpublishFrame
  | StreamExtraFrame
  | ResumeFrame
  | PingFrame;

export type ClientRequest = Exclude<ClientFrame, PingFrame>;
export type ClientFrameType = ClientFrame['t'];

// ------------------------------------------------------------------ server → client

/** The room as a member first sees it; `seq` is the room's sequence at that moment. */
export interface RoomSnapshot {
  seq: number;
  /** Other members, present only for a member that asked for `userUpdate`. */
  users?: ZegoUser[];
  streams: StreamInfo[];
  extra: RoomExtraInfo[];
  count: number;
}

/** `data` of a successful `login` or `switch` reply. */
export interface LoginReplyData {
  session: string;
  /** The resume credential: sent back with `resume`, never the token again. */
  key: string;
  /** The heartbeat interval the link must keep. */
  hb: number;
  /** Token expiry, unix seconds, as the server read it. */
  expire: number;
  snapshot: RoomSnapshot;
}

/**
 * One room of a successful `resume`: its missed events follow the reply (`replayed: true`), or the
 * history no longer reaches back and a fresh snapshot stands in for them, or the session was
 * kicked from the room while away (a `kick` frame for it precedes the reply).
 */
export type ResumedRoom =
  /**
   * `upTo`: the seq of the last event the replay sends (0: it sends none). The client has all it
   * missed once it has processed that one: no round trip needed to know the replay is in.
   */
  | { replayed: true; upTo?: number }
  | { replayed: false; snapshot: RoomSnapshot }
  | { kicked: number; ext: string };

/** `data` of a successful `resume` reply: rooms it leaves out are not the session's any more. */
export interface ResumeReplyData {
  hb: number;
  rooms: Record<string, ResumedRoom>;
}

export interface MessageReplyData {
  messageID: number;
}

export interface HelloFrame {
  t: 'hello';
  v: number;
  /** Heartbeat interval in ms: a link silent for twice this is dead. */
  hb: number;
}

export interface PongFrame {
  t: 'pong';
}

export interface ReplyFrame {
  t: 'reply';
  id: number;
  code: number;
  msg?: string;
  /** Extra detail for a failure, e.g. which token check failed. */
  ext?: string;
  data?: unknown;
}

/** Room events that carry the room's sequence number and are replayed on resume. */
export type RoomEvent =
  | { k: 'join'; user: ZegoUser }
  | { k: 'leave'; user: ZegoUser }
  | { k: 'pub'; stream: StreamInfo }
  /** `why`: a `StreamDeleteReason` code (absent from servers that predate it: unknown). */
  | { k: 'unpub'; stream: StreamInfo; why?: number }
  | { k: 'sextra'; stream: StreamInfo }
  | { k: 'extra'; info: RoomExtraInfo }
  | { k: 'bcast'; msg: BroadcastMessageInfo }
  | { k: 'cmd'; from: ZegoUser; msg: string; to: string[]; enc?: CommandEncoding };

export type RoomEventFrame = { t: 'ev'; room: string; seq: number } & RoomEvent;

export interface CountFrame {
  t: 'count';
  room: string;
  n: number;
}

/** Best-effort barrage: no sequence, never replayed. */
export interface BarrageEventFrame {
  t: 'barrage';
  room: string;
  msg: BroadcastMessageInfo;
}

/** The session was removed from the room by the server. */
export interface KickFrame {
  t: 'kick';
  room: string;
  code: number;
  ext: string;
}

/** The room's token expires in 30 s (`tokenWillExpire`). */
export interface ExpiringFrame {
  t: 'expiring';
  room: string;
}

/** A frame that could not be answered by a reply (it had no usable `id`). */
export interface ErrorFrame {
  t: 'error';
  code: number;
  msg: string;
}

/** The server is closing this link: reconnect (after `retryMs` if given), resuming. */
export interface ByeFrame {
  t: 'bye';
  code: number;
  retryMs?: number;
}

export type ServerFrame =
  | HelloFrame
  | PongFrame
  | ReplyFrame
  | RoomEventFrame
  | CountFrame
  | BarrageEventFrame
  | KickFrame
  | ExpiringFrame
  | ErrorFrame
  | ByeFrame;

// ------------------------------------------------------------------ encode / decode

export type Decoded<T> = { ok: true; frame: T } | { ok: false; code: ErrorCode; msg: string; id?: number };

export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame);
}

type FieldType = 'str' | 'num' | 'int' | 'bool' | 'strs' | 'user' | 'seqs';
type Shape = Record<string, FieldType | `${FieldType}?`>;

// Field types of each client frame; domain rules (identifier syntax, sizes) are the room's.
const CLIENT_SHAPES: Record<ClientFrameType, Shape> = {
  login: {
    id: 'int',
    appID: 'num',
    room: 'str',
    token: 'str',
    user: 'user',
    userUpdate: 'bool?',
    maxMemberCount: 'int?',
    multi: 'bool?',
  },
  logout: { id: 'int', room: 'str?' },
  switch: { id: 'int', from: 'str', room: 'str', token: 'str', userUpdate: 'bool?', maxMemberCount: 'int?' },
  renew: { id: 'int', token: 'str', room: 'str?' },
  bcast: { id: 'int', room: 'str', msg: 'str' },
  barrage: { id: 'int', room: 'str', msg: 'str' },
  cmd: { id: 'int', room: 'str', msg: 'str', to: 'strs', enc: 'str?' },
  extra: { id: 'int', room: 'str', key: 'str', value: 'str' },
  pub: { id: 'int', room: 'str', stream: 'str', extra: 'str?' },
  unpub: { id: 'int', room: 'str', stream: 'str' },
  sextra: { id: 'int', room: 'str', stream: 'str', extra: 'str' },
  resume: { id: 'int', session: 'str', key: 'str', rooms: 'seqs' },
  ping: {},
};

function isUser(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const u = v as Record<string, unknown>;
  return typeof u.userID === 'string' && (u.userName === undefined || typeof u.userName === 'string');
}

function isSeqs(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const n of Object.values(v)) if (!Number.isSafeInteger(n) || (n as number) < 0) return false;
  return true;
}

function fits(type: FieldType, v: unknown): boolean {
  switch (type) {
    case 'str':
      return typeof v === 'string';
    case 'num':
      return typeof v === 'number' && Number.isFinite(v);
    case 'int':
      return Number.isSafeInteger(v) && (v as number) >= 0;
    case 'bool':
      return typeof v === 'boolean';
    case 'strs':
      return Array.isArray(v) && v.every((s) => typeof s === 'string');
    case 'user':
      return isUser(v);
    case 'seqs':
      return isSeqs(v);
  }
}

function fail(msg: string, id?: number): Decoded<never> {
  return id === undefined
    ? { ok: false, code: Code.INPUT_PARAM, msg }
    : { ok: false, code: Code.INPUT_PARAM, msg, id };
}

/** Parse and shape-check one frame from a client. Never throws. */
export function decodeClientFrame(data: string | Uint8Array): Decoded<ClientFrame> {
  const size = typeof data === 'string' ? data.length : data.byteLength;
  if (size > Limits.frameMaxBytes) return fail(`frame larger than ${Limits.frameMaxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
  } catch {
    return fail('frame is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('frame is not an object');
  const obj = value as Record<string, unknown>;
  const id = Number.isSafeInteger(obj.id) && (obj.id as number) >= 0 ? (obj.id as number) : undefined;
  const shape = typeof obj.t === 'string' ? CLIENT_SHAPES[obj.t as ClientFrameType] : undefined;
  if (shape === undefined || !Object.hasOwn(CLIENT_SHAPES, obj.t as string)) {
    return fail(`unknown frame type ${JSON.stringify(obj.t)}`, id);
  }
  for (const [field, spec] of Object.entries(shape)) {
    const optional = spec.endsWith('?');
    const type = (optional ? spec.slice(0, -1) : spec) as FieldType;
    const v = obj[field];
    if (v === undefined || v === null) {
      if (optional) continue;
      return fail(`${obj.t}: missing ${field}`, id);
    }
    if (!fits(type, v)) return fail(`${obj.t}: bad ${field}`, id);
  }
  return { ok: true, frame: obj as unknown as ClientFrame };
}

const SERVER_TYPES: ReadonlySet<string> = new Set([
  'hello',
  'pong',
  'reply',
  'ev',
  'count',
  'barrage',
  'kick',
  'expiring',
  'error',
  'bye',
]);

/** Parse one frame from the server. Never throws; the SDK ignores what it cannot read. */
export function decodeServerFrame(data: string): Decoded<ServerFrame> {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return fail('frame is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('frame is not an object');
  const t = (value as { t?: unknown }).t;
  if (typeof t !== 'string' || !SERVER_TYPES.has(t)) return fail(`unknown frame type ${JSON.stringify(t)}`);
  return { ok: true, frame: value as ServerFrame };
}
