// Room messages and room extra info, ZEGO's way: every input checked before any traffic with
// ZEGO's codes, success resolved as `{ errorCode: 0, … }`, every failure a rejected `ServerError`
// (`{ errorCode, extendedData }`). Reliable sends wait out a reconnect; barrage fails fast.

import {
  type ClientRequest,
  Code,
  type CommandEncoding,
  checkCommand,
  checkMessage,
  checkRoomExtraInfo,
  checkUserIDList,
  type ErrorCode,
  Limits,
  REQUEST_KINDS,
  type ZegoUser,
} from '@atrium/protocol';
import { toBase64 } from './base64.js';
import { ServerError } from './errors.js';
import type { Reply } from './requests.js';
import type { Session } from './session.js';
import type { MessageResponse, ServerResponse, TransparentMessage } from './types.js';

/** The reply as the call resolves with it, or the rejection ZEGO's call would give. */
function settle(reply: Reply): ServerResponse {
  if (reply.code !== Code.OK) throw new ServerError(reply.code, reply.ext);
  return { errorCode: Code.OK, extendedData: '' };
}

/** The server's ID of a sent message, when its reply names one. */
function messageIDOf(reply: Reply): number | string | undefined {
  const id = (reply.data as { messageID?: unknown } | undefined)?.messageID;
  return typeof id === 'number' || typeof id === 'string' ? id : undefined;
}

/** The SDK lets ZEGO's client limits through; the server's own (configurable) limits decide. */
const CLIENT_EXTRA_LIMITS = {
  keyMaxBytes: Limits.clientExtraKeyMaxBytes,
  valueMaxBytes: Limits.clientExtraValueMaxBytes,
};

/** A transparent message's `timeOut` (seconds), as ZEGO reads it; 10 s when absent. */
const TRANSPARENT_TIMEOUT_S = 10;

export class Messaging {
  constructor(private readonly session: Session) {}

  /** Reliable, in order, exactly once to every other member. Resolves `{ errorCode: 0, messageID }` (a number). */
  async broadcast(roomID: string, message: string): Promise<MessageResponse> {
    const code =
      typeof roomID !== 'string'
        ? Code.INPUT_PARAM
        : checkMessage(message, Limits.clientMessageMaxBytes) || this.messageRoomCode(roomID);
    if (code !== 0) throw new ServerError(code);
    const reply = await this.session.request(
      roomID,
      (id) => ({ t: 'bcast', id, room: roomID, msg: message }),
      REQUEST_KINDS.bcast.delivery,
    );
    const id = messageIDOf(reply);
    return id === undefined ? settle(reply) : { ...settle(reply), messageID: Number(id) };
  }

  /** Best effort: while the room is away it fails at once with 1000002 instead of queueing. `messageID` is a string. */
  async barrage(roomID: string, message: string): Promise<MessageResponse> {
    const code =
      typeof roomID !== 'string'
        ? Code.NOT_LOGGED_IN
        : checkMessage(message, Limits.clientMessageMaxBytes) || this.messageRoomCode(roomID);
    if (code !== 0) throw new ServerError(code);
    const reply = await this.session.request(
      roomID,
      (id) => ({ t: 'barrage', id, room: roomID, msg: message }),
      REQUEST_KINDS.barrage.delivery,
    );
    const id = messageIDOf(reply);
    return id === undefined ? settle(reply) : { ...settle(reply), messageID: String(id) };
  }

  /**
   * Reliable, to the listed users; an empty list reaches every other member. An object command
   * travels as JSON and reaches the receivers as the object, as with ZEGO.
   */
  async customCommand(
    roomID: string,
    command: string | object,
    toUserIDList: string[],
  ): Promise<ServerResponse> {
    const isObject = typeof command === 'object' && command !== null;
    const text = isObject ? JSON.stringify(command) : command;
    const code =
      typeof roomID !== 'string'
        ? Code.MESSAGE_NOT_IN_ROOM
        : checkUserIDList(toUserIDList) ||
          (isObject || typeof text === 'string'
            ? checkCommand(text, Limits.clientMessageMaxBytes)
            : Code.MESSAGE_EMPTY) ||
          this.messageRoomCode(roomID);
    if (code !== 0) throw new ServerError(code);
    return this.command(roomID, text as string, [...toUserIDList], isObject ? 'json' : undefined);
  }

