// Publishing, ZEGO's way: startPublishingStream(streamID, localStream?, options?) answers at once
// (true, false, or a thrown ServerError) and the server's verdict follows as publisherStateUpdate.
import { describe, expect, it } from 'vitest';
import { Code, type PublisherState } from '../src/index.js';
import type { FakeServer } from './fake-server.js';
import { type Client, errorCode, serverError, thrown, useHarness } from './harness.js';

const { server, client } = useHarness();

async function inRoom(s: FakeServer): Promise<Client> {
  const c = client(s.url);
  await c.engine.loginRoom('r1', 'tok', { userID: 'me' });
  return c;
}

const states = (c: Client): PublisherState[] =>
  c.rec.of('publisherStateUpdate').map((a) => a[0] as PublisherState);

const state = (s: PublisherState['state'], streamID: string, code = 0, ext = ''): PublisherState => ({
  state: s,
  streamID,
  errorCode: code,
  extendedData: ext,
});

const until = (c: Client, s: PublisherState['state'], streamID: string) =>
  c.rec.waitFor('publisherStateUpdate', (a) => {
    const p = a[0] as PublisherState;
    return p.state === s && p.streamID === streamID;
  });

describe('startPublishingStream', () => {
  it('true, then PUBLISH_REQUESTING after the call returns, then PUBLISHING; options come third', async () => {
    const s = await server();
    const c = await inRoom(s);
    const localStream = {}; // a MediaStream in a browser: accepted and ignored
    const options = { roomID: 'r1', extraInfo: 'x', videoCodec: 'VP8' as const };
    expect(c.engine.startPublishingStream('cam-1', localStream, options)).toBe(true);
    expect(states(c)).toEqual([]);
    await until(c, 'PUBLISHING', 'cam-1');
    expect(states(c)).toEqual([state('PUBLISH_REQUESTING', 'cam-1'), state('PUBLISHING', 'cam-1')]);
    expect(await s.request('pub')).toMatchObject({ room: 'r1', stream: 'cam-1', extra: 'x' });
    // No options: the only room, and no extra info on the wire.
    expect(c.engine.startPublishingStream('cam-2')).toBe(true);
    const { id: _id, ...second } = await s.request('pub', 1);
    expect(second).toEqual({ t: 'pub', room: 'r1', stream: 'cam-2' });
  });

  it('a refusal by the server is NO_PUBLISH with its code and detail; the stream may be tried again', async () => {
    const s = await server();
    const c = await inRoom(s);
    s.handlers.pub = (f, conn) => conn.reply(f, Code.NO_PUBLISH_PRIVILEGE, undefined, 'no privilege');
    expect(c.engine.startPublishingStream('cam')).toBe(true);
    await until(c, 'NO_PUBLISH', 'cam');
    expect(states(c)).toEqual([
      state('PUBLISH_REQUESTING', 'cam'),
      state('NO_PUBLISH', 'cam', Code.NO_PUBLISH_PRIVILEGE, 'no privilege'),
    ]);
    delete s.handlers.pub;
    expect(c.engine.startPublishingStream('cam')).toBe(true);
    await until(c, 'PUBLISHING', 'cam');
  });

  it('throws for a bad streamID (1000015, 1000014, 1000016) or options (1100001), with no traffic or event', async () => {
    const s = await server();
    const c = await inRoom(s);
    const { engine } = c;
    expect(thrown(() => engine.startPublishingStream('')).errorCode).toBe(Code.STREAM_ID_EMPTY);
    expect(thrown(() => engine.startPublishingStream('x'.repeat(257))).errorCode).toBe(
      Code.STREAM_ID_TOO_LONG,
    );
    expect(thrown(() => engine.startPublishingStream('a b')).errorCode).toBe(Code.STREAM_ID_ILLEGAL);
    for (const options of ['r1', { roomID: 5 }, { extraInfo: 5 }, { extraInfo: 'x'.repeat(1025) }]) {
      expect(thrown(() => engine.startPublishingStream('ok', undefined, options)).errorCode).toBe(
        Code.INPUT_PARAM,
      );
    }
    await Promise.resolve();
    expect(states(c)).toEqual([]);
    expect(s.requests.map((r) => r.t)).toEqual(['login']);
  });

  it('throws 1000002 while no room is logged in (a bad streamID is still told first)', async () => {
    const s = await server();
    const { engine } = client(s.url);
    expect(thrown(() => engine.startPublishingStream('cam')).errorCode).toBe(Code.NOT_LOGGED_IN);
    expect(thrown(() => engine.startPublishingStream('')).errorCode).toBe(Code.STREAM_ID_EMPTY);
    expect(s.conns).toHaveLength(0);
  });

  it('false, with no event, for a room not logged in or a stream already published', async () => {
    const s = await server();
    const c = await inRoom(s);
    expect(c.engine.startPublishingStream('cam', undefined, { roomID: 'r2' })).toBe(false);
    expect(c.engine.startPublishingStream('cam')).toBe(true);
    expect(c.engine.startPublishingStream('cam')).toBe(false);
    await until(c, 'PUBLISHING', 'cam');
    expect(c.engine.startPublishingStream('cam')).toBe(false);
    await Promise.resolve();
    expect(states(c).map((p) => p.state)).toEqual(['PUBLISH_REQUESTING', 'PUBLISHING']);
    expect(s.requests.map((r) => r.t)).toEqual(['login', 'pub']);
  });
});

