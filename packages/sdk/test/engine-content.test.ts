// Room events as the app receives them, and the methods that send: their checks, their results.
import { describe, expect, it } from 'vitest';
import { Code } from '../src/index.js';
import type { FakeServer } from './fake-server.js';
import { type Client, u2, u3, useHarness } from './harness.js';

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
      { t: 'ev', room: 'r1', seq: 7, k: 'unpub', stream: s2 },
      { t: 'ev', room: 'r1', seq: 8, k: 'leave', user: u2 },
    ];
    for (const f of frames) conn?.send(f);
    await c.rec.waitFor('roomUserUpdate', (a) => a[1] === 'DELETE');
    expect(c.rec.all.slice(mark).map((r) => [r.event, ...r.args])).toEqual([
      ['roomUserUpdate', 'r1', 'ADD', [u2]],
      ['roomStreamUpdate', 'r1', 'ADD', [s2], ''],
      ['streamExtraInfoUpdate', 'r1', [{ ...s2, extraInfo: 'hd' }]],
      ['roomExtraInfoUpdate', 'r1', [info]],
      ['IMRecvBroadcastMessage', 'r1', [msg]],
      ['IMRecvCustomCommand', 'r1', u2, 'mute'],
      ['IMRecvBarrageMessage', 'r1', [msg]],
      ['roomOnlineUserCountUpdate', 'r1', 4],
      ['tokenWillExpire', 'r1'],
      ['roomStreamUpdate', 'r1', 'DELETE', [s2], ''],
      ['roomUserUpdate', 'r1', 'DELETE', [u2]],
    ]);
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
    conn?.send({ t: 'whatever' });
    conn?.ws.send('not json');
    conn?.ws.send(Buffer.from([1, 2, 3]));
    conn?.send({ t: 'ev', room: 'r1', seq: 5, k: 'bcast', msg });
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

describe('sending', () => {
  it('resolves codes, never rejects: 1000002 when not logged in, parameter codes with no traffic', async () => {
    const s = await server();
    const { engine } = client(s.url);
    expect(await engine.sendBroadcastMessage('r1', 'x')).toEqual({ errorCode: Code.NOT_LOGGED_IN });
    expect(await engine.sendBarrageMessage('r1', 'x')).toEqual({ errorCode: Code.NOT_LOGGED_IN });
    expect(await engine.sendCustomCommand('r1', 'x', ['u2'])).toEqual({ errorCode: Code.NOT_LOGGED_IN });
    expect(await engine.setRoomExtraInfo('r1', 'k', 'v')).toEqual({ errorCode: Code.NOT_LOGGED_IN });
    expect(await engine.startPublishingStream('s')).toBe(false);
    expect(await engine.sendBroadcastMessage('', 'x')).toEqual({ errorCode: Code.ROOM_ID_EMPTY });
    expect(await engine.sendBroadcastMessage('r1', 'é'.repeat(513))).toEqual({ errorCode: Code.INPUT_PARAM });
    expect(await engine.sendCustomCommand('r1', 'x', [])).toEqual({ errorCode: Code.INPUT_PARAM });
    expect(await engine.setRoomExtraInfo('r1', '', 'v')).toEqual({ errorCode: Code.EXTRA_KEY_EMPTY });
    expect(await engine.setRoomExtraInfo('r1', 'k'.repeat(11), 'v')).toEqual({
      errorCode: Code.EXTRA_KEY_TOO_LONG,
    });
    expect(await engine.setRoomExtraInfo('r1', 'k', 'v'.repeat(129))).toEqual({
      errorCode: Code.EXTRA_VALUE_TOO_LONG,
    });
    expect(engine.renewToken('tok2')).toBe(false);
    expect(s.conns).toHaveLength(0);
  });

  it('sends the frames docs/protocol.md describes and returns the server’s answers', async () => {
    const s = await server();
    const c = await inRoom(s);
    const { engine } = c;
    const b = await engine.sendBroadcastMessage('r1', 'hello');
    expect(b.errorCode).toBe(0);
    expect(typeof b.messageID).toBe('number');
    expect((await engine.sendBarrageMessage('r1', 'wow')).errorCode).toBe(0);
    expect(await engine.sendCustomCommand('r1', 'mute', ['u2', 'u3'])).toEqual({ errorCode: 0 });
    s.handlers.extra = (f, conn) => conn.reply(f, Code.EXTRA_TOO_MANY_KEYS);
    expect(await engine.setRoomExtraInfo('r1', 'k2', 'v')).toEqual({ errorCode: Code.EXTRA_TOO_MANY_KEYS });
    expect(engine.renewToken('tok2')).toBe(true);
    expect(engine.renewToken('')).toBe(false);
    expect(engine.renewToken('tok3', 'not-in')).toBe(false);
    await s.request('renew');
    const sent = s.requests.slice(1).map(({ id: _id, ...rest }) => rest);
    expect(sent).toEqual([
      { t: 'bcast', room: 'r1', msg: 'hello' },
      { t: 'barrage', room: 'r1', msg: 'wow' },
      { t: 'cmd', room: 'r1', msg: 'mute', to: ['u2', 'u3'] },
      { t: 'extra', room: 'r1', key: 'k2', value: 'v' },
      { t: 'renew', room: 'r1', token: 'tok2' },
    ]);
  });

  it('publishing: the only room by default, false on refusal (code logged), stop and extra info', async () => {
    const s = await server();
    const lines: string[] = [];
    const c = client(s.url, { logLevel: 'warn', logSink: (_l, m) => lines.push(m) });
    await c.engine.loginRoom('r1', 'tok', { userID: 'me' });
    const { engine } = c;
    expect(await engine.startPublishingStream('cam-1', { extraInfo: 'x' })).toBe(true);
    expect(await s.request('pub')).toMatchObject({ room: 'r1', stream: 'cam-1', extra: 'x' });
    s.handlers.pub = (f, conn) => conn.reply(f, Code.NO_PUBLISH_PRIVILEGE);
    expect(await engine.startPublishingStream('other')).toBe(false);
    expect(lines.some((l) => l.includes(String(Code.NO_PUBLISH_PRIVILEGE)))).toBe(true);
    expect(await engine.startPublishingStream('bad id')).toBe(false);
    expect(await engine.setStreamExtraInfo('cam-1', 'hd')).toEqual({ errorCode: 0 });
    expect(await engine.setStreamExtraInfo('not-mine', 'hd')).toEqual({ errorCode: Code.INPUT_PARAM });
    expect(await engine.stopPublishingStream('cam-1')).toBe(true);
    expect(await engine.stopPublishingStream('cam-1')).toBe(false);
    expect(s.requests.map((r) => r.t)).toEqual(['login', 'pub', 'pub', 'sextra', 'unpub']);
  });
});

describe('engine odds and ends', () => {
  it('on/off refuse unknown (ZEGO media) event names with false; version and log config', async () => {
    const s = await server();
    const { engine } = client(s.url);
    expect(engine.on('publisherStateUpdate', () => {})).toBe(false);
    expect(engine.off('publisherStateUpdate')).toBe(false);
    const cb = () => {};
    expect(engine.on('roomStateUpdate', cb)).toBe(true);
    expect(engine.off('roomStateUpdate', cb)).toBe(true);
    expect(engine.getVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(engine.setLogConfig({ logLevel: 'debug' })).toBe(true);
    expect(engine.setLogConfig({ logLevel: 'loud' as never })).toBe(false);
    engine.setDebugVerbose(false);
    expect(engine.getRoomState('never')).toBe('LOGOUT');
  });
});
