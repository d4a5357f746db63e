// Streams with the token's privileges and expiry, `expiring`, and kickOnTokenExpiry.

import { Code, type LoginReplyData } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, tokenFor } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('streams', () => {
  it('pub, sextra and unpub reach every member but the publisher; late joiners get the list', async () => {
    const s = await h.server();
    const [pub, watcher] = [await h.client(s), await h.client(s)];
    await pub.joined('r1', 'p', { userName: 'Pat' });
    await watcher.joined('r1', 'w', { userUpdate: false });
    expect((await pub.request({ t: 'pub', room: 'r1', stream: 'cam-1', extra: 'hd' })).code).toBe(Code.OK);
    const stream = { streamID: 'cam-1', user: { userID: 'p', userName: 'Pat' }, extraInfo: 'hd' };
    expect(await watcher.waitFor((f) => f.t === 'ev' && f.k === 'pub')).toMatchObject({ room: 'r1', stream });
    const late = await h.client(s);
    const data = await late.joined('r1', 'late');
    expect(data.snapshot.streams).toEqual([stream]);
    expect((await pub.request({ t: 'sextra', room: 'r1', stream: 'cam-1', extra: 'sd' })).code).toBe(Code.OK);
    expect(await watcher.waitFor((f) => f.t === 'ev' && f.k === 'sextra')).toMatchObject({
      stream: { ...stream, extraInfo: 'sd' },
    });
    expect((await pub.request({ t: 'unpub', room: 'r1', stream: 'cam-1' })).code).toBe(Code.OK);
    await watcher.waitFor((f) => f.t === 'ev' && f.k === 'unpub');
    await late.waitFor((f) => f.t === 'ev' && f.k === 'unpub');
    await pub.sync();
    expect(pub.events().filter((e) => e.k !== 'join')).toEqual([]);
  });

  it('a stream ID belongs to one user; only its owner unpublishes or edits it (1100001)', async () => {
    const s = await h.server();
    const [a, b] = [await h.client(s), await h.client(s)];
    await a.joined('r1', 'a');
    await b.joined('r1', 'b');
    await a.request({ t: 'pub', room: 'r1', stream: 'mine' });
    expect((await b.request({ t: 'pub', room: 'r1', stream: 'mine' })).code).toBe(Code.INPUT_PARAM);
    expect((await b.request({ t: 'unpub', room: 'r1', stream: 'mine' })).code).toBe(Code.INPUT_PARAM);
    expect((await b.request({ t: 'sextra', room: 'r1', stream: 'mine', extra: 'x' })).code).toBe(
      Code.INPUT_PARAM,
    );
    expect((await b.request({ t: 'unpub', room: 'r1', stream: 'never' })).code).toBe(Code.INPUT_PARAM);
  });

  it('stream IDs and extra info are validated on the server (1100001)', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1');
    for (const stream of ['', 'a b', 'a/b', 'é', 's'.repeat(257)]) {
      expect((await c.request({ t: 'pub', room: 'r1', stream })).code).toBe(Code.INPUT_PARAM);
    }
    expect((await c.request({ t: 'pub', room: 'r1', stream: 'ok', extra: 'x'.repeat(1025) })).code).toBe(
      Code.INPUT_PARAM,
    );
    expect((await c.request({ t: 'pub', room: 'r1', stream: 'A-z_0.9'.padEnd(256, 'x') })).code).toBe(
      Code.OK,
    );
  });

  it('a room the session is not in → 1000002', async () => {
    const c = await h.client(await h.server());
    expect((await c.request({ t: 'pub', room: 'r1', stream: 's' })).code).toBe(Code.NOT_LOGGED_IN);
    await c.joined('r1', 'u1');
    expect((await c.request({ t: 'pub', room: 'r2', stream: 's' })).code).toBe(Code.NOT_LOGGED_IN);
  });
});

describe('publish privileges (1002082)', () => {
  it('a token without the publish privilege may log in but not publish', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1', { token: tokenFor('u1', { roomID: 'r1', publish: false }) });
    const reply = await c.request({ t: 'pub', room: 'r1', stream: 's1' });
    expect(reply.code).toBe(Code.NO_PUBLISH_PRIVILEGE);
    expect(reply.ext).toContain('publish privilege');
  });

  it('a stream_id_list allows the listed stream IDs only', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1', { token: tokenFor('u1', { streams: ['s1', 's2'] }) });
    expect((await c.request({ t: 'pub', room: 'r1', stream: 's2' })).code).toBe(Code.OK);
    const reply = await c.request({ t: 'pub', room: 'r1', stream: 's3' });
    expect(reply.code).toBe(Code.NO_PUBLISH_PRIVILEGE);
    expect(reply.ext).toContain('stream_id_list');
  });

  it('a renewed token’s privileges apply to the next publish', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1', { token: tokenFor('u1', { publish: false }) });
    expect((await c.request({ t: 'pub', room: 'r1', stream: 's1' })).code).toBe(Code.NO_PUBLISH_PRIVILEGE);
    expect((await c.request({ t: 'renew', token: tokenFor('u1'), room: 'r1' })).code).toBe(Code.OK);
    expect((await c.request({ t: 'pub', room: 'r1', stream: 's1' })).code).toBe(Code.OK);
  });
});

