// Room events as the app receives them, and the methods that send: their checks, their results.

import { codeMessage } from '@atrium/protocol';
import { describe, expect, it } from 'vitest';
import { Code } from '../src/index.js';
import type { FakeServer } from './fake-server.js';
import { type Client, errorCode, serverError, u2, u3, useHarness } from './harness.js';

const { server, client } = useHarness();

async function inRoom(s: FakeServer, userUpdate = true): Promise<Client> {
  const c = client(s.url);
  await c.engine.loginRoom('r1', 'tok', { userID: 'me' }, { userUpdate });
  return c;
}

const s2 = { streamID: 's2', user: u2, extraInfo: 'cam' };
const info = { key: 'k', value: 'v', updateUser: u2, updateTime: 9 };
const msg = { fromUser: u2, message: 'hi', sendTime: 1, messageID: 3 };

describe('incoming room events', () => {
  it('maps every event kind to its ZEGO callback, in server order', async () => {
    const s = await server();
    const c = await inRoom(s);
    const mark = c.rec.mark();
    const conn = s.last;
    const frames = [
      { t: 'ev', room: 'r1', seq: 1, k: 'join', user: u2 },
      { t: 'ev', room: 'r1', seq: 2, k: 'pub', stream: s2 },
      { t: 'ev', room: 'r1', seq: 3, k: 'sextra', stream: { ...s2, extraInfo: 'hd' } },
      { t: 'ev', room: 'r1', seq: 4, k: 'extra', info },
      { t: 'ev', room: 'r1', seq: 5, k: 'bcast', msg },
      { t: 'ev', room: 'r1', seq: 6, k: 'cmd', from: u2, msg: 'mute', to: ['me'] },
      { t: 'barrage', room: 'r1', msg },
      { t: 'count', room: 'r1', n: 4 },
      { t: 'expiring', room: 'r1' },
      {
        t: 'ev',
        room: 'r1',
        seq: 7,
        k: 'cmd',
        from: u2,
        msg: '{"op":"mute","all":true}',
        to: [],
        enc: 'json',
      },
      { t: 'ev', room: 'r1', seq: 8, k: 'cmd', from: u2, msg: 'aGk=', to: ['me'], enc: 'bin' },
      { t: 'ev', room: 'r1', seq: 9, k: 'unpub', stream: s2, why: 1 },
      { t: 'ev', room: 'r1', seq: 10, k: 'leave', user: u2 },
    ];
    for (const f of frames) conn?.send(f);
    await c.rec.waitFor('roomUserUpdate', (a) => a[1] === 'DELETE');
    const zs2 = { ...s2, urlsFLV: '', urlsRTMP: '', urlsHLS: '', urlsHttpsFLV: '', urlsHttpsHLS: '' };
    const stopped = [{ stream_id: 's2', code: 1, description: 'user_stop_publishing_stream_normal' }];
    expect(c.rec.all.slice(mark).map((r) => [r.event, ...r.args])).toEqual([
      ['roomUserUpdate', 'r1', 'ADD', [u2]],
      ['roomStreamUpdate', 'r1', 'ADD', [zs2], ''],
      ['streamExtraInfoUpdate', 'r1', [{ ...s2, extraInfo: 'hd' }]],
      ['roomExtraInfoUpdate', 'r1', [info]],
      ['IMRecvBroadcastMessage', 'r1', [msg]],
      ['IMRecvCustomCommand', 'r1', u2, 'mute'],
      ['IMRecvBarrageMessage', 'r1', [{ ...msg, messageID: '3' }]],
      ['roomOnlineUserCountUpdate', 'r1', 4],
      ['tokenWillExpire', 'r1'],
      ['IMRecvCustomCommand', 'r1', u2, { op: 'mute', all: true }],
      ['recvRoomTransparentMessage', 'r1', { sendUser: u2, content: new Uint8Array([104, 105]) }],
      ['roomStreamUpdate', 'r1', 'DELETE', [zs2], JSON.stringify({ stream_delete_reason: stopped })],
      ['roomUserUpdate', 'r1', 'DELETE', [u2]],
    ]);
    const transparent = c.rec.of('recvRoomTransparentMessage')[0]?.[1] as { content: unknown } | undefined;
    expect(transparent?.content).toBeInstanceOf(Uint8Array);
  });

  it('tells no user changes without userUpdate, and skips malformed frames without breaking', async () => {
    const s = await server();
    const c = await inRoom(s, false);
    const mark = c.rec.mark();
    const conn = s.last;
    conn?.send({ t: 'ev', room: 'r1', seq: 1, k: 'join', user: u3 });
    conn?.send({ t: 'ev', room: 'r1', seq: 2, k: 'pub', stream: { streamID: 7 } });
    conn?.send({ t: 'ev', room: 'r1', seq: 3, k: 'nonsense' });
    conn?.send({ t: 'ev', room: 'other', seq: 4, k: 'bcast', msg });
    conn?.send({ t: 'ev', room: 'r1', seq: 5, k: 'cmd', from: u2, msg: 'x', to: [], enc: 'xml' });
    conn?.send({ t: 'ev', room: 'r1', seq: 6, k: 'cmd', from: u2, msg: '{oops', to: [], enc: 'json' });
    conn?.send({ t: 'ev', room: 'r1', seq: 7, k: 'cmd', from: u2, msg: '*', to: [], enc: 'bin' });
    conn?.send({ t: 'whatever' });
    conn?.ws.send('not json');
    conn?.ws.send(Buffer.from([1, 2, 3]));
    conn?.send({ t: 'ev', room: 'r1', seq: 8, k: 'bcast', msg });
    await c.rec.waitFor('IMRecvBroadcastMessage');
    expect(c.rec.all.slice(mark).map((r) => r.event)).toEqual(['IMRecvBroadcastMessage']);
    expect(c.engine.getRoomState('r1')).toBe('LOGINED');
  });

  it('a callback that throws is logged, and the next callbacks and events still arrive', async () => {
    const s = await server();
    const lines: string[] = [];
    const c = client(s.url, { logLevel: 'error', logSink: (_l, m) => lines.push(m) });
    const order: string[] = [];
    c.engine.on('IMRecvBroadcastMessage', () => {
      throw new Error('app bug');
    });
    c.engine.on('IMRecvBroadcastMessage', (_r, list) => order.push(list[0]?.message ?? ''));
    await c.engine.loginRoom('r1', 'tok', { userID: 'me' });
    s.last?.send({ t: 'ev', room: 'r1', seq: 1, k: 'bcast', msg: { ...msg, message: 'a' } });
    s.last?.send({ t: 'ev', room: 'r1', seq: 2, k: 'bcast', msg: { ...msg, message: 'b' } });
    await c.rec.waitFor('IMRecvBroadcastMessage', (a) => (a[1] as { message: string }[])[0]?.message === 'b');
    expect(order).toEqual(['a', 'b']);
    expect(lines.filter((l) => l.includes('callback threw'))).toHaveLength(2);
  });
});