describe('stopPublishingStream', () => {
  it('NO_PUBLISH 0 for a published stream; true with no event for one that is not; false for a bad id', async () => {
    const s = await server();
    const c = await inRoom(s);
    expect(c.engine.startPublishingStream('cam')).toBe(true);
    await until(c, 'PUBLISHING', 'cam');
    expect(c.engine.stopPublishingStream('cam')).toBe(true);
    await until(c, 'NO_PUBLISH', 'cam');
    expect(c.engine.stopPublishingStream('cam')).toBe(true);
    expect(c.engine.stopPublishingStream('never')).toBe(true);
    expect(c.engine.stopPublishingStream('')).toBe(false);
    expect(c.engine.stopPublishingStream(5 as never)).toBe(false);
    const { id: _id, ...unpub } = await s.request('unpub');
    expect(unpub).toEqual({ t: 'unpub', room: 'r1', stream: 'cam' });
    await Promise.resolve();
    expect(states(c)).toEqual([
      state('PUBLISH_REQUESTING', 'cam'),
      state('PUBLISHING', 'cam'),
      state('NO_PUBLISH', 'cam'),
    ]);
    expect(s.requests.map((r) => r.t)).toEqual(['login', 'pub', 'unpub']);
  });

  it('stopped before the server answered: NO_PUBLISH once, and no PUBLISHING when the answer comes', async () => {
    const s = await server();
    const c = await inRoom(s);
    let answer = () => {};
    s.handlers.pub = (f, conn) => {
      answer = () => conn.reply(f);
    };
    expect(c.engine.startPublishingStream('cam')).toBe(true);
    await s.request('pub');
    expect(c.engine.stopPublishingStream('cam')).toBe(true);
    answer();
    await s.request('unpub');
    await c.engine.sendBroadcastMessage('r1', 'after'); // a round trip behind the pub reply
    expect(states(c)).toEqual([state('PUBLISH_REQUESTING', 'cam'), state('NO_PUBLISH', 'cam')]);
  });
});

describe('setStreamExtraInfo', () => {
  it('resolves { errorCode: 0, extendedData: "" } and sends sextra for one of this user’s streams', async () => {
    const s = await server();
    const c = await inRoom(s);
    c.engine.startPublishingStream('cam');
    expect(await c.engine.setStreamExtraInfo('cam', 'é'.repeat(512))).toEqual({
      errorCode: 0,
      extendedData: '',
    });
    const { id: _id, ...sextra } = await s.request('sextra');
    expect(sextra).toEqual({ t: 'sextra', room: 'r1', stream: 'cam', extra: 'é'.repeat(512) });
  });

  it('rejects 1100001 bad arguments, 1003050 empty, 1003051 over 1024 bytes, 1103055 not mine', async () => {
    const s = await server();
    const c = await inRoom(s);
    const { engine } = c;
    engine.startPublishingStream('cam');
    expect(await errorCode(engine.setStreamExtraInfo('', 'x'))).toBe(Code.INPUT_PARAM);
    expect(await errorCode(engine.setStreamExtraInfo(5 as never, 'x'))).toBe(Code.INPUT_PARAM);
    expect(await errorCode(engine.setStreamExtraInfo('cam', 5 as never))).toBe(Code.INPUT_PARAM);
    expect(await errorCode(engine.setStreamExtraInfo('cam', ''))).toBe(Code.STREAM_EXTRA_EMPTY);
    expect(await errorCode(engine.setStreamExtraInfo('cam', 'x'.repeat(1025)))).toBe(
      Code.STREAM_EXTRA_TOO_LONG,
    );
    expect(await errorCode(engine.setStreamExtraInfo('not-mine', 'hd'))).toBe(Code.PUBLISH_STREAM_NOT_FOUND);
    expect(s.requests.filter((r) => r.t === 'sextra')).toEqual([]);
  });

  it('rejects 1000002 while no room is logged in, and a server refusal with its code', async () => {
    const s = await server();
    const { engine } = client(s.url);
    expect(await errorCode(engine.setStreamExtraInfo('cam', 'hd'))).toBe(Code.NOT_LOGGED_IN);
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    engine.startPublishingStream('cam');
    s.handlers.sextra = (f, conn) => conn.reply(f, Code.INTERNAL, undefined, 'busy');
    const err = await serverError(engine.setStreamExtraInfo('cam', 'hd'));
    expect([err.errorCode, err.extendedData]).toEqual([Code.INTERNAL, 'busy']);
  });
});
