// Reconnection (docs/contract.md) from the SDK's side: dead-link detection, resume with replay,
// rebuild from a snapshot when the resume is refused, the reconnect window, kicks, and requests
// made while away.

import { codeMessage } from '@atrium/protocol';
import { describe, expect, it } from 'vitest';
import { Code } from '../src/index.js';
import type { FakeServer } from './fake-server.js';
import { type Client, errorCode, u2, u3, u4, useHarness } from './harness.js';
import { quietFor } from './recorder.js';

const { server, client } = useHarness();
const HB = 200;

async function inRoom(s: FakeServer, options = {}): Promise<Client> {
  const c = client(s.url, options);
  await c.engine.loginRoom('r1', 'tok', { userID: 'me' }, { userUpdate: true });
  return c;
}

const ev = (seq: number, body: Record<string, unknown>) => ({ t: 'ev', room: 'r1', seq, ...body });
const bcast = (seq: number, message: string) =>
  ev(seq, { k: 'bcast', msg: { fromUser: u2, message, sendTime: seq, messageID: seq } });
const messages = (c: Client) =>
  c.rec.of('IMRecvBroadcastMessage').flatMap((a) => (a[1] as { message: string }[]).map((m) => m.message));

/**
 * The client's link drops; the server accepts its resume with `rooms`, sends `replay`, and then,
 * if `thenSilent`, answers nothing more (pings included). Resolves at RECONNECTED.
 */
async function resumedWith(
  s: FakeServer,
  c: Client,
  rooms: Record<string, unknown>,
  replay: Record<string, unknown>[],
  thenSilent = false,
) {
  s.handlers.resume = (f, conn) => {
    conn.reply(f, Code.OK, { hb: HB, rooms });
    for (const frame of replay) conn.send(frame);
    if (thenSilent) conn.silent = true;
  };
  const mark = c.rec.mark();
  s.last?.kill();
  const back = await c.rec.waitForState('r1', 'RECONNECTED');
  return { mark, back };
}

describe('detecting a dead link', () => {
  it('a silent link (no frame for 2 × hb) is RECONNECTING 1002051 within two heartbeats', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s);
    const silencedAt = Date.now();
    const first = s.last;
    if (first === undefined) throw new Error('no connection');
    first.silent = true;
    const reconnecting = await c.rec.waitForState('r1', 'RECONNECTING');
    expect(reconnecting.at - silencedAt).toBeLessThan(2 * HB + 600);
    expect(reconnecting.args[2]).toBe(Code.CONNECTION_INTERRUPTED);
    expect(c.rec.of('roomStateUpdate', 'r1').at(-1)?.[1]).toBe('CONNECTING');
    await c.rec.waitForState('r1', 'RECONNECTED');
    expect(first.closed).toBe(true);
  });

  it('pings every hb while the link is up', async () => {
    const s = await server({ hb: HB });
    await inRoom(s);
    const conn = s.last;
    await s.until(() => (conn?.frames.filter((f) => f.t === 'ping').length ?? 0) >= 3, 3000);
  });

  it('honours bye: reconnects after retryMs, and gets back in', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s);
    const byeAt = Date.now();
    s.last?.send({ t: 'bye', code: Code.INTERNAL, retryMs: 600 });
    await c.rec.waitForState('r1', 'RECONNECTING');
    await s.until(() => s.attempts === 2);
    expect(Date.now() - byeAt).toBeGreaterThanOrEqual(590);
    await c.rec.waitForState('r1', 'RECONNECTED');
  });
});

