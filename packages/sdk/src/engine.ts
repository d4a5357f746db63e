// RoomEngine (exported as ZegoExpressEngine too): the public facade, a drop-in for the room and IM
// surface of the ZEGO Express Web SDK 3.12. Every method checks its input with @atrium/protocol's
// rules before any traffic and answers the way ZEGO's does: logins reject with `{ code, msg }`,
// the other asynchronous calls with `{ errorCode, extendedData }`, publishing reports through
// `publisherStateUpdate`. The rooms, the link and their state live in the session (session.ts).

import { Code, checkAppID, checkRoomID, checkUser, type ZegoUser } from '@atrium/protocol';
import {
  ENGINE_VERSION,
  isScenario,
  isValidLogConfig,
  logLevelOf,
  presetLogLevel,
  systemRequirements,
} from './compat.js';
import { RoomError } from './errors.js';
import {
  type AnyCallback,
  type NotARoomEvent,
  RoomEmitter,
  type RoomEventName,
  type RoomEvents,
} from './events.js';
import type { NetworkMode } from './link.js';
import { Logger } from './log.js';
import { Messaging } from './messages.js';
import { type EngineOptions, resolveOptions, serverUrls } from './options.js';
import { Publishing } from './publish.js';
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

export class RoomEngine {
  /** The ZEGO API level and Atrium's version, as `getVersion()` answers. */
  static readonly version: string = ENGINE_VERSION;
  /** Atrium's own version. */
  static readonly atriumVersion: string = SDK_VERSION;

  private readonly log: Logger;
  private readonly emitter: RoomEmitter;
  private readonly session: Session;
  private readonly publishing: Publishing;
  private readonly messaging: Messaging;
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
      loginRefusedRounds: o.loginRefusedRounds,
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
    this.messaging = new Messaging(this.session);
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

  // ------------------------------------------------------------------ messages

  /** Reliable, in order, exactly once to every other member. Resolves `{ errorCode: 0, messageID }` (a number). */
  sendBroadcastMessage(roomID: string, message: string): Promise<MessageResponse> {
    return this.messaging.broadcast(roomID, message);
  }

  /** Best effort: while the room is away it fails at once with 1000002 instead of queueing. `messageID` is a string. */
  sendBarrageMessage(roomID: string, message: string): Promise<MessageResponse> {
    return this.messaging.barrage(roomID, message);
  }

  /**
   * Reliable, to the listed users; an empty list reaches every other member. An object command
   * travels as JSON and reaches the receivers as the object, as with ZEGO.
   */
  sendCustomCommand(
    roomID: string,
    command: string | object,
    toUserIDList: string[],
  ): Promise<ServerResponse> {
    return this.messaging.customCommand(roomID, command, toUserIDList);
  }

  /**
   * ZEGO 3.12's transparent message: bytes to the listed users, or (empty list) every other
   * member; reliable like a broadcast. `sendMode` OnlyServer (1) is refused: Atrium has no
   * business-server receiver for these. Fails with 1009010 when no answer comes within `timeOut` s.
   */
  sendTransparentMessage(roomID: string, message: TransparentMessage): Promise<ServerResponse> {
    return this.messaging.transparent(roomID, message);
  }

  /** Room-lifetime key/value, newest wins. */
  setRoomExtraInfo(roomID: string, key: string, value: string): Promise<ServerResponse> {
    return this.messaging.roomExtraInfo(roomID, key, value);
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
}
