// Compatibility scenarios for rooms: the statics and quick-start calls, login and its refusals,
// multi-room, switchRoom, room extra info, kicks and destroyEngine, as ZEGO documents them.

import {
  barrier,
  check,
  failure,
  loginFailure,
  next,
  record,
  type Scenarios,
  same,
  scenario,
  user,
} from './kit.js';

export const roomScenarios: Scenarios = {
  'the statics, the version and the quick-start calls work as ZEGO documents': scenario(async (s) => {
    const { ZegoExpressEngine } = s.h;
    check(ZegoExpressEngine.presetLogConfig({ logLevel: 'disable' }) === true, 'presetLogConfig is not true');
    ZegoExpressEngine.use({});
    ZegoExpressEngine.setGeoFence(0, []);
    ZegoExpressEngine.setEngineOptions({});
    ZegoExpressEngine.setCloudProxyConfig([], '', false);
    ZegoExpressEngine.setLocalProxyConfig({ accesshubProxy: 'proxy.example.com' }, false);
    check(typeof ZegoExpressEngine.version === 'string', 'ZegoExpressEngine.version is not a string');
    // ZEGO's own demo takes its old-SDK branch when getVersion() < "2.17.0" (a string comparison).
    check(ZegoExpressEngine.version > '2.17.0', `version ${ZegoExpressEngine.version} <= "2.17.0"`);
    const zg = s.engine();
    check(zg.getVersion() > '2.17.0', `getVersion() ${zg.getVersion()} <= "2.17.0"`);
    check(
      zg.setLogConfig({ logLevel: 'disable' }) === true,
      "setLogConfig({ logLevel: 'disable' }) is not true",
    );
    zg.setDebugVerbose(false);
    check(zg.setRoomScenario(3) === true, 'setRoomScenario(3) before any login is not true');
    zg.setEngineConfig({});
    // Truthful: this environment has WebRTC or not.
    const webRTC = typeof (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection === 'function';
    const all = await zg.checkSystemRequirements();
    same(all.webRTC, webRTC, 'checkSystemRequirements().webRTC');
    check(typeof all.errInfo === 'object', 'checkSystemRequirements() has no errInfo');
    const one = await zg.checkSystemRequirements('webRTC');
    same(one.result, webRTC, "checkSystemRequirements('webRTC').result");
    await s.login('basics', 'ann', { zg });
    check(zg.setRoomScenario(3) === false, 'setRoomScenario(3) after a login is not false');
  }),

  'loginRoom resolves true after LOGINING and LOGINED; refusals reject { code, msg }': scenario(async (s) => {
    const { h } = s;
    const zg = s.engine();
    const states = record(zg, 'roomStateChanged');
    const logined = next(zg, 'roomStateChanged', (r, reason) => r === 'login' && reason === 'LOGINED');
    await s.login('login', 'ann', { zg });
    const [, , code, ext] = await logined;
    same([code, ext], [0, ''], 'LOGINED errorCode and extendedData');
    same(
      states.map((a) => [a[0], a[1], a[2]]),
      [
        ['login', 'LOGINING', 0],
        ['login', 'LOGINED', 0],
      ],
      'roomStateChanged so far',
    );
    // Single-room mode: a second room is refused before it starts, with no event for it.
    const token = await h.token('ann');
    same(
      (await loginFailure('second room', () => zg.loginRoom('login-2', token, user('ann')))).code,
      1002001,
      'code',
    );
    const logout = next(zg, 'roomStateChanged', (r, reason) => r === 'login' && reason === 'LOGOUT');
    zg.logoutRoom('login');
    await logout;
    same(
      states.filter((a) => a[0] === 'login-2'),
      [],
      'events for the refused room',
    );
    // An empty token: LOGIN_FAILED with the code, and the promise rejects with it.
    const other = s.engine();
    const failed = next(other, 'roomStateChanged', (r, reason) => r === 'login' && reason === 'LOGIN_FAILED');
    const refused = await loginFailure('empty token', () => other.loginRoom('login', '', user('bob')));
    same(refused.code, 1100001, 'empty token code');
    same((await failed)[2], 1100001, 'LOGIN_FAILED errorCode');
  }),

  'multi-room: the same room again is 1002056, a room not logged in is 1009005': scenario(async (s) => {
    const zg = s.engine();
    check(zg.enableMultiRoom(true) === true, 'enableMultiRoom(true) before any login is not true');
    await s.login('mr-a', 'ann', { zg });
    await s.login('mr-b', 'ann', { zg });
    const token = await s.h.token('ann');
    same(
      (await loginFailure('mr-a again', () => zg.loginRoom('mr-a', token, user('ann')))).code,
      1002056,
      'code',
    );
    same(
      (await failure('broadcast', () => zg.sendBroadcastMessage('mr-c', 'hi'))).errorCode,
      1009005,
      'code',
    );
    same((await failure('barrage', () => zg.sendBarrageMessage('mr-c', 'hi'))).errorCode, 1009005, 'code');
    same((await failure('command', () => zg.sendCustomCommand('mr-c', 'hi', []))).errorCode, 1009005, 'code');
    const out = next(zg, 'roomStateChanged', (r, reason) => r === 'mr-a' && reason === 'LOGOUT');
    zg.logoutRoom('mr-a');
    await out;
    same(
      (await failure('after logout', () => zg.sendBroadcastMessage('mr-a', 'x'))).errorCode,
      1009005,
      'code',
    );
    same((await zg.sendBroadcastMessage('mr-b', 'still here')).errorCode, 0, 'broadcast to mr-b');
  }),

  'switchRoom leaves the old room (LOGOUT) and logs in to the new one (LOGINING, LOGINED)': scenario(
    async (s) => {
      const zg = await s.login('sw-a', 'ann');
      const bob = await s.login('sw-b', 'bob');
      const states = record(zg, 'roomStateChanged');
      const logined = next(zg, 'roomStateChanged', (r, reason) => r === 'sw-b' && reason === 'LOGINED');
      const joined = next(
        bob,
        'roomUserUpdate',
        (r, type, list) => r === 'sw-b' && type === 'ADD' && list[0]?.userID === 'ann',
      );
      const token = await s.h.token('ann');
      same(await zg.switchRoom('sw-a', 'sw-b', { token, isUserStatusNotify: true }), true, 'switchRoom');
      await Promise.all([logined, joined]);
      same(
        states.map((a) => [a[0], a[1], a[2]]),
        [
          ['sw-a', 'LOGOUT', 0],
          ['sw-b', 'LOGINING', 0],
          ['sw-b', 'LOGINED', 0],
        ],
        'roomStateChanged',
      );
      same(
        (await failure('the old room', () => zg.sendBroadcastMessage('sw-a', 'x'))).errorCode,
        1009005,
        'code',
      );
    },
  ),

  'setRoomExtraInfo reaches the other members as roomExtraInfoUpdate, not the setter': scenario(async (s) => {
    const ann = await s.login('extra', 'ann');
    const bob = await s.login('extra', 'bob');
    const own = record(ann, 'roomExtraInfoUpdate');
    const got = next(bob, 'roomExtraInfoUpdate', (r) => r === 'extra');
    same((await ann.setRoomExtraInfo('extra', 'topic', 'news')).errorCode, 0, 'setRoomExtraInfo errorCode');
    const [, list] = await got;
    const info = list.find((i) => i.key === 'topic');
    same([info?.value, info?.updateUser.userID], ['news', 'ann'], 'roomExtraInfoUpdate');
    check(typeof info?.updateTime === 'number', `updateTime ${String(info?.updateTime)}`);
    await barrier(bob, ann, 'extra', 'ann');
    same(own, [], "the setter's own roomExtraInfoUpdate");
  }),

  'KICKOUT extendedData parses to custom_kickout_message': scenario(async (s) => {
    const first = await s.login('kick', 'ann');
    const kicked = next(first, 'roomStateChanged', (r, reason) => r === 'kick' && reason === 'KICKOUT');
    await s.login('kick', 'ann');
    const [, , code, ext] = await kicked;
    same(code, 1002050, 'KICKOUT errorCode for the same user logging in elsewhere');
    const reason = (JSON.parse(ext) as { custom_kickout_message?: unknown }).custom_kickout_message;
    check(typeof reason === 'string' && reason !== '', `custom_kickout_message ${String(reason)}`);

    const bob = await s.login('kick', 'bob');
    const out = next(bob, 'roomStateChanged', (r, why) => r === 'kick' && why === 'KICKOUT');
    await s.h.kick('kick', 'bob', 'bye');
    const [, , byBackend, backendExt] = await out;
    same(byBackend, 1002055, 'KICKOUT errorCode for a kick by the backend');
    same(JSON.parse(backendExt), { custom_kickout_message: 'bye' }, 'KICKOUT extendedData');
  }),

  'destroyEngine logs out: LOGOUT for the app, roomUserUpdate DELETE for the others': scenario(async (s) => {
    const ann = await s.login('bye', 'ann');
    const joined = next(
      ann,
      'roomUserUpdate',
      (r, type, list) => r === 'bye' && type === 'ADD' && list[0]?.userID === 'bob',
    );
    const bob = await s.login('bye', 'bob');
    same((await joined)[2], [user('bob')], 'roomUserUpdate ADD');
    const left = next(bob, 'roomUserUpdate', (_r, type) => type === 'DELETE');
    const logout = next(ann, 'roomStateChanged', (r, reason) => r === 'bye' && reason === 'LOGOUT');
    ann.destroyEngine();
    same((await logout)[2], 0, 'LOGOUT errorCode');
    same(
      (await left)[2].map((u) => u.userID),
      ['ann'],
      'roomUserUpdate DELETE',
    );
  }),
};