describe('sending: every failure rejects with a ServerError { errorCode, extendedData }', () => {
  it('1000002 for every call while no room is logged in, with no traffic', async () => {
    const s = await server();
    const { engine } = client(s.url);
    const calls = [
      () => engine.sendBroadcastMessage('r1', 'x'),
      () => engine.sendBarrageMessage('r1', 'x'),
      () => engine.sendCustomCommand('r1', 'x', ['u2']),
      () => engine.setRoomExtraInfo('r1', 'k', 'v'),
      () => engine.sendTransparentMessage('r1', { content: new Uint8Array([1]) }),
    ];
    for (const call of calls) expect(await errorCode(call())).toBe(Code.NOT_LOGGED_IN);
    const err = await serverError(engine.sendBroadcastMessage('r1', 'x'));
    expect(err).toBeInstanceOf(Error);
    expect(err.extendedData).toBe(codeMessage(Code.NOT_LOGGED_IN));
    expect(engine.renewToken('tok2')).toBe(false);
    expect(s.conns).toHaveLength(0);
  });

  it('checks parameters before any traffic: 1009001 empty, 1009013 / 1009002 over 10240 bytes', async () => {
    const s = await server();
    const { engine } = await inRoom(s);
    const big = 'x'.repeat(10_241);
    expect(await errorCode(engine.sendBroadcastMessage('r1', ''))).toBe(Code.MESSAGE_EMPTY);
    expect(await errorCode(engine.sendBroadcastMessage('r1', undefined as never))).toBe(Code.MESSAGE_EMPTY);
    expect(await errorCode(engine.sendBarrageMessage('r1', ''))).toBe(Code.MESSAGE_EMPTY);
    expect(await errorCode(engine.sendCustomCommand('r1', '', ['u2']))).toBe(Code.MESSAGE_EMPTY);
    expect(await errorCode(engine.sendBroadcastMessage('r1', big))).toBe(Code.MESSAGE_TOO_LONG);
    expect(await errorCode(engine.sendBroadcastMessage('r1', 'é'.repeat(5121)))).toBe(Code.MESSAGE_TOO_LONG);
    expect(await errorCode(engine.sendBarrageMessage('r1', big))).toBe(Code.MESSAGE_TOO_LONG);
    expect(await errorCode(engine.sendCustomCommand('r1', big, ['u2']))).toBe(Code.COMMAND_TOO_LONG);
    const bigObject = { text: 'x'.repeat(10_230) };
    expect(await errorCode(engine.sendCustomCommand('r1', bigObject, ['u2']))).toBe(Code.COMMAND_TOO_LONG);
    for (const list of ['u2', Array.from({ length: 101 }, (_, i) => `u${i}`), ['a<b']]) {
      expect(await errorCode(engine.sendCustomCommand('r1', 'x', list as string[]))).toBe(Code.INPUT_PARAM);
    }
    expect(await errorCode(engine.setRoomExtraInfo('r1', '', 'v'))).toBe(Code.EXTRA_KEY_EMPTY);
    // ZEGO's client limits (128-byte key, 4096-byte value); the server applies its own, smaller ones.
    expect(await errorCode(engine.setRoomExtraInfo('r1', 'k'.repeat(129), 'v'))).toBe(
      Code.EXTRA_KEY_TOO_LONG,
    );
    expect(await errorCode(engine.setRoomExtraInfo('r1', 'k', 'v'.repeat(4097)))).toBe(
      Code.EXTRA_VALUE_TOO_LONG,
    );
    expect(s.requests.map((r) => r.t)).toEqual(['login']);
    // 10240 bytes is the SDK's own limit: the server's (smaller, configurable) one is the server's to apply.
    await engine.sendBroadcastMessage('r1', 'x'.repeat(10_240));
    expect(s.requests.map((r) => r.t)).toEqual(['login', 'bcast']);
  });

  it('a roomID that is not a string: 1100001 broadcast, 1000002 barrage, 1009005 command', async () => {
    const s = await server();
    const { engine } = await inRoom(s);
    const room = 42 as unknown as string;
    expect(await errorCode(engine.sendBroadcastMessage(room, 'x'))).toBe(Code.INPUT_PARAM);
    expect(await errorCode(engine.sendBarrageMessage(room, 'x'))).toBe(Code.NOT_LOGGED_IN);
    expect(await errorCode(engine.sendCustomCommand(room, 'x', ['u2']))).toBe(Code.MESSAGE_NOT_IN_ROOM);
    expect(await errorCode(engine.setRoomExtraInfo(room, 'k', 'v'))).toBe(Code.ROOM_NOT_LOGGED_IN);
    expect(await errorCode(engine.setRoomExtraInfo('', 'k', 'v'))).toBe(Code.ROOM_NOT_LOGGED_IN);
    expect(s.requests.map((r) => r.t)).toEqual(['login']);
  });

  it('a room this engine is not in, while another is logged in: 1009005 (room extra info 1002002)', async () => {
    const s = await server();
    const { engine } = await inRoom(s);
    expect(await errorCode(engine.sendBroadcastMessage('r2', 'x'))).toBe(Code.MESSAGE_NOT_IN_ROOM);
    expect(await errorCode(engine.sendBarrageMessage('r2', 'x'))).toBe(Code.MESSAGE_NOT_IN_ROOM);
    expect(await errorCode(engine.sendCustomCommand('r2', 'x', []))).toBe(Code.MESSAGE_NOT_IN_ROOM);
    const bytes = { content: new Uint8Array([1]) };
    expect(await errorCode(engine.sendTransparentMessage('r2', bytes))).toBe(Code.MESSAGE_NOT_IN_ROOM);
    expect(await errorCode(engine.setRoomExtraInfo('r2', 'k', 'v'))).toBe(Code.ROOM_NOT_LOGGED_IN);
    expect(s.requests.map((r) => r.t)).toEqual(['login']);
  });

  it('sends the frames docs/protocol.md describes and resolves with ZEGO’s result shapes', async () => {
    const s = await server();
    const { engine } = await inRoom(s);
    expect(await engine.sendBroadcastMessage('r1', 'hello')).toEqual({
      errorCode: 0,
      extendedData: '',
      messageID: 1,
    });
    expect(await engine.sendBarrageMessage('r1', 'wow')).toEqual({
      errorCode: 0,
      extendedData: '',
      messageID: '2',
    });
    expect(await engine.sendCustomCommand('r1', 'mute', ['u2', 'u3'])).toEqual({
      errorCode: 0,
      extendedData: '',
    });
    expect(await engine.sendCustomCommand('r1', { op: 'mute', who: [u3.userID] }, [])).toEqual({
      errorCode: 0,
      extendedData: '',
    });
    expect(await engine.setRoomExtraInfo('r1', 'k2', 'v')).toEqual({ errorCode: 0, extendedData: '' });
    expect(engine.renewToken('tok2')).toBe(true);
    expect(engine.renewToken('')).toBe(false);
    expect(engine.renewToken('tok3', 'not-in')).toBe(false);
    await s.request('renew');
    const sent = s.requests.slice(1).map(({ id: _id, ...rest }) => rest);
    expect(sent).toEqual([
      { t: 'bcast', room: 'r1', msg: 'hello' },
      { t: 'barrage', room: 'r1', msg: 'wow' },
      { t: 'cmd', room: 'r1', msg: 'mute', to: ['u2', 'u3'] },
      { t: 'cmd', room: 'r1', msg: '{"op":"mute","who":["u3"]}', to: [], enc: 'json' },
      { t: 'extra', room: 'r1', key: 'k2', value: 'v' },
      { t: 'renew', room: 'r1', token: 'tok2' },
    ]);
  });

  it('a refusal by the server rejects with its code, and its detail as extendedData', async () => {
    const s = await server();
    const { engine } = await inRoom(s);
    s.handlers.extra = (f, conn) => conn.reply(f, Code.EXTRA_TOO_MANY_KEYS, undefined, 'ten keys at most');
    s.handlers.bcast = (f, conn) => conn.reply(f, Code.MESSAGE_FREQUENCY);
    s.handlers.barrage = (f, conn) => conn.reply(f, Code.MESSAGE_TOO_LONG);
    s.handlers.cmd = (f, conn) => conn.reply(f, Code.MESSAGE_TOO_LONG);
    const extra = await serverError(engine.setRoomExtraInfo('r1', 'k2', 'v'));
    expect([extra.errorCode, extra.extendedData]).toEqual([Code.EXTRA_TOO_MANY_KEYS, 'ten keys at most']);
    const bcast = await serverError(engine.sendBroadcastMessage('r1', 'x'));
    expect([bcast.errorCode, bcast.extendedData]).toEqual([
      Code.MESSAGE_FREQUENCY,
      codeMessage(Code.MESSAGE_FREQUENCY),
    ]);
    expect(await errorCode(engine.sendBarrageMessage('r1', 'x'))).toBe(Code.MESSAGE_TOO_LONG);
    expect(await errorCode(engine.sendCustomCommand('r1', 'x', []))).toBe(Code.MESSAGE_TOO_LONG);
  });
});

