// RoomEngine: the public facade of SPEC §4. Every method checks its input with @atrium/protocol's
// rules before any traffic (SPEC §2) and shapes the result the way the ZEGO Express Web SDK does;
// the rooms, the link and their state live in the session (session.ts).

import {
  Code,
  checkAppID,
  checkMessage,
  checkRoomExtraInfo,
  checkRoomID,
  checkStreamExtraInfo,
  checkStreamID,
  checkUser,
  checkUserIDList,
  type ZegoUser,
} from '@atrium/protocol';
import { RoomError } from './errors.js';
import {
  type AnyCallback,
  type NotARoomEvent,
  RoomEmitter,
  type RoomEventName,
  type RoomEvents,
} from './events.js';
import type { NetworkMode } from './link.js';
import { isLogLevel, Logger, type LogLevel } from './log.js';
import { type EngineOptions, resolveOptions, serverUrls } from './options.js';
import type { Reply } from './requests.js';
import { Session } from './session.js';
import type {
  MessageResponse,
  PublishOptions,
  RoomConfig,
  RoomStateChangedReason,
  ServerResponse,
  SwitchRoomConfig,
} from './types.js';
import { SDK_VERSION } from './version.js';

function checkToken(token: unknown): number {
  // An unreadable token is what the server would refuse with 1002033; no need to ask it.
  return typeof token === 'string' && token !== '' ? 0 : Code.TOKEN_WRONG;
}

function checkMaxMemberCount(n: unknown): number {
  return n === undefined || (Number.isSafeInteger(n) && (n as number) >= 0) ? 0 : Code.INPUT_PARAM;
}

function response(reply: Reply): ServerResponse {
  return reply.ext === undefined
    ? { errorCode: reply.code }
    : { errorCode: reply.code, extendedData: reply.ext };
}

function messageResponse(reply: Reply): MessageResponse {
  const res: MessageResponse = response(reply);
  const data = reply.data as { messageID?: unknown } | undefined;
  const id = data?.messageID;
  if (reply.code === Code.OK && (typeof id === 'number' || typeof id === 'string')) res.messageID = id;
  return res;
}

export class RoomEngine {
  private readonly log: Logger;
  private readonly emitter: RoomEmitter;
  private readonly session: Session;
  private readonly appID: number;
  private loginCalled = false;

  /**
   * Not part of the ZEGO API: fault injection for demos and manual tests.
   * `simulateNetwork('down' | 'silent' | 'up')` acts on this engine's link only.
   */
  readonly debug: { simulateNetwork(mode: NetworkMode): void };

  constructor(appID: number, server: string | string[], options?: EngineOptions) {
    const o = resolveOptions(options);
    this.appID = appID;
    this.log = new Logger(o.logLevel, o.logSink);
    this.emitter = new RoomEmitter(this.log);
    this.session = new Session({
      appID,
      urls: serverUrls(server),
      webSocket: o.webSocket,
      loginTimeoutMs: o.loginTimeoutMs,
      reconnectWindowMs: o.reconnectWindowMs,
      connectTimeoutMs: o.connectTimeoutMs,
      closeGraceMs: o.closeGraceMs,
      retryPolicy: o.retryPolicy,
      timers: o.timers,
      now: o.now,
      random: o.random,
      onlineEvents: o.onlineEvents,
      log: this.log,
      emitter: this.emitter,
    });
    const link = this.session.link;
    this.debug = {
      simulateNetwork: (mode) => {
        if (mode === 'up' || mode === 'down' || mode === 'silent') link.simulateNetwork(mode);
      },
    };
  }

  /** Before the first login only; later calls change nothing and return false. */
  enableMultiRoom(enable: boolean): boolean {
    if (this.loginCalled) return false;
    this.session.multiRoom = enable === true;
    return true;
  }

