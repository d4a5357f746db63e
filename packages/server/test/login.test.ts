// Every login rule of docs/protocol.md and docs/contract.md, each with its code, over real sockets.

import { Code, type LoginReplyData } from '@atrium/protocol';
import { encodeToken04 } from '@atrium/token';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_ID, Harness, OTHER_APP_ID, SECRET, tokenFor } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('login: identifiers (docs/contract.md, checked again on the server)', () => {
  const cases: [string, string, string, number][] = [
    ['empty roomID', '', 'u1', Code.ROOM_ID_EMPTY],
    ['roomID with a space', 'a b', 'u1', Code.ROOM_ID_ILLEGAL],
    ['roomID with a non-ASCII letter', 'café', 'u1', Code.ROOM_ID_ILLEGAL],
    ['roomID of 129 bytes', 'r'.repeat(129), 'u1', Code.ROOM_ID_TOO_LONG],
    ['empty userID', 'r1', '', Code.USER_ID_EMPTY],
    ['userID with "/" (allowed in roomIDs only)', 'r1', 'a/b', Code.USER_ID_ILLEGAL],
    ['userID with "<"', 'r1', 'a<b', Code.USER_ID_ILLEGAL],
    ['userID of 65 bytes', 'r1', 'u'.repeat(65), Code.USER_ID_TOO_LONG],
  ];
  for (const [name, room, userID, code] of cases) {
    it(`${name} → ${code}`, async () => {
      const c = await h.client(await h.server());
      const reply = await c.login(room, userID, { token: tokenFor('u1') });
      expect(reply.code).toBe(code);
      expect(reply.msg).toEqual(expect.any(String));
    });
  }

  it('accepts the full character sets and the maximum lengths', async () => {
    const s = await h.server();
    const c = await h.client(s);
    const room = "az09~!@#$%^&*()_+=-`;',.<>/".padEnd(128, 'x');
    const user = "AZ09~!@#$%^&*()_+=-`;',.".padEnd(64, 'y');
    const data = await c.joined(room, user, { userName: 'n'.repeat(256) });
    expect(data.snapshot.count).toBe(1);
  });

  it('a userName over 256 bytes → 1002010', async () => {
    const c = await h.client(await h.server());
    expect((await c.login('r1', 'u1', { userName: 'é'.repeat(129) })).code).toBe(Code.USER_NAME_TOO_LONG);
  });

  it('identifiers are checked before the appID', async () => {
    const c = await h.client(await h.server());
    expect((await c.login('', 'u1', { appID: 42 })).code).toBe(Code.ROOM_ID_EMPTY);
  });

  it('a frame whose user is not an object is a shape error (1100001)', async () => {
    const c = await h.client(await h.server());
    const reply = await c.request({ t: 'login', appID: APP_ID, room: 'r1', token: 'x', user: 'u1' });
    expect(reply.code).toBe(Code.INPUT_PARAM);
  });
});