describe('token expiry', () => {
  it('an expired token blocks a new publish (1002078); the session stays; renew lifts it', async () => {
    let skewMs = 0;
    const s = await h.server({ now: () => Date.now() + skewMs });
    const [c, other] = [await h.client(s), await h.client(s)];
    await c.joined('r1', 'u1', { token: tokenFor('u1', { ttlSec: 60 }) });
    await other.joined('r1', 'u2');
    expect((await c.request({ t: 'pub', room: 'r1', stream: 'before' })).code).toBe(Code.OK);
    skewMs = 61_000;
    expect((await c.request({ t: 'pub', room: 'r1', stream: 's1' })).code).toBe(Code.TOKEN_EXPIRED);
    // Still a member: other requests work, and already published streams stay.
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 'still here' })).code).toBe(Code.OK);
    expect((await c.request({ t: 'sextra', room: 'r1', stream: 'before', extra: 'x' })).code).toBe(Code.OK);
    expect(c.since(0, (f) => f.t === 'kick')).toEqual([]);
    expect((await c.request({ t: 'renew', token: tokenFor('u1', { ttlSec: 3600 }) })).code).toBe(Code.OK);
    expect((await c.request({ t: 'pub', room: 'r1', stream: 's1' })).code).toBe(Code.OK);
  });

  it('`expiring` comes 30 s before the room’s token expires, once', async () => {
    let skewMs = 0;
    const s = await h.server({ now: () => Date.now() + skewMs, heartbeatIntervalMs: 200 });
    const c = await h.client(s);
    await c.joined('r1', 'u1', { token: tokenFor('u1', { ttlSec: 100 }) });
    await c.waitFor((f) => f.t === 'pong');
    expect(c.since(0, (f) => f.t === 'expiring')).toEqual([]);
    skewMs = 71_000; // 29 s left
    expect(await c.waitFor((f) => f.t === 'expiring')).toEqual({ t: 'expiring', room: 'r1' });
    const mark = c.mark();
    await c.waitFor((f) => f.t === 'pong', mark);
    await c.waitFor((f) => f.t === 'pong', c.mark());
    expect(c.since(0, (f) => f.t === 'expiring')).toHaveLength(1);
  });

  it('a renewed token warns again before its own expiry', async () => {
    let skewMs = 0;
    const s = await h.server({ now: () => Date.now() + skewMs, heartbeatIntervalMs: 200 });
    const c = await h.client(s);
    await c.joined('r1', 'u1', { token: tokenFor('u1', { ttlSec: 20 }) });
    await c.waitFor((f) => f.t === 'expiring');
    await c.request({ t: 'renew', token: tokenFor('u1', { ttlSec: 200 }) });
    const mark = c.mark();
    skewMs = 175_000;
    await c.waitFor((f) => f.t === 'expiring', mark);
  });

  it('kickOnTokenExpiry: the session is kicked from the room with 1002078; others see it leave', async () => {
    let skewMs = 0;
    const s = await h.server({
      now: () => Date.now() + skewMs,
      kickOnTokenExpiry: true,
      heartbeatIntervalMs: 200,
    });
    const [c, other] = [await h.client(s), await h.client(s)];
    const data: LoginReplyData = await c.joined('r1', 'u1', { token: tokenFor('u1', { ttlSec: 60 }) });
    await other.joined('r1', 'u2', { token: tokenFor('u2', { ttlSec: 3600 }) });
    await c.request({ t: 'pub', room: 'r1', stream: 's1' });
    expect(data.expire).toBeGreaterThan(0);
    skewMs = 61_000;
    expect(await c.waitFor((f) => f.t === 'kick')).toEqual({
      t: 'kick',
      room: 'r1',
      code: Code.TOKEN_EXPIRED,
      ext: 'token expired',
    });
    await other.waitFor((f) => f.t === 'ev' && f.k === 'leave');
    expect(other.events().map((e) => e.k)).toEqual(['pub', 'unpub', 'leave']);
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 'x' })).code).toBe(Code.NOT_LOGGED_IN);
    expect(other.since(0, (f) => f.t === 'kick')).toEqual([]);
  });
});