  loginRoom(roomID: string, token: string, user: ZegoUser, config?: RoomConfig): Promise<boolean> {
    this.loginCalled = true;
    const { session } = this;
    const roomCode = checkRoomID(roomID);
    const code =
      roomCode ||
      checkUser(user) ||
      checkToken(token) ||
      checkAppID(this.appID) ||
      checkMaxMemberCount(config?.maxMemberCount);
    if (code !== 0) return session.logins.refuse(roomID, code, roomCode === 0);
    // Already in (or logging in to) this room: the room's state is valid and must stay so
    // (SPEC §5 invariant 1), so the call is refused without a LOGIN_FAILED for the room.
    if (session.stateOf(roomID).phase !== 'idle')
      return Promise.reject(new RoomError(Code.ALREADY_IN_THIS_ROOM));
    const others = session.activeRooms();
    if (others.length > 0 && !session.multiRoom)
      return session.logins.refuse(roomID, Code.ALREADY_IN_ROOM, true);
    if (others.length > 0 && session.user !== undefined && session.user.userID !== user.userID) {
      return session.logins.refuse(roomID, Code.MULTI_ROOM_USER_MISMATCH, true);
    }
    const self: ZegoUser =
      user.userName === undefined
        ? { userID: user.userID }
        : { userID: user.userID, userName: user.userName };
    return session.logins.start(roomID, {
      token,
      user: self,
      userUpdate: config?.userUpdate === true,
      maxMemberCount: config?.maxMemberCount,
    });
  }

  switchRoom(fromRoomID: string, toRoomID: string, config: SwitchRoomConfig): Promise<boolean> {
    this.loginCalled = true;
    const { session } = this;
    const token = config?.token;
    const toCode = checkRoomID(toRoomID);
    const code = toCode || checkToken(token) || checkMaxMemberCount(config?.maxMemberCount);
    if (code !== 0) return session.logins.refuse(toRoomID, code, toCode === 0);
    if (fromRoomID === toRoomID || session.stateOf(toRoomID).phase !== 'idle') {
      return Promise.reject(new RoomError(Code.ALREADY_IN_THIS_ROOM));
    }
    const from = session.rooms.get(fromRoomID);
    const user = session.user;
    if (from === undefined || from.state.phase === 'idle' || user === undefined) {
      return session.logins.refuse(toRoomID, Code.ROOM_NOT_LOGGED_IN, true);
    }
    const params = {
      token,
      user,
      userUpdate: config.isUserStatusNotify === true,
      maxMemberCount: config.maxMemberCount,
    };
    if (from.state.phase === 'logined') return session.logins.switchRoom(from, toRoomID, params);
    // The old room is not in (still logging in, or away): leave it, then log in on its own.
    void session.logout(fromRoomID);
    return session.logins.start(toRoomID, params);
  }

  /**
   * No roomID: every room. In single-room mode a roomID not logged in resolves without an event
   * (ZEGO reports LOGOUT_FAILED only in multi-room mode).
   */
  logoutRoom(roomID?: string): Promise<void> {
    return this.session.logout(roomID);
  }

  renewToken(token: string, roomID?: string): boolean {
    if (checkToken(token) !== 0 || (roomID !== undefined && checkRoomID(roomID) !== 0)) return false;
    return this.session.renew(token, roomID);
  }

  async sendBroadcastMessage(roomID: string, message: string): Promise<MessageResponse> {
    const code = checkRoomID(roomID) || checkMessage(message);
    if (code !== 0) return { errorCode: code };
    const reply = await this.session.request(
      roomID,
      (id) => ({ t: 'bcast', id, room: roomID, msg: message }),
      'reliable',
    );
    return messageResponse(reply);
  }

  /** Best effort: while the room is away it fails at once with 1000002 instead of queueing. */
  async sendBarrageMessage(roomID: string, message: string): Promise<MessageResponse> {
    const code = checkRoomID(roomID) || checkMessage(message);
    if (code !== 0) return { errorCode: code };
    const reply = await this.session.request(
      roomID,
      (id) => ({ t: 'barrage', id, room: roomID, msg: message }),
      'once',
    );
    return messageResponse(reply);
  }

  async sendCustomCommand(roomID: string, command: string, toUserIDList: string[]): Promise<ServerResponse> {
    const code = checkRoomID(roomID) || checkMessage(command) || checkUserIDList(toUserIDList);
    if (code !== 0) return { errorCode: code };
    const to = [...toUserIDList];
    const reply = await this.session.request(
      roomID,
      (id) => ({ t: 'cmd', id, room: roomID, msg: command, to }),
      'reliable',
    );
    return response(reply);
  }

  async setRoomExtraInfo(roomID: string, key: string, value: string): Promise<ServerResponse> {
    const code = checkRoomID(roomID) || checkRoomExtraInfo(key, value);
    if (code !== 0) return { errorCode: code };
    const reply = await this.session.request(
      roomID,
      (id) => ({ t: 'extra', id, room: roomID, key, value }),
      'reliable',
    );
    if (reply.code === Code.OK) this.session.noteOwnExtraInfo(roomID, key, value);
    return response(reply);
  }