describe('login: appID and token', () => {
  it('an unknown appID → 1001004', async () => {
    const c = await h.client(await h.server());
    expect((await c.login('r1', 'u1', { appID: 42 })).code).toBe(Code.APPID_INVALID);
    expect((await c.login('r1', 'u1', { appID: -1 })).code).toBe(Code.APPID_INVALID);
  });

  const wrong: [string, () => string, string][] = [
    ['not a token at all', () => 'garbage', 'token'],
    [
      'signed with another secret',
      () => tokenFor('u1', { secret: 'ffffffffffffffffffffffffffffffff' }),
      'token',
    ],
    ['for another app with the same secret', () => tokenFor('u1', { appID: 55 }), 'app_id'],
    ['for another user', () => tokenFor('u2'), 'user_id'],
    ['for another room', () => tokenFor('u1', { roomID: 'elsewhere' }), 'room_id'],
    ['without the login privilege', () => tokenFor('u1', { roomID: 'r1', login: false }), 'login privilege'],
  ];
  for (const [name, make, ext] of wrong) {
    it(`a token ${name} → 1002033 naming the check`, async () => {
      const c = await h.client(await h.server());
      const reply = await c.login('r1', 'u1', { token: make() });
      expect(reply.code).toBe(Code.TOKEN_WRONG);
      expect(reply.ext).toContain(ext);
    });
  }

  it('a token restricted to this room is accepted', async () => {
    const c = await h.client(await h.server());
    expect((await c.login('r1', 'u1', { token: tokenFor('u1', { roomID: 'r1' }) })).code).toBe(Code.OK);
  });

  it('an expired token → 1002078 (clock moved past expiry)', async () => {
    let skewMs = 0;
    const c = await h.client(await h.server({ now: () => Date.now() + skewMs }));
    skewMs = 3601_000;
    const reply = await c.login('r1', 'u1', { token: tokenFor('u1', { ttlSec: 3600 }) });
    expect(reply.code).toBe(Code.TOKEN_EXPIRED);
    expect(reply.ext).toContain('expired');
  });

  it('an expired token → 1002078 (encoded with a past expiry)', async () => {
    const c = await h.client(await h.server());
    const token = encodeToken04(
      { appID: APP_ID, userID: 'u1', nonce: 1, ctime: 1_600_000_000, expire: 1_600_003_600, payload: '' },
      SECRET,
      { mode: 'gcm', iv: new Uint8Array(12) },
    );
    expect((await c.login('r1', 'u1', { token })).code).toBe(Code.TOKEN_EXPIRED);
  });

  it('the reply carries session, key, heartbeat, expiry and the snapshot', async () => {
    const s = await h.server({ heartbeatIntervalMs: 4000 });
    const c = await h.client(s);
    const before = Math.floor(Date.now() / 1000);
    const data = await c.joined('r1', 'u1', { token: tokenFor('u1', { ttlSec: 100 }) });
    expect(data.session).toMatch(/^[\w-]{16,}$/);
    expect(data.key).toMatch(/^[\w-]{16,}$/);
    expect(data.key).not.toBe(data.session);
    expect(data.hb).toBe(4000);
    expect(data.expire).toBeGreaterThanOrEqual(before + 100);
    expect(data.snapshot).toEqual({ seq: 1, users: [], streams: [], extra: [], count: 1 });
  });
});

describe('login: the session’s own rules', () => {
  it('the same room twice → 1002056', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1');
    expect((await c.login('r1', 'u1')).code).toBe(Code.ALREADY_IN_THIS_ROOM);
  });

  it('single-room: another room while in one → 1002001', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1');
    expect((await c.login('r2', 'u1')).code).toBe(Code.ALREADY_IN_ROOM);
  });

  it('multi-room: several rooms, same session; another userID → 1002018', async () => {
    const c = await h.client(await h.server());
    const a = await c.joined('r1', 'u1', { multi: true });
    const b = await c.joined('r2', 'u1', { multi: true });
    expect(b.session).toBe(a.session);
    expect((await c.login('r3', 'u2', { multi: true })).code).toBe(Code.MULTI_ROOM_USER_MISMATCH);
  });

  it('multi-room: beyond maxRoomsPerUser → 1002037', async () => {
    const c = await h.client(await h.server({ maxRoomsPerUser: 2 }));
    await c.joined('r1', 'u1', { multi: true });
    await c.joined('r2', 'u1', { multi: true });
    expect((await c.login('r3', 'u1', { multi: true })).code).toBe(Code.TOO_MANY_ROOMS);
  });

  it('the session checks come after the token check', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1');
    expect((await c.login('r1', 'u1', { token: 'bad' })).code).toBe(Code.TOKEN_WRONG);
  });

  it('a failed first login leaves no session behind: a later one starts afresh', async () => {
    const c = await h.client(await h.server());
    expect((await c.login('r1', 'u1', { token: 'bad' })).code).toBe(Code.TOKEN_WRONG);
    expect((await c.login('r1', 'u2', { token: tokenFor('u2') })).code).toBe(Code.OK);
  });
});

