// RoomEngine (exported as ZegoExpressEngine too): the public facade, a drop-in for the room and IM
// surface of the ZEGO Express Web SDK 3.12. Every method checks its input with @atrium/protocol's
// rules before any traffic and answers the way ZEGO's does: logins reject with `{ code, msg }`,
// the other asynchronous calls with `{ errorCode, extendedData }`, publishing reports through
// `publisherStateUpdate`. The rooms, the link and their state live in the session (session.ts).

import {
  type ClientRequest,
  Code,
  type CommandEncoding,
  checkAppID,
  checkCommand,
  checkMessage,
  checkRoomExtraInfo,
  checkRoomID,
  checkUser,
  checkUserIDList,
  type ErrorCode,
  Limits,
  type ZegoUser,
} from '@atrium/protocol';
import { toBase64 } from './base64.js';
import {
  ENGINE_VERSION,
  isScenario,
  isValidLogConfig,
  logLevelOf,
  presetLogLevel,
  systemRequirements,
} from './compat.js';
import { RoomError, ServerError } from './errors.js';
import {
  type AnyCallback,
  type NotARoomEvent,
  RoomEmitter,
  type RoomEventName,
  type RoomEvents,
} from './events.js';
import type { NetworkMode } from './link.js';
import { Logger } from './log.js';
import { type EngineOptions, resolveOptions, serverUrls } from './options.js';
import { Publishing } from './publish.js';
import type { Reply } from './requests.js';
import { Session } from './session.js';
import type {
  MessageResponse,
  RoomConfig,
  RoomStateChangedReason,
  ServerResponse,
  SwitchRoomConfig,
  TransparentMessage,
  ZegoCapabilityDetection,
  ZegoLocalProxyConfig,
  ZegoLogConfig,
  ZegoProxyInfo,
} from './types.js';
import { SDK_VERSION } from './version.js';

function checkToken(token: unknown): number {
  return typeof token === 'string' && token !== '' ? 0 : Code.INPUT_PARAM;
}

/** A user object with a valid userID and userName; anything but an object is a parameter error. */
function checkLoginUser(user: unknown): number {
  return typeof user === 'object' && user !== null ? checkUser(user) : Code.INPUT_PARAM;
}

function checkMaxMemberCount(n: unknown): number {
  return n === undefined || (Number.isSafeInteger(n) && (n as number) >= 0) ? 0 : Code.INPUT_PARAM;
}

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

export class RoomEngine {
  /** The ZEGO API level and Atrium's version, as `getVersion()` answers. */
  static readonly version: string = ENGINE_VERSION;
  /** Atrium's own version. */
  static readonly atriumVersion: string = SDK_VERSION;

  private readonly log: Logger;
  private readonly emitter: RoomEmitter;
  private readonly session: Session;
  private readonly publishing: Publishing;
  private readonly appID: number;
  private loginCalled = false;

  /**
   * Not part of the ZEGO API: fault injection for demos and manual tests.
   * `simulateNetwork('down' | 'silent' | 'up')` acts on this engine's link only.
   */
  readonly debug: { simulateNetwork(mode: NetworkMode): void };

  /**
   * `options` may come third (ZEGO's web engine) or fourth, after the number its room-only engine
   * takes there (an environment flag, ignored).
   */
  constructor(appID: number, server: string | string[], env: number, options?: EngineOptions);
  constructor(appID: number, server: string | string[], options?: EngineOptions);
  constructor(
    appID: number,
    server: string | string[],
    third?: EngineOptions | number,
    fourth?: EngineOptions,
  ) {
    const o = resolveOptions(typeof third === 'number' ? fourth : third);
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
    this.publishing = new Publishing(this.session, this.emitter);
    const link = this.session.link;
    this.debug = {
      simulateNetwork: (mode) => {
        if (mode === 'up' || mode === 'down' || mode === 'silent') link.simulateNetwork(mode);
      },
    };
  }

  // ------------------------------------------------------------------ ZEGO's statics

  /** The log level of engines created afterwards that name none. True, as ZEGO; throws for a bad logURL. */
  static presetLogConfig(config: ZegoLogConfig): boolean {
    if (!isValidLogConfig(config)) throw new Error('log url must be a wss or https url');
    presetLogLevel(logLevelOf(config));
    return true;
  }