describe('resume refused: a fresh login, and only the differences', () => {
  it('diffs the fresh snapshot against what the app was told, then RECONNECTED {"recovered":false}', async () => {
    const s = await server({ hb: HB });
    const s3 = { streamID: 's3', user: u3, extraInfo: '' };
    s.snapshots.set('r1', {
      seq: 7,
      users: [u2, u3],
      streams: [{ streamID: 's2', user: u2, extraInfo: 'cam' }, s3],
      extra: [{ key: 'k', value: 'v', updateUser: u2, updateTime: 1 }],
      count: 3,
    });
    const c = await inRoom(s);
    expect(c.engine.renewToken('tok2', 'r1')).toBe(true);
    await s.request('renew');
    // While away: u3 left with s3, u4 came, s2 changed its extra info; the server restarted (seq 1).
    s.snapshots.set('r1', {
      seq: 1,
      users: [u2, u4],
      streams: [{ streamID: 's2', user: u2, extraInfo: 'hd' }],
      extra: [{ key: 'k', value: 'v', updateUser: u2, updateTime: 1 }],
      count: 3,
    });
    const mark = c.rec.mark();
    s.last?.kill();
    const back = await c.rec.waitForState('r1', 'RECONNECTED');
    expect(back.args[3]).toBe('{"recovered":false}');
    expect(c.rec.names(mark)).toEqual([
      'RECONNECTING',
      'roomUserUpdate',
      'roomUserUpdate',
      'roomStreamUpdate',
      'streamExtraInfoUpdate',
      'RECONNECTED',
    ]);
    const told = c.rec.all.slice(mark);
    expect(told[2]?.args).toEqual(['r1', 'DELETE', [u3]]);
    expect(told[3]?.args).toEqual(['r1', 'ADD', [u4]]);
    const urls = { urlsFLV: '', urlsRTMP: '', urlsHLS: '', urlsHttpsFLV: '', urlsHttpsHLS: '' };
    const unknown = { stream_delete_reason: [{ stream_id: 's3', code: 0, description: 'unknown' }] };
    expect(told[4]?.args).toEqual(['r1', 'DELETE', [{ ...s3, ...urls }], JSON.stringify(unknown)]);
    expect(await s.request('resume')).toMatchObject({ session: 's1', key: 'k1', rooms: { r1: 7 } });
    const relogin = await s.request('login', 1);
    expect(relogin).toMatchObject({ room: 'r1', token: 'tok2', userUpdate: true });
    // The fresh snapshot starts the sequence again: seq 2 is new, not a duplicate.
    s.last?.send(bcast(2, 'after'));
    await c.rec.waitFor('IMRecvBroadcastMessage');
    expect(messages(c)).toEqual(['after']);
  });

  it('publishes the streams the app still publishes again on the new session', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s);
    expect(c.engine.startPublishingStream('mine', undefined, { extraInfo: 'cam' })).toBe(true);
    await c.rec.waitFor('publisherStateUpdate', (a) => (a[0] as { state: string }).state === 'PUBLISHING');
    expect(await c.engine.setStreamExtraInfo('mine', 'hd')).toEqual({ errorCode: 0, extendedData: '' });
    s.last?.kill();
    await c.rec.waitForState('r1', 'RECONNECTED');
    expect(await s.request('pub', 1)).toMatchObject({ room: 'r1', stream: 'mine', extra: 'hd' });
  });

  it.each([
    [Code.TOKEN_EXPIRED, 'RECONNECT_FAILED'],
    [Code.ROOM_FULL, 'RECONNECT_FAILED'],
    [Code.KICKED_DUPLICATE_LOGIN, 'KICKOUT'],
  ])('a fresh login refused with %i ends in %s, and the engine stops', async (code, reason) => {
    const s = await server({ hb: HB });
    const c = await inRoom(s);
    s.handlers.login = (f, conn) => conn.reply(f, code);
    s.last?.kill();
    await c.rec.waitForState('r1', reason);
    expect(c.rec.states('r1').slice(-2)).toEqual(['RECONNECTING:1002051', `${reason}:${code}`]);
    expect(c.engine.getRoomState('r1')).toBe(reason);
    await s.until(() => s.conns.every((conn) => conn.closed));
  });

  it('a resume refused with a kick code is KICKOUT at once: no fresh login that would kick the winner', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s);
    s.handlers.resume = (f, conn) => conn.reply(f, Code.KICKED_DUPLICATE_LOGIN);
    s.last?.kill();
    await c.rec.waitForState('r1', 'KICKOUT');
    expect(s.requests.filter((r) => r.t === 'login')).toHaveLength(1);
  });
});

