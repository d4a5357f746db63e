// The wire protocol (docs/protocol.md): JSON text frames, one WebSocket per engine carrying
// every room. These are the frames' shapes; codec.ts encodes and decodes them.

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
