// Logout, switch and renew: what a session does after its first login.

import { Code, type LoginReplyData } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, tokenFor } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('logout', () => {
  it('before any login → 1000002', async () => {
    const c = await h.client(await h.server());
    expect((await c.request({ t: 'logout' })).code).toBe(Code.NOT_LOGGED_IN);
  });

  it('one room: others see leave; the room is free for a new login', async () => {
    const s = await h.server();
    const [a, b] = [await h.client(s), await h.client(s)];
    await a.joined('r1', 'u1');
    await b.joined('r1', 'u2');
    expect((await a.request({ t: 'logout', room: 'r1' })).code).toBe(Code.OK);
    expect(await b.waitFor((f) => f.t === 'ev' && f.k === 'leave')).toMatchObject({
      room: 'r1',
      user: { userID: 'u1' },
    });
    expect((await a.request({ t: 'bcast', room: 'r1', msg: 'x' })).code).toBe(Code.NOT_LOGGED_IN);
    // Single-room mode: after logging out the session may enter another room.
    expect((await a.login('r2', 'u1')).code).toBe(Code.OK);
  });

  it('a room not logged in → 1002002', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1', { multi: true });
    expect((await c.request({ t: 'logout', room: 'nope' })).code).toBe(Code.ROOM_NOT_LOGGED_IN);
  });

  it('without a room: every room of the session', async () => {
    const s = await h.server();
    const [a, b] = [await h.client(s), await h.client(s)];
    await a.joined('r1', 'u1', { multi: true });
    await a.joined('r2', 'u1', { multi: true });
    await b.joined('r1', 'u2', { multi: true });
    await b.joined('r2', 'u2', { multi: true });
    expect((await a.request({ t: 'logout' })).code).toBe(Code.OK);
    await b.waitFor((f) => f.t === 'ev' && f.k === 'leave' && f.room === 'r1');
    await b.waitFor((f) => f.t === 'ev' && f.k === 'leave' && f.room === 'r2');
    // The session ended with its last room: a new login starts a new one.
    const again = await a.joined('r1', 'u1');
    expect(again.session).not.toBe('');
  });

  it('the session ends with its last room: the next login gets a new session ID', async () => {
    const c = await h.client(await h.server());
    const first = await c.joined('r1', 'u1');
    await c.request({ t: 'logout', room: 'r1' });
    const second = await c.joined('r1', 'u1');
    expect(second.session).not.toBe(first.session);
  });
});

describe('switch', () => {
  it('leaves `from` and logs in to `room` in one request', async () => {
    const s = await h.server();
    const [a, inOld, inNew] = [await h.client(s), await h.client(s), await h.client(s)];
    const first = await a.joined('r1', 'u1');
    await inOld.joined('r1', 'u2');
    await inNew.joined('r2', 'u3');
    const reply = await a.request({
      t: 'switch',
      from: 'r1',
      room: 'r2',
      token: tokenFor('u1'),
      userUpdate: true,
    });
    expect(reply.code).toBe(Code.OK);
    const data = reply.data as LoginReplyData;
    expect(data.session).toBe(first.session);
    expect(data.snapshot.users?.map((u) => u.userID)).toEqual(['u3']);
    await inOld.waitFor((f) => f.t === 'ev' && f.k === 'leave');
    expect(await inNew.waitFor((f) => f.t === 'ev' && f.k === 'join')).toMatchObject({
      user: { userID: 'u1' },
    });
    expect((await a.request({ t: 'bcast', room: 'r1', msg: 'x' })).code).toBe(Code.MESSAGE_NOT_IN_ROOM);
    expect((await a.request({ t: 'bcast', room: 'r2', msg: 'x' })).code).toBe(Code.OK);
  });

  it('a `from` the session is not in → 1000002, nothing changes', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1');
    const reply = await c.request({ t: 'switch', from: 'zz', room: 'r2', token: tokenFor('u1') });
    expect(reply.code).toBe(Code.NOT_LOGGED_IN);
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 'x' })).code).toBe(Code.OK);
  });

  it('a refused target leaves the session in no room (the SDK already reported LOGOUT)', async () => {
    const s = await h.server();
    const [a, full] = [await h.client(s), await h.client(s)];
    await full.joined('r2', 'u2', { maxMemberCount: 1 });
    await a.joined('r1', 'u1');
    const reply = await a.request({ t: 'switch', from: 'r1', room: 'r2', token: tokenFor('u1') });
    expect(reply.code).toBe(Code.ROOM_FULL);
    expect((await a.request({ t: 'bcast', room: 'r1', msg: 'x' })).code).toBe(Code.NOT_LOGGED_IN);
    const bad = await a.request({ t: 'switch', from: 'r1', room: 'r3', token: tokenFor('u1') });
    expect(bad.code).toBe(Code.NOT_LOGGED_IN);
  });

  it('checks the token against the target room', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1');
    const reply = await c.request({
      t: 'switch',
      from: 'r1',
      room: 'r2',
      token: tokenFor('u1', { roomID: 'r1' }),
    });
    expect(reply.code).toBe(Code.TOKEN_WRONG);
    expect(reply.ext).toContain('room_id');
  });

  it('checks the target roomID', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1');
    const reply = await c.request({ t: 'switch', from: 'r1', room: 'a b', token: tokenFor('u1') });
    expect(reply.code).toBe(Code.ROOM_ID_ILLEGAL);
  });
});