describe('resume accepted', () => {
  it('applies the replay, drops what was already seen, then RECONNECTED {"recovered":true}', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s);
    s.last?.send(bcast(1, 'm1'));
    s.last?.send(bcast(2, 'm2'));
    await c.rec.waitFor(
      'IMRecvBroadcastMessage',
      (a) => (a[1] as { message: string }[])[0]?.message === 'm2',
    );
    const { mark, back } = await resumedWith(s, c, { r1: { replayed: true } }, [
      bcast(1, 'm1'),
      bcast(2, 'm2'),
      bcast(3, 'm3'),
      ev(4, { k: 'join', user: u3 }),
    ]);
    expect(back.args[3]).toBe('{"recovered":true}');
    expect(c.rec.names(mark)).toEqual([
      'RECONNECTING',
      'IMRecvBroadcastMessage',
      'roomUserUpdate',
      'RECONNECTED',
    ]);
    expect(messages(c)).toEqual(['m1', 'm2', 'm3']);
    expect(await s.request('resume')).toMatchObject({ rooms: { r1: 2 } });
    expect(s.requests.filter((r) => r.t === 'login')).toHaveLength(1);
  });

  it('when the reply names the replay’s last seq, RECONNECTED comes with that event: no ping round trip', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s);
    s.last?.send(bcast(1, 'm1'));
    await c.rec.waitFor('IMRecvBroadcastMessage');
    // After the replay the server answers nothing, pings included: only the reply can tell.
    const { mark, back } = await resumedWith(
      s,
      c,
      { r1: { replayed: true, upTo: 3 } },
      [bcast(2, 'm2'), bcast(3, 'm3')],
      true,
    );
    expect(back.args[3]).toBe('{"recovered":true}');
    expect(c.rec.names(mark)).toEqual([
      'RECONNECTING',
      'IMRecvBroadcastMessage',
      'IMRecvBroadcastMessage',
      'RECONNECTED',
    ]);
    expect(messages(c)).toEqual(['m1', 'm2', 'm3']);
  });

  it('a reply saying nothing is replayed (upTo 0) is RECONNECTED at once', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s);
    const { mark, back } = await resumedWith(s, c, { r1: { replayed: true, upTo: 0 } }, [], true);
    expect(back.args[3]).toBe('{"recovered":true}');
    expect(c.rec.names(mark)).toEqual(['RECONNECTING', 'RECONNECTED']);
  });

  it('a room the server cannot replay comes with a snapshot: diffed, recovered:false, no fresh login', async () => {
    const s = await server({ hb: HB });
    s.snapshots.set('r1', { seq: 3, users: [u2], streams: [], extra: [], count: 2 });
    const c = await inRoom(s);
    const snapshot = { seq: 9, users: [u2, u3], streams: [], extra: [], count: 3 };
    const { mark, back } = await resumedWith(s, c, { r1: { replayed: false, snapshot } }, []);
    expect(back.args[3]).toBe('{"recovered":false}');
    expect(c.rec.names(mark)).toEqual([
      'RECONNECTING',
      'roomUserUpdate',
      'roomOnlineUserCountUpdate',
      'RECONNECTED',
    ]);
    expect(s.requests.filter((r) => r.t === 'login')).toHaveLength(1);
  });
});

describe('the reconnect window and kicks', () => {
  it('window expiry is RECONNECT_FAILED 1002053, then silence: no events, no connection attempts', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s, { reconnectWindowMs: 1000 });
    s.accepting = false;
    const cutAt = Date.now();
    s.last?.kill();
    const failed = await c.rec.waitForState('r1', 'RECONNECT_FAILED');
    expect(failed.args[2]).toBe(Code.NETWORK_BROKEN);
    expect(failed.at - cutAt).toBeGreaterThanOrEqual(950);
    expect(s.attempts).toBeGreaterThan(1);
    const attempts = s.attempts;
    const mark = c.rec.mark();
    s.accepting = true;
    await quietFor(1200);
    expect(s.attempts).toBe(attempts);
    expect(c.rec.all.length).toBe(mark);
    expect(c.engine.getRoomState('r1')).toBe('RECONNECT_FAILED');
  });

  it('a kick frame is KICKOUT with its code and {"custom_kickout_message": reason}, never reconnected', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s);
    s.last?.send({ t: 'kick', room: 'r1', code: Code.KICKED_BY_BACKEND, ext: 'spam' });
    const kicked = await c.rec.waitForState('r1', 'KICKOUT');
    expect(kicked.args.slice(2)).toEqual([Code.KICKED_BY_BACKEND, '{"custom_kickout_message":"spam"}']);
    expect(c.rec.of('roomStateUpdate', 'r1').at(-1)).toEqual([
      'r1',
      'DISCONNECTED',
      Code.KICKED_BY_BACKEND,
      '{"custom_kickout_message":"spam"}',
    ]);
    await s.until(() => s.last?.closed === true);
    await quietFor(500);
    expect(s.attempts).toBe(1);
    expect(c.rec.states('r1')).toEqual(['LOGINING:0', 'LOGINED:0', 'KICKOUT:1002055']);
  });

  it('a kick arriving while the room is away ends it in KICKOUT', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s);
    s.handlers.resume = (f, conn) => {
      conn.send({ t: 'kick', room: 'r1', code: Code.KICKED_DUPLICATE_LOGIN, ext: '' });
      conn.reply(f, Code.NOT_LOGGED_IN);
    };
    s.last?.kill();
    const kicked = await c.rec.waitForState('r1', 'KICKOUT');
    expect(c.rec.states('r1').slice(-2)).toEqual(['RECONNECTING:1002051', 'KICKOUT:1002050']);
    // No reason given: what the code means, in ZEGO's shape.
    expect(JSON.parse(kicked.args[3] as string)).toEqual({
      custom_kickout_message: codeMessage(Code.KICKED_DUPLICATE_LOGIN),
    });
    expect(s.requests.filter((r) => r.t === 'login')).toHaveLength(1);
  });
});