  /** ZEGO loads feature modules this way; every room and IM feature is built in here. Accepted, no effect. */
  static use(_module: unknown): void {}

  /** Accepted, no effect: an Atrium server is wherever its URL says. */
  static setGeoFence(_geoFenceType: number, _geoFenceAreaList: number[]): void {}

  /** Accepted, no effect (ZEGO's cloud settings). */
  static setEngineOptions(_options: unknown): void {}

  /** Accepted, no effect: put a proxy in front of the server's URL instead. */
  static setCloudProxyConfig(_proxyList: ZegoProxyInfo[], _token: string, _enable: boolean): void {}

  /** Accepted, no effect: put a proxy in front of the server's URL instead. */
  static setLocalProxyConfig(_proxyConfig: ZegoLocalProxyConfig, _enable: boolean): void {}

  // ------------------------------------------------------------------ rooms

  /** Before the first login only; later calls change nothing and return false. */
  enableMultiRoom(enable: boolean): boolean {
    if (this.loginCalled || typeof enable !== 'boolean') return false;
    this.session.multiRoom = enable;
    return true;
  }

  /**
   * Refused before it starts, with no event (as ZEGO): another room in single-room mode (1002001),
   * the same room again (1002056), another userID in multi-room mode (1002018). A parameter
   * error emits LOGINING and LOGIN_FAILED, then rejects.
   */
  loginRoom(roomID: string, token: string, user: ZegoUser, config?: RoomConfig): Promise<boolean> {
    this.loginCalled = true;
    const { session } = this;
    // Already in (or logging in to) this room: its state is valid and must stay so.
    if (session.stateOf(roomID).phase !== 'idle')
      return Promise.reject(new RoomError(Code.ALREADY_IN_THIS_ROOM));
    const others = session.activeRooms();
    if (others.length > 0 && !session.multiRoom) return Promise.reject(new RoomError(Code.ALREADY_IN_ROOM));
    const userID = (user as Partial<ZegoUser> | null | undefined)?.userID;
    if (others.length > 0 && session.user !== undefined && session.user.userID !== userID) {
      return Promise.reject(new RoomError(Code.MULTI_ROOM_USER_MISMATCH));
    }
    const roomCode = checkRoomID(roomID);
    const code =
      roomCode ||
      checkToken(token) ||
      checkLoginUser(user) ||
      checkAppID(this.appID) ||
      checkMaxMemberCount(config?.maxMemberCount);
    if (code !== 0) return session.logins.refuse(roomID, code, roomCode === 0);
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
    // As ZEGO: a switch refused before it starts only rejects; the old room is left as it was.
    const code = toCode || checkToken(token) || checkMaxMemberCount(config?.maxMemberCount);
    if (code !== 0) return Promise.reject(new RoomError(code));
    if (fromRoomID === toRoomID || session.stateOf(toRoomID).phase !== 'idle') {
      return Promise.reject(new RoomError(Code.ALREADY_IN_THIS_ROOM));
    }
    const from = session.rooms.get(fromRoomID);
    const user = session.user;
    if (from === undefined || from.state.phase === 'idle' || user === undefined) {
      return Promise.reject(new RoomError(Code.ROOM_NOT_LOGGED_IN));
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

  // ------------------------------------------------------------------ messages

  /** Reliable, in order, exactly once to every other member. Resolves `{ errorCode: 0, messageID }` (a number). */
  async sendBroadcastMessage(roomID: string, message: string): Promise<MessageResponse> {
    const code =
      typeof roomID !== 'string'
        ? Code.INPUT_PARAM
        : checkMessage(message, Limits.clientMessageMaxBytes) || this.messageRoomCode(roomID);
    if (code !== 0) throw new ServerError(code);
    const reply = await this.session.request(
      roomID,
      (id) => ({ t: 'bcast', id, room: roomID, msg: message }),
      'reliable',
    );
    const id = messageIDOf(reply);
    return id === undefined ? settle(reply) : { ...settle(reply), messageID: Number(id) };
  }

  /** Best effort: while the room is away it fails at once with 1000002 instead of queueing. `messageID` is a string. */
  async sendBarrageMessage(roomID: string, message: string): Promise<MessageResponse> {
    const code =
      typeof roomID !== 'string'
        ? Code.NOT_LOGGED_IN
        : checkMessage(message, Limits.clientMessageMaxBytes) || this.messageRoomCode(roomID);
    if (code !== 0) throw new ServerError(code);
    const reply = await this.session.request(
      roomID,
      (id) => ({ t: 'barrage', id, room: roomID, msg: message }),
      'once',
    );
    const id = messageIDOf(reply);
    return id === undefined ? settle(reply) : { ...settle(reply), messageID: String(id) };
  }

  /**
   * Reliable, to the listed users; an empty list reaches every other member. An object command
   * travels as JSON and reaches the receivers as the object, as with ZEGO.
   */
  async sendCustomCommand(
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
  async sendTransparentMessage(roomID: string, message: TransparentMessage): Promise<ServerResponse> {
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
  async setRoomExtraInfo(roomID: string, key: string, value: string): Promise<ServerResponse> {
    const code =
      typeof roomID !== 'string' || roomID === ''
        ? Code.ROOM_NOT_LOGGED_IN
        : checkRoomExtraInfo(key, value, CLIENT_EXTRA_LIMITS) ||
          this.roomCode(roomID, Code.ROOM_NOT_LOGGED_IN);
    if (code !== 0) throw new ServerError(code);
    const reply = await this.session.request(
      roomID,
      (id) => ({ t: 'extra', id, room: roomID, key, value }),
      'reliable',
    );
    const result = settle(reply);
    this.session.noteOwnExtraInfo(roomID, key, value);
    return result;
  }

  // ------------------------------------------------------------------ streams

  /**
   * Registers a stream of this user in the room (signalling only: `localStream` is accepted and
   * ignored). Throws `{ errorCode, extendedData }` for a bad streamID or options, false for a room
   * not logged in or a stream already published, else true; the outcome follows as
   * `publisherStateUpdate`.
   */
  startPublishingStream(streamID: string, localStream?: unknown, options?: unknown): boolean {
    void localStream;
    return this.publishing.start(streamID, options);
  }

  /** Others get `roomStreamUpdate` DELETE. False only for a streamID that is not a non-empty string. */
  stopPublishingStream(streamID: string): boolean {
    return this.publishing.stop(streamID);
  }

  /** Others get `streamExtraInfoUpdate`. */
  setStreamExtraInfo(streamID: string, extraInfo: string): Promise<ServerResponse> {
    return this.publishing.setExtraInfo(streamID, extraInfo);
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

  /** ZEGO's API level, then Atrium's version: `3.12.0-atrium.X.Y.Z`. */
  getVersion(): string {
    return ENGINE_VERSION;
  }

  /** ZEGO's `ZegoLogConfig`: `logLevel` sets this SDK's console level; false only for a logURL that is not wss:// or https://. */
  setLogConfig(config: ZegoLogConfig): boolean {
    if (!isValidLogConfig(config)) return false;
    const level = logLevelOf(config);
    if (level !== undefined) this.log.setLevel(level);
    return true;
  }

  setDebugVerbose(enable: boolean): void {
    this.log.setVerbose(enable === true);
  }

  /** What this environment supports (without asking for device permission). Atrium itself needs only a WebSocket. */
  checkSystemRequirements(
    checkType?: string,
    checkLevel?: number,
  ): Promise<ZegoCapabilityDetection & Record<string, unknown>> {
    return Promise.resolve(systemRequirements(checkType, checkLevel));
  }

  /** ZEGO's scenarios 3–9, before any login: true, and no effect on a room service. */
  setRoomScenario(scenario: number): boolean {
    return isScenario(scenario) && this.session.activeRooms().length === 0;
  }

  /** Accepted, no effect: the engine's settings are its constructor options here. */
  setEngineConfig(_config: unknown): void {}

  /** Logs out of every room and releases the link and every timer; the engine may log in again. */
  destroyEngine(): void {
    this.session.destroy();
  }

  /** The same as `destroyEngine`. */
  destroy(): void {
    this.destroyEngine();
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
    return settle(await this.session.request(roomID, build, 'reliable'));
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