describe('renew', () => {
  it('before login → 1000002; a room not joined → 1000002', async () => {
    const c = await h.client(await h.server());
    expect((await c.request({ t: 'renew', token: tokenFor('u1') })).code).toBe(Code.NOT_LOGGED_IN);
    await c.joined('r1', 'u1');
    expect((await c.request({ t: 'renew', token: tokenFor('u1'), room: 'r2' })).code).toBe(
      Code.NOT_LOGGED_IN,
    );
  });

  it('replaces the expiry, returned in the reply', async () => {
    const c = await h.client(await h.server());
    const data = await c.joined('r1', 'u1', { token: tokenFor('u1', { ttlSec: 100 }) });
    const reply = await c.request({ t: 'renew', token: tokenFor('u1', { ttlSec: 5000 }), room: 'r1' });
    expect(reply.code).toBe(Code.OK);
    expect((reply.data as { expire: number }).expire).toBeGreaterThan(data.expire + 4000);
  });

  it('refuses a token for another user, app or room (1002033) and an expired one (1002078)', async () => {
    let skewMs = 0;
    const c = await h.client(await h.server({ now: () => Date.now() + skewMs }));
    await c.joined('r1', 'u1');
    const renew = (token: string) => c.request({ t: 'renew', token });
    expect((await renew(tokenFor('u2'))).code).toBe(Code.TOKEN_WRONG);
    expect((await renew(tokenFor('u1', { appID: 77 }))).code).toBe(Code.TOKEN_WRONG);
    expect((await renew(tokenFor('u1', { roomID: 'r9' }))).code).toBe(Code.TOKEN_WRONG);
    expect((await renew('junk')).code).toBe(Code.TOKEN_WRONG);
    const shortLived = tokenFor('u1', { ttlSec: 10 });
    skewMs = 11_000;
    expect((await renew(shortLived)).code).toBe(Code.TOKEN_EXPIRED);
  });

  it('without a room, a room-restricted token renews only that room', async () => {
    let skewMs = 0;
    const c = await h.client(await h.server({ now: () => Date.now() + skewMs }));
    await c.joined('r1', 'u1', { multi: true, token: tokenFor('u1', { ttlSec: 60 }) });
    await c.joined('r2', 'u1', { multi: true, token: tokenFor('u1', { ttlSec: 60 }) });
    const reply = await c.request({ t: 'renew', token: tokenFor('u1', { roomID: 'r2', ttlSec: 3600 }) });
    expect(reply.code).toBe(Code.OK);
    skewMs = 120_000;
    // r1 kept the old (now expired) token, r2 has the renewed one.
    expect((await c.request({ t: 'pub', room: 'r1', stream: 's1' })).code).toBe(Code.TOKEN_EXPIRED);
    expect((await c.request({ t: 'pub', room: 'r2', stream: 's2' })).code).toBe(Code.OK);
  });
});
