// The type test: an app typed the way the ZEGO Express Web SDK's typings type it, importing ZEGO's
// names from '@atrium/sdk'. `tsc -b` compiles this file (test/tsconfig.json), so a ZEGO name or
// signature the SDK lacks fails the build; the `@ts-expect-error` lines fail it if a wrong use
// stopped being an error. Nothing here talks to a server: types.test.ts registers the handlers.

import {
  type ZegoBarrageMessageInfo,
  type ZegoBroadcastMessageInfo,
  type ZegoCapabilityDetection,
  type ZegoError,
  type ZegoEvent,
  ZegoExpressEngine,
  type ZegoInitOptions,
  type ZegoLogConfig,
  type ZegoProxyInfo,
  type ZegoPublisherState,
  type ZegoRoomConfig,
  type ZegoRoomExtraInfo,
  type ZegoRoomRecvTransparentMessage,
  type ZegoRoomSendTransparentMessage,
  ZegoRoomStateChangedReason,
  ZegoRoomTransparentMessageMode,
  ZegoRoomTransparentMessageType,
  type ZegoRTMEvent,
  type ZegoServerResponse,
  type ZegoStreamList,
  type ZegoSwitchRoomConfig,
  type ZegoUser,
  type ZegoWebPublishOption,
} from '@atrium/sdk';

export const appID = 1234567890;
export const server = 'wss://rooms.example.com/ws';

/** What an app's handlers saw, so the runtime test can tell they were registered. */
const seen: string[] = [];

/** The app: every room/IM call and event typed with ZEGO's names and signatures. */
export async function zegoApp(zg: ZegoExpressEngine, token: string, localStream: MediaStream): Promise<void> {
  const me: ZegoUser = { userID: 'ann', userName: 'Ann' };
  const cfg: ZegoRoomConfig = { userUpdate: true, maxMemberCount: 0 };
  const ok: boolean = await zg.loginRoom('room', token, me, cfg);
  const multi: boolean = zg.enableMultiRoom(false);
  const renewed: boolean = zg.renewToken(token, 'room');
  const sw: ZegoSwitchRoomConfig = { token, maxMemberCount: 10, isUserStatusNotify: true };
  const switched: boolean = await zg.switchRoom('room', 'room-2', sw);
  seen.push(`${ok}${multi}${renewed}${switched}`);

  const r: ZegoServerResponse = await zg.sendBroadcastMessage('room', 'hello');
  const b: ZegoServerResponse = await zg.sendBarrageMessage('room', 'wow');
  const c: ZegoServerResponse = await zg.sendCustomCommand('room', 'cmd', ['bob']);
  const e: ZegoServerResponse = await zg.setRoomExtraInfo('room', 'topic', 'news');
  const msg: ZegoRoomSendTransparentMessage = {
    sendMode: ZegoRoomTransparentMessageMode.ZegoRoomTransparentMessageModeOnlyClient,
    sendType: ZegoRoomTransparentMessageType.ZegoRoomTransparentMessageNormal,
    content: new Uint8Array([1, 2]),
    recvUserList: [me],
    timeOut: 5,
  };
  const t: ZegoServerResponse = await zg.sendTransparentMessage('room', msg);
  const codes: number[] = [r.errorCode, b.errorCode, c.errorCode, e.errorCode, t.errorCode];
  const details: (string | undefined)[] = [r.extendedData, t.extendedData];
  seen.push(`${codes}${details}`);

  const option: ZegoWebPublishOption = { roomID: 'room', extraInfo: 'front', videoCodec: 'VP8' };
  const started: boolean = zg.startPublishingStream('cam', localStream, option);
  const stopped: boolean = zg.stopPublishingStream('cam');
  const x: ZegoServerResponse = await zg.setStreamExtraInfo('cam', 'back');
  seen.push(`${started}${stopped}${x.errorCode}`);

  try {
    await zg.sendBroadcastMessage('room', '');
  } catch (err) {
    const failure = err as ZegoServerResponse;
    seen.push(`${failure.errorCode}${failure.extendedData}`);
  }
  try {
    await zg.loginRoom('room', '', me);
  } catch (err) {
    const failure = err as ZegoError;
    seen.push(`${failure.code}${failure.msg}`);
  }
  zg.logoutRoom('room');
  zg.logoutRoom();
  zg.destroyEngine();
}

