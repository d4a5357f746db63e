// Login, logout, switch and the room rules of the engine, against the scripted fake server.
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Code, RoomEngine } from '../src/index.js';
import { rejection, u2, useHarness } from './harness.js';

const { server, client, onCleanup } = useHarness();

/** A loopback port with a TCP server that cuts every connection at once, counting them. */
async function refusingPort(): Promise<{ port: number; attempts: () => number; close: () => Promise<void> }> {
  let attempts = 0;
  const srv: Server = createServer((socket) => {
    attempts++;
    socket.destroy();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const close = () => new Promise<void>((r) => srv.close(() => r()));
  onCleanup(() => (srv.listening ? close() : undefined));
  return { port: (srv.address() as { port: number }).port, attempts: () => attempts, close };
}

const stream2 = { streamID: 's2', user: u2, extraInfo: 'cam' };
const topic = { key: 'topic', value: 'hi', updateUser: u2, updateTime: 5 };

describe('loginRoom', () => {
  it('emits LOGINING at once, then LOGINED and what the room holds, all before the promise settles', async () => {
    const s = await server();
    s.snapshots.set('r1', {
      seq: 4,
      users: [u2, { userID: 'me' }],
      streams: [stream2],
      extra: [topic],
      count: 2,
    });
    const { engine, rec } = client(s.url);
    const p = engine.loginRoom('r1', 'tok', { userID: 'me' }, { userUpdate: true });
    expect(rec.states('r1')).toEqual(['LOGINING:0']);
    expect(rec.of('roomStateUpdate', 'r1')).toEqual([['r1', 'CONNECTING', 0, '']]);
    let atResolve: string[] = [];
    await p.then(() => {
      atResolve = rec.names();
    });
    expect(atResolve).toEqual([
      'LOGINING',
      'LOGINED',
      'roomUserUpdate',
      'roomStreamUpdate',
      'roomExtraInfoUpdate',
      'roomOnlineUserCountUpdate',
    ]);
    expect(rec.of('roomUserUpdate')).toEqual([['r1', 'ADD', [u2]]]); // never the user itself
    const urls = { urlsFLV: '', urlsRTMP: '', urlsHLS: '', urlsHttpsFLV: '', urlsHttpsHLS: '' };
    expect(rec.of('roomStreamUpdate')).toEqual([['r1', 'ADD', [{ ...stream2, ...urls }], '']]);
    expect(rec.of('roomExtraInfoUpdate')).toEqual([['r1', [topic]]]);
    expect(rec.of('roomOnlineUserCountUpdate')).toEqual([['r1', 2]]);
    expect(rec.of('roomStateUpdate', 'r1').map((a) => a[1])).toEqual(['CONNECTING', 'CONNECTED']);
    expect(engine.getRoomState('r1')).toBe('LOGINED');
    const login = await s.request('login');
    expect(login).toMatchObject({
      appID: 1,
      room: 'r1',
      token: 'tok',
      user: { userID: 'me' },
      userUpdate: true,
    });
    expect(login.multi).toBeUndefined();
  });

  it('tells only the count for an empty room, and no users without userUpdate', async () => {
    const s = await server();
    s.snapshots.set('r1', { seq: 0, users: [u2], streams: [], extra: [], count: 2 });
    const { engine, rec } = client(s.url);
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    expect(rec.names()).toEqual(['LOGINING', 'LOGINED', 'roomOnlineUserCountUpdate']);
  });

  it('a refusal is LOGIN_FAILED with its code and detail, then the rejection with the same code', async () => {
    const s = await server();
    s.handlers.login = (f, conn) => conn.reply(f, Code.TOKEN_WRONG, undefined, 'user_id differs');
    const { engine, rec } = client(s.url);
    let statesAtReject: string[] = [];
    const err = await rejection(
      engine.loginRoom('r1', 'tok', { userID: 'me' }).catch((e: unknown) => {
        statesAtReject = rec.states('r1');
        throw e;
      }),
    );
    expect(err.code).toBe(Code.TOKEN_WRONG);
    expect(statesAtReject).toEqual(['LOGINING:0', 'LOGIN_FAILED:1002033']);
    expect(rec.of('roomStateChanged', 'r1')[1]?.[3]).toBe('user_id differs');
    expect(engine.getRoomState('r1')).toBe('LOGIN_FAILED');
    await s.until(() => s.last?.closed === true); // no room left: the link is released
  });

  it('checks parameters before any traffic: LOGINING, LOGIN_FAILED with the code, rejection', async () => {
    const s = await server();
    const { engine, rec } = client(s.url);
    expect((await rejection(engine.loginRoom('a b', 'tok', { userID: 'me' }))).code).toBe(
      Code.ROOM_ID_ILLEGAL,
    );
    expect((await rejection(engine.loginRoom('r1', 'tok', { userID: 'a<b' }))).code).toBe(
      Code.USER_ID_ILLEGAL,
    );
    expect((await rejection(engine.loginRoom('r1', '', { userID: 'me' }))).code).toBe(Code.INPUT_PARAM);
    expect((await rejection(engine.loginRoom('r3', 'tok', 'me' as never))).code).toBe(Code.INPUT_PARAM);
    expect((await rejection(engine.loginRoom('r3', 'tok', null as never))).code).toBe(Code.INPUT_PARAM);
    const bad = { maxMemberCount: -1 };
    expect((await rejection(engine.loginRoom('r2', 'tok', { userID: 'me' }, bad))).code).toBe(
      Code.INPUT_PARAM,
    );
    expect(rec.states('a b')).toEqual(['LOGINING:0', 'LOGIN_FAILED:1002012']);
    expect(rec.states('r1')).toEqual([
      'LOGINING:0',
      'LOGIN_FAILED:1002006',
      'LOGINING:0',
      'LOGIN_FAILED:1100001',
    ]);
    expect(rec.states('r3')).toEqual([
      'LOGINING:0',
      'LOGIN_FAILED:1100001',
      'LOGINING:0',
      'LOGIN_FAILED:1100001',
    ]);
    expect(engine.getRoomState('r1')).toBe('LOGIN_FAILED');
    expect(s.conns).toHaveLength(0);
  });

  it('the same room again is refused with 1002056 and nothing is emitted for it', async () => {
    const s = await server();
    const { engine, rec } = client(s.url);
    const first = engine.loginRoom('r1', 'tok', { userID: 'me' });
    expect((await rejection(engine.loginRoom('r1', 'tok', { userID: 'me' }))).code).toBe(
      Code.ALREADY_IN_THIS_ROOM,
    );
    await first;
    expect((await rejection(engine.loginRoom('r1', 'tok', { userID: 'me' }))).code).toBe(
      Code.ALREADY_IN_THIS_ROOM,
    );
    expect(rec.states('r1')).toEqual(['LOGINING:0', 'LOGINED:0']);
  });

  it('single-room: another room is refused with 1002001 and no event, and the first is untouched', async () => {
    const s = await server();
    const { engine, rec } = client(s.url);
    const first = engine.loginRoom('r1', 'tok', { userID: 'me' });
    expect((await rejection(engine.loginRoom('r2', 'tok', { userID: 'me' }))).code).toBe(
      Code.ALREADY_IN_ROOM,
    );
    await first;
    const mark = rec.mark();
    expect((await rejection(engine.loginRoom('r2', 'tok', { userID: 'me' }))).code).toBe(
      Code.ALREADY_IN_ROOM,
    );
    expect(rec.names(mark)).toEqual([]);
    expect(rec.states('r2')).toEqual([]);
    expect(engine.getRoomState('r2')).toBe('LOGOUT');
    expect(engine.getRoomState('r1')).toBe('LOGINED');
    expect(s.requests.filter((r) => r.t === 'login')).toHaveLength(1);
  });

  it('keeps trying an unreachable server until loginTimeoutMs, then LOGIN_FAILED 1002053, then stops', async () => {
    const dead = await refusingPort();
    // Attempts counted where the engine makes them: the server counts one only when it gets to
    // accept it, which under load can be after LOGIN_FAILED for an attempt made before.
    let sockets = 0;
    class CountedWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets++;
      }
    }
    const { engine, rec } = client(`ws://127.0.0.1:${dead.port}/ws`, {
      loginTimeoutMs: 800,
      WebSocket: CountedWebSocket,
    });
    const started = Date.now();
    const err = await rejection(engine.loginRoom('r1', 'tok', { userID: 'me' }));
    expect(err.code).toBe(Code.NETWORK_BROKEN);
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    expect(rec.states('r1')).toEqual(['LOGINING:0', 'LOGIN_FAILED:1002053']);
    expect(sockets).toBeGreaterThanOrEqual(2); // 0, ~250, ~750 ms
    const seen = sockets;
    await new Promise((r) => setTimeout(r, 700));
    expect(sockets).toBe(seen);
    expect(dead.attempts()).toBeLessThanOrEqual(seen);
  });

  it('logs in to a server that comes up after a few failed attempts within the window', async () => {
    const dead = await refusingPort();
    const { engine, rec } = client(`ws://127.0.0.1:${dead.port}/ws`, { loginTimeoutMs: 8000 });
    const p = engine.loginRoom('r1', 'tok', { userID: 'me' });
    while (dead.attempts() < 2) await new Promise((r) => setTimeout(r, 20));
    await dead.close();
    await server({ port: dead.port });
    await expect(p).resolves.toBe(true);
    expect(rec.states('r1')).toEqual(['LOGINING:0', 'LOGINED:0']);
  });

  it('fails over to the next URL when the first is down', async () => {
    const dead = await refusingPort();
    const s = await server();
    const { engine } = client([`ws://127.0.0.1:${dead.port}/ws`, s.url]);
    await expect(engine.loginRoom('r1', 'tok', { userID: 'me' })).resolves.toBe(true);
    expect(dead.attempts()).toBe(1);
  });

  it('rejects a server list that is not ws:// URLs at construction', () => {
    expect(() => new RoomEngine(1, [])).toThrow(TypeError);
    expect(() => new RoomEngine(1, 'http://x')).toThrow(TypeError);
  });
});