  /** Signaling only: registers the stream in the room. False on failure, with the code logged. */
  async startPublishingStream(streamID: string, options?: PublishOptions): Promise<boolean> {
    const roomID = options?.roomID ?? this.session.firstRoomIn();
    const extraInfo = options?.extraInfo;
    const code =
      checkStreamID(streamID) ||
      checkStreamExtraInfo(extraInfo) ||
      (roomID === undefined ? Code.NOT_LOGGED_IN : checkRoomID(roomID));
    if (code !== 0 || roomID === undefined)
      return this.publishFailed('startPublishingStream', streamID, code);
    const own = this.session.ownStreams;
    const known = own.get(streamID);
    if (known === undefined) own.set(streamID, { roomID, extraInfo: extraInfo ?? '', confirmed: false });
    const reply = await this.session.request(
      roomID,
      (id) =>
        extraInfo === undefined
          ? { t: 'pub', id, room: roomID, stream: streamID }
          : { t: 'pub', id, room: roomID, stream: streamID, extra: extraInfo },
      'reliable',
    );
    const mine = own.get(streamID);
    if (reply.code !== Code.OK) {
      if (mine !== undefined && !mine.confirmed) own.delete(streamID);
      return this.publishFailed('startPublishingStream', streamID, reply.code);
    }
    if (mine !== undefined) mine.confirmed = true;
    return true;
  }

  async stopPublishingStream(streamID: string): Promise<boolean> {
    const own = this.session.ownStreams;
    const stream = own.get(streamID);
    if (checkStreamID(streamID) !== 0 || stream === undefined) {
      return this.publishFailed('stopPublishingStream', streamID, Code.INPUT_PARAM);
    }
    // Gone from the app's point of view at once: a rebuilt session must not publish it again.
    own.delete(streamID);
    const room = stream.roomID;
    const reply = await this.session.request(
      room,
      (id) => ({ t: 'unpub', id, room, stream: streamID }),
      'reliable',
    );
    return reply.code === Code.OK || this.publishFailed('stopPublishingStream', streamID, reply.code);
  }

  async setStreamExtraInfo(streamID: string, extraInfo: string): Promise<ServerResponse> {
    const stream = this.session.ownStreams.get(streamID);
    const code =
      checkStreamID(streamID) ||
      (typeof extraInfo === 'string' ? checkStreamExtraInfo(extraInfo) : Code.INPUT_PARAM) ||
      (stream === undefined ? Code.INPUT_PARAM : 0);
    if (code !== 0 || stream === undefined) return { errorCode: code };
    const room = stream.roomID;
    const reply = await this.session.request(
      room,
      (id) => ({ t: 'sextra', id, room, stream: streamID, extra: extraInfo }),
      'reliable',
    );
    if (reply.code === Code.OK) stream.extraInfo = extraInfo;
    return response(reply);
  }

  /** Several callbacks per event, in registration order. Names the SDK does not know return false. */
  on<K extends RoomEventName>(event: K, callBack: RoomEvents[K]): boolean;
  on<E extends string>(event: NotARoomEvent<E>, callBack: AnyCallback): boolean;
  on(event: string, callBack: unknown): boolean {
    return this.emitter.on(event, callBack);
  }

  off<K extends RoomEventName>(event: K, callBack?: RoomEvents[K]): boolean;
  off<E extends string>(event: NotARoomEvent<E>, callBack?: AnyCallback): boolean;
  off(event: string, callBack?: unknown): boolean {
    return this.emitter.off(event, callBack);
  }

  getRoomState(roomID: string): RoomStateChangedReason {
    return this.session.stateOf(roomID).reason;
  }

  getVersion(): string {
    return SDK_VERSION;
  }

  setLogConfig(config: { logLevel?: LogLevel }): boolean {
    if (!isLogLevel(config?.logLevel)) return false;
    this.log.setLevel(config.logLevel);
    return true;
  }

  setDebugVerbose(enable: boolean): void {
    this.log.setVerbose(enable === true);
  }

  /** Logs out of every room and releases the link and every timer; the engine may log in again. */
  destroy(): void {
    this.session.destroy();
  }

  private publishFailed(method: string, streamID: string, code: number): false {
    this.log.warn(`${method}(${streamID}) failed: ${code}`);
    return false;
  }
}