describe('login: room capacity and duplicate logins', () => {
  it('the creator’s maxMemberCount fills the room → 1002034; 0 is unlimited', async () => {
    const s = await h.server();
    const [a, b, c] = [await h.client(s), await h.client(s), await h.client(s)];
    await a.joined('r1', 'u1', { maxMemberCount: 2 });
    await b.joined('r1', 'u2', { maxMemberCount: 0 });
    expect((await c.login('r1', 'u3')).code).toBe(Code.ROOM_FULL);
  });

  it('kick-old: the same user in the same room from another link kicks the old session (1002050)', async () => {
    const s = await h.server();
    const [old, other, fresh] = [await h.client(s), await h.client(s), await h.client(s)];
    await old.joined('r1', 'u1');
    await other.joined('r1', 'u2');
    const mark = other.mark();
    const data = await fresh.joined('r1', 'u1');
    const kick = await old.waitFor((f) => f.t === 'kick');
    expect(kick).toEqual({ t: 'kick', room: 'r1', code: Code.KICKED_DUPLICATE_LOGIN, ext: '' });
    expect(data.snapshot.users?.map((u) => u.userID)).toEqual(['u2']);
    // The others see the old membership leave and the new one join.
    await other.waitFor((f) => f.t === 'ev' && f.k === 'join', mark);
    expect(other.since(mark, (f) => f.t === 'ev').map((f) => (f.t === 'ev' ? f.k : ''))).toEqual([
      'leave',
      'join',
    ]);
    // The kicked session is gone: its requests get 1000002.
    expect((await old.request({ t: 'bcast', room: 'r1', msg: 'hi' })).code).toBe(Code.NOT_LOGGED_IN);
  });

  it('kick-old in single-room mode: the same user logging in to ANY room of the app', async () => {
    const s = await h.server();
    const [old, fresh] = [await h.client(s), await h.client(s)];
    await old.joined('r1', 'u1');
    await fresh.joined('r2', 'u1');
    expect(await old.waitFor((f) => f.t === 'kick')).toMatchObject({
      room: 'r1',
      code: Code.KICKED_DUPLICATE_LOGIN,
    });
  });

  it('multi-room sessions of one user in different rooms do not kick each other', async () => {
    const s = await h.server();
    const [one, two] = [await h.client(s), await h.client(s)];
    await one.joined('r1', 'u1', { multi: true });
    await two.joined('r2', 'u1', { multi: true });
    await one.sync();
    expect(one.since(0, (f) => f.t === 'kick')).toEqual([]);
  });

  it('the same userID in another app is another user', async () => {
    const s = await h.server();
    const [one, two] = [await h.client(s), await h.client(s)];
    await one.joined('r1', 'u1');
    await two.joined('r1', 'u1', { appID: OTHER_APP_ID, token: tokenFor('u1', otherApp) });
    await one.sync();
    expect(one.since(0, (f) => f.t === 'kick')).toEqual([]);
  });

  it('reject-new: the duplicate login fails with 1002086 and the old session stays', async () => {
    const s = await h.server({ duplicateLogin: 'reject-new' });
    const [old, fresh] = [await h.client(s), await h.client(s)];
    await old.joined('r1', 'u1');
    expect((await fresh.login('r1', 'u1')).code).toBe(Code.LOGGED_IN_ELSEWHERE);
    expect((await fresh.login('r2', 'u1')).code).toBe(Code.LOGGED_IN_ELSEWHERE);
    expect((await old.request({ t: 'bcast', room: 'r1', msg: 'still here' })).code).toBe(Code.OK);
    expect(old.since(0, (f) => f.t === 'kick')).toEqual([]);
  });

  it('kick-old when the room is full: the new login takes the old one’s place', async () => {
    const s = await h.server();
    const [old, fresh] = [await h.client(s), await h.client(s)];
    await old.joined('r1', 'u1', { maxMemberCount: 1 });
    const data: LoginReplyData = await fresh.joined('r1', 'u1');
    expect(data.snapshot.count).toBe(1);
  });
});

const otherApp = { appID: OTHER_APP_ID, secret: '0123456789abcdef0123456789abcdef' };