describe('logoutRoom, multi-room and switchRoom', () => {
  it('logout emits LOGOUT 0, tells the server, settles after its reply and releases the link', async () => {
    const s = await server();
    const { engine, rec } = client(s.url);
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    let replied = false;
    s.handlers.logout = (f, conn) =>
      setTimeout(() => {
        replied = true;
        conn.reply(f);
      }, 100);
    await engine.logoutRoom('r1');
    expect(replied).toBe(true);
    expect(rec.states('r1')).toEqual(['LOGINING:0', 'LOGINED:0', 'LOGOUT:0']);
    expect(engine.getRoomState('r1')).toBe('LOGOUT');
    expect(await s.request('logout')).toMatchObject({ room: 'r1' });
    await s.until(() => s.last?.closed === true);
  });

  it('single-room: logging out of a room not logged in resolves without an event', async () => {
    const s = await server();
    const { engine, rec } = client(s.url);
    await engine.logoutRoom('nowhere');
    expect(rec.all).toEqual([]);
  });

  it('multi-room: login frames say multi, LOGOUT_FAILED 1002002 for a room not in, logout() leaves all', async () => {
    const s = await server();
    const { engine, rec } = client(s.url);
    expect(engine.enableMultiRoom(true)).toBe(true);
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    await engine.loginRoom('r2', 'tok', { userID: 'me' });
    expect(engine.enableMultiRoom(false)).toBe(false);
    expect(s.requests.filter((r) => r.t === 'login').map((r) => (r as { multi?: boolean }).multi)).toEqual([
      true,
      true,
    ]);
    expect((await rejection(engine.loginRoom('r3', 'tok', { userID: 'other' }))).code).toBe(
      Code.MULTI_ROOM_USER_MISMATCH,
    );
    expect(rec.states('r3')).toEqual([]);
    await engine.logoutRoom('nowhere');
    expect(rec.states('nowhere')).toEqual(['LOGOUT_FAILED:1002002']);
    expect(rec.of('roomStateUpdate', 'nowhere')).toEqual([]);
    await engine.logoutRoom();
    expect(rec.states('r1').at(-1)).toBe('LOGOUT:0');
    expect(rec.states('r2').at(-1)).toBe('LOGOUT:0');
    expect((await s.request('logout')).room).toBeUndefined();
  });

  it('switchRoom: one switch frame; LOGOUT for the old room, then LOGINING and LOGINED for the new', async () => {
    const s = await server();
    s.snapshots.set('r2', { seq: 1, users: [u2], streams: [], extra: [], count: 2 });
    const { engine, rec } = client(s.url);
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    const mark = rec.mark();
    await expect(engine.switchRoom('r1', 'r2', { token: 'tok2', isUserStatusNotify: true })).resolves.toBe(
      true,
    );
    expect(rec.names(mark)).toEqual([
      'LOGOUT',
      'LOGINING',
      'LOGINED',
      'roomUserUpdate',
      'roomOnlineUserCountUpdate',
    ]);
    expect(await s.request('switch')).toMatchObject({
      from: 'r1',
      room: 'r2',
      token: 'tok2',
      userUpdate: true,
    });
    expect(s.conns).toHaveLength(1); // the link was held through the switch
    expect(engine.getRoomState('r2')).toBe('LOGINED');
  });

  it('switchRoom from a room not logged in is refused with 1002002, and nothing is emitted', async () => {
    const s = await server();
    const { engine, rec } = client(s.url);
    expect((await rejection(engine.switchRoom('r1', 'r2', { token: 'tok' }))).code).toBe(
      Code.ROOM_NOT_LOGGED_IN,
    );
    expect(rec.all).toEqual([]);
    expect(engine.getRoomState('r2')).toBe('LOGOUT');
    expect(s.conns).toHaveLength(0);
  });

  it('switchRoom refused before it starts only rejects: bad parameters, a target already in', async () => {
    const s = await server();
    const { engine, rec } = client(s.url);
    engine.enableMultiRoom(true);
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    await engine.loginRoom('r2', 'tok', { userID: 'me' });
    const mark = rec.mark();
    const refusals: [() => Promise<boolean>, number][] = [
      [() => engine.switchRoom('r1', 'a b', { token: 'tok' }), Code.ROOM_ID_ILLEGAL],
      [() => engine.switchRoom('r1', 'r3', { token: '' }), Code.INPUT_PARAM],
      [() => engine.switchRoom('r1', 'r3', { token: 'tok', maxMemberCount: -1 }), Code.INPUT_PARAM],
      [() => engine.switchRoom('r1', 'r1', { token: 'tok' }), Code.ALREADY_IN_THIS_ROOM],
      [() => engine.switchRoom('r1', 'r2', { token: 'tok' }), Code.ALREADY_IN_THIS_ROOM],
    ];
    for (const [call, code] of refusals) expect((await rejection(call())).code).toBe(code);
    expect(rec.names(mark)).toEqual([]);
    expect(engine.getRoomState('r1')).toBe('LOGINED');
    expect(s.requests.map((r) => r.t)).toEqual(['login', 'login']);
  });

  it('a kick before the login reply is LOGIN_FAILED with the kick’s code and its raw reason', async () => {
    const s = await server();
    s.handlers.login = (f, conn) =>
      conn.send({ t: 'kick', room: (f as { room: string }).room, code: Code.KICKED_BY_BACKEND, ext: 'spam' });
    const { engine, rec } = client(s.url);
    expect((await rejection(engine.loginRoom('r1', 'tok', { userID: 'me' }))).code).toBe(
      Code.KICKED_BY_BACKEND,
    );
    expect(rec.of('roomStateChanged', 'r1')).toEqual([
      ['r1', 'LOGINING', 0, ''],
      ['r1', 'LOGIN_FAILED', Code.KICKED_BY_BACKEND, 'spam'],
    ]);
  });

  it('logout during a login cancels it: LOGOUT, and the login rejects', async () => {
    const s = await server();
    s.handlers.login = () => {}; // never answers
    const { engine, rec } = client(s.url);
    const failed = rejection(engine.loginRoom('r1', 'tok', { userID: 'me' }));
    await s.request('login');
    await engine.logoutRoom('r1');
    expect((await failed).code).toBe(Code.ROOM_NOT_LOGGED_IN);
    expect(rec.states('r1')).toEqual(['LOGINING:0', 'LOGOUT:0']);
  });
});