/** The handlers, typed as ZEGO's event interfaces type them. */
export function zegoHandlers(zg: ZegoExpressEngine): boolean[] {
  return [
    zg.on(
      'roomStateChanged',
      (roomID: string, reason: ZegoRoomStateChangedReason, code: number, ext: string) => {
        if (reason === ZegoRoomStateChangedReason.Kickout) {
          const why: unknown = JSON.parse(ext);
          seen.push(`${roomID}${code}${String(why)}`);
        }
      },
    ),
    zg.on(
      'roomStateUpdate',
      (roomID: string, state: 'DISCONNECTED' | 'CONNECTING' | 'CONNECTED', code: number, ext: string) => {
        seen.push(`${roomID}${state}${code}${ext}`);
      },
    ),
    zg.on('roomUserUpdate', (roomID: string, type: 'DELETE' | 'ADD', list: ZegoUser[]) => {
      seen.push(`${roomID}${type}${list.length}`);
    }),
    zg.on('roomOnlineUserCountUpdate', (roomID: string, count: number) => {
      seen.push(`${roomID}${count}`);
    }),
    zg.on(
      'roomStreamUpdate',
      (roomID: string, type: 'ADD' | 'DELETE', list: ZegoStreamList[], ext: string) => {
        seen.push(`${roomID}${type}${list.map((s) => s.urlsFLV)}${ext}`);
      },
    ),
    zg.on(
      'streamExtraInfoUpdate',
      (roomID: string, list: { streamID: string; user: ZegoUser; extraInfo: string }[]) => {
        seen.push(`${roomID}${list.length}`);
      },
    ),
    zg.on('roomExtraInfoUpdate', (roomID: string, list: ZegoRoomExtraInfo[]) => {
      seen.push(`${roomID}${list.map((i) => i.updateTime)}`);
    }),
    zg.on('IMRecvBroadcastMessage', (roomID: string, list: ZegoBroadcastMessageInfo[]) => {
      const id: number | undefined = list[0]?.messageID;
      seen.push(`${roomID}${id}`);
    }),
    zg.on('IMRecvBarrageMessage', (roomID: string, list: ZegoBarrageMessageInfo[]) => {
      const id: string | undefined = list[0]?.messageID;
      seen.push(`${roomID}${id}`);
    }),
    zg.on('IMRecvCustomCommand', (roomID: string, fromUser: ZegoUser, command: string) => {
      seen.push(`${roomID}${fromUser.userID}${command}`);
    }),
    zg.on('tokenWillExpire', (roomID: string) => {
      seen.push(roomID);
    }),
    zg.on('recvRoomTransparentMessage', (roomID: string, m: ZegoRoomRecvTransparentMessage) => {
      seen.push(`${roomID}${m.sendUser.userID}${m.content.byteLength}`);
    }),
    zg.on('publisherStateUpdate', (s: ZegoPublisherState) => {
      seen.push(`${s.streamID}${s.state}${s.errorCode}${s.extendedData}`);
    }),
    // A media event of ZEGO's full SDK: accepted by the types, refused (false) at run time.
    zg.on('playerStateUpdate', () => {}),
  ];
}

/** ZEGO's statics and engine-level calls. */
export async function zegoSetup(): Promise<ZegoExpressEngine> {
  const log: ZegoLogConfig = { logLevel: 'disable', remoteLogLevel: 'disable', logCount: 3, logSize: 0 };
  const preset: boolean = ZegoExpressEngine.presetLogConfig(log);
  ZegoExpressEngine.use({});
  ZegoExpressEngine.setGeoFence(0, []);
  ZegoExpressEngine.setEngineOptions({});
  const proxies: ZegoProxyInfo[] = [{ hostName: 'proxy.example.com', port: 443 }];
  ZegoExpressEngine.setCloudProxyConfig(proxies, 'token', false);
  ZegoExpressEngine.setLocalProxyConfig({ accesshubProxy: 'proxy.example.com' }, false);
  const version: string = ZegoExpressEngine.version;
  const zg: ZegoExpressEngine = new ZegoExpressEngine(appID, server, { scenario: 3 });
  const options: ZegoInitOptions = { geoFenceType: 0, geoFenceAreaList: [], reportData: { project: 'demo' } };
  const rtm = new ZegoExpressEngine(appID, [server], 0, options);
  rtm.destroyEngine();
  const logged: boolean = zg.setLogConfig(log);
  zg.setDebugVerbose(false);
  const scenario: boolean = zg.setRoomScenario(3);
  zg.setEngineConfig({});
  const caps: ZegoCapabilityDetection = await zg.checkSystemRequirements();
  const webRTC: ZegoCapabilityDetection = await zg.checkSystemRequirements('webRTC');
  const old: boolean = zg.getVersion() < '2.17.0';
  seen.push(`${preset}${version}${logged}${scenario}${caps.webRTC}${webRTC.result}${old}`);
  return zg;
}

// Wrong uses stay errors, so the names above are not `any`.
export function wrongUses(zg: ZegoExpressEngine, b: ZegoBarrageMessageInfo, m: ZegoBroadcastMessageInfo) {
  // @ts-expect-error a barrage messageID is a string
  const n: number = b.messageID;
  // @ts-expect-error a broadcast messageID is a number
  const s: string = m.messageID;
  // @ts-expect-error IMRecvBroadcastMessage passes (roomID, list), not a number first
  zg.on('IMRecvBroadcastMessage', (roomID: number) => roomID);
  // @ts-expect-error ZegoRoomConfig has no `userUpdates`
  const cfg: ZegoRoomConfig = { userUpdates: true };
  return [n, s, cfg];
}

// ZEGO's event maps are usable as types.
type Handler<K extends keyof ZegoEvent> = ZegoEvent[K];
export const onCount: Handler<'roomOnlineUserCountUpdate'> = (_roomID, count) => count;
export const onRTM: ZegoRTMEvent['tokenWillExpire'] = (roomID) => roomID;