  /**
   * ZEGO 3.12's transparent message: bytes to the listed users, or (empty list) every other
   * member; reliable like a broadcast. `sendMode` OnlyServer (1) is refused: Atrium has no
   * business-server receiver for these. Fails with 1009010 when no answer comes within `timeOut` s.
   */
  async transparent(roomID: string, message: TransparentMessage): Promise<ServerResponse> {
    const code =
      typeof roomID !== 'string'
        ? Code.MESSAGE_NOT_IN_ROOM
        : transparentCode(message) || this.messageRoomCode(roomID);
    if (code !== 0) throw new ServerError(code, transparentDetail(message));
    const to = (message.recvUserList ?? []).map((u) => u.userID);
    const sent = this.command(roomID, toBase64(message.content), to, 'bin');
    const timeoutMs = (message.timeOut ?? TRANSPARENT_TIMEOUT_S) * 1000;
    const { timers } = this.session.options;
    let timer: unknown;
    const late = new Promise<never>((_, reject) => {
      timer = timers.setTimeout(() => reject(new ServerError(Code.MESSAGE_SEND_FAILED)), timeoutMs);
    });
    try {
      return await Promise.race([sent, late]);
    } finally {
      timers.clearTimeout(timer);
    }
  }

  /** Room-lifetime key/value, newest wins. */
  async roomExtraInfo(roomID: string, key: string, value: string): Promise<ServerResponse> {
    const code =
      typeof roomID !== 'string' || roomID === ''
        ? Code.ROOM_NOT_LOGGED_IN
        : checkRoomExtraInfo(key, value, CLIENT_EXTRA_LIMITS) ||
          this.roomCode(roomID, Code.ROOM_NOT_LOGGED_IN);
    if (code !== 0) throw new ServerError(code);
    const reply = await this.session.request(
      roomID,
      (id) => ({ t: 'extra', id, room: roomID, key, value }),
      REQUEST_KINDS.extra.delivery,
    );
    const result = settle(reply);
    this.session.noteOwnExtraInfo(roomID, key, value);
    return result;
  }

  /** 1000002 while no room is logged in, 1009005 for a room that is not one of this engine's, as ZEGO. */
  private messageRoomCode(roomID: string): ErrorCode | 0 {
    return this.roomCode(roomID, Code.MESSAGE_NOT_IN_ROOM);
  }

  private roomCode(roomID: string, notThisRoom: ErrorCode): ErrorCode | 0 {
    if (this.session.activeRooms().length === 0) return Code.NOT_LOGGED_IN;
    return this.session.stateOf(roomID).phase === 'idle' ? notThisRoom : 0;
  }

  private async command(
    roomID: string,
    msg: string,
    to: string[],
    enc?: CommandEncoding,
  ): Promise<ServerResponse> {
    const build = (id: number): ClientRequest =>
      enc === undefined
        ? { t: 'cmd', id, room: roomID, msg, to }
        : { t: 'cmd', id, room: roomID, msg, to, enc };
    return settle(await this.session.request(roomID, build, REQUEST_KINDS.cmd.delivery));
  }
}

/** ZEGO's checks of a transparent message, in its order. */
function transparentCode(message: unknown): ErrorCode | 0 {
  if (typeof message !== 'object' || message === null) return Code.INPUT_PARAM;
  const m = message as Partial<TransparentMessage>;
  const mode = m.sendMode ?? 0;
  if (mode !== 0 && mode !== 2) return Code.INPUT_PARAM;
  if (![undefined, 0, 1].includes(m.sendType)) return Code.INPUT_PARAM;
  if (m.content === undefined || m.content === null) return Code.MESSAGE_EMPTY;
  if (!(m.content instanceof Uint8Array)) return Code.INPUT_PARAM;
  if (m.content.byteLength === 0) return Code.MESSAGE_EMPTY;
  if (m.content.byteLength > Limits.clientTransparentMaxBytes) return Code.COMMAND_TOO_LONG;
  const list = m.recvUserList ?? [];
  if (!Array.isArray(list) || !list.every((u) => typeof (u as ZegoUser | null)?.userID === 'string'))
    return Code.INPUT_PARAM;
  if (m.timeOut !== undefined && !(Number.isInteger(m.timeOut) && m.timeOut > 0)) return Code.INPUT_PARAM;
  return 0;
}

function transparentDetail(message: unknown): string | undefined {
  const mode = (message as Partial<TransparentMessage> | null)?.sendMode;
  return mode === 1
    ? 'sendMode OnlyServer: Atrium has no business-server receiver for transparent messages'
    : undefined;
}