describe('sendTransparentMessage', () => {
  it('sends the bytes as base64 in a cmd frame (enc bin), to the listed users or the whole room', async () => {
    const s = await server();
    const { engine } = await inRoom(s);
    const content = new Uint8Array([0, 1, 2, 255]);
    expect(await engine.sendTransparentMessage('r1', { content, recvUserList: [u2, u3] })).toEqual({
      errorCode: 0,
      extendedData: '',
    });
    await engine.sendTransparentMessage('r1', { content, sendMode: 2, sendType: 1, recvUserList: [] });
    await engine.sendTransparentMessage('r1', { content: new Uint8Array(4096).fill(7) });
    const sent = s.requests.filter((r) => r.t === 'cmd').map(({ id: _id, ...rest }) => rest);
    expect(sent.slice(0, 2)).toEqual([
      { t: 'cmd', room: 'r1', msg: 'AAEC/w==', to: ['u2', 'u3'], enc: 'bin' },
      { t: 'cmd', room: 'r1', msg: 'AAEC/w==', to: [], enc: 'bin' },
    ]);
    expect(sent[2]).toMatchObject({ to: [], enc: 'bin' });
    expect(atob((sent[2] as { msg: string }).msg)).toBe('\x07'.repeat(4096));
  });

  it('refuses bad messages before any traffic: 1009001 empty, 1009002 over 4096 bytes, else 1100001', async () => {
    const s = await server();
    const { engine } = await inRoom(s);
    const one = new Uint8Array([1]);
    const cases: [unknown, number][] = [
      [{ content: new Uint8Array(0) }, Code.MESSAGE_EMPTY],
      [{}, Code.MESSAGE_EMPTY],
      [{ content: new Uint8Array(4097) }, Code.COMMAND_TOO_LONG],
      [{ content: 'text' }, Code.INPUT_PARAM],
      [null, Code.INPUT_PARAM],
      [{ content: one, sendMode: 3 }, Code.INPUT_PARAM],
      [{ content: one, sendType: 2 }, Code.INPUT_PARAM],
      [{ content: one, recvUserList: [{ userName: 'x' }] }, Code.INPUT_PARAM],
      [{ content: one, recvUserList: 'u2' }, Code.INPUT_PARAM],
      [{ content: one, timeOut: 0 }, Code.INPUT_PARAM],
      [{ content: one, timeOut: 1.5 }, Code.INPUT_PARAM],
    ];
    for (const [message, code] of cases) {
      expect(await errorCode(engine.sendTransparentMessage('r1', message as never))).toBe(code);
    }
    // OnlyServer: there is no business-server receiver here, and the refusal says so.
    const onlyServer = await serverError(engine.sendTransparentMessage('r1', { content: one, sendMode: 1 }));
    expect(onlyServer.errorCode).toBe(Code.INPUT_PARAM);
    expect(onlyServer.extendedData).toMatch(/OnlyServer/);
    const notARoom = engine.sendTransparentMessage(7 as never, { content: one });
    expect(await errorCode(notARoom)).toBe(Code.MESSAGE_NOT_IN_ROOM);
    expect(s.requests.map((r) => r.t)).toEqual(['login']);
  });

  it('fails with 1009010 when no answer comes within timeOut seconds; a refusal with its code', async () => {
    const s = await server();
    const { engine } = await inRoom(s);
    s.handlers.cmd = () => {}; // never answers
    const started = Date.now();
    const late = await serverError(
      engine.sendTransparentMessage('r1', { content: new Uint8Array([1]), timeOut: 1 }),
    );
    expect(late.errorCode).toBe(Code.MESSAGE_SEND_FAILED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    s.handlers.cmd = (f, conn) => conn.reply(f, Code.MESSAGE_FREQUENCY);
    const refused = engine.sendTransparentMessage('r1', { content: new Uint8Array([1]) });
    expect(await errorCode(refused)).toBe(Code.MESSAGE_FREQUENCY);
  });
});