describe('requests while away', () => {
  it('a broadcast made while RECONNECTING is sent after the room is back, and resolves then; a barrage fails 1000002', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s);
    s.accepting = false;
    s.last?.kill();
    await c.rec.waitForState('r1', 'RECONNECTING');
    const sent = c.engine.sendBroadcastMessage('r1', 'queued');
    expect(await errorCode(c.engine.sendBarrageMessage('r1', 'now'))).toBe(Code.NOT_LOGGED_IN);
    s.accepting = true;
    expect(await sent).toEqual({ errorCode: 0, extendedData: '', messageID: expect.any(Number) });
    const order = s.requests.map((r) => r.t);
    expect(order.slice(order.indexOf('resume'))).toEqual(['resume', 'login', 'bcast']);
    expect(c.rec.states('r1').at(-1)).toBe('RECONNECTED:0');
  });

  it('a request whose reply was lost in the cut is sent again with the same id', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s);
    s.handlers.bcast = (f, conn) => {
      if (s.requests.filter((r) => r.t === 'bcast').length === 1) conn.kill();
      else conn.reply(f, Code.OK, { messageID: 77 });
    };
    const reply = await c.engine.sendBroadcastMessage('r1', 'once');
    expect(reply).toEqual({ errorCode: 0, extendedData: '', messageID: 77 });
    const [first, again] = s.requests.filter((r) => r.t === 'bcast');
    expect(again?.id).toBe(first?.id);
    const ids = s.requests.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length - 1); // unique but for the resend
  });

  it('the window running out rejects queued sends with 1002053', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s, { reconnectWindowMs: 700 });
    s.accepting = false;
    s.last?.kill();
    await c.rec.waitForState('r1', 'RECONNECTING');
    const results = await Promise.all([
      errorCode(c.engine.sendBroadcastMessage('r1', 'x')),
      errorCode(c.engine.sendCustomCommand('r1', 'x', ['u2'])),
      errorCode(c.engine.setRoomExtraInfo('r1', 'k', 'v')),
      errorCode(c.engine.sendTransparentMessage('r1', { content: new Uint8Array([1]) })),
    ]);
    expect(results).toEqual([
      Code.NETWORK_BROKEN,
      Code.NETWORK_BROKEN,
      Code.NETWORK_BROKEN,
      Code.NETWORK_BROKEN,
    ]);
    expect(c.rec.states('r1').at(-1)).toBe('RECONNECT_FAILED:1002053');
  });

  it('ignores events it has already processed (seq at or below the last)', async () => {
    const s = await server({ hb: HB });
    const c = await inRoom(s);
    for (const seq of [1, 2, 2, 1, 3]) s.last?.send(bcast(seq, `m${seq}`));
    await c.rec.waitFor(
      'IMRecvBroadcastMessage',
      (a) => (a[1] as { message: string }[])[0]?.message === 'm3',
    );
    expect(messages(c)).toEqual(['m1', 'm2', 'm3']);
  });
});
